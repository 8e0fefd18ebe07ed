//! What each group of routes adds to its answers (see `build_router`): sessions for pages and
//! server functions, CORS for the API, nothing for gateways, static files and health checks.

use crate::common;

use app::users::Role;
use axum::body::Body;
use common::{Answer, TestApp, PASSWORD};
use http::{header, Request, StatusCode};

const FOREIGN_PAGE: &str = "https://app.example.com";

fn cors_origin(answer: &Answer) -> Option<&str> {
    answer.header(header::ACCESS_CONTROL_ALLOW_ORIGIN)
}

async fn get_from_page(app: &TestApp, path: &str) -> Answer {
    let request = Request::get(path).header(header::ORIGIN, FOREIGN_PAGE);
    app.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn files_health_checks_and_other_api_paths_need_no_session() {
    let app = TestApp::new().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    for path in [
        "/pkg/missing.wasm",
        "/pkg/",
        "/favicon.ico",
        "/api/elsewhere",
        "/api/",
        "/rpc/no-such-call",
    ] {
        let answer = app.get(path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.header(header::LOCATION), None, "{path}");
    }
}

#[tokio::test]
async fn every_page_but_the_public_ones_sends_signed_out_people_to_login() {
    let app = TestApp::new().await;
    let pages = [
        "/",
        "/profile",
        "/no-such-page",
        "/admin/users.csv",
        "/api",
        "/pkg",
    ];
    for path in pages {
        let answer = app.get(path, None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answer.header(header::LOCATION), Some("/login"), "{path}");
    }
    let invitation = app.get("/invite/no-such-link", None).await;
    assert_eq!(invitation.header(header::LOCATION), None);

    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let home = app.get("/", Some(&cookie)).await;
    assert_eq!(home.header(header::LOCATION), Some("/profile"));
}

#[tokio::test]
async fn server_functions_take_calls_from_their_own_site_only() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let sign_in_from = |origin: &str| {
        Request::post("/rpc/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "tessera.example")
            .header(header::ORIGIN, origin)
            .body(Body::from(format!(
                "username=alice&password={}",
                PASSWORD.replace(' ', "+")
            )))
            .unwrap()
    };
    let foreign = app.send(sign_in_from(FOREIGN_PAGE)).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(foreign.header(header::SET_COOKIE), None);
    assert_eq!(cors_origin(&foreign), None);
    let mut to_no_call = sign_in_from(FOREIGN_PAGE);
    *to_no_call.uri_mut() = "/rpc/no-such-call".parse().unwrap();
    assert_eq!(app.send(to_no_call).await.status, StatusCode::FORBIDDEN);
    // With TESSERA_PUBLIC_URL set, its origin decides, not the Host a request names.
    let mut elsewhere = sign_in_from("https://proxy.internal");
    elsewhere
        .headers_mut()
        .insert(header::HOST, "proxy.internal".parse().unwrap());
    assert_eq!(app.send(elsewhere).await.status, StatusCode::FORBIDDEN);
    let own = app.send(sign_in_from(common::PUBLIC_URL)).await;
    assert!(own.header(header::SET_COOKIE).is_some(), "{}", own.status);
    // Only calls are refused: a link from another site still opens a page.
    let page = get_from_page(&app, "/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(cors_origin(&page), None);
}

#[tokio::test]
async fn the_api_answers_other_sites_pages_under_cors() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read tokens:write").await;
    let page = [("origin", FOREIGN_PAGE)];
    let created = app
        .api(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(serde_json::json!({"label": "x", "permissions": ["profile:read"]})),
            &page,
            None,
        )
        .await;
    assert!(created.status.is_success(), "{}", created.body);
    assert_eq!(cors_origin(&created), Some(FOREIGN_PAGE));
    for path in [
        "/api/v1/openapi.json",
        "/api/v1/no-such-endpoint",
        "/api/elsewhere",
    ] {
        let answer = get_from_page(&app, path).await;
        assert_eq!(cors_origin(&answer), Some(FOREIGN_PAGE), "{path}");
    }
}

#[tokio::test]
async fn gateway_routes_and_pages_get_no_cors() {
    let app = TestApp::new().await;
    let preflight = |path: &str| {
        Request::options(path)
            .header(header::ORIGIN, FOREIGN_PAGE)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    for path in [
        "/api/v1/introspect",
        "/api/v1/auth",
        "/api/v1/auth/",
        "/api/v1/auth/some/path",
        "/healthz",
        "/login",
    ] {
        let answer = app.send(preflight(path)).await;
        assert_eq!(cors_origin(&answer), None, "{path}");
    }
}

#[tokio::test]
async fn only_the_bundle_may_be_cached_and_nothing_framed() {
    let app = TestApp::new().await;
    for path in ["/healthz", "/api/v1/auth", "/favicon.ico", "/no-such-page"] {
        let answer = app.get(path, None).await;
        assert_eq!(
            answer.header(header::CACHE_CONTROL),
            Some("no-store"),
            "{path}"
        );
        assert_eq!(
            answer.header(header::X_FRAME_OPTIONS),
            Some("DENY"),
            "{path}"
        );
        // The tests' public URL is https: browsers are to come back over https only.
        assert_eq!(
            answer.header(header::STRICT_TRANSPORT_SECURITY),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    // A missing bundle file is answered with the not-found page, which is kept nowhere
    // either (bundle.rs shows the caching of files that exist).
    let bundle = app.get("/pkg/missing.wasm", None).await;
    assert_eq!(bundle.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(bundle.header(header::X_FRAME_OPTIONS), Some("DENY"));
    assert_eq!(
        bundle.header(header::X_CONTENT_TYPE_OPTIONS),
        Some("nosniff")
    );
}

/// No request body is read past the limit: a larger one is refused with 413, whichever
/// group it is sent to.
#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "tokens:write").await;
    let huge = "a".repeat(tessera::router::BODY_LIMIT + 1);
    let sends = [
        Request::post("/rpc/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("username=alice&password={huge}")),
        Request::post("/api/v1/tokens")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(format!(
                r#"{{"label": "{huge}", "permissions": ["tokens:write"]}}"#
            )),
    ];
    for request in sends {
        let request = request.unwrap();
        let path = request.uri().path().to_owned();
        let length = request.body().len();
        let (mut parts, body) = request.into_parts();
        parts.headers.insert(header::CONTENT_LENGTH, length.into());
        let answer = app.send(Request::from_parts(parts, Body::from(body))).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
}
