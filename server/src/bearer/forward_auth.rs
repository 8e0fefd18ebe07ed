//! `/api/v1/auth`: forward authentication for gateways (nginx `auth_request`, Traefik
//! `forwardAuth`, Caddy `forward_auth`, Envoy ext_authz). The gateway sends the request's
//! headers; a 2xx lets the request through with the caller named in headers, a 401 or 403
//! goes back to the client as it is.

use super::extract::ValidToken;
use super::token::PolicyView;
use super::ApiError;
use app::rules::permission::validate_name;
use axum::body::Body;
use axum::extract::RawQuery;
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue};

pub const USER_HEADER: HeaderName = HeaderName::from_static("x-tessera-user");
pub const TOKEN_ID_HEADER: HeaderName = HeaderName::from_static("x-tessera-token-id");
pub const SCOPES_HEADER: HeaderName = HeaderName::from_static("x-tessera-scopes");

/// Checks the bearer token of the request the gateway is about to pass on.
///
/// Any method is accepted, since gateways forward the original one, and so is any path
/// below `/auth`, since Envoy appends the original path to its `path_prefix`.
#[utoipa::path(
    method(get, head, post, put, patch, delete, options, trace),
    path = "/api/v1/auth",
    tag = "gateway",
    params(super::openapi::ForwardAuthQuery),
    security(("bearer" = [])),
    responses(super::openapi::GatewayAnswers)
)]
pub async fn forward_auth(
    caller: Result<ValidToken, ApiError>,
    RawQuery(query): RawQuery,
) -> Response {
    // Only gateways read this answer, and they pass on its status and headers alone: a
    // refusal says everything in its challenge, and without a body nginx keeps the
    // connection for the next check (bench/gateway-refusals.sh).
    check(caller, query.as_deref()).unwrap_or_else(ApiError::into_bodiless_response)
}

fn check(caller: Result<ValidToken, ApiError>, query: Option<&str>) -> Result<Response, ApiError> {
    let caller = caller?;
    let needed = required_scopes(query)?;
    caller.demand(&needed.iter().map(String::as_str).collect::<Vec<_>>())?;

    let view = caller.found.view_under(&caller.policy);
    let headers =
        identity_headers(&caller.found.owner.username, &view).ok_or(ApiError::Internal)?;
    let mut response = Response::new(Body::empty());
    *response.headers_mut() = headers;
    Ok(response)
}

/// The caller, named for the service behind the gateway; `None` for a username no header
/// can carry.
fn identity_headers(username: &str, view: &PolicyView) -> Option<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert(USER_HEADER, HeaderValue::from_str(username).ok()?);
    headers.insert(TOKEN_ID_HEADER, HeaderValue::from_str(&view.token_id).ok()?);
    headers.insert(SCOPES_HEADER, HeaderValue::from_str(&view.scopes).ok()?);
    Some(headers)
}

/// `?scope=a&scope=b` and `?scope=a%20b` both ask for `a` and `b`. A name no permission
/// could have is the gateway's configuration at fault, and would not fit in the challenge.
fn required_scopes(query: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(query) = query else {
        return Ok(Vec::new());
    };
    form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == "scope")
        .flat_map(|(_, value)| {
            value
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        // Only ASCII white space separates names, so one the rules would trim is refused.
        .map(|name| {
            validate_name(&name)
                .ok()
                .filter(|valid| *valid == name)
                .ok_or(ApiError::InvalidRequest(
                    "Each scope must be a permission name: lowercase letters, digits and . _ - :",
                ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bearer::token::CachedToken;
    use crate::fixtures::bearer;
    use app::security::Policy;

    #[test]
    fn the_answer_names_the_user_the_token_and_its_scopes() {
        let known = CachedToken::new(bearer(7, 1));
        let headers = identity_headers("alice", &known.view_under(&Policy::default())).unwrap();
        assert_eq!(headers[USER_HEADER], "alice");
        assert_eq!(headers[TOKEN_ID_HEADER], "7");
        assert_eq!(headers[SCOPES_HEADER], "");
    }

    #[test]
    fn a_username_no_header_can_carry_gets_no_answer() {
        let known = CachedToken::new(bearer(1, 1));
        let view = known.view_under(&Policy::default());
        assert!(identity_headers("bad\nname", &view).is_none());
        assert_eq!(view.token_id, "1");
    }

    #[test]
    fn scopes_come_repeated_or_space_separated() {
        assert_eq!(required_scopes(None), Ok(vec![]));
        assert_eq!(required_scopes(Some("other=1")), Ok(vec![]));
        assert_eq!(
            required_scopes(Some("scope=a:read&x=1&scope=billing:write%20cc+dd")),
            Ok(vec![
                "a:read".to_owned(),
                "billing:write".into(),
                "cc".into(),
                "dd".into()
            ])
        );
    }

    #[test]
    fn a_scope_no_permission_could_have_is_a_bad_request() {
        for query in [
            "scope=a%22b",
            "scope=billing%5Cread",
            "scope=xx%00yy",
            "scope=Billing:Read",
            "scope=ab%C2%A0",
        ] {
            assert!(
                matches!(
                    required_scopes(Some(query)),
                    Err(ApiError::InvalidRequest(_))
                ),
                "{query}"
            );
        }
    }
}
