//! The audit trail: events written by the store's writes inside their own transactions, and
//! read back as histories.

use super::rows::AuditRow;
use super::statement::Statement;
use super::{to_db, Backend, SqlStore};
use app::audit::{AuditCursor, AuditQuery};
use app::rules::audit::{AuditAction, DEFAULT_RETENTION_DAYS};
use app::store::{Audit, AuditRecord, AuditStore, StoreResult, TokenId, UserId};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::{json, Value};

/// One event a write records about what it changed, with the write's [`Audit`].
pub(super) struct NewEvent {
    pub action: AuditAction,
    pub subject_id: Option<i64>,
    /// Whose the subject is: a token's or a session's owner, the user themselves.
    pub owner_id: Option<UserId>,
    pub related_id: Option<i64>,
    pub detail: Value,
}

impl NewEvent {
    pub fn token(action: AuditAction, token_id: TokenId, owner_id: UserId, detail: Value) -> Self {
        Self::about(action, Some(token_id), Some(owner_id), detail)
    }

    /// An event about a user, or a failed sign-in as one (`None`: no such user).
    pub fn user(action: AuditAction, user_id: Option<UserId>, detail: Value) -> Self {
        Self::about(action, user_id, user_id, detail)
    }

    /// Company security saved: which setting, and its new value.
    pub fn setting(setting: &str, value: Value) -> Self {
        let detail = json!({ "setting": setting, "value": value });
        Self::about(AuditAction::SecuritySaved, None, None, detail)
    }

