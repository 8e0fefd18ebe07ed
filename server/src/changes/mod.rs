//! Change events: how every Tessera instance on one database hears what any of them changed.
//!
//! A write that changes what a token check, a sign-in, a session check or a form would
//! answer sends a [`Change`] inside its own transaction (PostgreSQL's `pg_notify`, delivered
//! only if the write commits). Every instance listens, forgets exactly what the change names,
//! and says it has (`Message::Applied`). On SQLite, the embedded single-instance database,
//! the same text goes through an in-process channel, so both take one path to memory.
//!
//! The writer waits until it has heard its change back and every other live instance (heard
//! from within `TRUST_WITHOUT_PROOF`) has said it applied it: when a request answers, the
//! change holds everywhere. Each of an instance's own notifications heard back also proves
//! that its listener works; memory is believed only shortly after such a proof.

mod change;
pub mod postgres;
mod proof;

pub use change::{Change, Envelope, Message};
pub use proof::{ListenerProof, TRUST_WITHOUT_PROOF};

use crate::bearer::cache::TokenCache;
use crate::bearer::lock;
use crate::metrics::{record_change_event, record_listener_reconnect};
use app::security::PolicyCache;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, Notify};

/// How long a writer waits for its change to be applied everywhere. An instance slower than
/// this is not waited for; one whose listener is broken stops trusting its memory anyway.
const APPLIED_WAIT: Duration = Duration::from_secs(2);

