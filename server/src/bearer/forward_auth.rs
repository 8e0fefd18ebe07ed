//! `/api/v1/auth`: forward authentication for gateways (nginx `auth_request`, Traefik
//! `forwardAuth`, Caddy `forward_auth`, Envoy ext_authz). The gateway sends the request's
//! headers; a 2xx lets the request through with the caller named in headers, a 401 or 403
//! goes back to the client as it is.

use super::extract::ValidToken;
use super::openapi::AuthErrors;
use super::ApiError;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode};

pub const USER_HEADER: HeaderName = HeaderName::from_static("x-tessera-user");
pub const TOKEN_ID_HEADER: HeaderName = HeaderName::from_static("x-tessera-token-id");
pub const SCOPES_HEADER: HeaderName = HeaderName::from_static("x-tessera-scopes");

/// Checks the bearer token of the request the gateway is about to pass on.
///
/// Any method is accepted, since gateways forward the original one, and so is any path
/// below `/auth`, since Envoy appends the original path to its `path_prefix`.
#[utoipa::path(
    get,
    path = "/api/v1/auth",
    tag = "gateway",
    params(("scope" = Option<String>, Query, description = "Permissions the token must hold, space-separated or repeated; all are required.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is valid here. `X-Tessera-User` (username), `X-Tessera-Token-Id` and `X-Tessera-Scopes` (space-separated) name the caller."),
        AuthErrors
    )
)]
pub async fn forward_auth(
    caller: ValidToken,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let needed = required_scopes(query.as_deref());
    caller.demand(&needed.iter().map(String::as_str).collect::<Vec<_>>())?;

    let token = &caller.found.token;
    let scopes = caller.usable_permissions().collect::<Vec<_>>().join(" ");
    let header = |text: &str| HeaderValue::from_str(text).map_err(|_| ApiError::Internal);
    Ok((
        StatusCode::OK,
        [
            (USER_HEADER, header(&caller.found.owner.username)?),
            (TOKEN_ID_HEADER, HeaderValue::from(token.id)),
            (SCOPES_HEADER, header(&scopes)?),
        ],
    )
        .into_response())
}

/// `?scope=a&scope=b` and `?scope=a%20b` both ask for `a` and `b`.
fn required_scopes(query: Option<&str>) -> Vec<String> {
    let Some(query) = query else {
        return Vec::new();
    };
    form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == "scope")
        .flat_map(|(_, value)| {
            value
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_repeated_or_space_separated() {
        assert!(required_scopes(None).is_empty());
        assert!(required_scopes(Some("other=1")).is_empty());
        assert_eq!(
            required_scopes(Some("scope=a:read&x=1&scope=b:write%20c+d")),
            ["a:read", "b:write", "c", "d"]
        );
    }
}
