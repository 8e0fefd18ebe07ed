//! The company's rules: the permission catalogue and the security settings.

use super::rows::{AllowlistRow, PermissionRow};
use super::{backend_error, collision, Backend, SqlStore, Value};
use crate::changes::Change;
use app::rules::expiry::LifetimePolicy;
use app::rules::network::AllowlistEntry;
use app::rules::permission::Permission;
use app::store::{PolicyStore, SecuritySettings, StoreError, StoreResult, Unique};
use sqlx::ColumnIndex;

#[async_trait::async_trait]
impl<DB: Backend> PolicyStore for SqlStore<DB>
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
    async fn permissions(&self) -> StoreResult<Vec<Permission>> {
        let rows: Vec<PermissionRow> = sqlx::query_as(
            "SELECT name, description, admin_only, builtin FROM permissions
             ORDER BY builtin DESC, name",
        )
        .fetch_all(DB::on_pool(&self.pool))
        .await
        .map_err(backend_error)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn insert_permission(&self, permission: Permission) -> StoreResult<()> {
        self.write(
            move |db| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO permissions (name, description, admin_only, builtin)
                     VALUES ($1, $2, $3, $4)",
                    )
                    .bind(permission.name)
                    .bind(permission.description)
                    .bind(permission.admin_only)
                    .bind(permission.builtin)
                    .execute(DB::on_connection(db))
                    .await
                    .map_err(collision(Unique::PermissionName))?;
                    Ok(())
                })
            },
            |_| Some(Change::Policy),
        )
        .await
    }

    async fn delete_permission(&self, name: &str) -> StoreResult<bool> {
        let name = name.to_owned();
        let announce = |&deleted: &bool| deleted.then_some(Change::Policy);
        self.write(
            move |db| {
                Box::pin(async move {
                    let done =
                        sqlx::query("DELETE FROM permissions WHERE name = $1 AND NOT builtin")
                            .bind(name.clone())
                            .execute(DB::on_connection(&mut *db))
                            .await
                            .map_err(backend_error)?;
                    if DB::rows_affected(&done) != 1 {
                        return Ok(false);
                    }
                    // Taken from every token too, so a permission added later under the same
                    // name does not quietly return to them.
                    sqlx::query(
                    "UPDATE access_tokens SET scopes = TRIM(REPLACE(' ' || scopes || ' ', $1, ' '))
                     WHERE (' ' || scopes || ' ') LIKE $2 ESCAPE '\\'",
                )
                .bind(format!(" {name} "))
                .bind(format!("% {} %", name.replace('_', "\\_")))
                .execute(DB::on_connection(db))
                .await
                .map_err(backend_error)?;
                    Ok(true)
                })
            },
            announce,
        )
        .await
    }

    async fn security_settings(&self) -> StoreResult<SecuritySettings> {
        let max_days: Option<i64> =
            sqlx::query_scalar("SELECT max_token_days FROM security_settings WHERE id = 1")
                .fetch_optional(DB::on_pool(&self.pool))
                .await
                .map_err(backend_error)?
                .flatten();
        let rows: Vec<AllowlistRow> =
            sqlx::query_as("SELECT address, bits FROM ip_allowlist ORDER BY position")
                .fetch_all(DB::on_pool(&self.pool))
                .await
                .map_err(backend_error)?;
        let mut allowlist = Vec::with_capacity(rows.len());
        for row in rows {
            let bits = u8::try_from(row.bits).map_err(|e| StoreError::Backend(Box::new(e)))?;
            let entry = AllowlistEntry::parse(&row.address, bits)
                .map_err(|e| StoreError::Backend(Box::new(e)))?;
            allowlist.push(entry);
        }
        Ok(SecuritySettings {
            lifetime: LifetimePolicy {
                max_days: max_days.and_then(|d| u32::try_from(d).ok()),
            },
            allowlist,
        })
    }

    async fn save_max_lifetime(&self, policy: LifetimePolicy) -> StoreResult<()> {
        self.write(
            move |db| {
                Box::pin(async move {
                    sqlx::query("UPDATE security_settings SET max_token_days = $1 WHERE id = 1")
                        .bind(policy.max_days.map(i64::from))
                        .execute(DB::on_connection(db))
                        .await
                        .map_err(backend_error)?;
                    Ok(())
                })
            },
            |_| Some(Change::Policy),
        )
        .await
    }

    async fn save_allowlist(&self, entries: &[AllowlistEntry]) -> StoreResult<()> {
        let entries = entries.to_vec();
        self.write(
            move |db| {
                Box::pin(async move {
                    sqlx::query("DELETE FROM ip_allowlist")
                        .execute(DB::on_connection(&mut *db))
                        .await
                        .map_err(backend_error)?;
                    for (position, entry) in entries.iter().enumerate() {
                        sqlx::query(
                        "INSERT INTO ip_allowlist (position, address, bits) VALUES ($1, $2, $3)",
                    )
                    .bind(position as i64)
                    .bind(entry.address.to_string())
                    .bind(i64::from(entry.bits))
                    .execute(DB::on_connection(&mut *db))
                    .await
                    .map_err(backend_error)?;
                    }
                    Ok(())
                })
            },
            |_| Some(Change::Policy),
        )
        .await
    }
}
