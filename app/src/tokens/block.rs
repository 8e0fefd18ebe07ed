use super::actions_menu::{TokenActionDialogs, TokenActions, TokenActionsMenu};
use super::history::TokenHistory;
use super::leak_help::LeakHelp;
use super::modals::{CreateTokenModal, NewSecretModal};
use super::reminder_setting::ReminderSetting;
use super::{list_tokens, CreateToken, TokenView, NEW_TOKEN_PATH};
use crate::rules::expiry::{TokenStatus, EXPIRY_NOTICE_DAYS};
use crate::ui::{DataTable, LoadError, MaybeTime, Sparkline, Time};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The Manage Personal Access Tokens block of the profile page.
#[component]
pub fn TokenBlock() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let actions = TokenActions::new();
    let tokens = Resource::new(
        move || (create.version().get(), actions.version()),
        |_| list_tokens(),
    );

    let creating = RwSignal::new(false);
    let created = move || create.value().get().and_then(Result::ok);

    // Until the page hydrates, the button's form takes the browser to the Create Token page.
    let open_create = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        create.value().set(None);
        creating.set(true);
    };
    let close_create = move || creating.set(false);
    // The secret's dialog replaces the form's, so it cannot tell which button opened them.
    let create_button = NodeRef::<leptos::html::Button>::new();
    // Forgetting the action's value is what takes the secret out of the page.
    let close_secret = move || {
        create.value().set(None);
        creating.set(false);
        if let Some(button) = create_button.get_untracked() {
            let _ = button.focus();
        }
    };
    view! {
        <section class="card block" aria-labelledby="tokens-heading">
            <header class="block-header">
                <h2 id="tokens-heading">"Manage Personal Access Tokens"</h2>
                <form method="get" action=NEW_TOKEN_PATH>
                    <button type="submit" class="primary" node_ref=create_button on:click=open_create>
                        "Create Token"
                    </button>
                </form>
            </header>
            <p class="muted">
                "Personal access tokens let scripts and services call the Tessera API as you. "
                "Treat them like passwords. A token is shown once, when it is created."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
                {move || tokens.get().map(|answer| match answer {
                    Ok(list) => view! {
                        <ExpiringSoon tokens=list.clone()/>
                        <TokenTable tokens=list actions/>
                    }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Transition>

            <Show when=move || creating.get() && created().is_none()>
                <CreateTokenModal action=create on_close=close_create/>
            </Show>
            {move || created().map(|created| view! { <NewSecretModal created on_close=close_secret/> })}
            <TokenActionDialogs actions/>
            <ReminderSetting/>
            <LeakHelp/>
        </section>
    }
}

/// The reminder shown while any token expires within `EXPIRY_NOTICE_DAYS`.
#[component]
fn ExpiringSoon(tokens: Vec<TokenView>) -> impl IntoView {
    let soon: Vec<TokenView> = tokens.into_iter().filter(|t| t.expires_soon).collect();
    if soon.is_empty() {
        return ().into_any();
    }
    let heading = match soon.len() {
        1 => format!("1 token expires within {EXPIRY_NOTICE_DAYS} days:"),
        n => format!("{n} tokens expire within {EXPIRY_NOTICE_DAYS} days:"),
    };
    let items = soon
        .into_iter()
        .map(|token| {
            view! {
                <li>
                    <strong>{token.label}</strong> " (…" {token.hint} ") "
                    <MaybeTime at=token.expires_at none="never"/>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="warning expiring-soon" role="status">
            <p>{heading}</p>
            <ul>{items}</ul>
            <p>"To keep what uses them working, choose Rotate… in a token's Actions menu."</p>
        </div>
    }
    .into_any()
}

#[component]
fn TokenTable(tokens: Vec<TokenView>, actions: TokenActions) -> impl IntoView {
    if tokens.is_empty() {
        return view! {
            <p class="empty">"You have no personal access tokens yet. Create one to call the API."</p>
        }
        .into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|token| view! { <TokenRow token actions/> })
        .collect_view();
    view! {
        <DataTable class="tokens" columns=&["Label", "Hint", "Created", "Expires", "Permissions", "Last used", "Status"]>{rows}</DataTable>
    }
    .into_any()
}

#[component]
fn TokenRow(token: TokenView, actions: TokenActions) -> impl IntoView {
    let last_used_ip = token.last_used_at.and(token.last_used_ip.clone());
    view! {
        <tr data-token-id=token.id>
            <TokenLabelCell token=token.clone()/>
            <td class="hint"><code>"…"{token.hint.clone()}</code></td>
            <td><Time at=token.created_at/></td>
            <td class="expires"><MaybeTime at=token.expires_at none="Never"/></td>
            <TokenPermissionsCell token=token.clone()/>
            <td class="last-used">
                <MaybeTime at=token.last_used_at none="Never"/>{last_used_ip.map(|ip| format!(" from {ip}"))}
                <Sparkline counts=token.daily_uses.clone()/>
                <RecentAddresses addresses=token.recent_addresses.clone()/>
            </td>
            <TokenStatusCell token=token.clone()/>
            <td class="actions"><TokenActionsMenu token=token.clone() actions/></td>
        </tr>
    }
}

/// The last addresses a token was used from, folded under their count.
#[component]
pub fn RecentAddresses(addresses: Vec<(String, DateTime<Utc>)>) -> impl IntoView {
    (!addresses.is_empty()).then(|| {
        let summary = match addresses.len() {
            1 => "Last address".to_owned(),
            count => format!("Last {count} addresses"),
        };
        let items = addresses
            .into_iter()
            .map(|(ip, at)| view! { <li><code>{ip}</code>" · "<Time at/></li> })
            .collect_view();
        view! {
            <details class="addresses">
                <summary>{summary}</summary>
                <ul>{items}</ul>
            </details>
        }
    })
}

/// The Label cell of a token row, with the token's description under its label.
#[component]
pub fn TokenLabelCell(token: TokenView) -> impl IntoView {
    let description = (!token.description.is_empty())
        .then(|| view! { <span class="token-description">{token.description}</span> });
    view! {
        <td class="label">
            <span class="token-label">{token.label}</span>
            {description}
        </td>
    }
}

/// The Permissions cell of a token row, with the whitelists that narrow where it works.
#[component]
pub fn TokenPermissionsCell(token: TokenView) -> impl IntoView {
    let chips = token
        .permissions
        .iter()
        .map(|name| view! { <code class="chip">{name.clone()}</code> })
        .collect_view();
    let restriction = |words: &'static str, list: &[String]| {
        (!list.is_empty()).then(|| {
            view! { <span class="restriction">{words} {list.join(", ")}</span> }
        })
    };
    view! {
        <td class="permissions">
            <span class="chips">{chips}</span>
            {restriction("IPs: ", &token.ip_whitelist)}
            {restriction("Domains: ", &token.domain_whitelist)}
        </td>
    }
}

/// The Status cell of a token row: its state, and when, by whom or why it was expired early.
#[component]
pub fn TokenStatusCell(token: TokenView) -> impl IntoView {
    let badge = match token.status {
        TokenStatus::Active => "badge active",
        TokenStatus::Deactivated => "badge deactivated",
        TokenStatus::Expired => "badge expired",
        TokenStatus::ExpiredManually | TokenStatus::ExpiredUnused | TokenStatus::ReportedLeaked => {
            "badge revoked"
        }
    };
    let detail = token.expired_at.map(|at| {
        let by = token.expired_by.clone().map(|name| format!(" by {name}"));
        let reason = token.expiry_reason().map(|reason| format!("{reason}; "));
        view! { {reason} "on " <Time at/> {by} }
    });
    // While a grace period runs, the old token is still active: say when it stops.
    let stops = (token.status == TokenStatus::Active)
        .then_some(token.expires_at)
        .flatten()
        .filter(|_| token.replaced_by_hint.is_some());
    let replaced_by = token.replaced_by_hint.map(|hint| {
        view! {
            <span class="status-detail">
                "Replaced by …" {hint}
                {stops.map(|at| view! { "; stops " <Time at/> })}
            </span>
        }
    });
    let deactivated = (token.status == TokenStatus::Deactivated)
        .then_some(token.deactivated_until)
        .flatten()
        .map(|at| {
            let by = token
                .deactivated_by
                .clone()
                .map(|name| format!(" by {name}"));
            view! { <span class="status-detail">"until " <Time at/> {by}</span> }
        });
    let told = token
        .told
        .into_iter()
        .map(|(kind, at)| view! { <span class="status-detail">"Told " {kind.words()} ": " <Time at/></span> })
        .collect_view();
    let replaces = token
        .replaces_hint
        .map(|hint| view! { <span class="status-detail">"Replaces …" {hint}</span> });
    view! {
        <td class="status">
            <span class=badge>{token.status.words()}</span>
            {detail.map(|detail| view! { <span class="status-detail">{detail}</span> })}
            {deactivated}
            {replaced_by}
            {replaces}
            {told}
            <TokenHistory events=token.history/>
        </td>
    }
}
