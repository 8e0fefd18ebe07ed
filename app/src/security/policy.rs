//! The company policy every sign-in and every token use consults, kept in memory: it
//! changes only when an admin saves it, and validating a token must not cost a query for it.

use crate::rules::expiry::LifetimePolicy;
use crate::rules::network::{allowlist_admits, AllowlistEntry};
use crate::rules::permission::Permission;
use crate::store::{Store, StoreResult};
use std::cell::RefCell;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use thread_local::ThreadLocal;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Which reading of the settings this is: every reload counts up, and every copy of a
    /// reading keeps its number.
    pub version: u64,
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
    /// The version in `current`, readable without the lock.
    latest: AtomicU64,
    /// Each thread's own copy of `current`. Every token check holds the policy; a lock and
    /// a reference count that every check on every core writes would move between the
    /// cores' caches each time.
    per_thread: ThreadLocal<RefCell<Option<Arc<Policy>>>>,
    /// One reload at a time: two admins saving at once must not leave the first save's
    /// reading, finished last, in place of the second's.
    reloading: tokio::sync::Mutex<()>,
}

impl PolicyCache {
    pub async fn get(&self, store: &dyn Store) -> StoreResult<Arc<Policy>> {
        if let Some(policy) = self.current() {
            return Ok(policy);
        }
        let _one_at_a_time = self.reloading.lock().await;
        // The first requests after start-up all find nothing: one loads, and the others
        // take what it loaded rather than each publishing a version of their own.
        if let Some(policy) = self.current() {
            return Ok(policy);
        }
        self.load(store).await
    }

    /// The policy in memory; None before it was first loaded.
    pub fn current(&self) -> Option<Arc<Policy>> {
        let latest = self.latest.load(Ordering::Acquire);
        let mut copy = self.per_thread.get_or_default().borrow_mut();
        if let Some(policy) = copy.as_ref().filter(|policy| policy.version >= latest) {
            return Some(policy.clone());
        }
        let shared = self.read().clone()?;
        let own = Arc::new(Policy::clone(&shared));
        *copy = Some(own.clone());
        Some(own)
    }

    /// Reads the policy from the store; call after every change to it.
    pub async fn reload(&self, store: &dyn Store) -> StoreResult<Arc<Policy>> {
        let _one_at_a_time = self.reloading.lock().await;
        self.load(store).await
    }

    /// Under `reloading`.
    async fn load(&self, store: &dyn Store) -> StoreResult<Arc<Policy>> {
        let settings = store.security_settings().await?;
        let permissions = store.permissions().await?;
        Ok(self.publish(Policy {
            version: 0,
            lifetime: settings.lifetime,
            allowlist: settings.allowlist,
            permissions,
        }))
    }

    /// Makes `policy` the current one, under the next version number.
    fn publish(&self, mut policy: Policy) -> Arc<Policy> {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        policy.version = self.latest.load(Ordering::Acquire) + 1;
        let policy = Arc::new(policy);
        *current = Some(policy.clone());
        self.latest.store(policy.version, Ordering::Release);
        policy
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Arc<Policy>>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::network::AllowlistEntry;

    fn allowing(address: &str, bits: u8) -> Policy {
        Policy {
            allowlist: vec![AllowlistEntry::parse(address, bits).unwrap()],
            ..Policy::default()
        }
    }

    #[test]
    fn nothing_is_current_before_the_first_load() {
        assert_eq!(PolicyCache::default().current(), None);
    }

    #[test]
    fn every_thread_sees_each_new_policy_in_a_copy_of_its_own() {
        let cache = PolicyCache::default();
        cache.publish(allowing("10.0.0.0", 8));
        // Two threads alive at once: one that ended could hand its slot to the next.
        let readers = |cache: &PolicyCache| {
            let both_read = std::sync::Barrier::new(2);
            std::thread::scope(|scope| {
                let read = || {
                    scope.spawn(|| {
                        let policy = cache.current().unwrap();
                        both_read.wait();
                        policy
                    })
                };
                let (a, b) = (read(), read());
                (a.join().unwrap(), b.join().unwrap())
            })
        };

        let (a, b) = readers(&cache);
        assert_eq!((a.version, b.version), (1, 1));
        assert_eq!(a.allowlist, allowing("10.0.0.0", 8).allowlist);
        assert!(!Arc::ptr_eq(&a, &b), "each thread holds its own copy");

        cache.publish(allowing("192.168.0.0", 16));
        let (a, b) = readers(&cache);
        assert_eq!((a.version, b.version), (2, 2));
        assert_eq!(b.allowlist, allowing("192.168.0.0", 16).allowlist);
    }

    #[test]
    fn a_thread_that_read_the_old_policy_reads_the_new_one_next() {
        let cache = PolicyCache::default();
        cache.publish(allowing("10.0.0.0", 8));
        let before = cache.current().unwrap();
        assert!(
            Arc::ptr_eq(&before, &cache.current().unwrap()),
            "its copy is kept"
        );

        cache.publish(allowing("192.168.0.0", 16));
        let after = cache.current().unwrap();
        assert_eq!(after.version, 2);
        assert_eq!(after.allowlist, allowing("192.168.0.0", 16).allowlist);
    }
}
