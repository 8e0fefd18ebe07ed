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

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// What nginx configurations often set instead: the address the proxy saw.
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

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
        let values = |name| {
            request
                .headers()
                .get_all(name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .collect::<Vec<&str>>()
        };
        let mut forwarded = values(X_FORWARDED_FOR);
        if forwarded.is_empty() {
            forwarded = values(X_REAL_IP);
        }
        client_address(peer, &forwarded, &state.trusted_proxies)
    });
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}
