//! `POST /api/v1/tokens/revoke`: anyone who finds Tessera secrets somewhere public sends them
//! here, with no token of their own, and the tokens stop working.

use super::expire_reported;
use crate::bearer::caller::Caller;
use crate::bearer::object::Object;
use crate::bearer::ApiError;
use crate::state::AppState;
use app::store::LeakReport;
use app::tokens::leaks::MAX_REPORTED_SECRETS;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::Json;
use http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// Reports an address may send per minute, all at once if it likes.
pub const REPORTS_PER_MINUTE: u32 = 10;
/// The longest link to where the secrets were found.
const MAX_URL_LEN: usize = 2048;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The secrets found: from 1 to 100.
    #[schema(min_items = 1, max_items = 100)]
    pub tokens: Vec<String>,
    /// Where they were found, as an http or https link; their owners are told.
    #[serde(default)]
    #[schema(schema_with = crate::bearer::openapi::leak_link)]
    pub url: Option<String>,
}

/// Report leaked tokens. Each secret that names a token that still works expires it, and its
/// owner is e-mailed. The answer is 202 whatever the secrets were, so it tells nothing about
/// which exist. Needs no authentication; each address may report 10 times a minute.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/revoke",
    tag = "tokens",
    security(()),
    request_body = RevokeRequest,
    responses(
        (status = 202, description = "Received: every token the secrets name that still worked is expired"),
        (status = 400, description = "The body is not the JSON described", body = crate::bearer::ErrorBody),
        (status = 422, description = "No secrets, more than 100, or a link that is not http(s)", body = crate::bearer::ErrorBody),
        (status = 429, description = "Too many reports from this address; see Retry-After", body = crate::bearer::ErrorBody),
    )
)]
pub async fn revoke_tokens(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Object<RevokeRequest>>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    if let Some(wait) = state.leak_reports.blocked(caller.address) {
        return Err(ApiError::TooManyRequests(wait));
    }
    if let Some(wait) = state.leak_reports.spend(caller.address) {
        return Err(ApiError::TooManyRequests(wait));
    }
    let Json(Object(request)) =
        body.map_err(|rejection| ApiError::UnreadableBody(rejection.body_text()))?;
    if request.tokens.is_empty() || request.tokens.len() > MAX_REPORTED_SECRETS {
        return Err(ApiError::Invalid {
            field: "tokens",
            message: format!("Send from 1 to {MAX_REPORTED_SECRETS} secrets in one report."),
        });
    }
    let url = request.url.filter(|url| !url.trim().is_empty());
    if let Some(url) = &url {
        checked_link(url)?;
    }
    let report = LeakReport {
        url,
        source: None,
        reporter: None,
    };
    let audit = caller.unauthenticated(state.services.clock.now());
    expire_reported(&state, &request.tokens, report, audit).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The link goes into e-mails to the owners: an http(s) URL of sensible length, nothing else.
fn checked_link(url: &str) -> Result<(), ApiError> {
    let refused = || ApiError::Invalid {
        field: "url",
        message: "Give where the secrets were found as an http or https link.".into(),
    };
    if url.len() > MAX_URL_LEN {
        return Err(refused());
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(()),
        _ => Err(refused()),
    }
}
