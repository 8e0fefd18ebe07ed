use super::{CreateToken, TokenFormOptions, NEW_TOKEN_PATH};
use crate::error::Field;
use crate::rules::domain::parse_domain_list;
use crate::rules::expiry::{ExpirationLength, ExpiryError, LifetimePolicy};
use crate::rules::label::{
    validate_description, validate_label, MAX_DESCRIPTION_CHARS, MAX_LABEL_CHARS,
};
use crate::rules::network::parse_ip_list;
use crate::rules::permission::{join_scopes, split_scopes, PermissionError};
use crate::ui::{browser, FormErrors};
use leptos::prelude::*;

/// How the Create Token form is sent.
#[derive(Clone, Copy)]
pub enum Sending {
    /// From the profile's dialog, through the server action: the page stays.
    Dialog { on_close: Callback<()> },
    /// From the Create Token page, posted by the browser itself and answered with a page:
    /// this works before the page hydrates and without JavaScript.
    Post,
}

/// Label, Expiration Length, Permissions and the whitelists, filled with `asked` when the
/// server sent a post back. The form offers what the company policy allows the user, and
/// checks input with the same rules the server applies, so most mistakes are shown without
/// a round trip; the server checks again.
#[component]
pub fn CreateTokenForm(
    options: TokenFormOptions,
    action: ServerAction<CreateToken>,
    sending: Sending,
    #[prop(default = None)] asked: Option<CreateToken>,
) -> impl IntoView {
    let posting = matches!(sending, Sending::Post);
    let policy = LifetimePolicy {
        max_days: options.max_token_days,
    };
    let asked = asked.unwrap_or_else(|| CreateToken {
        label: String::new(),
        description: String::new(),
        length: options.default_length.clone(),
        custom_expiry: String::new(),
        utc_offset_minutes: 0,
        permissions: String::new(),
        ip_whitelist: String::new(),
        domain_whitelist: String::new(),
    });
    let label = RwSignal::new(asked.label.clone());
    let description = RwSignal::new(asked.description.clone());
    let length = RwSignal::new(asked.length.clone());
    let custom = RwSignal::new(asked.custom_expiry.clone());
    let chosen = RwSignal::new(split_scopes(&asked.permissions));
    let ip_whitelist = RwSignal::new(asked.ip_whitelist.clone());
    let domain_whitelist = RwSignal::new(asked.domain_whitelist.clone());
    // A created token closes the dialog while its error views still answer that same change
    // of the action's value; FormErrors reads nothing of the closed form's then.
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !posting {
            ev.prevent_default();
            action.value().set(None);
        }
        let custom_text = custom.get_untracked();
        // Without a script nothing can tell the page's form the browser's time zone, so
        // that form takes UTC whether or not the page has hydrated.
        let offset = if posting {
            0
        } else {
            browser::utc_offset_minutes_at(&custom_text)
        };
        let now = chrono::Utc::now();
        let mut found = Vec::new();
        if let Err(e) = validate_label(&label.get_untracked()) {
            found.push((Field::Label, e.to_string()));
        }
        if let Err(e) = validate_description(&description.get_untracked()) {
            found.push((Field::Description, e.to_string()));
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
        if !errors.check(found) {
            ev.prevent_default();
        } else if !posting {
            action.dispatch(CreateToken {
                label: label.get_untracked(),
                description: description.get_untracked(),
                length: length.get_untracked(),
                custom_expiry: custom_text,
                utc_offset_minutes: offset,
                permissions: join_scopes(&chosen.get_untracked()),
                ip_whitelist: ip_whitelist.get_untracked(),
                domain_whitelist: domain_whitelist.get_untracked(),
            });
        }
    };

    let choices = options
        .lengths
        .iter()
        .map(|(value, words)| {
            let selected = *value == asked.length;
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
            let initially = chosen.with_untracked(|list| list.contains(&name));
            view! {
                <label class="check permission">
                    <input
                        type="checkbox"
                        name="permissions"
                        value=name.clone()
                        checked=initially
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
    // The page's form cannot reveal the field when Custom is chosen without a script.
    let custom_shown = move || posting || length.get() == "custom";
    let custom_hint = if posting {
        "For a custom length: date and time in UTC."
    } else {
        "Date and time in your time zone."
    };
    let actions = match sending {
        Sending::Dialog { on_close } => view! {
            <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
        }
        .into_any(),
        Sending::Post => view! { <a class="button" href="/profile">"Cancel"</a> }.into_any(),
    };
    view! {
        <form
            class="stack"
            method=posting.then_some("post")
            action=posting.then_some(NEW_TOKEN_PATH)
            on:submit=submit
            novalidate
        >
            <label class="field">
                <span>"Label"</span>
                <input
                    type="text"
                    name="label"
                    autofocus
                    placeholder="What is this token for?"
                    value=asked.label
                    prop:value=move || label.get()
                    on:input=move |ev| label.set(event_target_value(&ev))
                    aria-invalid=errors.invalid(Field::Label)
                />
                <small class="hint-text">{format!("Up to {MAX_LABEL_CHARS} characters.")}</small>
                {errors.view_for(Field::Label)}
            </label>
            <label class="field">
                <span>"Description"</span>
                <textarea
                    name="description"
                    rows="2"
                    aria-invalid=errors.invalid(Field::Description)
                    placeholder="Optional: what uses it, who to ask"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                >{asked.description.clone()}</textarea>
                <small class="hint-text">{format!("Optional. Up to {MAX_DESCRIPTION_CHARS} characters; the report's search finds it.")}</small>
                {errors.view_for(Field::Description)}
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
            <Show when=custom_shown>
                <label class="field">
                    <span>"Expire In"</span>
                    <input
                        type="datetime-local"
                        name="custom_expiry"
                        value=asked.custom_expiry.clone()
                        prop:value=move || custom.get()
                        on:input=move |ev| custom.set(event_target_value(&ev))
                    />
                    <small class="hint-text">{custom_hint}</small>
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
                >{asked.ip_whitelist}</textarea>
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
                >{asked.domain_whitelist}</textarea>
                <small class="hint-text">"Optional, for use from web pages only: browsers on other sites are refused. Scripts and servers are not affected."</small>
                {errors.view_for(Field::DomainWhitelist)}
            </label>
            {move || general_error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                {actions}
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    "Create Token"
                </button>
            </div>
        </form>
    }
    .into_any()
}
