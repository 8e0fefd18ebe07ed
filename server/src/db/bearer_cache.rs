//! The store's read-through cache of bearer lookups, so that validating a token costs a
//! SHA-256 and a hash-table probe instead of a query.
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
//!
//! Renewals are asked in batches: a query per token cost the server about 150 µs of CPU
//! each (bench/renewal-cost.sh: a spawned task, a round trip to SQLite's worker thread, the
//! answers rendered again), with thousands of tokens in use a steady tax on the checks
//! sharing its cores. A wait of a sixtieth of the age limit gathers the entries falling due
//! into one query. When they fall due is spread over the age limit's third quarter
//! (`renewal_delay`), so that tokens first used together are not all asked again at once.

use super::known_tokens::KnownTokens;
use crate::bearer::known::KnownToken;
use app::rules::secret::SecretHash;
use app::store::{BearerToken, StoreResult, TokenId, UserId};
use quick_cache::sync::Cache;
use std::collections::HashMap;
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
/// The most tokens one renewal query asks for: its rows are read on the cores that answer
/// checks, a millisecond or so of work for this many.
pub const RENEWAL_BATCH: usize = 64;
/// The pause between two renewal queries when more tokens wait than one query takes. Asked
/// back to back, the second's worth of due tokens that a wait gathers (hundreds with
/// thousands of tokens in use) came as one stretch of database work on the checks' core:
/// with 10,000 tokens spread over 15 s, the seconds of renewals had a p99 of 2–3 ms at 64
/// connections instead of about 1 ms. Paced, the queries came 12–16 ms apart under load,
/// 4,000–5,000 tokens a second, more than the cache's 100,000 tokens need (2,700).
const RENEWAL_PACE: Duration = Duration::from_millis(10);

/// Where the cache's answers come from: the database, or a test's table.
pub trait BearerSource: Clone + Send + Sync + 'static {
    /// The tokens among `hashes` that exist, each with its hash; the others do not exist.
    fn bearers(
        &self,
        hashes: Vec<SecretHash>,
    ) -> impl Future<Output = StoreResult<Vec<(SecretHash, BearerToken)>>> + Send;
}

pub struct BearerCache {
    known: KnownTokens,
    unknown: Cache<SecretHash, ()>,
    renewals: Mutex<Renewals>,
    max_age: Duration,
    /// The origin of the tokens' deadlines (`KnownToken::set_deadlines`).
    started: Instant,
    /// Bumped by every invalidation, under `invalidating`. A lookup that read the database
    /// before an invalidation must not store what it read after it.
    generation: AtomicU64,
    invalidating: Mutex<()>,
    database_lookups: AtomicU64,
}

