use super::FormErrors;
use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A password input with its label, an optional hint under it, and the form's error for its
/// field. Typing in it clears the server's last answer, which was about the old value.
#[component]
pub fn PasswordInput<S>(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    /// `current-password` or `new-password`, for password managers.
    autocomplete: &'static str,
    value: RwSignal<String>,
    field: Field,
    errors: FormErrors<S>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let hint_id = format!("{id}-hint");
    let described_by = hint.is_some().then(|| hint_id.clone());
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="password"
                name=name
                autocomplete=autocomplete
                autofocus=autofocus
                aria-describedby=described_by
                prop:value=value
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    errors.outcome.forget();
                }
                aria-invalid=errors.invalid(field)
            />
            {hint.map(|hint| view! { <span class="hint-text" id=hint_id>{hint}</span> })}
            {errors.view_for(field)}
        </div>
    }
}
