//! The read-through cache of token lookups, so that a check of a token in use costs a
//! SHA-256 and a hash-table probe instead of a query.
//!
//! Entries live until a change event forgets them (`crate::changes`), and are believed only
//! while the change listener is proven to hear (`ListenerProof`); otherwise every check asks
//! the database. A lookup that began before an invalidation never stores what it read: it may
//! predate the change.

use super::lock;
use super::store::TokenLookup;
use super::token::CachedToken;
use crate::changes::ListenerProof;
use crate::metrics::{record_cache_lookup, CacheAnswer};
use app::rules::secret::SecretHash;
use app::store::{StoreResult, UserId};
use quick_cache::sync::Cache;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Tokens that exist, whatever their status: bounded by the tokens the database holds.
const KNOWN_CAPACITY: usize = 100_000;
/// Well-formed tokens that match nothing. Anyone can invent these, so they get a smaller cache
/// of their own: a flood of them evicts only each other, never a known token.
const UNKNOWN_CAPACITY: usize = 10_000;

pub struct TokenCache {
    known: Cache<SecretHash, Arc<CachedToken>>,
    unknown: Cache<SecretHash, ()>,
    proof: Arc<ListenerProof>,
    /// Bumped by every invalidation, under `invalidating`.
    generation: AtomicU64,
    invalidating: Mutex<()>,
}

impl TokenCache {
    pub fn new(proof: Arc<ListenerProof>) -> Self {
        Self::with_capacity(proof, KNOWN_CAPACITY, UNKNOWN_CAPACITY)
    }

    pub fn with_capacity(proof: Arc<ListenerProof>, known: usize, unknown: usize) -> Self {
        Self {
            known: Cache::new(known),
            unknown: Cache::new(unknown),
            proof,
            generation: AtomicU64::new(0),
            invalidating: Mutex::new(()),
        }
    }

    /// The token with this hash, from memory when it may be believed, else from `source`.
    pub async fn find(
        &self,
        hash: &SecretHash,
        source: &dyn TokenLookup,
    ) -> StoreResult<Option<Arc<CachedToken>>> {
        let trusted = self.proof.trusted();
        if trusted {
            if let Some(token) = self.known.get(hash) {
                record_cache_lookup(CacheAnswer::Known);
                return Ok(Some(token));
            }
            if self.unknown.get(hash).is_some() {
                record_cache_lookup(CacheAnswer::Unknown);
                return Ok(None);
            }
        }
        record_cache_lookup(CacheAnswer::Database);
        let generation = self.generation.load(Ordering::Acquire);
        tracing::debug!("a check waits for a database lookup");
        let found = source
            .token_by_hash(hash)
            .await?
            .map(|row| Arc::new(CachedToken::new(row)));
        let _invalidations_wait = lock(&self.invalidating);
        if trusted && self.generation.load(Ordering::Acquire) == generation {
            match &found {
                Some(token) => self.known.insert(hash.clone(), token.clone()),
                None => self.unknown.insert(hash.clone(), ()),
            }
        }
        Ok(found)
    }

    /// The token with this hash if memory holds it and may be believed; never asks the
    /// database.
    pub fn remembered(&self, hash: &SecretHash) -> Option<Arc<CachedToken>> {
        if !self.proof.trusted() {
            return None;
        }
        let token = self.known.get(hash)?;
        record_cache_lookup(CacheAnswer::Known);
        Some(token)
    }

    /// How many known tokens and unknown secrets memory holds.
    pub fn sizes(&self) -> (usize, usize) {
        (self.known.len(), self.unknown.len())
    }

    /// The token was created, expired or changed.
    pub fn forget_token(&self, hash: &SecretHash) {
        self.invalidate(|| {
            self.known.remove(hash);
            self.unknown.remove(hash);
        });
    }

    /// The user's role or status changed, or their tokens did.
    pub fn forget_user(&self, user_id: UserId) {
        self.invalidate(|| self.known.retain(|_, token| token.owner.id != user_id));
    }

    pub fn forget_all(&self) {
        self.invalidate(|| {
            self.known.clear();
            self.unknown.clear();
        });
    }

