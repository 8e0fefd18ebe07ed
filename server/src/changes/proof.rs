//! How long memory may be believed: only while the instance has recent proof that it hears
//! every change. A listener whose connection silently stopped delivering would otherwise
//! let cached tokens outlive their expiry for as long as it stayed broken.

use app::security::policy::Freshness;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// No cached answer is trusted longer than this after the last proof.
pub const TRUST_WITHOUT_PROOF: Duration = Duration::from_secs(5);

pub struct ListenerProof {
    /// Where `proven` counts from.
    start: Instant,
    /// When the latest proof was sent, in nanoseconds after `start`, plus one; 0 for none.
    proven: AtomicU64,
    /// A process that hears its changes in process, where nothing can be lost, always trusts.
    always: bool,
}

impl ListenerProof {
    /// For a listener on a connection that can be lost; untrusted until its first proof.
    pub fn needed() -> Self {
        Self {
            start: Instant::now(),
            proven: AtomicU64::new(0),
            always: false,
        }
    }

    pub fn never_needed() -> Self {
        Self {
            always: true,
            ..Self::needed()
        }
    }

    pub fn trusted(&self) -> bool {
        self.trusted_at(Instant::now())
    }

    pub fn trusted_at(&self, now: Instant) -> bool {
        if self.always {
            return true;
        }
        match self.proven.load(Ordering::Acquire) {
            0 => false,
            proven => self.nanos(now) < proven - 1 + nanos(TRUST_WITHOUT_PROOF),
        }
    }

    /// The listener received a notification sent at `sent`: every change committed before
    /// then has reached it, since PostgreSQL delivers notifications in commit order.
    pub fn prove(&self, sent: Instant) {
        self.proven
            .fetch_max(self.nanos(sent) + 1, Ordering::AcqRel);
    }

    /// The listener's connection was lost: nothing is trusted until a new proof.
    pub fn lose(&self) {
        self.proven.store(0, Ordering::Release);
    }

    fn nanos(&self, at: Instant) -> u64 {
        nanos(at.saturating_duration_since(self.start))
    }
}

impl Freshness for ListenerProof {
    fn is_fresh(&self) -> bool {
        self.trusted()
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_from_a_proof_until_the_bound_after_it() {
        let proof = ListenerProof::needed();
        let sent = proof.start + Duration::from_secs(10);
        assert!(!proof.trusted_at(sent), "no proof yet");
        proof.prove(sent);
        assert!(proof.trusted_at(sent));
        assert!(proof.trusted_at(sent + TRUST_WITHOUT_PROOF - Duration::from_nanos(1)));
        assert!(!proof.trusted_at(sent + TRUST_WITHOUT_PROOF));
        assert!(!proof.trusted_at(sent + Duration::from_secs(3600)));
    }

    #[test]
    fn an_older_proof_arriving_late_does_not_shorten_trust() {
        let proof = ListenerProof::needed();
        let (early, late) = (proof.start, proof.start + Duration::from_secs(3));
        proof.prove(late);
        proof.prove(early);
        assert!(proof.trusted_at(late + Duration::from_secs(4)));
    }

    #[test]
    fn a_lost_listener_is_untrusted_at_once_until_proven_again() {
        let proof = ListenerProof::needed();
        let now = proof.start + Duration::from_secs(1);
        proof.prove(now);
        proof.lose();
        assert!(!proof.trusted_at(now));
        proof.prove(now);
        assert!(proof.trusted_at(now));
    }

    #[test]
    fn an_in_process_feed_is_always_trusted() {
        let proof = ListenerProof::never_needed();
        assert!(proof.trusted_at(proof.start + Duration::from_secs(86_400)));
        proof.lose();
        assert!(proof.trusted());
    }
}
