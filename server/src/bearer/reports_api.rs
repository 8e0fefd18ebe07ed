use super::openapi::AuthErrors;
use super::scopes::ReportsRead;
use super::Scoped;
use crate::report_csv::csv_response;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::Response;

/// The System Users report as CSV, every row; the query string takes the same parameters
/// as the report page (`preset`, `q`, `status`, `from`, `to`, `sort`, `desc`).
#[utoipa::path(
    get,
    path = "/api/v1/reports/users.csv",
    tag = "reports",
    security(("bearer" = ["reports:read"])),
    responses(
        (status = 200, description = "The report", content_type = "text/csv", body = String),
        AuthErrors
    )
)]
pub async fn users_csv(
    State(state): State<AppState>,
    _caller: Scoped<ReportsRead>,
    RawQuery(query): RawQuery,
) -> Response {
    csv_response(&state, &query.unwrap_or_default())
}
