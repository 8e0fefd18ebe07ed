//! What the server functions need from persistence: the records they exchange, and one
//! small trait per role (`roles`). The `server` crate implements them for SQLite and
//! PostgreSQL; nothing in `app` knows which database is behind them.

mod roles;
pub use roles::*;

use crate::rules::audit::{ActorKind, AuditAction, SubjectKind};
use crate::rules::disuse::DisusePolicy;
use crate::rules::expiry::{LifetimePolicy, TokenStatus};
use crate::rules::expiry_notice::NoticeKind;
use crate::rules::network::AllowlistEntry;
use crate::rules::secret::SecretHash;
use crate::rules::session::SessionEnd;
use crate::rules::two_factor::{SecondFactor, TwoFactorRequirement};
use crate::users::Role;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Duplicate(Unique),
    #[error("database error: {0}")]
    Backend(#[from] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What the database keeps unique, and a write can therefore collide with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    Username,
    Email,
    PermissionName,
    TokenSecret,
}

impl std::fmt::Display for Unique {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Username => "a user with this username",
            Self::Email => "a user with this e-mail address",
            Self::PermissionName => "a permission with this name",
            Self::TokenSecret => "a token with this secret",
        })
    }
}

pub type UserId = i64;
pub type TokenId = i64;
pub type SessionId = i64;
pub type InvitationId = i64;

/// Who someone is, without anything secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A user as sign-in needs them.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: UserSummary,
    pub password_hash: String,
    pub login_active: bool,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
}

/// A password reset link an admin made for a user: only its secret's hash is kept.
#[derive(Debug, Clone)]
pub struct NewPasswordReset {
    pub user_id: UserId,
    pub secret_hash: SecretHash,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Whose password a reset link sets, and where it can be sent.
#[derive(Debug, Clone)]
pub struct PasswordResetRecord {
    pub user: UserSummary,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: UserId,
    pub secret_hash: SecretHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The browser and system in words ("Chromium on Linux"), decided at sign-in.
    pub device: Option<String>,
    /// How the sign-in was confirmed after the password, if it had to be.
    pub second_factor: Option<SecondFactor>,
}

/// A sign-in, as Recent Authentications lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended: Option<(DateTime<Utc>, SessionEnd)>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: Option<String>,
    pub second_factor: Option<SecondFactor>,
}

/// A live session and its user, as every authenticated request sees them.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session_id: SessionId,
    pub user: UserSummary,
    /// The user has two-factor sign-in turned on.
    pub two_factor_on: bool,
}

/// When a rotated token stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldTokenEnd {
    /// At once: it is expired by hand, by whoever rotated it.
    Now,
    /// At the end of a grace period, or earlier if it was to expire before.
    At(DateTime<Utc>),
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: UserId,
    pub label: String,
    pub description: String,
    pub secret_hash: SecretHash,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub restrictions: TokenRestrictions,
}

/// What a token may do, and from where. Whitelist entries are kept as written (already
/// validated); an empty whitelist allows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRestrictions {
    pub permissions: Vec<String>,
    pub ip_whitelist: Vec<String>,
    pub domain_whitelist: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user_id: UserId,
    pub label: String,
    /// Empty when none was given.
    pub description: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub expired_by: Option<String>,
    /// Set when the unused-token policy expired it: the days it allowed then.
    pub expired_unused_days: Option<u32>,
    /// Set when it was expired because its secret was reported leaked.
    pub expired_leaked: bool,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    /// The token this one replaced, when it was made by rotating that one.
    pub replaces: Option<TokenId>,
    /// Refused until then, unless reactivated earlier; by whom (display name).
    pub deactivated_until: Option<DateTime<Utc>>,
    pub deactivated_by: Option<String>,
    pub restrictions: TokenRestrictions,
}

impl TokenRecord {
    pub fn status_at(&self, now: DateTime<Utc>) -> TokenStatus {
        TokenStatus::at(now, self.expires_at, self.expired_at)
            .unless_unused(self.expired_unused_days)
            .unless_leaked(self.expired_leaked)
            .unless_deactivated(now, self.deactivated_until)
    }
}

/// A token found by its hash, with the user it speaks for.
#[derive(Debug, Clone)]
pub struct BearerToken {
    pub token: TokenRecord,
    pub owner: UserSummary,
}

