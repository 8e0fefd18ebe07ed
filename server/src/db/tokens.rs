//! Access tokens: issuing, listing and expiring them.

use super::audit::{expired_by, record, record_each, NewEvent};
use super::leaks::expire_leaked;
use super::rows::{RestrictionColumns, TokenRow, TOKEN_COLUMNS};
use super::statement::Statement;
use super::{from_db, to_db, Backend, SqlStore};
use crate::bearer::store::TokenLookup;
use crate::changes::Change;
use app::rules::audit::AuditAction;
use app::rules::secret::SecretHash;
use app::store::{
    Audit, BearerToken, DailyChecks, LeakExpiry, LeakReport, NewToken, OldTokenEnd, RecentAddress,
    SeedToken, StoreError, StoreResult, TokenId, TokenRecord, TokenStore, Unique, UserId,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

#[async_trait::async_trait]
impl<DB: Backend> TokenStore for SqlStore<DB> {
    async fn insert_token(&self, token: NewToken, audit: &Audit) -> StoreResult<TokenRecord> {
        let hash = token.secret_hash.clone();
        let (owner, created) = (token.user_id, created_detail(&token));
        let (insert, permissions) = insert_statement::<DB>(token, None);
        let audit = audit.clone();
        let id: i64 = self
            .write(
                |db| {
                    Box::pin(async move {
                        let id = insert.fetch_value(DB::on_connection(&mut *db)).await?;
                        if let Some(grant) = grant(id, permissions) {
                            grant.execute(DB::on_connection(&mut *db)).await?;
                        }
                        let event = NewEvent::token(AuditAction::TokenCreated, id, owner, created);
                        record::<DB>(db, &audit, vec![event]).await?;
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

    async fn token_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>> {
        // The same question a bearer check asks, without its cache.
        self.token_by_hash(hash).await
    }

    async fn expire_token(&self, token_id: TokenId, audit: &Audit) -> StoreResult<bool> {
        let mut expire = expire_active::<DB>("id", token_id, audit);
        expire.push(" RETURNING id, user_id, secret_hash");
        let by = audit.clone();
        self.change_one_token(expire, audit, move |owner| {
            (AuditAction::TokenExpired, expired_by(&by, owner))
        })
        .await
    }

    async fn deactivate_token(
        &self,
        token_id: TokenId,
        until: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<bool> {
        let deactivate = Statement::new(
            "UPDATE access_tokens SET deactivated_until = $1, deactivated_by = $2
             WHERE id = $3 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $4)
             RETURNING id, user_id, secret_hash",
        )
        .bind(to_db(until))
        .bind(audit.user_id)
        .bind(token_id)
        .bind(to_db(audit.at));
        self.change_one_token(deactivate, audit, move |_| {
            (AuditAction::TokenDeactivated, json!({ "until": until }))
        })
        .await
    }

    async fn reactivate_token(&self, token_id: TokenId, audit: &Audit) -> StoreResult<bool> {
        let reactivate = Statement::new(
            "UPDATE access_tokens SET deactivated_until = NULL, deactivated_by = NULL
             WHERE id = $1 AND deactivated_until > $2 AND expired_at IS NULL
               AND (expires_at IS NULL OR expires_at > $2)
             RETURNING id, user_id, secret_hash",
        )
        .bind(token_id)
        .bind(to_db(audit.at));
        self.change_one_token(reactivate, audit, |_| {
            (AuditAction::TokenReactivated, json!({}))
        })
        .await
    }

    async fn rotate_token(
        &self,
        old: TokenId,
        end: OldTokenEnd,
        new: NewToken,
        audit: &Audit,
    ) -> StoreResult<Option<TokenRecord>> {
        let at = audit.at;
        let mut end_old = match end {
            OldTokenEnd::Now => expire_active::<DB>("id", old, audit),
            OldTokenEnd::At(ends) => Statement::new(
                "UPDATE access_tokens SET expires_at = $1
                 WHERE id = $2 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $3)",
            )
            .bind(to_db(ends))
            .bind(old)
            .bind(to_db(at)),
        };
        end_old.push(" RETURNING id, user_id, secret_hash");
        let mut rotation = created_detail(&new);
        rotation["old_stops_at"] = json!(match end {
            OldTokenEnd::Now => at,
            OldTokenEnd::At(ends) => ends,
        });
        let (insert, permissions) = insert_statement::<DB>(new, Some(old));
        let audit = audit.clone();
        let rotated: Option<(i64, Vec<u8>)> = self
            .write(
                |db| {
                    Box::pin(async move {
                        let ended: Option<(i64, i64, Vec<u8>)> =
                            end_old.fetch_optional(DB::on_connection(&mut *db)).await?;
                        let Some((old, owner, old_hash)) = ended else {
                            return Ok(None);
                        };
                        let id = insert.fetch_value(DB::on_connection(&mut *db)).await?;
                        if let Some(grant) = grant(id, permissions) {
                            grant.execute(DB::on_connection(&mut *db)).await?;
                        }
                        let event =
                            NewEvent::token(AuditAction::TokenRotated, old, owner, rotation)
                                .related_to(id);
                        record::<DB>(db, &audit, vec![event]).await?;
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

    async fn expire_tokens(&self, tokens: &[TokenId], audit: &Audit) -> StoreResult<u64> {
        let (tokens, audit) = (tokens.to_vec(), audit.clone());
        self.write(
            |db| Box::pin(async move { expire_listed::<DB>(db, &tokens, &audit).await }),
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
        audit: &Audit,
    ) -> StoreResult<u64> {
        let expire = Statement::new(format!(
            "UPDATE access_tokens SET expired_at = $1, expired_unused_days = $3
             WHERE {UNUSED_ACTIVE} RETURNING id, user_id"
        ))
        .bind(to_db(audit.at))
        .bind(to_db(cutoff))
        .bind(i64::from(days));
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let expired: Vec<(i64, i64)> =
                        expire.fetch_all(DB::on_connection(&mut *db)).await?;
                    let detail = json!({ "by": "policy", "unused_days": days });
                    let events = expired_events(&expired, |_| detail.clone());
                    record::<DB>(db, &audit, events).await?;
                    Ok(expired.len() as u64)
                })
            },
            |&expired| (expired > 0).then_some(Change::AllTokens),
        )
        .await
    }

    async fn expire_leaked_tokens(
        &self,
        hashes: &[SecretHash],
        report: &LeakReport,
        audit: &Audit,
    ) -> StoreResult<LeakExpiry> {
        let (hashes, report, audit) = (hashes.to_vec(), report.clone(), audit.clone());
        self.write(
            |db| Box::pin(async move { expire_leaked::<DB>(db, &hashes, &report, &audit).await }),
            |found: &LeakExpiry| (!found.expired.is_empty()).then_some(Change::AllTokens),
        )
        .await
    }

    async fn record_time_expiries(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let mark = Statement::new(
            "UPDATE access_tokens SET expiry_recorded = TRUE
             WHERE NOT expiry_recorded AND expired_at IS NULL AND expires_at <= $1
             RETURNING id, user_id, expires_at",
        )
        .bind(to_db(now));
        // The events carry no change: a token past its expiry is refused by every instance.
        self.write(
            |db| {
                Box::pin(async move {
                    let reached: Vec<(i64, i64, i64)> =
                        mark.fetch_all(DB::on_connection(&mut *db)).await?;
                    let events = reached
                        .iter()
                        .map(|&(id, owner, at)| {
                            let event = NewEvent::token(
                                AuditAction::TokenExpired,
                                id,
                                owner,
                                json!({ "by": "time" }),
                            );
                            (Audit::by_system(from_db(at)), event)
                        })
                        .collect();
                    record_each::<DB>(db, events).await?;
                    Ok(reached.len() as u64)
                })
            },
            |_| None,
        )
        .await
    }

    async fn expire_active_tokens_of(&self, user_id: UserId, audit: &Audit) -> StoreResult<u64> {
        let mut expire = expire_active("user_id", user_id, audit);
        expire.push(" RETURNING id, user_id");
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let expired: Vec<(i64, i64)> =
                        expire.fetch_all(DB::on_connection(&mut *db)).await?;
                    let events = expired_events(&expired, |owner| expired_by(&audit, owner));
                    record::<DB>(db, &audit, events).await?;
                    Ok(expired.len() as u64)
                })
            },
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
    /// Runs `update`, which changes at most one token and returns its `id, user_id,
    /// secret_hash`, records the event `event` makes of it (given its owner), and tells every
    /// instance about that token; false if it changed none.
    async fn change_one_token(
        &self,
        update: Statement<DB>,
        audit: &Audit,
        event: impl FnOnce(UserId) -> (AuditAction, Value) + Send + 'static,
    ) -> StoreResult<bool> {
        let audit = audit.clone();
        let changed: Option<(i64, i64, Vec<u8>)> = self
            .write(
                |db| {
                    Box::pin(async move {
                        let changed: Option<(i64, i64, Vec<u8>)> =
                            update.fetch_optional(DB::on_connection(&mut *db)).await?;
                        if let Some((id, owner, _)) = &changed {
                            let (action, detail) = event(*owner);
                            let event = NewEvent::token(action, *id, *owner, detail);
                            record::<DB>(db, &audit, vec![event]).await?;
                        }
                        Ok(changed)
                    })
                },
                |changed: &Option<(i64, i64, Vec<u8>)>| {
                    let (_, _, hash) = changed.as_ref()?;
                    SecretHash::from_bytes(hash).map(Change::Token)
                },
            )
            .await?;
        Ok(changed.is_some())
    }
}

/// The expiry events of `expired` tokens, each `(id, owner)`.
fn expired_events(expired: &[(i64, i64)], detail: impl Fn(UserId) -> Value) -> Vec<NewEvent> {
    expired
        .iter()
        .map(|&(id, owner)| NewEvent::token(AuditAction::TokenExpired, id, owner, detail(owner)))
        .collect()
}

/// What a created token's event keeps: its label, permissions, whitelists and expiry.
fn created_detail(token: &NewToken) -> Value {
    json!({
        "label": token.label,
        "permissions": token.restrictions.permissions,
        "ip_whitelist": token.restrictions.ip_whitelist,
        "domain_whitelist": token.restrictions.domain_whitelist,
        "expires_at": token.expires_at,
    })
}

/// Tokens active at `$1` last used, or never used and created, at or before `$2`.
const UNUSED_ACTIVE: &str = "expired_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
     AND COALESCE(last_used_at, created_at) <= $2";

/// Marks expired, as `audit` says, those of `tokens` active then, and records an event for
/// each, within the caller's transaction; how many.
pub(super) async fn expire_listed<DB: Backend>(
    db: &mut DB::Connection,
    tokens: &[TokenId],
    audit: &Audit,
) -> StoreResult<u64> {
    // Within both backends' limits on bound values, however many tokens are chosen.
    const TOKENS_PER_STATEMENT: usize = 1000;
    let mut expired = Vec::with_capacity(tokens.len());
    for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
        let mut update = Statement::<DB>::new("UPDATE access_tokens SET expired_at = ");
        update.push_bind(to_db(audit.at));
        update.push(", expired_by = ");
        update.push_bind(audit.user_id);
        update.push(" WHERE expired_at IS NULL AND (expires_at IS NULL OR expires_at > ");
        update.push_bind(to_db(audit.at));
        update.push(") AND id IN ");
        update.push_list(chunk.iter().copied());
        update.push(" RETURNING id, user_id");
        let rows: Vec<(i64, i64)> = update.fetch_all(DB::on_connection(&mut *db)).await?;
        expired.extend(rows);
    }
    let events = expired_events(&expired, |owner| expired_by(audit, owner));
    record::<DB>(db, audit, events).await?;
    Ok(expired.len() as u64)
}

/// Marks expired, as `audit` says, the tokens active then whose `column` holds `value`.
fn expire_active<DB: Backend>(column: &str, value: i64, audit: &Audit) -> Statement<DB> {
    Statement::new(format!(
        "UPDATE access_tokens SET expired_at = $1, expired_by = $2
         WHERE {column} = $3 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $4)"
    ))
    .bind(to_db(audit.at))
    .bind(audit.user_id)
    .bind(value)
    .bind(to_db(audit.at))
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
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // Tokens already past their expiry come with their "expired by time" event.
    // Well under every backend's limit on bound parameters per statement.
    for chunk in tokens.chunks(500) {
        let mut insert = Statement::<DB>::new(
            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, expires_at,
                                        expired_at, expired_by, last_used_at, last_used_ip,
                                        expiry_recorded) ",
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
                .push_bind(ran_out(token, now).is_some());
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

/// When a seeded token ran out of time before `now`, if it did and was not expired by hand.
pub(super) fn ran_out(token: &SeedToken, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    token
        .expires_at
        .filter(|at| *at <= now && token.expired_at.is_none())
}
