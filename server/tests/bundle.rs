//! The web bundle under /pkg is served as plain files (see `site_files` in router.rs).

mod common;

use app::users::Role;
use common::TestApp;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
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
        assert_eq!(
            chunk.header(CACHE_CONTROL),
            None,
            "the bundle may be cached"
        );
    }
    let missing = app.get("/pkg/chunk_2.wasm", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