/// When a token was last used, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUse {
    pub token_id: TokenId,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    /// Every address the token was used from since the last write, each with its latest
    /// use there.
    pub addresses: Vec<(String, DateTime<Utc>)>,
}

/// How many distinct client addresses are kept per token.
pub const RECENT_ADDRESSES: usize = 5;

/// One of the last addresses a token was used from, and when it last was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentAddress {
    pub token_id: TokenId,
    pub ip: String,
    pub at: DateTime<Utc>,
}

/// What expiring every token a report shows did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchingExpiry {
    /// They were as many as expected: this many were expired.
    Expired(u64),
    /// A different number matched by then, this many: nothing was expired.
    CountChanged(u64),
}

/// A token that may be due an expiry reminder, with its owner and the reminders it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeCandidate {
    pub token_id: TokenId,
    pub label: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub owner_name: String,
    pub owner_email: String,
    pub sent: Vec<NoticeKind>,
}

/// Where a leaked secret was found, as whoever reported it said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeakReport {
    /// A link to the place, such as a commit on GitHub.
    pub url: Option<String>,
    /// What kind of place, in the reporter's words: "commit", "gist_content".
    pub source: Option<String>,
    /// Who reported it: "GitHub secret scanning", or none for anyone else.
    pub reporter: Option<String>,
}

/// What a leak report found among the secrets it named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeakExpiry {
    /// The tokens it expired, with what their owners' mails need.
    pub expired: Vec<LeakedToken>,
    /// The hashes that name a token, live or not.
    pub known: Vec<SecretHash>,
}

/// A token expired because its secret was reported leaked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakedToken {
    pub token_id: TokenId,
    pub label: String,
    pub hint: String,
    pub owner_name: String,
    /// Empty when the owner has none.
    pub owner_email: String,
}

/// A token the unused-token policy expired whose owner has not been told yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisuseNoticeCandidate {
    pub token_id: TokenId,
    pub label: String,
    pub hint: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub unused_days: u32,
    pub owner_name: String,
    pub owner_email: String,
}

/// An expiry reminder that went out, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentNotice {
    pub token_id: TokenId,
    pub kind: NoticeKind,
    pub at: DateTime<Utc>,
}

/// A user row of the System Users report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub login_active: bool,
    pub current: bool,
    pub active_tokens: i64,
}

/// One line of the report's CSV: a user, and one of their tokens when they have any.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub user: ReportUser,
    pub token: Option<TokenRecord>,
    /// The token's last addresses, newest first.
    pub recent_ips: Vec<String>,
}

/// What an admin may change about a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserChange {
    pub role: Role,
    pub login_active: bool,
    pub current: bool,
}

/// A token for demo data: its hash and times, already decided.
#[derive(Debug, Clone)]
pub struct SeedToken {
    pub label: String,
    pub secret_hash: SecretHash,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SeedUser {
    pub user: NewUser,
    pub login_active: bool,
    pub current: bool,
    pub tokens: Vec<SeedToken>,
    /// Past sign-ins, for the audit trail; the tokens' creation and expiry are written too.
    pub sign_ins: Vec<SeedSignIn>,
}

/// A past sign-in of demo data: when, from where, and whether the password was right.
#[derive(Debug, Clone)]
pub struct SeedSignIn {
    pub at: DateTime<Utc>,
    pub ip: String,
    pub succeeded: bool,
}

/// Failed sign-ins in a row against one subject, and when the last was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFailures {
    pub subject: String,
    pub failures: i64,
    pub last_failure_at: DateTime<Utc>,
}

/// The company's security settings, as admins last saved them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecuritySettings {
    pub lifetime: LifetimePolicy,
    pub allowlist: Vec<AllowlistEntry>,
    pub two_factor: TwoFactorRequirement,
    pub disuse: DisusePolicy,
}

/// A user's two-factor set-up.
#[derive(Debug, Clone)]
pub struct TwoFactorRecord {
    /// The TOTP secret, base32.
    pub secret: String,
    /// When the first code confirmed it; until then it is a set-up in progress.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last time step whose code was used.
    pub last_used_step: Option<i64>,
    pub recovery_codes_left: u64,
}

