use super::{open_reset_link, ResetPassword, ResetWelcome};
use crate::error::Field;
use crate::rules::invitation::check_confirmation;
use crate::rules::password::{validate_password, MIN_PASSWORD_CHARS};
use crate::ui::{browser, format_time, FormErrors};
use leptos::prelude::*;
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
                    Err(error) => {
                        #[cfg(feature = "ssr")]
                        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                            let status = http::StatusCode::from_u16(error.status_code())
                                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
                            response.set_status(status);
                        }
                        view! {
                            <div class="card auth-card">
                                <h1>"Password reset"</h1>
                                <p class="form-error" role="alert" data-testid="reset-error">{error.to_string()}</p>
                                <a href="/login">"Go to sign in"</a>
                            </div>
                        }
                        .into_any()
                    }
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
    let edited = move || errors.outcome.forget();
    let general_error = move || errors.outcome.general_message();
    let secret = StoredValue::new(secret);
    // Signed in with the new password (or on to the two-factor code): load that page from
    // scratch.
    Effect::new(move |_| {
        if let Some(Ok(next)) = action.value().get() {
            browser::go_to(&next);
        }
    });
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
        <form class="card auth-card" on:submit=submit novalidate>
            <h1>{format!("Choose a new password, {}", welcome.display_name)}</h1>
            <p class="muted">
                "For the username " <strong>{welcome.username.clone()}</strong>
                ". Setting it signs you out everywhere else. This link works once, until "
                {format_time(welcome.expires_at)} "."
            </p>
            // Lets password managers file the new password under the right account.
            <input type="hidden" name="username" autocomplete="username" value=welcome.username/>
            <div class="field">
                <label for="reset-password">"New password"</label>
                <input id="reset-password" type="password" name="password" autocomplete="new-password"
                    autofocus aria-describedby="reset-password-hint" prop:value=password
                    on:input=move |ev| { password.set(event_target_value(&ev)); edited(); }
                    aria-invalid=errors.invalid(Field::Password)/>
                <span class="hint-text" id="reset-password-hint">
                    {format!("At least {MIN_PASSWORD_CHARS} characters, and not a common password.")}
                </span>
                {errors.view_for(Field::Password)}
            </div>
            <div class="field">
                <label for="reset-confirmation">"Confirm new password"</label>
                <input id="reset-confirmation" type="password" name="password_confirmation"
                    autocomplete="new-password" prop:value=confirmation
                    on:input=move |ev| { confirmation.set(event_target_value(&ev)); edited(); }
                    aria-invalid=errors.invalid(Field::PasswordConfirmation)/>
                {errors.view_for(Field::PasswordConfirmation)}
            </div>
            <Show when=move || general_error().is_some()>
                <p class="form-error" role="alert">{general_error}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Set password and sign in"
            </button>
        </form>
    }
}
