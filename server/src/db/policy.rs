//! The company's rules: the permission catalogue and the security settings.

use super::audit::{record, NewEvent};
use super::rows::{AllowlistRow, PermissionRow};
use super::statement::Statement;
use super::{Backend, SqlStore};
use crate::changes::Change;
use app::rules::disuse::DisusePolicy;
use app::rules::expiry::LifetimePolicy;
use app::rules::network::AllowlistEntry;
use app::rules::permission::Permission;
use app::rules::two_factor::TwoFactorRequirement;
use app::store::{Audit, PolicyStore, SecuritySettings, StoreError, StoreResult, Unique};
use serde_json::json;

#[async_trait::async_trait]
impl<DB: Backend> PolicyStore for SqlStore<DB> {
    async fn permissions(&self) -> StoreResult<Vec<Permission>> {
        let rows: Vec<PermissionRow> = Statement::new(
            "SELECT name, description, admin_only, builtin FROM permissions
             ORDER BY builtin DESC, name",
        )
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn insert_permission(&self, permission: Permission, audit: &Audit) -> StoreResult<()> {
        let event = NewEvent::setting("permission added", json!(permission.name));
        let insert = Statement::new(
            "INSERT INTO permissions (name, description, admin_only, builtin)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(permission.name)
        .bind(permission.description)
        .bind(permission.admin_only)
        .bind(permission.builtin)
        .conflict(Unique::PermissionName);
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    insert.execute(DB::on_connection(&mut *db)).await?;
                    record::<DB>(db, &audit, vec![event]).await
                })
            },
            |_| Some(Change::Policy),
        )
        .await
    }

    /// Tokens lose it too, by cascade, so a permission added later under the same name does
    /// not quietly return to them.
    async fn delete_permission(&self, name: &str, audit: &Audit) -> StoreResult<bool> {
        let delete = Statement::new("DELETE FROM permissions WHERE name = $1 AND NOT builtin")
            .bind(name.to_owned());
        let event = NewEvent::setting("permission removed", json!(name));
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let deleted = delete.execute(DB::on_connection(&mut *db)).await? == 1;
                    if deleted {
                        record::<DB>(db, &audit, vec![event]).await?;
                    }
                    Ok(deleted)
                })
            },
            |&deleted| deleted.then_some(Change::Policy),
        )
        .await
    }

    async fn security_settings(&self) -> StoreResult<SecuritySettings> {
        let (max_days, two_factor, unused_days): (Option<i64>, String, Option<i64>) =
            Statement::new(
                "SELECT max_token_days, two_factor_required, expire_unused_days
                 FROM security_settings WHERE id = 1",
            )
            .fetch_optional(DB::on_pool(&self.pool))
            .await?
            .ok_or_else(|| StoreError::Backend("the security_settings row is missing".into()))?;
        let rows: Vec<AllowlistRow> =
            Statement::new("SELECT address, bits FROM ip_allowlist ORDER BY position")
                .fetch_all(DB::on_pool(&self.pool))
                .await?;
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
            two_factor: TwoFactorRequirement::parse(&two_factor).unwrap_or_default(),
            disuse: DisusePolicy {
                days: unused_days.and_then(|d| u32::try_from(d).ok()),
            },
        })
    }

    async fn save_max_lifetime(&self, policy: LifetimePolicy, audit: &Audit) -> StoreResult<()> {
        let update =
            Statement::new("UPDATE security_settings SET max_token_days = $1 WHERE id = 1")
                .bind(policy.max_days.map(i64::from));
        let event = NewEvent::setting("maximum token lifetime (days)", json!(policy.max_days));
        self.save_setting(update, event, audit).await
    }

    async fn save_two_factor_requirement(
        &self,
        rule: TwoFactorRequirement,
        audit: &Audit,
    ) -> StoreResult<()> {
        let update =
            Statement::new("UPDATE security_settings SET two_factor_required = $1 WHERE id = 1")
                .bind(rule.as_str().to_owned());
        let event = NewEvent::setting("two-factor sign-in required of", json!(rule.as_str()));
        self.save_setting(update, event, audit).await
    }

    async fn save_disuse_policy(&self, policy: DisusePolicy, audit: &Audit) -> StoreResult<()> {
        let update =
            Statement::new("UPDATE security_settings SET expire_unused_days = $1 WHERE id = 1")
                .bind(policy.days.map(i64::from));
        let event = NewEvent::setting("expire tokens unused for (days)", json!(policy.days));
        self.save_setting(update, event, audit).await
    }

    async fn save_allowlist(&self, entries: &[AllowlistEntry], audit: &Audit) -> StoreResult<()> {
        let listed: Vec<String> = entries
            .iter()
            .map(|entry| format!("{}/{}", entry.address, entry.bits))
            .collect();
        let event = NewEvent::setting("IP allowlist", json!(listed));
        let clear = Statement::new("DELETE FROM ip_allowlist");
        let mut insert = Statement::new("INSERT INTO ip_allowlist (position, address, bits) ");
        insert.push_values(entries.iter().enumerate(), |mut row, (position, entry)| {
            row.push_bind(position as i64)
                .push_bind(entry.address.to_string())
                .push_bind(i64::from(entry.bits));
        });
        let empty = entries.is_empty();
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    clear.execute(DB::on_connection(&mut *db)).await?;
                    if !empty {
                        insert.execute(DB::on_connection(&mut *db)).await?;
                    }
                    record::<DB>(db, &audit, vec![event]).await
                })
            },
            |_| Some(Change::Policy),
        )
        .await
    }
}

impl<DB: Backend> SqlStore<DB> {
    /// Saves one security setting with its event, and tells every instance.
    async fn save_setting(
        &self,
        update: Statement<DB>,
        event: NewEvent,
        audit: &Audit,
    ) -> StoreResult<()> {
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    update.execute(DB::on_connection(&mut *db)).await?;
                    record::<DB>(db, &audit, vec![event]).await
                })
            },
            |_| Some(Change::Policy),
        )
        .await
    }
}
