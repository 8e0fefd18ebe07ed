//! A token the database knows, as the bearer cache keeps it.
//!
//! A check of a known token reads its expiry, whether it has whitelists, and the answer
//! its route sends; it writes down its last use. With thousands of tokens in use those
//! reads miss the core's caches, and each separate block of memory costs a miss: spread
//! over the lookup's fields, a second cache of answers and a map of last uses, a check of
//! `/api/v1/auth` missed a 1 MiB cache 10.9 times where `/healthz` missed it 3.6 times
//! (bench/cache-misses.sh, about 1,070 tokens), and wrk's ratio to `/healthz` fell from
//! about 0.92 with 8 tokens to 0.75–0.85 with thousands. So all of it sits at the front of
//! one allocation, the rendered answers included when they fit, and the full lookup, which
//! only slow paths and the first rendering read, comes after. The answers once had a block
//! of their own: perf put a tenth of a microsecond per `/me` request on its first read.

use super::{lock, me};
use app::rules::expiry::TokenStatus;
use app::rules::permission::usable;
use app::rules::secret::SecretHash;
use app::security::Policy;
use app::store::{BearerToken, TokenId, TokenRecord};
use arrayvec::ArrayString;
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// When a token was last used, and from where.
pub type LastUse = (DateTime<Utc>, Option<IpAddr>);

// `repr(C)` keeps the declared order. The first cache lines hold the `Arc`'s counts and all
// that every check reads, the answers included. Besides the counts, a check writes at most
// once a second (the last use) and once per lookup (the answers), so that a token checked on
// both cores is not moved between their caches on every check.
#[repr(C)]
pub struct KnownToken {
    /// What the bearer cache finds it by.
    secret_hash: SecretHash,
    id: TokenId,
    /// The second of the latest use noted, read before anything is written.
    noted_second: AtomicI64,
    /// The bearer cache's deadlines for this lookup, in nanoseconds after the cache started:
    /// from `renew_from` a check has it asked again in the background, from `stale_from` it
    /// is not trusted at all. Set again when a renewal finds the token unchanged.
    renew_from: AtomicU64,
    stale_from: AtomicU64,
    expires_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    /// An IP or domain whitelist: only then does a check read the lookup's lists.
    whitelisted: bool,
    /// Queued for the bearer cache's next renewal query, or in it.
    renewal_claimed: AtomicBool,
    /// Rendered by the first check that needs them, then only read.
    answers: OnceLock<Answers>,
    /// Those for a later policy, once an admin changed the settings: replaced as needed,
    /// until the entry is next renewed (at most `MAX_AGE` later), which replaces it.
    later_answers: Mutex<Option<Box<Answers>>>,
    notes: Mutex<Notes>,
    found: BearerToken,
}

/// The latest use, for the usage recorder's next flush.
#[derive(Default)]
struct Notes {
    last_use: Option<LastUse>,
    /// In the usage recorder's list, waiting for its next flush.
    queued: bool,
}

impl KnownToken {
    pub fn new(secret_hash: SecretHash, found: BearerToken) -> Self {
        let restrictions = &found.token.restrictions;
        Self {
            secret_hash,
            renew_from: AtomicU64::new(0),
            stale_from: AtomicU64::new(0),
            id: found.token.id,
            expires_at: found.token.expires_at,
            expired_at: found.token.expired_at,
            noted_second: AtomicI64::new(i64::MIN),
            whitelisted: !restrictions.ip_whitelist.is_empty()
                || !restrictions.domain_whitelist.is_empty(),
            renewal_claimed: AtomicBool::new(false),
            answers: OnceLock::new(),
            later_answers: Mutex::default(),
            notes: Mutex::default(),
            found,
        }
    }

    pub fn id(&self) -> TokenId {
        self.id
    }

    pub fn secret_hash(&self) -> &SecretHash {
        &self.secret_hash
    }

    /// Renewal is due from `renew_from`; the lookup is stale from `stale_from`.
    pub fn set_deadlines(&self, renew_from: u64, stale_from: u64) {
        self.renew_from.store(renew_from, Ordering::Relaxed);
        self.stale_from.store(stale_from, Ordering::Relaxed);
    }

    pub fn renew_from(&self) -> u64 {
        self.renew_from.load(Ordering::Relaxed)
    }

    pub fn stale_from(&self) -> u64 {
        self.stale_from.load(Ordering::Relaxed)
    }

