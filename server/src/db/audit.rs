//! The audit trail: events written by the store's writes inside their own transactions, and
//! read back as histories.

use super::rows::AuditRow;
use super::statement::Statement;
use super::{to_db, Backend, SqlStore};
use app::rules::audit::{AuditAction, SubjectKind};
use app::store::{Audit, AuditRecord, AuditStore, StoreResult, TokenId, UserId};
use serde_json::{json, Value};

/// One event a write records about what it changed, with the write's [`Audit`].
pub(super) struct NewEvent {
    pub action: AuditAction,
    pub subject: SubjectKind,
    pub subject_id: i64,
    /// Whose the subject is: a token's owner.
    pub owner_id: Option<UserId>,
    pub related_id: Option<i64>,
    pub detail: Value,
}

impl NewEvent {
    pub fn token(action: AuditAction, token_id: TokenId, owner_id: UserId, detail: Value) -> Self {
        Self {
            action,
            subject: SubjectKind::Token,
            subject_id: token_id,
            owner_id: Some(owner_id),
            related_id: None,
            detail,
        }
    }

    pub fn related_to(mut self, related_id: i64) -> Self {
        self.related_id = Some(related_id);
        self
    }
}

/// Who expired a token owned by `owner`, as its event says: its owner, an admin, or policy.
pub(super) fn expired_by(audit: &Audit, owner: UserId) -> Value {
    let by = match audit.user_id {
        None => "policy",
        Some(user) if user == owner => "owner",
        Some(_) => "admin",
    };
    json!({ "by": by })
}

/// Writes `events`, all made under `audit`, within the caller's transaction.
pub(super) async fn record<DB: Backend>(
    db: &mut DB::Connection,
    audit: &Audit,
    events: Vec<NewEvent>,
) -> StoreResult<()> {
    // Twelve values a row: within both backends' limits on bound values.
    const EVENTS_PER_STATEMENT: usize = 1000;
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let chunk: Vec<NewEvent> = events.by_ref().take(EVENTS_PER_STATEMENT).collect();
        let mut insert = Statement::<DB>::new(
            "INSERT INTO audit_events (at, actor_kind, actor_user_id, actor_token_id, action,
                subject_kind, subject_id, subject_owner_id, related_id, client_ip, user_agent,
                detail) ",
        );
        insert.push_values(chunk, |mut row, event| {
            row.push_bind(to_db(audit.at))
                .push_bind(audit.actor.as_str().to_owned())
                .push_bind(audit.user_id)
                .push_bind(audit.token_id)
                .push_bind(event.action.as_str().to_owned())
                .push_bind(event.subject.as_str().to_owned())
                .push_bind(event.subject_id)
                .push_bind(event.owner_id)
                .push_bind(event.related_id)
                .push_bind(audit.client_ip.clone())
                .push_bind(audit.user_agent.clone())
                .push_bind(event.detail.to_string());
        });
        insert.execute(DB::on_connection(&mut *db)).await?;
    }
    Ok(())
}

/// An event's columns, with the names of who acted.
const AUDIT_COLUMNS: &str =
    "e.id, e.at, e.actor_kind, actor.display_name AS actor_name, via.hint AS actor_token_hint, \
     e.action, e.subject_kind, e.subject_id, e.related_id, e.client_ip, e.user_agent, e.detail \
     FROM audit_events e LEFT JOIN users actor ON actor.id = e.actor_user_id \
     LEFT JOIN access_tokens via ON via.id = e.actor_token_id";

#[async_trait::async_trait]
impl<DB: Backend> AuditStore for SqlStore<DB> {
    async fn token_histories(&self, tokens: &[TokenId]) -> StoreResult<Vec<AuditRecord>> {
        // Within both backends' limits on bound values, however many tokens a user has.
        const TOKENS_PER_STATEMENT: usize = 500;
        let mut found = Vec::new();
        for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
            let mut select = Statement::<DB>::new(format!(
                "SELECT {AUDIT_COLUMNS} WHERE e.subject_kind = 'token' AND (e.subject_id IN "
            ));
            select.push_list(chunk.iter().copied());
            select.push(" OR e.related_id IN ");
            select.push_list(chunk.iter().copied());
            select.push(") ORDER BY e.at, e.id");
            let rows: Vec<AuditRow> = select.fetch_all(DB::on_pool(&self.pool)).await?;
            found.extend(rows.into_iter().filter_map(AuditRow::into_record));
        }
        // A rotation between tokens of two chunks is found by both.
        found.sort_by_key(|event| (event.at, event.id));
        found.dedup_by_key(|event| event.id);
        Ok(found)
    }
}
