use super::browser;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A secret shown once, with a Copy button that says whether copying worked.
#[component]
pub fn CopyField(
    #[prop(into)] text: String,
    /// What is copied, for the message when the browser refuses: "the token", "the link".
    what: &'static str,
    testid: &'static str,
) -> impl IntoView {
    #[derive(Clone, Copy, PartialEq)]
    enum Copy {
        Idle,
        Copied,
        Failed,
    }
    let copy_state = RwSignal::new(Copy::Idle);
    let value = StoredValue::new(text.clone());
    let copy = move |_| {
        spawn_local(async move {
            let copied = browser::copy_to_clipboard(value.get_value()).await;
            copy_state.set(if copied { Copy::Copied } else { Copy::Failed });
            if copied {
                browser::sleep_ms(1800).await;
                copy_state.set(Copy::Idle);
            }
        });
    };
    view! {
        <div class="secret-row">
            <code class="secret" data-testid=testid>{text}</code>
            <button class="primary" on:click=copy>"Copy"</button>
        </div>
        <p class="copy-status" aria-live="polite">
            // Put in, not just shown, so that screen readers announce it.
            <Show when=move || copy_state.get() == Copy::Copied>
                <span class="copied visible">"Copied"</span>
            </Show>
            <Show when=move || copy_state.get() == Copy::Failed>
                <span class="field-error">
                    "Your browser did not allow copying. Select " {what} " and copy it by hand."
                </span>
            </Show>
        </p>
    }
}
