use super::chart::{self, weekly_chart};
use super::{token_overview, EstateCounts, Overview, WeekActivity};
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
    }
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

#[component]
fn WeeklyActivity(weeks: Vec<WeekActivity>) -> impl IntoView {
    let chart = weekly_chart(&weeks);
    let created: u64 = weeks.iter().map(|week| week.created).sum();
    let expired: u64 = weeks.iter().map(|week| week.expired).sum();
    let summary = format!(
        "Bar chart: {created} tokens created and {expired} expired over the last {} weeks.",
        weeks.len()
    );
    let view_box = format!("0 0 {} {}", chart::WIDTH, chart::HEIGHT);
    let ticks = chart
        .ticks
        .iter()
        .map(|tick| {
            view! {
                <line class="axis" x1=chart::PLOT_LEFT x2=chart::WIDTH y1=tick.y y2=tick.y/>
                <text class="scale end" x=chart::PLOT_LEFT - 6.0 y=tick.y + 4>{tick.value}</text>
            }
        })
        .collect_view();
    let bars = chart
        .bars
        .iter()
        .map(|week| {
            let (c, e) = (week.created, week.expired);
            view! {
                <rect class="bar created" x=c.x y=c.y width=c.width height=c.height/>
                <rect class="bar expired" x=e.x y=e.y width=e.width height=e.height/>
            }
        })
        .collect_view();
    let months = chart
        .months
        .iter()
        .map(|month| {
            view! { <text class="scale" x=month.x y=chart::HEIGHT - 6.0>{month.name}</text> }
        })
        .collect_view();
    let rows = weeks
        .iter()
        .rev()
        .map(|week| {
            view! {
                <tr>
                    <th scope="row">{week.starts.format("%-d %b %Y").to_string()}</th>
                    <td>{week.created}</td>
                    <td>{week.expired}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card block weekly" aria-labelledby="weekly-heading">
            <h2 id="weekly-heading">"Tokens created and expired per week"</h2>
            <p class="muted">
                <span class="key created">"Created"</span>" · "
                <span class="key expired">"Expired, by hand or by time"</span>
                " · Weeks start on Monday, UTC."
            </p>
            <svg class="chart" viewBox=view_box role="img" aria-label=summary>
                {ticks}
                {bars}
                {months}
            </svg>
            <details>
                <summary>"Show the numbers"</summary>
                <div class="table-wrap">
                    <table class="data">
                        <thead>
                            <tr><th scope="col">"Week of"</th><th scope="col">"Created"</th><th scope="col">"Expired"</th></tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}
