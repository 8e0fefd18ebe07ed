//! The OpenAPI 3 document of the API, made from the handlers' own annotations and served
//! at `/api/v1/openapi.json`.

use super::ErrorBody;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// What every bearer-protected operation may answer besides success (RFC 6750 §3.1).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its description of the responses is used
pub enum AuthErrors {
    /// Malformed request (`invalid_request`), e.g. a token in the URL.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No token, or a token that is invalid, expired, revoked or used from a network or
    /// site it may not be (`invalid_token`), with `WWW-Authenticate`.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The token lacks the permission (`insufficient_scope`; the needed `scope` is in
    /// `WWW-Authenticate` and the body).
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Too many invalid tokens from the caller's address (`too_many_requests`); wait the
    /// seconds `Retry-After` gives.
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "Personal access tokens. Send one as `Authorization: Bearer <token>`; each operation names the permission its token needs."
    ),
    paths(super::forward_auth::forward_auth),
    modifiers(&BearerScheme),
    tags(
        (name = "profile", description = "Who a token speaks for"),
        (name = "tokens", description = "The caller's personal access tokens"),
        (name = "reports", description = "Admin reports"),
        (name = "audit", description = "The audit trail, for admins"),
        (name = "gateway", description = "Token checks for gateways and resource servers"),
        (name = "secret-scanning", description = "Leak alerts from GitHub's secret scanning, signed by GitHub")
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A Tessera personal access token (48 characters, `tsr1…`).",
                    ))
                    .build(),
            ),
        );
    }
}
