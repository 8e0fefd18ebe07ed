//! Bulk expiry in the report: tick tokens one by one, or take every active token the
//! report's filter matches over all its pages, and expire them in one transaction.

use crate::error::AppError;
use crate::ui::{counted, grouped_digits, ConfirmModal, Outcome};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which tokens an admin asked to expire at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkSelection {
    /// Tokens ticked one by one.
    Tokens(Vec<i64>),
    /// Every active token the report with this query string shows: `count` of them when the
    /// admin confirmed. If a different number matches by then, nothing is expired.
    Matching { query: String, count: u64 },
}

/// What a bulk expiry did: how many of the chosen tokens it expired, and how many had
/// already ended (by time, or by someone else) before it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkExpired {
    pub expired: u64,
    pub already_ended: u64,
}

impl BulkExpired {
    pub fn words(self) -> String {
        let expired = format!("Expired {}.", counted(self.expired, "token"));
        match self.already_ended {
            0 => expired,
            n => format!("{expired} {} had already ended.", grouped_digits(n)),
        }
    }
}

#[server(prefix = "/rpc", endpoint = "tokens/expire-selected", input = Json)]
pub async fn expire_selected(selection: BulkSelection) -> Result<BulkExpired, AppError> {
    crate::services::reply(super::server::expire_selected(selection).await)
}

/// The tokens ticked in the report, kept while its query stays the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    Tokens(BTreeSet<i64>),
    /// Every active token the report matches, on any page.
    AllMatching,
}

impl Default for Chosen {
    fn default() -> Self {
        Self::Tokens(BTreeSet::new())
    }
}

impl Chosen {
    pub fn includes(&self, id: i64) -> bool {
        match self {
            Self::Tokens(ids) => ids.contains(&id),
            Self::AllMatching => true,
        }
    }

    /// Ticks or unticks one token; taking every matching token leaves no single one to untick.
    pub fn tick(&mut self, id: i64, on: bool) {
        if let Self::Tokens(ids) = self {
            if on {
                ids.insert(id);
            } else {
                ids.remove(&id);
            }
        }
    }

    /// How many tokens are chosen, when `matching` active tokens match the report.
    pub fn count(&self, matching: u64) -> u64 {
        match self {
            Self::Tokens(ids) => ids.len() as u64,
            Self::AllMatching => matching,
        }
    }

    /// What to ask the server for; `None` when nothing is chosen.
    pub fn request(&self, query_string: &str, matching: u64) -> Option<BulkRequest> {
        let count = self.count(matching);
        if count == 0 {
            return None;
        }
        let selection = match self {
            Self::Tokens(ids) => BulkSelection::Tokens(ids.iter().copied().collect()),
            Self::AllMatching => BulkSelection::Matching {
                query: query_string.to_owned(),
                count,
            },
        };
        Some(BulkRequest { selection, count })
    }
}

/// A bulk expiry waiting for its confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRequest {
    pub selection: BulkSelection,
    pub count: u64,
}

/// Above the report: how many tokens are ticked, "Select all N matching this filter", and
/// the button that asks to expire them; then what the last bulk expiry did.
#[component]
pub fn BulkBar(
    /// Active tokens the report matches over all its pages.
    matching: u64,
    /// The report's query string, without paging (`?…` or empty).
    query_string: String,
    chosen: RwSignal<Chosen>,
    confirming: RwSignal<Option<BulkRequest>>,
    action: ServerAction<ExpireSelected>,
) -> impl IntoView {
    let count = move || chosen.with(|c| c.count(matching));
    let all_taken = move || chosen.with(|c| *c == Chosen::AllMatching);
    let summary = move || match (all_taken(), count()) {
        (true, n) => format!(
            "All {} matching this filter are selected.",
            counted(n, "active token")
        ),
        (false, 0) => "Tick tokens to expire several at once.".to_owned(),
        (false, n) => format!("{} selected.", counted(n, "token")),
    };
    let ask = move |_| {
        let request = chosen.with(|c| c.request(query_string.trim_start_matches('?'), matching));
        confirming.set(request);
    };
    let done =
        move || {
            action.value().get().and_then(Result::ok).map(
                |done| view! { <p class="notice report-notice" role="status">{done.words()}</p> },
            )
        };
    view! {
        {done}
        <div class="bulk-bar script-only" role="group" aria-label="Bulk actions">
            <span class="muted">{summary}</span>
            <Show when=move || { !all_taken() && matching > 0 }>
                <button class="link" on:click=move |_| chosen.set(Chosen::AllMatching)>
                    {format!("Select all {} matching this filter", grouped_digits(matching))}
                </button>
            </Show>
            <Show when=move || { count() > 0 }>
                <button class="link" on:click=move |_| chosen.set(Chosen::default())>"Clear selection"</button>
            </Show>
            <button class="danger" disabled=move || count() == 0 on:click=ask>
                {move || match count() {
                    0 => "Expire tokens".to_owned(),
                    n => format!("Expire {}", counted(n, "token")),
                }}
            </button>
        </div>
    }
    .into_any()
}

