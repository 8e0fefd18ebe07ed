use crate::bearer;
use crate::client_ip::client_ip_layer;
use crate::headers::{same_origin_calls, security_headers};
use crate::report_csv;
use crate::session_layer::session_layer;
use crate::state::AppState;
use app::{shell, App};
use axum::routing::get;
use axum::{middleware, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// The whole of Tessera as one router: pages, server functions, the bearer API, static files.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/admin/users.csv", get(report_csv::export_csv))
        .nest("/api/v1", bearer::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(services.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), session_layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_ip_layer,
        ))
        .layer(middleware::from_fn(same_origin_calls))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}
