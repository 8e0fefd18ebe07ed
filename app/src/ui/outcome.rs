//! What a server action last answered, read the way forms and dialogs need it.

use crate::error::{AppError, Field};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The last answer of a server action. It reads the action's own signal, which lives as
/// long as the action: a dialog that closes because of that very answer can still read it
/// while it is being torn down (reading a signal of the dialog's own would panic then).
pub struct Outcome<S: ServerFn<Error = AppError> + 'static>(ServerAction<S>);

impl<S: ServerFn<Error = AppError>> Clone for Outcome<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn<Error = AppError>> Copy for Outcome<S> {}

impl<S> Outcome<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    pub fn of(action: ServerAction<S>) -> Self {
        Self(action)
    }

    pub fn error(self) -> Option<AppError> {
        self.0
            .value()
            .try_with(|answer| answer.as_ref().and_then(|r| r.as_ref().err().cloned()))
            .flatten()
    }

    pub fn succeeded(self) -> bool {
        self.0
            .value()
            .try_with(|answer| matches!(answer, Some(Ok(_))))
            .unwrap_or(false)
    }

    /// The message for `field`, if the server refused that field.
    pub fn field_message(self, field: Field) -> Option<String> {
        self.error().and_then(|e| e.message_for(field))
    }

    /// The message of an error no field owns.
    pub fn general_message(self) -> Option<String> {
        self.error()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
            .map(|e| e.to_string())
    }

    /// Forgets the answer: an edited form makes it stale.
    pub fn forget(self) {
        let value = self.0.value();
        if value.with_untracked(Option::is_some) {
            value.set(None);
        }
    }
}

/// A form's errors: the ones found in the browser before sending (with the same rules the
/// server applies), else the server's.
pub struct FormErrors<S: ServerFn<Error = AppError> + 'static> {
    local: RwSignal<Vec<(Field, String)>>,
    pub outcome: Outcome<S>,
}

impl<S: ServerFn<Error = AppError>> Clone for FormErrors<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn<Error = AppError>> Copy for FormErrors<S> {}

impl<S> FormErrors<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    pub fn of(action: ServerAction<S>) -> Self {
        Self {
            local: RwSignal::new(Vec::new()),
            outcome: Outcome::of(action),
        }
    }

    pub fn message(self, field: Field) -> Option<String> {
        self.local
            .try_with(|errors| {
                errors
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, m)| m.clone())
            })
            .flatten()
            .or_else(|| self.outcome.field_message(field))
    }

    /// Records what the browser found; true when there was nothing, so the form may be sent.
    pub fn check(self, found: Vec<(Field, String)>) -> bool {
        let clean = found.is_empty();
        self.local.set(found);
        clean
    }

    /// The message under a field, as a view.
    pub fn view_for(self, field: Field) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
        move || {
            self.message(field).map(|message| {
                view! { <span class="field-error" role="alert">{message}</span> }.into_any()
            })
        }
    }

    /// The field's `aria-invalid`.
    pub fn invalid(self, field: Field) -> impl Fn() -> String + Send + Sync + 'static {
        move || self.message(field).is_some().to_string()
    }
}
