use super::{CreateToken, CreatedToken, ExpireToken, TokenView};
use crate::error::{AppError, Field};
use crate::rules::expiry::{ExpirationLength, ExpiryError, DEFAULT_LENGTH_VALUE, LENGTH_CHOICES};
use crate::rules::label::{validate_label, MAX_LABEL_CHARS};
use crate::ui::{browser, format_optional, Modal};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Label and Expiration Length. The form checks its input with the same rules the server
/// applies, so most mistakes are shown without a round trip; the server checks again.
#[component]
pub fn CreateTokenModal(
    action: ServerAction<CreateToken>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let length = RwSignal::new(DEFAULT_LENGTH_VALUE.to_owned());
    let custom = RwSignal::new(String::new());
    let label_error = RwSignal::new(None::<String>);
    let custom_error = RwSignal::new(None::<String>);

    let server_error = move || action.value().get().and_then(Result::err);
    let field_error = move |field: Field, local: RwSignal<Option<String>>| {
        local
            .get()
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
        let checked_label = validate_label(&label.get_untracked());
        let custom_text = custom.get_untracked();
        let offset = browser::utc_offset_minutes_at(&custom_text);
        let checked_length = ExpirationLength::from_form(
            &length.get_untracked(),
            &custom_text,
            offset,
            chrono::Utc::now(),
        );
        label_error.set(checked_label.as_ref().err().map(ToString::to_string));
        custom_error.set(match &checked_length {
            Err(ExpiryError::UnknownLength) | Ok(_) => None,
            Err(e) => Some(e.to_string()),
        });
        if checked_label.is_ok() && checked_length.is_ok() {
            action.dispatch(CreateToken {
                label: label.get_untracked(),
                length: length.get_untracked(),
                custom_expiry: custom_text,
                utc_offset_minutes: offset,
            });
        }
    };

    let choices = LENGTH_CHOICES
        .iter()
        .map(|(value, words)| {
            view! { <option value=*value selected=*value == DEFAULT_LENGTH_VALUE>{*words}</option> }
        })
        .collect_view();

    view! {
        <Modal title="Create Token" on_close>
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
                        aria-invalid=move || field_error(Field::Label, label_error).is_some().to_string()
                    />
                    <small class="hint-text">{format!("Up to {MAX_LABEL_CHARS} characters.")}</small>
                    {move || field_error(Field::Label, label_error).map(|message| view! {
                        <span class="field-error" role="alert">{message}</span>
                    })}
                </label>
                <label class="field">
                    <span>"Expiration Length"</span>
                    <select name="length" on:change=move |ev| length.set(event_target_value(&ev))>
                        {choices}
                    </select>
                    {move || server_error().and_then(|e| e.message_for(Field::Expiration)).map(|message| view! {
                        <span class="field-error" role="alert">{message}</span>
                    })}
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
                        {move || field_error(Field::CustomExpiry, custom_error).map(|message| view! {
                            <span class="field-error" role="alert">{message}</span>
                        })}
                    </label>
                </Show>
                {move || general_error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
                <div class="modal-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Create Token"
                    </button>
                </div>
            </form>
        </Modal>
    }
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
