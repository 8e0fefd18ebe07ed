//! Finds the session of every browser request once, and keeps signed-out people on /login.

use crate::state::AppState;
use app::services::Authenticated;
use app::sessions::resolve_session;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

const LOGIN: &str = "/login";
const HOME: &str = "/profile";

/// Paths that never need a session: static files, the bearer API, health checks.
fn is_sessionless(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/favicon.ico"
}

/// Pages anyone may open: signing in, and accepting an invitation (the link is the key).
fn is_public_page(path: &str) -> bool {
    path == LOGIN || path.starts_with("/invite/")
}

pub async fn session_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if is_sessionless(&path) {
        return next.run(request).await;
    }
    let session = match resolve_session(&state.services, request.headers()).await {
        Ok(session) => session,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    // Server functions answer for themselves (401 from their typed error); pages redirect.
    let is_page = !path.starts_with("/rpc/");
    match session {
        Some(session) => {
            if is_page && (path == LOGIN || path == "/") {
                return Redirect::to(HOME).into_response();
            }
            request.extensions_mut().insert(Authenticated(session));
        }
        None if is_page && !is_public_page(&path) => return Redirect::to(LOGIN).into_response(),
        None => {}
    }
    next.run(request).await
}
