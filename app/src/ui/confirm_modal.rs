use super::{Modal, Outcome};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A dialog asking to confirm something that cannot be taken back. It closes once the
/// server has confirmed; an error keeps it open to show why.
#[component]
pub fn ConfirmModal<S>(
    #[prop(into)] title: String,
    /// The confirming button's words: "Expire", "Revoke".
    #[prop(into)]
    confirm: String,
    outcome: Outcome<S>,
    pending: Memo<bool>,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    // An answer left by an earlier confirmation of the same action would close this one at
    // once, or show its error: this dialog starts without it.
    outcome.forget();
    Effect::new(move |_| {
        if outcome.succeeded() {
            on_close.run(());
        }
    });
    let error = move || outcome.error().map(|e| e.to_string());
    view! {
        <Modal title on_close>
            {children()}
            {move || error().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                <button on:click=move |_| on_close.run(())>"Cancel"</button>
                <button class="danger" disabled=move || pending.get() on:click=move |_| on_confirm.run(())>
                    {confirm}
                </button>
            </div>
        </Modal>
    }
}
