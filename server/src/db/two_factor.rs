//! Two-factor sign-in: secrets, recovery codes, and sign-ins waiting for a code.

use super::audit::{record, NewEvent};
use super::rows::{TwoFactorRow, UserRow};
use super::statement::Statement;
use super::{to_db, Backend, SqlStore};
use app::rules::audit::AuditAction;
use app::rules::secret::SecretHash;
use app::store::{
    Audit, NewSignInChallenge, StoreResult, TwoFactorRecord, TwoFactorStore, UserId, UserSummary,
};
use chrono::{DateTime, Utc};
use serde_json::json;

// Sessions and two-factor state are read from the database on every request, so none of
// these writes has a change to announce to other instances.

#[async_trait::async_trait]
impl<DB: Backend> TwoFactorStore for SqlStore<DB> {
    async fn two_factor_of(&self, user_id: UserId) -> StoreResult<Option<TwoFactorRecord>> {
        let row: Option<TwoFactorRow> = Statement::new(
            "SELECT secret, confirmed_at, last_used_step,
                    (SELECT COUNT(*) FROM recovery_codes c
                     WHERE c.user_id = t.user_id AND c.used_at IS NULL) AS recovery_codes_left
             FROM two_factor t WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(Into::into))
    }

    async fn begin_two_factor(
        &self,
        user_id: UserId,
        secret: String,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.write(
            |db| {
                Box::pin(async move {
                    Statement::new(
                        "DELETE FROM two_factor WHERE user_id = $1 AND confirmed_at IS NULL",
                    )
                    .bind(user_id)
                    .execute(DB::on_connection(db))
                    .await?;
                    // A confirmed row stays, and the insert then finds its key taken.
                    let inserted = Statement::new(
                        "INSERT INTO two_factor (user_id, secret, created_at)
                         SELECT $1, $2, $3
                         WHERE NOT EXISTS (SELECT 1 FROM two_factor WHERE user_id = $4)",
                    )
                    .bind(user_id)
                    .bind(secret)
                    .bind(to_db(at))
                    .bind(user_id)
                    .execute(DB::on_connection(db))
                    .await?;
                    Ok(inserted == 1)
                })
            },
            |_| None,
        )
        .await
    }

    async fn confirm_two_factor(
        &self,
        user_id: UserId,
        step: i64,
        recovery_codes: Vec<SecretHash>,
        audit: &Audit,
    ) -> StoreResult<bool> {
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let confirmed = Statement::new(
                        "UPDATE two_factor SET confirmed_at = $1, last_used_step = $2
                         WHERE user_id = $3 AND confirmed_at IS NULL",
                    )
                    .bind(to_db(audit.at))
                    .bind(step)
                    .bind(user_id)
                    .execute(DB::on_connection(&mut *db))
                    .await?;
                    if confirmed == 1 {
                        store_recovery_codes::<DB>(&mut *db, user_id, recovery_codes).await?;
                        let event =
                            NewEvent::user(AuditAction::TwoFactorOn, Some(user_id), json!({}));
                        record::<DB>(db, &audit, vec![event]).await?;
                    }
                    Ok(confirmed == 1)
                })
            },
            |_| None,
        )
        .await
    }

    async fn use_code_step(&self, user_id: UserId, step: i64) -> StoreResult<bool> {
        // One statement: of two instances given the same code at once, one wins.
        let used = Statement::new(
            "UPDATE two_factor SET last_used_step = $1
             WHERE user_id = $2 AND confirmed_at IS NOT NULL
               AND (last_used_step IS NULL OR last_used_step < $3)",
        )
        .bind(step)
        .bind(user_id)
        .bind(step)
        .execute(DB::on_pool(&self.pool))
        .await?;
        Ok(used == 1)
    }

    async fn use_recovery_code(
        &self,
        user_id: UserId,
        code: &SecretHash,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let used = Statement::new(
            "UPDATE recovery_codes SET used_at = $1
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(to_db(at))
        .bind(user_id)
        .bind(code.as_bytes().to_vec())
        .execute(DB::on_pool(&self.pool))
        .await?;
        Ok(used == 1)
    }

    async fn replace_recovery_codes(
        &self,
        user_id: UserId,
        recovery_codes: Vec<SecretHash>,
    ) -> StoreResult<()> {
        self.write(
            |db| Box::pin(store_recovery_codes::<DB>(db, user_id, recovery_codes)),
            |_| None,
        )
        .await
    }

    async fn disable_two_factor(&self, user_id: UserId, audit: &Audit) -> StoreResult<bool> {
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    Statement::new("DELETE FROM recovery_codes WHERE user_id = $1")
                        .bind(user_id)
                        .execute(DB::on_connection(&mut *db))
                        .await?;
                    let deleted = Statement::new(
                        "DELETE FROM two_factor WHERE user_id = $1 AND confirmed_at IS NOT NULL",
                    )
                    .bind(user_id)
                    .execute(DB::on_connection(&mut *db))
                    .await?;
                    if deleted == 1 {
                        let event =
                            NewEvent::user(AuditAction::TwoFactorOff, Some(user_id), json!({}));
                        record::<DB>(db, &audit, vec![event]).await?;
                    }
                    Ok(deleted == 1)
                })
            },
            |_| None,
        )
        .await
    }

    async fn insert_sign_in_challenge(&self, challenge: NewSignInChallenge) -> StoreResult<()> {
        self.write(
            |db| {
                Box::pin(async move {
                    Statement::new("DELETE FROM sign_in_challenges WHERE expires_at <= $1")
                        .bind(to_db(challenge.created_at))
                        .execute(DB::on_connection(&mut *db))
                        .await?;
                    Statement::new(
                        "INSERT INTO sign_in_challenges (secret_hash, user_id, created_at,
                                                         expires_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(challenge.secret_hash.as_bytes().to_vec())
                    .bind(challenge.user_id)
                    .bind(to_db(challenge.created_at))
                    .bind(to_db(challenge.expires_at))
                    .execute(DB::on_connection(db))
                    .await?;
                    Ok(())
                })
            },
            |_| None,
        )
        .await
    }

    async fn find_sign_in_challenge(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<UserSummary>> {
        let row: Option<UserRow> = Statement::new(
            "SELECT u.id, u.username, u.display_name, u.role
             FROM sign_in_challenges c JOIN users u ON u.id = c.user_id
             WHERE c.secret_hash = $1 AND c.expires_at > $2",
        )
        .bind(secret_hash.as_bytes().to_vec())
        .bind(to_db(now))
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(UserRow::into_summary))
    }

    async fn end_sign_in_challenge(&self, secret_hash: &SecretHash) -> StoreResult<()> {
        Statement::new("DELETE FROM sign_in_challenges WHERE secret_hash = $1")
            .bind(secret_hash.as_bytes().to_vec())
            .execute(DB::on_pool(&self.pool))
            .await?;
        Ok(())
    }
}

/// Replaces the user's recovery codes with `codes`.
async fn store_recovery_codes<DB: Backend>(
    db: &mut DB::Connection,
    user_id: UserId,
    codes: Vec<SecretHash>,
) -> StoreResult<()> {
    Statement::new("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(DB::on_connection(&mut *db))
        .await?;
    if codes.is_empty() {
        return Ok(());
    }
    let mut insert = Statement::new("INSERT INTO recovery_codes (user_id, code_hash) ");
    insert.push_values(codes.iter(), |mut row, code| {
        row.push_bind(user_id).push_bind(code.as_bytes().to_vec());
    });
    insert.execute(DB::on_connection(db)).await?;
    Ok(())
}
