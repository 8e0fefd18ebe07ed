//! The unused-token policy: tokens nobody has used for a set number of days are expired, so
//! that forgotten secrets stop working by themselves.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The longest an admin may let a token go unused before it expires: ten years.
pub const UNUSED_DAYS_LIMIT: u32 = 3650;

/// How many days a token may go unused; `None` when the policy is off (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DisusePolicy {
    pub days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Enter a whole number of days from 1 to 3650, or leave it blank to keep unused tokens.")]
pub struct DisuseDaysError;

impl DisusePolicy {
    /// Reads the Security page's field: blank turns the policy off.
    pub fn from_form(days: &str) -> Result<Self, DisuseDaysError> {
        let days = days.trim();
        if days.is_empty() {
            return Ok(Self { days: None });
        }
        match days.parse::<u32>() {
            Ok(n) if (1..=UNUSED_DAYS_LIMIT).contains(&n) => Ok(Self { days: Some(n) }),
            _ => Err(DisuseDaysError),
        }
    }

    /// Tokens last used (or, never used, created) at or before this moment have gone unused
    /// too long at `now`; `None` when the policy is off. The stores' queries apply it.
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.days.map(|days| now - Duration::days(i64::from(days)))
    }

    /// As the Security page states it.
    pub fn describe(self) -> String {
        match self.days {
            None => "Off: tokens are kept however long they go unused.".to_owned(),
            Some(days) => format!(
                "Tokens unused for {} are expired, and their owners told.",
                unused_days_words(days)
            ),
        }
    }
}

/// "1 day", "90 days": how long a token went unused, as its status says it.
pub fn unused_days_words(days: u32) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
    }

    fn days(n: u32) -> DisusePolicy {
        DisusePolicy { days: Some(n) }
    }

    #[test]
    fn the_form_takes_blank_or_whole_days_in_range() {
        assert_eq!(DisusePolicy::from_form(""), Ok(DisusePolicy { days: None }));
        assert_eq!(
            DisusePolicy::from_form("  "),
            Ok(DisusePolicy { days: None })
        );
        assert_eq!(DisusePolicy::from_form(" 90 "), Ok(days(90)));
        assert_eq!(DisusePolicy::from_form("1"), Ok(days(1)));
        assert_eq!(DisusePolicy::from_form("3650"), Ok(days(3650)));
        for bad in ["0", "3651", "-5", "9.5", "ninety", "1e3"] {
            assert_eq!(DisusePolicy::from_form(bad), Err(DisuseDaysError), "{bad}");
        }
    }

    #[test]
    fn tokens_last_used_by_the_cutoff_have_gone_unused_too_long() {
        assert_eq!(days(90).cutoff(now()), Some(now() - Duration::days(90)));
        assert_eq!(days(1).cutoff(now()), Some(now() - Duration::days(1)));
    }

    #[test]
    fn an_off_policy_applies_to_nothing() {
        let off = DisusePolicy::default();
        assert_eq!(off.cutoff(now()), None);
    }

    #[test]
    fn it_describes_itself() {
        assert!(DisusePolicy::default().describe().starts_with("Off"));
        assert_eq!(
            days(90).describe(),
            "Tokens unused for 90 days are expired, and their owners told."
        );
        assert_eq!(unused_days_words(1), "1 day");
    }
}
