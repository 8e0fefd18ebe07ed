//! Rotating a token through the real router, from the profile, the report and the API:
//! each secret is tried against `/api/v1/me` at every step.

use crate::common;

use app::store::TokenRestrictions;
use app::tokens::{CreatedToken, TokenView};
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::StatusCode;
use serde_json::{json, Value};

async fn works(app: &TestApp, secret: &str) -> bool {
    app.bearer("/api/v1/me", secret).await.status == StatusCode::OK
}

async fn rotate(app: &TestApp, cookie: &str, id: i64, length: &str, grace: &str) -> common::Answer {
    let id = id.to_string();
    app.call(
        "tokens/rotate",
        &[("id", &id), ("length", length), ("grace", grace)],
        Some(cookie),
    )
    .await
}

async fn listed(app: &TestApp, cookie: &str) -> Vec<TokenView> {
    app.call("tokens/list", &[], Some(cookie)).await.json()
}

fn restricted() -> TokenRestrictions {
    TokenRestrictions {
        permissions: vec!["profile:read".into(), "tokens:read".into()],
        ip_whitelist: vec!["10.0.0.0/8".into()],
        domain_whitelist: vec!["ci.example.com".into()],
    }
}

#[tokio::test]
async fn rotating_without_grace_replaces_the_token_at_once_and_keeps_its_settings() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let created = app.now() - Duration::days(2);
    let (old, old_secret) = app
        .insert_restricted_token(
            alice,
            "deploy",
            created,
            Some(created + Duration::days(90)),
            restricted(),
        )
        .await;
    let cookie = app.sign_in("alice").await;

    let answer = rotate(&app, &cookie, old.id, "90", "none").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let new: CreatedToken = answer.json();
    assert_eq!(new.token.label, "deploy");
    assert_eq!(new.token.permissions, ["profile:read", "tokens:read"]);
    assert_eq!(new.token.ip_whitelist, ["10.0.0.0/8"]);
    assert_eq!(new.token.domain_whitelist, ["ci.example.com"]);
    assert_eq!(new.token.expires_at, Some(app.now() + Duration::days(90)));
    assert_eq!(new.token.replaces, Some(old.id));

    let from_inside = |secret: &str| {
        let secret = secret.to_owned();
        let app = &app;
        async move {
            let answer = app
                .api("GET", "/api/v1/me", &secret, None, &[], Some("10.1.2.3"))
                .await;
            answer.status == StatusCode::OK
        }
    };
    assert!(!from_inside(&old_secret).await);
    assert!(from_inside(&new.secret).await);

    let tokens = listed(&app, &cookie).await;
    let old_view = tokens.iter().find(|t| t.id == old.id).unwrap();
    let new_view = tokens.iter().find(|t| t.id == new.token.id).unwrap();
    assert_eq!(old_view.status.words(), "Expired manually");
    assert_eq!(
        old_view.replaced_by_hint.as_deref(),
        Some(new_view.hint.as_str())
    );
    assert_eq!(
        new_view.replaces_hint.as_deref(),
        Some(old_view.hint.as_str())
    );
}

#[tokio::test]
async fn during_a_grace_period_both_tokens_work_and_then_only_the_new_one() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (old, old_secret) = app
        .insert_restricted_token(
            alice,
            "ci",
            app.now(),
            None,
            TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ..Default::default()
            },
        )
        .await;
    let cookie = app.sign_in("alice").await;

    let new: CreatedToken = rotate(&app, &cookie, old.id, "30", "1h").await.json();
    assert!(works(&app, &old_secret).await);
    assert!(works(&app, &new.secret).await);
    let tokens = listed(&app, &cookie).await;
    let old_view = tokens.iter().find(|t| t.id == old.id).unwrap();
    assert_eq!(old_view.status.words(), "Active");
    assert_eq!(old_view.expires_at, Some(app.now() + Duration::hours(1)));

    app.clock.advance(Duration::minutes(59));
    assert!(works(&app, &old_secret).await);
    app.clock.advance(Duration::minutes(2));
    assert!(!works(&app, &old_secret).await);
    assert!(works(&app, &new.secret).await);

    // Rotating twice in a row works; the first successor then stops.
    let cookie = app.sign_in("alice").await;
    let newer: CreatedToken = rotate(&app, &cookie, new.token.id, "30", "none")
        .await
        .json();
    assert!(!works(&app, &new.secret).await);
    assert!(works(&app, &newer.secret).await);
    let tokens = listed(&app, &cookie).await;
    let middle = tokens.iter().find(|t| t.id == new.token.id).unwrap();
    assert!(middle.replaces_hint.is_some() && middle.replaced_by_hint.is_some());
}

#[tokio::test]
async fn expired_and_other_peoples_tokens_are_not_rotated() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    let gone = app
        .insert_token(
            alice,
            "gone",
            app.now() - Duration::days(40),
            Some(app.now() - Duration::days(10)),
        )
        .await;
    let brunos = app.insert_token(bruno, "his", app.now(), None).await;
    let cookie = app.sign_in("alice").await;

    let answer = rotate(&app, &cookie, gone.id, "30", "none").await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
    let answer = rotate(&app, &cookie, brunos.id, "30", "none").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    let answer = rotate(&app, &cookie, brunos.id, "30", "2h").await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(listed(&app, &cookie).await.len(), 1);

    // An admin rotates anyone's token, from the report.
    app.add_user("root", Role::Admin).await;
    let admin = app.sign_in("root").await;
    let answer = rotate(&app, &admin, brunos.id, "7", "24h").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let rotated: CreatedToken = answer.json();
    assert_eq!(
        rotated.token.expires_at,
        Some(app.now() + Duration::days(7))
    );
}

#[tokio::test]
async fn the_api_rotates_the_callers_token_with_its_old_length_by_default() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let created = app.now() - Duration::days(1);
    let (old, old_secret) = app
        .insert_restricted_token(
            alice,
            "api",
            created,
            Some(created + Duration::days(60)),
            TokenRestrictions {
                permissions: vec!["profile:read".into(), "tokens:write".into()],
                ..Default::default()
            },
        )
        .await;
    let path = format!("/api/v1/tokens/{}/rotate", old.id);

    let refused = app
        .api(
            "POST",
            &path,
            &old_secret,
            Some(json!({ "grace": "1d" })),
            &[],
            None,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.json::<Value>()["field"], "grace");

    let answer = app
        .api(
            "POST",
            &path,
            &old_secret,
            Some(json!({ "grace": "24h" })),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let body: Value = answer.json();
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert_eq!(body["token"]["replaces"], old.id);
    assert_eq!(body["token"]["label"], "api");
    let expected =
        (app.now() + Duration::days(60)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(body["token"]["expires_at"], expected);
    assert!(works(&app, &old_secret).await);
    assert!(works(&app, &secret).await);

    // A token the caller does not own is not found.
    let missing = app
        .api(
            "POST",
            "/api/v1/tokens/999999/rotate",
            &secret,
            Some(json!({})),
            &[],
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
}
