//! The e-mail an invitee receives, and the mail transport the server provides (SMTP when
//! `TESSERA_SMTP_URL` is set).

use crate::rules::invitation::INVITATION_HOURS;
use crate::store::InvitationRecord;
use crate::ui::format_utc;
use crate::users::Role;
use std::fmt;

/// A plain-text message to one person.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
}

// The body carries a live invitation link.
impl fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("to_address", &self.to_address)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(pub String);

#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError>;
}

pub fn invitation_mail(invitation: &InvitationRecord, link: &str) -> OutgoingMail {
    let role = match invitation.role {
        Role::Admin => "an admin",
        Role::User => "a user",
    };
    let body = format!(
        "Hello {name},\n\n\
         {inviter} invited you to Tessera as {role}. Open this link to choose your username \
         and password:\n\n{link}\n\n\
         The link works once and expires at {expires} ({INVITATION_HOURS} hours after it was \
         sent). If it has expired, ask your system administrator to resend the invitation.\n",
        name = invitation.display_name,
        inviter = invitation.invited_by,
        expires = format_utc(invitation.expires_at),
    );
    OutgoingMail {
        to_name: invitation.display_name.clone(),
        to_address: invitation.email.clone(),
        subject: "You are invited to Tessera".to_owned(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_mail_names_the_inviter_role_link_and_expiry() {
        let sent = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let invitation = InvitationRecord {
            id: 1,
            email: "ada@example.com".into(),
            display_name: "Ada Lovelace".into(),
            role: Role::Admin,
            invited_by: "Grace Hopper".into(),
            created_at: sent,
            sent_at: sent,
            expires_at: crate::rules::invitation::invitation_expiry(sent),
            accepted_at: None,
            accepted_username: None,
            revoked_at: None,
        };
        let mail = invitation_mail(&invitation, "https://t.example/invite/abc");
        assert_eq!(mail.to_address, "ada@example.com");
        assert!(mail.body.starts_with("Hello Ada Lovelace,"));
        assert!(mail
            .body
            .contains("Grace Hopper invited you to Tessera as an admin."));
        assert!(mail.body.contains("\n\nhttps://t.example/invite/abc\n\n"));
        assert!(mail
            .body
            .contains("expires at 2026-11-26 09:00 UTC (72 hours"));
        assert!(!format!("{mail:?}").contains("invite/abc"));
    }
}
