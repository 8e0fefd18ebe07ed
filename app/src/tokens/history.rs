//! A token's own history on the profile: created, rotated, deactivated, expired, by whom and
//! from where, as the audit trail recorded it.

use crate::rules::audit::AuditAction;
use crate::ui::Time;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One event of a token's history, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenEvent {
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// Who: "Alice Example", "Alice Example, with token …k3Zq", "Tessera".
    pub by: String,
    /// Where from: "203.0.113.9 · Firefox on Linux", when known.
    pub from: Option<String>,
    /// What else: "by an admin", "unused for 90 days", "replaced by …k3Zq".
    pub note: Option<String>,
    /// A moment the event named, and what it is: ("until", …), ("expires", …).
    pub when: Option<(String, DateTime<Utc>)>,
}

/// A token's history, folded under its count of events.
#[component]
pub fn TokenHistory(events: Vec<TokenEvent>) -> impl IntoView {
    (!events.is_empty()).then(|| {
        let items = events
            .into_iter()
            .map(|event| {
                let when = event
                    .when
                    .map(|(what, at)| view! { " · " {what} " " <Time at/> });
                view! {
                    <li>
                        <strong>{event.action.words()}</strong>
                        {event.note.map(|note| format!(" {note}"))}
                        {when}
                        <span class="history-by">
                            <Time at=event.at/> " · " {event.by}
                            {event.from.map(|from| format!(" · {from}"))}
                        </span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <details class="history">
                <summary>"History"</summary>
                <ol>{items}</ol>
            </details>
        }
    })
}

#[cfg(feature = "ssr")]
pub use events::{event_of, events_of, with_history};

#[cfg(feature = "ssr")]
mod events {
    use super::TokenEvent;
    use crate::error::AppError;
    use crate::rules::audit::{ActorKind, AuditAction};
    use crate::rules::disuse::unused_days_words;
    use crate::services::Services;
    use crate::sessions::device::describe;
    use crate::store::{AuditRecord, TokenId};
    use crate::tokens::TokenView;
    use chrono::{DateTime, Utc};
    use serde_json::Value;
    use std::collections::HashMap;

    /// Fills in each token's history, in one query for them all.
    pub async fn with_history(
        services: &Services,
        tokens: &mut [TokenView],
    ) -> Result<(), AppError> {
        let ids: Vec<TokenId> = tokens.iter().map(|token| token.id).collect();
        let records = services.store.token_histories(&ids).await?;
        let hints: HashMap<i64, String> = tokens
            .iter()
            .map(|token| (token.id, token.hint.clone()))
            .collect();
        for token in tokens.iter_mut() {
            let concerning: Vec<AuditRecord> = records
                .iter()
                .filter(|r| r.subject_id == Some(token.id) || r.related_id == Some(token.id))
                .cloned()
                .collect();
            token.history = events_of(token.id, &concerning, |id| hints.get(&id).cloned());
        }
        Ok(())
    }

    /// The history of token `token` from its audit records; `hint_of` names another token
    /// (the other side of a rotation) by its hint.
    pub fn events_of(
        token: TokenId,
        records: &[AuditRecord],
        hint_of: impl Fn(i64) -> Option<String>,
    ) -> Vec<TokenEvent> {
        records
            .iter()
            .map(|record| event_of(token, record, &hint_of))
            .collect()
    }

    /// One record in words, as token `token`'s history tells it.
    pub fn event_of(
        token: TokenId,
        record: &AuditRecord,
        hint_of: &impl Fn(i64) -> Option<String>,
    ) -> TokenEvent {
        TokenEvent {
            at: record.at,
            action: record.action,
            by: who(record),
            from: from_where(record),
            note: note(token, record, hint_of),
            when: when(record),
        }
    }

    fn who(record: &AuditRecord) -> String {
        let name = record
            .actor_name
            .clone()
            .unwrap_or_else(|| "Someone".to_owned());
        match record.actor {
            ActorKind::User => name,
            ActorKind::Token => match &record.actor_token_hint {
                Some(hint) => format!("{name}, with token …{hint}"),
                None => format!("{name}, with a token"),
            },
            ActorKind::System => "Tessera".to_owned(),
        }
    }

    fn from_where(record: &AuditRecord) -> Option<String> {
        let device = record
            .user_agent
            .as_deref()
            .map(|agent| describe(Some(agent), None));
        match (&record.client_ip, device) {
            (Some(ip), Some(device)) => Some(format!("{ip} · {device}")),
            (Some(ip), None) => Some(ip.clone()),
            (None, device) => device,
        }
    }

    fn note(
        token: TokenId,
        record: &AuditRecord,
        hint_of: &impl Fn(i64) -> Option<String>,
    ) -> Option<String> {
        let detail = &record.detail;
        match record.action {
            AuditAction::TokenCreated => permissions(detail),
            AuditAction::TokenRotated if record.subject_id == Some(token) => record
                .related_id
                .and_then(hint_of)
                .map(|hint| format!("replaced by …{hint}")),
            AuditAction::TokenRotated => record
                .subject_id
                .and_then(hint_of)
                .map(|hint| format!("made by rotating …{hint}")),
            AuditAction::TokenExpired => match detail["by"].as_str() {
                Some("admin") => Some("by an admin".to_owned()),
                Some("time") => Some("when its time ran out".to_owned()),
                Some("policy") => detail["unused_days"]
                    .as_u64()
                    .and_then(|days| u32::try_from(days).ok())
                    .map(|days| format!("unused for {}", unused_days_words(days))),
                Some("leak report") => Some(leak_note(detail)),
                _ => None,
            },
            AuditAction::TokenDeactivated | AuditAction::TokenReactivated => None,
            other => crate::audit::notes::note(other, detail),
        }
    }

    /// "reported leaked by GitHub secret scanning, found at https://…".
    fn leak_note(detail: &Value) -> String {
        let mut note = "reported leaked".to_owned();
        if let Some(reporter) = detail["reporter"].as_str() {
            note.push_str(&format!(" by {reporter}"));
        }
        match (detail["url"].as_str(), detail["source"].as_str()) {
            (Some(url), _) => note.push_str(&format!(", found at {url}")),
            (None, Some(source)) => note.push_str(&format!(", found in {source}")),
            (None, None) => {}
        }
        note
    }

    fn permissions(detail: &Value) -> Option<String> {
        let names: Vec<&str> = detail["permissions"]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        (!names.is_empty()).then(|| format!("with {}", names.join(", ")))
    }

    fn when(record: &AuditRecord) -> Option<(String, DateTime<Utc>)> {
        let at = |key: &str| serde_json::from_value(record.detail[key].clone()).ok();
        match record.action {
            AuditAction::TokenCreated => at("expires_at").map(|t| ("expires".to_owned(), t)),
            // A rotation without grace stops the old token as it happens (times are kept to
            // the second): nothing to add.
            AuditAction::TokenRotated => at("old_stops_at")
                .filter(|stops: &DateTime<Utc>| stops.timestamp() > record.at.timestamp())
                .map(|t| ("old token stops".to_owned(), t)),
            AuditAction::TokenDeactivated => at("until").map(|t| ("until".to_owned(), t)),
            _ => None,
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::rules::audit::{ActorKind, SubjectKind};
    use crate::store::AuditRecord;
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
    }

    fn record(
        action: AuditAction,
        actor: ActorKind,
        subject: i64,
        detail: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord {
            id: 1,
            at: at(),
            actor,
            actor_name: Some("Alice Example".into()),
            actor_username: Some("alice".into()),
            actor_token_hint: Some("k3Zq".into()),
            action,
            subject: SubjectKind::Token,
            subject_id: Some(subject),
            related_id: Some(8),
            subject_label: None,
            subject_hint: None,
            subject_owner: None,
            client_ip: Some("203.0.113.9".into()),
            user_agent: Some("curl/8.5.0".into()),
            detail,
        }
    }

    fn hint(id: i64) -> Option<String> {
        Some(format!("h{id}"))
    }

    #[test]
    fn each_event_says_who_what_and_from_where() {
        let records = [
            record(
                AuditAction::TokenCreated,
                ActorKind::User,
                7,
                json!({
                    "permissions": ["profile:read", "tokens:read"], "expires_at": at() + Duration::days(30)
                }),
            ),
            record(
                AuditAction::TokenRotated,
                ActorKind::Token,
                7,
                json!({ "old_stops_at": at() + Duration::milliseconds(300) }),
            ),
            record(
                AuditAction::TokenExpired,
                ActorKind::System,
                7,
                json!({ "by": "policy", "unused_days": 90 }),
            ),
            record(
                AuditAction::TokenExpired,
                ActorKind::System,
                7,
                json!({ "by": "time" }),
            ),
        ];
        let events = events_of(7, &records, hint);
        assert_eq!(events[0].by, "Alice Example");
        assert_eq!(
            events[0].note.as_deref(),
            Some("with profile:read, tokens:read")
        );
        assert_eq!(
            events[0].when,
            Some(("expires".into(), at() + Duration::days(30)))
        );
        assert_eq!(
            events[0].from.as_deref(),
            Some("203.0.113.9 · HTTP Library")
        );
        assert_eq!(events[1].by, "Alice Example, with token …k3Zq");
        assert_eq!(events[1].note.as_deref(), Some("replaced by …h8"));
        assert_eq!(events[1].when, None, "stopped as it happened");
        assert_eq!(events[2].by, "Tessera");
        assert_eq!(events[2].note.as_deref(), Some("unused for 90 days"));
        assert_eq!(events[3].note.as_deref(), Some("when its time ran out"));
        // Seen from the token the rotation made.
        let made = events_of(8, &records[1..2], hint);
        assert_eq!(made[0].note.as_deref(), Some("made by rotating …h7"));
    }

    #[test]
    fn a_leak_report_says_who_reported_it_and_where_it_was_found() {
        let note = |detail: serde_json::Value| {
            let record = record(AuditAction::TokenExpired, ActorKind::System, 7, detail);
            events_of(7, &[record], hint)[0].note.clone().unwrap()
        };
        assert_eq!(
            note(json!({ "by": "leak report", "url": null, "source": null, "reporter": null })),
            "reported leaked"
        );
        assert_eq!(
            note(json!({
                "by": "leak report", "url": "https://github.com/a/b/commit/1", "source": "commit",
                "reporter": "GitHub secret scanning"
            })),
            "reported leaked by GitHub secret scanning, found at https://github.com/a/b/commit/1"
        );
        assert_eq!(
            note(json!({ "by": "leak report", "source": "npm" })),
            "reported leaked, found in npm"
        );
    }
}
