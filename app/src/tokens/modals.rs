use super::{token_options, CreateToken, CreatedToken, ExpireToken, TokenFormOptions, TokenView};
use crate::error::Field;
use crate::rules::domain::parse_domain_list;
use crate::rules::expiry::{ExpirationLength, ExpiryError, LifetimePolicy};
use crate::rules::label::{validate_label, MAX_LABEL_CHARS};
use crate::rules::network::parse_ip_list;
use crate::rules::permission::{join_scopes, PermissionError};
use crate::ui::{browser, ConfirmModal, CopyField, FormErrors, MaybeTime, Modal, Outcome};
use leptos::prelude::*;

/// Label, Expiration Length, Permissions and the whitelists. The form offers what the
/// company policy allows the user, and checks input with the same rules the server applies,
/// so most mistakes are shown without a round trip; the server checks again.
#[component]
pub fn CreateTokenModal(
    action: ServerAction<CreateToken>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let options = Resource::new(|| (), |_| token_options());
    view! {
        <Modal title="Create Token" on_close>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || options.get().map(|answer| match answer {
                    Ok(options) => view! { <CreateTokenForm options action on_close/> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Modal>
    }
}

#[component]
fn CreateTokenForm(
    options: TokenFormOptions,
    action: ServerAction<CreateToken>,
    on_close: Callback<()>,
) -> impl IntoView {
    let policy = LifetimePolicy {
        max_days: options.max_token_days,
    };
    let label = RwSignal::new(String::new());
    let length = RwSignal::new(options.default_length.clone());
    let custom = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let ip_whitelist = RwSignal::new(String::new());
    let domain_whitelist = RwSignal::new(String::new());
    // A created token closes this form while its error views still answer that same change
    // of the action's value; FormErrors reads nothing of the closed form's then.
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.value().set(None);
        let custom_text = custom.get_untracked();
        let offset = browser::utc_offset_minutes_at(&custom_text);
        let now = chrono::Utc::now();
        let mut found = Vec::new();
        if let Err(e) = validate_label(&label.get_untracked()) {
            found.push((Field::Label, e.to_string()));
        }
        match ExpirationLength::from_form(&length.get_untracked(), &custom_text, offset, now) {
            Ok(chosen_length) => {
                if let Err(e) = policy.check(chosen_length, now) {
                    let field = if length.get_untracked() == "custom" {
                        Field::CustomExpiry
                    } else {
                        Field::Expiration
                    };
                    found.push((field, e.to_string()));
                }
            }
            Err(ExpiryError::UnknownLength) => {}
            Err(e) => found.push((Field::CustomExpiry, e.to_string())),
        }
        if chosen.with_untracked(Vec::is_empty) {
            found.push((Field::Permissions, PermissionError::NoneChosen.to_string()));
        }
        if let Err(e) = parse_ip_list(&ip_whitelist.get_untracked()) {
            found.push((Field::IpWhitelist, e.to_string()));
        }
        if let Err(e) = parse_domain_list(&domain_whitelist.get_untracked()) {
            found.push((Field::DomainWhitelist, e.to_string()));
        }
        if errors.check(found) {
            action.dispatch(CreateToken {
                label: label.get_untracked(),
                length: length.get_untracked(),
                custom_expiry: custom_text,
                utc_offset_minutes: offset,
                permissions: join_scopes(&chosen.get_untracked()),
                ip_whitelist: ip_whitelist.get_untracked(),
                domain_whitelist: domain_whitelist.get_untracked(),
            });
        }
    };

    let default_length = options.default_length.clone();
    let choices = options
        .lengths
        .iter()
        .map(|(value, words)| {
            let selected = *value == default_length;
            view! { <option value=value.clone() selected=selected>{words.clone()}</option> }
        })
        .collect_view();
    let max_note = options.max_token_days.map(|days| {
        view! { <small class="hint-text">{format!("Tokens may live at most {days} days.")}</small> }
    });
    let permission_boxes = options
        .permissions
        .iter()
        .map(|permission| {
            let name = permission.name.clone();
            let toggled = name.clone();
            let checked = name.clone();
            view! {
                <label class="check permission">
                    <input
                        type="checkbox"
                        name="permissions"
                        value=name.clone()
                        prop:checked=move || chosen.with(|list| list.contains(&checked))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|list| {
                                list.retain(|n| *n != toggled);
                                if on {
                                    list.push(toggled.clone());
                                }
                            });
                        }
                    />
                    <code>{name}</code>
                    <span class="muted">{permission.description.clone()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="stack" on:submit=submit novalidate>
            <label class="field">
                <span>"Label"</span>
                <input
                    type="text"
                    name="label"
                    autofocus
                    placeholder="What is this token for?"
                    prop:value=move || label.get()
                    on:input=move |ev| label.set(event_target_value(&ev))
                    aria-invalid=errors.invalid(Field::Label)
                />
                <small class="hint-text">{format!("Up to {MAX_LABEL_CHARS} characters.")}</small>
                {errors.view_for(Field::Label)}
            </label>
            <fieldset class="field permissions-field">
                <legend>"Permissions"</legend>
                {permission_boxes}
                {errors.view_for(Field::Permissions)}
            </fieldset>
            <label class="field">
                <span>"Expiration Length"</span>
                <select name="length" on:change=move |ev| length.set(event_target_value(&ev))>
                    {choices}
                </select>
                {max_note}
                {errors.view_for(Field::Expiration)}
            </label>
            <Show when=move || length.get() == "custom">
                <label class="field">
                    <span>"Expire In"</span>
                    <input
                        type="datetime-local"
                        name="custom_expiry"
                        prop:value=move || custom.get()
                        on:input=move |ev| custom.set(event_target_value(&ev))
                    />
                    <small class="hint-text">"Date and time in your time zone."</small>
                    {errors.view_for(Field::CustomExpiry)}
                </label>
            </Show>
            <label class="field">
                <span>"Whitelist IPs"</span>
                <textarea
                    name="ip_whitelist"
                    rows="2"
                    aria-invalid=errors.invalid(Field::IpWhitelist)
                    placeholder="203.0.113.7, 198.51.100.0/24, 2001:db8::/48"
                    prop:value=move || ip_whitelist.get()
                    on:input=move |ev| ip_whitelist.set(event_target_value(&ev))
                ></textarea>
                <small class="hint-text">"Optional. Addresses or CIDR ranges, separated by commas or lines. The token works only from these, for the API and the UI."</small>
                {errors.view_for(Field::IpWhitelist)}
            </label>
            <label class="field">
                <span>"Whitelist Domains"</span>
                <textarea
                    name="domain_whitelist"
                    rows="2"
                    aria-invalid=errors.invalid(Field::DomainWhitelist)
                    placeholder="app.example.com, *.example.org"
                    prop:value=move || domain_whitelist.get()
                    on:input=move |ev| domain_whitelist.set(event_target_value(&ev))
                ></textarea>
                <small class="hint-text">"Optional, for use from web pages only: browsers on other sites are refused. Scripts and servers are not affected."</small>
                {errors.view_for(Field::DomainWhitelist)}
            </label>
            {move || general_error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    "Create Token"
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// Shows a new token's secret, once.
#[component]
pub fn NewSecretModal(
    created: CreatedToken,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title="Your new personal access token" on_close>
            <p class="warning" role="note">
                "Copy this token now. It is displayed only this one time: Tessera keeps only a "
                "hash of it and cannot show it again. If you lose it, expire it and create a new one."
            </p>
            <CopyField text=created.secret what="the token" testid="new-token-secret"/>
            <dl class="facts">
                <dt>"Label"</dt><dd>{created.token.label}</dd>
                <dt>"Expires"</dt><dd><MaybeTime at=created.token.expires_at none="Never"/></dd>
                <dt>"Permissions"</dt><dd>{created.token.permissions.join(", ")}</dd>
            </dl>
            <div class="modal-actions">
                <button class="primary" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// The confirmation Expire Token asks for: expiring cannot be undone.
#[component]
pub fn ExpireTokenModal(
    token: TokenView,
    action: ServerAction<ExpireToken>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let id = token.id;
    view! {
        <ConfirmModal
            title="Expire Token"
            confirm="Expire"
            outcome=Outcome::of(action)
            pending=action.pending()
            on_confirm=move || { action.dispatch(ExpireToken { id }); }
            on_close
        >
            <p>
                "Expire the token “" <strong>{token.label}</strong> "” (…" {token.hint} ")? "
                "Anything that uses it stops working at once. This cannot be undone."
            </p>
        </ConfirmModal>
    }
}
