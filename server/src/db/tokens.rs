//! Access tokens: issuing, listing and expiring them.

use super::rows::{RestrictionColumns, TokenRow, TOKEN_COLUMNS};
use super::statement::Statement;
use super::{from_db, to_db, Backend, SqlStore};
use crate::changes::Change;
use app::rules::secret::SecretHash;
use app::store::{
    DailyChecks, NewToken, OldTokenEnd, RecentAddress, SeedToken, StoreError, StoreResult, TokenId,
    TokenRecord, TokenStore, Unique, UserId,
};
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl<DB: Backend> TokenStore for SqlStore<DB> {
    async fn insert_token(&self, token: NewToken) -> StoreResult<TokenRecord> {
        let hash = token.secret_hash.clone();
        let (insert, permissions) = insert_statement::<DB>(token, None);
        let id: i64 = self
            .write(
                |db| {
                    Box::pin(async move {
                        let id = insert.fetch_value(DB::on_connection(&mut *db)).await?;
                        if let Some(grant) = grant(id, permissions) {
                            grant.execute(DB::on_connection(db)).await?;
                        }
                        Ok(id)
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
        let rows: Vec<TokenRow> = Statement::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC"
        ))
        .bind(user_id)
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn find_token(&self, token_id: TokenId) -> StoreResult<Option<TokenRecord>> {
        let row: Option<TokenRow> = Statement::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.id = $1"
        ))
        .bind(token_id)
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(Into::into))
    }

    async fn expire_token(
        &self,
        token_id: TokenId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut expire = expire_active::<DB>("id", token_id, by, at);
        expire.push(" RETURNING secret_hash");
        self.change_one_token(expire).await
    }

    async fn deactivate_token(
        &self,
        token_id: TokenId,
        until: DateTime<Utc>,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let deactivate = Statement::new(
            "UPDATE access_tokens SET deactivated_until = $1, deactivated_by = $2
             WHERE id = $3 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $4)
             RETURNING secret_hash",
        )
        .bind(to_db(until))
        .bind(by)
        .bind(token_id)
        .bind(to_db(at));
        self.change_one_token(deactivate).await
    }

    async fn reactivate_token(&self, token_id: TokenId, at: DateTime<Utc>) -> StoreResult<bool> {
        let reactivate = Statement::new(
            "UPDATE access_tokens SET deactivated_until = NULL, deactivated_by = NULL
             WHERE id = $1 AND deactivated_until > $2 AND expired_at IS NULL
               AND (expires_at IS NULL OR expires_at > $2)
             RETURNING secret_hash",
        )
        .bind(token_id)
        .bind(to_db(at));
        self.change_one_token(reactivate).await
    }

    async fn rotate_token(
        &self,
        old: TokenId,
        end: OldTokenEnd,
        new: NewToken,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<TokenRecord>> {
        let mut end_old = match end {
            OldTokenEnd::Now => expire_active::<DB>("id", old, by, at),
            OldTokenEnd::At(ends) => Statement::new(
                "UPDATE access_tokens SET expires_at = $1
                 WHERE id = $2 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $3)",
            )
            .bind(to_db(ends))
            .bind(old)
            .bind(to_db(at)),
        };
        end_old.push(" RETURNING secret_hash");
        let (insert, permissions) = insert_statement::<DB>(new, Some(old));
        let rotated: Option<(i64, Vec<u8>)> = self
            .write(
                |db| {
                    Box::pin(async move {
                        let ended: Option<(Vec<u8>,)> =
                            end_old.fetch_optional(DB::on_connection(&mut *db)).await?;
                        let Some((old_hash,)) = ended else {
                            return Ok(None);
                        };
                        let id = insert.fetch_value(DB::on_connection(&mut *db)).await?;
                        if let Some(grant) = grant(id, permissions) {
                            grant.execute(DB::on_connection(db)).await?;
                        }
                        Ok(Some((id, old_hash)))
                    })
                },
                // The new secret was made a moment ago and has never been presented, so no
                // instance can hold it as unknown: the old token's change is the one to send.
                |rotated: &Option<(i64, Vec<u8>)>| {
                    let (_, old_hash) = rotated.as_ref()?;
                    SecretHash::from_bytes(old_hash).map(Change::Token)
                },
            )
            .await?;
        match rotated {
            Some((id, _)) => self.find_token(id).await,
            None => Ok(None),
        }
    }

    async fn expire_tokens(
        &self,
        tokens: &[TokenId],
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let tokens = tokens.to_vec();
        self.write(
            |db| Box::pin(async move { expire_listed::<DB>(db, &tokens, by, at).await }),
            // One message however many tokens: each instance forgets every token it holds.
            |expired: &u64| (*expired > 0).then_some(Change::AllTokens),
        )
        .await
    }

    async fn count_unused_tokens(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let count: i64 = Statement::new(format!(
            "SELECT COUNT(*) FROM access_tokens WHERE {UNUSED_ACTIVE}"
        ))
        .bind(to_db(now))
        .bind(to_db(cutoff))
        .fetch_value(DB::on_pool(&self.pool))
        .await?;
        Ok(count as u64)
    }

    async fn expire_unused_tokens(
        &self,
        cutoff: DateTime<Utc>,
        days: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let expire = Statement::new(format!(
            "UPDATE access_tokens SET expired_at = $1, expired_unused_days = $3
             WHERE {UNUSED_ACTIVE}"
        ))
        .bind(to_db(now))
        .bind(to_db(cutoff))
        .bind(i64::from(days));
        self.write(
            |db| Box::pin(expire.execute(DB::on_connection(db))),
            |&expired| (expired > 0).then_some(Change::AllTokens),
        )
        .await
    }

    async fn expire_active_tokens_of(
        &self,
        user_id: UserId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let expire = expire_active("user_id", user_id, by, at);
        self.write(
            |db| Box::pin(expire.execute(DB::on_connection(db))),
            |_| Some(Change::User(user_id)),
        )
        .await
    }

    async fn daily_checks_of(
        &self,
        tokens: &[TokenId],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DailyChecks>> {
        // Within both backends' limits on bound values, however many tokens a page shows.
        const TOKENS_PER_STATEMENT: usize = 1000;
        let mut found = Vec::new();
        for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
            let mut select = Statement::<DB>::new(
                "SELECT token_id, day, succeeded, refused FROM token_checks WHERE day >= ",
            );
            select.push_bind(to_db(since));
            select.push(" AND token_id IN ");
            select.push_list(chunk.iter().copied());
            let rows: Vec<(i64, i64, i64, i64)> = select.fetch_all(DB::on_pool(&self.pool)).await?;
            found.extend(
                rows.into_iter()
                    .map(|(token_id, day, succeeded, refused)| DailyChecks {
                        token_id,
                        day: from_db(day),
                        succeeded: succeeded.max(0) as u64,
                        refused: refused.max(0) as u64,
                    }),
            );
        }
        Ok(found)
    }

    async fn recent_addresses_of(&self, tokens: &[TokenId]) -> StoreResult<Vec<RecentAddress>> {
        const TOKENS_PER_STATEMENT: usize = 1000;
        let mut found = Vec::new();
        for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
            let mut select = Statement::<DB>::new(
                "SELECT token_id, ip, last_used_at FROM token_addresses WHERE token_id IN ",
            );
            select.push_list(chunk.iter().copied());
            select.push(" ORDER BY token_id, last_used_at DESC, ip");
            let rows: Vec<(i64, String, i64)> = select.fetch_all(DB::on_pool(&self.pool)).await?;
            found.extend(rows.into_iter().map(|(token_id, ip, at)| RecentAddress {
                token_id,
                ip,
                at: from_db(at),
            }));
        }
        Ok(found)
    }

    async fn count_active_tokens_with(
        &self,
        permission: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let count: i64 = Statement::new(
            "SELECT COUNT(*) FROM access_tokens t
             JOIN token_permissions p ON p.token_id = t.id AND p.permission = $1
             WHERE t.expired_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(permission.to_owned())
        .bind(to_db(now))
        .fetch_value(DB::on_pool(&self.pool))
        .await?;
        Ok(count as u64)
    }
}

