use super::Bearer;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
pub struct MeResponse {
    user: MeUser,
    token: MeToken,
}

#[derive(Serialize)]
struct MeUser {
    username: String,
    display_name: String,
}

#[derive(Serialize)]
struct MeToken {
    label: String,
    hint: String,
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
}

/// `GET /api/v1/me`: who the presented token speaks for.
pub async fn me(Bearer(found): Bearer) -> Json<MeResponse> {
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
        },
    })
}
