//! Passwords after sign-up: people change their own on the profile, and an admin makes a
//! single-use link for someone who has lost theirs.

mod change_block;
mod reset_link;
mod reset_page;
#[cfg(feature = "ssr")]
mod server;

pub use change_block::ChangePasswordBlock;
pub use reset_link::ResetLinkSection;
pub use reset_page::ResetPasswordPage;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    /// The user's other sessions that the change signed out.
    pub other_sessions_ended: u64,
}

/// Whether the reset link also went out by e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetDelivery {
    Sent {
        to: String,
    },
    /// No `TESSERA_SMTP_URL`: the admin passes the link on themselves.
    NoMailServer,
    /// The user has no e-mail address.
    NoAddress,
    /// The mail server refused or could not be reached; the link still works.
    Failed,
}

/// A new reset link: the only time it leaves the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedReset {
    pub link: String,
    pub expires_at: DateTime<Utc>,
    pub delivery: ResetDelivery,
}

impl fmt::Debug for IssuedReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedReset")
            .field("link", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("delivery", &self.delivery)
            .finish()
    }
}

/// What the reset page tells the person whose password it sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetWelcome {
    pub username: String,
    pub display_name: String,
    pub expires_at: DateTime<Utc>,
}

/// Sets the signed-in user's password, given the current one, and signs out every other
/// session of theirs.
#[server(prefix = "/rpc", endpoint = "password/change")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
) -> Result<PasswordChanged, AppError> {
    crate::services::reply(
        server::change(current_password, new_password, new_password_confirmation).await,
    )
}

/// Admins only: a new 72-hour reset link for the user, which breaks any earlier one.
#[server(prefix = "/rpc", endpoint = "password/reset-link")]
pub async fn create_reset_link(user_id: i64) -> Result<IssuedReset, AppError> {
    crate::services::reply(server::create_reset_link(user_id).await)
}

/// The reset a link opens; [`AppError::ResetLinkBroken`] for any link that does not.
#[server(prefix = "/rpc", endpoint = "password/reset-open")]
pub async fn open_reset_link(secret: String) -> Result<ResetWelcome, AppError> {
    crate::services::reply(server::open_reset_link(secret).await)
}

/// Sets the new password, uses up the link, signs out every session of the user and signs
/// them in here, after their two-factor code if they use one: answers the page to go to.
#[server(prefix = "/rpc", endpoint = "password/reset")]
pub async fn reset_password(
    secret: String,
    password: String,
    password_confirmation: String,
) -> Result<String, AppError> {
    crate::services::reply(server::reset(secret, password, password_confirmation).await)
}
