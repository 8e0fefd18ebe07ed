//! Rotating a token: how long the old one keeps working, and the length its successor gets
//! unless the user picks another.

use chrono::{DateTime, Duration, Utc};

/// How long a rotated token keeps working beside the one that replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grace {
    None,
    OneHour,
    OneDay,
    SevenDays,
}

impl Grace {
    pub const ALL: [Grace; 4] = [Grace::None, Grace::OneHour, Grace::OneDay, Grace::SevenDays];

    /// The form's and the API's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Grace::None => "none",
            Grace::OneHour => "1h",
            Grace::OneDay => "24h",
            Grace::SevenDays => "7d",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|grace| grace.as_str() == text)
    }

    pub fn words(self) -> &'static str {
        match self {
            Grace::None => "None: it stops at once",
            Grace::OneHour => "1 hour",
            Grace::OneDay => "24 hours",
            Grace::SevenDays => "7 days",
        }
    }

    fn length(self) -> Option<Duration> {
        match self {
            Grace::None => None,
            Grace::OneHour => Some(Duration::hours(1)),
            Grace::OneDay => Some(Duration::hours(24)),
            Grace::SevenDays => Some(Duration::days(7)),
        }
    }

    /// When the old token, rotated at `now`, stops: `None` for at once. A grace never makes
    /// it live longer than it was going to (`expires_at`).
    pub fn old_token_stops(
        self,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let end = now + self.length()?;
        Some(expires_at.map_or(end, |expires| expires.min(end)))
    }
}

/// The Expiration Length choice a rotated token's successor starts with: the whole number
/// of days the old one was given when that is one of the choices, "never" for a token
/// without expiry, else the usual default.
pub fn length_choice_of(
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> &'static str {
    let Some(expires) = expires_at else {
        return "never";
    };
    let span = expires - created_at;
    let whole_days = span.num_days();
    let choices = [("7", 7), ("30", 30), ("60", 60), ("90", 90), ("365", 365)];
    choices
        .into_iter()
        .find(|(_, days)| whole_days == *days && span == Duration::days(*days))
        .map_or(super::expiry::DEFAULT_LENGTH_VALUE, |(value, _)| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn every_grace_reads_back_from_its_word() {
        for grace in Grace::ALL {
            assert_eq!(Grace::parse(grace.as_str()), Some(grace));
        }
        assert_eq!(Grace::parse("2h"), None);
        assert_eq!(Grace::parse(""), None);
        assert_eq!(Grace::parse("NONE"), None);
    }

    #[test]
    fn without_grace_the_old_token_stops_at_once() {
        assert_eq!(Grace::None.old_token_stops(at(7, 9), None), None);
        assert_eq!(Grace::None.old_token_stops(at(7, 9), Some(at(20, 0))), None);
    }

    #[test]
    fn a_grace_runs_from_the_rotation() {
        let now = at(7, 9);
        assert_eq!(Grace::OneHour.old_token_stops(now, None), Some(at(7, 10)));
        assert_eq!(
            Grace::OneDay.old_token_stops(now, Some(at(30, 0))),
            Some(at(8, 9))
        );
        assert_eq!(Grace::SevenDays.old_token_stops(now, None), Some(at(14, 9)));
    }

    #[test]
    fn a_grace_never_outlives_the_old_expiry() {
        let now = at(7, 9);
        assert_eq!(
            Grace::SevenDays.old_token_stops(now, Some(at(8, 0))),
            Some(at(8, 0))
        );
        assert_eq!(
            Grace::OneHour.old_token_stops(now, Some(at(7, 9))),
            Some(at(7, 9))
        );
    }

    #[test]
    fn the_successor_keeps_a_standard_length() {
        let created = at(1, 9);
        for (value, days) in [("7", 7), ("30", 30), ("60", 60), ("90", 90), ("365", 365)] {
            assert_eq!(
                length_choice_of(created, Some(created + Duration::days(days))),
                value
            );
        }
        assert_eq!(length_choice_of(created, None), "never");
    }

    #[test]
    fn any_other_length_starts_from_the_default() {
        let created = at(1, 9);
        assert_eq!(
            length_choice_of(created, Some(created + Duration::days(45))),
            "30"
        );
        assert_eq!(
            length_choice_of(
                created,
                Some(created + Duration::days(7) + Duration::minutes(1))
            ),
            "30"
        );
        assert_eq!(
            length_choice_of(created, Some(created - Duration::days(7))),
            "30"
        );
    }
}
