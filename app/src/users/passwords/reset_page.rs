use super::{open_reset_link, ResetPassword, ResetWelcome};
use crate::error::Field;
use crate::rules::invitation::check_confirmation;
use crate::rules::password::{validate_password, MIN_PASSWORD_CHARS};
use crate::ui::{BrokenLink, FormErrors, PasswordInput, Time};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/reset/<secret>`: the person an admin made the link for chooses a new password and is
/// signed in. Works without a session; every link that does not work says the same.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let secret = move || params.read().get("secret").unwrap_or_default();
    let reset = Resource::new(secret, open_reset_link);

    view! {
        <Title text="Choose a new password · Tessera"/>
        <main class="auth-page">
            <Suspense fallback=|| view! { <div class="card auth-card"><p class="muted">"Opening your link…"</p></div> }>
                {move || reset.get().map(|answer| match answer {
                    Ok(welcome) => view! { <ResetForm secret=secret() welcome/> }.into_any(),
                    Err(error) => view! {
                        <BrokenLink heading="Password reset" error testid="reset-error"/>
                    }
                    .into_any(),
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn ResetForm(secret: String, welcome: ResetWelcome) -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();
    let hidden_secret = secret.clone();
    let secret = StoredValue::new(secret);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (pass, again) = (password.get_untracked(), confirmation.get_untracked());
        let mut found = Vec::new();
        if let Err(e) = validate_password(&pass) {
            found.push((Field::Password, e.to_string()));
        } else if let Err(e) = check_confirmation(&pass, &again) {
            found.push((Field::PasswordConfirmation, e.to_string()));
        }
        if errors.check(found) {
            action.dispatch(ResetPassword {
                secret: secret.get_value(),
                password: pass,
                password_confirmation: again,
            });
        }
    };
    view! {
        // Posted by the browser itself before the page hydrates or without JavaScript; the
        // server then sends it on, or back here with the error.
        <form class="card auth-card" method="post" action=ResetPassword::url() on:submit=submit novalidate>
            <input type="hidden" name="secret" value=hidden_secret/>
            <h1>{format!("Choose a new password, {}", welcome.display_name)}</h1>
            <p class="muted">
                "For the username " <strong>{welcome.username.clone()}</strong>
                ". Setting it signs you out everywhere else. This link works once, until "
                <Time at=welcome.expires_at/> "."
            </p>
            // Lets password managers file the new password under the right account.
            <input type="hidden" name="username" autocomplete="username" value=welcome.username/>
            <PasswordInput id="reset-password" label="New password" name="password"
                autocomplete="new-password" value=password field=Field::Password errors autofocus=true
                hint=format!("At least {MIN_PASSWORD_CHARS} characters, and not a common password.")/>
            <PasswordInput id="reset-confirmation" label="Confirm new password"
                name="password_confirmation" autocomplete="new-password" value=confirmation
                field=Field::PasswordConfirmation errors/>
            <Show when=move || general_error().is_some()>
                <p class="form-error" role="alert">{general_error}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Set password and sign in"
            </button>
        </form>
    }
}
