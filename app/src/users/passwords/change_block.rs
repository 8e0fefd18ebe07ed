use super::ChangePassword;
use crate::error::Field;
use crate::rules::invitation::check_confirmation;
use crate::rules::password::{validate_password, MIN_PASSWORD_CHARS};
use crate::ui::FormErrors;
use leptos::prelude::*;

/// The profile's Change Password block: the current password and the new one twice.
/// `on_changed` runs after a change, which has signed out the user's other sessions.
#[component]
pub fn ChangePasswordBlock(#[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let errors = FormErrors::of(action);
    let edited = move || errors.outcome.forget();
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
    let input = move |signal: RwSignal<String>| {
        move |ev| {
            signal.set(event_target_value(&ev));
            edited();
        }
    };

    view! {
        <section class="card block" aria-labelledby="password-heading">
            <header class="block-header">
                <h2 id="password-heading">"Change Password"</h2>
            </header>
            <p class="muted">"Changing your password signs out every other session of yours; this one stays signed in."</p>
            <form class="stack narrow" on:submit=submit novalidate>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" type="password" name="current_password"
                        autocomplete="current-password" prop:value=current on:input=input(current)
                        aria-invalid=errors.invalid(Field::CurrentPassword)/>
                    {errors.view_for(Field::CurrentPassword)}
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input id="new-password" type="password" name="new_password"
                        autocomplete="new-password" aria-describedby="new-password-hint"
                        prop:value=new on:input=input(new)
                        aria-invalid=errors.invalid(Field::Password)/>
                    <span class="hint-text" id="new-password-hint">
                        {format!("At least {MIN_PASSWORD_CHARS} characters, and not a common password.")}
                    </span>
                    {errors.view_for(Field::Password)}
                </div>
                <div class="field">
                    <label for="new-password-confirmation">"Confirm new password"</label>
                    <input id="new-password-confirmation" type="password" name="new_password_confirmation"
                        autocomplete="new-password" prop:value=confirmation on:input=input(confirmation)
                        aria-invalid=errors.invalid(Field::PasswordConfirmation)/>
                    {errors.view_for(Field::PasswordConfirmation)}
                </div>
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
