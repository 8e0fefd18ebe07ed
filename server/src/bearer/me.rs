use super::openapi::AuthErrors;
use super::scopes::ProfileRead;
use super::Scoped;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

// Borrowed from the cached token: answering copies nothing but into the response body.
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
    path = "/me",
    tag = "profile",
    security(("bearer" = ["profile:read"])),
    responses((status = 200, description = "The token's owner and the token", body = MeResponse), AuthErrors)
)]
pub async fn me(Scoped(found, ..): Scoped<ProfileRead>) -> Response {
    Json(MeResponse {
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
    })
    .into_response()
}
