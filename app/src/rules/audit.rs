//! The audit trail's vocabulary: what happened, to what kind of thing, and who did it. Stored
//! as short words, shown as sentences.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    TokenCreated,
    TokenRotated,
    TokenExpired,
    TokenDeactivated,
    TokenReactivated,
    UserRoleChanged,
    UserLoginActiveChanged,
    UserCurrentChanged,
    PasswordChanged,
    PasswordReset,
    TwoFactorOn,
    TwoFactorOff,
    SignInSucceeded,
    SignInFailed,
    SessionDeactivated,
    InvitationSent,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    /// Company security: the allowlist, the maximum lifetime, the two-factor rule, the
    /// unused-token policy, the audit retention or the permission catalogue.
    SecuritySaved,
}

impl AuditAction {
    pub const ALL: [AuditAction; 20] = [
        Self::TokenCreated,
        Self::TokenRotated,
        Self::TokenExpired,
        Self::TokenDeactivated,
        Self::TokenReactivated,
        Self::UserRoleChanged,
        Self::UserLoginActiveChanged,
        Self::UserCurrentChanged,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::TwoFactorOn,
        Self::TwoFactorOff,
        Self::SignInSucceeded,
        Self::SignInFailed,
        Self::SessionDeactivated,
        Self::InvitationSent,
        Self::InvitationResent,
        Self::InvitationRevoked,
        Self::InvitationAccepted,
        Self::SecuritySaved,
    ];

    /// How it is stored, and named in filters and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenCreated => "token.created",
            Self::TokenRotated => "token.rotated",
            Self::TokenExpired => "token.expired",
            Self::TokenDeactivated => "token.deactivated",
            Self::TokenReactivated => "token.reactivated",
            Self::UserRoleChanged => "user.role_changed",
            Self::UserLoginActiveChanged => "user.login_active_changed",
            Self::UserCurrentChanged => "user.current_changed",
            Self::PasswordChanged => "user.password_changed",
            Self::PasswordReset => "user.password_reset",
            Self::TwoFactorOn => "user.two_factor_on",
            Self::TwoFactorOff => "user.two_factor_off",
            Self::SignInSucceeded => "sign_in.succeeded",
            Self::SignInFailed => "sign_in.failed",
            Self::SessionDeactivated => "session.deactivated",
            Self::InvitationSent => "invitation.sent",
            Self::InvitationResent => "invitation.resent",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvitationAccepted => "invitation.accepted",
            Self::SecuritySaved => "security.saved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }

