//! Access tokens: issuing, listing and expiring them.

use super::rows::{RestrictionColumns, TokenRow, TOKEN_COLUMNS};
use super::statement::Statement;
use super::{backend_error, collision, to_db, Backend, SqlStore, Value};
use crate::changes::Change;
use app::rules::secret::SecretHash;
use app::store::{
    NewToken, SeedToken, StoreError, StoreResult, TokenId, TokenRecord, TokenStore, Unique, UserId,
};
use chrono::{DateTime, Utc};
use sqlx::ColumnIndex;

#[async_trait::async_trait]
impl<DB: Backend> TokenStore for SqlStore<DB>
where
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    bool: Value<DB>,
    String: Value<DB>,
    Option<String>: Value<DB>,
    Vec<u8>: Value<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
{
    async fn insert_token(&self, token: NewToken) -> StoreResult<TokenRecord> {
        let hash = token.secret_hash.clone();
        let id: i64 = self
            .write(
                move |db| {
                    Box::pin(async move {
                        let lists = RestrictionColumns::from(&token.restrictions);
                        sqlx::query_scalar(
                    "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at,
                                                expires_at, scopes, ip_whitelist, domain_whitelist)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(token.user_id)
                .bind(token.label)
                .bind(token.secret_hash.as_bytes().to_vec())
                .bind(token.hint)
                .bind(to_db(token.created_at))
                .bind(token.expires_at.map(to_db))
                .bind(lists.scopes)
                .bind(lists.ip_whitelist)
                .bind(lists.domain_whitelist)
                .fetch_one(DB::on_connection(db))
                .await
                .map_err(collision(Unique::TokenSecret))
                    })
                },
                |_| Some(Change::Token(hash)),
            )
            .await?;
        self.find_token(id)
            .await?
            .ok_or_else(|| StoreError::Backend("token vanished right after it was inserted".into()))
    }

    async fn tokens_of(&self, user_id: UserId) -> StoreResult<Vec<TokenRecord>> {
        let rows: Vec<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC"
        ))
        .bind(user_id)
        .fetch_all(DB::on_pool(&self.pool))
        .await
        .map_err(backend_error)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn find_token(&self, token_id: TokenId) -> StoreResult<Option<TokenRecord>> {
        let row: Option<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.id = $1"
        ))
        .bind(token_id)
        .fetch_optional(DB::on_pool(&self.pool))
        .await
        .map_err(backend_error)?;
        Ok(row.map(Into::into))
    }

    async fn expire_token(
        &self,
        token_id: TokenId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let expired = self.write(
            move |db| {
                Box::pin(async move {
                    let hash: Option<Vec<u8>> = sqlx::query_scalar(
                        "UPDATE access_tokens SET expired_at = $1, expired_by = $2
                     WHERE id = $3 AND expired_at IS NULL
                       AND (expires_at IS NULL OR expires_at > $4)
                     RETURNING secret_hash",
                    )
                    .bind(to_db(at))
                    .bind(by)
                    .bind(token_id)
                    .bind(to_db(at))
                    .fetch_optional(DB::on_connection(db))
                    .await
                    .map_err(backend_error)?;
                    Ok(hash.as_deref().and_then(SecretHash::from_bytes))
                })
            },
            |hash| hash.clone().map(Change::Token),
        );
        Ok(expired.await?.is_some())
    }

    async fn expire_active_tokens_of(
        &self,
        user_id: UserId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.write(
            move |db| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE access_tokens SET expired_at = $1, expired_by = $2
                     WHERE user_id = $3 AND expired_at IS NULL
                       AND (expires_at IS NULL OR expires_at > $4)",
                    )
                    .bind(to_db(at))
                    .bind(by)
                    .bind(user_id)
                    .bind(to_db(at))
                    .execute(DB::on_connection(db))
                    .await
                    .map_err(backend_error)?;
                    Ok(DB::rows_affected(&done))
                })
            },
            |_| Some(Change::User(user_id)),
        )
        .await
    }

    async fn count_active_tokens_with(
        &self,
        permission: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM access_tokens
             WHERE (' ' || scopes || ' ') LIKE $1 ESCAPE '\\'
               AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
        )
        // Names hold no spaces or `%`, but may hold `_`, which LIKE reads as a wildcard.
        .bind(format!("% {} %", permission.replace('_', "\\_")))
        .bind(to_db(now))
        .fetch_one(DB::on_pool(&self.pool))
        .await
        .map_err(backend_error)?;
        Ok(count as u64)
    }
}

/// Demo tokens of one user, a few hundred rows per statement.
pub(super) async fn insert_seed_tokens<DB: Backend>(
    db: &mut DB::Connection,
    user_id: i64,
    tokens: &[SeedToken],
) -> StoreResult<()>
where
    i64: Value<DB>,
    Option<i64>: Value<DB>,
    String: Value<DB>,
    Option<String>: Value<DB>,
    Vec<u8>: Value<DB>,
{
    // Well under every backend's limit on bound parameters per statement.
    for chunk in tokens.chunks(500) {
        let mut insert = Statement::<DB>::new(
            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at,
                                        expires_at, expired_at, expired_by, last_used_at,
                                        last_used_ip, scopes) ",
        );
        insert.push_values(chunk, |mut row, token| {
            row.push_bind(user_id)
                .push_bind(token.label.clone())
                .push_bind(token.secret_hash.as_bytes().to_vec())
                .push_bind(token.hint.clone())
                .push_bind(to_db(token.created_at))
                .push_bind(token.expires_at.map(to_db))
                .push_bind(token.expired_at.map(to_db))
                .push_bind(token.expired_at.map(|_| user_id))
                .push_bind(token.last_used_at.map(to_db))
                .push_bind(token.last_used_ip.clone())
                .push_bind(app::rules::permission::join_scopes(&token.permissions));
        });
        let (sql, arguments) = insert.into_parts()?;
        sqlx::query_with(&sql, arguments)
            .execute(DB::on_connection(&mut *db))
            .await
            .map_err(backend_error)?;
    }
    Ok(())
}
