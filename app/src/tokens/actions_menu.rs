//! A token row's Actions menu (Rotate, Deactivate until…, Reactivate, Expire Token), and the
//! dialogs behind it, shared by the profile's block and the report's subtables.
//!
//! The menu is a popover the browser opens and closes by itself (Escape and a click outside
//! close it); the menu's own keys (arrows, Home, End) move between its items.

use super::deactivate_modal::{DeactivateTokenModal, ReactivateTokenModal};
use super::modals::{ExpireTokenModal, NewSecretModal};
use super::rotate_modal::RotateTokenModal;
use super::{
    DeactivateToken, ExpireToken, ExpireTokenButton, ReactivateToken, RotateToken, TokenView,
};
use crate::rules::expiry::TokenStatus;
use leptos::prelude::*;

/// What a row's Actions menu asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAction {
    Rotate(TokenView),
    Deactivate(TokenView),
    Reactivate(TokenView),
    Expire(TokenView),
}

/// The server actions behind a token list's menus, and the one a menu asked for.
#[derive(Clone, Copy)]
pub struct TokenActions {
    chosen: RwSignal<Option<TokenAction>>,
    pub expire: ServerAction<ExpireToken>,
    pub rotate: ServerAction<RotateToken>,
    pub deactivate: ServerAction<DeactivateToken>,
    pub reactivate: ServerAction<ReactivateToken>,
}

impl TokenActions {
    pub fn new() -> Self {
        Self {
            chosen: RwSignal::new(None),
            expire: ServerAction::new(),
            rotate: ServerAction::new(),
            deactivate: ServerAction::new(),
            reactivate: ServerAction::new(),
        }
    }

    /// Changes each time any of them answers: what a list of tokens reloads on.
    pub fn version(&self) -> usize {
        self.expire.version().get()
            + self.rotate.version().get()
            + self.deactivate.version().get()
            + self.reactivate.version().get()
    }

    /// Opens the dialog of `action`, without the answer an earlier one left.
    pub fn choose(&self, action: TokenAction) {
        match &action {
            TokenAction::Rotate(_) => self.rotate.value().set(None),
            TokenAction::Deactivate(_) => self.deactivate.value().set(None),
            TokenAction::Reactivate(_) => self.reactivate.value().set(None),
            TokenAction::Expire(_) => self.expire.value().set(None),
        }
        self.chosen.set(Some(action));
    }

    fn close(&self) {
        self.chosen.set(None);
    }
}

impl Default for TokenActions {
    fn default() -> Self {
        Self::new()
    }
}

/// The dialog the chosen action needs, and a rotated token's new secret.
#[component]
pub fn TokenActionDialogs(actions: TokenActions) -> impl IntoView {
    let rotated = move || actions.rotate.value().get().and_then(Result::ok);
    let close = move || actions.close();
    let close_rotated_secret = move || {
        actions.rotate.value().set(None);
        actions.close();
    };
    view! {
        {move || match actions.chosen.get() {
            Some(TokenAction::Expire(token)) => Some(view! {
                <ExpireTokenModal token action=actions.expire on_close=close/>
            }.into_any()),
            Some(TokenAction::Rotate(token)) if rotated().is_none() => Some(view! {
                <RotateTokenModal token action=actions.rotate on_close=close/>
            }.into_any()),
            Some(TokenAction::Deactivate(token)) => Some(view! {
                <DeactivateTokenModal token action=actions.deactivate on_close=close/>
            }.into_any()),
            Some(TokenAction::Reactivate(token)) => Some(view! {
                <ReactivateTokenModal token action=actions.reactivate on_close=close/>
            }.into_any()),
            _ => None,
        }}
        {move || rotated().map(|created| view! { <NewSecretModal created on_close=close_rotated_secret/> })}
    }
    .into_any()
}

/// A row's Actions button and its menu; nothing for a token that has ended. Before the page
/// hydrates, and without JavaScript, only Expire Token works (it opens its own page).
#[component]
pub fn TokenActionsMenu(token: TokenView, actions: TokenActions) -> impl IntoView {
    if token.status.has_ended() {
        return ().into_any();
    }
    let menu_id = format!("token-actions-{}", token.id);
    let menu = NodeRef::<leptos::html::Ul>::new();
    let item = |words: &'static str, action: TokenAction| {
        view! {
            <li role="none" class="script-only">
                <button type="button" role="menuitem"
                    on:click=move |_| {
                        close_menu(menu);
                        actions.choose(action.clone());
                    }>
                    {words}
                </button>
            </li>
        }
    };
    let active = token.status == TokenStatus::Active;
    let deactivated = token.status == TokenStatus::Deactivated;
    let expire_token = token.clone();
    view! {
        <div class="actions-menu">
            <button type="button" class="menu-button" popovertarget=menu_id.clone()
                aria-haspopup="menu" aria-label=format!("Actions for “{}” (…{})", token.label, token.hint)>
                "Actions ▾"
            </button>
            <ul id=menu_id popover="auto" role="menu" class="menu-items" node_ref=menu
                aria-label="Token actions"
                on:toggle=move |_| focus_item(menu, Step::First)
                on:keydown=move |ev| move_focus(menu, ev)>
                {active.then(|| item("Rotate…", TokenAction::Rotate(token.clone())))}
                {item("Deactivate until…", TokenAction::Deactivate(token.clone()))}
                {deactivated.then(|| item("Reactivate", TokenAction::Reactivate(token.clone())))}
                <li role="none">
                    <ExpireTokenButton token=expire_token on_click=move |token| {
                        close_menu(menu);
                        actions.choose(TokenAction::Expire(token));
                    }/>
                </li>
            </ul>
        </div>
    }
    .into_any()
}

#[derive(Clone, Copy)]
enum Step {
    First,
    Last,
    Next,
    Previous,
}

fn close_menu(menu: NodeRef<leptos::html::Ul>) {
    #[cfg(feature = "hydrate")]
    if let Some(menu) = menu.get_untracked() {
        let _ = menu.hide_popover();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = menu;
}

fn move_focus(menu: NodeRef<leptos::html::Ul>, ev: leptos::ev::KeyboardEvent) {
    let step = match ev.key().as_str() {
        "ArrowDown" => Step::Next,
        "ArrowUp" => Step::Previous,
        "Home" => Step::First,
        "End" => Step::Last,
        _ => return,
    };
    ev.prevent_default();
    focus_item(menu, step);
}

/// Moves the focus among the menu's items, round from the last to the first; only when the
/// menu is open (a toggle event also comes when it closes).
fn focus_item(menu: NodeRef<leptos::html::Ul>, step: Step) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let Some(menu) = menu.get_untracked() else {
            return;
        };
        if !menu.matches(":popover-open").unwrap_or(false) {
            return;
        }
        let Ok(found) = menu.query_selector_all("[role=menuitem]") else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..found.length())
            .filter_map(|index| found.item(index))
            .filter_map(|node| node.dyn_into().ok())
            .collect();
        if items.is_empty() {
            return;
        }
        let document = leptos::prelude::document();
        let current = items.iter().position(|item| {
            document
                .active_element()
                .is_some_and(|active| active == **item)
        });
        let last = items.len() - 1;
        let index = match (step, current) {
            (Step::First, _) | (Step::Next, None) => 0,
            (Step::Last, _) | (Step::Previous, None) => last,
            (Step::Next, Some(i)) => {
                if i == last {
                    0
                } else {
                    i + 1
                }
            }
            (Step::Previous, Some(i)) => {
                if i == 0 {
                    last
                } else {
                    i - 1
                }
            }
        };
        let _ = items[index].focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (menu, step);
}
