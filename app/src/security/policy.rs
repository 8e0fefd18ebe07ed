//! The company policy every sign-in and every token use consults, kept in memory so that
//! validating a token costs no query for it. Any instance may change it: the server's change
//! feed calls `forget` when one does, and the next reader loads it again.

use crate::rules::disuse::DisusePolicy;
use crate::rules::expiry::LifetimePolicy;
use crate::rules::network::{allowlist_admits, AllowlistEntry};
use crate::rules::permission::Permission;
use crate::rules::two_factor::TwoFactorRequirement;
use crate::store::{PolicyStore, SecuritySettings, StoreResult};
use crate::users::Role;
use arc_swap::ArcSwapOption;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Which reading of the settings this is: every load counts up, so that answers worked
    /// out under one reading are not taken for another's.
    pub version: u64,
    pub lifetime: LifetimePolicy,
    pub allowlist: Vec<AllowlistEntry>,
    pub permissions: Vec<Permission>,
    pub two_factor: TwoFactorRequirement,
    pub disuse: DisusePolicy,
}

impl Policy {
    pub fn admits(&self, ip: Option<IpAddr>) -> bool {
        allowlist_admits(&self.allowlist, ip)
    }

    /// Whether someone of this role must sign in with a second factor.
    pub fn requires_two_factor(&self, role: Role) -> bool {
        self.two_factor.applies_to_admin(role == Role::Admin)
    }
}

/// Whether memory may still be believed. The server answers from its change feed: only while
/// it has recent proof that it hears every change.
pub trait Freshness: Send + Sync {
    fn is_fresh(&self) -> bool;
}

/// For a process that is the only one to write its database.
pub struct AlwaysFresh;

impl Freshness for AlwaysFresh {
    fn is_fresh(&self) -> bool {
        true
    }
}

pub struct PolicyCache {
    current: ArcSwapOption<Policy>,
    /// Bumped by every `forget`: a load that began before one must not keep what it read.
    generation: AtomicU64,
    forgetting: std::sync::Mutex<()>,
    versions: AtomicU64,
    freshness: Arc<dyn Freshness>,
    /// One load at a time while memory is trusted: the readers that found it empty together
    /// (at start-up, after a change) take what the first one loaded.
    loading: tokio::sync::Mutex<()>,
}

impl Default for PolicyCache {
    fn default() -> Self {
        Self::new(Arc::new(AlwaysFresh))
    }
}

impl PolicyCache {
    pub fn new(freshness: Arc<dyn Freshness>) -> Self {
        Self {
            current: ArcSwapOption::empty(),
            generation: AtomicU64::new(0),
            forgetting: std::sync::Mutex::new(()),
            versions: AtomicU64::new(0),
            freshness,
            loading: tokio::sync::Mutex::new(()),
        }
    }

    /// The policy, from memory while it is trusted, else from the store.
    pub async fn get(&self, store: &dyn PolicyStore) -> StoreResult<Arc<Policy>> {
        self.get_or_load(|| async {
            let settings = store.security_settings().await?;
            Ok((settings, store.permissions().await?))
        })
        .await
    }

    async fn get_or_load<F>(&self, load: impl FnOnce() -> F) -> StoreResult<Arc<Policy>>
    where
        F: Future<Output = StoreResult<(SecuritySettings, Vec<Permission>)>>,
    {
        let fresh = self.freshness.is_fresh();
        let remembered = || fresh.then(|| self.current.load_full()).flatten();
        if let Some(policy) = remembered() {
            return Ok(policy);
        }
        let _one_at_a_time = if fresh {
            Some(self.loading.lock().await)
        } else {
            None
        };
        if let Some(policy) = remembered() {
            return Ok(policy);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let (settings, permissions) = load().await?;
        let policy = Arc::new(Policy {
            version: self.versions.fetch_add(1, Ordering::Relaxed) + 1,
            lifetime: settings.lifetime,
            allowlist: settings.allowlist,
            two_factor: settings.two_factor,
            disuse: settings.disuse,
            permissions,
        });
        // Kept only if nothing was forgotten meanwhile: what was read may predate a change.
        let _forgetting_waits = self.lock_forgetting();
        if fresh && self.generation.load(Ordering::Acquire) == generation {
            self.current.store(Some(policy.clone()));
        }
        Ok(policy)
    }

    /// How many times the policy was read from the store since start-up.
    pub fn loads(&self) -> u64 {
        self.versions.load(Ordering::Relaxed)
    }

    /// The settings or the permission catalogue changed: the next reader loads them again.
    pub fn forget(&self) {
        let _keeping_waits = self.lock_forgetting();
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.current.store(None);
    }

    /// Keeping a load and forgetting take turns, so that no load is kept after a `forget`
    /// that it did not see.
    fn lock_forgetting(&self) -> std::sync::MutexGuard<'_, ()> {
        self.forgetting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecuritySettings;
    use std::sync::atomic::{AtomicBool, AtomicUsize};

    struct Switch(AtomicBool);

    impl Freshness for Switch {
        fn is_fresh(&self) -> bool {
            self.0.load(Ordering::Relaxed)
        }
    }

    /// Loads a policy whose maximum lifetime is the number of loads so far.
    struct Loads(AtomicUsize);

    impl Loads {
        async fn get(&self, cache: &PolicyCache) -> Option<u32> {
            cache
                .get_or_load(|| async {
                    let n = self.0.fetch_add(1, Ordering::Relaxed) as u32 + 1;
                    let mut settings = SecuritySettings::default();
                    settings.lifetime.max_days = Some(n);
                    Ok((settings, Vec::new()))
                })
                .await
                .unwrap()
                .lifetime
                .max_days
        }
    }

    #[tokio::test]
    async fn the_policy_is_loaded_once_until_forgotten() {
        let (cache, loads) = (PolicyCache::default(), Loads(AtomicUsize::new(0)));
        assert_eq!(loads.get(&cache).await, Some(1));
        assert_eq!(loads.get(&cache).await, Some(1), "from memory");
        cache.forget();
        assert_eq!(loads.get(&cache).await, Some(2));
        assert_eq!(loads.get(&cache).await, Some(2));
    }

    #[tokio::test]
    async fn without_freshness_every_reader_loads_and_nothing_is_kept() {
        let switch = Arc::new(Switch(AtomicBool::new(false)));
        let (cache, loads) = (PolicyCache::new(switch.clone()), Loads(AtomicUsize::new(0)));
        assert_eq!(loads.get(&cache).await, Some(1));
        assert_eq!(loads.get(&cache).await, Some(2));
        switch.0.store(true, Ordering::Relaxed);
        assert_eq!(loads.get(&cache).await, Some(3));
        assert_eq!(loads.get(&cache).await, Some(3));
    }

    #[tokio::test]
    async fn a_load_overtaken_by_a_change_is_not_kept() {
        let cache = PolicyCache::default();
        let overtaken = cache
            .get_or_load(|| async {
                cache.forget();
                Ok((SecuritySettings::default(), Vec::new()))
            })
            .await
            .unwrap();
        assert!(cache.current.load().is_none());
        let next = Loads(AtomicUsize::new(0)).get(&cache).await;
        assert_eq!(next, Some(1));
        assert!(cache.current.load_full().unwrap().version > overtaken.version);
    }
}
