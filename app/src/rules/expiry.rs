//! When a token stops working, and what state it is in at a given moment.

use crate::rules::deactivation::is_deactivated;
use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Tokens created before this instant expire one year after creation, whatever length was
/// chosen: the rule that was in force before expiration lengths existed (seed 000).
pub fn legacy_cutoff() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 13, 0, 0, 0)
        .single()
        .expect("valid date")
}

/// The Expiration Length a user picks when creating a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ExpirationLength {
    Days7,
    #[default]
    Days30,
    Days60,
    Days90,
    OneYear,
    Custom(DateTime<Utc>),
    Never,
}

/// The choices of the Expiration Length select, in the order shown: (form value, words).
pub const LENGTH_CHOICES: [(&str, &str); 7] = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("60", "60 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("custom", "Custom date and time"),
    ("never", "No expiration"),
];

pub const DEFAULT_LENGTH_VALUE: &str = "30";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ExpiryError {
    #[error("Choose an expiration length.")]
    UnknownLength,
    #[error("Enter the date and time the token should expire.")]
    CustomMissing,
    #[error("Enter the date and time as YYYY-MM-DD HH:MM.")]
    CustomUnreadable,
    #[error("The expiration date and time must be in the future.")]
    CustomInPast,
    #[error("Tokens may live at most {0} days here; choose an earlier expiry.")]
    BeyondMaxLifetime(u32),
}

impl ExpirationLength {
    /// Reads the form: the select's value, the custom `datetime-local` value (the browser's
    /// local time, `YYYY-MM-DDTHH:MM`), and the browser's offset from UTC in minutes east.
    pub fn from_form(
        value: &str,
        custom_local: &str,
        utc_offset_minutes: i32,
        now: DateTime<Utc>,
    ) -> Result<Self, ExpiryError> {
        Ok(match value {
            "7" => Self::Days7,
            "30" => Self::Days30,
            "60" => Self::Days60,
            "90" => Self::Days90,
            "365" => Self::OneYear,
            "never" => Self::Never,
            "custom" => {
                let at = parse_local(custom_local.trim(), utc_offset_minutes)?;
                if at <= now {
                    return Err(ExpiryError::CustomInPast);
                }
                Self::Custom(at)
            }
            _ => return Err(ExpiryError::UnknownLength),
        })
    }

    /// The moment a token created at `created` with this length expires; `None` is never.
    pub fn expires_at(self, created: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if created < legacy_cutoff() {
            return Some(one_year_after(created));
        }
        match self {
            Self::Days7 => Some(created + Duration::days(7)),
            Self::Days30 => Some(created + Duration::days(30)),
            Self::Days60 => Some(created + Duration::days(60)),
            Self::Days90 => Some(created + Duration::days(90)),
            Self::OneYear => Some(one_year_after(created)),
            Self::Custom(at) => Some(at),
            Self::Never => None,
        }
    }
}

/// The longest an admin may allow tokens to live, in days (ten years).
pub const MAX_LIFETIME_DAYS_LIMIT: u32 = 3650;

/// The maximum token lifetime admins may set; `None` (the default) is no maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LifetimePolicy {
    pub max_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("Enter a whole number of days from 1 to 3650, or choose no maximum.")]
pub struct MaxLifetimeError;

impl LifetimePolicy {
    /// Reads the Security page's field: blank is no maximum.
    pub fn from_form(days: &str) -> Result<Self, MaxLifetimeError> {
        let days = days.trim();
        if days.is_empty() {
            return Ok(Self { max_days: None });
        }
        match days.parse::<u32>() {
            Ok(n) if (1..=MAX_LIFETIME_DAYS_LIMIT).contains(&n) => Ok(Self { max_days: Some(n) }),
            _ => Err(MaxLifetimeError),
        }
    }