/// Someone who gave the right password and still owes a code.
#[derive(Debug, Clone)]
pub struct NewSignInChallenge {
    pub secret_hash: SecretHash,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An invitation about to be sent; only the hash of its link's secret is kept.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub secret_hash: SecretHash,
    pub invited_by: UserId,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: InvitationId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The display name of the admin who invited.
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    /// When the current link was sent: the first time, or the last Resend.
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_username: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who already has an e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailOwner {
    User,
    PendingInvitation(InvitationId),
}

/// The account an invitee chose.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub username: String,
    pub password_hash: String,
}

/// Why accepting an invitation created no account. Nothing changes in any of these cases,
/// so the invitee can try again with another username.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptRefusal {
    /// Used, expired, revoked or unknown.
    Broken,
    UsernameTaken,
    EmailTaken,
}

pub type ExportStream<'a> = futures::stream::BoxStream<'a, StoreResult<ExportRow>>;

/// What happened to tokens in one week of the overview's chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekCount {
    /// Whole weeks after the chart's first.
    pub week: i64,
    pub created: u64,
    /// Expired by hand or by time.
    pub expired: u64,
}

/// Where the checks of secrets that named no token are counted, in place of a token id.
pub const NO_TOKEN: TokenId = 0;

/// How the checks of one token (or of `NO_TOKEN`) ended on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyChecks {
    pub token_id: TokenId,
    /// Midnight UTC.
    pub day: DateTime<Utc>,
    pub succeeded: u64,
    pub refused: u64,
}

/// Who makes a change, when, and from where. Every write that changes what the audit trail
/// covers records it as events in the write's own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub at: DateTime<Utc>,
    pub actor: ActorKind,
    /// The user acting, or whose token acts; `None` for Tessera itself.
    pub user_id: Option<UserId>,
    /// The token an API call came with.
    pub token_id: Option<TokenId>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Audit {
    /// A signed-in user's change, from where is not known (the command line, tests).
    pub fn by_user(user_id: UserId, at: DateTime<Utc>) -> Self {
        Self {
            at,
            actor: ActorKind::User,
            user_id: Some(user_id),
            token_id: None,
            client_ip: None,
            user_agent: None,
        }
    }

    /// Someone not signed in, in the browser: a sign-in that failed.
    pub fn by_visitor(at: DateTime<Utc>) -> Self {
        Self {
            at,
            actor: ActorKind::User,
            user_id: None,
            token_id: None,
            client_ip: None,
            user_agent: None,
        }
    }

    /// Tessera's own change: a policy or time at work.
    pub fn by_system(at: DateTime<Utc>) -> Self {
        Self {
            at,
            actor: ActorKind::System,
            user_id: None,
            token_id: None,
            client_ip: None,
            user_agent: None,
        }
    }

    /// The same change, made by `user_id` themselves once the store knows who they are: a
    /// reset link's or an invitation's user.
    pub fn as_user(mut self, user_id: UserId) -> Self {
        self.actor = ActorKind::User;
        self.user_id = Some(user_id);
        self
    }

    /// The same change, made through the API with `token_id`.
    pub fn with_token(mut self, token_id: TokenId) -> Self {
        self.actor = ActorKind::Token;
        self.token_id = Some(token_id);
        self
    }

    pub fn from_client(mut self, client_ip: Option<String>, user_agent: Option<String>) -> Self {
        self.client_ip = client_ip;
        self.user_agent = user_agent;
        self
    }
}

/// One event of the audit trail, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: ActorKind,
    /// The acting user's display name and username, when a user or their token acted.
    pub actor_name: Option<String>,
    pub actor_username: Option<String>,
    /// The hint of the token an API call came with.
    pub actor_token_hint: Option<String>,
    pub action: AuditAction,
    pub subject: SubjectKind,
    pub subject_id: Option<i64>,
    /// Another thing the event concerns: the token a rotation made.
    pub related_id: Option<i64>,
    /// A token subject's label and hint, and the username of whose it is.
    pub subject_label: Option<String>,
    pub subject_hint: Option<String>,
    pub subject_owner: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// What else the event says, by action: the permissions granted, the old and new expiry…
    pub detail: serde_json::Value,
}
