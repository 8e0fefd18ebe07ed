use crate::error::AppError;
use leptos::prelude::*;

/// What a page opened by a single-use link (an invitation, a password reset) shows when the
/// link does not work. On the server the page's answer gets the error's status.
#[component]
pub fn BrokenLink(heading: &'static str, error: AppError, testid: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let status = http::StatusCode::from_u16(error.status_code())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response.set_status(status);
    }
    view! {
        <div class="card auth-card">
            <h1>{heading}</h1>
            <p class="form-error" role="alert" data-testid=testid>{error.to_string()}</p>
            <a href="/login">"Go to sign in"</a>
        </div>
    }
}
