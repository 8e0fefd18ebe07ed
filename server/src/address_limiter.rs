//! Slows down an address that does too much of something: presents bad tokens, or reports
//! leaks. After a burst an address is answered 429 until its allowance refills. Other
//! addresses are never affected.

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use quick_cache::sync::Cache;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Addresses waiting out a block; bounded, like everything an attacker can add to.
const BLOCKED_CAPACITY: usize = 10_000;
/// Addresses with a used allowance beyond which the refilled ones are dropped straight
/// away, not at the next five-minute sweep: one failure from each of very many addresses
/// (an IPv6 network holds more /64s than memory) must not pile up between sweeps.
const TRACKED_BEFORE_SWEEP: usize = 50_000;
/// Those early sweeps are this far apart at least, so uses cannot each pay for one.
const EARLY_SWEEP_GAP: Duration = Duration::from_secs(1);

pub struct AddressLimiter {
    /// None when limiting is off (such as `--auth-failures-per-minute 0`).
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// When each blocked address may try again. Checking this costs no allowance, so a
    /// blocked address is refused before its token reaches the database.
    blocked: Cache<IpAddr, Instant>,
    /// Whether any address was ever blocked: until then, checks skip `blocked` altogether.
    ever_blocked: AtomicBool,
    last_early_sweep: Mutex<Instant>,
}

impl AddressLimiter {
    /// Allows `per_minute` uses a minute per address, all of them at once if need be.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n))),
            blocked: Cache::new(BLOCKED_CAPACITY),
            ever_blocked: AtomicBool::new(false),
            last_early_sweep: Mutex::new(Instant::now()),
        }
    }

    /// How long `ip` must still wait, if it is blocked.
    pub fn blocked(&self, ip: Option<IpAddr>) -> Option<Duration> {
        if !self.ever_blocked.load(Ordering::Acquire) {
            return None;
        }
        let key = key(ip?);
        let until = self.blocked.get(&key)?;
        let wait = until.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            self.blocked.remove(&key);
            return None;
        }
        Some(wait)
    }

    /// Counts a use from `ip`; how long it must wait if that used up its allowance.
    pub fn spend(&self, ip: Option<IpAddr>) -> Option<Duration> {
        let (limiter, ip) = (self.limiter.as_ref()?, ip?);
        let key = key(ip);
        let outcome = limiter.check_key(&key);
        if limiter.len() > TRACKED_BEFORE_SWEEP {
            self.sweep_early(limiter);
        }
        let not_until = outcome.err()?;
        let wait = not_until.wait_time_from(limiter.clock().now());
        self.blocked.insert(key, Instant::now() + wait);
        self.ever_blocked.store(true, Ordering::Release);
        Some(wait)
    }

    /// How many addresses have an allowance in use.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.limiter.as_ref().map_or(0, |limiter| limiter.len())
    }

    fn sweep_early(&self, limiter: &DefaultKeyedRateLimiter<IpAddr>) {
        // Whoever finds the lock taken leaves the sweep to its holder.
        let Ok(mut last) = self.last_early_sweep.try_lock() else {
            return;
        };
        if last.elapsed() < EARLY_SWEEP_GAP {
            return;
        }
        *last = Instant::now();
        limiter.retain_recent();
    }

    /// Drops the allowances that have refilled completely, every few minutes, so that
    /// addresses seen once do not stay in memory.
    pub fn spawn_cleanup(self: &Arc<Self>) {
        let limiter = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(300));
            loop {
                ticks.tick().await;
                let Some(limiter) = limiter.upgrade() else {
                    return;
                };
                if let Some(limiter) = &limiter.limiter {
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            }
        });
    }
}

/// One IPv6 host usually holds a whole /64, so that is what one address means there.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn blocks_an_address_after_its_allowance_and_no_other() {
        let limiter = AddressLimiter::new(3);
        for _ in 0..3 {
            assert_eq!(limiter.spend(ip("203.0.113.7")), None);
            assert_eq!(limiter.blocked(ip("203.0.113.7")), None);
        }
        let wait = limiter
            .spend(ip("203.0.113.7"))
            .expect("the fourth failure blocks");
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.blocked(ip("203.0.113.7")).is_some());
        assert_eq!(limiter.blocked(ip("203.0.113.8")), None);
        assert_eq!(limiter.spend(ip("203.0.113.8")), None);
    }

    #[test]
    fn addresses_that_failed_once_do_not_pile_up() {
        let limiter = AddressLimiter::new(60_000);
        let many = TRACKED_BEFORE_SWEEP as u128 + 5_000;
        for n in 0..many {
            // A different /64 each time.
            let ip = IpAddr::V6(Ipv6Addr::from((0x2001_0db8_u128 << 96) | (n << 64)));
            assert_eq!(limiter.spend(Some(ip)), None);
        }
        assert_eq!(
            limiter.tracked() as u128,
            many,
            "all still within their minute"
        );
        // At 60,000 a minute one failure is refilled within a millisecond.
        std::thread::sleep(EARLY_SWEEP_GAP + Duration::from_millis(10));
        limiter.spend(ip("192.0.2.1"));
        assert!(limiter.tracked() <= 1, "{} tracked", limiter.tracked());
    }

    #[test]
    fn an_ipv6_slash_64_is_one_address() {
        let limiter = AddressLimiter::new(1);
        assert_eq!(limiter.spend(ip("2001:db8:1:2::1")), None);
        assert!(limiter.spend(ip("2001:db8:1:2:ffff::9")).is_some());
        assert!(limiter.blocked(ip("2001:db8:1:2::77")).is_some());
        assert_eq!(limiter.blocked(ip("2001:db8:1:3::1")), None);
    }

    #[test]
    fn off_or_unknown_address_never_blocks() {
        let off = AddressLimiter::new(0);
        for _ in 0..100 {
            assert_eq!(off.spend(ip("203.0.113.7")), None);
        }
        let on = AddressLimiter::new(1);
        for _ in 0..100 {
            assert_eq!(on.spend(None), None);
        }
        assert_eq!(on.blocked(None), None);
    }
}