    /// Whether a token created at `created` with `length` would expire within the maximum.
    pub fn allows(self, length: ExpirationLength, created: DateTime<Utc>) -> bool {
        let Some(max_days) = self.max_days else {
            return true;
        };
        let latest = created + Duration::days(i64::from(max_days));
        length.expires_at(created).is_some_and(|at| at <= latest)
    }

    pub fn check(
        self,
        length: ExpirationLength,
        created: DateTime<Utc>,
    ) -> Result<(), ExpiryError> {
        match self.max_days {
            Some(days) if !self.allows(length, created) => {
                Err(ExpiryError::BeyondMaxLifetime(days))
            }
            _ => Ok(()),
        }
    }

    /// The Expiration Length choices to offer at `now`: those the maximum allows, and
    /// always the custom date (checked when chosen).
    pub fn choices(self, now: DateTime<Utc>) -> Vec<(&'static str, &'static str)> {
        LENGTH_CHOICES
            .iter()
            .copied()
            .filter(|(value, _)| {
                *value == "custom"
                    || ExpirationLength::from_form(value, "", 0, now)
                        .is_ok_and(|length| self.allows(length, now))
            })
            .collect()
    }

    /// The choice selected when the form opens: 30 days, or the longest shorter one.
    pub fn default_choice(self, now: DateTime<Utc>) -> &'static str {
        let choices = self.choices(now);
        if choices
            .iter()
            .any(|(value, _)| *value == DEFAULT_LENGTH_VALUE)
        {
            return DEFAULT_LENGTH_VALUE;
        }
        choices
            .iter()
            .rev()
            .map(|(value, _)| *value)
            .find(|value| *value != "custom" && *value != "never")
            .unwrap_or("custom")
    }
}

fn one_year_after(at: DateTime<Utc>) -> DateTime<Utc> {
    // 29 February plus a year is 28 February: chrono clamps to the month's last day.
    at.checked_add_months(Months::new(12))
        .expect("far from the end of time")
}

/// A `datetime-local` value in a browser `utc_offset_minutes` east of UTC, as UTC.
pub(crate) fn parse_local(
    text: &str,
    utc_offset_minutes: i32,
) -> Result<DateTime<Utc>, ExpiryError> {
    if text.is_empty() {
        return Err(ExpiryError::CustomMissing);
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or(ExpiryError::CustomUnreadable)?;
    let offset = FixedOffset::east_opt(utc_offset_minutes.saturating_mul(60))
        .ok_or(ExpiryError::CustomUnreadable)?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|at| at.with_timezone(&Utc))
        .ok_or(ExpiryError::CustomUnreadable)
}

/// How many days before a token expires its owner is told.
pub const EXPIRY_NOTICE_DAYS: i64 = 7;

/// Whether a token that expires at `expires_at` does so within the notice period after
/// `now` (and has not yet).
pub fn expires_soon(now: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> bool {
    expires_at.is_some_and(|at| at > now && at <= now + Duration::days(EXPIRY_NOTICE_DAYS))
}

/// What a token is at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenStatus {
    Active,
    /// Refused for a while, until a chosen time or a Reactivate.
    Deactivated,
    Expired,
    ExpiredManually,
    /// Expired by the unused-token policy (see [`crate::rules::disuse`]).
    ExpiredUnused,
    /// Expired because someone reported its secret leaked.
    ReportedLeaked,
}

impl TokenStatus {
    pub fn at(
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        expired_manually_at: Option<DateTime<Utc>>,
    ) -> Self {
        if expired_manually_at.is_some() {
            Self::ExpiredManually
        } else if expires_at.is_some_and(|at| at <= now) {
            Self::Expired
        } else {
            Self::Active
        }
    }

    /// Active, unless it is deactivated until after `now`.
    pub fn unless_deactivated(
        self,
        now: DateTime<Utc>,
        deactivated_until: Option<DateTime<Utc>>,
    ) -> Self {
        match self {
            Self::Active if is_deactivated(now, deactivated_until) => Self::Deactivated,
            status => status,
        }
    }

