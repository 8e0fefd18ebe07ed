//! Token lookup for admins: paste a secret found somewhere and see whose token it is, what it
//! may do and when it was last used, with Expire Token. The secret is hashed at once and
//! never kept or logged.

use crate::error::AppError;
use crate::tokens::{expire_token_path, TokenView};
use crate::ui::{MaybeTime, Time};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a pasted secret turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupAnswer {
    /// Not a Tessera secret at all: wrong length, characters or checksum.
    NotATesseraSecret,
    /// A well-formed secret that no token has.
    Unknown,
    Found(Box<FoundToken>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundToken {
    pub owner_username: String,
    pub owner_display_name: String,
    pub token: TokenView,
}

#[server(prefix = "/rpc", endpoint = "report/lookup-token")]
pub async fn lookup_token(secret: String) -> Result<LookupAnswer, AppError> {
    crate::services::reply(server::lookup(secret).await)
}

#[cfg(feature = "ssr")]
mod server {
    use super::{FoundToken, LookupAnswer};
    use crate::error::AppError;
    use crate::rules::token::PlainToken;
    use crate::services::{require_admin, services};
    use crate::tokens::TokenView;

    pub async fn lookup(secret: String) -> Result<LookupAnswer, AppError> {
        let me = require_admin()?;
        let services = services()?;
        let Ok(plain) = PlainToken::parse(secret.trim()) else {
            return Ok(LookupAnswer::NotATesseraSecret);
        };
        let Some(found) = services.store.token_by_secret(&plain.hash()).await? else {
            tracing::info!(admin = %me.user.username, "token lookup found nothing");
            return Ok(LookupAnswer::Unknown);
        };
        tracing::info!(
            target: "tessera::audit", event = "token_looked_up",
            admin = %me.user.username, token_id = found.token.id, "token looked up by its secret"
        );
        let now = services.clock.now();
        Ok(LookupAnswer::Found(Box::new(FoundToken {
            owner_username: found.owner.username,
            owner_display_name: found.owner.display_name,
            token: TokenView::from_record(&found.token, now),
        })))
    }
}

/// The report's "Look up a token" form and what it found.
#[component]
pub fn TokenLookup() -> impl IntoView {
    let lookup = ServerAction::<LookupToken>::new();
    let answer = move || {
        lookup.value().get().map(|answer| match answer {
            Ok(LookupAnswer::Found(found)) => view! { <FoundTokenCard found=*found/> }.into_any(),
            Ok(LookupAnswer::Unknown) => view! {
                <p class="lookup-answer" role="status">"No token has this secret. It may have been mistyped, or belong to another Tessera."</p>
            }
            .into_any(),
            Ok(LookupAnswer::NotATesseraSecret) => view! {
                <p class="lookup-answer form-error" role="alert">"This is not a Tessera secret: they are 48 letters and digits starting with tsr1. Check it was copied whole."</p>
            }
            .into_any(),
            Err(error) => view! { <p class="lookup-answer form-error" role="alert">{error.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <details class="token-lookup">
            <summary>"Look up a token by its secret"</summary>
            <ActionForm action=lookup attr:class="lookup-form">
                <label for="lookup-secret">"Secret"</label>
                // A password field: the secret is not shown on screen or kept by the browser.
                <input id="lookup-secret" name="secret" type="password" autocomplete="off"
                    spellcheck="false" required placeholder="tsr1…"/>
                <button type="submit">"Look up"</button>
            </ActionForm>
            <p class="muted">"The secret is only compared with the tokens' hashes; it is never stored or logged."</p>
            {answer}
        </details>
    }
}

#[component]
fn FoundTokenCard(found: FoundToken) -> impl IntoView {
    let token = found.token;
    let expire = (!token.status.has_ended()).then(|| {
        view! { <a class="button danger" href=expire_token_path(token.id)>"Expire Token"</a> }
    });
    let last_ip = token.last_used_at.and(token.last_used_ip.clone());
    view! {
        <dl class="lookup-answer found-token" role="status">
            <dt>"Owner"</dt>
            <dd>{found.owner_display_name} " (" {found.owner_username} ")"</dd>
            <dt>"Label"</dt>
            <dd>{token.label.clone()} " " <code>"…"{token.hint.clone()}</code></dd>
            <dt>"Status"</dt>
            <dd class="lookup-status">{token.status.words()}</dd>
            <dt>"Created"</dt>
            <dd><Time at=token.created_at/></dd>
            <dt>"Expires"</dt>
            <dd><MaybeTime at=token.expires_at none="Never"/></dd>
            <dt>"Last used"</dt>
            <dd><MaybeTime at=token.last_used_at none="Never"/>{last_ip.map(|ip| format!(" from {ip}"))}</dd>
            <dt>"Permissions"</dt>
            <dd>{token.permissions.join(", ")}</dd>
        </dl>
        {expire}
    }
}
