//! Change events: how every Tessera instance on one database hears what any of them changed.
//!
//! A write that changes what a token check, a sign-in, a session check or a form would
//! answer sends a [`Change`] inside its own transaction (PostgreSQL's `pg_notify`, delivered
//! only if the write commits). Every instance listens, and forgets exactly what the change
//! names. On SQLite, the embedded single-instance database, the same text goes through an
//! in-process channel, so both take one path from writer to memory.
//!
//! The writer then waits until its own listener has heard its change: by the time a request
//! answers, its instance has forgotten what it changed and PostgreSQL has handed the change to
//! every listener. Each of an instance's own notifications heard back also proves that its
//! listener works; memory is believed only shortly after such a proof (`ListenerProof`).

mod change;
pub mod postgres;
mod proof;

pub use change::{Change, Envelope};
pub use proof::{ListenerProof, TRUST_WITHOUT_PROOF};

use crate::bearer::cache::TokenCache;
use crate::bearer::lock;
use app::security::PolicyCache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, Notify};

/// How long a writer waits to hear its change back before it applies the change itself.
const ECHO_WAIT: Duration = Duration::from_secs(2);

pub struct ChangeFeed {
    /// Tells this instance's notifications from the others'.
    instance: u64,
    sequence: AtomicU64,
    /// This instance's notifications not yet heard back, by sequence number.
    awaited: Mutex<HashMap<u64, Awaited>>,
    proof: Arc<ListenerProof>,
    tokens: Arc<TokenCache>,
    policy: Arc<PolicyCache>,
    /// SQLite's in-process channel; `None` on PostgreSQL.
    in_process: Option<mpsc::UnboundedSender<String>>,
    in_process_receiver: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    /// A listener runs: a command-line tool that only writes has none.
    listening: AtomicBool,
    /// Woken whenever the listener hears one of this instance's own notifications.
    heard_own: Notify,
}

struct Awaited {
    sent: Instant,
    /// The writer waiting for it; none for a heartbeat.
    writer: Option<oneshot::Sender<()>>,
}

/// A change on its way: `text` goes out inside the writer's transaction, then the writer
/// awaits `delivered`.
pub struct Outgoing<'a> {
    feed: &'a ChangeFeed,
    sequence: u64,
    change: Change,
    text: String,
    heard: oneshot::Receiver<()>,
}

