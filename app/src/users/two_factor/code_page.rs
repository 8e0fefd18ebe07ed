use super::SignInWithCode;
use crate::error::Field;
use crate::ui::FormErrors;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/login/code`: the second step of signing in, after a right password.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let action = ServerAction::<SignInWithCode>::new();
    let errors = FormErrors::of(action);
    let general_error = move || errors.outcome.general_message();
    view! {
        <Title text="Enter your code · Tessera"/>
        <main class="auth-page">
            <ActionForm action attr:class="card auth-card">
                <h1>"Two-factor authentication"</h1>
                <p class="muted">"Enter the six-digit code from your authenticator app, or one of your recovery codes."</p>
                <div class="field">
                    <label for="sign-in-code">"Code"</label>
                    <input id="sign-in-code" type="text" name="code" inputmode="numeric"
                        autocomplete="one-time-code" autofocus required
                        aria-invalid=errors.invalid(Field::Code)/>
                    {errors.view_for(Field::Code)}
                </div>
                <Show when=move || general_error().is_some()>
                    <p class="form-error" role="alert">{general_error}</p>
                </Show>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Verify"</button>
                <a href="/login">"Start again"</a>
            </ActionForm>
        </main>
    }
}