    /// Expired early because it went unused: `unused_days` is what the policy said then.
    pub fn unless_unused(self, unused_days: Option<u32>) -> Self {
        match self {
            Self::ExpiredManually if unused_days.is_some() => Self::ExpiredUnused,
            status => status,
        }
    }

    /// Expired because its secret was reported leaked.
    pub fn unless_leaked(self, leaked: bool) -> Self {
        match self {
            Self::ExpiredManually if leaked => Self::ReportedLeaked,
            status => status,
        }
    }

    /// Expired by time, by hand, by policy or by a leak report: nothing brings it back.
    pub fn has_ended(self) -> bool {
        matches!(
            self,
            Self::Expired | Self::ExpiredManually | Self::ExpiredUnused | Self::ReportedLeaked
        )
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Deactivated => "Deactivated",
            Self::Expired => "Expired",
            Self::ExpiredManually => "Expired manually",
            Self::ExpiredUnused => "Expired as unused",
            Self::ReportedLeaked => "Reported leaked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(days: Option<u32>) -> LifetimePolicy {
        LifetimePolicy { max_days: days }
    }

    fn values(choices: Vec<(&'static str, &'static str)>) -> Vec<&'static str> {
        choices.into_iter().map(|(value, _)| value).collect()
    }

    #[test]
    fn soon_is_the_seven_days_ahead() {
        let expires = |days: i64, seconds: i64| {
            Some(now() + Duration::days(days) + Duration::seconds(seconds))
        };
        assert!(expires_soon(now(), expires(0, 1)));
        assert!(expires_soon(now(), expires(7, 0)));
        assert!(!expires_soon(now(), expires(7, 1)));
        assert!(!expires_soon(now(), expires(0, 0)), "already expired");
        assert!(!expires_soon(now(), expires(-1, 0)));
        assert!(!expires_soon(now(), None), "never expires");
    }

    #[test]
    fn no_maximum_allows_everything_including_never() {
        let p = policy(None);
        assert_eq!(values(p.choices(now())), values(LENGTH_CHOICES.to_vec()));
        assert!(p.allows(ExpirationLength::Never, now()));
        assert_eq!(p.default_choice(now()), "30");
    }

    #[test]
    fn a_maximum_hides_and_refuses_longer_lengths_and_never() {
        let p = policy(Some(60));
        assert_eq!(values(p.choices(now())), vec!["7", "30", "60", "custom"]);
        assert!(p.allows(ExpirationLength::Days60, now()));
        assert_eq!(
            p.check(ExpirationLength::Days90, now()),
            Err(ExpiryError::BeyondMaxLifetime(60))
        );
        assert_eq!(
            p.check(ExpirationLength::Never, now()),
            Err(ExpiryError::BeyondMaxLifetime(60))
        );
    }

    #[test]
    fn custom_dates_up_to_the_maximum_to_the_second() {
        let p = policy(Some(10));
        let edge = now() + Duration::days(10);
        assert_eq!(p.check(ExpirationLength::Custom(edge), now()), Ok(()));
        assert!(!p.allows(ExpirationLength::Custom(edge + Duration::seconds(1)), now()));
    }

    #[test]
    fn default_choice_falls_back_to_the_longest_allowed() {
        assert_eq!(policy(Some(29)).default_choice(now()), "7");
        assert_eq!(policy(Some(3)).default_choice(now()), "custom");
        assert_eq!(policy(Some(365)).default_choice(now()), "30");
    }

    #[test]
    fn one_year_against_a_365_day_maximum_depends_on_leap_days() {
        // 2026-11-23 to 2027-11-23 is 365 days; from 2027-03-01 a year spans 29 Feb 2028.
        assert!(policy(Some(365)).allows(ExpirationLength::OneYear, now()));
        assert!(!policy(Some(365)).allows(ExpirationLength::OneYear, at(2027, 3, 1, 0, 0)));
    }

    #[test]
    fn max_lifetime_form() {
        assert_eq!(LifetimePolicy::from_form(" "), Ok(policy(None)));
        assert_eq!(LifetimePolicy::from_form("90"), Ok(policy(Some(90))));
        assert_eq!(LifetimePolicy::from_form("3650"), Ok(policy(Some(3650))));
        for bad in ["0", "-1", "3651", "1.5", "ninety"] {
            assert_eq!(
                LifetimePolicy::from_form(bad),
                Err(MaxLifetimeError),
                "{bad}"
            );
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn now() -> DateTime<Utc> {
        at(2026, 11, 23, 10, 0)
    }

    #[test]
    fn each_fixed_length_adds_its_days() {
        let created = now();
        let cases = [
            (ExpirationLength::Days7, at(2026, 11, 30, 10, 0)),
            (ExpirationLength::Days30, at(2026, 12, 23, 10, 0)),
            (ExpirationLength::Days60, at(2027, 1, 22, 10, 0)),
            (ExpirationLength::Days90, at(2027, 2, 21, 10, 0)),
            (ExpirationLength::OneYear, at(2027, 11, 23, 10, 0)),
        ];
        for (length, expected) in cases {
            assert_eq!(length.expires_at(created), Some(expected), "{length:?}");
        }
    }

    #[test]
    fn custom_and_never() {
        let custom = at(2027, 5, 1, 8, 30);
        assert_eq!(
            ExpirationLength::Custom(custom).expires_at(now()),
            Some(custom)
        );
        assert_eq!(ExpirationLength::Never.expires_at(now()), None);
    }

    #[test]
    fn default_is_thirty_days() {
        assert_eq!(ExpirationLength::default(), ExpirationLength::Days30);
        let (value, _) = LENGTH_CHOICES
            .iter()
            .find(|(v, _)| *v == DEFAULT_LENGTH_VALUE)
            .unwrap();
        assert_eq!(
            ExpirationLength::from_form(value, "", 0, now()),
            Ok(ExpirationLength::Days30)
        );
    }

    #[test]
    fn legacy_rule_applies_just_before_the_cutoff_whatever_was_chosen() {
        let created = legacy_cutoff() - Duration::seconds(1);
        let year_later = at(2027, 3, 12, 23, 59) + Duration::seconds(59);
        for length in [
            ExpirationLength::Days7,
            ExpirationLength::Days30,
            ExpirationLength::OneYear,
            ExpirationLength::Never,
            ExpirationLength::Custom(at(2030, 1, 1, 0, 0)),
        ] {
            assert_eq!(length.expires_at(created), Some(year_later), "{length:?}");
        }
    }

    #[test]
    fn chosen_length_applies_from_the_cutoff_on() {
        let created = legacy_cutoff();
        assert_eq!(
            ExpirationLength::Days7.expires_at(created),
            Some(at(2026, 3, 20, 0, 0))
        );
        assert_eq!(ExpirationLength::Never.expires_at(created), None);
    }

    #[test]
    fn one_year_from_leap_day_lands_on_the_last_of_february() {
        let leap = at(2028, 2, 29, 12, 0);
        assert_eq!(
            ExpirationLength::OneYear.expires_at(leap),
            Some(at(2029, 2, 28, 12, 0))
        );
    }

    #[test]
    fn form_values_map_to_lengths() {
        let cases = [
            ("7", ExpirationLength::Days7),
            ("30", ExpirationLength::Days30),
            ("60", ExpirationLength::Days60),
            ("90", ExpirationLength::Days90),
            ("365", ExpirationLength::OneYear),
            ("never", ExpirationLength::Never),
        ];
        for (value, expected) in cases {
            assert_eq!(
                ExpirationLength::from_form(value, "", 0, now()),
                Ok(expected)
            );
        }
        for (value, _) in LENGTH_CHOICES {
            assert_ne!(
                ExpirationLength::from_form(value, "2030-01-01T00:00", 0, now()),
                Err(ExpiryError::UnknownLength),
                "{value}"
            );
        }
        assert_eq!(
            ExpirationLength::from_form("14", "", 0, now()),
            Err(ExpiryError::UnknownLength)
        );
    }

    #[test]
    fn custom_time_is_read_in_the_browsers_offset() {
        // 09:00 in UTC+02:00 is 07:00 UTC.
        let parsed = ExpirationLength::from_form("custom", "2027-01-05T09:00", 120, now());
        assert_eq!(parsed, Ok(ExpirationLength::Custom(at(2027, 1, 5, 7, 0))));
        let west = ExpirationLength::from_form("custom", "2027-01-05T09:00", -300, now());
        assert_eq!(west, Ok(ExpirationLength::Custom(at(2027, 1, 5, 14, 0))));
    }

    #[test]
    fn custom_time_errors() {
        let parse = |text, offset| ExpirationLength::from_form("custom", text, offset, now());
        assert_eq!(parse("", 0), Err(ExpiryError::CustomMissing));
        assert_eq!(parse("   ", 0), Err(ExpiryError::CustomMissing));
        assert_eq!(parse("next tuesday", 0), Err(ExpiryError::CustomUnreadable));
        assert_eq!(
            parse("2027-02-30T10:00", 0),
            Err(ExpiryError::CustomUnreadable)
        );
        assert_eq!(
            parse("2027-01-05T09:00", 100_000),
            Err(ExpiryError::CustomUnreadable)
        );
        assert_eq!(parse("2026-11-23T10:00", 0), Err(ExpiryError::CustomInPast));
        assert_eq!(parse("2020-01-01T00:00", 0), Err(ExpiryError::CustomInPast));
        assert!(parse("2026-11-23T10:01", 0).is_ok());
    }

    #[test]
    fn status_at_a_moment() {
        let later = now() + Duration::days(1);
        assert_eq!(
            TokenStatus::at(now(), Some(later), None),
            TokenStatus::Active
        );
        assert_eq!(TokenStatus::at(now(), None, None), TokenStatus::Active);
        assert_eq!(
            TokenStatus::at(later, Some(later), None),
            TokenStatus::Expired
        );
        assert_eq!(
            TokenStatus::at(now(), Some(later), Some(now())),
            TokenStatus::ExpiredManually
        );
        assert_eq!(
            TokenStatus::at(later, Some(now()), Some(now())),
            TokenStatus::ExpiredManually
        );
        assert_eq!(TokenStatus::ExpiredManually.words(), "Expired manually");
        let until = Some(later);
        assert_eq!(
            TokenStatus::Active.unless_deactivated(now(), until),
            TokenStatus::Deactivated
        );
        assert_eq!(
            TokenStatus::Active.unless_deactivated(later, until),
            TokenStatus::Active
        );
        assert_eq!(
            TokenStatus::Expired.unless_deactivated(now(), until),
            TokenStatus::Expired
        );
        let early = TokenStatus::at(now(), Some(later), Some(now()));
        assert_eq!(early.unless_unused(Some(90)), TokenStatus::ExpiredUnused);
        assert_eq!(early.unless_unused(None), TokenStatus::ExpiredManually);
        assert_eq!(
            TokenStatus::Active.unless_unused(Some(90)),
            TokenStatus::Active
        );
        assert_eq!(TokenStatus::ExpiredUnused.words(), "Expired as unused");
        assert!(TokenStatus::Expired.has_ended() && TokenStatus::ExpiredManually.has_ended());
        assert!(TokenStatus::ExpiredUnused.has_ended());
        assert_eq!(early.unless_leaked(true), TokenStatus::ReportedLeaked);
        assert_eq!(early.unless_leaked(false), TokenStatus::ExpiredManually);
        assert_eq!(TokenStatus::Active.unless_leaked(true), TokenStatus::Active);
        assert_eq!(TokenStatus::ReportedLeaked.words(), "Reported leaked");
        assert!(TokenStatus::ReportedLeaked.has_ended());
        assert!(!TokenStatus::Active.has_ended() && !TokenStatus::Deactivated.has_ended());
    }
}
