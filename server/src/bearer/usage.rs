//! Last-used time and address, written at most once a minute per token so that validating
//! a token does not mean writing to the database on every request.

use app::store::{Store, TokenId, TokenRecord};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const INTERVAL_SECONDS: i64 = 60;
const PRUNE_ABOVE: usize = 10_000;

pub struct UsageRecorder {
    store: Arc<dyn Store>,
    /// When each token's use was last written, to stop concurrent requests writing twice.
    written: Mutex<HashMap<TokenId, DateTime<Utc>>>,
}

impl UsageRecorder {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            written: Mutex::new(HashMap::new()),
        }
    }

    pub async fn touch(&self, token: &TokenRecord, now: DateTime<Utc>, ip: Option<String>) {
        if !self.claim(token, now) {
            return;
        }
        if let Err(error) = self.store.record_token_use(token.id, now, ip).await {
            tracing::warn!(%error, token_id = token.id, "could not record token use");
        }
    }

    /// True when this request is the one that should write.
    fn claim(&self, token: &TokenRecord, now: DateTime<Utc>) -> bool {
        let interval = Duration::seconds(INTERVAL_SECONDS);
        let recent = |at: DateTime<Utc>| now - at < interval;
        if token.last_used_at.is_some_and(recent) {
            return false;
        }
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if written.get(&token.id).copied().is_some_and(recent) {
            return false;
        }
        if written.len() > PRUNE_ABOVE {
            written.retain(|_, at| recent(*at));
        }
        written.insert(token.id, now);
        true
    }
}
