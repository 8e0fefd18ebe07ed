//! Finds the session of every page request and server-function call once, keeps
//! signed-out people on /login, and keeps people the company requires two-factor of on its
//! set-up until they have done it.

use crate::state::AppState;
use app::error::AppError;
use app::services::Authenticated;
use app::sessions::{landing_page, resolve_session, CODE_PAGE, TWO_FACTOR_SET_UP_PAGE};
use app::store::SessionUser;
use app::users::Role;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::request::Parts;
use http::StatusCode;

const LOGIN: &str = "/login";

/// Pages anyone may open: signing in (both steps), accepting an invitation and resetting a
/// password (the link is the key).
fn is_public_page(path: &str) -> bool {
    path == LOGIN
        || path == CODE_PAGE
        || path.starts_with("/invite/")
        || path.starts_with("/reset/")
}

/// For pages: signed-out people go to /login unless the page is public, and signed-in
/// people who open /login or the bare address go to their landing page.
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
        Some(session) if path == LOGIN || path == CODE_PAGE || path == "/" => {
            return Redirect::to(landing_page(session.user.role)).into_response()
        }
        Some(session) => {
            match owes_two_factor(&state, &session).await {
                Ok(true) if path != TWO_FACTOR_SET_UP_PAGE => {
                    return Redirect::to(TWO_FACTOR_SET_UP_PAGE).into_response()
                }
                Ok(_) => {}
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
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
            match owes_two_factor(&state, &session).await {
                Ok(true) if !open_before_two_factor(request.uri().path()) => {
                    return refused_call(AppError::TwoFactorSetupRequired)
                }
                Ok(_) => {}
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
            request.extensions_mut().insert(Authenticated(session));
        }
        Ok(None) => {}
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    next.run(request).await
}

/// Whether the company requires two-factor of this user and they have not turned it on.
async fn owes_two_factor(state: &AppState, session: &SessionUser) -> Result<bool, AppError> {
    if session.two_factor_on {
        return Ok(false);
    }
    let policy = state
        .services
        .policy
        .get(state.services.store.as_ref())
        .await?;
    Ok(policy.requires_two_factor(session.user.role))
}

/// The calls someone who owes two-factor may still make: setting it up, the page frame's
/// own, and signing out.
fn open_before_two_factor(path: &str) -> bool {
    path.starts_with("/rpc/two-factor/") || matches!(path, "/rpc/whoami" | "/rpc/logout")
}

/// A server function's refusal, as the function itself would answer it: the status and the
/// error as JSON.
fn refused_call(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::FORBIDDEN);
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The signed-in admin a download is for, as a handler argument: 401 without a session,
/// 403 for anyone else.
pub struct AdminSession(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let Some(Authenticated(session)) = parts.extensions.get::<Authenticated>().cloned() else {
            return Err(StatusCode::UNAUTHORIZED.into_response());
        };
        if session.user.role != Role::Admin {
            return Err((
                StatusCode::FORBIDDEN,
                "This download is for administrators.",
            )
                .into_response());
        }
        Ok(Self(session))
    }
}
