use crate::audit_csv;
use crate::bearer;
use crate::client_ip::client_ip_layer;
use crate::content_policy::shell_under_policy;
use crate::headers::{
    bundle_caching, same_origin_calls, security_headers, without_earlier_form_errors,
    BundleCaching, HttpsOnly,
};
use crate::readiness;
use crate::report_csv;
use crate::request_log;
use crate::session_layer::{session_for_calls, session_for_pages};
use crate::state::AppState;
use crate::token_page::answer_create_token_post;
use app::tokens::NEW_TOKEN_PATH;
use app::App;
use axum::extract::Request;
use axum::handler::Handler;
use axum::routing::{any_service, get, on, post, MethodFilter, MethodRouter};
use axum::{middleware, Router};
use leptos::prelude::provide_context;
use leptos::server_fn::axum::server_fn_paths;
use leptos_axum::{
    generate_route_list_with_exclusions, handle_server_fns_with_context, AxumRouteListing,
    LeptosRoutes,
};
use std::sync::OnceLock;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;

/// The largest request body taken, well above the largest real form (a token with full
/// whitelists); a larger one is answered 413 before anything reads it.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The whole of Tessera as one router, in groups that each carry their own layers: pages
/// and server functions find the caller's session, the API answers other sites' pages under
/// CORS, and gateways, static files and the health check get nothing more.
pub fn build_router(state: AppState) -> Router {
    let files = site_files(&state);
    let bearer = bearer::routes();
    let app = pages(&state, files.clone())
        .merge(server_functions(&state, files.clone()))
        .merge(api(bearer.browser_callable, files.clone()))
        .merge(bearer.for_gateways)
        .merge(static_files(files, bundle_caching_for(&state)))
        .with_state(state.clone())
        .layer(middleware::from_fn(request_log::note_route));
    // Every request's layers are wrapped once around the whole app, not with `Router::layer`:
    // that wraps every route in a boxed copy of the stack, and each request clones the boxes
    // layer by layer. Each group pays that only for its own layers; the gateways' has only
    // `note_route`, which must be inside the router to see which route matched.
    let https_only = HttpsOnly(
        state
            .site_origin
            .as_deref()
            .is_some_and(|origin| origin.starts_with("https://")),
    );
    let every_request = ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(https_only, security_headers))
        .layer(middleware::from_fn_with_state(state, client_ip_layer))
        .layer(middleware::from_fn(request_log::log_request))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .service(app);
    Router::new().fallback_service(every_request)
}

/// The pages, the CSV export, and the not-found page for any path no group claims: with the
/// caller's session, or a redirect for someone signed out (see `session_for_pages`).
fn pages(state: &AppState, files: MethodRouter<AppState>) -> Router<AppState> {
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/admin/users.csv", get(report_csv::export_csv))
        .route("/admin/audit.csv", get(audit_csv::export_csv))
        .route(
            NEW_TOKEN_PATH,
            post(answer_create_token_post).layer(middleware::from_fn_with_state(
                state.clone(),
                same_origin_calls,
            )),
        )
        .leptos_routes_with_context(
            state,
            page_routes().to_vec(),
            move || provide_context(services.clone()),
            move || shell_under_policy(options.clone()),
        )
        .fallback(files)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session_for_pages,
        ))
        // Pages are made per request; bundle files that already have a compressed copy
        // arrive encoded and pass through untouched.
        .layer(CompressionLayer::new())
}

/// The calls the pages make, which answer a missing session themselves and are taken from
/// this site's pages only; a call to no server function gets the not-found page. Each call
/// gets the context leptos gives the pages' own calls.
fn server_functions(state: &AppState, files: MethodRouter<AppState>) -> Router<AppState> {
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(state.services.clone());
        }
    };
    let call = move |request: Request| handle_server_fns_with_context(context.clone(), request);
    server_fn_paths()
        .fold(everything_under("/rpc", files), |router, (path, method)| {
            let method =
                MethodFilter::try_from(method).expect("server functions use plain methods");
            router.route(path, on(method, call.clone()))
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session_for_calls,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_origin_calls,
        ))
        .layer(middleware::from_fn(without_earlier_form_errors))
}

/// The API that pages on other sites may call, under CORS. Other paths under `/api/` are no
/// page either: they get the not-found page, without a session, under the same rules.
fn api(browser_callable: Router<AppState>, files: MethodRouter<AppState>) -> Router<AppState> {
    browser_callable
        .merge(everything_under("/api", files))
        .layer(middleware::from_fn(bearer::with_cors))
}

/// The web bundle, which browsers may keep, the icon and the health check: no session.
fn static_files(files: MethodRouter<AppState>, caching: BundleCaching) -> Router<AppState> {
    let bundle = everything_under("/pkg", files.clone())
        .layer(middleware::from_fn_with_state(caching, bundle_caching));
    Router::new()
        .route("/favicon.ico", files)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readiness::readyz))
        .merge(bundle)
}

fn bundle_caching_for(state: &AppState) -> BundleCaching {
    if state.leptos_options.hash_files {
        BundleCaching::Immutable
    } else {
        BundleCaching::Revalidate
    }
}

/// `service` at `prefix/` and every path below it, unless a more specific route claims it
/// (a wildcard never matches an empty rest).
fn everything_under(prefix: &str, service: MethodRouter<AppState>) -> Router<AppState> {
    Router::new()
        .route(&format!("{prefix}/"), service.clone())
        .route(&format!("{prefix}/{{*rest}}"), service)
}

/// The site's files (the wasm bundle, its chunks, script and styles) as they are, and for
/// any other path leptos's page saying it does not exist. Files are not left to
/// leptos_axum's `file_and_error_handler`: it answers a file under a new reactive owner,
/// which takes as its parent whatever owner the worker thread last had, and then applies
/// that owner's response options. A page rendered on the same thread just before (a 403
/// for a non-admin, in the Playwright suite) thereby turned a wasm chunk's answer into a
/// 403, and the page never hydrated. It now only gets the paths no file matches.
fn site_files(state: &AppState) -> MethodRouter<AppState> {
    let not_found = leptos_axum::file_and_error_handler::<AppState, _>(shell_under_policy);
    any_service(
        ServeDir::new(&*state.leptos_options.site_root)
            .append_index_html_on_directories(false)
            .precompressed_gzip()
            .precompressed_br()
            .fallback(not_found.with_state(state.clone())),
    )
}

/// The app's pages, found by rendering the app once per process, without the server
/// functions' paths: `server_functions` serves those, with layers of their own.
///
/// While leptos renders the app to list its routes it sets a process-wide flag that leaves
/// every resource first polled meanwhile, on any thread, pending for ever (leptos-rs/leptos
/// issue 4773): a page rendering then never finishes streaming. Listing the routes once,
/// before any router exists, means no page can ever render while it happens, even where
/// several routers are built in one process (the integration tests build one per test).
fn page_routes() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let calls = server_fn_paths().map(|(path, _)| path.to_owned()).collect();
        generate_route_list_with_exclusions(App, Some(calls))
    })
}
