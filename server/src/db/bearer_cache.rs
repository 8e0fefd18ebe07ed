//! The store's read-through cache of bearer lookups, so that validating a token costs a
//! SHA-256 and a hash-map probe instead of a query.
//!
//! Correctness rests on one rule: every store method that changes what a lookup would answer
//! (expiring tokens, changing a user, rewriting scopes, adding a token) calls `forget_*` after
//! its write commits and before it returns, so nothing answers from before the change.
//! Changes this process cannot see (another Tessera on the same database, an operator's SQL)
//! are picked up when a known token's entry reaches its age limit. Misses need no age limit:
//! a token is stored before anyone learns its secret, so nobody can present it (and have it
//! remembered as unknown) before it exists, and this process forgets a miss when it stores
//! the token itself.

use app::rules::secret::SecretHash;
use app::store::{BearerToken, StoreResult, TokenId, UserId};
use quick_cache::sync::Cache;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Known tokens, live or not: their count is bounded by the tokens that exist, and a token
/// that ended is as worth remembering as a live one.
const KNOWN_CAPACITY: usize = 100_000;
/// Well-formed tokens that match nothing. Anyone can mint these, so they get their own,
/// smaller cache: a flood of them can only evict each other, never a known token.
const UNKNOWN_CAPACITY: usize = 10_000;
/// How long a known token's entry is trusted without asking the database again.
pub const MAX_AGE: Duration = Duration::from_secs(60);

pub struct BearerCache {
    known: Cache<SecretHash, (Arc<BearerToken>, Instant)>,
    unknown: Cache<SecretHash, ()>,
    max_age: Duration,
    /// Bumped by every invalidation, under `invalidating`. A lookup that read the database
    /// before an invalidation must not store what it read after it.
    generation: AtomicU64,
    invalidating: Mutex<()>,
    database_lookups: AtomicU64,
}

impl Default for BearerCache {
    fn default() -> Self {
        Self::new(KNOWN_CAPACITY, UNKNOWN_CAPACITY, MAX_AGE)
    }
}

impl BearerCache {
    pub fn new(known: usize, unknown: usize, max_age: Duration) -> Self {
        Self {
            known: Cache::new(known),
            unknown: Cache::new(unknown),
            max_age,
            generation: AtomicU64::new(0),
            invalidating: Mutex::new(()),
            database_lookups: AtomicU64::new(0),
        }
    }

    /// The token with this hash, from memory when possible, else from `query`.
    pub async fn find<F>(
        &self,
        hash: &SecretHash,
        query: F,
    ) -> StoreResult<Option<Arc<BearerToken>>>
    where
        F: Future<Output = StoreResult<Option<BearerToken>>>,
    {
        if let Some((found, stored)) = self.known.get(hash) {
            if stored.elapsed() < self.max_age {
                return Ok(Some(found));
            }
        } else if self.unknown.get(hash).is_some() {
            return Ok(None);
        }
        let generation = self.generation.load(Ordering::Acquire);
        self.database_lookups.fetch_add(1, Ordering::Relaxed);
        let found = query.await?.map(Arc::new);

        let _guard = self.lock();
        if self.generation.load(Ordering::Acquire) == generation {
            let now = Instant::now();
            match &found {
                Some(token) => {
                    self.unknown.remove(hash);
                    self.known.insert(hash.clone(), (token.clone(), now));
                }
                None => {
                    self.known.remove(hash);
                    self.unknown.insert(hash.clone(), ());
                }
            }
        }
        Ok(found)
    }

    /// A token was just stored under `hash`: a miss remembered for it is now wrong.
    pub fn forget_hash(&self, hash: &SecretHash) {
        self.invalidate(|cache| {
            cache.unknown.remove(hash);
            cache.known.remove(hash);
        });
    }

    pub fn forget_token(&self, token_id: TokenId) {
        self.invalidate(|cache| {
            cache
                .known
                .retain(|_, (found, _)| found.token.id != token_id)
        });
    }

    /// The user's role, name or tokens changed.
    pub fn forget_user(&self, user_id: UserId) {
        self.invalidate(|cache| {
            cache
                .known
                .retain(|_, (found, _)| found.owner.id != user_id)
        });
    }

    /// Changes that touch many tokens at once (a permission removed from all of them, a
    /// bulk insert).
    pub fn forget_all(&self) {
        self.invalidate(|cache| {
            cache.known.clear();
            cache.unknown.clear();
        });
    }

