//! Finds the session of every page request and server-function call once, and keeps
//! signed-out people on /login.

use crate::state::AppState;
use app::services::Authenticated;
use app::sessions::resolve_session;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

const LOGIN: &str = "/login";
const HOME: &str = "/profile";

/// Pages anyone may open: signing in, accepting an invitation and resetting a password
/// (the link is the key).
fn is_public_page(path: &str) -> bool {
    path == LOGIN || path.starts_with("/invite/") || path.starts_with("/reset/")
}

/// For pages: signed-out people go to /login unless the page is public, and signed-in
/// people who open /login or the bare address go to their profile.
pub async fn session_for_pages(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let session = match resolve_session(&state.services, request.headers()).await {
        Ok(session) => session,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let path = request.uri().path();
    match session {
        Some(_) if path == LOGIN || path == "/" => return Redirect::to(HOME).into_response(),
        Some(session) => {
            request.extensions_mut().insert(Authenticated(session));
        }
        None if !is_public_page(path) => return Redirect::to(LOGIN).into_response(),
        None => {}
    }
    next.run(request).await
}

/// For server functions, which answer for themselves without a session (401 from their
/// typed error).
pub async fn session_for_calls(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match resolve_session(&state.services, request.headers()).await {
        Ok(Some(session)) => {
            request.extensions_mut().insert(Authenticated(session));
        }
        Ok(None) => {}
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    next.run(request).await
}
