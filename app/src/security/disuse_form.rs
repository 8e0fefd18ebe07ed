use super::{SaveDisusePolicy, SecurityView};
use crate::error::{AppError, Field};
use crate::report::{report_href, Preset, ReportQuery};
use crate::rules::disuse::DisusePolicy;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// "Expire tokens unused for N days": saved with its own button. A value that would expire
/// tokens at once asks first, naming how many; then they expire before the answer. The
/// question sits in the form, so that it can be answered without a script too.
#[component]
pub fn DisuseForm(initial: SecurityView) -> impl IntoView {
    let action = ServerAction::<SaveDisusePolicy>::new();
    let days = RwSignal::new(
        initial
            .unused_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let current = RwSignal::new(DisusePolicy {
        days: initial.unused_days,
    });
    let outcome = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(saved)) = action.value().get() {
            current.set(DisusePolicy {
                days: saved.unused_days,
            });
            outcome.set(Some(match saved.expired {
                0 => "Saved.".to_owned(),
                1 => "Saved. 1 unused token was expired.".to_owned(),
                n => format!("Saved. {n} unused tokens were expired."),
            }));
        }
    });
    let save = move |confirm_expiring: bool| {
        outcome.set(None);
        action.dispatch(SaveDisusePolicy {
            unused_days: days.get_untracked(),
            confirm_expiring,
        });
    };
    let question = move || match action.value().get() {
        Some(Err(AppError::WouldExpireUnused { tokens, message })) => Some((tokens, message)),
        _ => None,
    };
    let error = move || match action.value().get() {
        Some(Err(AppError::WouldExpireUnused { .. })) | Some(Ok(_)) | None => None,
        Some(Err(e)) => Some(
            e.message_for(Field::UnusedDays)
                .unwrap_or_else(|| e.to_string()),
        ),
    };
    let unused_report = report_href(&ReportQuery {
        preset: Preset::UnusedFor90Days,
        ..ReportQuery::default()
    });
    let form = view! {
        // Posted by the browser itself before the page hydrates or without JavaScript.
        <form class="inline-form" method="post" action=SaveDisusePolicy::url() novalidate
            on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(false); }>
            <label class="field">
                <span>"Expire tokens unused for (days)"</span>
                <input type="number" name="unused_days" min="1" max="3650" placeholder="Never"
                    value=days.get_untracked()
                    prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
                <small class="hint-text">
                    "Leave blank to keep tokens however long they go unused. A token's last use counts, "
                    "or its creation if it was never used. Checked every hour; owners are e-mailed "
                    "when a mail server is set up."
                </small>
            </label>
            <label class="check no-script-only">
                <input type="checkbox" name="confirm_expiring" value="true"/>
                "Expire the tokens it already catches"
            </label>
            <button type="submit" class="primary" disabled=move || action.pending().get()>"Save"</button>
        </form>
    }
    .into_any();
    view! {
        <section class="card block" aria-labelledby="unused-heading">
            <h2 id="unused-heading">"Unused tokens"</h2>
            <p class="muted" data-testid="unused-now">{move || current.get().describe()}</p>
            <p class="muted">
                "To see which tokens a policy would catch, open the report's "
                <a href=unused_report>"Unused for 90 days"</a> " example."
            </p>
            {form}
            {move || error().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
            <p class="saved visible" role="status">{move || outcome.get()}</p>
            {move || question().map(|(tokens, message)| view! {
                <div class="confirm-question" role="alert">
                    <p>{message}</p>
                    <p class="script-only row-actions">
                        <button type="button" class="danger" on:click=move |_| save(true)>
                            {match tokens {
                                1 => "Save and expire 1 token".to_owned(),
                                n => format!("Save and expire {n} tokens"),
                            }}
                        </button>
                        <button type="button" on:click=move |_| action.value().set(None)>"Cancel"</button>
                    </p>
                    <p class="no-script-only">
                        "To go on, tick “Expire the tokens it already catches” and save again."
                    </p>
                </div>
            })}
        </section>
    }
    .into_any()
}
