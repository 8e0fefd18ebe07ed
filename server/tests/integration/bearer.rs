//! RFC 6750 behaviour of the bearer API.

use crate::common;

use app::rules::token::PlainToken;
use axum::body::Body;
use common::TestApp;
use http::{header, Request, StatusCode};
use rand::TryRngCore;
use serde_json::Value;

fn well_formed_unknown() -> String {
    PlainToken::generate(&mut rand::rngs::OsRng.unwrap_err()).into_secret()
}

async fn me_with(app: &TestApp, authorization: Option<&str>, query: &str) -> common::Answer {
    let mut request = Request::get(format!("/api/v1/me{query}"));
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn missing_credentials_get_a_bare_challenge() {
    let app = TestApp::new().await;
    for authorization in [None, Some("Basic YWxpY2U6cHc=")] {
        let answer = me_with(&app, authorization, "").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.header(header::WWW_AUTHENTICATE),
            Some(r#"Bearer realm="tessera""#)
        );
        let body: Value = answer.json();
        assert!(body["error_description"].is_string());
    }
}

#[tokio::test]
async fn malformed_requests_are_400_invalid_request() {
    let app = TestApp::new().await;
    let token = well_formed_unknown();
    let cases = [
        (Some("Bearer".to_owned()), String::new()),
        (Some("Bearer a,b".to_owned()), String::new()),
        (Some(format!("Bearer {token} more")), String::new()),
        (None, format!("?access_token={token}")),
        (
            Some(format!("Bearer {token}")),
            format!("?access_token={token}"),
        ),
    ];
    for (authorization, query) in cases {
        let answer = me_with(&app, authorization.as_deref(), &query).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{authorization:?} {query}"
        );
        let challenge = answer.header(header::WWW_AUTHENTICATE).unwrap();
        assert!(
            challenge.starts_with(r#"Bearer realm="tessera", error="invalid_request""#),
            "{challenge}"
        );
        let body: Value = answer.json();
        assert_eq!(body["error"], "invalid_request");
    }
    assert_eq!(app.bearer_lookups(), 0);
}

#[tokio::test]
async fn badly_formed_tokens_never_reach_the_database() {
    let app = TestApp::new().await;
    let good = well_formed_unknown();
    let mut bad_checksum = good[..47].to_owned();
    bad_checksum.push(if good.ends_with('a') { 'b' } else { 'a' });
    for candidate in [
        bad_checksum,
        good[..40].to_owned(),
        format!("xxxx{}", &good[4..]),
        "c2VjcmV0".into(),
    ] {
        let answer = app.bearer("/api/v1/me", &candidate).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{candidate}");
        let challenge = answer.header(header::WWW_AUTHENTICATE).unwrap();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{challenge}"
        );
    }
    assert_eq!(app.bearer_lookups(), 0);
}

#[tokio::test]
async fn unknown_well_formed_token_is_looked_up_once_and_refused() {
    let app = TestApp::new().await;
    let answer = app.bearer("/api/v1/me", &well_formed_unknown()).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let body: Value = answer.json();
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(app.bearer_lookups(), 1);
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404() {
    let app = TestApp::new().await;
    let answer = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let body: Value = answer.json();
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn health_check_needs_nothing() {
    let app = TestApp::new().await;
    let answer = app.get("/healthz", None).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "ok")
    );
}

/// The first checks after start-up all find no policy in memory: one of them loads it, and
/// the rest use what it loaded. Each load publishes a new version, and every cached token's
/// answers are rendered again for a new version.
#[tokio::test]
async fn checks_at_start_up_load_the_policy_once() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", app::users::Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    let checks = (0..8).map(|_| app.bearer("/api/v1/me", &token));
    for answer in futures::future::join_all(checks).await {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    assert_eq!(app.changes.policy().loads(), 1);
}
