//! Personal access tokens: the Manage Personal Access Tokens block and its server functions.

pub mod actions_menu;
mod block;
mod create_call;
mod create_form;
#[cfg(feature = "ssr")]
pub mod deactivate;
pub(crate) mod deactivate_modal;
#[cfg(feature = "ssr")]
pub mod disuse;
mod expire_page;
pub mod history;
#[cfg(feature = "ssr")]
pub mod issue;
mod leak_help;
#[cfg(feature = "ssr")]
pub mod leaks;
pub(crate) mod modals;
mod new_page;
#[cfg(feature = "ssr")]
pub mod notices;
mod reminder_setting;
#[cfg(feature = "ssr")]
pub mod rotate;
pub(crate) mod rotate_modal;
#[cfg(feature = "ssr")]
mod server;

pub use actions_menu::{TokenActionDialogs, TokenActions, TokenActionsMenu};
pub use block::{
    RecentAddresses, TokenBlock, TokenLabelCell, TokenPermissionsCell, TokenStatusCell,
};
pub use create_call::{create_token, CreateToken};
pub use expire_page::{ExpireTokenButton, ExpireTokenPage};
pub use new_page::NewTokenPage;
#[cfg(feature = "ssr")]
pub use server::{expire_for, with_recent_use};

use crate::error::AppError;
use crate::rules::expiry::TokenStatus;
use crate::rules::expiry_notice::NoticeKind;
use crate::rules::permission::Permission;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A token as its owner sees it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub label: String,
    /// Empty when none was given.
    #[serde(default)]
    pub description: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub status: TokenStatus,
    /// Not ended, and expires within `EXPIRY_NOTICE_DAYS`: its owner is reminded.
    #[serde(default)]
    pub expires_soon: bool,
    pub expired_at: Option<DateTime<Utc>>,
    pub expired_by: Option<String>,
    /// Set when the unused-token policy expired it: the days it allowed then.
    #[serde(default)]
    pub expired_unused_days: Option<u32>,
    pub permissions: Vec<String>,
    pub ip_whitelist: Vec<String>,
    pub domain_whitelist: Vec<String>,
    /// The token this one replaced by rotation.
    #[serde(default)]
    pub replaces: Option<i64>,
    /// Refused until then, unless reactivated earlier, and by whom.
    #[serde(default)]
    pub deactivated_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub deactivated_by: Option<String>,
    /// The hints of the token this one replaced, and of the one that replaced it, when they
    /// are among the tokens listed with it (see [`name_rotations`]).
    #[serde(default)]
    pub replaces_hint: Option<String>,
    #[serde(default)]
    pub replaced_by_hint: Option<String>,
    /// The last addresses it was used from, newest first, each with its last use there;
    /// empty when not asked for.
    #[serde(default)]
    pub recent_addresses: Vec<(String, DateTime<Utc>)>,
    /// The expiry reminders its owner was sent, and when; empty when not asked for.
    #[serde(default)]
    pub told: Vec<(NoticeKind, DateTime<Utc>)>,
    /// Successful checks on each of the last `USE_DAYS` days, oldest first; empty when not
    /// asked for.
    #[serde(default)]
    pub daily_uses: Vec<u64>,
    /// What happened to it, oldest first; empty when not asked for.
    #[serde(default)]
    pub history: Vec<history::TokenEvent>,
}

/// The Create Token page, where its form is posted too.
pub const NEW_TOKEN_PATH: &str = "/profile/tokens/new";

/// The Expire Token page of token `id`.
pub fn expire_token_path(id: i64) -> String {
    format!("/tokens/{id}/expire")
}

/// A token on the Expire Token page, and whether it is the viewer's own (admins may expire
/// anyone's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenToExpire {
    pub token: TokenView,
    pub mine: bool,
}

/// The Create Token page's form as the browser posted it, which the server's handler of
/// that post puts in the context of the page it answers with.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct PostedTokenForm(pub CreateToken);

