//! The API's errors, and the one place they become HTTP responses.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

pub const REALM: &str = "tessera";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No bearer credentials at all (RFC 6750 §3.1: no error code is given).
    MissingCredentials,
    InvalidRequest(&'static str),
    /// A request body that could not be read; the text says where it went wrong.
    UnreadableBody(String),
    /// Malformed, unknown, expired, revoked, or used from where it may not be. Which one is
    /// logged, never told.
    InvalidToken,
    /// The token lacks these permissions (space-separated, as RFC 6750 writes `scope`).
    InsufficientScope(String),
    /// A field of the request broke a rule; the message is for the person who wrote it.
    Invalid {
        field: &'static str,
        message: String,
    },
    NotFound(&'static str),
    Conflict(String),
    /// This address failed too often; it may try again after the wait.
    TooManyFailures(std::time::Duration),
    /// This address called too often; it may try again after the wait.
    TooManyRequests(std::time::Duration),
    /// A signed request whose signature is missing, unknown or wrong.
    BadSignature(&'static str),
    Internal,
}

/// Every error answer of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `invalid_request`, `invalid_token`, `insufficient_scope`, `validation_failed`,
    /// `not_found`, `conflict`, `unauthorized`, `invalid_signature`, `too_many_requests` or
    /// `server_error`.
    pub error: &'static str,
    pub error_description: String,
    /// The request field at fault, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// The permissions needed, for `insufficient_scope`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (head, body) = self.answer();
        let status = head.status;
        head.onto((status, Json(body)).into_response())
    }
}

impl ApiError {
    /// The answer's status and headers (`WWW-Authenticate`, `Retry-After`) with an empty
    /// body (`Content-Length: 0`), for forward auth: gateways pass only those on, and nginx's
    /// `auth_request` reads no further than the headers, so an answer with a body would make
    /// it close its keepalive connection to Tessera after every refusal.
    pub fn into_bodiless_response(self) -> Response {
        let (head, _) = self.answer();
        let mut response = Response::new(Body::empty());
        *response.status_mut() = head.status;
        head.onto(response)
    }

    /// What the answer says, in its head and in its JSON body.
    fn answer(self) -> (Head, ErrorBody) {
        let mut field = None;
        let mut scope = None;
        let mut retry_after = None;
        let (status, code, description): (StatusCode, Option<&'static str>, String) = match self {
            Self::MissingCredentials => (
                StatusCode::UNAUTHORIZED,
                None,
                "Send a personal access token in the header: Authorization: Bearer <token>.".into(),
            ),
            Self::InvalidRequest(description) => (
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                description.into(),
            ),
            Self::UnreadableBody(description) => (
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                description,
            ),
            Self::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                "The access token is invalid, expired or revoked.".into(),
            ),
            Self::InsufficientScope(needed) => {
                let description = format!("The access token lacks the permission: {needed}.");
                scope = Some(needed);
                (
                    StatusCode::FORBIDDEN,
                    Some("insufficient_scope"),
                    description,
                )
            }
            Self::Invalid {
                field: name,
                message,
            } => {
                field = Some(name);
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("validation_failed"),
                    message,
                )
            }
            Self::NotFound(what) => (StatusCode::NOT_FOUND, Some("not_found"), what.into()),
            Self::Conflict(message) => (StatusCode::CONFLICT, Some("conflict"), message),
            Self::TooManyFailures(wait) => {
                let seconds = whole_seconds(wait);
                retry_after = Some(seconds);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some("too_many_requests"),
                    format!("Too many invalid tokens from your address. Try again in {seconds} s."),
                )
            }
            Self::TooManyRequests(wait) => {
                let seconds = whole_seconds(wait);
                retry_after = Some(seconds);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some("too_many_requests"),
                    format!("Too many requests from your address. Try again in {seconds} s."),
                )
            }
            Self::BadSignature(description) => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_signature"),
                description.into(),
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("server_error"),
                "Something went wrong on our side. Please try again.".into(),
            ),
        };

        // RFC 6750 §3: a challenge on every authentication failure, with the scope needed.
        // A bad signature is not a bearer failure: signed requests carry no token.
        let challenge = match (status, code) {
            (_, Some("invalid_signature")) => None,
            (StatusCode::UNAUTHORIZED, None) => Some(format!(r#"Bearer realm="{REALM}""#)),
            (StatusCode::UNAUTHORIZED | StatusCode::BAD_REQUEST, Some(code)) => Some(format!(
                r#"Bearer realm="{REALM}", error="{code}", error_description="{}""#,
                quoted(&description)
            )),
            (StatusCode::FORBIDDEN, Some(code)) => Some(format!(
                r#"Bearer realm="{REALM}", error="{code}", scope="{}""#,
                quoted(scope.as_deref().unwrap_or_default())
            )),
            _ => None,
        };
        let head = Head {
            status,
            challenge,
            retry_after,
        };
        let body = ErrorBody {
            error: code.unwrap_or("unauthorized"),
            error_description: description,
            field,
            scope,
        };
        (head, body)
    }
}

