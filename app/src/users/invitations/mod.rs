//! Invitations: admins invite people one at a time; the invitee opens a single-use link,
//! chooses a username and password, and is signed in.

mod accept_page;
#[cfg(feature = "ssr")]
pub mod mail;
mod modals;
mod page;
#[cfg(feature = "ssr")]
mod server;

pub use accept_page::AcceptInvitationPage;
pub use page::InvitationsPage;

use crate::error::AppError;
use crate::rules::invitation::InvitationStatus;
use crate::users::Role;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An invitation as admins see it: everything but the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub invited_by: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_username: Option<String>,
}

/// Whether the link also went out by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    Sent,
    /// No `TESSERA_SMTP_URL`: the admin passes the link on themselves.
    NotConfigured,
    /// The mail server refused or could not be reached; the link still works.
    Failed,
}

/// The answer to Invite user and Resend: the only time a link leaves the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvitation {
    pub invitation: InvitationView,
    pub link: String,
    pub delivery: Delivery,
}

impl fmt::Debug for IssuedInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedInvitation")
            .field("invitation", &self.invitation)
            .field("link", &"<redacted>")
            .field("delivery", &self.delivery)
            .finish()
    }
}

/// What the invitation page tells the invitee about themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationWelcome {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[server(prefix = "/rpc", endpoint = "invitations/list")]
pub async fn list_invitations() -> Result<Vec<InvitationView>, AppError> {
    crate::services::reply(server::list().await)
}

/// `role` is `user` or `admin`.
#[server(prefix = "/rpc", endpoint = "invitations/create")]
pub async fn invite_user(
    email: String,
    display_name: String,
    role: String,
) -> Result<IssuedInvitation, AppError> {
    crate::services::reply(server::invite(email, display_name, role).await)
}

#[server(prefix = "/rpc", endpoint = "invitations/resend")]
pub async fn resend_invitation(id: i64) -> Result<IssuedInvitation, AppError> {
    crate::services::reply(server::resend(id).await)
}

#[server(prefix = "/rpc", endpoint = "invitations/revoke")]
pub async fn revoke_invitation(id: i64) -> Result<InvitationView, AppError> {
    crate::services::reply(server::revoke(id).await)
}

/// The invitation a link opens; [`AppError::InvitationBroken`] for any link that does not.
#[server(prefix = "/rpc", endpoint = "invitations/open")]
pub async fn open_invitation(secret: String) -> Result<InvitationWelcome, AppError> {
    crate::services::reply(server::open(secret).await)
}

/// Creates the account, uses up the link and signs the new user in (the session cookie
/// comes with the answer).
#[server(prefix = "/rpc", endpoint = "invitations/accept")]
pub async fn accept_invitation(
    secret: String,
    username: String,
    password: String,
    password_confirmation: String,
) -> Result<(), AppError> {
    crate::services::reply(server::accept(secret, username, password, password_confirmation).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn debug_of_an_issued_invitation_hides_the_link() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let issued = IssuedInvitation {
            invitation: InvitationView {
                id: 1,
                email: "ada@example.com".into(),
                display_name: "Ada".into(),
                role: Role::User,
                invited_by: "Admin".into(),
                sent_at: at,
                expires_at: at,
                status: InvitationStatus::Pending,
                accepted_at: None,
                accepted_username: None,
            },
            link: "https://tessera.example/invite/SECRETSECRET".into(),
            delivery: Delivery::Sent,
        };
        assert!(!format!("{issued:?}").contains("SECRET"));
    }
}
