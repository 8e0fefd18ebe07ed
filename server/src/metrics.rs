//! Prometheus metrics, through the `metrics` facade: code anywhere records, and the exporter
//! installed by `serve` (only when `TESSERA_METRICS_ADDR` is set) renders them on a listener
//! of their own. Without it every record is a no-op.
//!
//! The token check records through handles resolved once (`CHECKS`), so that a check pays an
//! atomic add per counter rather than a registry lookup.

use crate::bearer::cache::TokenCache;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, Counter};
use metrics::{Histogram, Unit};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// From a cached check (microseconds) to a slow database (seconds).
const LATENCY_BUCKETS: [f64; 14] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.1, 0.5, 2.0,
];
/// How often histograms are folded into their buckets between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Makes this process's exporter the recorder; returns what renders the metrics.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)?
        .install_recorder()?;
    describe();
    start_at_zero();
    gauge!("tessera_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(handle)
}

/// Serves `GET /metrics` on `listener` until the process ends.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    tokens: Arc<TokenCache>,
) -> std::io::Result<()> {
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_EVERY);
        loop {
            ticks.tick().await;
            upkeep.run_upkeep();
        }
    });
    let router = Router::new()
        .route("/metrics", get(render))
        .with_state((handle, tokens));
    axum::serve(listener, router).await
}

async fn render(State((handle, tokens)): State<(PrometheusHandle, Arc<TokenCache>)>) -> String {
    let (known, unknown) = tokens.sizes();
    gauge!("tessera_token_cache_entries", "kind" => "known").set(known as f64);
    gauge!("tessera_token_cache_entries", "kind" => "unknown").set(unknown as f64);
    handle.render()
}

fn describe() {
    describe_counter!(
        "tessera_token_checks_total",
        "Bearer token checks, by API route and outcome."
    );
    describe_histogram!(
        "tessera_token_check_duration_seconds",
        Unit::Seconds,
        "Time from reading a bearer token to its verdict, by API route."
    );
    describe_counter!(
        "tessera_token_cache_lookups_total",
        "Token lookups by where the answer came from: known, unknown (both memory) or database."
    );
    describe_gauge!(
        "tessera_token_cache_entries",
        "Tokens held in memory: known ones, and well-formed secrets that match none."
    );
    describe_counter!(
        "tessera_change_events_total",
        "Change notifications applied, from this instance or another."
    );
    describe_counter!(
        "tessera_change_listener_reconnects_total",
        "Times the change listener lost its connection and made a new one."
    );
    describe_counter!("tessera_sign_ins_total", "Sign-ins, by outcome.");
    describe_histogram!(
        "tessera_db_query_duration_seconds",
        Unit::Seconds,
        "Database statements, from sending to the last row read."
    );
    describe_counter!(
        "tessera_usage_flushes_total",
        "Batches of last-use and check counts written, by outcome."
    );
    describe_counter!(
        "tessera_mails_total",
        "E-mails handed to the mail server, by outcome."
    );
    describe_gauge!("tessera_build_info", "The running version, as a label.");
}

/// Series with labels known in advance are there from the start, so that a rate over them
/// is defined before the first event.
fn start_at_zero() {
    LazyLock::force(&CHECKS);
    for outcome in ["signed_in", "code_required", "refused"] {
        counter!("tessera_sign_ins_total", "outcome" => outcome).absolute(0);
    }
    for outcome in ["written", "failed"] {
        counter!("tessera_usage_flushes_total", "outcome" => outcome).absolute(0);
    }
    for outcome in ["sent", "failed"] {
        counter!("tessera_mails_total", "outcome" => outcome).absolute(0);
    }
    for from in ["self", "other"] {
        counter!("tessera_change_events_total", "from" => from).absolute(0);
    }
    counter!("tessera_change_listener_reconnects_total").absolute(0);
}

/// Which API a token was checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckRoute {
    ForwardAuth,
    Introspect,
    Me,
    Tokens,
    Audit,
    Reports,
    Other,
}

impl CheckRoute {
    const ALL: [Self; 7] = [
        Self::ForwardAuth,
        Self::Introspect,
        Self::Me,
        Self::Tokens,
        Self::Audit,
        Self::Reports,
        Self::Other,
    ];

    /// From the route's path as the router matched it.
    pub fn of(matched_path: &str) -> Self {
        let Some(rest) = matched_path.strip_prefix("/api/v1/") else {
            return Self::Other;
        };
        let first = rest.split('/').next().unwrap_or_default();
        match first {
            "auth" => Self::ForwardAuth,
            "introspect" => Self::Introspect,
            "me" => Self::Me,
            "tokens" => Self::Tokens,
            "audit" => Self::Audit,
            "reports" => Self::Reports,
            _ => Self::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::ForwardAuth => "/api/v1/auth",
            Self::Introspect => "/api/v1/introspect",
            Self::Me => "/api/v1/me",
            Self::Tokens => "/api/v1/tokens",
            Self::Audit => "/api/v1/audit",
            Self::Reports => "/api/v1/reports",
            Self::Other => "other",
        }
    }
}

