//! The store's read-through cache of bearer lookups, so that validating a token costs a
//! SHA-256 and a hash-map probe instead of a query.
//!
//! Correctness rests on one rule: every store method that changes what a lookup would answer
//! (expiring tokens, changing a user, rewriting scopes, adding a token) calls `forget_*` after
//! its write commits and before it returns, so nothing answers from before the change.
//! Changes this process cannot see (another Tessera on the same database, an operator's SQL)
//! are picked up when a known token's entry reaches its age limit; a token in steady use is
//! asked again in the background a little before that, so its checks never wait for the
//! database. Misses need no age limit:
//! a token is stored before anyone learns its secret, so nobody can present it (and have it
//! remembered as unknown) before it exists, and this process forgets a miss when it stores
//! the token itself.

use crate::bearer::known::KnownToken;
use app::rules::secret::SecretHash;
use app::store::{BearerToken, StoreResult, TokenId, UserId};
use quick_cache::sync::Cache;
use std::collections::HashSet;
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
    known: Cache<SecretHash, Known>,
    /// Known tokens being asked again in the background, so that only one lookup runs for
    /// each. Touched only once an entry is due for renewal, not on every check.
    renewing: Mutex<HashSet<SecretHash>>,
    unknown: Cache<SecretHash, ()>,
    max_age: Duration,
    /// Bumped by every invalidation, under `invalidating`. A lookup that read the database
    /// before an invalidation must not store what it read after it.
    generation: AtomicU64,
    invalidating: Mutex<()>,
    database_lookups: AtomicU64,
}

/// A token the database gave, with the moments its entry ages: deadlines rather than the
/// time it was stored, so that each check compares the clock once instead of subtracting.
#[derive(Clone)]
struct Known {
    found: Arc<KnownToken>,
    /// From here on, the next check asks the database again in the background.
    renew_from: Instant,
    /// From here on, the entry is not trusted at all.
    stale_from: Instant,
}

