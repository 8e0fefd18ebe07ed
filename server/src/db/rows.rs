//! Row shapes shared by every backend, and their conversion to store records.

use super::from_db;
use app::rules::permission::{join_scopes, split_scopes};
use app::store::{TokenRecord, TokenRestrictions, UserSummary};
use app::users::Role;
use sqlx::FromRow;

#[derive(FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
}

impl UserRow {
    pub(crate) fn into_summary(self) -> UserSummary {
        UserSummary {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role: Role::parse(&self.role).unwrap_or(Role::User),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) password_hash: String,
    pub(crate) login_active: bool,
    pub(crate) is_current: bool,
}

#[derive(FromRow)]
pub(crate) struct SessionRow {
    pub(crate) session_id: i64,
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) two_factor_on: bool,
}

#[derive(FromRow)]
pub(crate) struct TokenRow {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) label: String,
    pub(crate) description: String,
    pub(crate) hint: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) expired_at: Option<i64>,
    pub(crate) expired_by: Option<String>,
    pub(crate) expired_unused_days: Option<i64>,
    pub(crate) expired_leaked: bool,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) last_used_ip: Option<String>,
    pub(crate) replaces: Option<i64>,
    pub(crate) deactivated_until: Option<i64>,
    pub(crate) deactivated_by: Option<String>,
    #[sqlx(flatten)]
    pub(crate) restrictions: RestrictionColumns,
}

/// The three space-separated lists of a token row: the permissions gathered from
/// `token_permissions`, and the whitelists as stored (their entries hold no spaces).
#[derive(FromRow, Default)]
pub(crate) struct RestrictionColumns {
    pub(crate) permissions: String,
    pub(crate) ip_whitelist: String,
    pub(crate) domain_whitelist: String,
}

impl From<RestrictionColumns> for TokenRestrictions {
    fn from(columns: RestrictionColumns) -> Self {
        Self {
            permissions: split_scopes(&columns.permissions),
            ip_whitelist: split_scopes(&columns.ip_whitelist),
            domain_whitelist: split_scopes(&columns.domain_whitelist),
        }
    }
}

impl From<&TokenRestrictions> for RestrictionColumns {
    fn from(restrictions: &TokenRestrictions) -> Self {
        Self {
            permissions: join_scopes(&restrictions.permissions),
            ip_whitelist: join_scopes(&restrictions.ip_whitelist),
            domain_whitelist: join_scopes(&restrictions.domain_whitelist),
        }
    }
}

impl From<TokenRow> for TokenRecord {
    fn from(row: TokenRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            label: row.label,
            description: row.description,
            hint: row.hint,
            created_at: from_db(row.created_at),
            expires_at: row.expires_at.map(from_db),
            expired_at: row.expired_at.map(from_db),
            expired_by: row.expired_by,
            expired_unused_days: row.expired_unused_days.and_then(|d| u32::try_from(d).ok()),
            expired_leaked: row.expired_leaked,
            last_used_at: row.last_used_at.map(from_db),
            last_used_ip: row.last_used_ip,
            replaces: row.replaces,
            deactivated_until: row.deactivated_until.map(from_db),
            deactivated_by: row.deactivated_by,
            restrictions: row.restrictions.into(),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct BearerRow {
    #[sqlx(flatten)]
    pub(crate) token: TokenRow,
    pub(crate) owner_username: String,
    pub(crate) owner_display_name: String,
    pub(crate) owner_role: String,
}

/// A token's columns; its permissions are gathered space-separated, in the order it was
/// given them (`string_agg` with `ORDER BY` reads the same on both backends).
pub(crate) const TOKEN_COLUMNS: &str =
    "t.id, t.user_id, t.label, t.description, t.hint, t.created_at, t.expires_at, \
     t.expired_at, eb.display_name AS expired_by, t.expired_unused_days, t.expired_leaked, \
     t.last_used_at, t.last_used_ip, COALESCE((SELECT string_agg(p.permission, ' ' ORDER BY p.position) \
               FROM token_permissions p WHERE p.token_id = t.id), '') AS permissions, \
     t.ip_whitelist, t.domain_whitelist, t.replaces_token_id AS replaces, \
     t.deactivated_until, \
     (SELECT d.display_name FROM users d WHERE d.id = t.deactivated_by) AS deactivated_by";

#[derive(FromRow)]
pub(crate) struct ReportUserRow {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) login_active: bool,
    pub(crate) is_current: bool,
    pub(crate) active_tokens: i64,
}

impl From<ReportUserRow> for app::store::ReportUser {
    fn from(row: ReportUserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            email: row.email,
            role: Role::parse(&row.role).unwrap_or(Role::User),
            login_active: row.login_active,
            current: row.is_current,
            active_tokens: row.active_tokens,
        }
    }
}

