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

/// What an event is about, as the log's Subject column names it.
fn subject_words(record: &AuditRecord) -> String {
    let id = record.subject_id.unwrap_or_default();
    let owner = record.subject_owner.as_deref();
    match record.subject {
        SubjectKind::Token => match (&record.subject_hint, &record.subject_label) {
            (Some(hint), Some(label)) => format!("Token …{hint} “{label}”"),
            _ => format!("Token #{id}"),
        },
        SubjectKind::User => match owner {
            Some(owner) => format!("User {owner}"),
            None => "No such user".to_owned(),
        },
        SubjectKind::Session => match owner {
            Some(owner) => format!("A session of {owner}"),
            None => format!("Session #{id}"),
        },
        SubjectKind::Invitation => format!("Invitation #{id}"),
        SubjectKind::Setting => "Company security".to_owned(),
    }
}
