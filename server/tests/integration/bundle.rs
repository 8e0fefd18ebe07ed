//! The web bundle under /pkg is served as plain files (see `site_files` in router.rs).

use crate::common;

use app::users::Role;
use axum::body::Body;
use common::TestApp;
use http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use http::Request;
use http::StatusCode;

#[tokio::test]
async fn bundle_files_are_served_even_right_after_a_forbidden_page() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/chunk_1.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let app = TestApp::serving_bundle_from(site.path()).await;
    app.add_user("alice", Role::User).await;
    let alice = app.sign_in("alice").await;

    // A page that sets its status (403), then a file. leptos's file handler once answered a
    // chunk with another page's 403 in the Playwright suite; that needs a worker thread left
    // with a page's reactive owner, which this single-threaded test does not reproduce.
    for _ in 0..3 {
        let page = app.get("/admin/users", Some(&alice)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let chunk = app.get("/pkg/chunk_1.wasm", Some(&alice)).await;
        assert_eq!(chunk.status, StatusCode::OK);
        assert_eq!(chunk.header(CONTENT_TYPE), Some("application/wasm"));
        // A development build's names stay the same, so the browser asks again each time.
        assert_eq!(chunk.header(CACHE_CONTROL), Some("no-cache"));
    }
    let missing = app.get("/pkg/chunk_2.wasm", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The not-found page is a page: kept nowhere, even under /pkg.
    assert_eq!(missing.header(CACHE_CONTROL), Some("no-store"));
}

/// A site folder holding one wasm chunk and, when `compressed`, its brotli and gzip copies,
/// each with different bytes so that a test can tell which one it got.
fn site_with_chunk(compressed: bool) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(pkg.join("chunk_1.abc.wasm"), b"plain wasm").unwrap();
    if compressed {
        std::fs::write(pkg.join("chunk_1.abc.wasm.br"), b"brotli").unwrap();
        std::fs::write(pkg.join("chunk_1.abc.wasm.gz"), b"gzip").unwrap();
    }
    site
}

async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> common::Answer {
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(ACCEPT_ENCODING, encodings);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn hashed_bundle_files_are_kept_for_a_year() {
    let site = site_with_chunk(false);
    let app = TestApp::serving_hashed_bundle_from(site.path()).await;

    let chunk = fetch(&app, "/pkg/chunk_1.abc.wasm", None).await;
    assert_eq!(chunk.status, StatusCode::OK);
    assert_eq!(
        chunk.header(CACHE_CONTROL),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn the_compressed_copy_the_browser_accepts_is_sent() {
    let site = site_with_chunk(true);
    let app = TestApp::serving_hashed_bundle_from(site.path()).await;
    let path = "/pkg/chunk_1.abc.wasm";

    let cases = [
        (Some("gzip, deflate, br, zstd"), Some("br"), "brotli"),
        (Some("gzip"), Some("gzip"), "gzip"),
        (None, None, "plain wasm"),
    ];
    for (accepted, encoding, body) in cases {
        let answer = fetch(&app, path, accepted).await;
        assert_eq!(answer.status, StatusCode::OK, "{accepted:?}");
        assert_eq!(answer.header(CONTENT_ENCODING), encoding, "{accepted:?}");
        assert_eq!(answer.body, body, "{accepted:?}");
        assert_eq!(answer.header(CONTENT_TYPE), Some("application/wasm"));
    }
}

#[tokio::test]
async fn pages_are_never_stored() {
    let app = TestApp::new().await;
    let page = fetch(&app, "/login", None).await;
    assert_eq!(page.header(CACHE_CONTROL), Some("no-store"));
}

#[tokio::test]
async fn pages_are_compressed_as_they_are_sent() {
    let app = TestApp::new().await;
    let plain = fetch(&app, "/login", None).await;
    assert_eq!(plain.header(CONTENT_ENCODING), None);
    assert!(plain.body.contains("<html"));

    for (accepted, encoding) in [("gzip", "gzip"), ("gzip, deflate, br, zstd", "br")] {
        let page = fetch(&app, "/login", Some(accepted)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header(CONTENT_ENCODING), Some(encoding), "{accepted}");
        assert!(!page.body.contains("<html"), "{accepted}: sent as it was");
    }
}
