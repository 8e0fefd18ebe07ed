use super::openapi::AuthErrors;
use super::scopes::ProfileRead;
use super::{ApiError, Scoped};
use app::store::BearerToken;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header::CONTENT_TYPE;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeResponse<'a> {
    user: MeUser<'a>,
    token: MeToken<'a>,
}

#[derive(Serialize, ToSchema)]
struct MeUser<'a> {
    username: &'a str,
    display_name: &'a str,
}

#[derive(Serialize, ToSchema)]
struct MeToken<'a> {
    label: &'a str,
    hint: &'a str,
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    permissions: &'a [String],
}

/// Who the presented token speaks for.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "profile",
    security(("bearer" = ["profile:read"])),
    responses((status = 200, description = "The token's owner and the token", body = MeResponse), AuthErrors)
)]
pub async fn me(Scoped(caller, ..): Scoped<ProfileRead>) -> Response {
    let Some(body) = caller.found.view_under(&caller.policy).me.clone() else {
        return ApiError::Internal.into_response();
    };
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

/// The body of `/me`, written once per cached token (`CachedToken::view_under`).
pub fn body(found: &BearerToken) -> Option<String> {
    let answer = MeResponse {
        user: MeUser {
            username: &found.owner.username,
            display_name: &found.owner.display_name,
        },
        token: MeToken {
            label: &found.token.label,
            hint: &found.token.hint,
            created: found.token.created_at,
            expires: found.token.expires_at,
            permissions: &found.token.restrictions.permissions,
        },
    };
    match serde_json::to_string(&answer) {
        Ok(body) => Some(body),
        Err(error) => {
            tracing::error!(%error, "could not write /me");
            None
        }
    }
}
