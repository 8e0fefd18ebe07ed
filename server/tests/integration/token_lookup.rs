//! An admin pastes a secret found somewhere into the report and learns whose token it is,
//! its state and last use; nobody else may ask.

use crate::common;

use app::report::lookup::LookupAnswer;
use app::rules::token::PlainToken;
use app::store::TokenRestrictions;
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::StatusCode;

async fn look_up(app: &TestApp, cookie: &str, secret: &str) -> LookupAnswer {
    let answer = app
        .call("report/lookup-token", &[("secret", secret)], Some(cookie))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

#[tokio::test]
async fn an_admin_finds_the_owner_state_and_last_use_of_a_pasted_secret() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let (token, secret) = app
        .insert_restricted_token(
            alice,
            "deploy bot",
            app.now(),
            Some(app.now() + Duration::days(30)),
            TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ..Default::default()
            },
        )
        .await;
    let used = app
        .api(
            "GET",
            "/api/v1/me",
            &secret,
            None,
            &[],
            Some("203.0.113.50"),
        )
        .await;
    assert_eq!(used.status, StatusCode::OK);
    app.usage.flush().await;
    let ada = app.sign_in("ada").await;

    // Pasted with the blanks a copy often brings along.
    let LookupAnswer::Found(found) = look_up(&app, &ada, &format!("  {secret}\n")).await else {
        panic!("the token was not found");
    };
    assert_eq!(found.owner_username, "alice");
    assert_eq!(found.owner_display_name, "Alice Example");
    assert_eq!(found.token.id, token.id);
    assert_eq!(found.token.label, "deploy bot");
    assert_eq!(found.token.status.words(), "Active");
    assert_eq!(found.token.last_used_ip.as_deref(), Some("203.0.113.50"));
    assert!(found.token.last_used_at.is_some());

    // Expired, it is still found, as expired.
    let expired = app
        .call(
            "tokens/expire",
            &[("id", &token.id.to_string())],
            Some(&ada),
        )
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    let LookupAnswer::Found(found) = look_up(&app, &ada, &secret).await else {
        panic!("the expired token was not found");
    };
    assert_eq!(found.token.status.words(), "Expired manually");

    let unknown = PlainToken::generate(&mut rand::rng()).into_secret();
    assert_eq!(look_up(&app, &ada, &unknown).await, LookupAnswer::Unknown);
    assert_eq!(
        look_up(&app, &ada, &secret[..47]).await,
        LookupAnswer::NotATesseraSecret
    );
    assert_eq!(
        look_up(&app, &ada, "hello").await,
        LookupAnswer::NotATesseraSecret
    );
}

#[tokio::test]
async fn only_admins_may_look_up_a_secret() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (_, secret) = app
        .insert_restricted_token(alice, "mine", app.now(), None, Default::default())
        .await;
    let cookie = app.sign_in("alice").await;
    let answer = app
        .call("report/lookup-token", &[("secret", &secret)], Some(&cookie))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let anonymous = app
        .call("report/lookup-token", &[("secret", &secret)], None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