/// Entries due for renewal. Locked once per entry that falls due, by the check that claims
/// its renewal (`KnownToken::claim_renewal`), not by the checks after it.
#[derive(Default)]
struct Renewals {
    /// Waiting for the next query, oldest first.
    waiting: Vec<Arc<KnownToken>>,
    /// A task is gathering and asking batches.
    running: bool,
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
            known: KnownTokens::new(known),
            unknown: Cache::new(unknown),
            renewals: Mutex::default(),
            max_age,
            started: Instant::now(),
            generation: AtomicU64::new(0),
            invalidating: Mutex::new(()),
            database_lookups: AtomicU64::new(0),
        }
    }

    /// The token with this hash, from memory when possible, else from `source`.
    pub async fn find(
        self: &Arc<Self>,
        hash: &SecretHash,
        source: &impl BearerSource,
    ) -> StoreResult<Option<Arc<KnownToken>>> {
        match self.recall(hash) {
            Recall::Absent => {
                // Counted by bench/validation.sh: in steady use, no check should get here.
                tracing::debug!("a check waits for a database lookup");
                let found = self.look_up(vec![hash.clone()], source).await?;
                Ok(found.into_iter().next().map(|(_, token)| token))
            }
            recalled => Ok(self.answer(recalled, source)),
        }
    }

    /// What memory says of this hash, without waiting: `Some(None)` for a token known not to
    /// exist, `None` when the database must be asked. An entry due for renewal (from a point in
    /// the third quarter of its age limit on) is answered at once, and queued for the next
    /// background query to `source` (on the Tokio runtime).
    pub fn remembered(
        self: &Arc<Self>,
        hash: &SecretHash,
        source: &impl BearerSource,
    ) -> Option<Option<Arc<KnownToken>>> {
        match self.recall(hash) {
            Recall::Absent => None,
            recalled => Some(self.answer(recalled, source)),
        }
    }

    fn recall(&self, hash: &SecretHash) -> Recall {
        let Some(found) = self.known.get(hash) else {
            return match self.unknown.get(hash) {
                Some(()) => Recall::Unknown,
                None => Recall::Absent,
            };
        };
        let now = self.now();
        if now < found.renew_from() {
            Recall::Fresh(found)
        } else if now < found.stale_from() {
            Recall::Due(found)
        } else {
            Recall::Absent
        }
    }

    /// The answer for what memory recalled, queueing the renewal of an entry that is due.
    fn answer(
        self: &Arc<Self>,
        recalled: Recall,
        source: &impl BearerSource,
    ) -> Option<Arc<KnownToken>> {
        match recalled {
            Recall::Fresh(found) => Some(found),
            Recall::Due(found) => {
                if found.claim_renewal() {
                    self.queue_renewal(&found, source);
                }
                Some(found)
            }
            Recall::Unknown | Recall::Absent => None,
        }
    }

    fn queue_renewal(self: &Arc<Self>, found: &Arc<KnownToken>, source: &impl BearerSource) {
        let mut renewals = self.lock_renewals();
        renewals.waiting.push(found.clone());
        if !std::mem::replace(&mut renewals.running, true) {
            drop(renewals);
            let cache = self.clone();
            tokio::spawn(cache.renew(source.clone()));
        }
    }

    /// Asks for the waiting entries, a batch at a time, until none is left.
    async fn renew(self: Arc<Self>, source: impl BearerSource) {
        let gathering = self.max_age / 60;
        loop {
            let pause = if self.lock_renewals().waiting.len() < RENEWAL_BATCH {
                gathering
            } else {
                RENEWAL_PACE
            };
            tokio::time::sleep(pause).await;
            let batch = {
                let mut renewals = self.lock_renewals();
                if renewals.waiting.is_empty() {
                    renewals.running = false;
                    return;
                }
                let size = renewals.waiting.len().min(RENEWAL_BATCH);
                renewals.waiting.drain(..size).collect::<Vec<_>>()
            };
            let hashes: Vec<SecretHash> = batch
                .iter()
                .map(|token| token.secret_hash().clone())
                .collect();
            tracing::debug!(
                tokens = batch.len(),
                "renewing cached tokens in the background"
            );
            if let Err(error) = self.look_up(hashes, &source).await {
                // The entries stay as they were; the next check of each queues it again, and
                // once one reaches its age limit, its check asks in the foreground.
                tracing::warn!(%error, tokens = batch.len(), "could not renew cached tokens");
            }
            // A kept entry is due again only at its new deadline; a replaced one is dropped.
            for token in batch {
                token.renewal_done();
            }
        }
    }

    /// Asks the database, and remembers the answers unless something changed meanwhile. An
    /// entry whose lookup answers as before is kept, with its rendered answers and its notes.
    async fn look_up(
        &self,
        hashes: Vec<SecretHash>,
        source: &impl BearerSource,
    ) -> StoreResult<Vec<(SecretHash, Arc<KnownToken>)>> {
        let generation = self.generation.load(Ordering::Acquire);
        self.database_lookups.fetch_add(1, Ordering::Relaxed);
        let mut rows: HashMap<SecretHash, BearerToken> =
            source.bearers(hashes.clone()).await?.into_iter().collect();

        let _guard = self.lock();
        let current = self.generation.load(Ordering::Acquire) == generation;
        let now = self.now();
        let stale_from = now + nanos(self.max_age);
        let mut found = Vec::with_capacity(rows.len());
        for hash in hashes {
            let Some(row) = rows.remove(&hash) else {
                if current {
                    self.known.remove(&hash);
                    self.unknown.insert(hash, ());
                }
                continue;
            };
            let (token, kept) = match self.known.get(&hash) {
                Some(kept) if kept.answers_as(&row) => (kept, true),
                _ => (Arc::new(KnownToken::new(hash.clone(), row)), false),
            };
            if current {
                token.set_deadlines(now + self.renewal_delay(&hash), stale_from);
                // A kept entry is in the table already (only this method, under this lock,
                // adds or evicts), and so not among the unknown: only a new one costs the
                // table's write lock.
                if !kept {
                    self.unknown.remove(&hash);
                    self.known.insert(token.clone(), now);
                }
            }
            found.push((hash, token));
        }
        Ok(found)
    }

    /// How long after a lookup its renewal falls due: somewhere in the third quarter of the
    /// age limit, by the token's hash, so that a token still has a quarter of it (15 s) to
    /// be checked, and renewed, before it is stale. Tokens first used together (a client
    /// starting, a benchmark) would otherwise fall due together, and thousands of renewals
    /// at once held up the checks sharing their core: with 10,000 tokens in use, the second in
    /// which they all fell due had a p99 of 44 ms at 64 connections (wrk on `/me`, 1 s runs).
    /// Spread, their queries still fill batches: thousands of tokens in use fall due by
    /// hundreds a second.
    fn renewal_delay(&self, hash: &SecretHash) -> u64 {
        let window = nanos(self.max_age / 4).max(1);
        // Not the bytes the table hashes by, though any bytes of a SHA-256 would do.
        let bytes = hash.as_bytes()[8..].first_chunk::<8>().expect("32 bytes");
        nanos(self.max_age / 2) + u64::from_le_bytes(*bytes) % window
    }

    /// A token was just stored under `hash`: a miss remembered for it is now wrong.
    pub fn forget_hash(&self, hash: &SecretHash) {
        self.invalidate(|cache| {
            cache.unknown.remove(hash);
            cache.known.remove(hash);
        });
    }

    pub fn forget_token(&self, token_id: TokenId) {
        self.invalidate(|cache| cache.known.retain(|token| token.id() != token_id));
    }

    /// The user's role, name or tokens changed.
    pub fn forget_user(&self, user_id: UserId) {
        self.invalidate(|cache| cache.known.retain(|token| token.owner.id != user_id));
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

    /// The cache's clock: nanoseconds since it started.
    fn now(&self) -> u64 {
        nanos(self.started.elapsed())
    }

    fn invalidate(&self, change: impl FnOnce(&Self)) {
        let _guard = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        change(self);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        crate::bearer::lock(&self.invalidating)
    }

    fn lock_renewals(&self) -> std::sync::MutexGuard<'_, Renewals> {
        crate::bearer::lock(&self.renewals)
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bearer;

    /// The database, as a table the test edits; it counts the hashes each query asks for.
    #[derive(Clone, Default)]
    struct Table {
        rows: Arc<Mutex<HashMap<SecretHash, BearerToken>>>,
        queries: Arc<Mutex<Vec<usize>>>,
        /// Runs while a query is in flight.
        meanwhile: Option<Arc<dyn Fn() + Send + Sync>>,
    }

    impl Table {
        fn set(&self, key: &str, row: Option<BearerToken>) {
            let mut rows = self.rows.lock().unwrap();
            match row {
                Some(row) => rows.insert(SecretHash::of(key), row),
                None => rows.remove(&SecretHash::of(key)),
            };
        }

        fn queries(&self) -> Vec<usize> {
            self.queries.lock().unwrap().clone()
        }
    }

    impl BearerSource for Table {
        async fn bearers(
            &self,
            hashes: Vec<SecretHash>,
        ) -> StoreResult<Vec<(SecretHash, BearerToken)>> {
            self.queries.lock().unwrap().push(hashes.len());
            if let Some(meanwhile) = &self.meanwhile {
                meanwhile();
            }
            let rows = self.rows.lock().unwrap();
            Ok(hashes
                .into_iter()
                .filter_map(|hash| Some((hash.clone(), rows.get(&hash)?.clone())))
                .collect())
        }
    }

    async fn find_token(
        cache: &Arc<BearerCache>,
        table: &Table,
        key: &str,
    ) -> Option<Arc<KnownToken>> {
        cache.find(&SecretHash::of(key), table).await.unwrap()
    }

    async fn find(cache: &Arc<BearerCache>, table: &Table, key: &str) -> Option<TokenId> {
        find_token(cache, table, key).await.map(|found| found.id())
    }

    /// The renewal tests' age limit: entries fall due between 2 and 3 s after their lookup,
    /// and checks from `ALL_DUE` on find every one of them due; the margins are for a loaded
    /// CI machine.
    const AGE_LIMIT: Duration = Duration::from_secs(4);
    const ALL_DUE: Duration = Duration::from_millis(3_200);

    fn cache(known: usize, unknown: usize, max_age: Duration) -> Arc<BearerCache> {
        Arc::new(BearerCache::new(known, unknown, max_age))
    }

    /// Checks `key` every 10 ms until its owner is `owner`, for at most 2 s.
    async fn owner_soon(
        cache: &Arc<BearerCache>,
        table: &Table,
        key: &str,
        owner: UserId,
    ) -> UserId {
        let mut seen = 0;
        for _ in 0..200 {
            seen = find_token(cache, table, key)
                .await
                .map_or(0, |found| found.owner.id);
            if seen == owner {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seen
    }

    #[tokio::test]
    async fn hits_and_misses_are_remembered() {
        let (cache, table) = (Arc::new(BearerCache::default()), Table::default());
        table.set("a", Some(bearer(1, 10)));
        assert_eq!(find(&cache, &table, "a").await, Some(1));
        table.set("a", None);
        assert_eq!(
            find(&cache, &table, "a").await,
            Some(1),
            "served from memory"
        );
        assert_eq!(find(&cache, &table, "b").await, None);
        table.set("b", Some(bearer(2, 10)));
        assert_eq!(find(&cache, &table, "b").await, None, "miss remembered");
        assert_eq!(cache.database_lookups(), 2);
        assert_eq!(table.queries(), [1, 1]);
    }

    #[tokio::test]
    async fn forgetting_reaches_the_database_again() {
        let (cache, table) = (Arc::new(BearerCache::default()), Table::default());
        table.set("a", Some(bearer(1, 10)));
        table.set("b", Some(bearer(2, 20)));
        find(&cache, &table, "a").await;
        find(&cache, &table, "b").await;
        find(&cache, &table, "c").await;
        table.set("a", None);
        table.set("b", None);
        table.set("c", Some(bearer(3, 30)));

        cache.forget_token(1);
        assert_eq!(find(&cache, &table, "a").await, None);
        cache.forget_user(20);
        assert_eq!(find(&cache, &table, "b").await, None);
        cache.forget_hash(&SecretHash::of("c"));
        assert_eq!(find(&cache, &table, "c").await, Some(3));
        table.set("c", None);
        cache.forget_all();
        assert_eq!(find(&cache, &table, "c").await, None);
        assert_eq!(cache.database_lookups(), 7);
    }

    #[tokio::test]
    async fn known_tokens_are_trusted_for_their_age_limit_only() {
        let (cache, table) = (cache(10, 10, Duration::from_millis(50)), Table::default());
        table.set("a", Some(bearer(1, 10)));
        find(&cache, &table, "a").await;
        find(&cache, &table, "b").await;
        table.set("a", None);
        table.set("b", Some(bearer(2, 10)));
        assert_eq!(find(&cache, &table, "a").await, Some(1));
        tokio::time::sleep(Duration::from_millis(60)).await;
        // Deleted behind this process's back.
        assert_eq!(find(&cache, &table, "a").await, None);
        assert_eq!(find(&cache, &table, "b").await, None, "misses keep");
        assert_eq!(cache.database_lookups(), 3);
    }

    #[tokio::test]
    async fn a_token_in_use_is_renewed_in_the_background_before_its_age_limit() {
        let (cache, table) = (cache(10, 10, AGE_LIMIT), Table::default());
        table.set("a", Some(bearer(1, 10)));
        find(&cache, &table, "a").await;
        tokio::time::sleep(ALL_DUE).await;

        // The database now has another answer (say, changed by another Tessera).
        table.set("a", Some(bearer(1, 99)));
        let answer = find_token(&cache, &table, "a").await.unwrap();
        assert_eq!(answer.owner.id, 10, "answered from memory at once");
        // Checks meanwhile start no second lookup, and soon see the renewed answer.
        assert_eq!(
            owner_soon(&cache, &table, "a", 99).await,
            99,
            "the renewed answer"
        );
        assert_eq!(table.queries(), [1, 1], "one lookup, in the background");
    }

    #[test]
    fn renewals_fall_due_spread_over_the_third_quarter_of_the_age_limit() {
        let cache = BearerCache::new(10, 10, Duration::from_secs(60));
        let (from, window) = (
            nanos(Duration::from_secs(30)),
            nanos(Duration::from_secs(15)),
        );
        let mut per_second = [0_usize; 15];
        for i in 0..15_000 {
            let delay = cache.renewal_delay(&SecretHash::of(format!("token {i}")));
            assert!((from..from + window).contains(&delay), "{delay} ns");
            per_second[usize::try_from((delay - from) / 1_000_000_000).unwrap()] += 1;
        }
        // A thousand a second on average; a burst would pile them into a few seconds.
        assert!(
            per_second.iter().all(|&n| (850..1_150).contains(&n)),
            "{per_second:?}"
        );
    }

    #[tokio::test]
    async fn entries_falling_due_together_are_renewed_in_full_batches() {
        let (cache, table) = (cache(1_000, 10, AGE_LIMIT), Table::default());
        let keys: Vec<String> = (0..300).map(|i| format!("token {i}")).collect();
        for (i, key) in keys.iter().enumerate() {
            table.set(key, Some(bearer(i as TokenId, 10)));
            find(&cache, &table, key).await;
        }
        tokio::time::sleep(ALL_DUE).await;
        for (i, key) in keys.iter().enumerate() {
            table.set(key, Some(bearer(i as TokenId, 11)));
            assert_eq!(find_token(&cache, &table, key).await.unwrap().owner.id, 10);
        }
        assert_eq!(owner_soon(&cache, &table, &keys[299], 11).await, 11);
        for key in &keys {
            assert_eq!(find_token(&cache, &table, key).await.unwrap().owner.id, 11);
        }
        let background = &table.queries()[keys.len()..];
        assert_eq!(
            background.iter().sum::<usize>(),
            300,
            "each token asked once"
        );
        // Five, unless this machine took longer than the gathering wait to make the checks.
        let full_batches = 300_usize.div_ceil(RENEWAL_BATCH);
        assert!(
            background.len() <= full_batches + 1,
            "in batches: {background:?}"
        );
        assert!(background.iter().all(|&size| size <= RENEWAL_BATCH));
    }

    #[tokio::test]
    async fn a_renewal_that_answers_as_before_keeps_the_entry_and_a_deleted_token_is_unknown() {
        let (cache, table) = (cache(10, 10, AGE_LIMIT), Table::default());
        for (key, id) in [("same", 1), ("used", 2), ("changed", 3), ("deleted", 4)] {
            table.set(key, Some(bearer(id, 10)));
        }
        let mut before = HashMap::new();
        for key in ["same", "used", "changed", "deleted"] {
            before.insert(key, find_token(&cache, &table, key).await.unwrap());
        }
        tokio::time::sleep(ALL_DUE).await;

        let mut used = BearerToken::clone(&before["used"]);
        used.token.last_used_at = Some(chrono::Utc::now());
        table.set("used", Some(used));
        let mut changed = BearerToken::clone(&before["changed"]);
        changed.token.label = "renamed".into();
        table.set("changed", Some(changed));
        table.set("deleted", None);
        for key in ["same", "used", "changed", "deleted"] {
            find(&cache, &table, key).await;
        }
        for _ in 0..200 {
            if find(&cache, &table, "deleted").await.is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(find(&cache, &table, "deleted").await, None);
        let after = |key| find_token(&cache, &table, key);
        assert!(Arc::ptr_eq(&after("same").await.unwrap(), &before["same"]));
        assert!(
            Arc::ptr_eq(&after("used").await.unwrap(), &before["used"]),
            "a new last use answers no check differently"
        );
        assert_eq!(after("changed").await.unwrap().token.label, "renamed");
        assert_eq!(cache.len(), (3, 1));
        assert_eq!(table.queries()[4..].iter().sum::<usize>(), 4);
    }

    #[tokio::test]
    async fn a_lookup_overtaken_by_an_invalidation_is_not_kept() {
        let cache = Arc::new(BearerCache::default());
        let expiring = Arc::downgrade(&cache);
        let table = Table {
            // The token is expired while its old row is in flight.
            meanwhile: Some(Arc::new(move || {
                if let Some(cache) = expiring.upgrade() {
                    cache.forget_token(1);
                }
            })),
            ..Table::default()
        };
        table.set("a", Some(bearer(1, 10)));
        assert!(find(&cache, &table, "a").await.is_some());
        assert_eq!(cache.len(), (0, 0));
    }

    #[tokio::test]
    async fn unknown_tokens_cannot_grow_memory_without_bound() {
        let (cache, table) = (cache(100, 50, MAX_AGE), Table::default());
        table.set("known", Some(bearer(1, 10)));
        find(&cache, &table, "known").await;
        for i in 0..5_000 {
            find(&cache, &table, &format!("unknown {i}")).await;
        }
        let (known, unknown) = cache.len();
        assert_eq!(
            known, 1,
            "a flood of unknown tokens does not evict known ones"
        );
        assert!(unknown <= 60, "{unknown} misses kept");
    }
}
