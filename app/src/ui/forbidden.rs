use leptos::prelude::*;
use leptos_meta::Title;

/// What a signed-in user who is not an admin sees on an admin page (with status 403).
#[component]
pub fn Forbidden(what: &'static str) -> impl IntoView {
    view! {
        <Title text="Forbidden · Tessera"/>
        <div class="card">
            <h1>"403 — Forbidden"</h1>
            <p>{what} " is for administrators. Ask one if you need access."</p>
            <a href="/profile">"Back to your profile"</a>
        </div>
    }
}
