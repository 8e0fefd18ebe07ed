use super::{token_options, RotateToken, TokenFormOptions, TokenView};
use crate::error::Field;
use crate::rules::rotation::{length_choice_of, Grace};
use crate::ui::{browser, FormErrors, Modal};
use leptos::prelude::*;

/// Rotate's confirmation: the new token's Expiration Length (the old one's by default) and
/// how long the old token keeps working.
#[component]
pub fn RotateTokenModal(
    token: TokenView,
    action: ServerAction<RotateToken>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let options = Resource::new(|| (), |_| token_options());
    view! {
        <Modal title="Rotate Token" on_close>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || options.get().map(|answer| match answer {
                    Ok(options) => view! { <RotateForm token=token.clone() options action on_close/> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Modal>
    }
}

#[component]
fn RotateForm(
    token: TokenView,
    options: TokenFormOptions,
    action: ServerAction<RotateToken>,
    on_close: Callback<()>,
) -> impl IntoView {
    let old_length = length_choice_of(token.created_at, token.expires_at);
    let first_length = if options.lengths.iter().any(|(value, _)| value == old_length) {
        old_length.to_owned()
    } else {
        options.default_length.clone()
    };
    let length = RwSignal::new(first_length.clone());
    let custom = RwSignal::new(String::new());
    let grace = RwSignal::new(Grace::None.as_str().to_owned());
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();
    let id = token.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let custom_expiry = custom.get_untracked();
        action.dispatch(RotateToken {
            id,
            length: length.get_untracked(),
            utc_offset_minutes: browser::utc_offset_minutes_at(&custom_expiry),
            custom_expiry,
            grace: grace.get_untracked(),
        });
    };
    let lengths = options
        .lengths
        .iter()
        .map(|(value, words)| {
            let selected = *value == first_length;
            view! { <option value=value.clone() selected=selected>{words.clone()}</option> }
        })
        .collect_view();
    let graces = Grace::ALL
        .into_iter()
        .map(|choice| view! { <option value=choice.as_str() selected=choice == Grace::None>{choice.words()}</option> })
        .collect_view();
    view! {
        <form class="stack" on:submit=submit novalidate>
            <p>
                "Rotate the token “" <strong>{token.label.clone()}</strong> "” (…" {token.hint.clone()} ")? "
                "A new token with the same label, permissions and whitelists replaces it, and its "
                "secret is shown once."
            </p>
            <label class="field">
                <span>"Expiration Length"</span>
                <select name="length" on:change=move |ev| length.set(event_target_value(&ev))>
                    {lengths}
                </select>
                {errors.view_for(Field::Expiration)}
            </label>
            <Show when=move || length.get() == "custom">
                <label class="field">
                    <span>"Expire In"</span>
                    <input type="datetime-local" name="custom_expiry"
                        prop:value=move || custom.get() on:input=move |ev| custom.set(event_target_value(&ev))/>
                    <small class="hint-text">"Date and time in your time zone."</small>
                    {errors.view_for(Field::CustomExpiry)}
                </label>
            </Show>
            <label class="field">
                <span>"The old token keeps working for"</span>
                <select name="grace" on:change=move |ev| grace.set(event_target_value(&ev))>{graces}</select>
                <small class="hint-text">"Time to move scripts and services to the new token before the old one stops."</small>
                {errors.view_for(Field::Grace)}
            </label>
            {move || general_error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Rotate"</button>
            </div>
        </form>
    }
    .into_any()
}
