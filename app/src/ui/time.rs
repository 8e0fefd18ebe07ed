//! Times as people read them: in their own time zone, with relative wording ("in 29 days"),
//! and the exact UTC time on hover or focus.
//!
//! The browser reports its time zone in a cookie after its first page, so the server renders
//! every later page in that zone and the hydrated page keeps the same text. Until then the
//! server renders UTC and says so.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use leptos::prelude::*;

/// The cookie in which the browser names its IANA time zone ("Europe/Berlin").
pub const ZONE_COOKIE: &str = "tessera_tz";

/// Exact and the same for everyone: for e-mails, tooltips and anything not on a page.
pub fn format_utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A local wall-clock time, as the pages show it.
fn format_wall_clock(local: NaiveDateTime) -> String {
    local.format("%-d %b %Y, %H:%M").to_string()
}

/// "just now", "in 5 minutes", "3 hours ago", "in 29 days", "2 months ago", "in 1 year".
/// Counts whole units, rounding down: a token made a moment ago for 30 days expires "in 29
/// days" until its last day.
pub fn relative_wording(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let span = at - now;
    let magnitude = span.abs();
    if magnitude < Duration::minutes(1) {
        return "just now".to_owned();
    }
    let (count, unit) = if magnitude < Duration::hours(1) {
        (magnitude.num_minutes(), "minute")
    } else if magnitude < Duration::days(1) {
        (magnitude.num_hours(), "hour")
    } else if magnitude < Duration::days(60) {
        (magnitude.num_days(), "day")
    } else if magnitude < Duration::days(365) {
        (magnitude.num_days() / 30, "month")
    } else {
        (magnitude.num_days() / 365, "year")
    };
    let plural = if count == 1 { "" } else { "s" };
    if span > Duration::zero() {
        format!("in {count} {unit}{plural}")
    } else {
        format!("{count} {unit}{plural} ago")
    }
}

/// The time in the reader's zone: the browser's own, or on the server the one its cookie
/// names; UTC, marked as such, when the server does not know it yet.
fn local_text(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let millis = wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64);
        let minutes_west = js_sys::Date::new(&millis).get_timezone_offset() as i64;
        format_wall_clock(at.naive_utc() - Duration::minutes(minutes_west))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        #[cfg(feature = "ssr")]
        if let Some(zone) = reader_zone() {
            return format_wall_clock(at.with_timezone(&zone).naive_local());
        }
        format!("{} UTC", format_wall_clock(at.naive_utc()))
    }
}

#[cfg(feature = "ssr")]
fn reader_zone() -> Option<chrono_tz::Tz> {
    let parts = use_context::<http::request::Parts>()?;
    crate::sessions::cookie_value(&parts.headers, ZONE_COOKIE)?
        .parse()
        .ok()
}

fn now() -> DateTime<Utc> {
    #[cfg(feature = "ssr")]
    if let Ok(services) = crate::services::services() {
        return services.clock.now();
    }
    Utc::now()
}

/// A time on a page: local and relative, with the exact UTC time shown on hover and on
/// keyboard focus, and read out by screen readers.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let utc = format_utc(at);
    view! {
        <time class="when" datetime=at.to_rfc3339() data-utc=utc.clone() tabindex="0">
            {local_text(at)}
            <span class="relative">{format!(" ({})", relative_wording(at, now()))}</span>
            <span class="visually-hidden">{format!(" ({utc})")}</span>
        </time>
    }
}

/// A time that may be missing, such as a token that never expires or was never used.
#[component]
pub fn MaybeTime(at: Option<DateTime<Utc>>, none: &'static str) -> impl IntoView {
    match at {
        Some(at) => view! { <Time at/> }.into_any(),
        None => none.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn exact_time_is_minutes_in_utc() {
        assert_eq!(
            format_utc(at(2026, 12, 23, 9, 5, 59)),
            "2026-12-23 09:05 UTC"
        );
    }

    #[test]
    fn wall_clock_has_day_month_year_and_minutes() {
        let local = at(2027, 1, 3, 10, 5, 0).naive_utc();
        assert_eq!(format_wall_clock(local), "3 Jan 2027, 10:05");
    }

    #[test]
    fn relative_wording_counts_whole_units_both_ways() {
        let now = at(2026, 12, 5, 12, 0, 0);
        let cases = [
            (Duration::zero(), "just now"),
            (Duration::seconds(59), "just now"),
            (Duration::seconds(-59), "just now"),
            (Duration::minutes(1), "in 1 minute"),
            (Duration::minutes(-5), "5 minutes ago"),
            (Duration::minutes(59), "in 59 minutes"),
            (Duration::hours(1), "in 1 hour"),
            (Duration::hours(-3), "3 hours ago"),
            (Duration::hours(23) + Duration::minutes(59), "in 23 hours"),
            (Duration::days(1), "in 1 day"),
            (Duration::days(30) - Duration::seconds(1), "in 29 days"),
            (Duration::days(-59), "59 days ago"),
            (Duration::days(60), "in 2 months"),
            (Duration::days(-364), "12 months ago"),
            (Duration::days(365), "in 1 year"),
            (Duration::days(-800), "2 years ago"),
        ];
        for (offset, wording) in cases {
            assert_eq!(relative_wording(now + offset, now), wording, "{offset}");
        }
    }

    #[test]
    fn the_server_renders_utc_until_it_knows_the_zone() {
        let owner = Owner::new();
        owner.set();
        assert_eq!(local_text(at(2027, 1, 3, 9, 5, 0)), "3 Jan 2027, 09:05 UTC");
    }

    #[test]
    fn the_server_renders_the_zone_the_cookie_names() {
        let owner = Owner::new();
        owner.set();
        let request = http::Request::get("/profile")
            .header(http::header::COOKIE, "other=1; tessera_tz=Europe/Berlin")
            .body(())
            .unwrap();
        provide_context(request.into_parts().0);
        // Winter: UTC+1; summer: UTC+2, for the same reader.
        assert_eq!(local_text(at(2027, 1, 3, 9, 5, 0)), "3 Jan 2027, 10:05");
        assert_eq!(local_text(at(2027, 7, 3, 9, 5, 0)), "3 Jul 2027, 11:05");
    }

    #[test]
    fn an_unknown_zone_falls_back_to_utc() {
        let owner = Owner::new();
        owner.set();
        let request = http::Request::get("/profile")
            .header(http::header::COOKIE, "tessera_tz=Mars/Olympus_Mons")
            .body(())
            .unwrap();
        provide_context(request.into_parts().0);
        assert_eq!(local_text(at(2027, 1, 3, 9, 5, 0)), "3 Jan 2027, 09:05 UTC");
    }
}
