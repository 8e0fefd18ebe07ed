//! What the bearer routes read and write: tokens by their hash, and when they were used.

use super::rows::{BearerRow, TOKEN_COLUMNS};
use super::statement::Statement;
use super::{backend_error, to_db, Backend, SqlStore};
use crate::bearer::store::{TokenLookup, TokenUsageStore};
use app::rules::secret::SecretHash;
use app::store::{
    BearerToken, DailyChecks, StoreResult, TokenId, TokenUse, UserSummary, RECENT_ADDRESSES,
};
use app::users::Role;
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl<DB: Backend> TokenLookup for SqlStore<DB> {
    async fn token_by_hash(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>> {
        let row: Option<BearerRow> = Statement::new(format!(
            "SELECT {TOKEN_COLUMNS}, u.username AS owner_username,
                    u.display_name AS owner_display_name, u.role AS owner_role
             FROM access_tokens t
             JOIN users u ON u.id = t.user_id
             LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.secret_hash = $1"
        ))
        .bind(hash.as_bytes().to_vec())
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(|row| {
            let owner = UserSummary {
                id: row.token.user_id,
                username: row.owner_username,
                display_name: row.owner_display_name,
                role: Role::parse(&row.owner_role).unwrap_or(Role::User),
            };
            BearerToken {
                token: row.token.into(),
                owner,
            }
        }))
    }
}

#[async_trait::async_trait]
impl<DB: Backend> TokenUsageStore for SqlStore<DB> {
    async fn record_token_uses(&self, uses: &[TokenUse]) -> StoreResult<()> {
        // One statement per few hundred tokens, not one each; and never more, so that any
        // caller's list stays within the backends' limits on bound values.
        const USES_PER_STATEMENT: usize = 500;
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        for chunk in uses.chunks(USES_PER_STATEMENT) {
            let mut update = Statement::<DB>::new(
                "UPDATE access_tokens
                 SET last_used_at = used.column2, last_used_ip = used.column3
                 FROM (",
            );
            update.push_values(chunk, |mut row, used| {
                row.push_bind(used.token_id)
                    .push_bind(to_db(used.at))
                    .push_bind(used.ip.clone());
            });
            // Both backends name a VALUES list's columns column1, column2, ...
            update.push(
                ") AS used
                 WHERE access_tokens.id = used.column1
                   AND (access_tokens.last_used_at IS NULL
                        OR access_tokens.last_used_at <= used.column2)",
            );
            update.execute(DB::on_connection(&mut tx)).await?;
        }
        let addresses: Vec<(TokenId, &str, i64)> = uses
            .iter()
            .flat_map(|used| {
                used.addresses
                    .iter()
                    .map(|(ip, at)| (used.token_id, ip.as_str(), to_db(*at)))
            })
            .collect();
        for chunk in addresses.chunks(USES_PER_STATEMENT) {
            let mut upsert =
                Statement::<DB>::new("INSERT INTO token_addresses (token_id, ip, last_used_at) ");
            upsert.push_values(chunk, |mut row, (token_id, ip, at)| {
                row.push_bind(*token_id)
                    .push_bind(ip.to_string())
                    .push_bind(*at);
            });
            // A retried, older batch must not move a time back.
            upsert.push(
                " ON CONFLICT (token_id, ip) DO UPDATE
                 SET last_used_at = CASE WHEN excluded.last_used_at > token_addresses.last_used_at
                                         THEN excluded.last_used_at
                                         ELSE token_addresses.last_used_at END",
            );
            upsert.execute(DB::on_connection(&mut tx)).await?;
        }
        let touched: Vec<TokenId> = uses
            .iter()
            .filter(|used| !used.addresses.is_empty())
            .map(|used| used.token_id)
            .collect();
        for chunk in touched.chunks(USES_PER_STATEMENT) {
            let mut prune = Statement::<DB>::new(
                "DELETE FROM token_addresses WHERE (token_id, ip) IN (
                   SELECT token_id, ip FROM (
                     SELECT token_id, ip, ROW_NUMBER() OVER (
                       PARTITION BY token_id ORDER BY last_used_at DESC, ip) AS place
                     FROM token_addresses WHERE token_id IN ",
            );
            prune.push_list(chunk.iter().copied());
            prune.push(") ranked WHERE place > ");
            prune.push_bind(RECENT_ADDRESSES as i64);
            prune.push(")");
            prune.execute(DB::on_connection(&mut tx)).await?;
        }
        tx.commit().await.map_err(backend_error)
    }

    async fn record_token_checks(&self, checks: &[DailyChecks]) -> StoreResult<()> {
        const ROWS_PER_STATEMENT: usize = 500;
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        for chunk in checks.chunks(ROWS_PER_STATEMENT) {
            let mut upsert = Statement::<DB>::new(
                "INSERT INTO token_checks (token_id, day, succeeded, refused) ",
            );
            upsert.push_values(chunk, |mut row, counted| {
                row.push_bind(counted.token_id)
                    .push_bind(to_db(counted.day))
                    .push_bind(counted.succeeded as i64)
                    .push_bind(counted.refused as i64);
            });
            // Instances flush on their own; each adds its counts to what is there.
            upsert.push(
                " ON CONFLICT (token_id, day) DO UPDATE
                 SET succeeded = token_checks.succeeded + excluded.succeeded,
                     refused = token_checks.refused + excluded.refused",
            );
            upsert.execute(DB::on_connection(&mut tx)).await?;
        }
        tx.commit().await.map_err(backend_error)
    }

    async fn purge_token_checks(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        Statement::<DB>::new("DELETE FROM token_checks WHERE day < $1")
            .bind(to_db(before))
            .execute(DB::on_pool(&self.pool))
            .await
    }
}
