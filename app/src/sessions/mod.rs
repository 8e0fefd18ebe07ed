//! Sign-in sessions: the login page, signing in and out, and finding the session of a request.

mod login_page;
#[cfg(feature = "ssr")]
mod server;

pub use login_page::LoginPage;
#[cfg(feature = "ssr")]
pub use server::{resolve_session, SESSION_COOKIE};

use crate::error::AppError;
use crate::users::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Sessions end this long after sign-in, however active they are.
pub const SESSION_HOURS: i64 = 3;

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
