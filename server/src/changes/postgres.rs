//! PostgreSQL's side of the change feed: `pg_notify` inside the writing transaction, a
//! `PgListener` per instance, and a sender for heartbeats and `Applied` messages.

use super::ChangeFeed;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::mpsc;

pub const CHANNEL: &str = "tessera_changes";
/// Sends a change with the transaction it is bound to: delivered on commit, never on rollback.
pub const NOTIFY: &str = "SELECT pg_notify('tessera_changes', $1)";

/// Several heartbeats fit in the trust bound, so one late answer does not cost the cache.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);

/// How long start-up waits for the first proof that the listener hears.
const FIRST_PROOF_WAIT: Duration = Duration::from_secs(5);

/// Listens for as long as the feed lives, reconnecting whenever the connection breaks, and
/// returns once the listener has heard its first heartbeat (or `FIRST_PROOF_WAIT` passed;
/// until then every check asks the database).
pub async fn listen(feed: &Arc<ChangeFeed>, pool: PgPool) -> Result<(), sqlx::Error> {
    let listener = connect(&pool).await?;
    let (outbox, sending) = mpsc::unbounded_channel();
    feed.mark_listening(outbox);
    tokio::spawn(receive_changes(
        Arc::downgrade(feed),
        pool.clone(),
        listener,
    ));
    tokio::spawn(send(Arc::downgrade(feed), pool, sending));
    if !feed.wait_for_proof(FIRST_PROOF_WAIT).await {
        tracing::warn!("the change listener has not heard its first heartbeat yet");
    }
    Ok(())
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn receive_changes(feed: Weak<ChangeFeed>, pool: PgPool, first: PgListener) {
    let mut listener = Some(first);
    loop {
        let connected = match listener.take() {
            Some(listener) => Ok(listener),
            None => connect(&pool).await,
        };
        let error = match connected {
            Ok(listener) => match hear(&feed, listener).await {
                Ok(()) => return,
                Err(error) => error,
            },
            Err(error) => error,
        };
        let Some(feed) = feed.upgrade() else { return };
        tracing::warn!(%error, "change listener failed; reconnecting");
        feed.lost();
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
}

/// Hears notifications until the feed is gone (`Ok`) or the listener fails.
async fn hear(feed: &Weak<ChangeFeed>, mut listener: PgListener) -> Result<(), sqlx::Error> {
    loop {
        let notification = listener.try_recv().await?;
        let Some(feed) = feed.upgrade() else {
            return Ok(());
        };
        match notification {
            Some(notification) => feed.receive(notification.payload()),
            // The connection dropped; sqlx has listened again on a new one, and whatever
            // was sent in between is gone.
            None => feed.lost(),
        }
    }
}

/// Sends a heartbeat every `HEARTBEAT_EVERY`, and the `Applied` messages the feed queues.
async fn send(feed: Weak<ChangeFeed>, pool: PgPool, mut outbox: mpsc::UnboundedReceiver<String>) {
    let mut ticks = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        let text = tokio::select! {
            _ = ticks.tick() => match feed.upgrade() {
                Some(feed) => feed.heartbeat(),
                None => return,
            },
            queued = outbox.recv() => match queued {
                Some(text) => text,
                None => return,
            },
        };
        if let Err(error) = sqlx::query(NOTIFY).bind(text).execute(&pool).await {
            tracing::warn!(%error, "could not send a notification");
        }
    }
}
