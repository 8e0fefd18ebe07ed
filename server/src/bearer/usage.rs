//! Last-used time and address, collected in memory and written in one batch a minute, so
//! that validating a token never waits for (or contends on) a database write.

use super::known::KnownToken;
use super::lock;
use app::store::{Store, TokenId, TokenUse};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thread_local::ThreadLocal;

/// Each token is written at most once per flush.
const FLUSH_EVERY: Duration = Duration::from_secs(60);

/// The latest use of each token: when, and from where. Token ids are the database's own
/// numbers, never a client's choice, so a fast hash is safe here.
type Uses = FxHashMap<TokenId, (DateTime<Utc>, Option<IpAddr>)>;

/// How often the last flush, at shutdown, tries before it gives up.
const SHUTDOWN_ATTEMPTS: u32 = 3;

pub struct UsageRecorder {
    store: Arc<dyn Store>,
    /// Tokens used since the last flush, each listed once. A check writes its use into the
    /// token's own cached entry, which it has just read anyway; only the first use after a
    /// flush lists the token, in a list of the thread's own so that checks on different
    /// cores never write the same memory.
    pending: ThreadLocal<Mutex<Vec<Arc<KnownToken>>>>,
    /// Uses a failed write left behind, for the next flush.
    unwritten: Mutex<Uses>,
    /// Held for the whole of a flush. A batch leaves `pending` before it is written, so a
    /// flush that did not wait for one in flight could find nothing, let the server stop,
    /// and have that write cancelled with the runtime.
    flushing: tokio::sync::Mutex<()>,
}

impl UsageRecorder {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            pending: ThreadLocal::new(),
            unwritten: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Notes a use; cheap enough for every request.
    pub fn touch(&self, token: &Arc<KnownToken>, at: DateTime<Utc>, ip: Option<IpAddr>) {
        if token.note_use(at, ip) {
            lock(self.pending.get_or_default()).push(token.clone());
        }
    }

    /// Writes everything noted so far; what cannot be written is kept for the next try.
    /// Returns how many tokens were written.
    pub async fn flush(&self) -> usize {
        self.try_flush().await.unwrap_or(0)
    }

    /// The server's last flush, after its last request: waits for a flush in flight, and
    /// tries again if the database fails, since nothing will come after it.
    pub async fn flush_on_shutdown(&self) -> usize {
        for attempt in 1..=SHUTDOWN_ATTEMPTS {
            if let Some(tokens) = self.try_flush().await {
                return tokens;
            }
            if attempt < SHUTDOWN_ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
        }
        let lost = self.take_all().len();
        tracing::error!(tokens = lost, "gave up recording the last token use");
        0
    }

    /// How many tokens were written, or None when the write failed (and the batch is kept).
    async fn try_flush(&self) -> Option<usize> {
        let _one_at_a_time = self.flushing.lock().await;
        let batch = self.take_all();
        if batch.is_empty() {
            return Some(0);
        }
        let uses: Vec<TokenUse> = batch
            .iter()
            .map(|(&token_id, &(at, ip))| TokenUse {
                token_id,
                at,
                ip: ip.map(|ip| ip.to_string()),
            })
            .collect();
        match self.store.record_token_uses(&uses).await {
            Ok(()) => Some(uses.len()),
            Err(error) => {
                tracing::warn!(%error, tokens = uses.len(), "could not record token use; will retry");
                let mut unwritten = lock(&self.unwritten);
                for (token_id, (at, ip)) in batch {
                    note(&mut unwritten, token_id, at, ip);
                }
                None
            }
        }
    }

    /// Flushes every `FLUSH_EVERY` for as long as the server runs; the server flushes once
    /// more after its last request, on shutdown.
    pub fn spawn_flusher(self: &Arc<Self>) {
        let recorder = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(FLUSH_EVERY);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(recorder) = recorder.upgrade() else {
                    return;
                };
                recorder.flush().await;
            }
        });
    }

    /// Every use noted since the last flush, the latest of each token. A token looked up
    /// again meanwhile can be listed twice, once per lookup.
    fn take_all(&self) -> Uses {
        let mut all = std::mem::take(&mut *lock(&self.unwritten));
        for pending in self.pending.iter() {
            for token in std::mem::take(&mut *lock(pending)) {
                if let Some((at, ip)) = token.take_use() {
                    note(&mut all, token.id(), at, ip);
                }
            }
        }
        all
    }
}

fn note(pending: &mut Uses, token_id: TokenId, at: DateTime<Utc>, ip: Option<IpAddr>) {
    let latest = pending.entry(token_id).or_insert((at, ip));
    if at >= latest.0 {
        *latest = (at, ip);
    }
}
