//! Last-used time and address, collected in memory and written once a minute, so that
//! validating a token never waits for (or contends on) a database write.

use super::known::{KnownToken, LastUse};
use super::lock;
use app::store::{Store, TokenId, TokenUse};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thread_local::ThreadLocal;

/// Each token is written at most once per flush.
const FLUSH_EVERY: Duration = Duration::from_secs(60);

/// The latest use of each token: when, and from where. Token ids are the database's own
/// numbers, never a client's choice, so a fast hash is safe here.
type Uses = FxHashMap<TokenId, LastUse>;

/// How often the last flush, at shutdown, tries before it gives up.
const SHUTDOWN_ATTEMPTS: u32 = 3;

/// A flush writes the tokens a hundred at a time, each write its own transaction, and the
/// minute's flush pauses between writes. Written in one go, 10,000 tokens' uses kept SQLite's
/// thread busy for 32 ms (its threads' schedstat around the flush), all that time taken from
/// the checks on a core it shares with them; a hundred take a hundredth of that. At this
/// pace 100,000 tokens, all the bearer cache holds, take over 5 s a minute.
const USES_PER_WRITE: usize = 100;
const PAUSE_BETWEEN_WRITES: Duration = Duration::from_millis(5);

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
    /// The server is stopping: a flush in flight stops pausing between its writes.
    hurry: AtomicBool,
}

/// What a flush wrote, and whether it wrote all it had.
struct Flushed {
    tokens: usize,
    complete: bool,
}

impl UsageRecorder {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            pending: ThreadLocal::new(),
            unwritten: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
            hurry: AtomicBool::new(false),
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
        self.try_flush().await.tokens
    }

    /// The server's last flush, after its last request: waits for a flush in flight, and
    /// tries again if the database fails, since nothing will come after it.
    pub async fn flush_on_shutdown(&self) -> usize {
        self.hurry.store(true, Ordering::Relaxed);
        let mut written = 0;
        for attempt in 1..=SHUTDOWN_ATTEMPTS {
            let flushed = self.try_flush().await;
            written += flushed.tokens;
            if flushed.complete {
                return written;
            }
            if attempt < SHUTDOWN_ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
        }
        let lost = self.take_all().len();
        tracing::error!(tokens = lost, "gave up recording the last token use");
        written
    }

    /// Writes the batch a part at a time; a failed write keeps its part and the rest.
    async fn try_flush(&self) -> Flushed {
        let _one_at_a_time = self.flushing.lock().await;
        let batch: Vec<(TokenId, LastUse)> = self.take_all().into_iter().collect();
        let mut written = 0;
        for (index, part) in batch.chunks(USES_PER_WRITE).enumerate() {
            if index > 0 && !self.hurry.load(Ordering::Relaxed) {
                tokio::time::sleep(PAUSE_BETWEEN_WRITES).await;
            }
            let uses: Vec<TokenUse> = part
                .iter()
                .map(|&(token_id, (at, ip))| TokenUse {
                    token_id,
                    at,
                    ip: ip.map(|ip| ip.to_string()),
                })
                .collect();
            if let Err(error) = self.store.record_token_uses(&uses).await {
                let left = &batch[written..];
                tracing::warn!(%error, tokens = left.len(), "could not record token use; will retry");
                let mut unwritten = lock(&self.unwritten);
                for &(token_id, (at, ip)) in left {
                    note(&mut unwritten, token_id, at, ip);
                }
                return Flushed {
                    tokens: written,
                    complete: false,
                };
            }
            written += part.len();
        }
        Flushed {
            tokens: written,
            complete: true,
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
