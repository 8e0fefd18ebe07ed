//! Work on a timer: forgetting sign-ins older than Recent Authentications shows, counts of
//! failed sign-ins too old to matter, and token check counts older than the charts show;
//! expiring tokens the unused-token policy catches; deleting audit events older than admins
//! keep them; and, with a mail server, the reminders.

use crate::bearer::store::TokenUsageStore;
use app::clock::Clock;
use app::rules::audit::retention_cutoff as audit_cutoff;
use app::rules::calendar::day_start;
use app::rules::session::retention_cutoff;
use app::rules::throttle::FORGET_AFTER;
use app::store::{AuditStore, NoticeStore, SessionStore, Store, StoreResult, ThrottleStore};
use app::tokens::disuse::{apply_disuse_policy, send_disuse_notices};
use app::tokens::notices::send_expiry_notices;
use app::users::invitations::mail::Mailer;
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60 * 60);
/// A reminder goes out at most this long after it is due.
const NOTICES_EVERY: Duration = Duration::from_secs(10 * 60);
/// The overview charts 30 days of checks; a month more is kept for anyone who looks.
const CHECK_COUNT_DAYS: i64 = 60;

/// Deletes the sessions that signed in more than 30 days before now; how many.
pub async fn purge_old_sessions(store: &dyn SessionStore, clock: &dyn Clock) -> StoreResult<u64> {
    store.purge_sessions(retention_cutoff(clock.now())).await
}

/// Purges at start-up and then every hour, for as long as the server runs.
pub fn spawn(
    sessions: Arc<dyn SessionStore>,
    failures: Arc<dyn ThrottleStore>,
    checks: Arc<dyn TokenUsageStore>,
    clock: Arc<dyn Clock>,
) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match purge_old_sessions(sessions.as_ref(), clock.as_ref()).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "old sessions purged"),
                Err(error) => tracing::error!(%error, "purging old sessions failed"),
            }
            let forgotten = clock.now() - FORGET_AFTER;
            if let Err(error) = failures.purge_sign_in_failures(forgotten).await {
                tracing::error!(%error, "purging old sign-in failures failed");
            }
            let oldest_kept = day_start(clock.now()) - chrono::Duration::days(CHECK_COUNT_DAYS);
            if let Err(error) = checks.purge_token_checks(oldest_kept).await {
                tracing::error!(%error, "purging old token check counts failed");
            }
        }
    });
}

/// Applies the unused-token policy at start-up and then every hour: a token is expired within
/// the hour after it reaches the days the policy allows. Every instance may run this: one
/// statement expires each token once.
pub fn spawn_disuse_policy(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            if let Err(error) = apply_disuse_policy(store.as_ref(), clock.now()).await {
                tracing::error!(%error, "applying the unused-token policy failed");
            }
        }
    });
}

/// Audit events deleted per statement: short transactions, so writers never wait long.
const EVENTS_PER_PURGE: u32 = 1000;

/// Deletes the audit events older than admins keep them, a batch at a time, with a pause
/// between batches; how many.
pub async fn purge_old_audit_events(
    store: &dyn AuditStore,
    clock: &dyn Clock,
    pause: Duration,
) -> StoreResult<u64> {
    let days = store.audit_retention_days().await?;
    let cutoff = audit_cutoff(clock.now(), days);
    let mut purged = 0;
    loop {
        let deleted = store.purge_audit_events(cutoff, EVENTS_PER_PURGE).await?;
        purged += deleted;
        if deleted < u64::from(EVENTS_PER_PURGE) {
            return Ok(purged);
        }
        tokio::time::sleep(pause).await;
    }
}

/// Writes an "expired by time" event for each token that reached its expiry, at start-up and
/// then every hour. Every instance may run this: each token is marked as its event is written.
pub fn spawn_time_expiries(store: Arc<dyn Store>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match store.record_time_expiries(clock.now()).await {
                Ok(0) => {}
                Ok(recorded) => {
                    tracing::info!(recorded, "tokens that reached their expiry recorded")
                }
                Err(error) => tracing::error!(%error, "recording tokens that expired failed"),
            }
        }
    });
}

/// Applies the audit retention at start-up and then every hour. Every instance may run this:
/// a batch another instance deleted first is simply not there.
pub fn spawn_audit_retention(store: Arc<dyn AuditStore>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            let pause = Duration::from_millis(100);
            match purge_old_audit_events(store.as_ref(), clock.as_ref(), pause).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "old audit events deleted"),
                Err(error) => tracing::error!(%error, "deleting old audit events failed"),
            }
        }
    });
}

/// Sends the expiry reminders that are due, and tells owners about tokens the unused-token
/// policy expired, at start-up and then every ten minutes. Every instance may run this: each
/// notice is claimed in the database before it is sent.
pub fn spawn_expiry_notices(
    store: Arc<dyn NoticeStore>,
    mailer: Arc<dyn Mailer>,
    public_url: String,
    clock: Arc<dyn Clock>,
) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(NOTICES_EVERY);
        loop {
            ticks.tick().await;
            let sent =
                send_expiry_notices(store.as_ref(), mailer.as_ref(), &public_url, clock.now());
            if let Err(error) = sent.await {
                tracing::error!(%error, "sending expiry reminders failed");
            }
            let told =
                send_disuse_notices(store.as_ref(), mailer.as_ref(), &public_url, clock.now());
            if let Err(error) = told.await {
                tracing::error!(%error, "telling owners of unused tokens failed");
            }
        }
    });
}