    pub fn status_at(&self, now: DateTime<Utc>) -> TokenStatus {
        TokenStatus::at(now, self.expires_at, self.expired_at)
    }

    /// Held to some addresses or pages.
    pub fn is_whitelisted(&self) -> bool {
        self.whitelisted
    }

    /// Notes a use; true when the token was not yet waiting for a flush, and now is.
    ///
    /// The last use is stored to the second, so the checks after the first within a second
    /// note nothing (one from another address within that same second is not told apart
    /// from the first), and neither does a use older than one noted before.
    pub fn note_use(&self, at: DateTime<Utc>, ip: Option<IpAddr>) -> bool {
        let second = at.timestamp();
        if self.noted_second.load(Ordering::Relaxed) >= second {
            return false;
        }
        self.noted_second.fetch_max(second, Ordering::Relaxed);
        let mut notes = self.notes();
        if notes.last_use.is_none_or(|(latest, _)| at >= latest) {
            notes.last_use = Some((at, ip));
        }
        !std::mem::replace(&mut notes.queued, true)
    }

    /// The use noted since the last flush, which leaves the token off the flush's list.
    pub fn take_use(&self) -> Option<LastUse> {
        let mut notes = self.notes();
        notes.queued = false;
        notes.last_use.take()
    }

    /// True for the one check, of all those that find the entry due for renewal, that is
    /// to queue it; the others read the flag and write nothing.
    pub fn claim_renewal(&self) -> bool {
        !self.renewal_claimed.load(Ordering::Relaxed)
            && !self.renewal_claimed.swap(true, Ordering::Relaxed)
    }

    /// The renewal query ran (or failed): the next time the entry is due, a check claims it.
    pub fn renewal_done(&self) {
        self.renewal_claimed.store(false, Ordering::Relaxed);
    }

    /// Whether `row`, a newer lookup of this token, answers every check as this one does, so
    /// that this entry, with its rendered answers and its noted use, can stand for it. The
    /// last use may differ: the usage flushes keep moving it, and no check reads it. An entry
    /// holding answers for a later policy does not stand: its replacement renders that
    /// policy's answers once, where checks read them without a lock.
    pub fn answers_as(&self, row: &BearerToken) -> bool {
        // Field by field rather than through a copy of the row without its last use: a
        // renewal asks this of every token in use, and the copy was a dozen allocations.
        // Destructured, so that a field added to the record cannot be left out here.
        let TokenRecord {
            id,
            user_id,
            label,
            hint,
            created_at,
            expires_at,
            expired_at,
            expired_by,
            last_used_at: _,
            last_used_ip: _,
            restrictions,
        } = &row.token;
        let ours = &self.found.token;
        self.found.owner == row.owner
            && (*id, *user_id, *created_at, *expires_at, *expired_at)
                == (
                    ours.id,
                    ours.user_id,
                    ours.created_at,
                    ours.expires_at,
                    ours.expired_at,
                )
            && (label, hint, expired_by, restrictions)
                == (
                    &ours.label,
                    &ours.hint,
                    &ours.expired_by,
                    &ours.restrictions,
                )
            && lock(&self.later_answers).is_none()
    }

    /// Starts loading the lines a check reads after the first one (the expiry, the answers)
    /// while the first is still on its way, so that their cache misses overlap instead of
    /// following each other.
    pub fn prefetch(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let start = std::ptr::from_ref(self).cast::<i8>();
            let end = std::mem::offset_of!(Self, answers) + size_of::<OnceLock<Answers>>();
            for offset in (64..end).step_by(64) {
                // SAFETY: a prefetch only hints the cache and never faults, whatever the
                // address; SSE is part of every x86_64 processor.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
            }
        }
    }

    /// Reads the answers for `policy`, rendered by the first check that needs them.
    pub fn with_answers<R>(&self, policy: &Policy, read: impl FnOnce(&Answers) -> R) -> R {
        let first = self
            .answers
            .get_or_init(|| Answers::render(&self.found, policy));
        if first.policy_version == policy.version {
            return read(first);
        }
        let mut later = lock(&self.later_answers);
        let answers = match &mut *later {
            Some(answers) if answers.policy_version == policy.version => answers,
            slot => slot.insert(Box::new(Answers::render(&self.found, policy))),
        };
        read(answers)
    }

    fn notes(&self) -> MutexGuard<'_, Notes> {
        lock(&self.notes)
    }
}

