//! Reminders that a token expires: which one is due for a token, so that each is sent once
//! and at the right time.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The reminders a token's owner gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    SevenDaysBefore,
    OneDayBefore,
    Expired,
    /// The unused-token policy expired it.
    ExpiredUnused,
}

/// How long after a token expired its notice may still go out (a server that was down
/// catches up; a token long expired is not news).
pub const EXPIRED_NOTICE_WINDOW: Duration = Duration::days(7);

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] = [
        Self::SevenDaysBefore,
        Self::OneDayBefore,
        Self::Expired,
        Self::ExpiredUnused,
    ];

    /// How it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SevenDaysBefore => "7d",
            Self::OneDayBefore => "1d",
            Self::Expired => "expired",
            Self::ExpiredUnused => "unused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// As the report says who was told: "7 days before".
    pub fn words(self) -> &'static str {
        match self {
            Self::SevenDaysBefore => "7 days before",
            Self::OneDayBefore => "1 day before",
            Self::Expired => "on expiry",
            Self::ExpiredUnused => "of its expiry as unused",
        }
    }

    fn lead(self) -> Duration {
        match self {
            Self::SevenDaysBefore => Duration::days(7),
            Self::OneDayBefore => Duration::days(1),
            Self::Expired | Self::ExpiredUnused => Duration::zero(),
        }
    }
}

/// The reminder due at `now` for a token created at `created_at` that expires (by time) at
/// `expires_at`, given those already `sent`; `None` when none is. Only the most urgent one
/// counts: a token first seen a day before it expires gets the one-day reminder, never the
/// seven-day one after it. A token that never lived as long as a reminder's lead gets no
/// such reminder (a 7-day token would otherwise be "about to expire" when it is made).
pub fn due_notice(
    now: DateTime<Utc>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    sent: &[NoticeKind],
) -> Option<NoticeKind> {
    let expires_at = expires_at?;
    let due = if expires_at <= now {
        (now - expires_at <= EXPIRED_NOTICE_WINDOW).then_some(NoticeKind::Expired)?
    } else {
        [NoticeKind::OneDayBefore, NoticeKind::SevenDaysBefore]
            .into_iter()
            .find(|kind| expires_at - now <= kind.lead() && expires_at - created_at > kind.lead())?
    };
    (!sent.contains(&due)).then_some(due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use NoticeKind::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
    }

    /// The notice due for a 30-day token `days_left` days before it expires.
    fn due_with(days_left: f64, sent: &[NoticeKind]) -> Option<NoticeKind> {
        let expires = now() + Duration::seconds((days_left * 86_400.0) as i64);
        due_notice(now(), expires - Duration::days(30), Some(expires), sent)
    }

    #[test]
    fn each_reminder_comes_in_its_window() {
        assert_eq!(due_with(8.0, &[]), None);
        assert_eq!(due_with(7.0, &[]), Some(SevenDaysBefore));
        assert_eq!(due_with(2.0, &[]), Some(SevenDaysBefore));
        assert_eq!(due_with(1.0, &[]), Some(OneDayBefore));
        assert_eq!(due_with(0.01, &[]), Some(OneDayBefore));
        assert_eq!(due_with(0.0, &[]), Some(Expired));
        assert_eq!(due_with(-6.9, &[]), Some(Expired));
        assert_eq!(due_with(-7.1, &[]), None, "long expired is not news");
    }

    #[test]
    fn each_is_sent_once_and_never_a_less_urgent_one_after() {
        assert_eq!(due_with(5.0, &[SevenDaysBefore]), None);
        assert_eq!(due_with(0.5, &[SevenDaysBefore]), Some(OneDayBefore));
        assert_eq!(due_with(0.5, &[OneDayBefore]), None);
        assert_eq!(
            due_with(-1.0, &[SevenDaysBefore, OneDayBefore]),
            Some(Expired)
        );
        assert_eq!(due_with(-1.0, &[Expired]), None);
    }

    #[test]
    fn short_lived_tokens_skip_the_reminders_longer_than_their_life() {
        let created = now();
        let in_days = |days: i64| Some(created + Duration::days(days));
        // Made for 7 days: no seven-day reminder at once, a one-day one later.
        assert_eq!(due_notice(now(), created, in_days(7), &[]), None);
        let later = now() + Duration::days(6);
        assert_eq!(
            due_notice(later, created, in_days(7), &[]),
            Some(OneDayBefore)
        );
        // Made for 12 hours: only the notice that it expired.
        let half_day = Some(created + Duration::hours(12));
        assert_eq!(due_notice(now(), created, half_day, &[]), None);
        let after = now() + Duration::hours(13);
        assert_eq!(due_notice(after, created, half_day, &[]), Some(Expired));
        assert_eq!(due_notice(now(), created, None, &[]), None);
    }

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("soon"), None);
    }
}
