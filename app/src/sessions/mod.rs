//! Sign-in sessions: the login page, signing in and out, and finding the session of a request.

#[cfg(feature = "ssr")]
pub(crate) mod device;
mod login_page;
mod recent;
#[cfg(feature = "ssr")]
mod server;

pub use login_page::LoginPage;
pub use recent::RecentAuthentications;
#[cfg(feature = "ssr")]
pub(crate) use server::{
    admitted_client, ask_for_code, audit_failed_sign_in, cookie_value, count_sign_in,
    end_challenge, pending_sign_in, record_failure, start_session, throttled,
};
#[cfg(feature = "ssr")]
pub use server::{
    landing_page, resolve_session, CODE_PAGE, SECURE_SESSION_COOKIE, SESSION_COOKIE,
    TWO_FACTOR_SET_UP_PAGE,
};

use crate::error::AppError;
use crate::rules::session::SessionStatus;
use crate::rules::two_factor::SecondFactor;
use crate::users::Role;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in person, as the pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    crate::services::reply(server::login(username, password).await)
}

#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::services::reply(server::logout().await)
}

#[server(prefix = "/rpc", endpoint = "whoami")]
pub async fn whoami() -> Result<CurrentUser, AppError> {
    crate::services::reply(crate::services::signed_in().map(|session| CurrentUser {
        username: session.user.username,
        display_name: session.user.display_name,
        role: session.user.role,
    }))
}

/// One sign-in of Recent Authentications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub signed_in_at: DateTime<Utc>,
    pub ip: Option<String>,
    /// The browser and system in words: "Chromium on Linux".
    pub device: String,
    pub expires_at: DateTime<Utc>,
    pub status: SessionStatus,
    /// The session this very page is signed in with.
    pub current: bool,
    /// How the sign-in was confirmed after the password, if it was.
    pub second_factor: Option<SecondFactor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deactivated {
    /// The session was the caller's own: they are signed out now.
    pub signed_out: bool,
}

#[server(prefix = "/rpc", endpoint = "sessions/recent")]
pub async fn recent_sessions() -> Result<Vec<SessionView>, AppError> {
    crate::services::reply(server::recent().await)
}

#[server(prefix = "/rpc", endpoint = "sessions/deactivate")]
pub async fn deactivate_session(id: i64) -> Result<Deactivated, AppError> {
    crate::services::reply(server::deactivate(id).await)
}