/// The rest of the lookup: label, owner, permissions and whitelists.
impl Deref for KnownToken {
    type Target = BearerToken;

    fn deref(&self) -> &BearerToken {
        &self.found
    }
}

/// What the bearer routes answer for one lookup under one policy: the permissions the token
/// may use, the gateway's header values and `/me`'s body, end to end. The text is kept in
/// the entry's own block when it fits, as it does for all but unusually long labels or
/// permission lists: in an allocation of its own it was one more cache miss per check.
#[repr(C)]
pub struct Answers {
    policy_version: u64,
    scopes_end: usize,
    user_end: usize,
    token_id_end: usize,
    /// `/me`'s body could be written.
    has_me: bool,
    text: Text,
}

/// Room for a typical token's answers: about 280 bytes with the demo data's names.
const INLINE_TEXT: usize = 384;

// The large variant is the point: the text sits in the entry's block, not behind a pointer.
#[allow(clippy::large_enum_variant)]
enum Text {
    Inline(ArrayString<INLINE_TEXT>),
    Spilled(Box<str>),
}

impl Text {
    fn new(text: &str) -> Self {
        match ArrayString::from(text) {
            Ok(inline) => Self::Inline(inline),
            Err(_) => Self::Spilled(text.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Inline(text) => text,
            Self::Spilled(text) => text,
        }
    }
}

impl Answers {
    fn render(found: &BearerToken, policy: &Policy) -> Self {
        let scopes = usable(
            &found.token.restrictions.permissions,
            found.owner.role,
            &policy.permissions,
        )
        .collect::<Vec<_>>()
        .join(" ");
        let user = &found.owner.username;
        let token_id = found.token.id.to_string();
        let me = me::body(found);
        let mut text = String::with_capacity(
            scopes.len() + user.len() + token_id.len() + me.as_ref().map_or(0, String::len),
        );
        for part in [&scopes, user, &token_id] {
            text.push_str(part);
        }
        let (scopes_end, user_end, token_id_end) = (
            scopes.len(),
            scopes.len() + user.len(),
            scopes.len() + user.len() + token_id.len(),
        );
        text.push_str(me.as_deref().unwrap_or_default());
        Self {
            policy_version: policy.version,
            text: Text::new(&text),
            scopes_end,
            user_end,
            token_id_end,
            has_me: me.is_some(),
        }
    }

    /// The permissions the token holds and may use, space-separated: an admin-only one it
    /// was given stops counting once its owner is no longer an admin.
    pub fn scopes(&self) -> &str {
        &self.text.as_str()[..self.scopes_end]
    }

    pub fn grants(&self, permission: &str) -> bool {
        !permission.is_empty() && self.scopes().split(' ').any(|held| held == permission)
    }

    /// The owner's username.
    pub fn user(&self) -> &str {
        &self.text.as_str()[self.scopes_end..self.user_end]
    }

    pub fn token_id(&self) -> &str {
        &self.text.as_str()[self.user_end..self.token_id_end]
    }

