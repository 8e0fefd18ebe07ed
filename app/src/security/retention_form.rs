use super::{SaveAuditRetention, SecurityView};
use crate::error::Field;
use crate::rules::audit::{MAX_RETENTION_DAYS, MIN_RETENTION_DAYS};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// "Keep audit events for N days": older events are deleted every hour.
#[component]
pub fn RetentionForm(initial: SecurityView) -> impl IntoView {
    let action = ServerAction::<SaveAuditRetention>::new();
    let kept = RwSignal::new(initial.audit_retention_days);
    Effect::new(move |_| {
        if let Some(Ok(saved)) = action.value().get() {
            kept.set(saved.audit_retention_days);
        }
    });
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(
            e.message_for(Field::RetentionDays)
                .unwrap_or_else(|| e.to_string()),
        ),
        _ => None,
    };
    let saved = move || matches!(action.value().get(), Some(Ok(_))).then_some("Saved.");
    view! {
        <section class="card block" aria-labelledby="retention-heading">
            <h2 id="retention-heading">"Audit Log"</h2>
            <p class="muted" data-testid="retention-now">
                {move || format!("Events are kept for {} days, then deleted.", kept.get())}
            </p>
            <ActionForm action attr:class="inline-form" attr:novalidate=true>
                <label class="field">
                    <span>"Keep audit events for (days)"</span>
                    <input type="number" name="days" required
                        min=MIN_RETENTION_DAYS max=MAX_RETENTION_DAYS
                        value=initial.audit_retention_days.to_string()/>
                    <small class="hint-text">
                        {format!("From {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days; 365 by default. ")}
                        "Older events are deleted every hour, a little at a time."
                    </small>
                </label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Save"</button>
            </ActionForm>
            {move || error().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
            <p class="saved visible" role="status">{saved}</p>
        </section>
    }
}