    /// An event of `action` about its kind of subject.
    pub fn about(
        action: AuditAction,
        subject_id: Option<i64>,
        owner_id: Option<UserId>,
        detail: Value,
    ) -> Self {
        Self {
            action,
            subject_id,
            owner_id,
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
    let each: Vec<(&Audit, &NewEvent)> = events.iter().map(|event| (audit, event)).collect();
    insert_events::<DB>(db, &each).await
}

/// Writes events each made under its own [`Audit`], such as demo data's past.
pub(super) async fn record_each<DB: Backend>(
    db: &mut DB::Connection,
    events: Vec<(Audit, NewEvent)>,
) -> StoreResult<()> {
    let each: Vec<(&Audit, &NewEvent)> =
        events.iter().map(|(audit, event)| (audit, event)).collect();
    insert_events::<DB>(db, &each).await
}

async fn insert_events<DB: Backend>(
    db: &mut DB::Connection,
    events: &[(&Audit, &NewEvent)],
) -> StoreResult<()> {
    // Twelve values a row: within both backends' limits on bound values.
    const EVENTS_PER_STATEMENT: usize = 1000;
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let mut insert = Statement::<DB>::new(
            "INSERT INTO audit_events (at, actor_kind, actor_user_id, actor_token_id, action,
                subject_kind, subject_id, subject_owner_id, related_id, client_ip, user_agent,
                detail) ",
        );
        insert.push_values(chunk, |mut row, (audit, event)| {
            row.push_bind(to_db(audit.at))
                .push_bind(audit.actor.as_str().to_owned())
                .push_bind(audit.user_id)
                .push_bind(audit.token_id)
                .push_bind(event.action.as_str().to_owned())
                .push_bind(event.action.subject().as_str().to_owned())
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

/// Events with the names of who acted and what they are about.
const AUDIT_FROM: &str = "audit_events e \
     LEFT JOIN users actor ON actor.id = e.actor_user_id \
     LEFT JOIN access_tokens via ON via.id = e.actor_token_id \
     LEFT JOIN access_tokens s ON e.subject_kind = 'token' AND s.id = e.subject_id \
     LEFT JOIN users owner ON owner.id = e.subject_owner_id";

const AUDIT_COLUMNS: &str =
    "e.id, e.at, e.actor_kind, actor.display_name AS actor_name, actor.username AS actor_username, \
     via.hint AS actor_token_hint, \
     e.action, e.subject_kind, e.subject_id, e.related_id, s.label AS subject_label, \
     s.hint AS subject_hint, owner.username AS subject_owner, e.client_ip, e.user_agent, \
     e.detail";

#[async_trait::async_trait]
impl<DB: Backend> AuditStore for SqlStore<DB> {
    async fn token_histories(&self, tokens: &[TokenId]) -> StoreResult<Vec<AuditRecord>> {
        // Within both backends' limits on bound values, however many tokens a user has.
        const TOKENS_PER_STATEMENT: usize = 500;
        let mut found = Vec::new();
        for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
            let mut select = Statement::<DB>::new(format!(
                "SELECT {AUDIT_COLUMNS} FROM {AUDIT_FROM}
                 WHERE e.subject_kind = 'token' AND (e.subject_id IN "
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

    async fn audit_events(
        &self,
        query: &AuditQuery,
        limit: u32,
    ) -> StoreResult<(Vec<AuditRecord>, u64)> {
        // The filters read only the events' own columns: counting needs none of the joins.
        let mut count = Statement::<DB>::new("SELECT COUNT(*) FROM audit_events e");
        push_filter(&mut count, query);
        let total: i64 = count.fetch_value(DB::on_pool(&self.pool)).await?;
        let mut select = Statement::<DB>::new(format!("SELECT {AUDIT_COLUMNS} FROM {AUDIT_FROM}"));
        push_filter(&mut select, query);
        select.push(" ORDER BY e.at DESC, e.id DESC LIMIT ");
        select.push_bind(i64::from(limit));
        select.push(" OFFSET ");
        select.push_bind(i64::from(query.page.saturating_sub(1)) * i64::from(limit));
        let rows: Vec<AuditRow> = select.fetch_all(DB::on_pool(&self.pool)).await?;
        let events = rows.into_iter().filter_map(AuditRow::into_record).collect();
        Ok((events, total.max(0) as u64))
    }

    async fn audit_events_before(
        &self,
        query: &AuditQuery,
        below: Option<AuditCursor>,
        limit: u32,
    ) -> StoreResult<Vec<AuditRecord>> {
        let mut select = Statement::<DB>::new(format!("SELECT {AUDIT_COLUMNS} FROM {AUDIT_FROM}"));
        push_filter(&mut select, query);
        if let Some(below) = below {
            select.push(" AND (e.at < ");
            select.push_bind(to_db(below.at));
            select.push(" OR (e.at = ");
            select.push_bind(to_db(below.at));
            select.push(" AND e.id < ");
            select.push_bind(below.id);
            select.push("))");
        }
        select.push(" ORDER BY e.at DESC, e.id DESC LIMIT ");
        select.push_bind(i64::from(limit));
        let rows: Vec<AuditRow> = select.fetch_all(DB::on_pool(&self.pool)).await?;
        Ok(rows.into_iter().filter_map(AuditRow::into_record).collect())
    }

    async fn record_failed_sign_in(
        &self,
        username: &str,
        reason: &str,
        audit: &Audit,
    ) -> StoreResult<()> {
        let find = Statement::<DB>::new("SELECT id FROM users WHERE username = $1")
            .bind(username.to_owned());
        let detail = json!({ "username": username, "reason": reason });
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let user: Option<(i64,)> =
                        find.fetch_optional(DB::on_connection(&mut *db)).await?;
                    let event =
                        NewEvent::user(AuditAction::SignInFailed, user.map(|(id,)| id), detail);
                    record::<DB>(db, &audit, vec![event]).await
                })
            },
            |_| None,
        )
        .await
    }

    async fn audit_retention_days(&self) -> StoreResult<u32> {
        let days: i64 = Statement::<DB>::new(
            "SELECT CAST(audit_retention_days AS BIGINT) FROM security_settings WHERE id = 1",
        )
        .fetch_value(DB::on_pool(&self.pool))
        .await?;
        Ok(u32::try_from(days).unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    async fn save_audit_retention(&self, days: u32, audit: &Audit) -> StoreResult<()> {
        let update = Statement::<DB>::new(
            "UPDATE security_settings SET audit_retention_days = $1 WHERE id = 1",
        )
        .bind(i64::from(days));
        let event = NewEvent::setting("keep audit events for (days)", json!(days));
        // Only the hourly purge reads it, from the database each time: no change to announce.
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    update.execute(DB::on_connection(&mut *db)).await?;
                    record::<DB>(db, &audit, vec![event]).await
                })
            },
            |_| None,
        )
        .await
    }

    async fn purge_audit_events(&self, before: DateTime<Utc>, limit: u32) -> StoreResult<u64> {
        let delete = Statement::<DB>::new(
            "DELETE FROM audit_events WHERE id IN
                 (SELECT id FROM audit_events WHERE at < $1 ORDER BY at, id LIMIT $2)",
        )
        .bind(to_db(before))
        .bind(i64::from(limit));
        self.write(
            |db| Box::pin(delete.execute(DB::on_connection(db))),
            |_| None,
        )
        .await
    }
}

/// The Audit Log's filters, as " WHERE …" on the columns of `audit_events e` alone.
fn push_filter<DB: Backend>(b: &mut Statement<DB>, q: &AuditQuery) {
    b.push(" WHERE 1 = 1");
    if !q.user.is_empty() {
        // The user's id first, so that each side of the OR reads its own index.
        b.push(" AND (e.actor_user_id = (SELECT id FROM users WHERE username = ");
        b.push_bind(q.user.clone());
        b.push(") OR e.subject_owner_id = (SELECT id FROM users WHERE username = ");
        b.push_bind(q.user.clone());
        b.push("))");
    }
    if let Some(action) = q.action {
        b.push(" AND e.action = ");
        b.push_bind(action.as_str().to_owned());
    }
    if let Some(subject) = q.subject {
        b.push(" AND e.subject_kind = ");
        b.push_bind(subject.as_str().to_owned());
    }
    if let Some(token) = q.token {
        b.push(" AND e.subject_kind = 'token' AND (e.subject_id = ");
        b.push_bind(token);
        b.push(" OR e.related_id = ");
        b.push_bind(token);
        b.push(")");
    }
    if !q.address.is_empty() {
        // A prefix, compared as text on both backends without LIKE's wildcards.
        b.push(" AND substr(e.client_ip, 1, CAST(");
        b.push_bind(q.address.chars().count() as i64);
        b.push(" AS INTEGER)) = ");
        b.push_bind(q.address.clone());
    }
    let midnight = |date: NaiveDate| date.and_time(NaiveTime::MIN).and_utc();
    if let Some(from) = q.from {
        b.push(" AND e.at >= ");
        b.push_bind(to_db(midnight(from)));
    }
    if let Some(to) = q.to {
        b.push(" AND e.at < ");
        b.push_bind(to_db(midnight(to) + Duration::days(1)));
    }
}
