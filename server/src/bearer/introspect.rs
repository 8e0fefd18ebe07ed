//! `POST /api/v1/introspect`: RFC 7662 token introspection, for resource servers that check
//! tokens themselves rather than behind a forward-auth gateway.

use super::openapi::AuthErrors;
use super::scopes::TokensIntrospect;
use super::{ApiError, Scoped};
use crate::state::AppState;
use app::rules::expiry::TokenStatus;
use app::rules::token::PlainToken;
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct IntrospectionRequest {
    /// The token to ask about.
    // Required (RFC 7662 §2.1); an `Option` only so that leaving it out gets a 400 that says so.
    #[schema(required = true, value_type = String)]
    token: Option<String>,
    /// Accepted and ignored: Tessera has one kind of token.
    #[allow(dead_code)]
    token_type_hint: Option<String>,
}

/// RFC 7662 §2.2. Only `active` is present when the token is not active.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Introspection {
    active: bool,
    /// The permissions the token may use, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    /// The owner's username, as `username`.
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    /// Seconds since the epoch; absent for a token that never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
}

impl Introspection {
    const INACTIVE: Self = Self {
        active: false,
        scope: None,
        username: None,
        sub: None,
        exp: None,
        iat: None,
        token_type: None,
    };
}

/// Whether a token is active, and whose it is. Malformed, unknown, expired and revoked
/// tokens are all just `{"active": false}`: the caller learns nothing more about them.
/// A token's IP and domain whitelists are not applied here, since the client is not the
/// one asking; gateways that need them use `/auth`.
#[utoipa::path(
    post,
    path = "/api/v1/introspect",
    tag = "gateway",
    security(("bearer" = ["tokens:introspect"])),
    request_body(content = IntrospectionRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "What Tessera knows of the token", body = Introspection), AuthErrors)
)]
pub async fn introspect(
    State(state): State<AppState>,
    _caller: Scoped<TokensIntrospect>,
    form: Result<Form<IntrospectionRequest>, FormRejection>,
) -> Result<Json<Introspection>, ApiError> {
    let Form(request) =
        form.map_err(|rejection| ApiError::UnreadableBody(rejection.body_text()))?;
    let token = request.token.ok_or(ApiError::InvalidRequest(
        "Send the token to introspect in the form field 'token'.",
    ))?;
    let Ok(plain) = PlainToken::parse(token.trim()) else {
        return Ok(Json(Introspection::INACTIVE));
    };
    let store = state.services.store.as_ref();
    let internal = |error| {
        tracing::error!(%error, "introspection lookup failed");
        ApiError::Internal
    };
    let found = state
        .tokens
        .find(&plain.hash(), state.bearer_store.as_ref())
        .await
        .map_err(internal)?;
    let now = state.services.clock.now();
    let Some(found) = found.filter(|found| found.status_at(now) == TokenStatus::Active) else {
        return Ok(Json(Introspection::INACTIVE));
    };
    let policy = state.services.policy.get(store).await.map_err(internal)?;
    let scope = found.view_under(&policy).scopes.clone();
    Ok(Json(Introspection {
        active: true,
        scope: Some(scope),
        username: Some(found.owner.username.clone()),
        sub: Some(found.owner.username.clone()),
        exp: found.token.expires_at.map(|at| at.timestamp()),
        iat: Some(found.token.created_at.timestamp()),
        token_type: Some("Bearer"),
    }))
}
