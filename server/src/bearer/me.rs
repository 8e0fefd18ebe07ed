use super::forward_auth::ANSWER_HEADERS;
use super::openapi::AuthErrors;
use super::scopes::ProfileRead;
use super::{ApiError, Scoped};
use app::store::BearerToken;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
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
    // A copy of the rendered body rather than a shared one: sharing would have every check,
    // on either core, write the same reference count.
    let Some(body) = caller.found.with_answers(&caller.policy, |answers| {
        answers
            .me()
            .map(|body| Bytes::copy_from_slice(body.as_bytes()))
    }) else {
        return ApiError::Internal.into_response();
    };
    // Made at its final size, as the gateway's answers are (see `ANSWER_HEADERS`).
    let mut headers = HeaderMap::with_capacity(ANSWER_HEADERS);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// The body of `/me`, written once per lookup (see `KnownToken`).
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
