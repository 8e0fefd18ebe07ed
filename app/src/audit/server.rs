use super::query::EVENTS_PER_PAGE;
use super::{AuditEventView, AuditPage, AuditQuery};
use crate::error::AppError;
use crate::services::{require_admin, services};
use crate::tokens::history::event_of;

pub async fn events(query: AuditQuery) -> Result<AuditPage, AppError> {
    require_admin()?;
    let services = services()?;
    let (records, total) = services.store.audit_events(&query, EVENTS_PER_PAGE).await?;
    let events = records
        .iter()
        .map(|record| {
            let token_id = record.subject_id;
            let subject = match (&record.subject_hint, &record.subject_label) {
                (Some(hint), Some(label)) => format!("Token …{hint} “{label}”"),
                _ => format!("Token #{}", token_id.unwrap_or_default()),
            };
            // The log names the subject in its own column: no other token's hint is needed.
            let event = event_of(token_id.unwrap_or_default(), record, &|_| None);
            AuditEventView {
                id: record.id,
                event,
                subject,
                token_id,
                owner: record.subject_owner.clone(),
            }
        })
        .collect();
    Ok(AuditPage {
        query,
        events,
        total,
    })
}
