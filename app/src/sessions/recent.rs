use super::{recent_sessions, DeactivateSession, SessionView};
use crate::rules::session::{SessionStatus, SESSION_HOURS, SESSION_RETENTION_DAYS};
use crate::ui::{browser, DataTable, LoadError, Outcome, Time};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The Recent Authentications block of the profile page: where and how the user signed in,
/// and a way to end any session still open.
#[component]
pub fn RecentAuthentications(
    /// Changes when something else ended sessions, such as a password change.
    #[prop(into)]
    refresh: Signal<u32>,
) -> impl IntoView {
    let deactivate = ServerAction::<DeactivateSession>::new();
    let sessions = Resource::new(
        move || (deactivate.version().get(), refresh.get()),
        |_| recent_sessions(),
    );
    // The page's own session is gone: nothing here works any more.
    Effect::new(move |_| {
        if let Some(Ok(done)) = deactivate.value().get() {
            if done.signed_out {
                browser::go_to_login();
            }
        }
    });
    let error = move || Outcome::of(deactivate).error().map(|e| e.to_string());

    view! {
        <section class="card block" aria-labelledby="sessions-heading">
            <header class="block-header">
                <h2 id="sessions-heading">"Recent Authentications"</h2>
            </header>
            <p class="muted">
                {format!(
                    "Every sign-in of the last {SESSION_RETENTION_DAYS} days. A session ends {SESSION_HOURS} hours \
                     after sign-in; deactivate one you do not recognise and it ends at once."
                )}
            </p>
            <Show when=move || error().is_some()>
                <p class="form-error" role="alert">{error}</p>
            </Show>
            <Transition fallback=|| view! { <p class="muted">"Loading sign-ins…"</p> }>
                {move || sessions.get().map(|answer| match answer {
                    Ok(list) => view! { <SessionTable sessions=list action=deactivate/> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SessionTable(
    sessions: Vec<SessionView>,
    action: ServerAction<DeactivateSession>,
) -> impl IntoView {
    let rows = sessions
        .into_iter()
        .map(|session| view! { <SessionRow session action/> })
        .collect_view();
    view! {
        <DataTable class="sessions" columns=&["Signed in", "IP address", "Browser", "Second factor", "Expires", "Status"]>{rows}</DataTable>
    }
}

#[component]
fn SessionRow(session: SessionView, action: ServerAction<DeactivateSession>) -> impl IntoView {
    let badge = match session.status {
        SessionStatus::Active => "badge active",
        SessionStatus::Expired | SessionStatus::SignedOut => "badge expired",
        SessionStatus::Deactivated | SessionStatus::PasswordChanged => "badge revoked",
    };
    let id = session.id;
    let active = session.status == SessionStatus::Active;
    let label = if session.current {
        "Deactivate this session and sign out"
    } else {
        "Deactivate this session"
    };
    view! {
        <tr data-session-id=id class:current=session.current>
            <td>
                <Time at=session.signed_in_at/>
                {session.current.then(|| view! { <span class="this-session">"This session"</span> })}
            </td>
            <td class="ip">{session.ip.unwrap_or_else(|| "Unknown".to_owned())}</td>
            <td class="device">{session.device}</td>
            <td class="second-factor">{session.second_factor.map_or("None", |factor| factor.words())}</td>
            <td><Time at=session.expires_at/></td>
            <td class="status"><span class=badge>{session.status.words()}</span></td>
            <td class="actions">
                // A form, so that it works before the page's code has loaded, or without it.
                {active.then(|| view! {
                    <ActionForm action attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <button
                            type="submit"
                            class="link danger"
                            title=label
                            disabled=move || action.pending().get()
                        >
                            "Deactivate"
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
