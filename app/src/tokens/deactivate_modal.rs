//! The dialogs of Deactivate until… and Reactivate.

use super::{DeactivateToken, ReactivateToken, TokenView};
use crate::error::Field;
use crate::ui::{browser, ConfirmModal, FormErrors, MaybeTime, Modal, Outcome};
use leptos::prelude::*;

/// Deactivate until…: the date and time the token works again. It closes once the server
/// has deactivated the token; a refused time stays to be corrected.
#[component]
pub fn DeactivateTokenModal(
    token: TokenView,
    action: ServerAction<DeactivateToken>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let until = RwSignal::new(String::new());
    let errors = FormErrors::of(action);
    Effect::new(move |_| {
        if errors.outcome.succeeded() {
            on_close.run(());
        }
    });
    let general_error = move || errors.outcome.general_message();
    let id = token.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let until = until.get_untracked();
        action.dispatch(DeactivateToken {
            id,
            utc_offset_minutes: browser::utc_offset_minutes_at(&until),
            until,
        });
    };
    let form = view! {
        <form class="stack" on:submit=submit novalidate>
            <p>
                "Deactivate the token “" <strong>{token.label.clone()}</strong> "” (…" {token.hint.clone()} ")? "
                "It is refused until the time you choose, then works again by itself. "
                "You can reactivate it earlier."
            </p>
            <label class="field">
                <span>"Deactivated until"</span>
                <input type="datetime-local" name="until" required
                    prop:value=move || until.get()
                    on:input=move |ev| {
                        errors.outcome.forget();
                        until.set(event_target_value(&ev));
                    }/>
                <small class="hint-text">
                    "Date and time in your time zone, before the token expires ("
                    <MaybeTime at=token.expires_at none="never"/> ")."
                </small>
                {errors.view_for(Field::DeactivatedUntil)}
            </label>
            {move || general_error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Deactivate"</button>
            </div>
        </form>
    }
    .into_any();
    view! { <Modal title="Deactivate Token" on_close>{form}</Modal> }
}

/// Reactivate's confirmation: the token works again at once.
#[component]
pub fn ReactivateTokenModal(
    token: TokenView,
    action: ServerAction<ReactivateToken>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let id = token.id;
    view! {
        <ConfirmModal
            title="Reactivate Token"
            confirm="Reactivate"
            outcome=Outcome::of(action)
            pending=action.pending()
            on_confirm=move || { action.dispatch(ReactivateToken { id }); }
            on_close
        >
            <p>
                "Reactivate the token “" <strong>{token.label}</strong> "” (…" {token.hint} ")? "
                "It works again at once."
            </p>
        </ConfirmModal>
    }
}
