//! Invitations: who may be invited, how long a link lives, and what state one is in.

use chrono::{DateTime, Duration, Utc};
use email_address::EmailAddress;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// An invitation link works for this long after it was (re)sent (seed 003).
pub const INVITATION_HOURS: i64 = 72;

pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// What the invitee sees for a used, expired, revoked or unknown link: one message, so the
/// page reveals nothing about which it was.
pub const BROKEN_LINK_MESSAGE: &str =
    "This invitation link is broken. Please contact your system administrator";

pub fn invitation_expiry(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::hours(INVITATION_HOURS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InviteeError {
    #[error("Enter the e-mail address of the person to invite.")]
    EmailMissing,
    #[error("Enter a valid e-mail address, like name@example.com.")]
    EmailInvalid,
    #[error("Enter the person's display name.")]
    DisplayNameMissing,
    #[error("A display name can be at most 100 characters long.")]
    DisplayNameTooLong,
    #[error("A display name cannot contain control characters.")]
    DisplayNameCharacters,
    #[error("The passwords do not match.")]
    PasswordsDiffer,
}

/// The address as stored: trimmed, with its domain in lower case (domains ignore case;
/// the part before the @ is the mail server's business and is kept as typed).
pub fn normalize_email(raw: &str) -> Result<String, InviteeError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InviteeError::EmailMissing);
    }
    let address = EmailAddress::from_str(trimmed).map_err(|_| InviteeError::EmailInvalid)?;
    // Display forms ("Ada <ada@example.com>") parse too; an invitation needs the bare address.
    if address.email() != trimmed || !address.domain().contains('.') {
        return Err(InviteeError::EmailInvalid);
    }
    Ok(format!(
        "{}@{}",
        address.local_part(),
        address.domain().to_ascii_lowercase()
    ))
}

/// Two addresses that belong to the same person as far as Tessera can tell.
pub fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

pub fn normalize_display_name(raw: &str) -> Result<String, InviteeError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(InviteeError::DisplayNameMissing);
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(InviteeError::DisplayNameTooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(InviteeError::DisplayNameCharacters);
    }
    Ok(name.to_owned())
}

pub fn check_confirmation(password: &str, confirmation: &str) -> Result<(), InviteeError> {
    if password == confirmation {
        Ok(())
    } else {
        Err(InviteeError::PasswordsDiffer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationStatus {
    /// Acceptance is final; a revocation only counts while nobody has accepted.
    pub fn at(
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        accepted_at: Option<DateTime<Utc>>,
        revoked_at: Option<DateTime<Utc>>,
    ) -> Self {
        if accepted_at.is_some() {
            Self::Accepted
        } else if revoked_at.is_some() {
            Self::Revoked
        } else if now < expires_at {
            Self::Pending
        } else {
            Self::Expired
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Accepted => "Accepted",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }

    /// A new link can be sent for anything nobody has accepted yet.
    pub fn can_resend(self) -> bool {
        self != Self::Accepted
    }

    pub fn can_revoke(self) -> bool {
        self == Self::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, h, 0, 0).unwrap()
    }

    #[test]
    fn links_live_exactly_72_hours() {
        let sent = at(23, 9);
        let expires = invitation_expiry(sent);
        assert_eq!(expires, at(26, 9));
        let just_before = expires - Duration::seconds(1);
        assert_eq!(
            InvitationStatus::at(just_before, expires, None, None),
            InvitationStatus::Pending
        );
        assert_eq!(
            InvitationStatus::at(expires, expires, None, None),
            InvitationStatus::Expired
        );
    }

    #[test]
    fn acceptance_and_revocation_decide_before_time() {
        let expires = at(26, 9);
        let now = at(24, 9);
        assert_eq!(
            InvitationStatus::at(now, expires, Some(now), None),
            InvitationStatus::Accepted
        );
        assert_eq!(
            InvitationStatus::at(at(27, 9), expires, Some(now), None),
            InvitationStatus::Accepted
        );
        assert_eq!(
            InvitationStatus::at(now, expires, None, Some(now)),
            InvitationStatus::Revoked
        );
        assert_eq!(
            InvitationStatus::at(at(27, 9), expires, None, Some(now)),
            InvitationStatus::Revoked
        );
    }

    #[test]
    fn what_admins_may_do_with_each_status() {
        use InvitationStatus::*;
        assert!(Pending.can_resend() && Expired.can_resend() && Revoked.can_resend());
        assert!(!Accepted.can_resend());
        assert!(Pending.can_revoke());
        assert!(!Accepted.can_revoke() && !Expired.can_revoke() && !Revoked.can_revoke());
    }

    #[test]
    fn emails_are_trimmed_with_the_domain_in_lower_case() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.COM "),
            Ok("Ada.Lovelace@example.com".into())
        );
        assert_eq!(
            normalize_email("x+tag@mail.example.org"),
            Ok("x+tag@mail.example.org".into())
        );
    }

    #[test]
    fn bad_emails_are_refused() {
        assert_eq!(normalize_email("   "), Err(InviteeError::EmailMissing));
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@@example.com",
            "ada example@x.com",
            "ada@localhost",
            "Ada <ada@example.com>",
        ] {
            assert_eq!(
                normalize_email(bad),
                Err(InviteeError::EmailInvalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn overlong_emails_are_refused() {
        // RFC 5321's limits: 64 characters before the @, 254 in all.
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_domain = format!("ada@{}.com", "a".repeat(260));
        for bad in [long_local, long_domain] {
            assert_eq!(normalize_email(&bad), Err(InviteeError::EmailInvalid));
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(64))).is_ok());
    }

    #[test]
    fn same_email_ignores_case_and_blanks() {
        assert!(same_email("Ada@Example.com", " ada@example.com"));
        assert!(!same_email("ada@example.com", "ada@example.org"));
    }

    #[test]
    fn display_names() {
        assert_eq!(
            normalize_display_name("  Ada Lovelace "),
            Ok("Ada Lovelace".into())
        );
        assert_eq!(
            normalize_display_name(" "),
            Err(InviteeError::DisplayNameMissing)
        );
        assert!(normalize_display_name(&"é".repeat(100)).is_ok());
        assert_eq!(
            normalize_display_name(&"é".repeat(101)),
            Err(InviteeError::DisplayNameTooLong)
        );
        assert_eq!(
            normalize_display_name("Ada\u{7}"),
            Err(InviteeError::DisplayNameCharacters)
        );
    }

    #[test]
    fn passwords_must_match() {
        assert_eq!(check_confirmation("abcdefgh", "abcdefgh"), Ok(()));
        assert_eq!(
            check_confirmation("abcdefgh", "abcdefgH"),
            Err(InviteeError::PasswordsDiffer)
        );
    }
}
