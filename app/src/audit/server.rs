use super::query::EVENTS_PER_PAGE;
use super::{AuditEventView, AuditPage, AuditQuery};
use crate::error::AppError;
use crate::rules::audit::SubjectKind;
use crate::services::{require_admin, services};
use crate::store::AuditRecord;
use crate::tokens::history::event_of;

pub async fn events(query: AuditQuery) -> Result<AuditPage, AppError> {
    require_admin()?;
    let services = services()?;
    let (records, total) = services.store.audit_events(&query, EVENTS_PER_PAGE).await?;
    let events = records
        .iter()
        .map(|record| {
            let token_id = (record.subject == SubjectKind::Token)
                .then_some(record.subject_id)
                .flatten();
            // The log names the subject in its own column: no other token's hint is needed.
            let event = event_of(token_id.unwrap_or_default(), record, &|_| None);
            AuditEventView {
                id: record.id,
                event,
                subject: subject_words(record),
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

/// What an event is about, as the log's Subject column names it; whose it is shows beneath.
fn subject_words(record: &AuditRecord) -> String {
    let id = record.subject_id.unwrap_or_default();
    match record.subject {
        SubjectKind::Token => match (&record.subject_hint, &record.subject_label) {
            (Some(hint), Some(label)) => format!("Token …{hint} “{label}”"),
            _ => format!("Token #{id}"),
        },
        SubjectKind::User if record.subject_owner.is_some() => "Account".to_owned(),
        SubjectKind::User => "No such account".to_owned(),
        SubjectKind::Session => "Sign-in session".to_owned(),
        SubjectKind::Invitation => format!("Invitation #{id}"),
        SubjectKind::Setting => "Company security".to_owned(),
    }
}
