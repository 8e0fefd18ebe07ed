use super::allowlist_editor::AllowlistEditor;
use super::disuse_form::DisuseForm;
use super::retention_form::RetentionForm;
use super::{security_settings, SaveMaxLifetime, SaveTwoFactorRequirement, SecurityView};
use crate::error::{AppError, Field};
use crate::rules::two_factor::TwoFactorRequirement;
use crate::ui::{browser, Forbidden};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// Admin → Security: the company IP allowlist, the maximum token lifetime, who must use
/// two-factor sign-in, and how long tokens may go unused.
#[component]
pub fn SecurityPage() -> impl IntoView {
    // Loaded once: each form keeps its own state and shows what its save returned.
    let settings = Resource::new(|| (), |_| security_settings());
    view! {
        <Title text="Security · Tessera"/>
        <h1>"Security"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || settings.get().map(|answer| match answer {
                Ok(view) => view! {
                    <AllowlistEditor initial=view.clone()/>
                    <LifetimeForm initial=view.clone()/>
                    <TwoFactorForm initial=view.clone()/>
                    <DisuseForm initial=view.clone()/>
                    <RetentionForm initial=view/>
                }.into_any(),
                Err(AppError::Forbidden) => view! { <Forbidden what="Security settings"/> }.into_any(),
                Err(error) => {
                    if error == AppError::Unauthenticated {
                        browser::go_to_login();
                    }
                    view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
                }
            })}
        </Suspense>
    }
    .into_any()
}

fn describe(max_days: Option<u32>) -> String {
    match max_days {
        None => "No maximum: tokens may be created without an expiration.".to_owned(),
        Some(1) => "Tokens may live at most 1 day.".to_owned(),
        Some(days) => format!("Tokens may live at most {days} days."),
    }
}

#[component]
fn LifetimeForm(initial: SecurityView) -> impl IntoView {
    let action = ServerAction::<SaveMaxLifetime>::new();
    let days = RwSignal::new(
        initial
            .max_token_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let current = RwSignal::new(initial.max_token_days);
    Effect::new(move |_| {
        if let Some(Ok(view)) = action.value().get() {
            current.set(view.max_token_days);
        }
    });
    let error = move || {
        action.value().get().and_then(Result::err).map(|e| {
            e.message_for(Field::MaxLifetime)
                .unwrap_or_else(|| e.to_string())
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SaveMaxLifetime {
            max_token_days: days.get_untracked(),
        });
    };
    view! {
        <section class="card block" aria-labelledby="lifetime-heading">
            <h2 id="lifetime-heading">"Maximum token lifetime"</h2>
            <p class="muted" data-testid="lifetime-now">{move || describe(current.get())}</p>
            // Posted by the browser itself before the page hydrates or without JavaScript.
            <form class="inline-form" method="post" action=SaveMaxLifetime::url() on:submit=submit novalidate>
                <label class="field">
                    <span>"Maximum lifetime in days"</span>
                    <input type="number" name="max_token_days" min="1" max="3650" placeholder="No maximum"
                        value=days.get_untracked()
                        prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
                    <small class="hint-text">
                        "Leave blank for no maximum. With a maximum, “No expiration” and longer lengths "
                        "are no longer offered, and the API refuses them. Existing tokens are not changed."
                    </small>
                </label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Save"</button>
            </form>
            {move || error().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </section>
    }
    .into_any()
}

fn describe_requirement(rule: TwoFactorRequirement) -> &'static str {
    match rule {
        TwoFactorRequirement::Nobody => "Two-factor sign-in is optional for everyone.",
        TwoFactorRequirement::Admins => "Admins must use two-factor sign-in.",
        TwoFactorRequirement::Everyone => "Everyone must use two-factor sign-in.",
    }
}

#[component]
fn TwoFactorForm(initial: SecurityView) -> impl IntoView {
    let action = ServerAction::<SaveTwoFactorRequirement>::new();
    let chosen = RwSignal::new(initial.two_factor.as_str().to_owned());
    let current = RwSignal::new(initial.two_factor);
    Effect::new(move |_| {
        if let Some(Ok(view)) = action.value().get() {
            current.set(view.two_factor);
        }
    });
    let error = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SaveTwoFactorRequirement {
            rule: chosen.get_untracked(),
        });
    };
    let options = TwoFactorRequirement::ALL
        .into_iter()
        .map(|rule| {
            view! { <option value=rule.as_str() selected=rule == initial.two_factor>{rule.words()}</option> }
        })
        .collect_view();
    view! {
        <section class="card block" aria-labelledby="two-factor-rule-heading">
            <h2 id="two-factor-rule-heading">"Two-factor authentication"</h2>
            <p class="muted" data-testid="two-factor-now">{move || describe_requirement(current.get())}</p>
            <form class="inline-form" method="post" action=SaveTwoFactorRequirement::url() on:submit=submit novalidate>
                <label class="field">
                    <span>"Required for"</span>
                    <select name="rule" prop:value=move || chosen.get()
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {options}
                    </select>
                    <small class="hint-text">
                        "People it applies to who have not set it up are sent to do so at their next "
                        "sign-in, and can use nothing else until they have."
                    </small>
                </label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Save"</button>
            </form>
            {move || error().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </section>
    }
    .into_any()
}
