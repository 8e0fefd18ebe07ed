//! Last-used time and address, and how many checks each token passed and failed each day,
//! noted in memory and written once a minute, so that validating a token never waits for
//! (or contends on) a database write.

use super::lock;
use super::store::TokenUsageStore;
use super::token::CachedToken;
use crate::metrics::record_usage_flush;
use app::rules::calendar::day_start;
use app::store::{DailyChecks, TokenId, TokenUse, NO_TOKEN, RECENT_ADDRESSES};
use chrono::{DateTime, Utc};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FLUSH_EVERY: Duration = Duration::from_secs(60);
/// How often the last flush, at shutdown, tries before it gives up.
const SHUTDOWN_ATTEMPTS: u32 = 3;

type LastUse = (DateTime<Utc>, Option<IpAddr>);

/// A token's use since the last flush: the latest, and the latest from each address (at
/// most `RECENT_ADDRESSES`, the most recent kept).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingUse {
    last: LastUse,
    addresses: Vec<(IpAddr, DateTime<Utc>)>,
}

impl PendingUse {
    fn new(last: LastUse) -> Self {
        let mut pending = Self {
            last,
            addresses: Vec::new(),
        };
        pending.note_address(last);
        pending
    }

    fn note(&mut self, other: PendingUse) {
        if other.last.0 >= self.last.0 {
            self.last = other.last;
        }
        for (ip, at) in other.addresses {
            self.note_address((at, Some(ip)));
        }
    }

    fn note_address(&mut self, (at, ip): LastUse) {
        let Some(ip) = ip else { return };
        match self.addresses.iter_mut().find(|(known, _)| *known == ip) {
            Some(known) => known.1 = known.1.max(at),
            None => self.addresses.push((ip, at)),
        }
        if self.addresses.len() > RECENT_ADDRESSES {
            self.addresses.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
            self.addresses.truncate(RECENT_ADDRESSES);
        }
    }
}

/// Checks of one token on one UTC day (its midnight).
type CheckDay = (TokenId, DateTime<Utc>);

/// How a check of a presented token ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Succeeded,
    Refused,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CheckCounts {
    succeeded: u64,
    refused: u64,
}

impl CheckCounts {
    fn add(&mut self, other: CheckCounts) {
        self.succeeded += other.succeeded;
        self.refused += other.refused;
    }
}

pub struct UsageRecorder {
    store: Arc<dyn TokenUsageStore>,
    /// The use of each token since the last flush.
    pending: Mutex<HashMap<TokenId, PendingUse>>,
    /// Checks counted since the last flush.
    checks: Mutex<HashMap<CheckDay, CheckCounts>>,
    /// Held for the whole of a flush, so that the one at shutdown waits for one in flight,
    /// whose uses have already left `pending`.
    flushing: tokio::sync::Mutex<()>,
}

