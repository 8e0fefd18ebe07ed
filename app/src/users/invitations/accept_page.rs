use super::{open_invitation, AcceptInvitation, InvitationWelcome};
use crate::error::Field;
use crate::rules::invitation::check_confirmation;
use crate::rules::password::{validate_password, MIN_PASSWORD_CHARS};
use crate::rules::username::normalize_username;
use crate::ui::{BrokenLink, FormErrors, PasswordInput, Time};
use crate::users::Role;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/invite/<secret>`: the invitee chooses a username and password and is signed in. The
/// page works without a session, and says the same thing for every link that does not work.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let secret = move || params.read().get("secret").unwrap_or_default();
    let invitation = Resource::new(secret, open_invitation);

    view! {
        <Title text="Accept your invitation · Tessera"/>
        <main class="auth-page">
            <Suspense fallback=|| view! { <div class="card auth-card"><p class="muted">"Opening your invitation…"</p></div> }>
                {move || invitation.get().map(|answer| match answer {
                    Ok(welcome) => view! { <AcceptForm secret=secret() welcome/> }.into_any(),
                    Err(error) => view! {
                        <BrokenLink heading="Invitation" error testid="invitation-error"/>
                    }
                    .into_any(),
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn AcceptForm(secret: String, welcome: InvitationWelcome) -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let errors = FormErrors::of(action);
    let edited = move || errors.outcome.forget();
    let general_error = move || errors.outcome.general_message();
    let hidden_secret = secret.clone();
    let secret = StoredValue::new(secret);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (name, pass, again) = (
            username.get_untracked(),
            password.get_untracked(),
            confirmation.get_untracked(),
        );
        let mut found = Vec::new();
        if let Err(e) = normalize_username(&name) {
            found.push((Field::Username, e.to_string()));
        }
        if let Err(e) = validate_password(&pass) {
            found.push((Field::Password, e.to_string()));
        } else if let Err(e) = check_confirmation(&pass, &again) {
            found.push((Field::PasswordConfirmation, e.to_string()));
        }
        if errors.check(found) {
            action.dispatch(AcceptInvitation {
                secret: secret.get_value(),
                username: name,
                password: pass,
                password_confirmation: again,
            });
        }
    };
    let role = match welcome.role {
        Role::Admin => "an admin",
        Role::User => "a user",
    };
    view! {
        // Posted by the browser itself before the page hydrates or without JavaScript; the
        // server then sends it on to the profile, or back here with the error.
        <form class="card auth-card" method="post" action=AcceptInvitation::url() on:submit=submit novalidate>
            <input type="hidden" name="secret" value=hidden_secret/>
            <h1>{format!("Welcome to Tessera, {}", welcome.display_name)}</h1>
            <p class="muted">
                "You were invited as " {role} " with the e-mail "
                <strong>{welcome.email}</strong> ". Choose how you will sign in. This link works once, until "
                <Time at=welcome.expires_at/> "."
            </p>
            // Hints sit outside the labels, so each input's name is just its label.
            <div class="field">
                <label for="invite-username">"Username"</label>
                <input
                    id="invite-username"
                    type="text"
                    name="username"
                    autocomplete="username"
                    autofocus
                    aria-describedby="invite-username-hint"
                    prop:value=username
                    on:input=move |ev| { username.set(event_target_value(&ev)); edited(); }
                    aria-invalid=errors.invalid(Field::Username)
                />
                <span class="hint-text" id="invite-username-hint">"Letters, digits, '.', '_' and '-'. Not case sensitive."</span>
                {errors.view_for(Field::Username)}
            </div>
            <PasswordInput id="invite-password" label="Password" name="password"
                autocomplete="new-password" value=password field=Field::Password errors
                hint=format!("At least {MIN_PASSWORD_CHARS} characters, and not a common password.")/>
            <PasswordInput id="invite-confirmation" label="Confirm password"
                name="password_confirmation" autocomplete="new-password" value=confirmation
                field=Field::PasswordConfirmation errors/>
            <Show when=move || general_error().is_some()>
                <p class="form-error" role="alert">{general_error}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Create account and sign in"
            </button>
        </form>
    }
}