/// How a token check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// No bearer credentials at all.
    Missing,
    /// Not a well-formed bearer header.
    Malformed,
    /// Could not be a Tessera token: wrong length, alphabet or checksum.
    BadChecksum,
    Unknown,
    /// Expired in any way: by time, by hand, as unused, or reported leaked.
    Expired,
    Deactivated,
    /// Used from an address or page the token's own whitelists leave out.
    Whitelist,
    /// Used from outside the company allowlist.
    Allowlist,
    /// Valid, but without a permission the route needs.
    Scope,
    /// The address is waiting out too many failures.
    Blocked,
    /// The database failed.
    Error,
}

impl Verdict {
    const ALL: [Self; 12] = [
        Self::Valid,
        Self::Missing,
        Self::Malformed,
        Self::BadChecksum,
        Self::Unknown,
        Self::Expired,
        Self::Deactivated,
        Self::Whitelist,
        Self::Allowlist,
        Self::Scope,
        Self::Blocked,
        Self::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::BadChecksum => "bad_checksum",
            Self::Unknown => "unknown",
            Self::Expired => "expired",
            Self::Deactivated => "deactivated",
            Self::Whitelist => "whitelist",
            Self::Allowlist => "allowlist",
            Self::Scope => "scope",
            Self::Blocked => "blocked",
            Self::Error => "error",
        }
    }
}

struct CheckMetrics {
    /// By route, then verdict, in the order of their `ALL`.
    counts: Vec<Vec<Counter>>,
    latency: Vec<Histogram>,
    cache: [Counter; 3],
}

/// Resolved at the first check, after `install`: a check never looks a name up.
static CHECKS: LazyLock<CheckMetrics> = LazyLock::new(|| {
    CheckMetrics {
    counts: CheckRoute::ALL
        .iter()
        .map(|route| {
            Verdict::ALL
                .iter()
                .map(|verdict| {
                    counter!("tessera_token_checks_total",
                        "route" => route.label(), "outcome" => verdict.label())
                })
                .collect()
        })
        .collect(),
    latency: CheckRoute::ALL
        .iter()
        .map(|route| metrics::histogram!("tessera_token_check_duration_seconds", "route" => route.label()))
        .collect(),
    cache: ["known", "unknown", "database"]
        .map(|answer| counter!("tessera_token_cache_lookups_total", "answer" => answer)),
}
});

/// Counts one check and how long it took since `started`.
pub fn record_check(route: CheckRoute, verdict: Verdict, started: Instant) {
    let checks = &*CHECKS;
    checks.counts[route as usize][verdict as usize].increment(1);
    checks.latency[route as usize].record(started.elapsed());
}

/// Where a token lookup found its answer.
#[derive(Debug, Clone, Copy)]
pub enum CacheAnswer {
    Known = 0,
    Unknown = 1,
    Database = 2,
}

pub fn record_cache_lookup(answer: CacheAnswer) {
    CHECKS.cache[answer as usize].increment(1);
}

/// Database statements, timed from the call to the last row.
pub fn record_query(operation: &'static str, started: Instant) {
    metrics::histogram!("tessera_db_query_duration_seconds", "operation" => operation)
        .record(started.elapsed());
}

pub fn record_usage_flush(written: bool) {
    let outcome = if written { "written" } else { "failed" };
    counter!("tessera_usage_flushes_total", "outcome" => outcome).increment(1);
}

pub fn record_mail(sent: bool) {
    let outcome = if sent { "sent" } else { "failed" };
    counter!("tessera_mails_total", "outcome" => outcome).increment(1);
}

pub fn record_change_event(own: bool) {
    let from = if own { "self" } else { "other" };
    counter!("tessera_change_events_total", "from" => from).increment(1);
}

pub fn record_listener_reconnect() {
    counter!("tessera_change_listener_reconnects_total").increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named_by_their_first_segment() {
        for (path, route) in [
            ("/api/v1/auth", CheckRoute::ForwardAuth),
            ("/api/v1/auth/{*original_path}", CheckRoute::ForwardAuth),
            ("/api/v1/introspect", CheckRoute::Introspect),
            ("/api/v1/me", CheckRoute::Me),
            ("/api/v1/tokens/{id}/rotate", CheckRoute::Tokens),
            ("/api/v1/audit", CheckRoute::Audit),
            ("/api/v1/reports/users.csv", CheckRoute::Reports),
            ("/api/v1/authx", CheckRoute::Other),
            ("/admin", CheckRoute::Other),
        ] {
            assert_eq!(CheckRoute::of(path), route, "{path}");
        }
    }

    #[test]
    fn every_route_and_verdict_has_its_own_slot() {
        for (index, route) in CheckRoute::ALL.iter().enumerate() {
            assert_eq!(*route as usize, index);
        }
        for (index, verdict) in Verdict::ALL.iter().enumerate() {
            assert_eq!(*verdict as usize, index);
        }
    }
}
