//! Deactivating a token for a while: it is refused until a chosen time, then works again.
//! Expiring is the permanent way to stop a token; this one can be undone (Reactivate).

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeactivationError {
    #[error("Enter the date and time the token should work again.")]
    Missing,
    #[error("Enter the date and time as YYYY-MM-DD HH:MM.")]
    Unreadable,
    #[error("Choose a time in the future.")]
    NotInFuture,
    #[error("Choose a time before the token expires ({0}). To stop it for good, expire it.")]
    NotBeforeExpiry(String),
}

/// The form's `datetime-local` value, in a browser `utc_offset_minutes` east of UTC.
pub fn parse_until(
    text: &str,
    utc_offset_minutes: i32,
) -> Result<DateTime<Utc>, DeactivationError> {
    use crate::rules::expiry::{parse_local, ExpiryError};
    parse_local(text.trim(), utc_offset_minutes).map_err(|error| match error {
        ExpiryError::CustomMissing => DeactivationError::Missing,
        _ => DeactivationError::Unreadable,
    })
}

/// Whether a token that expires at `expires_at` may be deactivated at `now` until `until`:
/// a deactivation that outlasts the token would be an expiry in disguise.
pub fn check_until(
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), DeactivationError> {
    if until <= now {
        return Err(DeactivationError::NotInFuture);
    }
    match expires_at {
        Some(expires) if until >= expires => Err(DeactivationError::NotBeforeExpiry(
            expires.format("%Y-%m-%d %H:%M UTC").to_string(),
        )),
        _ => Ok(()),
    }
}

/// Whether a token deactivated until `until` is still refused at `now`.
pub fn is_deactivated(now: DateTime<Utc>, until: Option<DateTime<Utc>>) -> bool {
    until.is_some_and(|until| until > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 30, 0).unwrap()
    }

    #[test]
    fn the_time_must_lie_ahead_and_before_the_expiry() {
        let hour = Duration::hours(1);
        let expires = Some(now() + Duration::days(2));
        assert_eq!(check_until(now(), now() + hour, expires), Ok(()));
        assert_eq!(
            check_until(now(), now() + Duration::days(400), None),
            Ok(())
        );
        assert_eq!(
            check_until(now(), now(), expires),
            Err(DeactivationError::NotInFuture)
        );
        assert_eq!(
            check_until(now(), now() - hour, None),
            Err(DeactivationError::NotInFuture)
        );
        let late = check_until(now(), now() + Duration::days(2), expires).unwrap_err();
        assert_eq!(
            late,
            DeactivationError::NotBeforeExpiry("2026-12-09 09:30 UTC".into())
        );
        assert!(late.to_string().contains("expire it"));
        assert!(check_until(now(), now() + Duration::days(3), expires).is_err());
    }

    #[test]
    fn the_form_gives_a_local_time() {
        assert_eq!(
            parse_until("2026-12-08T10:30", 60),
            Ok(Utc.with_ymd_and_hms(2026, 12, 8, 9, 30, 0).unwrap())
        );
        assert_eq!(parse_until(" ", 0), Err(DeactivationError::Missing));
        assert_eq!(
            parse_until("tomorrow", 0),
            Err(DeactivationError::Unreadable)
        );
    }

    #[test]
    fn a_deactivation_ends_at_its_time() {
        let until = now() + Duration::minutes(5);
        assert!(!is_deactivated(now(), None));
        assert!(is_deactivated(now(), Some(until)));
        assert!(is_deactivated(until - Duration::seconds(1), Some(until)));
        assert!(!is_deactivated(until, Some(until)));
        assert!(!is_deactivated(now(), Some(now() - Duration::hours(1))));
    }
}
