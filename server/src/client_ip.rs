//! Works out once per request which address it comes from, for sign-in, the allowlist,
//! token whitelists and last-used records alike.

use crate::state::AppState;
use app::rules::network::client_address;
use app::services::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderName;
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
        let forwarded = request
            .headers()
            .get_all(state.client_ip_header.name())
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<&str>>();
        client_address(peer, &forwarded, &state.trusted_proxies)
    });
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}
