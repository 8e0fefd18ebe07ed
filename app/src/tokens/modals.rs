use super::{token_options, CreateToken, CreatedToken, ExpireToken, TokenFormOptions, TokenView};
use crate::error::{AppError, Field};
use crate::rules::domain::parse_domain_list;
use crate::rules::expiry::{ExpirationLength, ExpiryError, LifetimePolicy};
use crate::rules::label::{validate_label, MAX_LABEL_CHARS};
use crate::rules::network::parse_ip_list;
use crate::rules::permission::{join_scopes, PermissionError};
use crate::ui::{browser, format_optional, Modal};
use leptos::prelude::*;
use leptos::task::spawn_local;

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
    let local_errors = RwSignal::new(Vec::<(Field, String)>::new());

    let server_error = move || action.value().get().and_then(Result::err);
    // A created token closes this form, yet its error views still answer that same change of
    // the action's value, after the form's own signals are gone: `try_with` then reads no
    // error, where `with` would panic and stop the page.
    let field_error = move |field: Field| {
        local_errors
            .try_with(|errors| {
                errors
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, m)| m.clone())
            })
            .flatten()
            .or_else(|| server_error().and_then(|e| e.message_for(field)))
    };
    let general_error = move || {
        server_error()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
            .map(|e| e.to_string())
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.value().set(None);
        let custom_text = custom.get_untracked();
        let offset = browser::utc_offset_minutes_at(&custom_text);
        let now = chrono::Utc::now();
        let mut errors = Vec::new();
        if let Err(e) = validate_label(&label.get_untracked()) {
            errors.push((Field::Label, e.to_string()));
        }
        match ExpirationLength::from_form(&length.get_untracked(), &custom_text, offset, now) {
            Ok(chosen_length) => {
                if let Err(e) = policy.check(chosen_length, now) {
                    let field = if length.get_untracked() == "custom" {
                        Field::CustomExpiry
                    } else {
                        Field::Expiration
                    };
                    errors.push((field, e.to_string()));
                }
            }
            Err(ExpiryError::UnknownLength) => {}
            Err(e) => errors.push((Field::CustomExpiry, e.to_string())),
        }
        if chosen.with_untracked(Vec::is_empty) {
            errors.push((Field::Permissions, PermissionError::NoneChosen.to_string()));
        }
        if let Err(e) = parse_ip_list(&ip_whitelist.get_untracked()) {
            errors.push((Field::IpWhitelist, e.to_string()));
        }
        if let Err(e) = parse_domain_list(&domain_whitelist.get_untracked()) {
            errors.push((Field::DomainWhitelist, e.to_string()));
        }
        let valid = errors.is_empty();
        local_errors.set(errors);
        if valid {
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
    let error_view = move |field: Field| {
        move || {
            field_error(field)
                .map(|message| view! { <span class="field-error" role="alert">{message}</span> })
        }
    };

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
                    aria-invalid=move || field_error(Field::Label).is_some().to_string()
                />
                <small class="hint-text">{format!("Up to {MAX_LABEL_CHARS} characters.")}</small>
                {error_view(Field::Label)}
            </label>
            <fieldset class="field permissions-field">
                <legend>"Permissions"</legend>
                {permission_boxes}
                {error_view(Field::Permissions)}
            </fieldset>
            <label class="field">
                <span>"Expiration Length"</span>
                <select name="length" on:change=move |ev| length.set(event_target_value(&ev))>
                    {choices}
                </select>
                {max_note}
                {error_view(Field::Expiration)}
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
                    {error_view(Field::CustomExpiry)}
                </label>
            </Show>
            <label class="field">
                <span>"Whitelist IPs"</span>
                <textarea
                    name="ip_whitelist"
                    rows="2"
                    aria-invalid=move || field_error(Field::IpWhitelist).is_some().to_string()
                    placeholder="203.0.113.7, 198.51.100.0/24, 2001:db8::/48"
                    prop:value=move || ip_whitelist.get()
                    on:input=move |ev| ip_whitelist.set(event_target_value(&ev))
                ></textarea>
                <small class="hint-text">"Optional. Addresses or CIDR ranges, separated by commas or lines. The token works only from these, for the API and the UI."</small>
                {error_view(Field::IpWhitelist)}
            </label>
            <label class="field">
                <span>"Whitelist Domains"</span>
                <textarea
                    name="domain_whitelist"
                    rows="2"
                    aria-invalid=move || field_error(Field::DomainWhitelist).is_some().to_string()
                    placeholder="app.example.com, *.example.org"
                    prop:value=move || domain_whitelist.get()
                    on:input=move |ev| domain_whitelist.set(event_target_value(&ev))
                ></textarea>
                <small class="hint-text">"Optional, for use from web pages only: browsers on other sites are refused. Scripts and servers are not affected."</small>
                {error_view(Field::DomainWhitelist)}
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
    #[derive(Clone, Copy, PartialEq)]
    enum Copy {
        Idle,
        Copied,
        Failed,
    }
    let copy_state = RwSignal::new(Copy::Idle);
    let secret = StoredValue::new(created.secret.clone());
    let copy = move |_| {
        spawn_local(async move {
            let copied = browser::copy_to_clipboard(secret.get_value()).await;
            copy_state.set(if copied { Copy::Copied } else { Copy::Failed });
            if copied {
                browser::sleep_ms(1800).await;
                copy_state.set(Copy::Idle);
            }
        });
    };
    let expires = format_optional(created.token.expires_at, "Never");

    view! {
        <Modal title="Your new personal access token" on_close>
            <p class="warning" role="note">
                "Copy this token now. It is displayed only this one time: Tessera keeps only a "
                "hash of it and cannot show it again. If you lose it, expire it and create a new one."
            </p>
            <div class="secret-row">
                <code class="secret" data-testid="new-token-secret">{created.secret}</code>
                <button class="primary" on:click=copy>"Copy"</button>
            </div>
            <p class="copy-status" aria-live="polite">
                <span class="copied" class:visible=move || copy_state.get() == Copy::Copied>"Copied"</span>
                <Show when=move || copy_state.get() == Copy::Failed>
                    <span class="field-error">"Your browser did not allow copying. Select the token and copy it by hand."</span>
                </Show>
            </p>
            <dl class="facts">
                <dt>"Label"</dt><dd>{created.token.label}</dd>
                <dt>"Expires"</dt><dd>{expires}</dd>
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
    let error = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    // Close once the server has confirmed; an error keeps the dialog open to show it.
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            on_close.run(());
        }
    });
    view! {
        <Modal title="Expire Token" on_close>
            <p>
                "Expire the token “" <strong>{token.label}</strong> "” (…" {token.hint} ")? "
                "Anything that uses it stops working at once. This cannot be undone."
            </p>
            {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                <button on:click=move |_| on_close.run(())>"Cancel"</button>
                <button
                    class="danger"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(ExpireToken { id }); }
                >
                    "Expire"
                </button>
            </div>
        </Modal>
    }
}
