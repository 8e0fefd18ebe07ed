//! Sign-in sessions.

use super::audit::{record, NewEvent};
use super::rows::{SessionListRow, SessionRow};
use super::statement::Statement;
use super::{to_db, Backend, SqlStore};
use crate::changes::Change;
use app::rules::audit::AuditAction;
use app::rules::secret::SecretHash;
use app::rules::session::SessionEnd;
use app::store::{
    Audit, NewSession, SessionId, SessionRecord, SessionStore, SessionUser, StoreResult, UserId,
};
use chrono::{DateTime, Utc};
use serde_json::json;

#[async_trait::async_trait]
impl<DB: Backend> SessionStore for SqlStore<DB> {
    async fn insert_session(&self, session: NewSession) -> StoreResult<SessionId> {
        // The user signs in as themselves, from the address and browser the session keeps.
        let audit = Audit::by_user(session.user_id, session.created_at)
            .from_client(session.ip.clone(), session.user_agent.clone());
        let owner = session.user_id;
        let second_factor = session.second_factor.map(|factor| factor.as_str());
        let insert = Statement::new(
            "INSERT INTO sessions (user_id, secret_hash, created_at, expires_at, ip, user_agent,
                                   device, second_factor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(session.user_id)
        .bind(session.secret_hash.as_bytes().to_vec())
        .bind(to_db(session.created_at))
        .bind(to_db(session.expires_at))
        .bind(session.ip)
        .bind(session.user_agent)
        .bind(session.device)
        .bind(
            session
                .second_factor
                .map(|factor| factor.as_str().to_owned()),
        );
        self.write(
            |db| {
                Box::pin(async move {
                    let id: SessionId = insert.fetch_value(DB::on_connection(&mut *db)).await?;
                    let detail = json!({ "second_factor": second_factor });
                    let event = NewEvent::about(
                        AuditAction::SignInSucceeded,
                        Some(id),
                        Some(owner),
                        detail,
                    );
                    record::<DB>(db, &audit, vec![event]).await?;
                    Ok(id)
                })
            },
            |_| None,
        )
        .await
    }

    async fn find_live_session(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionUser>> {
        let row: Option<SessionRow> = Statement::new(
            "SELECT s.id AS session_id, u.id, u.username, u.display_name, u.role,
                    EXISTS (SELECT 1 FROM two_factor t
                            WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)
                      AS two_factor_on
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.secret_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2
               AND u.login_active AND u.is_current",
        )
        .bind(secret_hash.as_bytes().to_vec())
        .bind(to_db(now))
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(|row| SessionUser {
            session_id: row.session_id,
            user: row.user.into_summary(),
            two_factor_on: row.two_factor_on,
        }))
    }

    async fn end_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
        end: SessionEnd,
        audit: &Audit,
    ) -> StoreResult<bool> {
        let update = Statement::new(
            "UPDATE sessions SET ended_at = $1, end_reason = $2
             WHERE id = $3 AND user_id = $4 AND ended_at IS NULL AND expires_at > $5",
        )
        .bind(to_db(audit.at))
        .bind(end.as_str().to_owned())
        .bind(session_id)
        .bind(user_id)
        .bind(to_db(audit.at));
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let ended = update.execute(DB::on_connection(&mut *db)).await? == 1;
                    // Signing out is no event: deactivating a session is.
                    if ended && end == SessionEnd::Deactivated {
                        let event = NewEvent::about(
                            AuditAction::SessionDeactivated,
                            Some(session_id),
                            Some(user_id),
                            json!({}),
                        );
                        record::<DB>(db, &audit, vec![event]).await?;
                    }
                    Ok(ended)
                })
            },
            |&ended| ended.then_some(Change::Session(session_id)),
        )
        .await
    }

    async fn sessions_of(
        &self,
        user_id: UserId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionRecord>> {
        let rows: Vec<SessionListRow> = Statement::new(
            "SELECT id, created_at, expires_at, ended_at, end_reason, ip, user_agent, device,
                    second_factor
             FROM sessions WHERE user_id = $1 AND created_at >= $2
             ORDER BY created_at DESC, id DESC",
        )
        .bind(user_id)
        .bind(to_db(since))
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn purge_sessions(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        Statement::new("DELETE FROM sessions WHERE created_at < $1")
            .bind(to_db(before))
            .execute(DB::on_pool(&self.pool))
            .await
    }
}
