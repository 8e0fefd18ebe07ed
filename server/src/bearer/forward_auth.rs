//! `/api/v1/auth`: forward authentication for gateways (nginx `auth_request`, Traefik
//! `forwardAuth`, Caddy `forward_auth`, Envoy ext_authz). The gateway sends the request's
//! headers; a 2xx lets the request through with the caller named in headers, a 401 or 403
//! goes back to the client as it is.

use super::extract::ValidToken;
use super::known::Answers;
use super::openapi::AuthErrors;
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
    let needed = required_scopes(query.as_deref())?;
    caller.demand(&needed.iter().map(String::as_str).collect::<Vec<_>>())?;

    let headers = caller
        .found
        .with_answers(&caller.policy, identity_headers)
        .ok_or(ApiError::Internal)?;
    let mut response = Response::new(Body::empty());
    *response.headers_mut() = headers;
    Ok(response)
}

/// Every header an answer of this route carries once it leaves the server: the three
/// below, the four of `security_headers` and Content-Length. `/me`'s answers carry fewer.
pub(super) const ANSWER_HEADERS: usize = 8;

/// The caller, as the gateway is told. The values are copied from the rendered answers,
/// not shared with them: a shared value's reference count would be written by every check
/// on either core. The map is made at its final size: one that has to grow on the way out
/// is rehashed and moved, which cost more than these three inserts (callgrind,
/// bench/validation.sh). None for a username no header can carry, which validation
/// prevents.
fn identity_headers(answers: &Answers) -> Option<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(ANSWER_HEADERS);
    headers.insert(USER_HEADER, HeaderValue::from_str(answers.user()).ok()?);
    headers.insert(
        TOKEN_ID_HEADER,
        HeaderValue::from_str(answers.token_id()).ok()?,
    );
    headers.insert(SCOPES_HEADER, HeaderValue::from_str(answers.scopes()).ok()?);
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
        .map(|name| {
            validate_name(&name).map_err(|_| {
                ApiError::InvalidRequest(
                    "Each scope must be a permission name: lowercase letters, digits and . _ - :",
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bearer::known::KnownToken;
    use crate::fixtures::bearer;
    use app::rules::secret::SecretHash;
    use app::security::Policy;
    use http::header::{
        CACHE_CONTROL, CONTENT_LENGTH, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    };

    #[test]
    fn the_answer_has_room_for_every_header_it_leaves_with() {
        let mut found = bearer(7, 1);
        found.owner.username = "alice".into();
        let known = KnownToken::new(SecretHash::of("secret"), found);
        let mut headers = known
            .with_answers(&Policy::default(), identity_headers)
            .unwrap();
        assert_eq!(headers[USER_HEADER], "alice");
        assert_eq!(headers[TOKEN_ID_HEADER], "7");
        assert_eq!(headers[SCOPES_HEADER], "");
        let room = headers.capacity();
        // What `security_headers` and axum add on the way out.
        headers.reserve(4);
        for name in [
            CACHE_CONTROL,
            X_FRAME_OPTIONS,
            X_CONTENT_TYPE_OPTIONS,
            REFERRER_POLICY,
            CONTENT_LENGTH,
        ] {
            headers.insert(name, HeaderValue::from_static("x"));
        }
        assert_eq!(headers.len(), ANSWER_HEADERS);
        assert_eq!(headers.capacity(), room, "the map grew");
    }

    #[test]
    fn a_username_no_header_can_carry_gets_no_answer() {
        let mut found = bearer(1, 1);
        found.owner.username = "bad\nname".into();
        let known = KnownToken::new(SecretHash::of("secret"), found);
        assert_eq!(
            known.with_answers(&Policy::default(), identity_headers),
            None
        );
        let token_id = known.with_answers(&Policy::default(), |a| a.token_id().to_owned());
        assert_eq!(token_id, "1");
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
