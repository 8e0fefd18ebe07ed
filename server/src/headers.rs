//! Response headers every answer gets, and the same-origin rule for state-changing calls.

use crate::bearer;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{
    CACHE_CONTROL, HOST, ORIGIN, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderValue, Method, StatusCode};

/// Pages carry personal data and one answer carries a new token's secret: nothing but the
/// static bundle may be stored by a browser or a proxy. No page may be framed.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let cacheable = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // One growth of the map instead of one per header.
    headers.reserve(4);
    if !cacheable {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// What a page on another site may ask. Server functions refuse it: SameSite=Lax already
/// keeps the session cookie off such requests, and this also stops a foreign page signing
/// someone in. The bearer API answers it under CORS.
pub async fn cross_origin_requests(request: Request, next: Next) -> Response {
    // Only browsers send `Origin`; without one there is nothing to decide.
    if !request.headers().contains_key(ORIGIN) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    let is_call = request.method() == Method::POST && path.starts_with("/rpc/");
    if is_call && !origin_matches_host(&request) {
        tracing::warn!(%path, "refused a cross-origin call");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response();
    }
    if bearer::is_browser_callable(path) {
        return bearer::with_cors(request, next).await;
    }
    next.run(request).await
}

/// Browsers send `Origin` on every POST; a request without one (curl, a test) is not a
/// cross-site browser request.
fn origin_matches_host(request: &Request) -> bool {
    let Some(origin) = request.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = request.headers().get(HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(origin: Option<&str>, host: Option<&str>) -> Request {
        let mut builder = Request::post("/rpc/login");
        if let Some(origin) = origin {
            builder = builder.header(ORIGIN, origin);
        }
        if let Some(host) = host {
            builder = builder.header(HOST, host);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn origin_rules() {
        assert!(origin_matches_host(&request(None, Some("127.0.0.1:3000"))));
        assert!(origin_matches_host(&request(
            Some("http://127.0.0.1:3000"),
            Some("127.0.0.1:3000")
        )));
        assert!(origin_matches_host(&request(
            Some("https://Tessera.example"),
            Some("tessera.example")
        )));
        assert!(!origin_matches_host(&request(
            Some("https://evil.example"),
            Some("tessera.example")
        )));
        assert!(!origin_matches_host(&request(
            Some("http://127.0.0.1:3001"),
            Some("127.0.0.1:3000")
        )));
        assert!(!origin_matches_host(&request(
            Some("null"),
            Some("127.0.0.1:3000")
        )));
        assert!(!origin_matches_host(&request(
            Some("http://a.example"),
            None
        )));
    }
}
