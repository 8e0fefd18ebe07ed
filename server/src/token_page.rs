//! The Create Token page's own post. A browser that sends the form itself (before the
//! profile hydrates, or without JavaScript) gets the page back as the answer, with the new
//! secret on it: nowhere else could the secret go, since only its hash is kept.

use crate::content_policy::shell_under_policy;
use crate::router::BODY_LIMIT;
use crate::state::AppState;
use app::tokens::PostedTokenForm;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;

pub async fn answer_create_token_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let posted = PostedTokenForm::from_fields(form_urlencoded::parse(&body));
    let options = state.leptos_options.clone();
    // The same context the pages get (see `router::pages`), and the form for the page to read.
    let context = move || {
        provide_context(state.clone());
        provide_context(state.services.clone());
        provide_context(posted.clone());
    };
    let render = leptos_axum::render_app_async_with_context(context, move || {
        shell_under_policy(options.clone())
    });
    render(Request::from_parts(parts, Body::empty())).await
}
