//! Leaked secrets reported from outside: by anyone who finds one (`revoke`), or by GitHub's
//! secret scanning in its signed partner format (`github`).

pub mod github;
pub mod revoke;

use crate::bearer::ApiError;
use crate::state::AppState;
use app::store::{Audit, LeakReport};
use app::tokens::leaks::{leak_mails, report_leaks, LeakOutcome};

/// Expires the live tokens `secrets` name, then mails their owners in the background: the
/// answer must not wait on a mail server, nor take longer when a secret was real.
async fn expire_reported(
    state: &AppState,
    secrets: &[String],
    report: LeakReport,
    audit: Audit,
) -> Result<LeakOutcome, ApiError> {
    let services = &state.services;
    let outcome = report_leaks(services.store.as_ref(), secrets, &report, &audit)
        .await
        .map_err(|error| {
            tracing::error!(%error, "leak report failed");
            ApiError::Internal
        })?;
    if outcome.expired.is_empty() {
        return Ok(outcome);
    }
    tracing::warn!(
        target: "tessera::audit", event = "tokens_reported_leaked",
        expired = outcome.expired.len(), reporter = ?report.reporter, address = ?audit.client_ip,
        "tokens reported leaked were expired"
    );
    if let Some(mailer) = services.mailer.clone() {
        let mails = leak_mails(&outcome.expired, &report, &services.public_url);
        tokio::spawn(async move {
            for mail in mails {
                if let Err(error) = mailer.send(mail).await {
                    tracing::warn!(%error, "leaked-token notice not sent");
                }
            }
        });
    }
    Ok(outcome)
}
