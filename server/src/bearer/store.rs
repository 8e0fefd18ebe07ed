//! What the bearer routes need from the database, apart from the app's store: a token by its
//! hash (when the cache does not know it), and the batched notes of when tokens were used and
//! how their checks ended.

use app::rules::secret::SecretHash;
use app::store::{BearerToken, DailyChecks, StoreResult, TokenUse};
use chrono::{DateTime, Utc};

/// Where the token cache's answers come from.
#[async_trait::async_trait]
pub trait TokenLookup: Send + Sync {
    /// The token with this secret hash, and its owner.
    async fn token_by_hash(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>>;
}

/// Where the usage recorder writes.
#[async_trait::async_trait]
pub trait TokenUsageStore: Send + Sync {
    /// Writes the last use of each token, all in one transaction.
    async fn record_token_uses(&self, uses: &[TokenUse]) -> StoreResult<()>;
    /// Adds each token's checks of a day to those already written, in one transaction.
    async fn record_token_checks(&self, checks: &[DailyChecks]) -> StoreResult<()>;
    /// Forgets the check counts of days before `day`; how many rows went.
    async fn purge_token_checks(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

pub trait BearerStore: TokenLookup + TokenUsageStore {}

impl<T: TokenLookup + TokenUsageStore> BearerStore for T {}
