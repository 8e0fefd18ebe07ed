use super::{DayChecks, Overview, WeekActivity, CHART_DAYS, CHART_WEEKS};
use crate::error::AppError;
use crate::rules::calendar::{day_start, first_of_last, week_start, DAY, WEEK};
use crate::services::{require_admin, services};
use crate::store::WeekCount;
use chrono::{DateTime, Utc};

pub async fn overview() -> Result<Overview, AppError> {
    require_admin()?;
    let services = services()?;
    let now = services.clock.now();
    let first_week = first_of_last(week_start(now), WEEK, CHART_WEEKS);
    let counts = services.store.estate_counts(now).await?;
    let activity = services.store.weekly_activity(first_week, now).await?;
    let first_day = first_of_last(day_start(now), DAY, CHART_DAYS);
    let checks = services.store.daily_checks(first_day).await?;
    Ok(Overview {
        counts,
        weeks: every_week(first_week, &activity),
        days: every_day(first_day, &checks),
    })
}

/// The chart's days, oldest first, with the days the store has no checks for.
fn every_day(first_day: DateTime<Utc>, checks: &[DayChecks]) -> Vec<DayChecks> {
    (0..CHART_DAYS as i32)
        .map(|index| {
            let day = first_day + DAY * index;
            checks
                .iter()
                .find(|checked| checked.day == day)
                .copied()
                .unwrap_or(DayChecks {
                    day,
                    succeeded: 0,
                    refused: 0,
                })
        })
        .collect()
}

/// The chart's weeks, oldest first, with the quiet weeks the store leaves out.
fn every_week(first_week: DateTime<Utc>, activity: &[WeekCount]) -> Vec<WeekActivity> {
    (0..i64::from(CHART_WEEKS))
        .map(|week| {
            let found = activity.iter().find(|count| count.week == week);
            WeekActivity {
                starts: first_week + WEEK * week as i32,
                created: found.map_or(0, |count| count.created),
                expired: found.map_or(0, |count| count.expired),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quiet_weeks_are_filled_in_and_weeks_outside_the_chart_ignored() {
        let first = Utc.with_ymd_and_hms(2025, 12, 8, 0, 0, 0).unwrap();
        let counted = |week, created, expired| WeekCount {
            week,
            created,
            expired,
        };
        let weeks = every_week(
            first,
            &[counted(0, 3, 1), counted(51, 0, 2), counted(52, 9, 9)],
        );
        assert_eq!(weeks.len(), CHART_WEEKS as usize);
        assert_eq!(
            (weeks[0].starts, weeks[0].created, weeks[0].expired),
            (first, 3, 1)
        );
        assert_eq!((weeks[1].created, weeks[1].expired), (0, 0));
        assert_eq!(weeks[51].starts, first + WEEK * 51);
        assert_eq!((weeks[51].created, weeks[51].expired), (0, 2));
    }

    #[test]
    fn days_without_checks_are_filled_in() {
        let first = Utc.with_ymd_and_hms(2026, 11, 7, 0, 0, 0).unwrap();
        let checked = DayChecks {
            day: first + DAY * 29,
            succeeded: 5,
            refused: 2,
        };
        let days = every_day(first, &[checked]);
        assert_eq!(days.len(), CHART_DAYS as usize);
        assert_eq!(days[0].day, first);
        assert_eq!((days[0].succeeded, days[0].refused), (0, 0));
        assert_eq!(days[29], checked);
    }
}