impl<DB: Backend> SqlStore<DB> {
    /// Runs `update`, which changes at most one token and returns its `secret_hash`, and
    /// tells every instance about that token; false if it changed none.
    async fn change_one_token(&self, update: Statement<DB>) -> StoreResult<bool> {
        let changed: Option<(Vec<u8>,)> = self
            .write(
                |db| Box::pin(update.fetch_optional(DB::on_connection(db))),
                |changed: &Option<(Vec<u8>,)>| {
                    let (hash,) = changed.as_ref()?;
                    SecretHash::from_bytes(hash).map(Change::Token)
                },
            )
            .await?;
        Ok(changed.is_some())
    }
}

/// Marks expired by `by` at `at` those of `tokens` active then, within the caller's
/// transaction; how many.
pub(super) async fn expire_listed<DB: Backend>(
    db: &mut DB::Connection,
    tokens: &[TokenId],
    by: UserId,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    // Within both backends' limits on bound values, however many tokens are chosen.
    const TOKENS_PER_STATEMENT: usize = 1000;
    let mut expired = 0;
    for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
        let mut update = Statement::<DB>::new("UPDATE access_tokens SET expired_at = ");
        update.push_bind(to_db(at));
        update.push(", expired_by = ");
        update.push_bind(by);
        update.push(" WHERE expired_at IS NULL AND (expires_at IS NULL OR expires_at > ");
        update.push_bind(to_db(at));
        update.push(") AND id IN ");
        update.push_list(chunk.iter().copied());
        expired += update.execute(DB::on_connection(&mut *db)).await?;
    }
    Ok(expired)
}