    /// How many lookups reached the database since start-up.
    pub fn database_lookups(&self) -> u64 {
        self.database_lookups.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        (self.known.len(), self.unknown.len())
    }

    fn invalidate(&self, change: impl FnOnce(&Self)) {
        let _guard = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        change(self);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.invalidating
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::store::{TokenRecord, TokenRestrictions, UserSummary};
    use app::users::Role;
    use chrono::Utc;

    fn bearer(token_id: TokenId, user_id: UserId) -> BearerToken {
        BearerToken {
            token: TokenRecord {
                id: token_id,
                user_id,
                label: "t".into(),
                hint: "abcd".into(),
                created_at: Utc::now(),
                expires_at: None,
                expired_at: None,
                expired_by: None,
                last_used_at: None,
                last_used_ip: None,
                restrictions: TokenRestrictions::default(),
            },
            owner: UserSummary {
                id: user_id,
                username: "u".into(),
                display_name: "U".into(),
                role: Role::User,
            },
        }
    }

    async fn find(cache: &BearerCache, key: &str, answer: Option<BearerToken>) -> Option<TokenId> {
        cache
            .find(&SecretHash::of(key), async { Ok(answer) })
            .await
            .unwrap()
            .map(|found| found.token.id)
    }

    #[tokio::test]
    async fn hits_and_misses_are_remembered() {
        let cache = BearerCache::default();
        assert_eq!(find(&cache, "a", Some(bearer(1, 10))).await, Some(1));
        assert_eq!(find(&cache, "a", None).await, Some(1), "served from memory");
        assert_eq!(find(&cache, "b", None).await, None);
        assert_eq!(
            find(&cache, "b", Some(bearer(2, 10))).await,
            None,
            "miss remembered"
        );
        assert_eq!(cache.database_lookups(), 2);
    }

    #[tokio::test]
    async fn forgetting_reaches_the_database_again() {
        let cache = BearerCache::default();
        find(&cache, "a", Some(bearer(1, 10))).await;
        find(&cache, "b", Some(bearer(2, 20))).await;
        find(&cache, "c", None).await;

        cache.forget_token(1);
        assert_eq!(find(&cache, "a", None).await, None);
        cache.forget_user(20);
        assert_eq!(find(&cache, "b", None).await, None);
        cache.forget_hash(&SecretHash::of("c"));
        assert_eq!(find(&cache, "c", Some(bearer(3, 30))).await, Some(3));
        cache.forget_all();
        assert_eq!(find(&cache, "c", None).await, None);
        assert_eq!(cache.database_lookups(), 7);
    }

    #[tokio::test]
    async fn known_tokens_are_trusted_for_their_age_limit_only() {
        let cache = BearerCache::new(10, 10, Duration::from_millis(50));
        find(&cache, "a", Some(bearer(1, 10))).await;
        find(&cache, "b", None).await;
        assert_eq!(find(&cache, "a", None).await, Some(1));
        tokio::time::sleep(Duration::from_millis(60)).await;
        // Deleted behind this process's back.
        assert_eq!(find(&cache, "a", None).await, None);
        assert_eq!(
            find(&cache, "b", Some(bearer(2, 10))).await,
            None,
            "misses keep"
        );
        assert_eq!(cache.database_lookups(), 3);
    }

    #[tokio::test]
    async fn a_lookup_overtaken_by_an_invalidation_is_not_kept() {
        let cache = BearerCache::default();
        let hash = SecretHash::of("a");
        let stale = cache.find(&hash, async {
            // The token is expired while its old row is in flight.
            cache.forget_token(1);
            Ok(Some(bearer(1, 10)))
        });
        assert!(stale.await.unwrap().is_some());
        assert_eq!(cache.len(), (0, 0));
    }

    #[tokio::test]
    async fn unknown_tokens_cannot_grow_memory_without_bound() {
        let cache = BearerCache::new(100, 50, MAX_AGE);
        find(&cache, "known", Some(bearer(1, 10))).await;
        for i in 0..5_000 {
            find(&cache, &format!("unknown {i}"), None).await;
        }
        let (known, unknown) = cache.len();
        assert_eq!(
            known, 1,
            "a flood of unknown tokens does not evict known ones"
        );
        assert!(unknown <= 60, "{unknown} misses kept");
    }
}
