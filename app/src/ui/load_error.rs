use super::browser;
use crate::error::AppError;
use leptos::prelude::*;

/// A block whose data could not be loaded. A lost session means every part of the page is
/// stale, so that one goes to the sign-in page instead.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    if error == AppError::Unauthenticated {
        browser::go_to_login();
    }
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }
}