impl UsageRecorder {
    pub fn new(store: Arc<dyn TokenUsageStore>) -> Self {
        Self {
            store,
            pending: Mutex::default(),
            checks: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Notes a use; cheap enough for every request, and locks at most once a second per token.
    pub fn touch(&self, token: &CachedToken, at: DateTime<Utc>, ip: Option<IpAddr>) {
        if token.note_use(at) {
            note(
                &mut lock(&self.pending),
                token.id(),
                PendingUse::new((at, ip)),
            );
        }
    }

    /// Counts one check of `token` (`None`: the secret named no token, or was not looked up).
    pub fn count_check(&self, token: Option<TokenId>, at: DateTime<Utc>, outcome: CheckOutcome) {
        let mut checks = lock(&self.checks);
        let counts = checks
            .entry((token.unwrap_or(NO_TOKEN), day_start(at)))
            .or_default();
        match outcome {
            CheckOutcome::Succeeded => counts.succeeded += 1,
            CheckOutcome::Refused => counts.refused += 1,
        }
    }

    /// Writes everything noted so far: the last uses in one transaction, the check counts in
    /// another. What fails is kept for the next flush. Returns how many tokens' last use was
    /// written.
    pub async fn flush(&self) -> usize {
        let _one_at_a_time = self.flushing.lock().await;
        self.flush_checks().await;
        self.flush_uses().await
    }

    async fn flush_checks(&self) {
        let checks = std::mem::take(&mut *lock(&self.checks));
        if checks.is_empty() {
            return;
        }
        let rows: Vec<DailyChecks> = checks
            .iter()
            .map(|(&(token_id, day), counts)| DailyChecks {
                token_id,
                day,
                succeeded: counts.succeeded,
                refused: counts.refused,
            })
            .collect();
        let recorded = self.store.record_token_checks(&rows).await;
        record_usage_flush(recorded.is_ok());
        if let Err(error) = recorded {
            tracing::warn!(%error, "could not record token check counts; will retry");
            let mut pending = lock(&self.checks);
            for (key, counts) in checks {
                pending.entry(key).or_default().add(counts);
            }
        }
    }

    async fn flush_uses(&self) -> usize {
        let uses = std::mem::take(&mut *lock(&self.pending));
        if uses.is_empty() {
            return 0;
        }
        let rows: Vec<TokenUse> = uses
            .iter()
            .map(|(&token_id, pending)| TokenUse {
                token_id,
                at: pending.last.0,
                ip: pending.last.1.map(|ip| ip.to_string()),
                addresses: pending
                    .addresses
                    .iter()
                    .map(|(ip, at)| (ip.to_string(), *at))
                    .collect(),
            })
            .collect();
        let recorded = self.store.record_token_uses(&rows).await;
        record_usage_flush(recorded.is_ok());
        if let Err(error) = recorded {
            tracing::warn!(%error, tokens = uses.len(), "could not record token use; will retry");
            let mut pending = lock(&self.pending);
            for (token_id, pending_use) in uses {
                note(&mut pending, token_id, pending_use);
            }
            return 0;
        }
        uses.len()
    }

    /// The server's last flush, after its last request: tries again if the database fails,
    /// since nothing will come after it.
    pub async fn flush_on_shutdown(&self) -> usize {
        let mut written = 0;
        for attempt in 1..=SHUTDOWN_ATTEMPTS {
            written += self.flush().await;
            if lock(&self.pending).is_empty() && lock(&self.checks).is_empty() {
                return written;
            }
            if attempt < SHUTDOWN_ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
        }
        let lost = lock(&self.pending).len();
        tracing::error!(tokens = lost, "gave up recording the last token use");
        written
    }

    /// Flushes every minute for as long as the server runs.
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
}

/// Adds a use of a token to what is pending for it.
fn note(pending: &mut HashMap<TokenId, PendingUse>, token_id: TokenId, use_: PendingUse) {
    match pending.entry(token_id) {
        Entry::Occupied(mut known) => known.get_mut().note(use_),
        Entry::Vacant(slot) => {
            slot.insert(use_);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, second).unwrap()
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn the_latest_use_wins_and_each_address_keeps_its_latest_time() {
        let mut pending = PendingUse::new((at(5), Some(ip(1))));
        pending.note(PendingUse::new((at(3), Some(ip(2)))));
        pending.note(PendingUse::new((at(9), Some(ip(1)))));
        pending.note(PendingUse::new((at(7), None)));
        assert_eq!(pending.last, (at(9), Some(ip(1))));
        assert_eq!(pending.addresses, [(ip(1), at(9)), (ip(2), at(3))]);
    }

    #[test]
    fn only_the_most_recent_addresses_are_kept() {
        let mut pending = PendingUse::new((at(0), Some(ip(0))));
        for n in 1..=7u8 {
            pending.note(PendingUse::new((at(u32::from(n)), Some(ip(n)))));
        }
        let mut kept: Vec<u8> = pending
            .addresses
            .iter()
            .map(|(address, _)| match address {
                IpAddr::V4(v4) => v4.octets()[3],
                IpAddr::V6(_) => unreachable!(),
            })
            .collect();
        kept.sort_unstable();
        assert_eq!(kept, [3, 4, 5, 6, 7]);
    }
}
