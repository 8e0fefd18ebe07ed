//! What the server hands the app through Leptos context, and how server functions reach it.

use crate::clock::Clock;
use crate::error::AppError;
use crate::store::{SessionUser, Store};
use leptos::prelude::*;
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Mark cookies `Secure`: true when Tessera is served over https.
    pub secure_cookies: bool,
}

pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from the Leptos context");
        AppError::Internal
    })
}

/// Put in the request's extensions by the server's session middleware when the request
/// carries a live session cookie.
#[derive(Debug, Clone)]
pub struct Authenticated(pub SessionUser);

/// The signed-in user of the request being served.
pub fn signed_in() -> Result<SessionUser, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Authenticated>().cloned())
        .map(|Authenticated(session)| session)
        .ok_or(AppError::Unauthenticated)
}

/// Every server function ends here: errors carry their HTTP status to the response.
pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            let status = http::StatusCode::from_u16(error.status_code())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            response.set_status(status);
        }
    }
    result
}

/// The request's peer address, when the server was started with connection info.
pub fn client_ip() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip().to_string())
    })
}
