use super::openapi::AuthErrors;
use super::scopes::ProfileRead;
use super::Scoped;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    user: MeUser,
    token: MeToken,
}

#[derive(Serialize, ToSchema)]
struct MeUser {
    username: String,
    display_name: String,
}

#[derive(Serialize, ToSchema)]
struct MeToken {
    label: String,
    hint: String,
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    permissions: Vec<String>,
}

/// Who the presented token speaks for.
#[utoipa::path(
    get,
    path = "/me",
    tag = "profile",
    security(("bearer" = ["profile:read"])),
    responses((status = 200, description = "The token's owner and the token", body = MeResponse), AuthErrors)
)]
pub async fn me(Scoped(found, ..): Scoped<ProfileRead>) -> Json<MeResponse> {
    Json(MeResponse {
        user: MeUser {
            username: found.owner.username,
            display_name: found.owner.display_name,
        },
        token: MeToken {
            label: found.token.label,
            hint: found.token.hint,
            created: found.token.created_at,
            expires: found.token.expires_at,
            permissions: found.token.restrictions.permissions,
        },
    })
}
