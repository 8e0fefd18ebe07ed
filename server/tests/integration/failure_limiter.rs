//! The failure limiter on an address many people share: whoever sprays invalid tokens from
//! it stays blocked, and the tokens in use behind it keep working.

use crate::common;

use app::users::Role;
use axum::body::Body;
use common::{Answer, TestApp};
use http::{header, Request, StatusCode};

const OFFICE: &str = "198.51.100.20";

async fn from_office(app: &TestApp, path: &str, token: &str) -> Answer {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.send_from(OFFICE, request).await
}

/// A well-formed secret that names no token.
fn unknown_token() -> String {
    use rand::TryRngCore;
    app::rules::token::PlainToken::generate(&mut rand::rngs::OsRng.unwrap_err()).into_secret()
}

async fn block_the_office(app: &TestApp) {
    for _ in 0..30 {
        let answer = from_office(app, "/api/v1/auth", &unknown_token()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = from_office(app, "/api/v1/auth", &unknown_token()).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn tokens_in_use_behind_a_blocked_address_keep_working() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bob = app.add_user("bob", Role::User).await;
    let alices = app.token_with(alice, "profile:read").await;
    let bobs = app.token_with(bob, "profile:read").await;
    for token in [&alices, &bobs] {
        assert_eq!(
            from_office(&app, "/api/v1/me", token).await.status,
            StatusCode::OK
        );
    }

    block_the_office(&app).await;

    let lookups = app.bearer_lookups();
    for _ in 0..3 {
        for token in [&alices, &bobs] {
            let me = from_office(&app, "/api/v1/me", token).await;
            assert_eq!(me.status, StatusCode::OK, "{}", me.body);
            let gateway = from_office(&app, "/api/v1/auth", token).await;
            assert_eq!(gateway.status, StatusCode::OK);
        }
        let guess = from_office(&app, "/api/v1/auth", &unknown_token()).await;
        assert_eq!(guess.status, StatusCode::TOO_MANY_REQUESTS, "still blocked");
        assert!(guess.header(header::RETRY_AFTER).is_some());
    }
    assert_eq!(app.bearer_lookups(), lookups, "no query while blocked");
}

#[tokio::test]
async fn a_blocked_address_gets_no_database_query_for_what_memory_lacks() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let fresh = app.token_with(alice, "profile:read").await;
    let used = app.token_with(alice, "profile:read").await;
    assert_eq!(
        from_office(&app, "/api/v1/me", &used).await.status,
        StatusCode::OK
    );
    block_the_office(&app).await;

    let lookups = app.bearer_lookups();
    for secret in [
        fresh.clone(),
        unknown_token(),
        "not-a-token".to_owned(),
        format!("{}x", &fresh[..fresh.len() - 1]),
    ] {
        let answer = from_office(&app, "/api/v1/auth", &secret).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{secret}");
    }
    assert_eq!(app.bearer_lookups(), lookups);
}

#[tokio::test]
async fn a_remembered_token_past_its_time_is_refused_while_blocked() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (_, expiring) = app
        .insert_restricted_token(
            alice,
            "expiring",
            app.now(),
            Some(app.now() + chrono::Duration::days(1)),
            app::store::TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ..Default::default()
            },
        )
        .await;
    assert_eq!(
        from_office(&app, "/api/v1/me", &expiring).await.status,
        StatusCode::OK
    );
    block_the_office(&app).await;
    assert_eq!(
        from_office(&app, "/api/v1/me", &expiring).await.status,
        StatusCode::OK
    );

    app.clock.advance(chrono::Duration::days(2));
    let lookups = app.bearer_lookups();
    let refused = from_office(&app, "/api/v1/me", &expiring).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.bearer_lookups(), lookups);
}
