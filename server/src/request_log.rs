//! One log line per request, and a request id that ties it to every other line the request
//! logs. A proxy's `X-Request-Id` is kept, so one id follows the request through both logs;
//! otherwise one is made. Either way the client gets it back.
//!
//! The line names the route as the router matched it (`/invite/{secret}`), never the path
//! as sent: paths carry invitation and password-reset secrets.

use app::services::ClientIp;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue};
use rand::RngCore;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longer ids, or ids with other characters, are replaced: they go into every log line.
const LONGEST_ID: usize = 128;

/// Around everything but the client address, which it logs.
pub async fn log_request(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = kept_id(request.headers()).unwrap_or_else(new_id);
    let method = request.method().clone();
    let client = request.extensions().get::<ClientIp>().and_then(|ip| ip.0);
    let route = RouteSlot::default();
    request.extensions_mut().insert(route.clone());
    let span = tracing::info_span!("request", id = %id.to_str().unwrap_or_default());
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            target: "tessera::request",
            %method,
            route = route.0.get().map_or("-", MatchedPath::as_str),
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            client = %Address(client),
        );
    });
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// Where `note_route`, inside the router, leaves the route it matched for `log_request`.
#[derive(Clone, Default)]
struct RouteSlot(Arc<OnceLock<MatchedPath>>);

/// An address, or `-` for none (a test's request, which came over no connection).
struct Address(Option<IpAddr>);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// Tells `log_request`, outside the router, which route matched.
pub async fn note_route(request: Request, next: Next) -> Response {
    let extensions = request.extensions();
    if let (Some(slot), Some(route)) = (
        extensions.get::<RouteSlot>(),
        extensions.get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(route.clone());
    }
    next.run(request).await
}

fn kept_id(headers: &HeaderMap) -> Option<HeaderValue> {
    let value = headers.get(REQUEST_ID)?;
    let bytes = value.as_bytes();
    let plain = (1..=LONGEST_ID).contains(&bytes.len())
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    plain.then(|| value.clone())
}

fn new_id() -> HeaderValue {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let mut text = [0u8; 32];
    hex::encode_to_slice(bytes, &mut text).expect("32 hex digits for 16 bytes");
    HeaderValue::from_bytes(&text).expect("hex is a header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_plain_incoming_id_is_kept() {
        for id in ["abc", "4bf92f3577b34da6a3ce929d0e0e4736", "req-1.2_3:4"] {
            assert_eq!(kept_id(&with_id(id)).unwrap(), id);
        }
    }

    #[test]
    fn an_id_that_could_disturb_the_log_is_replaced() {
        for id in ["", "a b", "a\"b", "{}", &"x".repeat(LONGEST_ID + 1)] {
            assert_eq!(kept_id(&with_id(id)), None, "{id}");
        }
        assert_eq!(kept_id(&HeaderMap::new()), None);
    }

    #[test]
    fn new_ids_are_random_hex() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.to_str().unwrap().bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
