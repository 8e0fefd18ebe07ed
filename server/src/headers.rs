//! Response headers every answer gets, and the same-origin rule for server-function calls.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{
    CACHE_CONTROL, HOST, ORIGIN, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderValue, Method, StatusCode};

/// Marks an answer that browsers and proxies may store: the static bundle's.
#[derive(Clone, Copy)]
struct MayBeStored;

/// The static files' group sets this on its answers, for `security_headers` to see.
pub async fn may_be_stored(mut response: Response) -> Response {
    response.extensions_mut().insert(MayBeStored);
    response
}

/// Whether browsers are told to reach this site over https only (HSTS): when
/// `TESSERA_PUBLIC_URL` is an https address.
#[derive(Clone, Copy)]
pub struct HttpsOnly(pub bool);

/// Pages carry personal data and one answer carries a new token's secret: nothing but the
/// static bundle may be stored by a browser or a proxy. No page may be framed.
pub async fn security_headers(
    State(HttpsOnly(https_only)): State<HttpsOnly>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let storable = response.extensions().get::<MayBeStored>().is_some();
    let headers = response.headers_mut();
    // One growth of the map instead of one per header.
    headers.reserve(5);
    if https_only {
        // A year, the common choice; subdomains are the company's own business.
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !storable {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Server functions take calls from this site's pages only. SameSite=Lax already keeps the
/// session cookie off other sites' requests; this also stops a foreign page signing someone
/// in.
pub async fn same_origin_calls(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::POST && !from_own_site(&request, state.site_origin.as_deref()) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-origin call");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Browsers send `Origin` on every POST; a request without one (curl, a test) is not a
/// cross-site browser request. The origin must be the configured site's (`site_origin`,
/// from `TESSERA_PUBLIC_URL`), or without one the host the request names.
fn from_own_site(request: &Request, site_origin: Option<&str>) -> bool {
    let Some(origin) = request.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if let Some(site) = site_origin {
        return origin.eq_ignore_ascii_case(site);
    }
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

    fn origin_matches_host(request: &Request) -> bool {
        from_own_site(request, None)
    }

    #[test]
    fn a_configured_site_origin_is_the_only_one() {
        let site = Some("https://tessera.example");
        assert!(from_own_site(&request(None, Some("proxy.internal")), site));
        assert!(from_own_site(
            &request(Some("https://Tessera.example"), Some("proxy.internal")),
            site
        ));
        // Whatever Host a proxy or an attacker's DNS puts in front of it.
        assert!(!from_own_site(
            &request(Some("https://proxy.internal"), Some("proxy.internal")),
            site
        ));
        assert!(!from_own_site(
            &request(Some("http://tessera.example"), Some("tessera.example")),
            site
        ));
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
