//! `/readyz`, for load balancers: this instance should get traffic only while its database
//! answers and, on PostgreSQL, it hears the other instances' changes. `/healthz` stays the
//! liveness probe: a process that answers it needs no restart.

use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use std::time::Duration;

/// Longer than this and the database counts as not answering.
const PING_LIMIT: Duration = Duration::from_secs(2);

pub async fn readyz(State(state): State<AppState>) -> Response {
    let not_ready = |reason: &'static str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        )
            .into_response()
    };
    match tokio::time::timeout(PING_LIMIT, state.database.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database does not answer");
            return not_ready("the database does not answer");
        }
        Err(_) => return not_ready("the database does not answer in time"),
    }
    if !state.changes.hears_changes() {
        return not_ready("not hearing the other instances' changes");
    }
    "ready\n".into_response()
}