/// A token row's tick box; ended tokens get an empty cell.
#[component]
pub fn TokenTick(
    token_id: i64,
    /// Says which token the box is for: "“deploy” (…a1b2)".
    name: String,
    active: bool,
    chosen: RwSignal<Chosen>,
) -> impl IntoView {
    if !active {
        return view! { <td class="tick script-only"></td> }.into_any();
    }
    view! {
        <td class="tick script-only">
            <input
                type="checkbox"
                aria-label=format!("Select {name}")
                prop:checked=move || chosen.with(|c| c.includes(token_id))
                disabled=move || chosen.with(|c| *c == Chosen::AllMatching)
                on:change=move |event| {
                    let on = event_target_checked(&event);
                    chosen.update(|c| c.tick(token_id, on));
                }
            />
        </td>
    }
    .into_any()
}

/// The confirmation a bulk expiry asks for, naming the count.
#[component]
pub fn ExpireSelectedModal(
    request: BulkRequest,
    action: ServerAction<ExpireSelected>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let tokens = counted(request.count, "token");
    let selection = request.selection;
    view! {
        <ConfirmModal
            title=format!("Expire {tokens}")
            confirm=format!("Expire {tokens}")
            outcome=Outcome::of(action)
            pending=action.pending()
            on_confirm=move || { action.dispatch(ExpireSelected { selection: selection.clone() }); }
            on_close
        >
            <p>
                "Expire " <strong>{tokens.clone()}</strong> " at once? Anything that uses them "
                "stops working immediately. This cannot be undone."
            </p>
        </ConfirmModal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticking_builds_a_list_and_all_matching_takes_the_count() {
        let mut chosen = Chosen::default();
        assert_eq!(chosen.request("", 40), None);
        chosen.tick(7, true);
        chosen.tick(3, true);
        chosen.tick(7, true);
        assert!(chosen.includes(3) && !chosen.includes(5));
        assert_eq!(chosen.count(40), 2);
        chosen.tick(3, false);
        assert_eq!(
            chosen.request("preset=expiring", 40),
            Some(BulkRequest {
                selection: BulkSelection::Tokens(vec![7]),
                count: 1
            })
        );
        let mut all = Chosen::AllMatching;
        all.tick(9, false);
        assert!(all.includes(9));
        assert_eq!(
            all.request("preset=expiring", 40),
            Some(BulkRequest {
                selection: BulkSelection::Matching {
                    query: "preset=expiring".into(),
                    count: 40
                },
                count: 40
            })
        );
        assert_eq!(all.request("", 0), None);
    }

    #[test]
    fn the_result_names_both_counts() {
        let words = |expired, already_ended| {
            BulkExpired {
                expired,
                already_ended,
            }
            .words()
        };
        assert_eq!(words(1, 0), "Expired 1 token.");
        assert_eq!(words(998, 2), "Expired 998 tokens. 2 had already ended.");
        assert_eq!(words(0, 1), "Expired 0 tokens. 1 had already ended.");
        assert_eq!(
            words(10_000, 1_000),
            "Expired 10,000 tokens. 1,000 had already ended."
        );
    }
}
