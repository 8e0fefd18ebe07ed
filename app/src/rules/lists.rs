//! The lists people type (whitelists, the company allowlist): each entry kept once, in the
//! order first given, and at most `MAX_ENTRIES` of them.

use std::collections::HashSet;
use std::hash::Hash;
use thiserror::Error;

/// Enough for any real whitelist or allowlist; more is a mistake or an attack on the time
/// every check takes.
pub const MAX_ENTRIES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("At most {MAX_ENTRIES} entries, not {0}.")]
pub struct TooManyEntries(pub usize);

/// `items` without repeats (two items are the same when their `key`s are), in the order
/// first given, in linear time.
pub fn distinct<T, K: Hash + Eq>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(key(item)))
        .collect()
}

/// `items`, if there are no more than `MAX_ENTRIES` of them.
pub fn at_most_max<T>(items: Vec<T>) -> Result<Vec<T>, TooManyEntries> {
    match items.len() {
        count if count > MAX_ENTRIES => Err(TooManyEntries(count)),
        _ => Ok(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_go_and_the_first_order_stays() {
        assert_eq!(distinct([3, 1, 3, 2, 1], |n| *n), vec![3, 1, 2]);
        assert_eq!(distinct(Vec::<u8>::new(), |n| *n), Vec::<u8>::new());
        let words = ["A", "b", "a", "B"];
        assert_eq!(distinct(words, |w| w.to_lowercase()), vec!["A", "b"]);
    }

    #[test]
    fn at_most_the_limit_remains() {
        let limit = (0..MAX_ENTRIES).collect::<Vec<_>>();
        assert_eq!(at_most_max(limit.clone()), Ok(limit));
        let over = (0..=MAX_ENTRIES).collect::<Vec<_>>();
        assert_eq!(at_most_max(over), Err(TooManyEntries(MAX_ENTRIES + 1)));
        // Repeats go first, so they do not count against the limit.
        let repeated = distinct((0..MAX_ENTRIES).chain(0..MAX_ENTRIES), |n| *n);
        assert_eq!(
            at_most_max(repeated).map(|kept| kept.len()),
            Ok(MAX_ENTRIES)
        );
    }

    #[test]
    fn a_long_list_takes_linear_time() {
        // Quadratic deduplication would take minutes here; hashing takes milliseconds.
        let many = (0..200_000).map(|n| n % 50);
        assert_eq!(distinct(many, |n| *n).len(), 50);
    }
}
