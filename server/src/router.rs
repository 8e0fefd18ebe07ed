use crate::bearer;
use crate::client_ip::client_ip_layer;
use crate::headers::{cross_origin_requests, security_headers};
use crate::report_csv;
use crate::session_layer::session_layer;
use crate::state::AppState;
use app::{shell, App};
use axum::handler::Handler;
use axum::routing::get;
use axum::{middleware, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;

/// The whole of Tessera as one router: pages, server functions, the bearer API, static files.
pub fn build_router(state: AppState) -> Router {
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    // The site's files (the wasm bundle, its chunks, script and styles) as they are, and for
    // any other path leptos's page saying it does not exist. Files are not left to
    // leptos_axum's `file_and_error_handler`: it answers a file under a new reactive owner,
    // which takes as its parent whatever owner the worker thread last had, and then applies
    // that owner's response options. A page rendered on the same thread just before (a 403
    // for a non-admin, in the Playwright suite) thereby turned a wasm chunk's answer into a
    // 403, and the page never hydrated. It now only gets the paths no file matches.
    let not_found = leptos_axum::file_and_error_handler::<AppState, _>(shell);
    let site_files = ServeDir::new(&*options.site_root)
        .append_index_html_on_directories(false)
        .precompressed_gzip()
        .precompressed_br()
        .fallback(not_found.with_state(state.clone()));
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/admin/users.csv", get(report_csv::export_csv))
        .merge(bearer::routes())
        .leptos_routes_with_context(
            &state,
            page_routes().to_vec(),
            move || provide_context(services.clone()),
            move || shell(options.clone()),
        )
        .fallback_service(site_files)
        .with_state(state.clone());
    // Wrapped once around the whole app, not with `Router::layer`: that wraps every route
    // in a boxed copy of the stack, and each request would clone the boxes layer by layer.
    let every_request = ServiceBuilder::new()
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(cross_origin_requests))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_ip_layer,
        ))
        .layer(middleware::from_fn_with_state(state, session_layer))
        .service(app);
    Router::new().fallback_service(every_request)
}

/// The app's pages, found by rendering the app once per process.
///
/// While leptos renders the app to list its routes it sets a process-wide flag that leaves
/// every resource first polled meanwhile, on any thread, pending for ever (leptos-rs/leptos
/// issue 4773): a page rendering then never finishes streaming. Listing the routes once,
/// before any router exists, means no page can ever render while it happens, even where
/// several routers are built in one process (the integration tests build one per test).
fn page_routes() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}
