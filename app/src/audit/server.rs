use super::query::EVENTS_PER_PAGE;
use super::{AuditEventView, AuditPage, AuditQuery};
use crate::error::AppError;
use crate::services::{require_admin, services};
use crate::tokens::history::events_of;

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
            let event = events_of(
                token_id.unwrap_or_default(),
                std::slice::from_ref(record),
                |_| None,
            )
            .remove(0);
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
