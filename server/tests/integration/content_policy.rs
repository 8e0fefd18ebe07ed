//! Every page carries a Content-Security-Policy whose nonce is on its own scripts only.

use crate::common;

use app::users::Role;
use common::TestApp;
use http::{header, StatusCode};

fn nonce_of(policy: &str) -> &str {
    let start = policy.find("'nonce-").expect("a nonce source") + "'nonce-".len();
    let rest = &policy[start..];
    &rest[..rest.find('\'').unwrap()]
}

#[tokio::test]
async fn every_page_gets_a_fresh_nonce_that_its_scripts_carry() {
    let app = TestApp::new().await;
    app.add_user("admin", Role::Admin).await;
    let cookie = app.sign_in("admin").await;
    let mut nonces = Vec::new();
    for (path, cookie, status) in [
        ("/login", None, StatusCode::OK),
        ("/profile", Some(cookie.as_str()), StatusCode::OK),
        ("/profile", Some(cookie.as_str()), StatusCode::OK),
        ("/admin/users", Some(cookie.as_str()), StatusCode::OK),
        ("/admin/security", Some(cookie.as_str()), StatusCode::OK),
        ("/invite/not-a-real-link", None, StatusCode::NOT_FOUND),
        (
            "/no/such/page",
            Some(cookie.as_str()),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let answer = app.get(path, cookie).await;
        assert_eq!(answer.status, status, "{path}");
        let policy = answer
            .header(header::CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{path} has no policy"))
            .to_owned();
        let nonce = nonce_of(&policy).to_owned();
        assert!(nonce.len() >= 16, "{path}: {policy}");
        let scripts = answer.body.matches("<script").count();
        assert!(scripts > 0, "{path} has no script");
        assert_eq!(
            answer.body.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{path}: every script carries this response's nonce"
        );
        nonces.push(nonce);
    }
    let mut distinct = nonces.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), nonces.len(), "a nonce is never reused");
}
