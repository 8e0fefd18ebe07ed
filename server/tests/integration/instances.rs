//! Several instances on one PostgreSQL database, as behind a load balancer: a change made
//! through one holds on the others as soon as the request that made it has answered. Each
//! instance has its own memory and its own change listener. SQLite serves one instance, so
//! these run in the PostgreSQL pass only.

use crate::common;

use app::store::{TokenId, TokenRecord, TokenRestrictions, UserId};
use app::users::Role;
use common::TestApp;
use http::{header, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tessera::changes::TRUST_WITHOUT_PROOF;

/// Three instances, or `None` (with a note) on SQLite.
async fn three() -> Option<[TestApp; 3]> {
    let Some(instances) = TestApp::instances(3).await else {
        eprintln!("SQLite serves one instance: several instances are tested on PostgreSQL");
        return None;
    };
    Some(instances.try_into().ok().unwrap())
}

async fn auth(app: &TestApp, token: &str, scope: &str) -> StatusCode {
    app.bearer(&format!("/api/v1/auth?scope={scope}"), token)
        .await
        .status
}

/// An admin, ada, signed in on `instance`, and an ordinary user, alice: ada's session
/// cookie and alice's id.
async fn admin_and_user(instance: &TestApp) -> (String, UserId) {
    instance.add_user("ada", Role::Admin).await;
    let alice = instance.add_user("alice", Role::User).await;
    (instance.sign_in("ada").await, alice)
}

/// A server function call that must succeed.
async fn call_ok(instance: &TestApp, endpoint: &str, form: &[(&str, &str)], cookie: &str) {
    let answer = instance.call(endpoint, form, Some(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{endpoint}: {}", answer.body);
}

/// A new token of `owner` holding profile:read: its record and its secret.
async fn profile_reader(instance: &TestApp, owner: UserId) -> (TokenRecord, String) {
    let restrictions = permissions("profile:read");
    instance
        .insert_restricted_token(owner, "victim", instance.now(), None, restrictions)
        .await
}

async fn expire_through_api(instance: &TestApp, manager: &str, token: TokenId) {
    let path = format!("/api/v1/tokens/{token}");
    let deleted = instance
        .api("DELETE", &path, manager, None, &[], None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
}

fn permissions(names: &str) -> TokenRestrictions {
    TokenRestrictions {
        permissions: app::rules::permission::split_scopes(names),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_token_expired_on_one_instance_is_refused_by_the_others() {
    let Some([a, b, c]) = three().await else {
        return;
    };
    a.add_user("alice", Role::User).await;
    let cookie = a.sign_in("alice").await;
    let created: Value = a.create_via_form(&cookie, &[]).await.json();
    let secret = created["secret"].as_str().unwrap();
    for instance in [&a, &b, &c] {
        assert_eq!(auth(instance, secret, "").await, StatusCode::OK, "cached");
    }

    let id = created["token"]["id"].to_string();
    call_ok(&a, "tokens/expire", &[("id", &id)], &cookie).await;
    for instance in [&a, &b, &c] {
        assert_eq!(auth(instance, secret, "").await, StatusCode::UNAUTHORIZED);
        let me = instance.bearer("/api/v1/me", secret).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_token_expired_through_the_api_is_refused_everywhere() {
    let Some([a, b, c]) = three().await else {
        return;
    };
    let alice = a.add_user("alice", Role::User).await;
    let manager = a.token_with(alice, "tokens:write").await;
    let (victim, secret) = profile_reader(&a, alice).await;
    assert_eq!(auth(&b, &secret, "").await, StatusCode::OK);
    assert_eq!(auth(&c, &secret, "").await, StatusCode::OK);
    expire_through_api(&a, &manager, victim.id).await;
    assert_eq!(auth(&b, &secret, "").await, StatusCode::UNAUTHORIZED);
    assert_eq!(auth(&c, &secret, "").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_allowlist_saved_on_one_instance_refuses_sign_in_on_another() {
    let Some([a, b, _]) = three().await else {
        return;
    };
    a.add_user("ada", Role::Admin).await;
    a.add_user("alice", Role::User).await;
    let outside = b.sign_in_from("10.21.0.1", &[], "alice").await;
    assert_eq!(
        outside.status,
        StatusCode::OK,
        "no list yet: {}",
        outside.body
    );

    let admin = a.sign_in("ada").await; // from 203.0.113.7
    let saved = a
        .call_json(
            "security/allowlist",
            json!({"entries": [{"address": "203.0.113.0", "bits": 24}], "confirm_lockout": false}),
            &admin,
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let outside = b.sign_in_from("10.21.0.1", &[], "alice").await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.body);
    let inside = b.sign_in_from("203.0.113.9", &[], "alice").await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
}

#[tokio::test]
async fn a_maximum_lifetime_set_on_one_instance_bounds_the_form_and_api_of_another() {
    let Some([a, b, _]) = three().await else {
        return;
    };
    let (admin, alice) = admin_and_user(&a).await;
    let cookie = b.sign_in("alice").await;
    let writer = a.token_with(alice, "profile:read tokens:write").await;
    let year = json!({"label": "long", "permissions": ["profile:read"], "expires_in_days": 365});
    let answer = b
        .api(
            "POST",
            "/api/v1/tokens",
            &writer,
            Some(year.clone()),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);

    call_ok(&a, "security/lifetime", &[("max_token_days", "30")], &admin).await;
    let options: Value = b.call("tokens/options", &[], Some(&cookie)).await.json();
    assert_eq!(options["max_token_days"], 30);
    let form = b.create_via_form(&cookie, &[("length", "365")]).await;
    assert_eq!(
        form.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        form.body
    );
    let api = b
        .api("POST", "/api/v1/tokens", &writer, Some(year), &[], None)
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
}

#[tokio::test]
async fn a_permission_removed_on_one_instance_cannot_be_granted_on_another() {
    let Some([a, b, _]) = three().await else {
        return;
    };
    let (admin, alice) = admin_and_user(&a).await;
    call_ok(
        &a,
        "permissions/add",
        &[
            ("name", "billing:read"),
            ("description", "Invoices."),
            ("admin_only", "false"),
        ],
        &admin,
    )
    .await;
    let cookie = b.sign_in("alice").await;
    let token = a.token_with(alice, "profile:read billing:read").await;
    assert_eq!(auth(&b, &token, "billing:read").await, StatusCode::OK);
    let granted = b
        .create_via_form(&cookie, &[("permissions", "billing:read")])
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);

    call_ok(
        &a,
        "permissions/remove",
        &[("name", "billing:read")],
        &admin,
    )
    .await;
    let refused = b
        .create_via_form(&cookie, &[("permissions", "billing:read")])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        auth(&b, &token, "billing:read").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(auth(&b, &token, "profile:read").await, StatusCode::OK);
}

#[tokio::test]
async fn a_session_deactivated_on_one_instance_is_sent_to_sign_in_on_another() {
    let Some([a, b, _]) = three().await else {
        return;
    };
    a.add_user("alice", Role::User).await;
    let laptop = a.sign_in("alice").await;
    let phone = b.sign_in("alice").await;
    assert_eq!(b.get("/profile", Some(&phone)).await.status, StatusCode::OK);
    let recent: Value = a.call("sessions/recent", &[], Some(&laptop)).await.json();
    let phone_id = recent[0]["id"].to_string();

    call_ok(&a, "sessions/deactivate", &[("id", &phone_id)], &laptop).await;
    let page = b.get("/profile", Some(&phone)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header(header::LOCATION), Some("/login"));
}

#[tokio::test]
async fn an_owner_losing_the_admin_role_on_one_instance_loses_admin_permissions_on_another() {
    let Some([a, b, c]) = three().await else {
        return;
    };
    a.add_user("root", Role::Admin).await;
    let ada = a.add_user("ada", Role::Admin).await;
    let root = a.sign_in("root").await;
    let token = a.token_with(ada, "reports:read profile:read").await;
    assert_eq!(auth(&b, &token, "reports:read").await, StatusCode::OK);
    assert_eq!(auth(&c, &token, "reports:read").await, StatusCode::OK);

    let id = ada.to_string();
    call_ok(
        &a,
        "users/update",
        &[
            ("user_id", id.as_str()),
            ("role", "User"),
            ("login_active", "true"),
            ("current", "true"),
            ("expire_active_tokens", "false"),
        ],
        &root,
    )
    .await;
    for instance in [&b, &c] {
        assert_eq!(
            auth(instance, &token, "reports:read").await,
            StatusCode::FORBIDDEN
        );
        let told = instance.bearer("/api/v1/auth", &token).await;
        assert_eq!(told.header("x-tessera-scopes"), Some("profile:read"));
    }
}

/// Ends every change listener's connection, as a database restart or a network cut would.
async fn cut_listeners(app: &TestApp) -> u64 {
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    cut.into_iter().filter(|&done| done).count() as u64
}

#[tokio::test]
async fn with_its_listener_cut_no_instance_accepts_an_expired_token_past_the_bound() {
    let Some([a, b, c]) = three().await else {
        return;
    };
    let alice = a.add_user("alice", Role::User).await;
    let manager = a.token_with(alice, "tokens:write").await;
    let (victim, secret) = profile_reader(&a, alice).await;
    for instance in [&b, &c] {
        assert_eq!(auth(instance, &secret, "").await, StatusCode::OK);
    }

    assert_eq!(cut_listeners(&a).await, 3, "one listener per instance");
    expire_through_api(&a, &manager, victim.id).await;
    let answered = Instant::now();
    // Each instance refuses it at once (it forgot everything when its connection broke) or
    // at the latest when its trust runs out; it must never accept it after that.
    let bound = answered + TRUST_WITHOUT_PROOF;
    while Instant::now() < bound + Duration::from_millis(500) {
        for instance in [&b, &c] {
            // Refusals from one address soon turn into 429s: any refusal will do.
            let status = auth(instance, &secret, "").await;
            assert!(
                status != StatusCode::OK || Instant::now() < bound,
                "accepted {:?} after the expiry answered",
                answered.elapsed()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The listeners come back: memory is trusted again, and changes reach it again.
    for instance in [&a, &b, &c] {
        assert!(
            instance
                .changes
                .wait_for_proof(Duration::from_secs(10))
                .await
        );
    }
    let (other, other_secret) = profile_reader(&a, alice).await;
    // From another address: the first one's refusals are being counted against it.
    let auth_elsewhere = |secret: String| {
        let b = &b;
        async move {
            let peer = Some("198.51.100.20");
            b.api("GET", "/api/v1/auth", &secret, None, &[], peer)
                .await
                .status
        }
    };
    assert_eq!(auth_elsewhere(other_secret.clone()).await, StatusCode::OK);
    expire_through_api(&a, &manager, other.id).await;
    assert_eq!(auth_elsewhere(other_secret).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deactivation_and_a_reactivation_hold_on_every_instance() {
    let Some([a, b, c]) = three().await else {
        return;
    };
    let alice = a.add_user("alice", Role::User).await;
    let manager = a.token_with(alice, "tokens:write").await;
    let (victim, secret) = profile_reader(&a, alice).await;
    for instance in [&a, &b, &c] {
        assert_eq!(auth(instance, &secret, "").await, StatusCode::OK, "cached");
    }
    let until = a.now() + chrono::Duration::hours(3);
    let path = format!("/api/v1/tokens/{}/deactivate", victim.id);
    let body = json!({ "until": until });
    let deactivated = a.api("POST", &path, &manager, Some(body), &[], None).await;
    assert_eq!(deactivated.status, StatusCode::OK, "{}", deactivated.body);
    for instance in [&a, &b, &c] {
        assert_eq!(auth(instance, &secret, "").await, StatusCode::UNAUTHORIZED);
    }
    let path = format!("/api/v1/tokens/{}/reactivate", victim.id);
    let reactivated = b.api("POST", &path, &manager, None, &[], None).await;
    assert_eq!(reactivated.status, StatusCode::OK, "{}", reactivated.body);
    for instance in [&a, &b, &c] {
        assert_eq!(auth(instance, &secret, "").await, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_bulk_expiry_on_one_instance_is_refused_by_the_others() {
    let Some([a, b, c]) = three().await else {
        return;
    };
    let (admin, alice) = admin_and_user(&a).await;
    let (first, first_secret) = profile_reader(&a, alice).await;
    let (second, second_secret) = profile_reader(&a, alice).await;
    for instance in [&b, &c] {
        assert_eq!(auth(instance, &first_secret, "").await, StatusCode::OK);
        assert_eq!(auth(instance, &second_secret, "").await, StatusCode::OK);
    }
    let selection = json!({ "selection": { "Tokens": [first.id, second.id] } });
    let expired = a
        .call_json("tokens/expire-selected", selection, &admin)
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    for instance in [&a, &b, &c] {
        assert_eq!(
            auth(instance, &first_secret, "").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            auth(instance, &second_secret, "").await,
            StatusCode::UNAUTHORIZED
        );
    }
}
