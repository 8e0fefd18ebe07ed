//! Bearer-token validation (RFC 6750) and the API it protects. Plain axum, not server
//! functions: gateways and scripts call these routes, not the Leptos app.

mod credentials;
mod error;
mod extract;
mod me;
pub mod usage;

pub use error::ApiError;
pub use extract::Bearer;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::me))
        .fallback(|| async { ApiError::NotFound })
}