pub struct ChangeFeed {
    /// Tells this instance's notifications from the others'.
    instance: u64,
    sequence: AtomicU64,
    /// This instance's notifications not yet heard back or applied everywhere, by sequence.
    awaited: Mutex<HashMap<u64, Awaited>>,
    /// The other instances on the database, and when each was last heard.
    peers: Mutex<HashMap<u64, Instant>>,
    /// Where this instance's `Applied` messages go out (PostgreSQL's sender task).
    outbox: Mutex<Option<mpsc::UnboundedSender<String>>>,
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
    heard_back: bool,
    /// A change, which every live instance is to apply; anything else only needs hearing back.
    to_apply: bool,
    /// Live instances yet to apply it, once it is heard back.
    waiting_for: HashSet<u64>,
    /// Instances that applied it before this one heard it back.
    applied_by: HashSet<u64>,
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
            peers: Mutex::default(),
            outbox: Mutex::new(None),
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
        self.register(Message::Heartbeat, None).1
    }

    fn register(
        &self,
        message: impl Into<Message>,
        writer: Option<oneshot::Sender<()>>,
    ) -> (u64, String) {
        let message = message.into();
        let to_apply = matches!(message, Message::Change(_));
        let (sequence, text) = self.envelope(message);
        let awaited = Awaited {
            sent: Instant::now(),
            to_apply,
            writer,
            heard_back: false,
            waiting_for: HashSet::new(),
            applied_by: HashSet::new(),
        };
        lock(&self.awaited).insert(sequence, awaited);
        (sequence, text)
    }

    fn envelope(&self, message: Message) -> (u64, String) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let envelope = Envelope {
            instance: self.instance,
            sequence,
            message,
        };
        (sequence, envelope.encode())
    }

    /// A notification heard by the listener.
    pub fn receive(&self, text: &str) {
        let Some(Envelope {
            instance,
            sequence,
            message,
        }) = Envelope::decode(text)
        else {
            tracing::warn!(text, "ignored a notification that is not a change");
            return;
        };
        let own = instance == self.instance;
        if !own {
            lock(&self.peers).insert(instance, Instant::now());
        }
        match message {
            Message::Change(change) => {
                record_change_event(own);
                self.apply(&change);
                if own {
                    self.heard_back(sequence);
                } else {
                    self.say_applied(instance, sequence);
                }
            }
            Message::Heartbeat | Message::Leaving if own => self.heard_back(sequence),
            Message::Leaving => self.forget_peer(instance),
            Message::Applied {
                instance: writer,
                sequence,
            } if writer == self.instance && !own => self.applied(instance, sequence),
            Message::Heartbeat | Message::Applied { .. } => {}
        }
    }

    /// Another instance stopped: writers stop waiting for it.
    fn forget_peer(&self, peer: u64) {
        lock(&self.peers).remove(&peer);
        let mut awaited = lock(&self.awaited);
        let sequences: Vec<u64> = awaited.keys().copied().collect();
        for sequence in sequences {
            if let Some(entry) = awaited.get_mut(&sequence) {
                entry.waiting_for.remove(&peer);
            }
            finish_if_done(&mut awaited, sequence);
        }
    }

    fn heard_back(&self, sequence: u64) {
        let mut awaited = lock(&self.awaited);
        let Some(entry) = awaited.get_mut(&sequence) else {
            return;
        };
        self.proof.prove(entry.sent);
        self.heard_own.notify_waiters();
        entry.heard_back = true;
        if entry.to_apply {
            entry.waiting_for = &self.live_peers() - &entry.applied_by;
        }
        finish_if_done(&mut awaited, sequence);
    }

    fn applied(&self, peer: u64, sequence: u64) {
        let mut awaited = lock(&self.awaited);
        if let Some(entry) = awaited.get_mut(&sequence) {
            entry.applied_by.insert(peer);
            entry.waiting_for.remove(&peer);
            finish_if_done(&mut awaited, sequence);
        }
    }

    fn say_applied(&self, instance: u64, sequence: u64) {
        if let Some(outbox) = &*lock(&self.outbox) {
            let (_, text) = self.envelope(Message::Applied { instance, sequence });
            let _ = outbox.send(text);
        }
    }

    /// The other instances heard from lately; the rest are forgotten.
    fn live_peers(&self) -> HashSet<u64> {
        let mut peers = lock(&self.peers);
        peers.retain(|_, heard| heard.elapsed() < TRUST_WITHOUT_PROOF);
        peers.keys().copied().collect()
    }

    /// Tells the other instances this one is stopping, so that their writers stop waiting for
    /// it; returns once the message went out (or after a second).
    pub async fn leave(&self) {
        let Some(outbox) = lock(&self.outbox).clone() else {
            return;
        };
        let (writer, heard) = oneshot::channel();
        let (_, text) = self.register(Message::Leaving, Some(writer));
        if outbox.send(text).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), heard).await;
        }
    }

    /// Whether this instance hears every change now: always in process (SQLite); on
    /// PostgreSQL, while its listener has proved itself lately.
    pub fn hears_changes(&self) -> bool {
        self.proof.trusted()
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
        record_listener_reconnect();
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
            Change::Session(_) => {}
        }
    }

    /// A listener runs, and this instance's `Applied` messages are to go to `outbox`.
    fn mark_listening(&self, outbox: mpsc::UnboundedSender<String>) {
        *lock(&self.outbox) = Some(outbox);
        self.listening.store(true, Ordering::Release);
    }
}

/// Tells the writer once its change was heard back and applied by every live instance.
fn finish_if_done(awaited: &mut HashMap<u64, Awaited>, sequence: u64) {
    let done = awaited
        .get(&sequence)
        .is_some_and(|entry| entry.heard_back && entry.waiting_for.is_empty());
    if done {
        if let Some(writer) = awaited.remove(&sequence).and_then(|entry| entry.writer) {
            let _ = writer.send(());
        }
    }
}

