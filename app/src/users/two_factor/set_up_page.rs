use super::TwoFactorBlock;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/two-factor`: where the company's requirement sends someone who has not set up
/// two-factor yet. Every other page leads here until they have.
#[component]
pub fn TwoFactorSetUpPage() -> impl IntoView {
    view! {
        <Title text="Set up two-factor authentication · Tessera"/>
        <h1>"Set up two-factor authentication"</h1>
        <p class="muted">
            "Your organisation requires a second step at sign-in. Set it up to continue; "
            "then go on to " <a href="/profile">"your profile"</a> "."
        </p>
        <TwoFactorBlock/>
    }
}
