//! Invitation e-mail over SMTP (`TESSERA_SMTP_URL`), with lettre.

use crate::metrics::record_mail;
use app::users::invitations::mail::{MailError, Mailer, OutgoingMail};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// An admin waits for the answer; a mail server that has not answered by then has failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("TESSERA_SMTP_URL: {0}")]
    Url(#[from] lettre::transport::smtp::Error),
    #[error("TESSERA_MAIL_FROM is not an address like 'Tessera <tessera@example.com>': {0}")]
    From(#[from] lettre::address::AddressError),
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `url` as lettre reads it: `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`, or plain `smtp://host:25`.
    pub fn new(url: &str, from: &str) -> Result<Self, MailConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Self {
            transport,
            from: from.parse()?,
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        let to = Mailbox::new(
            Some(mail.to_name),
            mail.to_address
                .parse()
                .map_err(|e| MailError(format!("recipient: {e}")))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| MailError(e.to_string()))?;
        let sent = self.transport.send(message).await;
        record_mail(sent.is_ok());
        sent.map(drop).map_err(|e| MailError(e.to_string()))
    }
}
