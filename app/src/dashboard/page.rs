use super::chart;
use super::{token_overview, DayChecks, EstateCounts, Overview, WeekActivity};
use crate::error::AppError;
use crate::report::{Preset, ReportQuery};
use crate::ui::{Forbidden, LoadError};
use leptos::prelude::*;
use leptos_meta::Title;

/// Admin → Overview: the token estate at a glance.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| token_overview());
    view! {
        <Title text="Overview · Tessera"/>
        <h1>"Overview"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Counting tokens…"</p> }>
            {move || overview.get().map(|answer| match answer {
                Ok(overview) => view! { <OverviewBody overview/> }.into_any(),
                Err(AppError::Forbidden) => view! { <Forbidden what="The overview"/> }.into_any(),
                Err(error) => view! { <LoadError error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn OverviewBody(overview: Overview) -> impl IntoView {
    view! {
        <section aria-labelledby="estate-heading">
            <h2 id="estate-heading" class="visually-hidden">"Tokens by group"</h2>
            <CountTiles counts=overview.counts/>
        </section>
        <WeeklyActivity weeks=overview.weeks/>
        <DailyChecks days=overview.days/>
    }
    // Erased so the page's nested view type stays within the compiler's query depth limit.
    .into_any()
}

/// Each group, as a tile that opens the report listing its tokens. `attention` marks the
/// groups someone should act on when they are not empty: their tiles stand out.
fn tiles(counts: &EstateCounts) -> [(u64, &'static str, Preset, bool); 7] {
    [
        (counts.active, "Active tokens", Preset::ActiveTokens, false),
        (
            counts.expiring_within_7_days,
            "Expiring within 7 days",
            Preset::ExpiringWithin7Days,
            true,
        ),
        (
            counts.expiring_within_30_days,
            "Expiring within 30 days",
            Preset::ExpiringWithin30Days,
            false,
        ),
        (
            counts.never_expiring,
            "Never expire",
            Preset::NeverExpiring,
            true,
        ),
        (counts.never_used, "Never used", Preset::NeverUsed, false),
        (
            counts.unused_for_90_days,
            "Unused for 90 days",
            Preset::UnusedFor90Days,
            true,
        ),
        (
            counts.of_inactive_users,
            "Active tokens of inactive users",
            Preset::ActiveTokensOfInactiveUsers,
            true,
        ),
    ]
}

#[component]
fn CountTiles(counts: EstateCounts) -> impl IntoView {
    let tiles = tiles(&counts)
        .into_iter()
        .map(|(count, words, preset, attention)| {
            let href = format!(
                "/admin/users{}",
                ReportQuery::with_preset(preset).to_query_string()
            );
            let class = if attention && count > 0 {
                "tile warn"
            } else {
                "tile"
            };
            view! {
                <li>
                    <a class=class href=href>
                        <span class="tile-count">{count}</span>
                        <span class="tile-words">{words}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="tiles">{tiles}</ul> }
}

/// The two series of a paired bar chart: what each is called and its CSS class.
struct Series {
    first: (&'static str, &'static str),
    second: (&'static str, &'static str),
}

#[component]
fn WeeklyActivity(weeks: Vec<WeekActivity>) -> impl IntoView {
    let created: u64 = weeks.iter().map(|week| week.created).sum();
    let expired: u64 = weeks.iter().map(|week| week.expired).sum();
    let summary = format!(
        "Bar chart: {created} tokens created and {expired} expired over the last {} weeks.",
        weeks.len()
    );
    let starts: Vec<_> = weeks.iter().map(|week| week.starts).collect();
    let rows = weeks
        .iter()
        .rev()
        .map(|week| {
            (
                week.starts.format("%-d %b %Y").to_string(),
                week.created,
                week.expired,
            )
        })
        .collect();
    view! {
        <ChartCard
            id="weekly"
            title="Tokens created and expired per week"
            note="Weeks start on Monday, UTC."
            series=Series { first: ("Created", "created"), second: ("Expired, by hand or by time", "expired") }
            pairs=weeks.iter().map(|week| (week.created, week.expired)).collect()
            labels=chart::month_labels(&starts)
            summary
            period="Week of"
            rows
        />
    }
}

#[component]
fn DailyChecks(days: Vec<DayChecks>) -> impl IntoView {
    let succeeded: u64 = days.iter().map(|day| day.succeeded).sum();
    let refused: u64 = days.iter().map(|day| day.refused).sum();
    let summary = format!(
        "Bar chart: {succeeded} token checks succeeded and {refused} were refused over the last {} days.",
        days.len()
    );
    let starts: Vec<_> = days.iter().map(|day| day.day).collect();
    let rows = days
        .iter()
        .rev()
        .map(|day| {
            (
                day.day.format("%-d %b %Y").to_string(),
                day.succeeded,
                day.refused,
            )
        })
        .collect();
    view! {
        <ChartCard
            id="daily"
            title="Token checks per day"
            note="API calls and gateway checks that presented a token; days in UTC, counted once a minute."
            series=Series { first: ("Succeeded", "succeeded"), second: ("Refused", "refused") }
            pairs=days.iter().map(|day| (day.succeeded, day.refused)).collect()
            labels=chart::day_labels(&starts, 7)
            summary
            period="Day"
            rows
        />
    }
}

/// A card with a paired bar chart drawn as SVG on the server, and its figures as a table
/// for anyone who cannot see the chart or wants the exact numbers.
#[component]
fn ChartCard(
    id: &'static str,
    title: &'static str,
    note: &'static str,
    series: Series,
    pairs: Vec<(u64, u64)>,
    labels: Vec<chart::Label>,
    summary: String,
    period: &'static str,
    /// Newest first: the period's name and its two figures.
    rows: Vec<(String, u64, u64)>,
) -> impl IntoView {
    let bar_chart = chart::paired_bars(&pairs);
    let view_box = format!("0 0 {} {}", chart::WIDTH, chart::HEIGHT);
    let (first_class, second_class) = (series.first.1, series.second.1);
    let ticks = bar_chart
        .ticks
        .iter()
        .map(|tick| {
            view! {
                <line class="axis" x1=chart::PLOT_LEFT x2=chart::WIDTH y1=tick.y y2=tick.y/>
                <text class="scale end" x=chart::PLOT_LEFT - 6.0 y=tick.y + 4>{tick.value}</text>
            }
        })
        .collect_view();
    let bars = bar_chart
        .bars
        .iter()
        .map(|pair| {
            let (a, b) = (pair.first, pair.second);
            view! {
                <rect class=format!("bar {first_class}") x=a.x y=a.y width=a.width height=a.height/>
                <rect class=format!("bar {second_class}") x=b.x y=b.y width=b.width height=b.height/>
            }
        })
        .collect_view();
    let labels = labels
        .into_iter()
        .map(|label| view! { <text class="scale" x=label.x y=chart::HEIGHT - 6.0>{label.text}</text> })
        .collect_view();
    let rows = rows
        .into_iter()
        .map(|(name, first, second)| {
            view! {
                <tr><th scope="row">{name}</th><td>{first}</td><td>{second}</td></tr>
            }
        })
        .collect_view();
    let heading = format!("{id}-heading");
    let labelled_by = heading.clone();
    view! {
        <section class=format!("card block {id}") aria-labelledby=labelled_by>
            <h2 id=heading>{title}</h2>
            <p class="muted">
                <span class=format!("key {first_class}")>{series.first.0}</span>" · "
                <span class=format!("key {second_class}")>{series.second.0}</span>" · "
                {note}
            </p>
            <svg class="chart" viewBox=view_box role="img" aria-label=summary>
                {ticks}
                {bars}
                {labels}
            </svg>
            <details>
                <summary>"Show the numbers"</summary>
                <div class="table-wrap">
                    <table class="data">
                        <thead>
                            <tr>
                                <th scope="col">{period}</th>
                                <th scope="col">{series.first.0}</th>
                                <th scope="col">{series.second.0}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </section>
    }
    .into_any()
}
