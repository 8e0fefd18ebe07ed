//! Answers written once per token lookup instead of once per request.
//!
//! What `/me` and `/auth` send back depends only on the cached lookup (and, for the scopes a
//! gateway is told, on the policy). A lookup is a shared `Arc` that is replaced, never
//! changed, whenever anything it holds changes, and each reading of the policy has a
//! version number of its own: an answer remembered for the very same lookup and version is
//! still right, and an answer remembered for any other pair is simply written again.

use super::extract::ValidToken;
use app::store::{BearerToken, TokenId};
use quick_cache::sync::Cache;
use std::sync::{Arc, Weak};

/// As many answers as the token cache holds lookups, so each live token keeps its own.
const CAPACITY: usize = 100_000;

pub struct Rendered<V> {
    answers: Cache<TokenId, Answer<V>>,
}

#[derive(Clone)]
struct Answer<V> {
    // Weak, so that a remembered answer keeps no lookup alive; and while it exists, no later
    // lookup can be allocated where this one was, so comparing addresses is exact.
    lookup: Weak<BearerToken>,
    policy_version: u64,
    value: V,
}

impl<V: Clone> Default for Rendered<V> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<V: Clone> Rendered<V> {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            answers: Cache::new(capacity),
        }
    }

    /// The answer for this caller's lookup and policy, written by `render` the first time.
    pub fn get_or_render(&self, caller: &ValidToken, render: impl FnOnce() -> V) -> V {
        let (lookup, policy) = (&caller.found, &caller.policy);
        let id = lookup.token.id;
        if let Some(answer) = self.answers.get(&id) {
            if answer.lookup.as_ptr() == Arc::as_ptr(lookup)
                && answer.policy_version == policy.version
            {
                return answer.value;
            }
        }
        let value = render();
        self.answers.insert(
            id,
            Answer {
                lookup: Arc::downgrade(lookup),
                policy_version: policy.version,
                value: value.clone(),
            },
        );
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bearer;
    use app::security::Policy;
    use std::cell::Cell;

    /// Token 7, looked up with this label.
    fn lookup(label: &str) -> Arc<BearerToken> {
        let mut found = bearer(7, 1);
        found.token.label = label.into();
        Arc::new(found)
    }

    fn caller(found: Arc<BearerToken>, policy: Arc<Policy>) -> ValidToken {
        ValidToken { found, policy }
    }

    fn policy(version: u64) -> Arc<Policy> {
        Arc::new(Policy {
            version,
            ..Policy::default()
        })
    }

    /// Renders the caller's label, counting how often it had to.
    fn answer(rendered: &Rendered<String>, caller: &ValidToken, renders: &Cell<u32>) -> String {
        rendered.get_or_render(caller, || {
            renders.set(renders.get() + 1);
            caller.found.token.label.clone()
        })
    }

    #[test]
    fn the_same_lookup_and_policy_are_rendered_once() {
        let rendered = Rendered::with_capacity(10);
        let renders = Cell::new(0);
        let first = caller(lookup("first"), policy(1));
        assert_eq!(answer(&rendered, &first, &renders), "first");
        assert_eq!(answer(&rendered, &first, &renders), "first");
        assert_eq!(renders.get(), 1);
    }

    #[test]
    fn a_new_lookup_or_policy_is_rendered_again() {
        let rendered = Rendered::with_capacity(10);
        let renders = Cell::new(0);
        let policy = policy(1);
        answer(
            &rendered,
            &caller(lookup("first"), policy.clone()),
            &renders,
        );

        // The same token, looked up again after its label changed.
        let relabelled = caller(lookup("second"), policy);
        assert_eq!(answer(&rendered, &relabelled, &renders), "second");

        let new_policy = caller(relabelled.found.clone(), self::policy(2));
        assert_eq!(answer(&rendered, &new_policy, &renders), "second");
        assert_eq!(renders.get(), 3);
    }

    #[test]
    fn an_ended_lookup_is_never_mistaken_for_a_later_one() {
        let rendered = Rendered::with_capacity(10);
        let renders = Cell::new(0);
        let policy = policy(1);
        for label in ["first", "second", "third"] {
            // Each lookup is dropped before the next is made, where the allocator may
            // well put the next one at the same address.
            let each = caller(lookup(label), policy.clone());
            assert_eq!(answer(&rendered, &each, &renders), label);
        }
        assert_eq!(renders.get(), 3);
    }
}