    fn invalidate(&self, forget: impl FnOnce()) {
        let _lookups_wait = lock(&self.invalidating);
        self.generation.fetch_add(1, Ordering::AcqRel);
        forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bearer;
    use app::store::BearerToken;
    use std::collections::HashMap;

    /// The database, as a table the test edits; it counts the queries.
    #[derive(Default)]
    struct Table {
        rows: Mutex<HashMap<SecretHash, BearerToken>>,
        queries: AtomicU64,
        /// Runs while a query is in flight, as another request would.
        meanwhile: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    }

    impl Table {
        fn set(&self, key: &str, row: Option<BearerToken>) {
            let mut rows = self.rows.lock().unwrap();
            match row {
                Some(row) => rows.insert(SecretHash::of(key), row),
                None => rows.remove(&SecretHash::of(key)),
            };
        }

        fn queries(&self) -> u64 {
            self.queries.load(Ordering::Relaxed)
        }
    }

    #[async_trait::async_trait]
    impl TokenLookup for Table {
        async fn token_by_hash(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>> {
            self.queries.fetch_add(1, Ordering::Relaxed);
            if let Some(meanwhile) = self.meanwhile.lock().unwrap().take() {
                meanwhile();
            }
            Ok(self.rows.lock().unwrap().get(hash).cloned())
        }
    }

    fn trusting_cache() -> Arc<TokenCache> {
        Arc::new(TokenCache::new(Arc::new(ListenerProof::never_needed())))
    }

    async fn find(cache: &TokenCache, table: &Table, key: &str) -> Option<i64> {
        let found = cache.find(&SecretHash::of(key), table).await.unwrap();
        found.map(|token| token.id())
    }

    #[tokio::test]
    async fn hits_and_misses_are_remembered() {
        let (cache, table) = (trusting_cache(), Table::default());
        table.set("a", Some(bearer(1, 10)));
        assert_eq!(find(&cache, &table, "a").await, Some(1));
        table.set("a", None);
        assert_eq!(find(&cache, &table, "a").await, Some(1), "from memory");
        assert_eq!(find(&cache, &table, "b").await, None);
        table.set("b", Some(bearer(2, 10)));
        assert_eq!(
            find(&cache, &table, "b").await,
            None,
            "the miss is remembered"
        );
        assert_eq!(table.queries(), 2);
    }

    #[tokio::test]
    async fn each_kind_of_forgetting_reaches_the_database_again() {
        let (cache, table) = (trusting_cache(), Table::default());
        table.set("a", Some(bearer(1, 10)));
        table.set("b", Some(bearer(2, 20)));
        table.set("b2", Some(bearer(3, 20)));
        table.set("c", Some(bearer(4, 30)));
        for key in ["a", "b", "b2", "c", "unknown"] {
            find(&cache, &table, key).await;
        }
        table.set("a", Some(bearer(11, 10)));
        table.set("b", Some(bearer(12, 20)));
        table.set("b2", Some(bearer(13, 20)));
        table.set("c", Some(bearer(14, 30)));
        table.set("unknown", Some(bearer(15, 30)));

        cache.forget_token(&SecretHash::of("a"));
        assert_eq!(find(&cache, &table, "a").await, Some(11));
        assert_eq!(find(&cache, &table, "c").await, Some(4), "others are kept");
        cache.forget_user(20);
        assert_eq!(find(&cache, &table, "b").await, Some(12));
        assert_eq!(find(&cache, &table, "b2").await, Some(13));
        assert_eq!(find(&cache, &table, "c").await, Some(4));
        cache.forget_token(&SecretHash::of("unknown"));
        assert_eq!(
            find(&cache, &table, "unknown").await,
            Some(15),
            "a miss forgotten"
        );
        cache.forget_all();
        assert_eq!(find(&cache, &table, "c").await, Some(14));
        assert_eq!(table.queries(), 5 + 5);
    }

    #[tokio::test]
    async fn a_lookup_overtaken_by_an_invalidation_is_not_kept() {
        let (cache, table) = (trusting_cache(), Arc::new(Table::default()));
        table.set("a", Some(bearer(1, 10)));
        let forgetting = cache.clone();
        *table.meanwhile.lock().unwrap() = Some(Box::new(move || {
            forgetting.forget_token(&SecretHash::of("a"));
        }));
        assert_eq!(find(&cache, &table, "a").await, Some(1), "answered");
        assert_eq!(find(&cache, &table, "a").await, Some(1));
        assert_eq!(table.queries(), 2, "but not kept");
    }

    #[tokio::test]
    async fn without_proof_every_check_asks_the_database_and_nothing_is_kept() {
        let proof = Arc::new(ListenerProof::needed());
        let (cache, table) = (TokenCache::new(proof.clone()), Table::default());
        table.set("a", Some(bearer(1, 10)));
        find(&cache, &table, "a").await;
        find(&cache, &table, "a").await;
        assert_eq!(table.queries(), 2);
        proof.prove(std::time::Instant::now());
        find(&cache, &table, "a").await;
        find(&cache, &table, "a").await;
        assert_eq!(table.queries(), 3, "kept once proven");
        proof.lose();
        table.set("a", None);
        assert_eq!(
            find(&cache, &table, "a").await,
            None,
            "not read from memory"
        );
    }

    #[tokio::test]
    async fn invented_tokens_cannot_grow_memory_or_evict_known_ones() {
        let proof = Arc::new(ListenerProof::never_needed());
        let (cache, table) = (TokenCache::with_capacity(proof, 100, 50), Table::default());
        table.set("known", Some(bearer(1, 10)));
        find(&cache, &table, "known").await;
        for i in 0..5_000 {
            find(&cache, &table, &format!("invented {i}")).await;
        }
        assert!(
            cache.unknown.len() <= 60,
            "{} misses kept",
            cache.unknown.len()
        );
        assert_eq!(cache.known.len(), 1);
        let queries = table.queries();
        assert_eq!(find(&cache, &table, "known").await, Some(1));
        assert_eq!(table.queries(), queries, "still known");
    }
}
