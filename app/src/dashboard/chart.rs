//! Where the overview charts' bars, scale and labels go, worked out apart from the markup so
//! that the geometry is tested. Units are the SVG's own (its `viewBox`).

use chrono::{DateTime, Datelike, Utc};

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

/// A period's two bars, side by side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedBars {
    pub first: Bar,
    pub second: Bar,
}

/// A line across the plot, with its value at the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub y: i64,
    pub value: u64,
}

/// Words under the plot, starting at `x`.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub bars: Vec<PairedBars>,
    pub ticks: Vec<Tick>,
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

/// The left edge of the `index`th of `slots` periods across the plot.
pub fn slot_x(index: usize, slots: usize) -> f64 {
    PLOT_LEFT + (WIDTH - PLOT_LEFT) / slots.max(1) as f64 * index as f64
}

/// Two bars a period, side by side, on one scale.
pub fn paired_bars(pairs: &[(u64, u64)]) -> BarChart {
    let highest = pairs.iter().map(|&(a, b)| a.max(b)).max().unwrap_or(0);
    let top = scale_top(highest);
    let plot_height = BASELINE - PLOT_TOP;
    let slot = (WIDTH - PLOT_LEFT) / pairs.len().max(1) as f64;
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
    let bars = pairs
        .iter()
        .enumerate()
        .map(|(index, &(first, second))| {
            let left = slot_x(index, pairs.len()) + slot * 0.1;
            PairedBars {
                first: bar(left, first),
                second: bar(left + bar_width, second),
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
    BarChart { bars, ticks }
}

/// A month's name under the first period that starts in it.
pub fn month_labels(starts: &[DateTime<Utc>]) -> Vec<Label> {
    starts
        .iter()
        .enumerate()
        .filter(|(index, start)| *index == 0 || starts[index - 1].month() != start.month())
        .map(|(index, start)| Label {
            x: slot_x(index, starts.len()),
            text: MONTHS[start.month0() as usize].to_owned(),
        })
        .collect()
}

/// A day's date under every `every`th day, counted back from the last.
pub fn day_labels(days: &[DateTime<Utc>], every: usize) -> Vec<Label> {
    let count = days.len();
    days.iter()
        .enumerate()
        .filter(|(index, _)| (count - 1 - index).is_multiple_of(every.max(1)))
        .map(|(index, day)| Label {
            x: slot_x(index, count),
            text: format!("{} {}", day.day(), MONTHS[day.month0() as usize]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::calendar::{DAY, WEEK};
    use chrono::TimeZone;

    fn weeks_from_26_january(count: usize) -> Vec<DateTime<Utc>> {
        let first = Utc.with_ymd_and_hms(2026, 1, 26, 0, 0, 0).unwrap();
        (0..count)
            .map(|index| first + WEEK * index as i32)
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
    fn the_highest_bar_reaches_the_top_of_a_scale_just_above_it() {
        let chart = paired_bars(&[(0, 0), (8, 3), (10, 10)]);
        let tallest = chart.bars[2].first;
        assert_eq!(tallest.y, PLOT_TOP);
        assert_eq!(tallest.y + tallest.height, BASELINE);
        assert_eq!(chart.bars[0].first.height, 0.0);
        assert_eq!(chart.bars[0].first.y, BASELINE);
        let first = chart.bars[1].first.height;
        let second = chart.bars[1].second.height;
        assert!((first / second - 8.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn bars_stay_in_order_inside_the_plot() {
        let chart = paired_bars(&[(1, 2); 52]);
        let mut right_edge = PLOT_LEFT;
        for pair in &chart.bars {
            assert!(pair.first.x >= right_edge);
            assert!(pair.second.x >= pair.first.x + pair.first.width - 1e-9);
            right_edge = pair.second.x + pair.second.width;
        }
        assert!(right_edge <= WIDTH);
    }

    #[test]
    fn the_scale_marks_zero_half_and_top() {
        let values = |pairs: &[(u64, u64)]| -> Vec<u64> {
            paired_bars(pairs)
                .ticks
                .iter()
                .map(|tick| tick.value)
                .collect()
        };
        assert_eq!(values(&[(7, 0)]), [0, 5, 10]);
        assert_eq!(values(&[(1, 0)]), [0, 1]);
        assert_eq!(values(&[(0, 4)]), [0, 5]);
        let ticks = paired_bars(&[(7, 0)]).ticks;
        assert_eq!(ticks[0].y, BASELINE as i64);
        assert_eq!(ticks[2].y, PLOT_TOP as i64);
    }

    #[test]
    fn each_month_is_named_once_under_its_first_week() {
        // From Monday 26 January: February starts in the second week, March in the sixth.
        let labels = month_labels(&weeks_from_26_january(6));
        let names: Vec<&str> = labels.iter().map(|label| label.text.as_str()).collect();
        assert_eq!(names, ["Jan", "Feb", "Mar"]);
        assert_eq!(labels[1].x, slot_x(1, 6));
        assert_eq!(labels[2].x, slot_x(5, 6));
    }

    #[test]
    fn days_are_labelled_weekly_back_from_the_last() {
        let first = Utc.with_ymd_and_hms(2026, 11, 7, 0, 0, 0).unwrap();
        let days: Vec<_> = (0..30).map(|index| first + DAY * index).collect();
        let labels = day_labels(&days, 7);
        let texts: Vec<&str> = labels.iter().map(|label| label.text.as_str()).collect();
        assert_eq!(texts, ["8 Nov", "15 Nov", "22 Nov", "29 Nov", "6 Dec"]);
        assert_eq!(labels.last().unwrap().x, slot_x(29, 30));
    }

    #[test]
    fn an_empty_chart_has_no_bars_or_labels() {
        assert!(paired_bars(&[]).bars.is_empty());
        assert!(month_labels(&[]).is_empty());
        assert!(day_labels(&[], 7).is_empty());
    }
}
