use super::ChangePassword;
use crate::error::Field;
use crate::rules::invitation::check_confirmation;
use crate::rules::password::{validate_password, MIN_PASSWORD_CHARS};
use crate::ui::{FormErrors, PasswordInput};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The profile's Change Password block: the current password and the new one twice.
/// `on_changed` runs after a change, which has signed out the user's other sessions.
#[component]
pub fn ChangePasswordBlock(#[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();
    let done = move || match action.value().get() {
        Some(Ok(changed)) => Some(match changed.other_sessions_ended {
            0 => "Your password has been changed.".to_owned(),
            1 => "Your password has been changed, and your one other session was signed out."
                .to_owned(),
            n => format!(
                "Your password has been changed, and your {n} other sessions were signed out."
            ),
        }),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            for field in [current, new, confirmation] {
                field.set(String::new());
            }
            on_changed.run(());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (now, next, again) = (
            current.get_untracked(),
            new.get_untracked(),
            confirmation.get_untracked(),
        );
        let mut found = Vec::new();
        if now.is_empty() {
            found.push((
                Field::CurrentPassword,
                "Enter your current password.".to_owned(),
            ));
        }
        if let Err(e) = validate_password(&next) {
            found.push((Field::Password, e.to_string()));
        } else if let Err(e) = check_confirmation(&next, &again) {
            found.push((Field::PasswordConfirmation, e.to_string()));
        }
        if errors.check(found) {
            action.dispatch(ChangePassword {
                current_password: now,
                new_password: next,
                new_password_confirmation: again,
            });
        }
    };

    view! {
        <section class="card block" aria-labelledby="password-heading">
            <header class="block-header">
                <h2 id="password-heading">"Change Password"</h2>
            </header>
            <p class="muted">"Changing your password signs out every other session of yours; this one stays signed in."</p>
            // Posted by the browser itself before the page hydrates or without JavaScript.
            <form class="stack narrow" method="post" action=ChangePassword::url() on:submit=submit novalidate>
                <PasswordInput id="current-password" label="Current password" name="current_password"
                    autocomplete="current-password" value=current field=Field::CurrentPassword errors/>
                <PasswordInput id="new-password" label="New password" name="new_password"
                    autocomplete="new-password" value=new field=Field::Password errors
                    hint=format!("At least {MIN_PASSWORD_CHARS} characters, and not a common password.")/>
                <PasswordInput id="new-password-confirmation" label="Confirm new password"
                    name="new_password_confirmation" autocomplete="new-password" value=confirmation
                    field=Field::PasswordConfirmation errors/>
                <Show when=move || general_error().is_some()>
                    <p class="form-error" role="alert">{general_error}</p>
                </Show>
                <Show when=move || done().is_some()>
                    <p class="notice" role="status">{done}</p>
                </Show>
                <div>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Change password"
                    </button>
                </div>
            </form>
        </section>
    }
}