impl ChangeFeed {
    /// For SQLite: changes travel inside this process.
    pub fn in_process() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut feed = Self::new(ListenerProof::never_needed());
        feed.in_process = Some(sender);
        feed.in_process_receiver = Mutex::new(Some(receiver));
        feed
    }

    /// For PostgreSQL: changes travel as notifications (see `postgres`).
    pub fn notifications() -> Self {
        Self::new(ListenerProof::needed())
    }

    fn new(proof: ListenerProof) -> Self {
        let proof = Arc::new(proof);
        Self {
            instance: rand::random(),
            sequence: AtomicU64::new(0),
            awaited: Mutex::default(),
            tokens: Arc::new(TokenCache::new(proof.clone())),
            policy: Arc::new(PolicyCache::new(proof.clone())),
            proof,
            in_process: None,
            in_process_receiver: Mutex::new(None),
            listening: AtomicBool::new(false),
            heard_own: Notify::new(),
        }
    }

    pub fn tokens(&self) -> &Arc<TokenCache> {
        &self.tokens
    }

    pub fn policy(&self) -> &Arc<PolicyCache> {
        &self.policy
    }

    pub fn proof(&self) -> &ListenerProof {
        &self.proof
    }

    /// Starts hearing SQLite's changes; PostgreSQL's listener is `postgres::listen`.
    pub fn listen_in_process(self: &Arc<Self>) {
        let Some(mut receiver) = lock(&self.in_process_receiver).take() else {
            return;
        };
        self.listening.store(true, Ordering::Release);
        let feed = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some(text) = receiver.recv().await {
                let Some(feed) = feed.upgrade() else { return };
                feed.receive(&text);
            }
        });
    }

    /// A change about to be written, numbered so that its echo can be told apart.
    pub fn prepare(&self, change: Change) -> Outgoing<'_> {
        let (writer, heard) = oneshot::channel();
        let (sequence, text) = self.register(change.clone(), Some(writer));
        Outgoing {
            feed: self,
            sequence,
            change,
            text,
            heard,
        }
    }

    /// A notification that changes nothing, sent to prove the listener works.
    pub fn heartbeat(&self) -> String {
        let mut awaited = lock(&self.awaited);
        // Heartbeats a stuck listener never heard would pile up.
        awaited.retain(|_, waiting| waiting.sent.elapsed() < Duration::from_secs(60));
        drop(awaited);
        self.register(Change::Heartbeat, None).1
    }

    fn register(&self, change: Change, writer: Option<oneshot::Sender<()>>) -> (u64, String) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let envelope = Envelope {
            instance: self.instance,
            sequence,
            change,
        };
        let awaited = Awaited {
            sent: Instant::now(),
            writer,
        };
        lock(&self.awaited).insert(sequence, awaited);
        (sequence, envelope.encode())
    }

    /// A notification heard by the listener.
    pub fn receive(&self, text: &str) {
        let Some(envelope) = Envelope::decode(text) else {
            tracing::warn!(text, "ignored a notification that is not a change");
            return;
        };
        self.apply(&envelope.change);
        if envelope.instance != self.instance {
            return;
        }
        if let Some(awaited) = lock(&self.awaited).remove(&envelope.sequence) {
            self.proof.prove(awaited.sent);
            self.heard_own.notify_waiters();
            if let Some(writer) = awaited.writer {
                let _ = writer.send(());
            }
        }
    }

    /// Waits at most `limit` for the listener to be trusted; whether it is.
    pub async fn wait_for_proof(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let heard = self.heard_own.notified();
            if self.proof.trusted() {
                return true;
            }
            if tokio::time::timeout_at(deadline, heard).await.is_err() {
                return self.proof.trusted();
            }
        }
    }

    /// The listener's connection broke: changes may have been missed.
    pub fn lost(&self) {
        self.proof.lose();
        self.tokens.forget_all();
        self.policy.forget();
        // Dropping the writers' senders tells them not to wait.
        lock(&self.awaited).clear();
        tracing::warn!("lost the change listener; memory is not trusted until it is back");
    }

    fn apply(&self, change: &Change) {
        match change {
            Change::Token(hash) => self.tokens.forget_token(hash),
            Change::User(user_id) => self.tokens.forget_user(*user_id),
            // A token's permissions count under the catalogue and its owner's role.
            Change::Policy => {
                self.policy.forget();
                self.tokens.forget_all();
            }
            Change::AllTokens => self.tokens.forget_all(),
            // Sessions are read from the database on every request: nothing to forget.
            Change::Session(_) | Change::Heartbeat => {}
        }
    }

    fn mark_listening(&self) {
        self.listening.store(true, Ordering::Release);
    }
}

impl Outgoing<'_> {
    /// What goes into the notification.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// After the write committed: waits until this instance has heard the change. Should the
    /// listener be down or late, the change is applied here, so that this instance never
    /// answers from before its own write.
    pub async fn delivered(mut self) {
        let feed = self.feed;
        if !feed.listening.load(Ordering::Acquire) || !feed.proof.trusted() {
            feed.apply(&self.change);
            return;
        }
        if let Some(channel) = &feed.in_process {
            let _ = channel.send(std::mem::take(&mut self.text));
        }
        if !matches!(
            tokio::time::timeout(ECHO_WAIT, &mut self.heard).await,
            Ok(Ok(()))
        ) {
            tracing::warn!(change = ?self.change, "did not hear a change back; applied it here");
            feed.apply(&self.change);
        }
    }
}

impl Drop for Outgoing<'_> {
    /// A write that failed, or was heard: nothing is awaited any more.
    fn drop(&mut self) {
        lock(&self.feed.awaited).remove(&self.sequence);
    }
}
