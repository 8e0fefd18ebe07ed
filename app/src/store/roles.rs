//! The store, one trait per role. A server function asks for the role it uses; `Store`
//! bundles them all for `Services`.

use super::*;
use crate::audit::{AuditCursor, AuditQuery};
use crate::dashboard::{DayChecks, EstateCounts};
use crate::report::ReportQuery;
use crate::rules::disuse::DisusePolicy;
use crate::rules::expiry::LifetimePolicy;
use crate::rules::expiry_notice::NoticeKind;
use crate::rules::network::AllowlistEntry;
use crate::rules::permission::Permission;
use crate::rules::secret::SecretHash;
use crate::rules::session::SessionEnd;
use crate::rules::two_factor::TwoFactorRequirement;
use chrono::{DateTime, Utc};

/// Everything the app keeps, as `Services` carries it.
pub trait Store:
    UserStore
    + SessionStore
    + TokenStore
    + ReportStore
    + PolicyStore
    + InvitationStore
    + PasswordResetStore
    + TwoFactorStore
    + ThrottleStore
    + EstateStore
    + NoticeStore
    + AuditStore
{
}

impl<T> Store for T where
    T: UserStore
        + SessionStore
        + TokenStore
        + ReportStore
        + PolicyStore
        + InvitationStore
        + PasswordResetStore
        + TwoFactorStore
        + ThrottleStore
        + EstateStore
        + NoticeStore
        + AuditStore
{
}

#[async_trait::async_trait]
pub trait UserStore: Send + Sync + 'static {
    async fn count_users(&self) -> StoreResult<u64>;
    async fn insert_user(&self, user: NewUser) -> StoreResult<UserId>;
    async fn find_credentials(&self, username: &str) -> StoreResult<Option<UserCredentials>>;
    /// Changes an admin may make, with one event per field changed; false if there is no
    /// such user.
    async fn update_user(
        &self,
        user_id: UserId,
        change: UserChange,
        audit: &Audit,
    ) -> StoreResult<bool>;
    /// Sets the user's password and ends every session of theirs live then but `keep`, in
    /// one transaction; how many sessions ended.
    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: String,
        keep: SessionId,
        audit: &Audit,
    ) -> StoreResult<u64>;
    /// Inserts demo users and their tokens in one transaction.
    /// Tokens past their expiry at `now` come with their "expired by time" events.
    async fn seed(&self, users: Vec<SeedUser>, now: DateTime<Utc>) -> StoreResult<()>;
}