impl Outgoing<'_> {
    /// What goes into the notification.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// After the write committed: waits until the change is applied everywhere. Should the
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
            tokio::time::timeout(APPLIED_WAIT, &mut self.heard).await,
            Ok(Ok(()))
        ) {
            tracing::warn!(change = ?self.change, "a change was not applied everywhere in time");
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

#[cfg(test)]
mod tests {
    use super::*;
    use app::rules::secret::SecretHash;

    fn text(instance: u64, sequence: u64, message: impl Into<Message>) -> String {
        let message = message.into();
        Envelope {
            instance,
            sequence,
            message,
        }
        .encode()
    }

    /// A feed that hears notifications by hand, as its listener would; its own instance.
    fn listening_feed() -> (ChangeFeed, u64, mpsc::UnboundedReceiver<String>) {
        let feed = ChangeFeed::notifications();
        let (outbox, sent) = mpsc::unbounded_channel();
        feed.mark_listening(outbox);
        let own = feed.instance;
        (feed, own, sent)
    }

    #[tokio::test]
    async fn a_write_waits_until_every_live_instance_applied_its_change() {
        let (feed, own, _) = listening_feed();
        feed.receive(&text(7, 0, Message::Heartbeat));
        feed.proof.prove(Instant::now());
        let change = Change::Token(SecretHash::of("t"));
        let outgoing = feed.prepare(change.clone());
        let sequence = outgoing.sequence;
        let mut delivered = Box::pin(outgoing.delivered());

        feed.receive(&text(own, sequence, change));
        let applied = Message::Applied {
            instance: own,
            sequence,
        };
        tokio::select! {
            () = &mut delivered => panic!("finished before instance 7 applied the change"),
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        feed.receive(&text(7, 1, applied));
        tokio::time::timeout(Duration::from_secs(1), delivered)
            .await
            .expect("finished once instance 7 applied it");
        assert!(lock(&feed.awaited).is_empty());
    }

    #[tokio::test]
    async fn a_write_stops_waiting_for_an_instance_that_left() {
        let (feed, own, _) = listening_feed();
        feed.receive(&text(7, 0, Message::Heartbeat));
        feed.proof.prove(Instant::now());
        let outgoing = feed.prepare(Change::Policy);
        let sequence = outgoing.sequence;
        let delivered = outgoing.delivered();
        feed.receive(&text(own, sequence, Change::Policy));
        feed.receive(&text(7, 1, Message::Leaving));
        tokio::time::timeout(Duration::from_millis(500), delivered)
            .await
            .expect("not waiting for instance 7 any more");
        assert!(feed.live_peers().is_empty());
    }

    #[tokio::test]
    async fn leaving_says_so_and_returns_once_heard_back() {
        let (feed, own, mut sent) = listening_feed();
        let heard = async {
            let text = sent.recv().await.unwrap();
            let envelope = Envelope::decode(&text).unwrap();
            assert_eq!(
                (envelope.instance, envelope.message),
                (own, Message::Leaving)
            );
            feed.receive(&text);
        };
        let started = Instant::now();
        tokio::join!(feed.leave(), heard);
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "heard back at once"
        );
    }

    #[tokio::test]
    async fn another_instances_change_is_applied_and_acknowledged() {
        let (feed, own, mut sent) = listening_feed();
        feed.receive(&text(9, 4, Change::User(3)));
        let answer = Envelope::decode(&sent.recv().await.unwrap()).unwrap();
        assert_eq!(answer.instance, own);
        assert_eq!(
            answer.message,
            Message::Applied {
                instance: 9,
                sequence: 4
            }
        );
        feed.receive(&text(9, 5, Message::Heartbeat));
        assert!(sent.try_recv().is_err(), "heartbeats are not acknowledged");
    }

    #[tokio::test]
    async fn hearing_its_own_heartbeat_proves_the_listener_and_losing_it_forgets() {
        let (feed, own, _) = listening_feed();
        assert!(!feed.proof.trusted());
        let heartbeat = Envelope::decode(&feed.heartbeat()).unwrap();
        feed.receive(&text(own, heartbeat.sequence, Message::Heartbeat));
        assert!(feed.proof.trusted());
        assert!(feed.wait_for_proof(Duration::ZERO).await);
        feed.lost();
        assert!(!feed.proof.trusted());
        assert!(!feed.wait_for_proof(Duration::from_millis(10)).await);
    }

    #[tokio::test]
    async fn a_write_with_no_listener_applies_its_change_here() {
        let feed = ChangeFeed::notifications();
        feed.prepare(Change::Policy).delivered().await;
        assert!(lock(&feed.awaited).is_empty());
    }
}
