//! `/api/v1/tokens/{id}/deactivate` and `/reactivate`: a token's owner stops one of their
//! tokens for a while, or lets it work again early.

use super::caller::Caller;
use super::extract::ValidToken;
use super::object::Object;
use super::openapi::AuthErrors;
use super::scopes::TokensWrite;
use super::tokens_api::ApiToken;
use super::{ApiError, ErrorBody, Scoped};
use crate::state::AppState;
use app::tokens::deactivate::{deactivate_for, reactivate_for};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateTokenRequest {
    /// When the token works again by itself: in the future, and before it expires.
    pub until: DateTime<Utc>,
}

/// Refuses one of the caller's tokens (`invalid_token`) until `until`, or until it is
/// reactivated. A deactivated token may be given another time.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/deactivate",
    tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    params(("id" = i64, Path, description = "The token's id")),
    request_body = DeactivateTokenRequest,
    responses(
        (status = 200, description = "Deactivated", body = ApiToken),
        (status = 404, description = "No such token of the caller's (`not_found`)", body = ErrorBody),
        (status = 409, description = "The token has expired (`conflict`)", body = ErrorBody),
        (status = 422, description = "`until` is past, or not before the expiry (`validation_failed`)", body = ErrorBody),
        AuthErrors
    )
)]
pub async fn deactivate_token(
    State(state): State<AppState>,
    Scoped(ValidToken { found, .. }, ..): Scoped<TokensWrite>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<Object<DeactivateTokenRequest>>, JsonRejection>,
) -> Result<Json<ApiToken>, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::NotFound("No such token."))?;
    let Json(Object(body)) =
        body.map_err(|rejection| ApiError::UnreadableBody(rejection.body_text()))?;
    let record = deactivate_for(
        &state.services,
        &caller.acting_with(&found),
        id,
        body.until,
        false,
    )
    .await?;
    Ok(Json(ApiToken::new(record, state.services.clock.now())))
}

/// Lets one of the caller's deactivated tokens work again at once.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/reactivate",
    tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 200, description = "Reactivated", body = ApiToken),
        (status = 404, description = "No such token of the caller's (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not deactivated, or expired (`conflict`)", body = ErrorBody),
        AuthErrors
    )
)]
pub async fn reactivate_token(
    State(state): State<AppState>,
    Scoped(ValidToken { found, .. }, ..): Scoped<TokensWrite>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ApiToken>, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::NotFound("No such token."))?;
    let record = reactivate_for(&state.services, &caller.acting_with(&found), id, false).await?;
    Ok(Json(ApiToken::new(record, state.services.clock.now())))
}