#[cfg(feature = "ssr")]
impl PostedTokenForm {
    /// Fields as a browser posts them: each ticked permission is a field of its own, and
    /// the custom expiry is in UTC (see `create_form::Sending::Post`).
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    ) -> Self {
        let mut form = CreateToken {
            label: String::new(),
            description: String::new(),
            length: String::new(),
            custom_expiry: String::new(),
            utc_offset_minutes: 0,
            permissions: String::new(),
            ip_whitelist: String::new(),
            domain_whitelist: String::new(),
        };
        let mut permissions = Vec::new();
        for (name, value) in fields {
            let value = value.into_owned();
            match &*name {
                "label" => form.label = value,
                "description" => form.description = value,
                "length" => form.length = value,
                "custom_expiry" => form.custom_expiry = value,
                "permissions" => permissions.push(value),
                "ip_whitelist" => form.ip_whitelist = value,
                "domain_whitelist" => form.domain_whitelist = value,
                _ => {}
            }
        }
        form.permissions = crate::rules::permission::join_scopes(&permissions);
        Self(form)
    }
}

impl TokenView {
    /// Why it was expired early, when no one did it: "unused for 90 days".
    pub fn expiry_reason(&self) -> Option<String> {
        self.expired_unused_days.map(|days| {
            format!(
                "unused for {}",
                crate::rules::disuse::unused_days_words(days)
            )
        })
    }
}

/// Names, on each token, the token it replaced and the one that replaced it, among `tokens`.
pub fn name_rotations(tokens: &mut [TokenView]) {
    let links: Vec<(i64, i64)> = tokens
        .iter()
        .filter_map(|token| token.replaces.map(|old| (old, token.id)))
        .collect();
    let hint_of = |tokens: &[TokenView], id: i64| {
        tokens
            .iter()
            .find(|token| token.id == id)
            .map(|token| token.hint.clone())
    };
    for (old, new) in links {
        let (old_hint, new_hint) = (hint_of(tokens, old), hint_of(tokens, new));
        for token in tokens.iter_mut() {
            if token.id == new {
                token.replaces_hint = old_hint.clone();
            }
            if token.id == old {
                token.replaced_by_hint = new_hint.clone();
            }
        }
    }
}

/// How many days a token's use is drawn for.
pub const USE_DAYS: u32 = 30;

/// What the Create Token form may offer the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenFormOptions {
    /// The catalogue's permissions the user's role may grant.
    pub permissions: Vec<Permission>,
    /// Expiration Length choices within the maximum lifetime: (form value, words).
    pub lengths: Vec<(String, String)>,
    pub default_length: String,
    pub max_token_days: Option<u32>,
}

/// The answer to Create Token: the only time the secret leaves the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenView,
    pub secret: String,
}