#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Keeps a new session, and the sign-in as an event made from its address and browser.
    async fn insert_session(&self, session: NewSession) -> StoreResult<SessionId>;
    /// The session with this secret hash if it has not expired or been ended at `now`,
    /// and its user may still sign in.
    async fn find_live_session(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionUser>>;
    /// Ends a session of `user_id` that is live then; false if there is no such session. A
    /// deactivation is an event; signing out is not.
    async fn end_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
        end: SessionEnd,
        audit: &Audit,
    ) -> StoreResult<bool>;
    /// The user's sessions that signed in at or after `since`, newest first.
    async fn sessions_of(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionRecord>>;
    /// Forgets every session that signed in before `before`; how many.
    async fn purge_sessions(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait::async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// Stores the token, and its creation in the audit trail.
    async fn insert_token(&self, token: NewToken, audit: &Audit) -> StoreResult<TokenRecord>;
    /// The user's tokens, newest first.
    async fn tokens_of(&self, user_id: UserId) -> StoreResult<Vec<TokenRecord>>;
    async fn find_token(&self, token_id: TokenId) -> StoreResult<Option<TokenRecord>>;
    /// The token whose secret has this hash, with its owner, whatever its state.
    async fn token_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>>;
    /// Marks a token still active then expired by whoever `audit` names; false if it was not.
    async fn expire_token(&self, token_id: TokenId, audit: &Audit) -> StoreResult<bool>;
    /// Refuses a token not ended then until `until`; false if it had ended.
    async fn deactivate_token(
        &self,
        token_id: TokenId,
        until: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<bool>;
    /// Lifts the deactivation of a token that is deactivated and not ended then; false
    /// otherwise.
    async fn reactivate_token(&self, token_id: TokenId, audit: &Audit) -> StoreResult<bool>;
    /// Stores `new` as the successor of token `old` and ends `old` as `end` says, in one
    /// transaction; `None`, and nothing stored, when `old` was not active then.
    async fn rotate_token(
        &self,
        old: TokenId,
        end: OldTokenEnd,
        new: NewToken,
        audit: &Audit,
    ) -> StoreResult<Option<TokenRecord>>;
    /// Expires, in one transaction, those of `tokens` that are active then; how many.
    async fn expire_tokens(&self, tokens: &[TokenId], audit: &Audit) -> StoreResult<u64>;
    /// How many tokens active at `now` went unused (or, never used, were created) at or
    /// before `cutoff`.
    async fn count_unused_tokens(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Expires those tokens in one statement, marking them expired for going `days` unused;
    /// how many. Each token is expired by exactly one caller, whichever instance runs it.
    async fn expire_unused_tokens(
        &self,
        cutoff: DateTime<Utc>,
        days: u32,
        audit: &Audit,
    ) -> StoreResult<u64>;
    /// Expires, in one transaction, those of the tokens with these secret hashes that have
    /// not ended, marking them reported leaked; which ones, and which hashes name any token.
    async fn expire_leaked_tokens(
        &self,
        hashes: &[SecretHash],
        report: &LeakReport,
        audit: &Audit,
    ) -> StoreResult<LeakExpiry>;
    /// Writes one "expired by time" event, dated at its expiry, for each token that reached
    /// its expiry by `now` and has none yet; how many. Each is written once, whichever
    /// instance asks.
    async fn record_time_expiries(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Expires every token of the user that is active then; how many.
    async fn expire_active_tokens_of(&self, user_id: UserId, audit: &Audit) -> StoreResult<u64>;
    /// The last addresses each of `tokens` was used from, newest first per token.
    async fn recent_addresses_of(&self, tokens: &[TokenId]) -> StoreResult<Vec<RecentAddress>>;
    /// The check counts of `tokens` on each day from `since` (a midnight UTC); days without
    /// checks are left out.
    async fn daily_checks_of(
        &self,
        tokens: &[TokenId],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DailyChecks>>;
    /// How many tokens active at `now` hold the permission.
    async fn count_active_tokens_with(
        &self,
        permission: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}

#[async_trait::async_trait]
pub trait ReportStore: Send + Sync + 'static {
    /// One page of the report's user rows, and how many rows the whole report has.
    async fn report_users(
        &self,
        query: &ReportQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<(Vec<ReportUser>, u64)>;
    /// The Access Tokens subtables of `users` under the report's conditions.
    async fn report_tokens(
        &self,
        users: &[UserId],
        query: &ReportQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<TokenRecord>>;
    /// How many tokens active at `now` the report shows, over all its pages.
    async fn count_active_report_tokens(
        &self,
        query: &ReportQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Expires, in one transaction, every token active then that the report shows, if
    /// there are `expected` of them; otherwise changes nothing (see [`MatchingExpiry`]).
    async fn expire_report_tokens(
        &self,
        query: &ReportQuery,
        expected: u64,
        audit: &Audit,
    ) -> StoreResult<MatchingExpiry>;
    /// Every line of the report, streamed in report order.
    fn export_rows(&self, query: ReportQuery, now: DateTime<Utc>) -> ExportStream<'_>;
}

/// The token estate as a whole, for the admins' overview.
#[async_trait::async_trait]
pub trait EstateStore: Send + Sync + 'static {
    /// How many tokens are in each of the overview's groups at `now`.
    async fn estate_counts(&self, now: DateTime<Utc>) -> StoreResult<EstateCounts>;
    /// Tokens created and tokens that ended in each week from `since` (a week start) to
    /// `now`; weeks with neither are left out.
    async fn weekly_activity(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WeekCount>>;
    /// Token checks on each day from `since` (a midnight UTC), over all tokens; days without
    /// checks are left out.
    async fn daily_checks(&self, since: DateTime<Utc>) -> StoreResult<Vec<DayChecks>>;
}

/// The company's rules: the permission catalogue and the security settings.
#[async_trait::async_trait]
pub trait PolicyStore: Send + Sync + 'static {
    /// The permission catalogue: Tessera's own first, then by name.
    async fn permissions(&self) -> StoreResult<Vec<Permission>>;
    async fn insert_permission(&self, permission: Permission, audit: &Audit) -> StoreResult<()>;
    /// Removes a permission admins added; false if there is no such removable permission.
    async fn delete_permission(&self, name: &str, audit: &Audit) -> StoreResult<bool>;
    async fn security_settings(&self) -> StoreResult<SecuritySettings>;
    async fn save_max_lifetime(&self, policy: LifetimePolicy, audit: &Audit) -> StoreResult<()>;
    /// Replaces the whole allowlist, in the order given.
    async fn save_allowlist(&self, entries: &[AllowlistEntry], audit: &Audit) -> StoreResult<()>;
    async fn save_two_factor_requirement(
        &self,
        rule: TwoFactorRequirement,
        audit: &Audit,
    ) -> StoreResult<()>;
    async fn save_disuse_policy(&self, policy: DisusePolicy, audit: &Audit) -> StoreResult<()>;
}

#[async_trait::async_trait]
pub trait InvitationStore: Send + Sync + 'static {
    /// A user with this e-mail (in any case), or else an invitation to it pending at `now`.
    async fn email_owner(&self, email: &str, now: DateTime<Utc>)
        -> StoreResult<Option<EmailOwner>>;
    async fn insert_invitation(
        &self,
        invitation: NewInvitation,
        audit: &Audit,
    ) -> StoreResult<InvitationRecord>;
    /// Every invitation, newest first.
    async fn invitations(&self) -> StoreResult<Vec<InvitationRecord>>;
    async fn find_invitation(&self, id: InvitationId) -> StoreResult<Option<InvitationRecord>>;
    /// The invitation this link secret opens, if it is pending at `now`.
    async fn open_invitation(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InvitationRecord>>;
    /// Gives a not yet accepted invitation a new link and a new expiry, and lifts any
    /// revocation; false if there is no such invitation.
    async fn resend_invitation(
        &self,
        id: InvitationId,
        secret_hash: SecretHash,
        expires_at: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<bool>;
    /// Revokes an invitation pending then; false if it was not pending.
    async fn revoke_invitation(&self, id: InvitationId, audit: &Audit) -> StoreResult<bool>;
    /// Creates the invited account and uses up the link, in one transaction.
    async fn accept_invitation(
        &self,
        secret_hash: &SecretHash,
        invitee: Invitee,
        audit: &Audit,
    ) -> StoreResult<Result<UserSummary, AcceptRefusal>>;
}

/// Single-use links an admin makes for a user to set a new password.
#[async_trait::async_trait]
pub trait PasswordResetStore: Send + Sync + 'static {
    /// Keeps a new link for the user and breaks any earlier one of theirs; `None` if there
    /// is no such user.
    async fn insert_password_reset(
        &self,
        reset: NewPasswordReset,
    ) -> StoreResult<Option<PasswordResetRecord>>;
    /// The reset this link secret opens, if it is unused and unexpired at `now`.
    async fn open_password_reset(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PasswordResetRecord>>;
    /// Uses the link up, sets the password and ends every session of the user, in one
    /// transaction; `None` if the link no longer works.
    async fn use_password_reset(
        &self,
        secret_hash: &SecretHash,
        password_hash: String,
        audit: &Audit,
    ) -> StoreResult<Option<UserSummary>>;
}

/// Two-factor sign-in: each user's TOTP secret and recovery codes, and the sign-ins that
/// wait for a code.
#[async_trait::async_trait]
pub trait TwoFactorStore: Send + Sync + 'static {
    async fn two_factor_of(&self, user_id: UserId) -> StoreResult<Option<TwoFactorRecord>>;
    /// Keeps `secret` for a set-up that waits for its first code, replacing any such;
    /// false if two-factor is already on.
    async fn begin_two_factor(
        &self,
        user_id: UserId,
        secret: String,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Turns a set-up on with the step of its first code and a fresh set of recovery codes;
    /// false if there was no set-up waiting.
    async fn confirm_two_factor(
        &self,
        user_id: UserId,
        step: i64,
        recovery_codes: Vec<SecretHash>,
        audit: &Audit,
    ) -> StoreResult<bool>;
    /// Records that the code of `step` was used; false if it, or a later one, already was,
    /// here or on another instance.
    async fn use_code_step(&self, user_id: UserId, step: i64) -> StoreResult<bool>;
    /// Uses up a recovery code; false if it is not one of the user's unused ones.
    async fn use_recovery_code(
        &self,
        user_id: UserId,
        code: &SecretHash,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn replace_recovery_codes(
        &self,
        user_id: UserId,
        recovery_codes: Vec<SecretHash>,
    ) -> StoreResult<()>;
    /// Turns two-factor off and forgets the secret and codes; false if it was not on.
    async fn disable_two_factor(&self, user_id: UserId, audit: &Audit) -> StoreResult<bool>;
    /// Keeps a challenge, and forgets those that have run out.
    async fn insert_sign_in_challenge(&self, challenge: NewSignInChallenge) -> StoreResult<()>;
    /// The user a challenge waits on, if it has not run out at `now`.
    async fn find_sign_in_challenge(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserSummary>>;
    async fn end_sign_in_challenge(&self, secret_hash: &SecretHash) -> StoreResult<()>;
}

/// Failed sign-ins, counted per subject (`rules::throttle::subjects`) in the database, so
/// that every instance sees every other's.
#[async_trait::async_trait]
pub trait ThrottleStore: Send + Sync + 'static {
    /// The counts of those of `subjects` that have any.
    async fn sign_in_failures(&self, subjects: &[String]) -> StoreResult<Vec<SignInFailures>>;
    /// One more failure for each subject at `at`; a count whose last failure is before
    /// `forgotten_before` starts again.
    async fn record_sign_in_failure(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
        forgotten_before: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Forgets a subject's failures: after a sign-in that worked.
    async fn clear_sign_in_failures(&self, subject: &str) -> StoreResult<()>;
    /// Forgets every count whose last failure is before `before`; how many.
    async fn purge_sign_in_failures(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Expiry reminders: the tokens that may be due one, the claims that make each go out once
/// across instances, and each user's choice to get them.
#[async_trait::async_trait]
pub trait NoticeStore: Send + Sync + 'static {
    /// Tokens not expired by hand that expire (or expired) after `from` and by `to`, of owners
    /// who may sign in, have an e-mail address and take the reminders.
    async fn notice_candidates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<NoticeCandidate>>;
    /// Records `kind` as sent for the token at `at`, unless it already was, here or on
    /// another instance: true when this call claimed it.
    async fn claim_notice(
        &self,
        token_id: TokenId,
        kind: NoticeKind,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Tokens the unused-token policy expired after `since` whose owners have not been told,
    /// of owners who may sign in, have an e-mail address and take the reminders.
    async fn disuse_notice_candidates(
        &self,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DisuseNoticeCandidate>>;
    /// Gives back a claim whose e-mail could not be sent.
    async fn release_notice(&self, token_id: TokenId, kind: NoticeKind) -> StoreResult<()>;
    /// The reminders sent for `tokens`, oldest first per token.
    async fn notices_of(&self, tokens: &[TokenId]) -> StoreResult<Vec<SentNotice>>;
    async fn expiry_emails_on(&self, user_id: UserId) -> StoreResult<bool>;
    async fn set_expiry_emails(&self, user_id: UserId, on: bool) -> StoreResult<()>;
}

#[async_trait::async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Every event about `tokens`, and the rotations that made them, oldest first.
    async fn token_histories(&self, tokens: &[TokenId]) -> StoreResult<Vec<AuditRecord>>;
    /// One page of at most `limit` events the Audit Log's filters match, newest first, and
    /// how many match in all.
    async fn audit_events(
        &self,
        query: &AuditQuery,
        limit: u32,
    ) -> StoreResult<(Vec<AuditRecord>, u64)>;
    /// At most `limit` events the filters match that come after `below` (newest first), or
    /// the newest ones without it; `query.page` is ignored. For walking the whole trail.
    async fn audit_events_before(
        &self,
        query: &AuditQuery,
        below: Option<AuditCursor>,
        limit: u32,
    ) -> StoreResult<Vec<AuditRecord>>;
    /// A sign-in that failed: the name tried (its user, if any, is the subject) and why.
    async fn record_failed_sign_in(
        &self,
        username: &str,
        reason: &str,
        audit: &Audit,
    ) -> StoreResult<()>;
    /// How many days events are kept.
    async fn audit_retention_days(&self) -> StoreResult<u32>;
    async fn save_audit_retention(&self, days: u32, audit: &Audit) -> StoreResult<()>;
    /// Deletes at most `limit` of the events from before `before`, oldest first; how many.
    async fn purge_audit_events(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<u64>;
}
