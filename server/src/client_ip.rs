//! Works out once per request which address it comes from, for sign-in, the allowlist,
//! token whitelists and last-used records alike.

use crate::state::AppState;
use app::rules::network::client_address;
use app::services::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderName};
use std::borrow::Cow;
use std::net::SocketAddr;

/// The one header trusted proxies name the client in (`TESSERA_CLIENT_IP_HEADER`), as
/// nginx's `real_ip_header` does. Exactly one is read: a proxy that sets one of them
/// passes the other on as the client wrote it, so reading both would let clients choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientIpHeader {
    /// The list every proxy appends to, read right to left past trusted hops.
    #[default]
    XForwardedFor,
    /// The single address an nginx `proxy_set_header X-Real-IP $remote_addr` sets.
    XRealIp,
}

// Constants, so that no request pays for building a header name.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

impl ClientIpHeader {
    fn name(self) -> HeaderName {
        match self {
            Self::XForwardedFor => X_FORWARDED_FOR,
            Self::XRealIp => X_REAL_IP,
        }
    }
}

pub async fn client_ip_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let ip = peer.and_then(|peer| {
        let values = header_texts(request.headers(), state.client_ip_header.name());
        let forwarded = values.iter().map(AsRef::as_ref).collect::<Vec<&str>>();
        client_address(peer, &forwarded, &state.trusted_proxies)
    });
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

/// Every value of the header, as text. A value with bytes that are not text still ends in
/// the hops our proxies appended: dropping it whole would make the last proxy the client.
fn header_texts(headers: &HeaderMap, name: HeaderName) -> Vec<Cow<'_, str>> {
    headers
        .get_all(name)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .collect()
}

#[cfg(test)]
mod properties {
    use super::*;
    use app::rules::network::{canonical, parse_ip_entry};
    use http::HeaderValue;
    use proptest::prelude::*;
    use std::net::IpAddr;

    const PROXY: &str = "10.0.0.2";

    fn not_the_proxy() -> impl Strategy<Value = IpAddr> {
        any::<IpAddr>().prop_filter("not the proxy", |ip| canonical(*ip).to_string() != PROXY)
    }

    proptest! {
        // A proxy appends the address it saw to whatever the client sent, in the same value.
        #[test]
        fn whatever_bytes_a_client_sends_the_hop_a_proxy_appends_is_read(
            sent in proptest::collection::vec(any::<u8>(), 0..40),
            client in not_the_proxy(),
        ) {
            let mut appended = sent;
            appended.extend_from_slice(format!(", {client}").as_bytes());
            // Values http itself refuses (line breaks, NUL) never reach us.
            let Ok(value) = HeaderValue::from_bytes(&appended) else {
                return Ok(());
            };
            let mut headers = HeaderMap::new();
            headers.insert(X_FORWARDED_FOR, value);
            let values = header_texts(&headers, X_FORWARDED_FOR);
            let forwarded = values.iter().map(AsRef::as_ref).collect::<Vec<&str>>();
            let trusted = [parse_ip_entry(PROXY).unwrap()];
            prop_assert_eq!(
                client_address(PROXY.parse().unwrap(), &forwarded, &trusted),
                Some(canonical(client))
            );
        }
    }
}
