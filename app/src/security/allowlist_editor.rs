use super::{AllowlistRow, SaveAllowlist, SaveAllowlistForm, SecurityView};
use crate::error::{AppError, Field};
use crate::rules::network::{AllowlistEntry, IPV4_CHECKING_BITS};
use crate::ui::Modal;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[derive(Clone, Copy)]
struct EditRow {
    key: usize,
    address: RwSignal<String>,
    bits: RwSignal<u8>,
}

fn looks_ipv6(address: &str) -> bool {
    address.contains(':')
}

/// The checking bits a row may choose: whole dotted parts for IPv4, prefix lengths in steps
/// of 8 for IPv6.
fn bit_choices(address: &str) -> Vec<u8> {
    if looks_ipv6(address) {
        (1..=16).map(|n| n * 8).collect()
    } else {
        IPV4_CHECKING_BITS.to_vec()
    }
}

/// The company IP allowlist: rows added with + and removed with −, saved together. The
/// rows are the editor's own state, so an error or a question never loses what was typed.
#[component]
pub fn AllowlistEditor(initial: SecurityView) -> impl IntoView {
    let action = ServerAction::<SaveAllowlist>::new();
    // What a post of the form by the browser itself answered: its error comes back here.
    let posted = ServerAction::<SaveAllowlistForm>::new();
    let new_row_index = initial.allowlist.len();
    let next_key = StoredValue::new(0usize);
    let make_row = move |address: String, bits: u8| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        EditRow {
            key,
            address: RwSignal::new(address),
            bits: RwSignal::new(bits),
        }
    };
    let rows_from = move |entries: &[AllowlistEntry]| {
        entries
            .iter()
            .map(|e| make_row(e.address.to_string(), e.bits))
            .collect::<Vec<_>>()
    };
    let rows = RwSignal::new(rows_from(&initial.allowlist));
    let your_address = initial.your_address.clone();
    let local_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);

    let entries = move || {
        rows.get_untracked()
            .iter()
            .map(|row| AllowlistRow {
                address: row.address.get_untracked(),
                bits: row.bits.get_untracked(),
            })
            .collect::<Vec<_>>()
    };
    let save = move |confirm_lockout: bool| {
        saved.set(false);
        let entries = entries();
        let first_bad = entries.iter().enumerate().find_map(|(index, row)| {
            AllowlistEntry::parse(&row.address, row.bits)
                .err()
                .map(|e| format!("Entry {}: {e}", index + 1))
        });
        local_error.set(first_bad.clone());
        if first_bad.is_none() {
            action.dispatch(SaveAllowlist {
                entries,
                confirm_lockout,
            });
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(view)) = action.value().get() {
            rows.set(rows_from(&view.allowlist));
            saved.set(true);
        }
    });
    let lockout = move || match action.value().get() {
        Some(Err(AppError::LockoutRisk(address))) => Some(address),
        _ => None,
    };
    let error = move || {
        local_error.get().or_else(|| match action.value().get() {
            Some(Err(AppError::LockoutRisk(_))) | Some(Ok(_)) => None,
            Some(Err(e)) => Some(
                e.message_for(Field::Allowlist)
                    .unwrap_or_else(|| e.to_string()),
            ),
            None => posted.value().get().and_then(Result::err).map(|e| {
                e.message_for(Field::Allowlist)
                    .unwrap_or_else(|| e.to_string())
            }),
        })
    };
    let add = move |_| {
        saved.set(false);
        rows.update(|rows| rows.push(make_row(String::new(), 32)));
    };

    // Erased so the editor's nested view type stays within the compiler's query depth limit.
    let form = view! {
        // Posted by the browser itself before the page hydrates or without JavaScript.
        <form method="post" action=SaveAllowlistForm::url() novalidate
            on:submit=move |ev| { ev.prevent_default(); save(false); }>
            <ol class="allowlist" aria-label="Allowlist entries">
                <For
                    each=move || rows.get().into_iter().enumerate()
                    key=|(_, row)| row.key
                    children=move |(index, row)| view! {
                        <AllowlistRowEditor row index on_remove=move || {
                            saved.set(false);
                            rows.update(|rows| rows.retain(|r| r.key != row.key));
                        }/>
                    }
                />
            </ol>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty">"No entries: everyone may sign in and use tokens from any address."</p>
            </Show>
            <NewAddressWithoutScript index=new_row_index/>
            {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="row-actions">
                <button type="button" class="icon" aria-label="Add an address" title="Add an address" on:click=add>"+"</button>
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    "Save"
                </button>
                <span class="saved" class:visible=move || saved.get() aria-live="polite">"Saved."</span>
            </div>
        </form>
    }
    .into_any();
    view! {
        <section class="card block" aria-labelledby="allowlist-heading">
            <h2 id="allowlist-heading">"Whitelist IPs"</h2>
            <p class="muted">
                "Sign-in and token use are allowed only from these addresses. The checking bits "
                "are how many leading bits of an address must match: every part separated by a dot "
                "is 8 bits, so 192.168.1.0 with 24 allows 192.168.1.0 to 192.168.1.255. "
                "An empty list allows everyone."
            </p>
            <p class="warning" role="note">
                "We do not recommend an allowlist if your company relies on VPNs or people work "
                "from changing networks: anyone outside the list is locked out, even with the right password."
            </p>
            <p class="muted your-address">
                "Your current address: "
                <strong>{your_address.clone().unwrap_or_else(|| "unknown".to_owned())}</strong>
            </p>
            {form}
            {move || lockout().map(|address| view! {
                <Modal title="Lock yourself out?" on_close=move || action.value().set(None)>
                    <p>
                        "This list does not include your current address " <strong>{address.clone()}</strong> ". "
                        "After saving you will not be able to sign in again from it, and your tokens "
                        "will not work from it."
                    </p>
                    <div class="modal-actions">
                        <button on:click=move |_| action.value().set(None)>"Cancel"</button>
                        <button class="danger" on:click=move |_| save(true)>
                            {format!("Save without {address}")}
                        </button>
                    </div>
                </Modal>
            })}
        </section>
    }
    .into_any()
}

