use super::{Overview, WeekActivity, CHART_WEEKS};
use crate::error::AppError;
use crate::rules::calendar::{first_of_last, week_start, WEEK};
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
    Ok(Overview {
        counts,
        weeks: every_week(first_week, &activity),
    })
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
}
