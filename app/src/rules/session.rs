//! How long sign-in sessions last, how long they are remembered, and what state one is in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Sessions end this long after sign-in, however active they are (seed 003).
pub const SESSION_HOURS: i64 = 3;

/// Recent Authentications lists this many days of sign-ins; older rows are purged.
pub const SESSION_RETENTION_DAYS: i64 = 30;

pub fn session_expiry(signed_in_at: DateTime<Utc>) -> DateTime<Utc> {
    signed_in_at + Duration::hours(SESSION_HOURS)
}

/// Sessions that signed in before this moment are no longer kept.
pub fn retention_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(SESSION_RETENTION_DAYS)
}

/// Why a session ended before its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionEnd {
    SignedOut,
    Deactivated,
    /// The user's password was changed or reset elsewhere.
    PasswordChanged,
}

impl SessionEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Deactivated => "deactivated",
            Self::PasswordChanged => "password_changed",
        }
    }

    /// Unknown text reads as a deactivation: the session is over either way.
    pub fn parse(text: &str) -> Self {
        match text {
            "signed_out" => Self::SignedOut,
            "password_changed" => Self::PasswordChanged,
            _ => Self::Deactivated,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionStatus {
    Active,
    Expired,
    Deactivated,
    SignedOut,
    PasswordChanged,
}

impl SessionStatus {
    /// An ending that came before the expiry wins; one recorded after it changes nothing.
    pub fn at(
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        ended: Option<(DateTime<Utc>, SessionEnd)>,
    ) -> Self {
        match ended {
            Some((at, end)) if at < expires_at => match end {
                SessionEnd::SignedOut => Self::SignedOut,
                SessionEnd::Deactivated => Self::Deactivated,
                SessionEnd::PasswordChanged => Self::PasswordChanged,
            },
            _ if now < expires_at => Self::Active,
            _ => Self::Expired,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Deactivated => "Deactivated",
            Self::SignedOut => "Signed out",
            Self::PasswordChanged => "Ended: password changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    #[test]
    fn sessions_last_exactly_three_hours() {
        let start = at(9, 0);
        let expires = session_expiry(start);
        assert_eq!(expires, at(12, 0));
        assert_eq!(
            SessionStatus::at(at(11, 59), expires, None),
            SessionStatus::Active
        );
        assert_eq!(
            SessionStatus::at(at(12, 0), expires, None),
            SessionStatus::Expired
        );
    }

    #[test]
    fn an_early_ending_decides_the_status() {
        let expires = at(12, 0);
        let deactivated = Some((at(10, 0), SessionEnd::Deactivated));
        let signed_out = Some((at(10, 0), SessionEnd::SignedOut));
        assert_eq!(
            SessionStatus::at(at(10, 30), expires, deactivated),
            SessionStatus::Deactivated
        );
        assert_eq!(
            SessionStatus::at(at(13, 0), expires, deactivated),
            SessionStatus::Deactivated
        );
        assert_eq!(
            SessionStatus::at(at(10, 30), expires, signed_out),
            SessionStatus::SignedOut
        );
        // Ending a session that had already run out leaves it expired.
        let too_late = Some((at(12, 30), SessionEnd::Deactivated));
        assert_eq!(
            SessionStatus::at(at(13, 0), expires, too_late),
            SessionStatus::Expired
        );
    }

    #[test]
    fn retention_is_thirty_days() {
        assert_eq!(retention_cutoff(at(9, 0)), at(9, 0) - Duration::days(30));
    }

    #[test]
    fn endings_round_trip() {
        for end in [
            SessionEnd::SignedOut,
            SessionEnd::Deactivated,
            SessionEnd::PasswordChanged,
        ] {
            assert_eq!(SessionEnd::parse(end.as_str()), end);
        }
        assert_eq!(SessionStatus::Deactivated.words(), "Deactivated");
    }
}
