use super::modals::{InviteModal, IssuedModal, RevokeModal};
use super::{list_invitations, InvitationView, InviteUser, ResendInvitation, RevokeInvitation};
use crate::error::AppError;
use crate::rules::invitation::InvitationStatus;
use crate::ui::{DataTable, Forbidden, LoadError, Time};
use leptos::prelude::*;
use leptos_meta::Title;

/// Admin → Invitations: invite people one at a time, and follow each link until it is
/// accepted, expires or is revoked.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    let invite = ServerAction::<InviteUser>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let invitations = Resource::new(
        move || {
            (
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
            )
        },
        |_| list_invitations(),
    );
    let inviting = RwSignal::new(false);
    let revoking = RwSignal::new(None::<InvitationView>);
    // The link on screen comes from whichever action ran last; closing its dialog forgets it.
    let issued = move || {
        resend
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| invite.value().get().and_then(Result::ok))
    };
    let close_issued = move || {
        invite.value().set(None);
        resend.value().set(None);
        inviting.set(false);
    };
    let resend_error = move || {
        resend
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let open_invite = move |_| {
        invite.value().set(None);
        resend.value().set(None);
        inviting.set(true);
    };
    let on_resend = Callback::new(move |id: i64| {
        invite.value().set(None);
        resend.dispatch(ResendInvitation { id });
    });
    let on_revoke = Callback::new(move |invitation: InvitationView| revoking.set(Some(invitation)));

    view! {
        <Title text="Invitations · Tessera"/>
        <div class="report-head">
            <h1>"Invitations"</h1>
            <button class="primary" on:click=open_invite>"Invite user"</button>
        </div>
        <p class="muted">
            "Invite people one at a time. Each invitation link works once, for 72 hours; "
            "Resend gives a new link and stops the old one."
        </p>
        <Show when=move || resend_error().is_some()>
            <p class="form-error" role="alert">{resend_error}</p>
        </Show>
        <Transition fallback=|| view! { <p class="muted">"Loading invitations…"</p> }>
            {move || invitations.get().map(|answer| match answer {
                Ok(list) => view! {
                    <InvitationTable list on_resend on_revoke busy=resend.pending()/>
                }.into_any(),
                Err(AppError::Forbidden) => view! { <Forbidden what="Invitations"/> }.into_any(),
                Err(error) => view! { <LoadError error/> }.into_any(),
            })}
        </Transition>
        <Show when=move || inviting.get() && issued().is_none()>
            <InviteModal action=invite on_close=move || inviting.set(false)/>
        </Show>
        {move || issued().map(|issued| view! { <IssuedModal issued on_close=close_issued/> })}
        {move || revoking.get().map(|invitation| view! {
            <RevokeModal invitation action=revoke on_close=move || revoking.set(None)/>
        })}
    }
    .into_any()
}

#[component]
fn InvitationTable(
    list: Vec<InvitationView>,
    on_resend: Callback<i64>,
    on_revoke: Callback<InvitationView>,
    busy: Memo<bool>,
) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p class="empty">"No invitations yet. Invite someone to give them an account."</p>
        }
        .into_any();
    }
    let rows = list
        .into_iter()
        .map(|invitation| view! { <InvitationRow invitation on_resend on_revoke busy/> })
        .collect_view();
    view! {
        <section class="card flush">
            <DataTable class="invitations" columns=&["Invitee", "Role", "Invited by", "Sent", "Link expires", "Status"]>{rows}</DataTable>
        </section>
    }
    .into_any()
}

#[component]
fn InvitationRow(
    invitation: InvitationView,
    on_resend: Callback<i64>,
    on_revoke: Callback<InvitationView>,
    busy: Memo<bool>,
) -> impl IntoView {
    let id = invitation.id;
    let status = invitation.status;
    let badge = match status {
        InvitationStatus::Pending | InvitationStatus::Accepted => "badge active",
        InvitationStatus::Expired => "badge expired",
        InvitationStatus::Revoked => "badge revoked",
    };
    let detail = invitation.accepted_at.map(|at| {
        let name = invitation.accepted_username.clone();
        let on = name.map_or_else(|| "on ".to_owned(), |name| format!("as {name} on "));
        view! { {on} <Time at/> }
    });
    let revocable = invitation.clone();
    view! {
        <tr data-invitation-id=id data-email=invitation.email.clone()>
            <td>
                <strong>{invitation.display_name.clone()}</strong>
                <span class="status-detail">{invitation.email.clone()}</span>
            </td>
            <td>{invitation.role.words()}</td>
            <td>{invitation.invited_by.clone()}</td>
            <td><Time at=invitation.sent_at/></td>
            <td><Time at=invitation.expires_at/></td>
            <td class="status">
                <span class=badge>{status.words()}</span>
                {detail.map(|detail| view! { <span class="status-detail">{detail}</span> })}
            </td>
            <td class="actions">
                <div class="row-actions end">
                {status.can_resend().then(|| view! {
                    <button class="link" disabled=move || busy.get() on:click=move |_| on_resend.run(id)>
                        "Resend"
                    </button>
                })}
                {status.can_revoke().then(|| view! {
                    <button class="link danger" on:click=move |_| on_revoke.run(revocable.clone())>
                        "Revoke"
                    </button>
                })}
                </div>
            </td>
        </tr>
    }
}
