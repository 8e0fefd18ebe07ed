//! The known tokens, by the hash of their secret: the table every valid check reads.
//!
//! A check of a cached token is bound by memory latency, not by work: with thousands of
//! tokens in use, each block it reads is likely a cache miss, and a block whose address comes
//! from another miss waits for it. A general-purpose cache (quick_cache, used here before)
//! keeps an index into a slab of entries, each holding the key and a pointer to the token: the
//! entry and the token were two misses, one after the other. Here the table holds the
//! pointers themselves, 8 bytes a token, and the hash lives in the token, so that link of the
//! chain is gone; the token's later lines are prefetched while its first is on its way
//! (`KnownToken::prefetch`). The pointer itself still misses at times: perf put about a third
//! of the lookup's samples on waiting for it (3,338 tokens, wrk on `/api/v1/me`).
//!
//! Readers take a sharded lock's own shard for their thread, so checks on two cores do not
//! write the same lock word; writers (lookups, renewals, invalidations) take every shard.

use crate::bearer::known::KnownToken;
use app::rules::secret::SecretHash;
use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};
use hashbrown::HashTable;
use std::sync::Arc;

pub struct KnownTokens {
    table: ShardedLock<HashTable<Arc<KnownToken>>>,
    capacity: usize,
}

/// A secret's hash is a SHA-256 digest, already uniform: its first bytes are the table's
/// hash, with nothing to compute. Only tokens the database holds get here, whose secrets
/// Tessera drew at random, so nobody can pick hashes that collide.
fn table_hash(hash: &SecretHash) -> u64 {
    let (first, _) = hash.as_bytes().split_first_chunk::<8>().expect("32 bytes");
    u64::from_le_bytes(*first)
}

impl KnownTokens {
    /// Holds at most `capacity` tokens.
    pub fn new(capacity: usize) -> Self {
        Self {
            table: ShardedLock::new(HashTable::new()),
            capacity: capacity.max(1),
        }
    }

    pub fn get(&self, hash: &SecretHash) -> Option<Arc<KnownToken>> {
        let table = self.read();
        let found = table.find(table_hash(hash), |token| {
            token.prefetch();
            token.secret_hash() == hash
        })?;
        Some(found.clone())
    }

    /// Stores `token` in place of any other with its hash. When the table is full, tokens
    /// whose lookups are stale at `now` (the cache's clock) make room first, then any others.
    pub fn insert(&self, token: Arc<KnownToken>, now: u64) {
        let mut table = self.write();
        let hash = table_hash(token.secret_hash());
        let entry = table.entry(
            hash,
            |held| held.secret_hash() == token.secret_hash(),
            |held| table_hash(held.secret_hash()),
        );
        if let hashbrown::hash_table::Entry::Occupied(mut held) = entry {
            *held.get_mut() = token;
            return;
        }
        if table.len() >= self.capacity {
            table.retain(|held| held.stale_from() > now);
            // Room for a sixteenth more before the next sweep, so that a table full of fresh
            // tokens is not scanned again on every insert.
            let keep = self.capacity - self.capacity.div_ceil(16);
            let evicted: Vec<SecretHash> = table
                .iter()
                .take(table.len().saturating_sub(keep))
                .map(|held| held.secret_hash().clone())
                .collect();
            for hash in &evicted {
                remove(&mut table, hash);
            }
        }
        table.insert_unique(hash, token, |held| table_hash(held.secret_hash()));
    }

    pub fn remove(&self, hash: &SecretHash) {
        remove(&mut self.write(), hash);
    }

    /// Keeps only the tokens `keep` is true of.
    pub fn retain(&self, mut keep: impl FnMut(&KnownToken) -> bool) {
        self.write().retain(|token| keep(token));
    }

    pub fn clear(&self) {
        self.write().clear();
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.read().len()
    }

    // A panic under the lock leaves at worst a token missing or stored twice over, never a
    // table in a broken state: hashbrown's operations are panic-safe.
    fn read(&self) -> ShardedLockReadGuard<'_, HashTable<Arc<KnownToken>>> {
        self.table
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> ShardedLockWriteGuard<'_, HashTable<Arc<KnownToken>>> {
        self.table
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn remove(table: &mut HashTable<Arc<KnownToken>>, hash: &SecretHash) {
    if let Ok(entry) = table.find_entry(table_hash(hash), |token| token.secret_hash() == hash) {
        entry.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bearer;

    fn token(secret: &str, id: i64, stale_from: u64) -> Arc<KnownToken> {
        let token = KnownToken::new(SecretHash::of(secret), bearer(id, 1));
        token.set_deadlines(stale_from, stale_from);
        Arc::new(token)
    }

    fn id_of(tokens: &KnownTokens, secret: &str) -> Option<i64> {
        tokens.get(&SecretHash::of(secret)).map(|token| token.id())
    }

    #[test]
    fn tokens_are_found_by_their_hash_and_replaced_by_a_newer_lookup() {
        let tokens = KnownTokens::new(10);
        tokens.insert(token("a", 1, 100), 0);
        tokens.insert(token("b", 2, 100), 0);
        assert_eq!(id_of(&tokens, "a"), Some(1));
        assert_eq!(id_of(&tokens, "b"), Some(2));
        assert_eq!(id_of(&tokens, "c"), None);
        tokens.insert(token("a", 3, 100), 0);
        assert_eq!(id_of(&tokens, "a"), Some(3));
        assert_eq!(tokens.len(), 2);
        tokens.remove(&SecretHash::of("a"));
        assert_eq!(id_of(&tokens, "a"), None);
        tokens.retain(|token| token.id() != 2);
        assert_eq!(tokens.len(), 0);
        tokens.insert(token("d", 4, 100), 0);
        tokens.clear();
        assert_eq!(id_of(&tokens, "d"), None);
    }

    #[test]
    fn a_full_table_drops_stale_tokens_first_and_never_grows_past_its_capacity() {
        let tokens = KnownTokens::new(3);
        tokens.insert(token("stale", 1, 10), 0);
        tokens.insert(token("fresh 1", 2, 100), 0);
        tokens.insert(token("fresh 2", 3, 100), 0);
        tokens.insert(token("new", 4, 100), 50);
        assert_eq!(id_of(&tokens, "stale"), None, "the stale one made room");
        for secret in ["fresh 1", "fresh 2", "new"] {
            assert!(id_of(&tokens, secret).is_some(), "{secret}");
        }
        for i in 0..100 {
            tokens.insert(token(&format!("more {i}"), 10 + i, 100), 50);
            assert!(tokens.len() <= 3);
        }
        assert_eq!(id_of(&tokens, "more 99"), Some(109), "the newest is kept");
    }
}
