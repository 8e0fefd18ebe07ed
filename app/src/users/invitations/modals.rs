use super::{Delivery, InvitationView, InviteUser, IssuedInvitation, RevokeInvitation};
use crate::error::Field;
use crate::rules::invitation::{normalize_display_name, normalize_email};
use crate::ui::{ConfirmModal, CopyField, FormErrors, Modal, Outcome, Time};
use leptos::prelude::*;

/// Invite user: one person, their display name and role.
#[component]
pub fn InviteModal(
    action: ServerAction<InviteUser>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new("user".to_owned());
    // Checked in the browser with the server's own rules, so most mistakes need no round trip.
    let errors = FormErrors::of(action);
    let edited = move || errors.outcome.forget();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = Vec::new();
        if let Err(e) = normalize_email(&email.get_untracked()) {
            found.push((Field::Email, e.to_string()));
        }
        if let Err(e) = normalize_display_name(&display_name.get_untracked()) {
            found.push((Field::DisplayName, e.to_string()));
        }
        if errors.check(found) {
            action.dispatch(InviteUser {
                email: email.get_untracked(),
                display_name: display_name.get_untracked(),
                role: role.get_untracked(),
            });
        }
    };
    let general_error = move || errors.outcome.general_message();

    view! {
        <Modal title="Invite user" on_close>
            <form class="stack" on:submit=submit novalidate>
                <label class="field">
                    <span>"E-mail"</span>
                    <input
                        type="email"
                        name="email"
                        autofocus
                        autocomplete="off"
                        prop:value=email
                        on:input=move |ev| { email.set(event_target_value(&ev)); edited(); }
                        aria-invalid=errors.invalid(Field::Email)
                    />
                    {errors.view_for(Field::Email)}
                </label>
                <label class="field">
                    <span>"Display name"</span>
                    <input
                        type="text"
                        name="display_name"
                        autocomplete="off"
                        prop:value=display_name
                        on:input=move |ev| { display_name.set(event_target_value(&ev)); edited(); }
                        aria-invalid=errors.invalid(Field::DisplayName)
                    />
                    {errors.view_for(Field::DisplayName)}
                </label>
                <label class="field">
                    <span>"Role"</span>
                    <select name="role" prop:value=role on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="user">"User"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                    {errors.view_for(Field::Role)}
                </label>
                <Show when=move || general_error().is_some()>
                    <p class="form-error" role="alert">{general_error}</p>
                </Show>
                <div class="modal-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Create invitation"
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// The link of a new or resent invitation: shown once, with a Copy button.
#[component]
pub fn IssuedModal(
    issued: IssuedInvitation,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let invitation = issued.invitation;
    let delivery = match issued.delivery {
        Delivery::Sent => view! {
            <p class="notice" role="status">{format!("The invitation was e-mailed to {}.", invitation.email)}</p>
        }
        .into_any(),
        Delivery::NotConfigured => view! {
            <p class="muted">"E-mail is not set up on this server: send this link to the invitee yourself."</p>
        }
        .into_any(),
        Delivery::Failed => view! {
            <p class="warning" role="alert">
                "The e-mail could not be sent. The invitation exists: copy the link and send it yourself."
            </p>
        }
        .into_any(),
    };
    view! {
        <Modal title="Invitation link" on_close>
            {delivery}
            <CopyField text=issued.link what="the link" testid="invitation-link"/>
            <dl class="facts">
                <dt>"Invitee"</dt><dd>{format!("{} <{}>", invitation.display_name, invitation.email)}</dd>
                <dt>"Role"</dt><dd>{invitation.role.words()}</dd>
                <dt>"Link expires"</dt><dd><Time at=invitation.expires_at/></dd>
            </dl>
            <p class="muted">
                "The link works once. Tessera keeps only a hash of it, so it cannot be shown again; "
                "Resend makes a new one."
            </p>
            <div class="modal-actions">
                <button class="primary" on:click=move |_| on_close.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

/// Revoking stops the link at once; Resend can issue a new one later.
#[component]
pub fn RevokeModal(
    invitation: InvitationView,
    action: ServerAction<RevokeInvitation>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let id = invitation.id;
    view! {
        <ConfirmModal
            title="Revoke invitation"
            confirm="Revoke"
            outcome=Outcome::of(action)
            pending=action.pending()
            on_confirm=move || { action.dispatch(RevokeInvitation { id }); }
            on_close
        >
            <p>
                "Revoke the invitation to " <strong>{invitation.display_name}</strong>
                " (" {invitation.email} ")? Its link stops working at once."
            </p>
        </ConfirmModal>
    }
}