    /// `/me`'s JSON body.
    pub fn me(&self) -> Option<&str> {
        self.has_me
            .then(|| &self.text.as_str()[self.token_id_end..])
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

    fn known(permissions: &[&str], role: Role) -> KnownToken {
        let mut found = bearer(42, 7);
        found.owner.username = "alice".into();
        found.owner.role = role;
        found.token.restrictions.permissions = permissions.iter().map(|&p| p.into()).collect();
        KnownToken::new(SecretHash::of("secret"), found)
    }

    #[test]
    fn answers_hold_each_part_and_the_me_body() {
        let token = known(&["profile:read", "users:manage", "gone:away"], Role::Admin);
        token.with_answers(&policy(1, &["users:manage"]), |answers| {
            assert_eq!(answers.scopes(), "profile:read users:manage");
            assert_eq!(answers.user(), "alice");
            assert_eq!(answers.token_id(), "42");
            let me: serde_json::Value = serde_json::from_str(answers.me().unwrap()).unwrap();
            assert_eq!(me["user"]["username"], "alice");
            assert_eq!(me["token"]["permissions"][2], "gone:away");
            assert!(answers.grants("users:manage"));
            assert!(!answers.grants("gone:away"), "no longer in the catalogue");
            assert!(!answers.grants("profile"), "whole names only");
            assert!(!answers.grants(""));
        });
    }

    #[test]
    fn answers_too_long_for_the_entry_are_kept_whole() {
        let mut found = bearer(42, 7);
        found.token.label = "l".repeat(INLINE_TEXT);
        let token = KnownToken::new(SecretHash::of("secret"), found);
        token.with_answers(&policy(1, &[]), |answers| {
            assert!(matches!(answers.text, Text::Spilled(_)));
            let me: serde_json::Value = serde_json::from_str(answers.me().unwrap()).unwrap();
            assert_eq!(me["token"]["label"].as_str().unwrap().len(), INLINE_TEXT);
            assert_eq!(answers.token_id(), "42");
        });
        let short = known(&["profile:read"], Role::User);
        short.with_answers(&policy(1, &[]), |answers| {
            assert!(matches!(answers.text, Text::Inline(_)));
        });
    }

    #[test]
    fn a_token_without_permissions_grants_nothing() {
        let token = known(&[], Role::User);
        token.with_answers(&policy(1, &[]), |answers| {
            assert_eq!(answers.scopes(), "");
            assert!(!answers.grants(""));
            assert!(!answers.grants("profile:read"));
        });
    }

    #[test]
    fn a_new_policy_renders_the_answers_again() {
        let token = known(&["users:manage"], Role::User);
        let before = token.with_answers(&policy(1, &[]), |a| a.scopes().to_owned());
        assert_eq!(before, "users:manage");
        let after = token.with_answers(&policy(2, &["users:manage"]), |a| a.scopes().to_owned());
        assert_eq!(
            after, "",
            "an admin-only permission a user holds stops counting"
        );
    }

    #[test]
    fn a_lookup_answers_as_before_unless_more_than_its_last_use_changed() {
        let token = known(&["profile:read"], Role::User);
        let mut row = BearerToken::clone(&token);
        row.token.last_used_at = Some(Utc::now());
        row.token.last_used_ip = Some("192.0.2.1".into());
        assert!(token.answers_as(&row));
        row.token.restrictions.permissions.clear();
        assert!(!token.answers_as(&row), "a permission less");
        let mut row = BearerToken::clone(&token);
        row.owner.role = Role::Admin;
        assert!(!token.answers_as(&row), "the owner changed");
        let mut row = BearerToken::clone(&token);
        row.token.label.push('!');
        assert!(!token.answers_as(&row), "relabelled");
        let mut row = BearerToken::clone(&token);
        row.token.expired_at = Some(Utc::now());
        assert!(!token.answers_as(&row), "expired by hand");

        token.with_answers(&policy(1, &[]), |_| ());
        assert!(token.answers_as(&BearerToken::clone(&token)));
        token.with_answers(&policy(2, &[]), |_| ());
        assert!(
            !token.answers_as(&BearerToken::clone(&token)),
            "holds answers for a later policy, read under a lock"
        );
    }

    #[test]
    fn uses_are_queued_once_until_taken_and_keep_the_latest() {
        let token = known(&[], Role::User);
        let early = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let late = early + chrono::Duration::seconds(5);
        let ip = Some("192.0.2.1".parse().unwrap());
        assert!(token.note_use(late, ip), "first use queues the token");
        assert!(!token.note_use(early, None), "already queued");
        assert_eq!(
            token.take_use(),
            Some((late, ip)),
            "an earlier use arriving late loses"
        );
        assert_eq!(token.take_use(), None);
        assert!(!token.note_use(early, None), "older than the use written");
        let later = late + chrono::Duration::seconds(2);
        assert!(token.note_use(later, None), "queued again after a flush");
        assert!(
            !token.note_use(later + chrono::Duration::milliseconds(1), ip),
            "the same second again notes nothing"
        );
        assert_eq!(token.take_use(), Some((later, None)));
    }

    #[test]
    fn whitelists_and_status_come_from_the_lookup() {
        let mut found = bearer(3, 1);
        found.token.restrictions.domain_whitelist = vec!["example.com".into()];
        found.token.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
        let token = KnownToken::new(SecretHash::of("secret"), found);
        assert!(token.is_whitelisted());
        assert_eq!(token.status_at(Utc::now()), TokenStatus::Expired);
        assert!(!known(&[], Role::User).is_whitelisted());
        assert_eq!(
            known(&[], Role::User).status_at(Utc::now()),
            TokenStatus::Active
        );
    }
}