/// What the + and − buttons do, for a browser that runs no script: a row for one more
/// address, and the word that clearing an address removes it. Hidden once the page hydrates.
#[component]
fn NewAddressWithoutScript(index: usize) -> impl IntoView {
    let mut choices: Vec<u8> = IPV4_CHECKING_BITS.to_vec();
    choices.extend(bit_choices("::"));
    choices.sort_unstable();
    choices.dedup();
    let options = choices
        .into_iter()
        .map(|bits| view! { <option value=bits.to_string() selected=bits == 32>{bits}</option> })
        .collect_view();
    view! {
        <div class="no-script-only stack">
            <div class="allowlist-row">
                <label class="field">
                    <span>"New IP address"</span>
                    <input type="text" name=format!("entries[{index}][address]") placeholder="192.0.2.0"/>
                </label>
                <label class="field">
                    <span>"Its checking bits"</span>
                    <select name=format!("entries[{index}][bits]")>{options}</select>
                </label>
            </div>
            <p class="hint-text">"Clear an address to remove it from the list."</p>
            <label class="check">
                <input type="checkbox" name="confirm_lockout" value="true"/>
                "Save even if the list leaves out my current address"
            </label>
        </div>
    }
}

#[component]
fn AllowlistRowEditor(
    row: EditRow,
    /// The row's place in the form the browser posts without a script.
    index: usize,
    #[prop(into)] on_remove: Callback<()>,
) -> impl IntoView {
    let choices = move || bit_choices(&row.address.get());
    let on_address = move |ev| {
        let address = event_target_value(&ev);
        // Keep the bits valid for the address family being typed.
        if !bit_choices(&address).contains(&row.bits.get_untracked()) {
            row.bits.set(if looks_ipv6(&address) { 64 } else { 32 });
        }
        row.address.set(address);
    };
    view! {
        <li class="allowlist-row">
            <label class="field">
                <span>"IP address"</span>
                <input type="text" name=format!("entries[{index}][address]") placeholder="192.0.2.0" inputmode="decimal"
                    value=row.address.get_untracked()
                    prop:value=move || row.address.get() on:input=on_address/>
            </label>
            <label class="field">
                <span>"Checking bits"</span>
                <select name=format!("entries[{index}][bits]") on:change=move |ev| {
                    if let Ok(bits) = event_target_value(&ev).parse() {
                        row.bits.set(bits);
                    }
                }>
                    {move || choices().into_iter().map(|bits| view! {
                        <option value=bits.to_string() selected=move || row.bits.get() == bits>{bits}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="button" class="icon" aria-label="Remove this address" title="Remove this address"
                on:click=move |_| on_remove.run(())>"−"</button>
        </li>
    }
    .into_any()
}