    /// As a history lists it: "Created".
    pub fn words(self) -> &'static str {
        match self {
            Self::TokenCreated => "Created",
            Self::TokenRotated => "Rotated",
            Self::TokenExpired => "Expired",
            Self::TokenDeactivated => "Deactivated",
            Self::TokenReactivated => "Reactivated",
            Self::UserRoleChanged => "Role changed",
            Self::UserLoginActiveChanged => "Login Active changed",
            Self::UserCurrentChanged => "Current changed",
            Self::PasswordChanged => "Password changed",
            Self::PasswordReset => "Password reset",
            Self::TwoFactorOn => "Two-factor turned on",
            Self::TwoFactorOff => "Two-factor turned off",
            Self::SignInSucceeded => "Signed in",
            Self::SignInFailed => "Sign-in failed",
            Self::SessionDeactivated => "Session deactivated",
            Self::InvitationSent => "Invitation sent",
            Self::InvitationResent => "Invitation resent",
            Self::InvitationRevoked => "Invitation revoked",
            Self::InvitationAccepted => "Invitation accepted",
            Self::SecuritySaved => "Security saved",
        }
    }

    /// As the Action filter offers it, where token and other events are listed together:
    /// "Token created", "Signed in".
    pub fn filter_words(self) -> String {
        match self.subject() {
            SubjectKind::Token => format!("Token {}", self.words().to_lowercase()),
            _ => self.words().to_owned(),
        }
    }

    /// What kind of thing events of this action are about.
    pub fn subject(self) -> SubjectKind {
        match self {
            Self::TokenCreated
            | Self::TokenRotated
            | Self::TokenExpired
            | Self::TokenDeactivated
            | Self::TokenReactivated => SubjectKind::Token,
            Self::UserRoleChanged
            | Self::UserLoginActiveChanged
            | Self::UserCurrentChanged
            | Self::PasswordChanged
            | Self::PasswordReset
            | Self::TwoFactorOn
            | Self::TwoFactorOff
            | Self::SignInFailed => SubjectKind::User,
            Self::SignInSucceeded | Self::SessionDeactivated => SubjectKind::Session,
            Self::InvitationSent
            | Self::InvitationResent
            | Self::InvitationRevoked
            | Self::InvitationAccepted => SubjectKind::Invitation,
            Self::SecuritySaved => SubjectKind::Setting,
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorKind {
    /// Someone signed in, in the browser.
    User,
    /// A personal access token, through the API.
    Token,
    /// Tessera itself, for a reason the event names: a policy, or time.
    System,
}

impl ActorKind {
    pub const ALL: [ActorKind; 3] = [Self::User, Self::Token, Self::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Token => "token",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// What kind of thing an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    Token,
    User,
    Session,
    Invitation,
    /// Company security as a whole: the event's detail names the setting.
    Setting,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 5] = [
        Self::Token,
        Self::User,
        Self::Session,
        Self::Invitation,
        Self::Setting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::User => "user",
            Self::Session => "session",
            Self::Invitation => "invitation",
            Self::Setting => "setting",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// As the Subject filter offers it.
    pub fn words(self) -> &'static str {
        match self {
            Self::Token => "Tokens",
            Self::User => "Users",
            Self::Session => "Sessions",
            Self::Invitation => "Invitations",
            Self::Setting => "Company security",
        }
    }
}

/// How long audit events are kept, in days: a year unless admins choose otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
pub const MIN_RETENTION_DAYS: u32 = 30;
pub const MAX_RETENTION_DAYS: u32 = 3650;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("Enter a whole number of days from 30 to 3650.")]
pub struct RetentionError;

/// Reads the Security page's field.
pub fn retention_from_form(days: &str) -> Result<u32, RetentionError> {
    match days.trim().parse::<u32>() {
        Ok(days) if (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) => Ok(days),
        _ => Err(RetentionError),
    }
}

/// Events older than this are deleted, `days` being kept at `now`.
pub fn retention_cutoff(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_a_month_to_ten_years() {
        assert_eq!(retention_from_form(" 365 "), Ok(365));
        assert_eq!(retention_from_form("30"), Ok(30));
        assert_eq!(retention_from_form("3650"), Ok(3650));
        for bad in ["29", "3651", "", "-1", "1.5", "a year"] {
            assert_eq!(retention_from_form(bad), Err(RetentionError), "{bad}");
        }
        let now = DateTime::from_timestamp(1_796_600_000, 0).unwrap();
        assert_eq!(now - retention_cutoff(now, 365), Duration::days(365));
    }

    #[test]
    fn every_word_round_trips_and_none_is_shared() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        for kind in ActorKind::ALL {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        for kind in SubjectKind::ALL {
            assert_eq!(SubjectKind::parse(kind.as_str()), Some(kind));
        }
        let mut stored: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        stored.sort_unstable();
        stored.dedup();
        assert_eq!(stored.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("token.deleted"), None);
        for action in AuditAction::ALL {
            let prefix = action.as_str().split('.').next().unwrap();
            let expected = match action.subject() {
                SubjectKind::Token => "token",
                SubjectKind::User => match action {
                    AuditAction::SignInFailed => "sign_in",
                    _ => "user",
                },
                SubjectKind::Session => match action {
                    AuditAction::SignInSucceeded => "sign_in",
                    _ => "session",
                },
                SubjectKind::Invitation => "invitation",
                SubjectKind::Setting => "security",
            };
            assert_eq!(prefix, expected, "{action:?}");
        }
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
