//! Response headers every answer gets, and the same-origin rule for server-function calls.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{
    CACHE_CONTROL, HOST, ORIGIN, REFERER, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderValue, Method, StatusCode};

/// How long browsers and proxies may keep the static bundle's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleCaching {
    /// `make build` puts each file's content hash in its name, so a name never changes
    /// content: a new build is new names, and a file may be kept for a year unasked.
    Immutable,
    /// Without hashed names (a development build) a browser asks again each time, and
    /// gets a 304 when the file is unchanged.
    Revalidate,
}

impl BundleCaching {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Immutable => "public, max-age=31536000, immutable",
            Self::Revalidate => "no-cache",
        })
    }
}

/// The static files' group: a file found gets the bundle's caching; a missing one is the
/// not-found page, which is kept nowhere like any page.
pub async fn bundle_caching(
    State(caching): State<BundleCaching>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, caching.header());
    }
    response
}

/// Whether browsers are told to reach this site over https only (HSTS): when
/// `TESSERA_PUBLIC_URL` is an https address.
#[derive(Clone, Copy)]
pub struct HttpsOnly(pub bool);

/// Pages carry personal data and one answer carries a new token's secret: nothing but the
/// static bundle, which says so itself, may be stored by a browser or a proxy. No page may
/// be framed.
pub async fn security_headers(
    State(HttpsOnly(https_only)): State<HttpsOnly>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
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
    if !headers.contains_key(CACHE_CONTROL) {
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

/// A form posted by the browser itself (before the page hydrates, or without JavaScript)
/// comes back to its page with the error in the address, as leptos's `__path` and `__err`.
/// Leptos adds them to the page's address as the browser sends it, which may still hold an
/// earlier failure's: the page would show that one. So the page's address loses them first.
pub async fn without_earlier_form_errors(mut request: Request, next: Next) -> Response {
    if let Some(referer) = request.headers().get(REFERER).and_then(|v| v.to_str().ok()) {
        if let Ok(mut page) = url::Url::parse(referer) {
            let kept: Vec<(String, String)> = page
                .query_pairs()
                .filter(|(key, _)| key != "__path" && key != "__err")
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect();
            if page.query_pairs().count() != kept.len() {
                page.set_query(None);
                if !kept.is_empty() {
                    page.query_pairs_mut().extend_pairs(kept);
                }
                if let Ok(value) = HeaderValue::from_str(page.as_str()) {
                    request.headers_mut().insert(REFERER, value);
                }
            }
        }
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
