use leptos::prelude::*;

const WIDTH: f64 = 64.0;
const HEIGHT: f64 = 16.0;

/// A token's use over its last days as a small line, one point a day, oldest first; the
/// total is in its label for screen readers and in its tooltip.
#[component]
pub fn Sparkline(counts: Vec<u64>) -> impl IntoView {
    (!counts.is_empty()).then(|| {
        let days = counts.len();
        let label = match counts.iter().sum::<u64>() {
            0 => format!("Not used in the last {days} days"),
            1 => format!("Used once in the last {days} days"),
            total => format!("Used {total} times in the last {days} days"),
        };
        let view_box = format!("0 0 {WIDTH} {HEIGHT}");
        let tooltip = label.clone();
        view! {
            <span class="sparkline" title=tooltip>
                <svg viewBox=view_box width=WIDTH height=HEIGHT role="img" aria-label=label>
                    <polyline points=points(&counts)/>
                </svg>
            </span>
        }
    })
}

/// The line's points: the busiest day touches the top, a day without use the bottom, with
/// a pixel to spare at each edge so the stroke is not cut.
pub fn points(counts: &[u64]) -> String {
    let highest = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = (WIDTH - 2.0) / counts.len().saturating_sub(1).max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(index, &count)| {
            let x = 1.0 + step * index as f64;
            let y = HEIGHT - 1.0 - (HEIGHT - 2.0) * count as f64 / highest;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::points;

    #[test]
    fn the_busiest_day_touches_the_top_and_quiet_days_the_bottom() {
        assert_eq!(points(&[0, 4, 2]), "1.0,15.0 32.0,1.0 63.0,8.0");
    }

    #[test]
    fn no_use_at_all_is_a_flat_line_along_the_bottom() {
        assert_eq!(points(&[0, 0]), "1.0,15.0 63.0,15.0");
        assert_eq!(points(&[3]), "1.0,1.0");
        assert_eq!(points(&[]), "");
    }
}