impl fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[server(prefix = "/rpc", endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    crate::services::reply(server::list().await)
}

#[server(prefix = "/rpc", endpoint = "tokens/options")]
pub async fn token_options() -> Result<TokenFormOptions, AppError> {
    crate::services::reply(server::options().await)
}

#[server(prefix = "/rpc", endpoint = "tokens/to-expire")]
pub async fn find_token_to_expire(id: i64) -> Result<TokenToExpire, AppError> {
    crate::services::reply(server::to_expire(id).await)
}

/// Rotates token `id`: a new token with its label, permissions and whitelists replaces it.
/// `length`, `custom_expiry` and `utc_offset_minutes` are read as by [`create_token`];
/// `grace` is how long the old token keeps working: `none`, `1h`, `24h` or `7d`.
#[server(prefix = "/rpc", endpoint = "tokens/rotate")]
pub async fn rotate_token(
    id: i64,
    length: String,
    #[server(default)] custom_expiry: String,
    #[server(default)] utc_offset_minutes: i32,
    grace: String,
) -> Result<CreatedToken, AppError> {
    crate::services::reply(
        server::rotate(id, &length, &custom_expiry, utc_offset_minutes, &grace).await,
    )
}

/// Refuses token `id` until `until`, a `datetime-local` value in a browser
/// `utc_offset_minutes` east of UTC; it works again then, or when reactivated.
#[server(prefix = "/rpc", endpoint = "tokens/deactivate")]
pub async fn deactivate_token(
    id: i64,
    until: String,
    #[server(default)] utc_offset_minutes: i32,
) -> Result<TokenView, AppError> {
    crate::services::reply(server::deactivate(id, &until, utc_offset_minutes).await)
}

#[server(prefix = "/rpc", endpoint = "tokens/reactivate")]
pub async fn reactivate_token(id: i64) -> Result<TokenView, AppError> {
    crate::services::reply(server::reactivate(id).await)
}

#[server(prefix = "/rpc", endpoint = "tokens/expire")]
pub async fn expire_token(id: i64) -> Result<TokenView, AppError> {
    crate::services::reply(server::expire(id).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    #[cfg(feature = "ssr")]
    fn a_posted_form_gathers_each_ticked_permission() {
        let body = "label=ci+deploy&permissions=tokens%3Aread&length=30&custom_expiry=\
                    &permissions=users%3Aread&ip_whitelist=10.0.0.0%2F8&domain_whitelist=&extra=1";
        let PostedTokenForm(form) =
            PostedTokenForm::from_fields(form_urlencoded::parse(body.as_bytes()));
        assert_eq!(form.label, "ci deploy");
        assert_eq!(form.length, "30");
        assert_eq!(form.custom_expiry, "");
        assert_eq!(form.utc_offset_minutes, 0);
        assert_eq!(
            crate::rules::permission::split_scopes(&form.permissions),
            ["tokens:read", "users:read"]
        );
        assert_eq!(form.ip_whitelist, "10.0.0.0/8");
        assert_eq!(form.domain_whitelist, "");
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn a_posted_form_without_fields_asks_for_nothing() {
        let PostedTokenForm(form) = PostedTokenForm::from_fields(std::iter::empty());
        assert!(form.label.is_empty() && form.permissions.is_empty() && form.length.is_empty());
    }

    fn view(id: i64, hint: &str, replaces: Option<i64>) -> TokenView {
        TokenView {
            id,
            label: "ci".into(),
            description: String::new(),
            hint: hint.into(),
            created_at: Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap(),
            expires_at: None,
            last_used_at: None,
            last_used_ip: None,
            status: TokenStatus::Active,
            expires_soon: false,
            expired_at: None,
            expired_by: None,
            expired_unused_days: None,
            permissions: vec![],
            ip_whitelist: vec![],
            domain_whitelist: vec![],
            replaces,
            deactivated_until: None,
            deactivated_by: None,
            replaces_hint: None,
            replaced_by_hint: None,
            recent_addresses: vec![],
            told: vec![],
            daily_uses: vec![],
            history: vec![],
        }
    }

    #[test]
    fn rotations_are_named_both_ways_along_a_chain() {
        let mut tokens = vec![
            view(3, "cccc", Some(2)),
            view(2, "bbbb", Some(1)),
            view(1, "aaaa", None),
        ];
        name_rotations(&mut tokens);
        let named: Vec<_> = tokens
            .iter()
            .map(|t| (t.replaces_hint.as_deref(), t.replaced_by_hint.as_deref()))
            .collect();
        assert_eq!(
            named,
            [
                (Some("bbbb"), None),
                (Some("aaaa"), Some("cccc")),
                (None, Some("bbbb"))
            ]
        );
    }

    #[test]
    fn a_replaced_token_not_listed_leaves_no_name() {
        let mut tokens = vec![view(5, "eeee", Some(4)), view(9, "iiii", None)];
        name_rotations(&mut tokens);
        assert_eq!(tokens[0].replaces_hint, None);
        assert_eq!(tokens[1].replaced_by_hint, None);
    }

    #[test]
    fn debug_of_a_created_token_hides_the_secret() {
        let created = CreatedToken {
            token: view(1, "k3Zq", None),
            secret: "tsr1SECRETSECRET".into(),
        };
        assert!(!format!("{created:?}").contains("SECRET"));
    }
}