/// An error answer's status and headers.
struct Head {
    status: StatusCode,
    challenge: Option<String>,
    retry_after: Option<u64>,
}

impl Head {
    fn onto(self, mut response: Response) -> Response {
        if let Some(value) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Whole seconds, rounded up: retrying a moment early would only fail again.
fn whole_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// RFC 6750 §3 allows only printable ASCII but `"` and `\` inside the quoted values.
fn quoted(text: &str) -> String {
    text.chars()
        .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
        .collect()
}

impl From<app::error::AppError> for ApiError {
    fn from(error: app::error::AppError) -> Self {
        use app::error::{AppError, Field};
        match error {
            AppError::Invalid { field, message } => Self::Invalid {
                field: match field {
                    Field::Label => "label",
                    Field::Description => "description",
                    Field::Expiration | Field::CustomExpiry | Field::MaxLifetime => "expires",
                    Field::Permissions => "permissions",
                    Field::IpWhitelist => "ip_whitelist",
                    Field::DomainWhitelist => "domain_whitelist",
                    Field::Allowlist => "allowlist",
                    Field::PermissionName => "name",
                    Field::PermissionDescription => "description",
                    Field::Email => "email",
                    Field::DisplayName => "display_name",
                    Field::Role => "role",
                    Field::Username => "username",
                    Field::Password => "password",
                    Field::PasswordConfirmation => "password_confirmation",
                    Field::CurrentPassword => "current_password",
                    Field::Code => "code",
                    Field::TwoFactor => "two_factor",
                    Field::Grace => "grace",
                    Field::Selection => "selection",
                    Field::DeactivatedUntil => "until",
                    Field::UnusedDays => "unused_days",
                    Field::RetentionDays => "days",
                },
                message,
            },
            AppError::NotFound => Self::NotFound("No such token."),
            AppError::Conflict(message) => Self::Conflict(message),
            AppError::Unauthenticated
            | AppError::InvalidCredentials
            | AppError::AccountDisabled
            | AppError::NetworkNotAllowed => Self::InvalidToken,
            // Not answers any API call gives; if one ever does, it is our bug.
            AppError::Forbidden
            | AppError::LockoutRisk(_)
            | AppError::WouldExpireUnused { .. }
            | AppError::InvitationBroken
            | AppError::ResetLinkBroken
            | AppError::SignInExpired
            | AppError::TwoFactorSetupRequired
            | AppError::TooManyAttempts { .. }
            | AppError::Internal
            | AppError::Unreachable => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_values_stay_printable_ascii() {
        assert_eq!(quoted(r#"a "b" \c – d"#), "a b c  d");
    }

    #[tokio::test]
    async fn a_bodiless_answer_keeps_the_status_and_headers() {
        let cases = [
            (ApiError::InvalidToken, StatusCode::UNAUTHORIZED),
            (
                ApiError::InsufficientScope("a:b".into()),
                StatusCode::FORBIDDEN,
            ),
            (
                ApiError::TooManyFailures(std::time::Duration::from_millis(1500)),
                StatusCode::TOO_MANY_REQUESTS,
            ),
        ];
        for (error, status) in cases {
            let full = error.clone().into_response();
            let bare = error.into_bodiless_response();
            assert_eq!(bare.status(), status);
            for name in [WWW_AUTHENTICATE, RETRY_AFTER] {
                assert_eq!(
                    bare.headers().get(&name),
                    full.headers().get(&name),
                    "{status}"
                );
            }
            assert!(bare.headers().get(http::header::CONTENT_TYPE).is_none());
            let body = axum::body::to_bytes(bare.into_body(), 1024).await.unwrap();
            assert!(body.is_empty(), "{status}");
        }
    }
}
