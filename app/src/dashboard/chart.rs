//! Where the activity chart's bars, scale and month labels go, worked out apart from the
//! markup so that the geometry is tested. Units are the SVG's own (its `viewBox`).

use super::WeekActivity;
use chrono::Datelike;

pub const WIDTH: f64 = 680.0;
pub const HEIGHT: f64 = 200.0;
/// Room on the left for the scale's numbers.
pub const PLOT_LEFT: f64 = 40.0;
pub const PLOT_TOP: f64 = 8.0;
/// Where the bars stand; the month names go below.
pub const BASELINE: f64 = HEIGHT - 24.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// A week's two bars, side by side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekBars {
    pub created: Bar,
    pub expired: Bar,
}

/// A line across the plot, with its value at the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub y: i64,
    pub value: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthLabel {
    pub x: f64,
    pub name: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyChart {
    pub bars: Vec<WeekBars>,
    pub ticks: Vec<Tick>,
    pub months: Vec<MonthLabel>,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The smallest of 1, 2, 5, 10, 20, 50, … that is at least `value`: the top of the scale.
pub fn scale_top(value: u64) -> u64 {
    let mut magnitude = 1_u64;
    loop {
        for step in [1, 2, 5] {
            let top = step * magnitude;
            if top >= value {
                return top;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

pub fn weekly_chart(weeks: &[WeekActivity]) -> WeeklyChart {
    let highest = weeks
        .iter()
        .map(|week| week.created.max(week.expired))
        .max()
        .unwrap_or(0);
    let top = scale_top(highest);
    let plot_height = BASELINE - PLOT_TOP;
    let slot = (WIDTH - PLOT_LEFT) / weeks.len().max(1) as f64;
    let bar_width = slot * 0.4;
    let bar = |x: f64, value: u64| {
        let height = plot_height * value as f64 / top as f64;
        Bar {
            x,
            y: BASELINE - height,
            width: bar_width,
            height,
        }
    };
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(index, week)| {
            let left = PLOT_LEFT + slot * index as f64 + slot * 0.1;
            WeekBars {
                created: bar(left, week.created),
                expired: bar(left + bar_width, week.expired),
            }
        })
        .collect();
    // A scale of 1 or 5 has no whole half.
    let values = if top.is_multiple_of(2) {
        vec![0, top / 2, top]
    } else {
        vec![0, top]
    };
    let ticks = values
        .into_iter()
        .map(|value| Tick {
            y: (BASELINE - plot_height * value as f64 / top as f64).round() as i64,
            value,
        })
        .collect();
    // A month is named under the first week that starts in it.
    let months = weeks
        .iter()
        .enumerate()
        .filter(|(index, week)| {
            *index == 0 || weeks[index - 1].starts.month() != week.starts.month()
        })
        .map(|(index, week)| MonthLabel {
            x: PLOT_LEFT + slot * index as f64,
            name: MONTHS[week.starts.month0() as usize],
        })
        .collect();
    WeeklyChart {
        bars,
        ticks,
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::WEEK;
    use chrono::{TimeZone, Utc};

    fn weeks(counts: &[(u64, u64)]) -> Vec<WeekActivity> {
        let first = Utc.with_ymd_and_hms(2026, 1, 26, 0, 0, 0).unwrap();
        counts
            .iter()
            .enumerate()
            .map(|(index, &(created, expired))| WeekActivity {
                starts: first + WEEK * index as i32,
                created,
                expired,
            })
            .collect()
    }

    #[test]
    fn the_scale_tops_out_at_one_two_or_five_times_a_power_of_ten() {
        let cases = [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 5),
            (5, 5),
            (6, 10),
            (11, 20),
            (21, 50),
            (51, 100),
            (999, 1000),
            (1001, 2000),
        ];
        for (value, top) in cases {
            assert_eq!(scale_top(value), top, "{value}");
        }
    }

    #[test]
    fn the_busiest_week_reaches_the_top_of_a_scale_just_above_it() {
        let chart = weekly_chart(&weeks(&[(0, 0), (8, 3), (10, 10)]));
        let tallest = chart.bars[2].created;
        assert_eq!(tallest.y, PLOT_TOP);
        assert_eq!(tallest.y + tallest.height, BASELINE);
        assert_eq!(chart.bars[0].created.height, 0.0);
        assert_eq!(chart.bars[0].created.y, BASELINE);
        let created = chart.bars[1].created.height;
        let expired = chart.bars[1].expired.height;
        assert!((created / expired - 8.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn bars_stay_in_order_inside_the_plot() {
        let chart = weekly_chart(&weeks(&[(1, 2); 52]));
        let mut right_edge = PLOT_LEFT;
        for week in &chart.bars {
            assert!(week.created.x >= right_edge);
            assert!(week.expired.x >= week.created.x + week.created.width - 1e-9);
            right_edge = week.expired.x + week.expired.width;
        }
        assert!(right_edge <= WIDTH);
    }

    #[test]
    fn the_scale_marks_zero_half_and_top() {
        let chart = weekly_chart(&weeks(&[(7, 0)]));
        let values: Vec<u64> = chart.ticks.iter().map(|tick| tick.value).collect();
        assert_eq!(values, [0, 5, 10]);
        assert_eq!(chart.ticks[0].y, BASELINE as i64);
        assert_eq!(chart.ticks[2].y, PLOT_TOP as i64);
        let values: Vec<u64> = weekly_chart(&weeks(&[(1, 0)]))
            .ticks
            .iter()
            .map(|tick| tick.value)
            .collect();
        assert_eq!(values, [0, 1]);
    }

    #[test]
    fn each_month_is_named_once_under_its_first_week() {
        // Weeks from Monday 26 January: February starts in the second, March in the sixth.
        let chart = weekly_chart(&weeks(&[(0, 0); 6]));
        let names: Vec<&str> = chart.months.iter().map(|month| month.name).collect();
        assert_eq!(names, ["Jan", "Feb", "Mar"]);
        assert!(chart.months[1].x > chart.months[0].x);
    }

    #[test]
    fn an_empty_chart_has_no_bars() {
        let chart = weekly_chart(&[]);
        assert!(chart.bars.is_empty() && chart.months.is_empty());
    }
}
