//! `POST /api/v1/introspect` (RFC 7662), for resource servers that check tokens themselves.

use crate::common;

use app::store::Audit;

use app::store::{TokenRestrictions, UserChange};
use app::users::Role;
use axum::body::Body;
use chrono::Duration;
use common::{Answer, TestApp};
use http::{header, Request, StatusCode};
use serde_json::{json, Value};

async fn introspect(app: &TestApp, caller: Option<&str>, form: &str) -> Answer {
    let mut request = Request::post("/api/v1/introspect")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(caller) = caller {
        request = request.header(header::AUTHORIZATION, format!("Bearer {caller}"));
    }
    app.send(request.body(Body::from(form.to_owned())).unwrap())
        .await
}

async fn about(app: &TestApp, caller: &str, token: &str) -> Value {
    let answer = introspect(app, Some(caller), &format!("token={token}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

struct Setup {
    app: TestApp,
    gateway: String,
    alice: i64,
}

/// An admin's service token that may introspect, and a user whose tokens are asked about.
async fn setup() -> Setup {
    let app = TestApp::new().await;
    let ops = app.add_user("ops", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let gateway = app.token_with(ops, "tokens:introspect").await;
    Setup {
        app,
        gateway,
        alice,
    }
}

#[tokio::test]
async fn an_active_token_is_described() {
    let Setup {
        app,
        gateway,
        alice,
    } = setup().await;
    let created = app.now() - Duration::days(1);
    let expires = app.now() + Duration::days(29);
    let (_, token) = app
        .insert_restricted_token(
            alice,
            "ci",
            created,
            Some(expires),
            TokenRestrictions {
                permissions: vec!["profile:read".into(), "tokens:read".into()],
                ..Default::default()
            },
        )
        .await;
    assert_eq!(
        about(&app, &gateway, &token).await,
        json!({
            "active": true,
            "scope": "profile:read tokens:read",
            "username": "alice",
            "sub": "alice",
            "exp": expires.timestamp(),
            "iat": created.timestamp(),
            "token_type": "Bearer",
        })
    );

    // A token that never expires has no `exp`; `token_type_hint` is accepted.
    let forever = app.token_with(alice, "profile:read").await;
    let described = introspect(
        &app,
        Some(&gateway),
        &format!("token={forever}&token_type_hint=access_token"),
    )
    .await
    .json::<Value>();
    assert_eq!(described["active"], true);
    assert!(described.get("exp").is_none(), "{described}");
}

#[tokio::test]
async fn inactive_unknown_and_malformed_tokens_are_all_just_inactive() {
    let Setup {
        app,
        gateway,
        alice,
    } = setup().await;
    let (_, lapsed) = app
        .insert_restricted_token(
            alice,
            "lapsed",
            app.now() - Duration::days(40),
            Some(app.now() - Duration::days(10)),
            TokenRestrictions::default(),
        )
        .await;
    let (expired_by_hand, revoked) = app
        .insert_restricted_token(
            alice,
            "revoked",
            app.now(),
            None,
            TokenRestrictions::default(),
        )
        .await;
    app.store
        .expire_token(expired_by_hand.id, &Audit::by_user(alice, app.now()))
        .await
        .unwrap();
    let unknown = app::rules::token::PlainToken::generate(&mut rand::rng()).into_secret();
    let mut bad_checksum = unknown[..47].to_owned();
    bad_checksum.push(if unknown.ends_with('A') { 'B' } else { 'A' });

    for token in [
        lapsed.as_str(),
        revoked.as_str(),
        unknown.as_str(),
        bad_checksum.as_str(),
        "short",
        "",
    ] {
        assert_eq!(
            about(&app, &gateway, token).await,
            json!({"active": false}),
            "{token:?}"
        );
    }
}

#[tokio::test]
async fn the_caller_needs_an_admins_token_with_tokens_introspect() {
    let Setup {
        app,
        gateway,
        alice,
    } = setup().await;
    let token = app.token_with(alice, "profile:read").await;
    let form = format!("token={token}");

    let anonymous = introspect(&app, None, &form).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.header(header::WWW_AUTHENTICATE).is_some());

    let refused = introspect(&app, Some(&token), &form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json::<Value>()["scope"], "tokens:introspect");

    // A user may not hold it, whatever their token says.
    let smuggled = app.token_with(alice, "tokens:introspect").await;
    assert_eq!(
        introspect(&app, Some(&smuggled), &form).await.status,
        StatusCode::FORBIDDEN
    );
    let offered: Value = app
        .call("tokens/options", &[], Some(&app.sign_in("alice").await))
        .await
        .json();
    assert!(!offered.to_string().contains("tokens:introspect"));

    // Demoting the admin takes the permission from their token at once.
    let ops = app
        .store
        .find_credentials("ops")
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    assert_eq!(about(&app, &gateway, &token).await["active"], true);
    let demoted = UserChange {
        role: Role::User,
        login_active: true,
        current: true,
    };
    app.store
        .update_user(ops, demoted, &Audit::by_system(app.now()))
        .await
        .unwrap();
    assert_eq!(
        introspect(&app, Some(&gateway), &form).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_request_without_the_token_field_is_invalid() {
    let Setup { app, gateway, .. } = setup().await;
    let answer = introspect(&app, Some(&gateway), "token_type_hint=access_token").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json::<Value>()["error"], "invalid_request");
}
