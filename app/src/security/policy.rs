//! The company policy every sign-in and every token use consults, kept in memory: it
//! changes only when an admin saves it, and validating a token must not cost a query for it.

use crate::rules::expiry::LifetimePolicy;
use crate::rules::network::{allowlist_admits, AllowlistEntry};
use crate::rules::permission::Permission;
use crate::store::{Store, StoreResult};
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub lifetime: LifetimePolicy,
    pub allowlist: Vec<AllowlistEntry>,
    pub permissions: Vec<Permission>,
}

impl Policy {
    pub fn admits(&self, ip: Option<IpAddr>) -> bool {
        allowlist_admits(&self.allowlist, ip)
    }
}

/// Loaded on first use, replaced whole after every save. One Tessera process owns its
/// database, so nothing else changes the policy behind its back.
#[derive(Default)]
pub struct PolicyCache {
    current: RwLock<Option<Arc<Policy>>>,
    /// One reload at a time: two admins saving at once must not leave the first save's
    /// reading, finished last, in place of the second's.
    reloading: tokio::sync::Mutex<()>,
}

impl PolicyCache {
    pub async fn get(&self, store: &dyn Store) -> StoreResult<Arc<Policy>> {
        if let Some(policy) = self.read().clone() {
            return Ok(policy);
        }
        self.reload(store).await
    }

    /// Reads the policy from the store; call after every change to it.
    pub async fn reload(&self, store: &dyn Store) -> StoreResult<Arc<Policy>> {
        let _one_at_a_time = self.reloading.lock().await;
        let settings = store.security_settings().await?;
        let permissions = store.permissions().await?;
        let policy = Arc::new(Policy {
            lifetime: settings.lifetime,
            allowlist: settings.allowlist,
            permissions,
        });
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(policy.clone());
        Ok(policy)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Arc<Policy>>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
