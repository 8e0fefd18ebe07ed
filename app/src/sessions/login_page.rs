use super::Login;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    // Effects run only in the browser, once the page has hydrated.
    Effect::new(|_| leptos::task::spawn_local(crate::preload_profile_code()));
    let error = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };

    // The next page's code may still be on its way when the server says yes: the form goes at
    // once, so that nobody types into it or keeps its focus meanwhile.
    let signed_in = move || matches!(login.value().get(), Some(Ok(())));

    view! {
        <Title text="Sign in · Tessera"/>
        <main class="auth-page">
            <Show when=move || !signed_in() fallback=|| view! {
                <div class="card auth-card">
                    <p role="status">"Signed in. Opening your page…"</p>
                </div>
            }>
                <ActionForm action=login attr:class="card auth-card">
                    <h1>"Sign in to Tessera"</h1>
                    <label class="field">
                        <span>"Username"</span>
                        <input type="text" name="username" autocomplete="username" autofocus required/>
                    </label>
                    <label class="field">
                        <span>"Password"</span>
                        <input type="password" name="password" autocomplete="current-password" required/>
                    </label>
                    <Show when=move || error().is_some()>
                        <p class="form-error" role="alert">{error}</p>
                    </Show>
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </Show>
        </main>
    }
}
