//! Sign-in throttling. Failures are counted per username and per client address (an IPv6
//! client by its /64, which one subscriber usually holds whole). After `FREE_FAILURES` in a
//! row, each further one doubles the wait before the next attempt, up to `LONGEST_WAIT`.
//! A failure more than `FORGET_AFTER` after the one before starts the count again.

use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

pub const FREE_FAILURES: i64 = 5;
pub const FIRST_WAIT: Duration = Duration::seconds(30);
pub const LONGEST_WAIT: Duration = Duration::minutes(15);
pub const FORGET_AFTER: Duration = Duration::hours(1);

/// What failures are counted against: the name tried, and where the attempt came from.
pub fn subjects(username: &str, address: Option<IpAddr>) -> Vec<String> {
    std::iter::once(user_subject(username))
        .chain(address_subject(address))
        .collect()
}

/// The name tried, as a subject.
pub fn user_subject(username: &str) -> String {
    format!("user:{username}")
}

/// Where an attempt came from, as a subject: an IPv6 client by its /64.
pub fn address_subject(address: Option<IpAddr>) -> Option<String> {
    match super::network::canonical(address?) {
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            Some(format!("address:{a:x}:{b:x}:{c:x}:{d:x}::/64"))
        }
        v4 => Some(format!("address:{v4}")),
    }
}

/// The wait after `failures` failures in a row: none for the first few.
pub fn wait_after(failures: i64) -> Duration {
    let doublings = failures - FREE_FAILURES;
    if doublings < 0 {
        return Duration::zero();
    }
    let wait = FIRST_WAIT
        .num_seconds()
        .saturating_mul(1 << doublings.min(20));
    Duration::seconds(wait).min(LONGEST_WAIT)
}

/// How long from `now` someone with `failures` failures in a row, the last at `last`, must
/// still wait; `None` when they may try.
pub fn still_waiting(failures: i64, last: DateTime<Utc>, now: DateTime<Utc>) -> Option<Duration> {
    if now - last >= FORGET_AFTER {
        return None;
    }
    let left = last + wait_after(failures) - now;
    (left > Duration::zero()).then_some(left)
}

/// A wait in words, for the page: "30 seconds", "2 minutes".
pub fn in_words(wait: Duration) -> String {
    let seconds = wait.num_seconds().max(1);
    match seconds {
        1 => "1 second".to_owned(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap() + Duration::seconds(seconds)
    }

    #[test]
    fn the_first_failures_cost_nothing_then_waits_double_up_to_a_limit() {
        for failures in 0..FREE_FAILURES {
            assert_eq!(wait_after(failures), Duration::zero(), "{failures}");
        }
        assert_eq!(wait_after(5), Duration::seconds(30));
        assert_eq!(wait_after(6), Duration::seconds(60));
        assert_eq!(wait_after(7), Duration::seconds(120));
        assert_eq!(wait_after(10), LONGEST_WAIT);
        assert_eq!(wait_after(i64::MAX), LONGEST_WAIT);
    }

    #[test]
    fn a_wait_runs_from_the_last_failure_and_is_forgotten_in_time() {
        assert_eq!(still_waiting(4, at(0), at(0)), None);
        assert_eq!(still_waiting(5, at(0), at(10)), Some(Duration::seconds(20)));
        assert_eq!(still_waiting(5, at(0), at(30)), None);
        assert_eq!(
            still_waiting(12, at(0), at(60)),
            Some(LONGEST_WAIT - Duration::seconds(60))
        );
        assert_eq!(still_waiting(12, at(0), at(0) + FORGET_AFTER), None);
    }

    #[test]
    fn failures_count_against_the_name_and_the_address() {
        let v4 = "203.0.113.7".parse().ok();
        assert_eq!(subjects("alice", v4), ["user:alice", "address:203.0.113.7"]);
        let mapped = "::ffff:203.0.113.7".parse().ok();
        assert_eq!(
            subjects("alice", mapped),
            ["user:alice", "address:203.0.113.7"]
        );
        // Every address of one /64 is one subject.
        let v6 = "2001:db8:1:2:aaaa::1".parse().ok();
        let same_net = "2001:db8:1:2:bbbb::9".parse().ok();
        assert_eq!(
            subjects("alice", v6),
            ["user:alice", "address:2001:db8:1:2::/64"]
        );
        assert_eq!(subjects("alice", v6), subjects("alice", same_net));
        assert_eq!(subjects("alice", None), ["user:alice"]);
    }

    #[test]
    fn waits_are_told_in_words() {
        assert_eq!(in_words(Duration::milliseconds(200)), "1 second");
        assert_eq!(in_words(Duration::seconds(30)), "30 seconds");
        assert_eq!(in_words(Duration::seconds(91)), "2 minutes");
        assert_eq!(in_words(LONGEST_WAIT), "15 minutes");
    }
}
