//! What the server hands the app through Leptos context, and how server functions reach it.

use crate::clock::Clock;
use crate::error::AppError;
use crate::security::PolicyCache;
use crate::store::{SessionUser, Store};
use leptos::prelude::*;
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// Mark cookies `Secure`: true when Tessera is served over https.
    pub secure_cookies: bool,
    pub policy: Arc<PolicyCache>,
    /// The address people reach Tessera at, for links that leave the site (invitations).
    pub public_url: String,
    /// Sends invitation e-mails; `None` when no mail server is configured.
    pub mailer: Option<Arc<dyn crate::users::invitations::mail::Mailer>>,
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

/// The signed-in user, if they are an admin. Every admin function starts here.
pub fn require_admin() -> Result<SessionUser, AppError> {
    let me = signed_in()?;
    if me.user.role != crate::users::Role::Admin {
        tracing::warn!(user = %me.user.username, "non-admin refused an admin function");
        return Err(AppError::Forbidden);
    }
    Ok(me)
}

/// Every server function ends here: errors carry their HTTP status to the response.
pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    // A plain form post (before hydration, or without JavaScript) is answered with a redirect
    // back to its page, the error in the address for the page to show; a status set here
    // would turn that redirect into a bare error body.
    if is_plain_form_post() {
        return result;
    }
    if let Err(error) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            let status = http::StatusCode::from_u16(error.status_code())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            response.set_status(status);
            if let AppError::TooManyAttempts { seconds, .. } = error {
                response.insert_header(http::header::RETRY_AFTER, (*seconds).into());
            }
        }
    }
    result
}

/// A browser's own form submission asks for HTML; the pages' calls ask for JSON. (A page
/// being rendered asks for HTML too, but with a GET, and its status must stand.)
fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.method == http::Method::POST
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// The address a request comes from, worked out once by the server (behind trusted
/// proxies, from `X-Forwarded-For`) and put in the request's extensions. `None` when it
/// cannot be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

/// The client address of the request being served.
pub fn client_ip() -> Option<std::net::IpAddr> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .and_then(|ClientIp(ip)| ip)
}