/// What memory holds for a hash.
enum Recall {
    /// A known token, trusted as it is.
    Fresh(Arc<KnownToken>),
    /// A known token, still trusted, whose entry should be renewed.
    Due(Arc<KnownToken>),
    /// A well-formed token known to match nothing.
    Unknown,
    /// Nothing, or an entry past its age limit: only the database can say.
    Absent,
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
            renewing: Mutex::new(HashSet::new()),
            database_lookups: AtomicU64::new(0),
        }
    }

    /// The token with this hash, from memory when possible, else from `query`.
    pub async fn find<Q, F>(
        self: &Arc<Self>,
        hash: &SecretHash,
        query: Q,
    ) -> StoreResult<Option<Arc<KnownToken>>>
    where
        Q: FnOnce(SecretHash) -> F,
        F: Future<Output = StoreResult<Option<BearerToken>>> + Send + 'static,
    {
        match self.recall(hash) {
            Recall::Absent => self.look_up(hash, query(hash.clone())).await,
            recalled => Ok(self.answer(hash, recalled, query)),
        }
    }

    /// What memory says of this hash, without waiting: `Some(None)` for a token known not to
    /// exist, `None` when the database must be asked. An entry due for renewal (in the last
    /// quarter of its age limit) is answered while `query` runs in the background (on the
    /// Tokio runtime) to renew it.
    pub fn remembered<Q, F>(
        self: &Arc<Self>,
        hash: &SecretHash,
        query: Q,
    ) -> Option<Option<Arc<KnownToken>>>
    where
        Q: FnOnce(SecretHash) -> F,
        F: Future<Output = StoreResult<Option<BearerToken>>> + Send + 'static,
    {
        match self.recall(hash) {
            Recall::Absent => None,
            recalled => Some(self.answer(hash, recalled, query)),
        }
    }

    fn recall(&self, hash: &SecretHash) -> Recall {
        let Some(known) = self.known.get(hash) else {
            return match self.unknown.get(hash) {
                Some(()) => Recall::Unknown,
                None => Recall::Absent,
            };
        };
        let now = Instant::now();
        if now < known.renew_from {
            Recall::Fresh(known.found)
        } else if now < known.stale_from {
            Recall::Due(known.found)
        } else {
            Recall::Absent
        }
    }

    /// The answer for what memory recalled, starting the renewal of an entry that is due.
    fn answer<Q, F>(
        self: &Arc<Self>,
        hash: &SecretHash,
        recalled: Recall,
        query: Q,
    ) -> Option<Arc<KnownToken>>
    where
        Q: FnOnce(SecretHash) -> F,
        F: Future<Output = StoreResult<Option<BearerToken>>> + Send + 'static,
    {
        match recalled {
            Recall::Fresh(found) => Some(found),
            Recall::Due(found) => {
                if self.lock_renewing().insert(hash.clone()) {
                    self.renew_in_background(hash.clone(), query(hash.clone()));
                }
                Some(found)
            }
            Recall::Unknown | Recall::Absent => None,
        }
    }

    fn renew_in_background<F>(self: &Arc<Self>, hash: SecretHash, lookup: F)
    where
        F: Future<Output = StoreResult<Option<BearerToken>>> + Send + 'static,
    {
        tracing::debug!("renewing a cached token in the background");
        let cache = self.clone();
        tokio::spawn(async move {
            if let Err(error) = cache.look_up(&hash, lookup).await {
                // The entry stays as it was, and is asked again in the foreground once it
                // reaches its age limit.
                tracing::warn!(%error, "could not renew a cached token");
            }
            cache.lock_renewing().remove(&hash);
        });
    }

    /// Asks the database, and remembers the answer unless something changed meanwhile.
    async fn look_up<F>(&self, hash: &SecretHash, lookup: F) -> StoreResult<Option<Arc<KnownToken>>>
    where
        F: Future<Output = StoreResult<Option<BearerToken>>>,
    {
        let generation = self.generation.load(Ordering::Acquire);
        self.database_lookups.fetch_add(1, Ordering::Relaxed);
        let found = lookup.await?.map(|found| Arc::new(KnownToken::new(found)));

        let _guard = self.lock();
        if self.generation.load(Ordering::Acquire) == generation {
            match &found {
                Some(token) => {
                    self.unknown.remove(hash);
                    let now = Instant::now();
                    let known = Known {
                        found: token.clone(),
                        renew_from: now + self.max_age * 3 / 4,
                        stale_from: now + self.max_age,
                    };
                    self.known.insert(hash.clone(), known);
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
        self.invalidate(|cache| cache.known.retain(|_, known| known.found.id() != token_id));
    }

    /// The user's role, name or tokens changed.
    pub fn forget_user(&self, user_id: UserId) {
        self.invalidate(|cache| {
            cache
                .known
                .retain(|_, known| known.found.owner.id != user_id)
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
        crate::bearer::lock(&self.invalidating)
    }

    fn lock_renewing(&self) -> std::sync::MutexGuard<'_, HashSet<SecretHash>> {
        crate::bearer::lock(&self.renewing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bearer;

    async fn find(
        cache: &Arc<BearerCache>,
        key: &str,
        answer: Option<BearerToken>,
    ) -> Option<TokenId> {
        cache
            .find(&SecretHash::of(key), |_| async { Ok(answer) })
            .await
            .unwrap()
            .map(|found| found.token.id)
    }

    fn cache(known: usize, unknown: usize, max_age: Duration) -> Arc<BearerCache> {
        Arc::new(BearerCache::new(known, unknown, max_age))
    }

    #[tokio::test]
    async fn hits_and_misses_are_remembered() {
        let cache = Arc::new(BearerCache::default());
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
        let cache = Arc::new(BearerCache::default());
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
        let cache = cache(10, 10, Duration::from_millis(50));
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
    async fn a_token_in_use_is_renewed_in_the_background_before_its_age_limit() {
        // Renewal starts at 3 s; the margins are for a loaded CI machine.
        let cache = cache(10, 10, Duration::from_secs(4));
        find(&cache, "a", Some(bearer(1, 10))).await;
        tokio::time::sleep(Duration::from_millis(3_200)).await;

        // The database now has another answer (say, changed by another Tessera).
        let renewed = || Some(bearer(1, 99));
        let answer = cache
            .find(&SecretHash::of("a"), |_| async move { Ok(renewed()) })
            .await
            .unwrap();
        assert_eq!(answer.unwrap().owner.id, 10, "answered from memory at once");
        // Checks meanwhile start no second lookup, and soon see the renewed answer.
        let mut owner = 10;
        for _ in 0..100 {
            owner = cache
                .find(&SecretHash::of("a"), |_| async { Ok(Some(bearer(1, 55))) })
                .await
                .unwrap()
                .unwrap()
                .owner
                .id;
            if owner != 10 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(owner, 99, "the renewed answer");
        assert_eq!(cache.database_lookups(), 2, "one lookup, in the background");
    }

    #[tokio::test]
    async fn a_lookup_overtaken_by_an_invalidation_is_not_kept() {
        let cache = Arc::new(BearerCache::default());
        let hash = SecretHash::of("a");
        let expiring = cache.clone();
        let stale = cache.find(&hash, |_| async move {
            // The token is expired while its old row is in flight.
            expiring.forget_token(1);
            Ok(Some(bearer(1, 10)))
        });
        assert!(stale.await.unwrap().is_some());
        assert_eq!(cache.len(), (0, 0));
    }

    #[tokio::test]
    async fn unknown_tokens_cannot_grow_memory_without_bound() {
        let cache = cache(100, 50, MAX_AGE);
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
