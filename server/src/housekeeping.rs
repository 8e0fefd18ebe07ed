//! Work on a timer: forgetting sign-ins older than Recent Authentications shows, and
//! counts of failed sign-ins too old to matter.

use app::clock::Clock;
use app::rules::session::retention_cutoff;
use app::rules::throttle::FORGET_AFTER;
use app::store::{SessionStore, StoreResult, ThrottleStore};
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes the sessions that signed in more than 30 days before now; how many.
pub async fn purge_old_sessions(store: &dyn SessionStore, clock: &dyn Clock) -> StoreResult<u64> {
    store.purge_sessions(retention_cutoff(clock.now())).await
}

/// Purges at start-up and then every hour, for as long as the server runs.
pub fn spawn(
    sessions: Arc<dyn SessionStore>,
    failures: Arc<dyn ThrottleStore>,
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
        }
    });
}
