//! The API's errors, and the one place they become HTTP responses.

use axum::response::{IntoResponse, Response};
use axum::Json;
use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, StatusCode};
use serde_json::json;

pub const REALM: &str = "tessera";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No bearer credentials at all (RFC 6750 §3.1: no error code is given).
    MissingCredentials,
    InvalidRequest(&'static str),
    /// Malformed, unknown, expired or revoked. Which one is logged, never told.
    InvalidToken,
    NotFound,
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, description) = match self {
            Self::MissingCredentials => (
                StatusCode::UNAUTHORIZED,
                None,
                "Send a personal access token in the header: Authorization: Bearer <token>.",
            ),
            Self::InvalidRequest(description) => (
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                description,
            ),
            Self::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                "The access token is invalid, expired or revoked.",
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                Some("not_found"),
                "No such API endpoint.",
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("server_error"),
                "Something went wrong on our side. Please try again.",
            ),
        };

        let challenge = match (status, code) {
            (StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST, Some(code)) => Some(format!(
                r#"Bearer realm="{REALM}", error="{code}", error_description="{description}""#
            )),
            (StatusCode::UNAUTHORIZED, None) => Some(format!(r#"Bearer realm="{REALM}""#)),
            _ => None,
        };
        let body = Json(json!({
            "error": code.unwrap_or("unauthorized"),
            "error_description": description,
        }));
        let mut response = (status, body).into_response();
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        response
    }
}
