//! Deactivating a token for a while and reactivating it, through the real router: from the
//! profile's server functions, the report (admins) and the API, each secret tried against
//! `/api/v1/me` at every step.

use crate::common;

use app::report::ReportView;
use app::store::{TokenRecord, TokenRestrictions, UserId};
use app::tokens::TokenView;
use app::users::Role;
use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use http::StatusCode;
use serde_json::{json, Value};

async fn works(app: &TestApp, secret: &str) -> bool {
    let answer = app.bearer("/api/v1/me", secret).await;
    if answer.status == StatusCode::UNAUTHORIZED {
        let body: Value = answer.json();
        assert_eq!(body["error"], "invalid_token");
    }
    answer.status == StatusCode::OK
}

/// The form's `datetime-local` value of `at`, for a browser on UTC.
fn local(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

async fn deactivate(app: &TestApp, cookie: &str, id: i64, until: &str) -> common::Answer {
    let id = id.to_string();
    app.call(
        "tokens/deactivate",
        &[("id", &id), ("until", until), ("utc_offset_minutes", "0")],
        Some(cookie),
    )
    .await
}

async fn reactivate(app: &TestApp, cookie: &str, id: i64) -> common::Answer {
    let id = id.to_string();
    app.call("tokens/reactivate", &[("id", &id)], Some(cookie))
        .await
}

async fn token_of(app: &TestApp, owner: UserId, days: i64) -> (TokenRecord, String) {
    let restrictions = TokenRestrictions {
        permissions: vec!["profile:read".into()],
        ..Default::default()
    };
    let expires = Some(app.now() + Duration::days(days));
    app.insert_restricted_token(owner, "paused bot", app.now(), expires, restrictions)
        .await
}

#[tokio::test]
async fn a_deactivated_token_is_refused_until_its_time_then_works_again() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (token, secret) = token_of(&app, alice, 30).await;
    let cookie = app.sign_in("alice").await;
    assert!(works(&app, &secret).await, "cached as active first");

    // Whole minutes: the form gives no seconds.
    let until = app.now() + Duration::hours(2) + Duration::minutes(1);
    let answer = deactivate(&app, &cookie, token.id, &local(until)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let view: TokenView = answer.json();
    assert_eq!(view.status.words(), "Deactivated");
    assert_eq!(view.deactivated_by.as_deref(), Some("Alice Example"));
    let until = view.deactivated_until.unwrap();
    assert!(!works(&app, &secret).await);

    app.clock.advance(until - app.now() - Duration::seconds(1));
    assert!(!works(&app, &secret).await, "a second before its time");
    app.clock.advance(Duration::seconds(1));
    assert!(works(&app, &secret).await, "works again by itself");

    // Deactivated again, then reactivated early.
    let later = local(app.now() + Duration::days(1));
    assert_eq!(
        deactivate(&app, &cookie, token.id, &later).await.status,
        StatusCode::OK
    );
    assert!(!works(&app, &secret).await);
    let answer = reactivate(&app, &cookie, token.id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let view: TokenView = answer.json();
    assert_eq!(view.status.words(), "Active");
    assert_eq!(view.deactivated_until, None);
    assert!(works(&app, &secret).await);

    let again = reactivate(&app, &cookie, token.id).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("not deactivated"), "{}", again.body);
}

#[tokio::test]
async fn times_that_make_no_sense_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (token, secret) = token_of(&app, alice, 3).await;
    let cookie = app.sign_in("alice").await;
    for (until, message) in [
        (
            String::new(),
            "Enter the date and time the token should work again.",
        ),
        (
            "next tuesday".to_owned(),
            "Enter the date and time as YYYY-MM-DD HH:MM.",
        ),
        (
            local(app.now() - Duration::hours(1)),
            "Choose a time in the future.",
        ),
        (
            local(app.now() + Duration::days(4)),
            "Choose a time before the token expires",
        ),
    ] {
        let answer = deactivate(&app, &cookie, token.id, &until).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{until}");
        let body: Value = answer.json();
        assert_eq!(
            body["Invalid"]["field"], "DeactivatedUntil",
            "{}",
            answer.body
        );
        let said = body["Invalid"]["message"].as_str().unwrap();
        assert!(said.starts_with(message), "{said}");
    }
    assert!(works(&app, &secret).await);

    // Someone else's token is not found; an admin may deactivate it.
    app.add_user("bruno", Role::User).await;
    app.add_user("root", Role::Admin).await;
    let bruno = app.sign_in("bruno").await;
    let until = local(app.now() + Duration::hours(1));
    let foreign = deactivate(&app, &bruno, token.id, &until).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let root = app.sign_in("root").await;
    let by_admin = deactivate(&app, &root, token.id, &until).await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.body);
    let view: TokenView = by_admin.json();
    assert_eq!(view.deactivated_by.as_deref(), Some("Root Example"));

    // The Deactivated example report lists it; Active Tokens no longer does.
    let report = |preset: &'static str| {
        let root = root.clone();
        let app = &app;
        async move {
            let answer = app
                .call("report/users", &[("query", preset)], Some(&root))
                .await;
            let view: ReportView = answer.json();
            view.users
                .iter()
                .flat_map(|user| user.tokens.iter().map(|token| token.id))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(report("preset=deactivated").await, [token.id]);
    assert!(!report("preset=active-tokens").await.contains(&token.id));

    // Expiring ends it for good: it cannot be reactivated or deactivated any more.
    let id = token.id.to_string();
    let expired = app
        .call("tokens/expire", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    assert_eq!(
        reactivate(&app, &cookie, token.id).await.status,
        StatusCode::CONFLICT
    );
    let answer = deactivate(&app, &cookie, token.id, &until).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(report("preset=deactivated").await.is_empty());
}

#[tokio::test]
async fn the_api_deactivates_and_reactivates_the_callers_tokens() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let manager = app.token_with(alice, "tokens:write").await;
    let (token, secret) = token_of(&app, alice, 30).await;
    let path = |action: &str| format!("/api/v1/tokens/{}/{action}", token.id);

    let until = app.now() + Duration::days(2);
    let answer = app
        .api(
            "POST",
            &path("deactivate"),
            &manager,
            Some(json!({ "until": until })),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body: Value = answer.json();
    assert_eq!(body["status"], "deactivated");
    assert_eq!(body["deactivated_until"], json!(until));
    assert!(!works(&app, &secret).await);

    let late = app
        .api(
            "POST",
            &path("deactivate"),
            &manager,
            Some(json!({ "until": app.now() + Duration::days(31) })),
            &[],
            None,
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    let body: Value = late.json();
    assert_eq!(body["field"], "until");
    let unreadable = app
        .api(
            "POST",
            &path("deactivate"),
            &manager,
            Some(json!({ "until": "soon" })),
            &[],
            None,
        )
        .await;
    assert_eq!(
        unreadable.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unreadable.body
    );

    let answer = app
        .api("POST", &path("reactivate"), &manager, None, &[], None)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body: Value = answer.json();
    assert_eq!(body["status"], "active");
    assert_eq!(body["deactivated_until"], Value::Null);
    assert!(works(&app, &secret).await);

    // Someone else's token is not found.
    let bruno = app.add_user("bruno", Role::User).await;
    let stranger = app.token_with(bruno, "tokens:write").await;
    let foreign = app
        .api("POST", &path("reactivate"), &stranger, None, &[], None)
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}
