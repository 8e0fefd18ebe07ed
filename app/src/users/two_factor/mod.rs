//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238): set up on the profile with
//! a QR code, confirmed with a first code, backed by ten single-use recovery codes, and
//! asked for after the password at every sign-in.

#[cfg(feature = "ssr")]
pub mod authenticator;
mod block;
mod code_page;
#[cfg(feature = "ssr")]
mod server;
mod set_up_page;

pub use block::TwoFactorBlock;
pub use code_page::SignInCodePage;
pub use set_up_page::TwoFactorSetUpPage;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The signed-in user's two-factor state, as their profile shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// When it was turned on; `None` while it is off.
    pub on_since: Option<DateTime<Utc>>,
    pub recovery_codes_left: u64,
    /// The company requires it of this user, so it cannot be turned off.
    pub required: bool,
}

/// A set-up waiting for its first code: what the authenticator app needs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorSetUp {
    /// The secret in base32, in groups of four, for typing it in by hand.
    pub secret: String,
    /// The `otpauth://` address as a QR code: an SVG `data:` URL.
    pub qr_code: String,
}

impl fmt::Debug for TwoFactorSetUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TwoFactorSetUp { .. }")
    }
}

/// Recovery codes, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes(pub Vec<String>);

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes({} codes)", self.0.len())
    }
}

#[server(prefix = "/rpc", endpoint = "two-factor/status")]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    crate::services::reply(server::status().await)
}

/// Starts a set-up with a new secret, replacing one that never got its first code.
#[server(prefix = "/rpc", endpoint = "two-factor/begin")]
pub async fn begin_two_factor() -> Result<TwoFactorSetUp, AppError> {
    crate::services::reply(server::begin().await)
}

/// Turns two-factor on with the first code from the app; answers the recovery codes.
#[server(prefix = "/rpc", endpoint = "two-factor/confirm")]
pub async fn confirm_two_factor(code: String) -> Result<RecoveryCodes, AppError> {
    crate::services::reply(server::confirm(code).await)
}

/// New recovery codes in place of the old ones; needs the password.
#[server(prefix = "/rpc", endpoint = "two-factor/recovery-codes")]
pub async fn new_recovery_codes(password: String) -> Result<RecoveryCodes, AppError> {
    crate::services::reply(server::new_recovery_codes(password).await)
}

/// Turns two-factor off; needs the password.
#[server(prefix = "/rpc", endpoint = "two-factor/disable")]
pub async fn disable_two_factor(password: String) -> Result<(), AppError> {
    crate::services::reply(server::disable(password).await)
}

/// The second step of signing in: a code from the app, or a recovery code.
#[server(prefix = "/rpc", endpoint = "login/code")]
pub async fn sign_in_with_code(code: String) -> Result<(), AppError> {
    crate::services::reply(server::sign_in_with_code(code).await)
}
