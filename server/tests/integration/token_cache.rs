//! The validation path's cache: repeated checks stay off the database, and every change a
//! person makes in Tessera reaches the very next check.

use crate::common;

use app::rules::token::PlainToken;
use app::store::{Audit, NewToken, TokenRestrictions};
use app::users::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

async fn auth(app: &TestApp, token: &str, scope: &str) -> StatusCode {
    app.bearer(&format!("/api/v1/auth?scope={scope}"), token)
        .await
        .status
}

fn store_calls(app: &TestApp) -> usize {
    app.bearer_store.lookups.load(Ordering::SeqCst)
}

#[tokio::test]
async fn repeated_checks_of_a_valid_token_query_the_database_once() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    for _ in 0..100 {
        assert_eq!(auth(&app, &token, "profile:read").await, StatusCode::OK);
        assert_eq!(
            app.bearer("/api/v1/me", &token).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(store_calls(&app), 1);
}

#[tokio::test]
async fn each_token_gets_its_own_answer_however_often_it_asks() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bob = app.add_user("bob", Role::User).await;
    let tokens = [
        ("alice", app.token_with(alice, "profile:read").await),
        ("bob", app.token_with(bob, "profile:read tokens:read").await),
    ];
    // The answers are written once per token; asking in turn shows none is given to the
    // other token.
    for _ in 0..3 {
        for (owner, token) in &tokens {
            let me = app.bearer("/api/v1/me", token).await;
            assert_eq!(me.status, StatusCode::OK, "{}", me.body);
            assert_eq!(me.json::<Value>()["user"]["username"], *owner);
            let gateway = app.bearer("/api/v1/auth", token).await;
            assert_eq!(gateway.header("x-tessera-user"), Some(*owner));
        }
    }
    let bobs = app.bearer("/api/v1/auth", &tokens[1].1).await;
    assert_eq!(
        bobs.header("x-tessera-scopes"),
        Some("profile:read tokens:read")
    );
}

