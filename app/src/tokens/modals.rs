use super::create_form::{CreateTokenForm, Sending};
use super::{token_options, CreateToken, CreatedToken, ExpireToken, TokenView};
use crate::ui::{ConfirmModal, CopyField, MaybeTime, Modal, Outcome};
use leptos::prelude::*;

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
                    Ok(options) => view! { <CreateTokenForm options action sending={Sending::Dialog { on_close }}/> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Modal>
    }
}

/// Shows a new token's secret, once.
#[component]
pub fn NewSecretModal(
    created: CreatedToken,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title="Your new personal access token" on_close>
            <NewSecret created/>
            <div class="modal-actions">
                <button class="primary" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// A new token's secret with the warning that it is shown once, and what the token may do.
#[component]
pub fn NewSecret(created: CreatedToken) -> impl IntoView {
    view! {
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
