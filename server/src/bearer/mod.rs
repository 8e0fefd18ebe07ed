//! Bearer-token validation (RFC 6750) and the API it protects. Plain axum, not server
//! functions: gateways and scripts call these routes, not the Leptos app.

mod audit_api;
pub mod cache;
pub(crate) mod caller;
mod credentials;
mod deactivation_api;
mod error;
mod extract;
pub mod forward_auth;
pub mod introspect;
mod me;
pub(crate) mod object;
pub mod openapi;
mod reports_api;
pub mod scopes;
pub mod store;
pub mod token;
pub mod tokens_api;
pub mod usage;

pub use error::{ApiError, ErrorBody};
pub use extract::Scoped;

use crate::state::AppState;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{any, get};
use axum::{Json, Router};
use http::header::{AUTHORIZATION, CONTENT_TYPE, ORIGIN};
use http::Method;
use std::sync::OnceLock;
use std::sync::{Mutex, MutexGuard};
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API's routes, in the two groups the app's router gives different layers.
pub struct Routes {
    /// Every route pages on other sites may call (see `with_cors`).
    pub browser_callable: Router<AppState>,
    /// The two that gateways and resource servers call from servers, never from a page.
    pub for_gateways: Router<AppState>,
}

/// The API's routes, at their full paths: merged into the app's router rather than nested
/// under `/api/v1`, because a nested router rewrites every request's URI on the way in.
/// The OpenAPI document comes from the same lists, so it cannot name a route the server
/// lacks or miss one it has.
pub fn routes() -> Routes {
    let (browser_callable, document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(me::me))
        .routes(routes!(tokens_api::list_tokens, tokens_api::create_token))
        .routes(routes!(tokens_api::expire_token))
        .routes(routes!(tokens_api::rotate_token))
        .routes(routes!(deactivation_api::deactivate_token))
        .routes(routes!(deactivation_api::reactivate_token))
        .routes(routes!(reports_api::users_csv))
        .routes(routes!(audit_api::audit_events))
        .routes(routes!(crate::leaks::revoke::revoke_tokens))
        .routes(routes!(crate::leaks::github::github_alerts))
        .split_for_parts();
    let (for_gateways, gateway_document) = OpenApiRouter::new()
        .routes(routes!(introspect::introspect))
        .split_for_parts();
    let mut document = document;
    document.merge(gateway_document);
    let document = std::sync::Arc::new(openapi::finish(document));

    let browser_callable = browser_callable
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let document = document.clone();
                async move { Json(document.as_ref().clone()) }
            }),
        )
        .route(
            "/api/v1/{*unknown}",
            any(|| async { ApiError::NotFound("No such API endpoint.") }),
        );
    let for_gateways = for_gateways
        .route("/api/v1/auth", any(forward_auth::forward_auth))
        // A wildcard never matches an empty rest, and Envoy asks about `/` here.
        .route("/api/v1/auth/", any(forward_auth::forward_auth))
        .route(
            "/api/v1/auth/{*original_path}",
            any(forward_auth::forward_auth),
        );
    Routes {
        browser_callable,
        for_gateways,
    }
}

/// Tokens travel in a header, never in cookies, so any page may call the API; a token's
/// Whitelist Domains decide which pages' calls succeed. Only browsers send `Origin`: the
/// others skip the CORS layer, whose work on every request slowed `/me` (bench/README.md).
pub async fn with_cors(request: Request, next: Next) -> Response {
    if !request.headers().contains_key(ORIGIN) {
        return next.run(request).await;
    }
    static CORS: OnceLock<CorsLayer> = OnceLock::new();
    let cors = CORS.get_or_init(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::mirror_request())
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([AUTHORIZATION, CONTENT_TYPE])
            .max_age(std::time::Duration::from_secs(3600))
            // No `Vary: Origin`: every answer is `Cache-Control: no-store`, so no cache
            // holds one for another origin.
            .vary([])
    });
    match cors.layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The bearer path's locks guard notes and caches, never a half-made change that matters:
/// after a panic under one, at worst a use is lost or an answer is rendered again.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
