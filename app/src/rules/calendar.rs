//! The weeks and days the overview counts by. Weeks start on Monday at midnight UTC, so
//! that every instance, and the server and the browser, put a moment in the same week.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};

pub const DAY: Duration = Duration::days(1);
pub const WEEK: Duration = Duration::weeks(1);

/// Midnight UTC at the start of `at`'s day.
pub fn day_start(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive().and_time(NaiveTime::MIN).and_utc()
}

/// Monday midnight UTC at the start of `at`'s week.
pub fn week_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let days_since_monday = i64::from(at.weekday().num_days_from_monday());
    day_start(at) - Duration::days(days_since_monday)
}

/// The start of the first of the last `count` periods of `length`, the last of them being
/// the one that starts at `current_start`.
pub fn first_of_last(current_start: DateTime<Utc>, length: Duration, count: u32) -> DateTime<Utc> {
    current_start - length * (count.saturating_sub(1) as i32)
}

/// `count` days of figures from `first_day` on, oldest first: each dated figure added to its
/// day, figures outside those days left out.
pub fn daily_series(
    first_day: DateTime<Utc>,
    count: u32,
    figures: impl IntoIterator<Item = (DateTime<Utc>, u64)>,
) -> Vec<u64> {
    let mut series = vec![0; count as usize];
    for (day, figure) in figures {
        let index = (day_start(day) - first_day).num_days();
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| series.get_mut(i)) {
            *slot += figure;
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).single().unwrap()
    }

    #[test]
    fn a_day_starts_at_midnight_utc() {
        assert_eq!(
            day_start(at(2026, 12, 6, 23, 59, 59)),
            at(2026, 12, 6, 0, 0, 0)
        );
        assert_eq!(
            day_start(at(2026, 12, 6, 0, 0, 0)),
            at(2026, 12, 6, 0, 0, 0)
        );
    }

    #[test]
    fn every_day_of_a_week_belongs_to_its_monday() {
        // 30 November 2026 is a Monday.
        let monday = at(2026, 11, 30, 0, 0, 0);
        for day in 0..7 {
            let moment = monday + Duration::days(day) + Duration::hours(13);
            assert_eq!(week_start(moment), monday, "day {day}");
        }
        assert_eq!(week_start(monday - Duration::seconds(1)), monday - WEEK);
        assert_eq!(week_start(monday + WEEK), monday + WEEK);
    }

    #[test]
    fn weeks_cross_years() {
        // 1 January 2027 is a Friday; its week began on Monday 28 December 2026.
        assert_eq!(
            week_start(at(2027, 1, 1, 9, 0, 0)),
            at(2026, 12, 28, 0, 0, 0)
        );
    }

    #[test]
    fn figures_fall_on_their_days_and_outside_days_are_left_out() {
        let first = at(2026, 11, 7, 0, 0, 0);
        let figures = [
            (first, 2),
            (first + DAY * 2 + Duration::hours(5), 3),
            (first + DAY * 2, 4),
            (first - DAY, 100),
            (first + DAY * 3, 100),
        ];
        assert_eq!(daily_series(first, 3, figures), [2, 0, 7]);
        assert_eq!(daily_series(first, 0, figures), Vec::<u64>::new());
    }

    #[test]
    fn the_last_periods_end_with_the_current_one() {
        let monday = at(2026, 11, 30, 0, 0, 0);
        assert_eq!(first_of_last(monday, WEEK, 1), monday);
        assert_eq!(first_of_last(monday, WEEK, 52), monday - WEEK * 51);
        assert_eq!(first_of_last(monday, DAY, 30), monday - DAY * 29);
        assert_eq!(first_of_last(monday, DAY, 0), monday);
    }
}
