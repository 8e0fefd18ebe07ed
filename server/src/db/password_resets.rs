//! Password reset links, and setting a password through one.

use super::audit::{record, NewEvent};
use super::rows::PasswordResetRow;
use super::statement::Statement;
use super::users::end_sessions_of;
use super::{to_db, Backend, SqlStore};
use app::rules::audit::AuditAction;
use app::rules::secret::SecretHash;
use app::store::{
    Audit, NewPasswordReset, PasswordResetRecord, PasswordResetStore, StoreResult, UserSummary,
};
use chrono::{DateTime, Utc};
use serde_json::json;

const RESET_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.email, r.expires_at
     FROM password_resets r JOIN users u ON u.id = r.user_id";

#[async_trait::async_trait]
impl<DB: Backend> PasswordResetStore for SqlStore<DB> {
    async fn insert_password_reset(
        &self,
        reset: NewPasswordReset,
    ) -> StoreResult<Option<PasswordResetRecord>> {
        let user_id = reset.user_id;
        let secret_hash = reset.secret_hash.as_bytes().to_vec();
        // Sessions are read from the database on every request: nothing to announce.
        self.write(
            |db| {
                Box::pin(async move {
                    // One working link per user: a new one breaks the ones before it.
                    Statement::new("DELETE FROM password_resets WHERE user_id = $1")
                        .bind(user_id)
                        .execute(DB::on_connection(db))
                        .await?;
                    let inserted = Statement::new(
                        "INSERT INTO password_resets (user_id, secret_hash, created_by,
                                                      created_at, expires_at)
                         SELECT id, $1, $2, $3, $4 FROM users WHERE id = $5",
                    )
                    .bind(secret_hash.clone())
                    .bind(reset.created_by)
                    .bind(to_db(reset.created_at))
                    .bind(to_db(reset.expires_at))
                    .bind(user_id)
                    .execute(DB::on_connection(db))
                    .await?;
                    if inserted == 0 {
                        return Ok(None);
                    }
                    let row: Option<PasswordResetRow> =
                        Statement::new(format!("SELECT {RESET_COLUMNS} WHERE r.secret_hash = $1"))
                            .bind(secret_hash)
                            .fetch_optional(DB::on_connection(db))
                            .await?;
                    Ok(row.map(Into::into))
                })
            },
            |_| None,
        )
        .await
    }

    async fn open_password_reset(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PasswordResetRecord>> {
        let row: Option<PasswordResetRow> = Statement::new(format!(
            "SELECT {RESET_COLUMNS}
             WHERE r.secret_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2"
        ))
        .bind(secret_hash.as_bytes().to_vec())
        .bind(to_db(now))
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(Into::into))
    }

    /// The link is marked used first, so of two concurrent uses only one finds it unused.
    async fn use_password_reset(
        &self,
        secret_hash: &SecretHash,
        password_hash: String,
        audit: &Audit,
    ) -> StoreResult<Option<UserSummary>> {
        let secret_hash = secret_hash.as_bytes().to_vec();
        let (now, audit) = (audit.at, audit.clone());
        self.write(
            |db| {
                Box::pin(async move {
                    let claimed: Option<(i64,)> = Statement::new(
                        "UPDATE password_resets SET used_at = $1
                         WHERE secret_hash = $2 AND used_at IS NULL AND expires_at > $3
                         RETURNING user_id",
                    )
                    .bind(to_db(now))
                    .bind(secret_hash.clone())
                    .bind(to_db(now))
                    .fetch_optional(DB::on_connection(db))
                    .await?;
                    let Some((user_id,)) = claimed else {
                        return Ok(None);
                    };
                    Statement::new("UPDATE users SET password_hash = $1 WHERE id = $2")
                        .bind(password_hash)
                        .bind(user_id)
                        .execute(DB::on_connection(db))
                        .await?;
                    end_sessions_of::<DB>(db, user_id, None, now).await?;
                    let event =
                        NewEvent::user(AuditAction::PasswordReset, Some(user_id), json!({}));
                    record::<DB>(db, &audit.as_user(user_id), vec![event]).await?;
                    let row: Option<PasswordResetRow> =
                        Statement::new(format!("SELECT {RESET_COLUMNS} WHERE r.secret_hash = $1"))
                            .bind(secret_hash)
                            .fetch_optional(DB::on_connection(db))
                            .await?;
                    Ok(row.map(|row| PasswordResetRecord::from(row).user))
                })
            },
            |_| None,
        )
        .await
    }
}
