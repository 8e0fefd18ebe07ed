//! The lists people type (whitelists, the company allowlist): at most `MAX_ENTRIES`, each
//! kept once, in the order first given.

use std::collections::HashSet;
use std::hash::Hash;
use thiserror::Error;

/// Enough for any real whitelist or allowlist; more is a mistake or an attack on the time
/// every check takes.
pub const MAX_ENTRIES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("At most {MAX_ENTRIES} entries, not {0}.")]
pub struct TooManyEntries(pub usize);

/// `items` without repeats (two items are the same when their `key`s are), in linear time,
/// if no more than `MAX_ENTRIES` remain.
pub fn distinct<T, K: Hash + Eq>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
) -> Result<Vec<T>, TooManyEntries> {
    let mut seen = HashSet::new();
    let kept: Vec<T> = items
        .into_iter()
        .filter(|item| seen.insert(key(item)))
        .collect();
    match kept.len() {
        count if count > MAX_ENTRIES => Err(TooManyEntries(count)),
        _ => Ok(kept),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_go_and_the_first_order_stays() {
        assert_eq!(distinct([3, 1, 3, 2, 1], |n| *n), Ok(vec![3, 1, 2]));
        assert_eq!(distinct(Vec::<u8>::new(), |n| *n), Ok(Vec::new()));
        let words = ["A", "b", "a", "B"];
        assert_eq!(distinct(words, |w| w.to_lowercase()), Ok(vec!["A", "b"]));
    }

    #[test]
    fn at_most_the_limit_remains() {
        let limit = (0..MAX_ENTRIES).collect::<Vec<_>>();
        assert_eq!(distinct(limit.clone(), |n| *n), Ok(limit));
        let over = 0..=MAX_ENTRIES;
        assert_eq!(distinct(over, |n| *n), Err(TooManyEntries(MAX_ENTRIES + 1)));
        // Repeats do not count against the limit.
        let repeated = (0..MAX_ENTRIES).chain(0..MAX_ENTRIES);
        assert_eq!(
            distinct(repeated, |n| *n).map(|kept| kept.len()),
            Ok(MAX_ENTRIES)
        );
    }

    #[test]
    fn a_long_list_takes_linear_time() {
        // Quadratic deduplication would take minutes here; hashing takes milliseconds.
        let many = (0..200_000).map(|n| n % 50);
        assert_eq!(distinct(many, |n| *n).map(|kept| kept.len()), Ok(50));
    }
}
