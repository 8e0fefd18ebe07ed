//! A token as the cache keeps it: the lookup, when it was last noted in use, and what the
//! bearer routes answer for it under the policy, worked out once.

use super::me;
use app::rules::access::Whitelists;
use app::rules::expiry::TokenStatus;
use app::rules::permission::usable;
use app::security::Policy;
use app::store::{BearerToken, TokenId};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::ops::Deref;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

pub struct CachedToken {
    found: BearerToken,
    /// Read from the stored entries once, not at every check.
    whitelists: Whitelists,
    /// The second of the latest use noted: later checks in the same second note nothing.
    noted_second: AtomicI64,
    view: OnceLock<PolicyView>,
}

impl CachedToken {
    pub fn new(found: BearerToken) -> Self {
        let restrictions = &found.token.restrictions;
        let whitelists =
            Whitelists::read(&restrictions.ip_whitelist, &restrictions.domain_whitelist);
        Self {
            found,
            whitelists,
            noted_second: AtomicI64::new(i64::MIN),
            view: OnceLock::new(),
        }
    }

    pub fn whitelists(&self) -> &Whitelists {
        &self.whitelists
    }

    pub fn id(&self) -> TokenId {
        self.found.token.id
    }

    pub fn status_at(&self, now: DateTime<Utc>) -> TokenStatus {
        self.found.token.status_at(now)
    }

    /// True for the first use in a second later than any noted before: last use is stored
    /// to the second, so the others have nothing to add.
    pub fn note_use(&self, at: DateTime<Utc>) -> bool {
        let second = at.timestamp();
        self.noted_second.load(Ordering::Relaxed) < second
            && self.noted_second.fetch_max(second, Ordering::Relaxed) < second
    }

    /// What to answer under `policy`: worked out by the first check, then read. A check still
    /// holding an older policy than the entry's works out its own.
    pub fn view_under(&self, policy: &Policy) -> Cow<'_, PolicyView> {
        let kept = self
            .view
            .get_or_init(|| PolicyView::new(&self.found, policy));
        if kept.policy_version == policy.version {
            Cow::Borrowed(kept)
        } else {
            Cow::Owned(PolicyView::new(&self.found, policy))
        }
    }
}

impl Deref for CachedToken {
    type Target = BearerToken;

    fn deref(&self) -> &BearerToken {
        &self.found
    }
}

/// What the bearer routes say about a token under one policy: the scopes it may use, its
/// id, and `/me`'s body.
#[derive(Clone, Debug)]
pub struct PolicyView {
    policy_version: u64,
    /// The permissions the token holds and may use, space-separated: an admin-only one stops
    /// counting once its owner is no longer an admin, a removed one once it is gone.
    pub scopes: String,
    pub token_id: String,
    /// `/me`'s JSON body.
    pub me: Option<String>,
}

impl PolicyView {
    fn new(found: &BearerToken, policy: &Policy) -> Self {
        let scopes = usable(
            &found.token.restrictions.permissions,
            found.owner.role,
            &policy.permissions,
        )
        .collect::<Vec<_>>()
        .join(" ");
        Self {
            policy_version: policy.version,
            scopes,
            token_id: found.token.id.to_string(),
            me: me::body(found),
        }
    }

    pub fn grants(&self, permission: &str) -> bool {
        !permission.is_empty() && self.scopes.split(' ').any(|held| held == permission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bearer;
    use app::rules::permission::Permission;
    use app::users::Role;

    fn policy(version: u64, admin_only: &[&str]) -> Policy {
        let permission = |name: &str| Permission {
            name: name.into(),
            description: String::new(),
            admin_only: admin_only.contains(&name),
            builtin: false,
        };
        Policy {
            version,
            permissions: ["profile:read", "tokens:read", "users:manage"]
                .into_iter()
                .map(permission)
                .collect(),
            ..Policy::default()
        }
    }

    fn cached(permissions: &[&str], role: Role) -> CachedToken {
        let mut found = bearer(42, 7);
        found.owner.username = "alice".into();
        found.owner.role = role;
        found.token.restrictions.permissions = permissions.iter().map(|&p| p.into()).collect();
        CachedToken::new(found)
    }

    #[test]
    fn a_view_names_the_usable_permissions_and_holds_the_me_body() {
        let token = cached(&["profile:read", "users:manage", "gone:away"], Role::Admin);
        let view = token.view_under(&policy(1, &["users:manage"]));
        assert_eq!(view.scopes, "profile:read users:manage");
        assert_eq!(view.token_id, "42");
        let me: serde_json::Value = serde_json::from_str(view.me.as_ref().unwrap()).unwrap();
        assert_eq!(me["user"]["username"], "alice");
        assert_eq!(me["token"]["permissions"][2], "gone:away");
        assert!(view.grants("users:manage"));
        assert!(!view.grants("gone:away"), "no longer in the catalogue");
        assert!(!view.grants("profile"), "whole names only");
        assert!(!view.grants(""));
    }

    #[test]
    fn a_token_without_permissions_grants_nothing() {
        let view = cached(&[], Role::User)
            .view_under(&policy(1, &[]))
            .into_owned();
        assert_eq!(view.scopes, "");
        assert!(!view.grants(""));
        assert!(!view.grants("profile:read"));
    }

    #[test]
    fn a_view_is_kept_for_its_policy_and_worked_out_anew_for_another() {
        let token = cached(&["users:manage"], Role::User);
        token.view_under(&policy(1, &[]));
        assert!(matches!(
            token.view_under(&policy(1, &[])),
            Cow::Borrowed(_)
        ));
        let later = token.view_under(&policy(2, &["users:manage"]));
        assert!(matches!(later, Cow::Owned(_)));
        assert_eq!(
            later.scopes, "",
            "an admin-only permission a user holds stops counting"
        );
        assert_eq!(token.view_under(&policy(1, &[])).scopes, "users:manage");
    }

    #[test]
    fn a_use_is_noted_once_a_second() {
        let token = cached(&[], Role::User);
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(token.note_use(at));
        assert!(!token.note_use(at + chrono::Duration::milliseconds(999)));
        assert!(!token.note_use(at - chrono::Duration::seconds(5)), "older");
        assert!(token.note_use(at + chrono::Duration::seconds(1)));
    }

    #[test]
    fn status_comes_from_the_lookup() {
        let mut found = bearer(3, 1);
        found.token.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
        assert_eq!(
            CachedToken::new(found).status_at(Utc::now()),
            TokenStatus::Expired
        );
        let plain = cached(&[], Role::User);
        assert_eq!(plain.status_at(Utc::now()), TokenStatus::Active);
    }
}
