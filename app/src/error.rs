//! The one error type of the app layer: what server functions return and the UI shows.
//! Messages are written for the person at the screen; internal causes are logged on the
//! server and never cross the wire.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Which input an error is about, so the form can show it beside that input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Label,
    Description,
    Expiration,
    CustomExpiry,
    Permissions,
    IpWhitelist,
    DomainWhitelist,
    MaxLifetime,
    Allowlist,
    PermissionName,
    PermissionDescription,
    Email,
    DisplayName,
    Role,
    Username,
    Password,
    PasswordConfirmation,
    CurrentPassword,
    Code,
    TwoFactor,
    Grace,
    DeactivatedUntil,
    UnusedDays,
    RetentionDays,
    /// The tokens chosen for a bulk action.
    Selection,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("Invalid username or password.")]
    InvalidCredentials,
    #[error("This account is not allowed to sign in. Contact your system administrator.")]
    AccountDisabled,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("Sign-in is not allowed from your network.")]
    NetworkNotAllowed,
    /// Sign-in is throttled after repeated failures: how long is left, in words and seconds.
    #[error("Too many failed attempts. Please try again in {words}.")]
    TooManyAttempts { words: String, seconds: u64 },
    /// Saving would lock the admin out; the form asks them to confirm and sends it again.
    #[error("The allowlist does not include your current address {0}. You will not be able to sign in from it again.")]
    LockoutRisk(String),
    /// Saving the unused-token policy would expire `tokens` at once; the form asks the admin to
    /// confirm and sends it again. `message` says so in words.
    #[error("{message}")]
    WouldExpireUnused { tokens: u64, message: String },
    #[error("That was not found.")]
    NotFound,
    /// A used, expired, revoked or unknown invitation link: one answer for all four.
    #[error("This invitation link is broken. Please contact your system administrator")]
    InvitationBroken,
    /// A used, expired, replaced or unknown password reset link.
    #[error("This password reset link is broken. Ask your administrator for a new one.")]
    ResetLinkBroken,
    /// The password was right, but the code it waited for did not come in time.
    #[error("Your sign-in has expired. Please sign in again.")]
    SignInExpired,
    /// The company requires two-factor sign-in and this user has not set it up yet.
    #[error("Your organisation requires two-factor authentication. Set it up to continue.")]
    TwoFactorSetupRequired,
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    Invalid { field: Field, message: String },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("Tessera could not be reached. Check your connection and try again.")]
    Unreachable,
}

impl AppError {
    pub fn invalid(field: Field, error: impl std::fmt::Display) -> Self {
        Self::Invalid {
            field,
            message: error.to_string(),
        }
    }

    /// The message for `field`, if this error is about it.
    pub fn message_for(&self, field: Field) -> Option<String> {
        match self {
            Self::Invalid { field: f, message } if *f == field => Some(message.clone()),
            _ => None,
        }
    }

    /// The one place an app error becomes an HTTP status.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials | Self::SignInExpired => 401,
            Self::AccountDisabled
            | Self::Forbidden
            | Self::NetworkNotAllowed
            | Self::TwoFactorSetupRequired => 403,
            Self::NotFound | Self::InvitationBroken | Self::ResetLinkBroken => 404,
            Self::Conflict(_) | Self::LockoutRisk(_) | Self::WouldExpireUnused { .. } => 409,
            Self::Invalid { .. } => 422,
            Self::TooManyAttempts { .. } => 429,
            Self::Internal => 500,
            Self::Unreachable => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        // On the client this is a failed fetch or an undecodable answer; on the server an
        // argument that could not be read. Neither has anything useful to show a user.
        #[cfg(feature = "ssr")]
        tracing::warn!(%error, "server function transport error");
        #[cfg(not(feature = "ssr"))]
        let _ = error;
        Self::Unreachable
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        tracing::error!(%error, "store failure");
        Self::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(AppError::Unauthenticated.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::invalid(Field::Label, "x").status_code(), 422);
        assert_eq!(AppError::Internal.status_code(), 500);
    }

    #[test]
    fn the_broken_link_message_is_the_one_users_are_told_about() {
        assert_eq!(
            AppError::InvitationBroken.to_string(),
            crate::rules::invitation::BROKEN_LINK_MESSAGE
        );
    }

    #[test]
    fn field_messages_only_for_their_field() {
        let error = AppError::invalid(Field::Label, "Enter a label.");
        assert_eq!(
            error.message_for(Field::Label).as_deref(),
            Some("Enter a label.")
        );
        assert_eq!(error.message_for(Field::CustomExpiry), None);
        assert_eq!(AppError::Internal.message_for(Field::Label), None);
    }

    #[test]
    fn internal_error_text_is_generic() {
        assert!(!AppError::Internal
            .to_string()
            .to_lowercase()
            .contains("sql"));
    }
}