/// Tokens active at `$1` last used, or never used and created, at or before `$2`.
const UNUSED_ACTIVE: &str = "expired_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
     AND COALESCE(last_used_at, created_at) <= $2";

/// Marks expired by `by` at `at` the tokens active then whose `column` holds `value`.
fn expire_active<DB: Backend>(
    column: &str,
    value: i64,
    by: UserId,
    at: DateTime<Utc>,
) -> Statement<DB> {
    Statement::new(format!(
        "UPDATE access_tokens SET expired_at = $1, expired_by = $2
         WHERE {column} = $3 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $4)"
    ))
    .bind(to_db(at))
    .bind(by)
    .bind(value)
    .bind(to_db(at))
}

/// The insert of `token`, returning its id, and the permissions to grant it then.
fn insert_statement<DB: Backend>(
    token: NewToken,
    replaces: Option<TokenId>,
) -> (Statement<DB>, Vec<String>) {
    let lists = RestrictionColumns::from(&token.restrictions);
    let insert = Statement::new(
        "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, expires_at,
                                    ip_whitelist, domain_whitelist, replaces_token_id,
                                    description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(token.user_id)
    .bind(token.label)
    .bind(token.secret_hash.as_bytes().to_vec())
    .bind(token.hint)
    .bind(to_db(token.created_at))
    .bind(token.expires_at.map(to_db))
    .bind(lists.ip_whitelist)
    .bind(lists.domain_whitelist)
    .bind(replaces)
    .bind(token.description)
    .conflict(Unique::TokenSecret);
    (insert, token.restrictions.permissions)
}

/// Gives token `id` its permissions, in order; nothing to do for none.
fn grant<DB: Backend>(id: i64, permissions: Vec<String>) -> Option<Statement<DB>> {
    if permissions.is_empty() {
        return None;
    }
    let mut insert =
        Statement::new("INSERT INTO token_permissions (token_id, permission, position) ");
    insert.push_values(
        permissions.into_iter().zip(0_i64..),
        |mut row, (name, position)| {
            row.push_bind(id).push_bind(name).push_bind(position);
        },
    );
    Some(insert)
}

/// Demo tokens of one user, a few hundred rows per statement.
pub(super) async fn insert_seed_tokens<DB: Backend>(
    db: &mut DB::Connection,
    user_id: i64,
    tokens: &[SeedToken],
) -> StoreResult<()> {
    // Well under every backend's limit on bound parameters per statement.
    for chunk in tokens.chunks(500) {
        let mut insert = Statement::<DB>::new(
            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, expires_at,
                                        expired_at, expired_by, last_used_at, last_used_ip) ",
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
                .push_bind(token.last_used_ip.clone());
        });
        insert.execute(DB::on_connection(&mut *db)).await?;
    }
    // Their permissions, found by each token's unique secret hash.
    let grants: Vec<_> = tokens
        .iter()
        .flat_map(|token| {
            let hash = token.secret_hash.as_bytes().to_vec();
            token
                .permissions
                .iter()
                .zip(0_i64..)
                .map(move |(name, position)| (hash.clone(), name.clone(), position))
        })
        .collect();
    for chunk in grants.chunks(500) {
        let mut insert = Statement::<DB>::new(
            "INSERT INTO token_permissions (token_id, permission, position)
             SELECT t.id, granted.column2, granted.column3 FROM (",
        );
        insert.push_values(chunk.iter().cloned(), |mut row, (hash, name, position)| {
            row.push_bind(hash).push_bind(name).push_bind(position);
        });
        insert.push(") AS granted JOIN access_tokens t ON t.secret_hash = granted.column1");
        insert.execute(DB::on_connection(&mut *db)).await?;
    }
    Ok(())
}