#[tokio::test]
async fn malformed_tokens_never_reach_the_store_and_unknown_ones_once() {
    let app = TestApp::new().await;
    let plain = PlainToken::generate(&mut rand::rng()).into_secret();
    let mut bad_checksum = plain[..47].to_owned();
    bad_checksum.push(if plain.ends_with('A') { 'B' } else { 'A' });
    for malformed in [
        bad_checksum.as_str(),
        "tsr1short",
        &plain[..40],
        "ghp_abcdefghijklmnop",
    ] {
        // Under the address's allowance of failures: this is about the database.
        assert_eq!(auth(&app, malformed, "").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(store_calls(&app), 0);

    for _ in 0..20 {
        assert_eq!(auth(&app, &plain, "").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(store_calls(&app), 1, "the miss is remembered");
}

#[tokio::test]
async fn a_token_remembered_as_unknown_works_once_it_exists() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let plain = PlainToken::generate(&mut rand::rng());
    let (secret_hash, hint) = (plain.hash(), plain.hint());
    let secret = plain.into_secret();
    assert_eq!(auth(&app, &secret, "").await, StatusCode::UNAUTHORIZED);
    app.store
        .insert_token(
            NewToken {
                user_id: alice,
                label: "late".into(),
                description: String::new(),
                secret_hash,
                hint,
                created_at: app.now(),
                expires_at: None,
                restrictions: TokenRestrictions {
                    permissions: vec!["profile:read".into()],
                    ..Default::default()
                },
            },
            &Audit::by_user(alice, app.now()),
        )
        .await
        .unwrap();
    assert_eq!(auth(&app, &secret, "").await, StatusCode::OK);
}

#[tokio::test]
async fn expiring_a_token_on_the_profile_page_stops_it_at_once() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let created: Value = app
        .create_via_form(&cookie, &[("label", "cached")])
        .await
        .json();
    let secret = created["secret"].as_str().unwrap();
    let id = created["token"]["id"].to_string();
    assert_eq!(
        auth(&app, secret, "").await,
        StatusCode::OK,
        "now in the cache"
    );

    let expired = app
        .call("tokens/expire", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    assert_eq!(auth(&app, secret, "").await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.bearer("/api/v1/me", secret).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn expiring_a_token_through_the_api_stops_it_at_once() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let manager = app.token_with(alice, "tokens:write").await;
    let (victim, secret) = app
        .insert_restricted_token(
            alice,
            "victim",
            app.now(),
            None,
            TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ..Default::default()
            },
        )
        .await;
    assert_eq!(auth(&app, &secret, "").await, StatusCode::OK);
    let deleted = app
        .api(
            "DELETE",
            &format!("/api/v1/tokens/{}", victim.id),
            &manager,
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(auth(&app, &secret, "").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admins_changes_to_a_user_reach_the_next_check() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let ada = app.add_user("ada", Role::Admin).await;
    let root = app.sign_in("root").await;
    let token = app.token_with(ada, "reports:read profile:read").await;
    assert_eq!(auth(&app, &token, "reports:read").await, StatusCode::OK);

    let update = |role: &'static str, expire: &'static str| {
        let id = ada.to_string();
        let root = root.clone();
        let app = &app;
        async move {
            app.call(
                "users/update",
                &[
                    ("user_id", id.as_str()),
                    ("role", role),
                    ("login_active", "true"),
                    ("current", "true"),
                    ("expire_active_tokens", expire),
                ],
                Some(&root),
            )
            .await
        }
    };
    let demoted = update("User", "false").await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
    assert_eq!(
        auth(&app, &token, "reports:read").await,
        StatusCode::FORBIDDEN
    );
    let scopes = app.bearer("/api/v1/auth", &token).await;
    assert_eq!(scopes.header("x-tessera-scopes"), Some("profile:read"));

    let expired = update("User", "true").await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    assert_eq!(
        auth(&app, &token, "profile:read").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn removing_a_permission_or_narrowing_the_allowlist_reaches_the_next_check() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let root = app.sign_in("root").await;
    let added = app
        .call(
            "permissions/add",
            &[
                ("name", "billing:read"),
                ("description", "Read invoices."),
                ("admin_only", "false"),
            ],
            Some(&root),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let token = app.token_with(alice, "profile:read billing:read").await;
    assert_eq!(auth(&app, &token, "billing:read").await, StatusCode::OK);
    let told = app.bearer("/api/v1/auth", &token).await;
    assert_eq!(
        told.header("x-tessera-scopes"),
        Some("profile:read billing:read")
    );

    let removed = app
        .call(
            "permissions/remove",
            &[("name", "billing:read")],
            Some(&root),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(
        auth(&app, &token, "billing:read").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(auth(&app, &token, "profile:read").await, StatusCode::OK);
    let told = app.bearer("/api/v1/auth", &token).await;
    assert_eq!(told.header("x-tessera-scopes"), Some("profile:read"));
    // The catalogue alone would refuse it while the name is gone; a permission added again
    // under that name shows whether the token's remembered list was dropped too.
    let added_again = app
        .call(
            "permissions/add",
            &[
                ("name", "billing:read"),
                ("description", "Read invoices, again."),
                ("admin_only", "false"),
            ],
            Some(&root),
        )
        .await;
    assert_eq!(added_again.status, StatusCode::OK, "{}", added_again.body);
    assert_eq!(
        auth(&app, &token, "billing:read").await,
        StatusCode::FORBIDDEN,
        "the token lost billing:read for good"
    );

    // The test peer is 203.0.113.7; the admin keeps their own network in the list.
    let saved = app
        .call_json(
            "security/allowlist",
            json!({"entries": [{"address": "203.0.113.0", "bits": 24}], "confirm_lockout": false}),
            &root,
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(auth(&app, &token, "profile:read").await, StatusCode::OK);
    let narrowed = app
        .call_json(
            "security/allowlist",
            json!({"entries": [{"address": "198.51.100.0", "bits": 24}], "confirm_lockout": true}),
            &root,
        )
        .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.body);
    assert_eq!(
        auth(&app, &token, "profile:read").await,
        StatusCode::UNAUTHORIZED
    );
}
