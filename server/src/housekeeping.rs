//! Work on a timer: forgetting sign-ins older than Recent Authentications shows.

use app::clock::Clock;
use app::rules::session::retention_cutoff;
use app::store::{SessionStore, StoreResult};
use std::sync::Arc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes the sessions that signed in more than 30 days before now; how many.
pub async fn purge_old_sessions(store: &dyn SessionStore, clock: &dyn Clock) -> StoreResult<u64> {
    store.purge_sessions(retention_cutoff(clock.now())).await
}

/// Purges at start-up and then every hour, for as long as the server runs.
pub fn spawn(store: Arc<dyn SessionStore>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match purge_old_sessions(store.as_ref(), clock.as_ref()).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "old sessions purged"),
                Err(error) => tracing::error!(%error, "purging old sessions failed"),
            }
        }
    });
}