/// A user LEFT JOINed with one of their tokens: the token columns are all NULL when the
/// user has no token in the report.
#[derive(FromRow)]
pub(crate) struct ExportDbRow {
    #[sqlx(flatten)]
    pub(crate) user: ReportUserRow,
    pub(crate) token_id: Option<i64>,
    pub(crate) label: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) hint: Option<String>,
    pub(crate) created_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) expired_at: Option<i64>,
    pub(crate) expired_by: Option<String>,
    pub(crate) expired_unused_days: Option<i64>,
    pub(crate) expired_leaked: Option<bool>,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) last_used_ip: Option<String>,
    pub(crate) deactivated_until: Option<i64>,
    pub(crate) permissions: Option<String>,
    pub(crate) ip_whitelist: Option<String>,
    pub(crate) domain_whitelist: Option<String>,
    pub(crate) recent_ips: Option<String>,
}

impl From<ExportDbRow> for app::store::ExportRow {
    fn from(row: ExportDbRow) -> Self {
        let user_id = row.user.id;
        let token = row.token_id.map(|id| TokenRecord {
            id,
            user_id,
            label: row.label.unwrap_or_default(),
            description: row.description.unwrap_or_default(),
            hint: row.hint.unwrap_or_default(),
            created_at: from_db(row.created_at.unwrap_or_default()),
            expires_at: row.expires_at.map(from_db),
            expired_at: row.expired_at.map(from_db),
            expired_by: row.expired_by,
            expired_unused_days: row.expired_unused_days.and_then(|d| u32::try_from(d).ok()),
            expired_leaked: row.expired_leaked.unwrap_or_default(),
            last_used_at: row.last_used_at.map(from_db),
            last_used_ip: row.last_used_ip,
            replaces: None,
            deactivated_until: row.deactivated_until.map(from_db),
            deactivated_by: None,
            restrictions: RestrictionColumns {
                permissions: row.permissions.unwrap_or_default(),
                ip_whitelist: row.ip_whitelist.unwrap_or_default(),
                domain_whitelist: row.domain_whitelist.unwrap_or_default(),
            }
            .into(),
        });
        Self {
            user: row.user.into(),
            token,
            recent_ips: split_scopes(&row.recent_ips.unwrap_or_default()),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct PermissionRow {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) admin_only: bool,
    pub(crate) builtin: bool,
}

impl From<PermissionRow> for app::rules::permission::Permission {
    fn from(row: PermissionRow) -> Self {
        Self {
            name: row.name,
            description: row.description,
            admin_only: row.admin_only,
            builtin: row.builtin,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct AllowlistRow {
    pub(crate) address: String,
    pub(crate) bits: i64,
}

#[derive(FromRow)]
pub(crate) struct SessionListRow {
    pub(crate) id: i64,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) ended_at: Option<i64>,
    pub(crate) end_reason: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) device: Option<String>,
    pub(crate) second_factor: Option<String>,
}

impl From<SessionListRow> for app::store::SessionRecord {
    fn from(row: SessionListRow) -> Self {
        use app::rules::session::SessionEnd;
        Self {
            id: row.id,
            created_at: from_db(row.created_at),
            expires_at: from_db(row.expires_at),
            ended: row.ended_at.map(|at| {
                let end = row
                    .end_reason
                    .as_deref()
                    .map_or(SessionEnd::SignedOut, SessionEnd::parse);
                (from_db(at), end)
            }),
            ip: row.ip,
            user_agent: row.user_agent,
            device: row.device,
            second_factor: row
                .second_factor
                .as_deref()
                .and_then(app::rules::two_factor::SecondFactor::parse),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct InvitationRow {
    pub(crate) id: i64,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) invited_by: String,
    pub(crate) created_at: i64,
    pub(crate) sent_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) accepted_at: Option<i64>,
    pub(crate) accepted_username: Option<String>,
    pub(crate) revoked_at: Option<i64>,
}

/// Selects an [`InvitationRow`] from `invitations i`.
pub(crate) const INVITATION_COLUMNS: &str =
    "i.id, i.email, i.display_name, i.role, ib.display_name AS invited_by, i.created_at, \
     i.sent_at, i.expires_at, i.accepted_at, au.username AS accepted_username, i.revoked_at \
     FROM invitations i JOIN users ib ON ib.id = i.invited_by \
     LEFT JOIN users au ON au.id = i.accepted_user_id";

impl From<InvitationRow> for app::store::InvitationRecord {
    fn from(row: InvitationRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: Role::parse(&row.role).unwrap_or(Role::User),
            invited_by: row.invited_by,
            created_at: from_db(row.created_at),
            sent_at: from_db(row.sent_at),
            expires_at: from_db(row.expires_at),
            accepted_at: row.accepted_at.map(from_db),
            accepted_username: row.accepted_username,
            revoked_at: row.revoked_at.map(from_db),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct SignInFailuresRow {
    pub(crate) subject: String,
    pub(crate) failures: i64,
    pub(crate) last_failure_at: i64,
}

impl From<SignInFailuresRow> for app::store::SignInFailures {
    fn from(row: SignInFailuresRow) -> Self {
        Self {
            subject: row.subject,
            failures: row.failures,
            last_failure_at: from_db(row.last_failure_at),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct PasswordResetRow {
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) email: String,
    pub(crate) expires_at: i64,
}

impl From<PasswordResetRow> for app::store::PasswordResetRecord {
    fn from(row: PasswordResetRow) -> Self {
        Self {
            user: row.user.into_summary(),
            email: row.email,
            expires_at: from_db(row.expires_at),
        }
    }
}

#[derive(FromRow)]
pub(crate) struct TwoFactorRow {
    pub(crate) secret: String,
    pub(crate) confirmed_at: Option<i64>,
    pub(crate) last_used_step: Option<i64>,
    pub(crate) recovery_codes_left: i64,
}

impl From<TwoFactorRow> for app::store::TwoFactorRecord {
    fn from(row: TwoFactorRow) -> Self {
        Self {
            secret: row.secret,
            confirmed_at: row.confirmed_at.map(from_db),
            last_used_step: row.last_used_step,
            recovery_codes_left: row.recovery_codes_left.max(0) as u64,
        }
    }
}

/// The overview's counts, each a `COUNT` (which PostgreSQL returns as a BIGINT).
#[derive(FromRow, Default)]
pub(crate) struct EstateRow {
    active: i64,
    expiring_within_7_days: i64,
    expiring_within_30_days: i64,
    never_expiring: i64,
    never_used: i64,
    unused_for_90_days: i64,
    of_inactive_users: i64,
}

impl From<EstateRow> for app::dashboard::EstateCounts {
    fn from(row: EstateRow) -> Self {
        let count = |value: i64| value.max(0) as u64;
        Self {
            active: count(row.active),
            expiring_within_7_days: count(row.expiring_within_7_days),
            expiring_within_30_days: count(row.expiring_within_30_days),
            never_expiring: count(row.never_expiring),
            never_used: count(row.never_used),
            unused_for_90_days: count(row.unused_for_90_days),
            of_inactive_users: count(row.of_inactive_users),
        }
    }
}

/// A token that may be due an expiry reminder (`db/notices.rs`).
#[derive(FromRow)]
pub(crate) struct NoticeRow {
    pub(crate) token_id: i64,
    pub(crate) label: String,
    pub(crate) hint: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) owner_name: String,
    pub(crate) owner_email: String,
    /// The kinds already sent, space-separated.
    pub(crate) sent: String,
}

impl From<NoticeRow> for app::store::NoticeCandidate {
    fn from(row: NoticeRow) -> Self {
        Self {
            token_id: row.token_id,
            label: row.label,
            hint: row.hint,
            created_at: from_db(row.created_at),
            expires_at: from_db(row.expires_at),
            owner_name: row.owner_name,
            owner_email: row.owner_email,
            sent: row
                .sent
                .split_whitespace()
                .filter_map(app::rules::expiry_notice::NoticeKind::parse)
                .collect(),
        }
    }
}

/// A token the unused-token policy expired, with its owner (`db/notices.rs`).
#[derive(FromRow)]
pub(crate) struct DisuseNoticeRow {
    pub(crate) token_id: i64,
    pub(crate) label: String,
    pub(crate) hint: String,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) unused_days: i64,
    pub(crate) owner_name: String,
    pub(crate) owner_email: String,
}

impl From<DisuseNoticeRow> for app::store::DisuseNoticeCandidate {
    fn from(row: DisuseNoticeRow) -> Self {
        Self {
            token_id: row.token_id,
            label: row.label,
            hint: row.hint,
            last_used_at: row.last_used_at.map(from_db),
            unused_days: u32::try_from(row.unused_days).unwrap_or(u32::MAX),
            owner_name: row.owner_name,
            owner_email: row.owner_email,
        }
    }
}

/// An audit event with the names of who acted (`db/audit.rs`).
#[derive(FromRow)]
pub(crate) struct AuditRow {
    pub(crate) id: i64,
    pub(crate) at: i64,
    pub(crate) actor_kind: String,
    pub(crate) actor_name: Option<String>,
    pub(crate) actor_username: Option<String>,
    pub(crate) actor_token_hint: Option<String>,
    pub(crate) action: String,
    pub(crate) subject_kind: String,
    pub(crate) subject_id: Option<i64>,
    pub(crate) related_id: Option<i64>,
    pub(crate) subject_label: Option<String>,
    pub(crate) subject_hint: Option<String>,
    pub(crate) subject_owner: Option<String>,
    pub(crate) client_ip: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) detail: String,
}

impl AuditRow {
    /// `None` for a row whose words this version does not know (written by a newer one).
    pub(crate) fn into_record(self) -> Option<app::store::AuditRecord> {
        use app::rules::audit::{ActorKind, AuditAction, SubjectKind};
        Some(app::store::AuditRecord {
            id: self.id,
            at: from_db(self.at),
            actor: ActorKind::parse(&self.actor_kind)?,
            actor_name: self.actor_name,
            actor_username: self.actor_username,
            actor_token_hint: self.actor_token_hint,
            action: AuditAction::parse(&self.action)?,
            subject: SubjectKind::parse(&self.subject_kind)?,
            subject_id: self.subject_id,
            related_id: self.related_id,
            subject_label: self.subject_label,
            subject_hint: self.subject_hint,
            subject_owner: self.subject_owner,
            client_ip: self.client_ip,
            user_agent: self.user_agent,
            detail: serde_json::from_str(&self.detail).unwrap_or_default(),
        })
    }
}

/// A token a leak report expired, with its owner (`db/leaks.rs`).
#[derive(FromRow)]
pub(crate) struct LeakedTokenRow {
    pub(crate) token_id: i64,
    pub(crate) label: String,
    pub(crate) hint: String,
    pub(crate) owner_name: String,
    pub(crate) owner_email: String,
}

impl From<LeakedTokenRow> for app::store::LeakedToken {
    fn from(row: LeakedTokenRow) -> Self {
        Self {
            token_id: row.token_id,
            label: row.label,
            hint: row.hint,
            owner_name: row.owner_name,
            owner_email: row.owner_email,
        }
    }
}
