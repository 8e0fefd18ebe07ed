//! Admin → Security: the company IP allowlist at sign-in and on token use, the lock-out
//! confirmation, and the maximum token lifetime.

use crate::common;

use app::users::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::{json, Value};

async fn save_allowlist(
    app: &TestApp,
    cookie: &str,
    entries: Value,
    confirm: bool,
) -> common::Answer {
    app.call_json(
        "security/allowlist",
        json!({"entries": entries, "confirm_lockout": confirm}),
        cookie,
    )
    .await
}

#[tokio::test]
async fn an_allowlist_blocks_sign_in_from_outside_even_with_the_right_password() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let admin = app.sign_in("ada").await; // from the default peer 203.0.113.7
    let saved = save_allowlist(
        &app,
        &admin,
        json!([{"address": "203.0.113.0", "bits": 24}, {"address": "10.20.0.0", "bits": 16}]),
        false,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let view: Value = saved.json();
    assert_eq!(view["allowlist"].as_array().unwrap().len(), 2);

    let inside = app.sign_in_from("10.20.255.1", &[], "alice").await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
    let outside = app.sign_in_from("10.21.0.1", &[], "alice").await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert!(
        outside.body.contains("NetworkNotAllowed"),
        "{}",
        outside.body
    );
    // A wrong password from outside hears the same: nothing about the password leaks.
    let wrong = app
        .send_from(
            "10.21.0.1",
            http::Request::post("/rpc/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(
                    "username=alice&password=wrong-password-123",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions, 2, "only the admin's and the inside sign-in");
}

#[tokio::test]
async fn an_allowlist_blocks_token_use_from_outside() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    let admin = app.sign_in("ada").await;
    assert_eq!(
        app.api("GET", "/api/v1/me", &token, None, &[], Some("192.0.2.1"))
            .await
            .status,
        StatusCode::OK
    );
    let saved = save_allowlist(
        &app,
        &admin,
        json!([{"address": "203.0.113.0", "bits": 24}]),
        false,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    // Effective on the next request: the saved list replaced the cached one.
    let outside = app
        .api("GET", "/api/v1/me", &token, None, &[], Some("192.0.2.1"))
        .await;
    assert_eq!(outside.status, StatusCode::UNAUTHORIZED);
    let inside = app
        .api("GET", "/api/v1/me", &token, None, &[], Some("203.0.113.99"))
        .await;
    assert_eq!(inside.status, StatusCode::OK);

    // Emptying the list lets everyone in again.
    let emptied = save_allowlist(&app, &admin, json!([]), false).await;
    assert_eq!(emptied.status, StatusCode::OK);
    assert_eq!(
        app.api("GET", "/api/v1/me", &token, None, &[], Some("192.0.2.1"))
            .await
            .status,
        StatusCode::OK
    );
    app.sign_in_from("192.0.2.1", &[], "alice").await;
}

#[tokio::test]
async fn excluding_your_own_address_needs_a_confirmation_naming_it() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let admin = app.sign_in("ada").await;
    let entries = json!([{"address": "10.0.0.0", "bits": 8}]);
    let asked = save_allowlist(&app, &admin, entries.clone(), false).await;
    assert_eq!(asked.status, StatusCode::CONFLICT, "{}", asked.body);
    assert!(
        asked.body.contains("LockoutRisk") && asked.body.contains("203.0.113.7"),
        "{}",
        asked.body
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ip_allowlist")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing saved without the confirmation");

    let confirmed = save_allowlist(&app, &admin, entries, true).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    let outside = app.sign_in_answer("ada", common::PASSWORD).await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn invalid_entries_are_named_and_the_saved_list_is_kept() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let admin = app.sign_in("ada").await;
    save_allowlist(
        &app,
        &admin,
        json!([{"address": "203.0.113.0", "bits": 24}]),
        false,
    )
    .await;
    for (entries, words) in [
        (
            json!([{"address": "203.0.113.0", "bits": 24}, {"address": "10.0.0.1", "bits": 12}]),
            "Entry 2",
        ),
        (json!([{"address": "not-an-ip", "bits": 8}]), "not-an-ip"),
        (json!([{"address": "2001:db8::", "bits": 129}]), "129"),
    ] {
        let answer = save_allowlist(&app, &admin, entries, true).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body.contains(words), "{words}: {}", answer.body);
    }
    let settings = app.call("security/settings", &[], Some(&admin)).await;
    let view: Value = settings.json();
    assert_eq!(
        view["allowlist"],
        json!([{"address": "203.0.113.0", "bits": 24}])
    );
    assert_eq!(view["your_address"], "203.0.113.7");
}

#[tokio::test]
async fn ipv6_entries_use_prefix_lengths() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let admin = app.sign_in("ada").await;
    let saved = save_allowlist(
        &app,
        &admin,
        json!([{"address": "203.0.113.7", "bits": 32}, {"address": "2001:db8:aa::", "bits": 48}]),
        false,
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        app.sign_in_from("2001:db8:aa:1::5", &[], "alice")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.sign_in_from("2001:db8:ab::5", &[], "alice")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn only_admins_see_or_change_security() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    assert_eq!(
        app.call("security/settings", &[], Some(&cookie))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        save_allowlist(&app, &cookie, json!([]), true).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(
            "security/lifetime",
            &[("max_token_days", "5")],
            Some(&cookie)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let page = app.get("/admin/security", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

async fn create(app: &TestApp, cookie: &str, length: &str, custom: &str) -> common::Answer {
    app.create_via_form(cookie, &[("length", length), ("custom_expiry", custom)])
        .await
}

#[tokio::test]
async fn a_maximum_lifetime_hides_and_refuses_longer_tokens() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let admin = app.sign_in("ada").await;
    let alice = app.sign_in("alice").await;

    let options: Value = app.call("tokens/options", &[], Some(&alice)).await.json();
    let values = |options: &Value| -> Vec<String> {
        options["lengths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| pair[0].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        values(&options),
        ["7", "30", "60", "90", "365", "custom", "never"]
    );
    assert_eq!(
        create(&app, &alice, "never", "").await.status,
        StatusCode::OK
    );

    for bad in ["0", "abc", "3651"] {
        let answer = app
            .call(
                "security/lifetime",
                &[("max_token_days", bad)],
                Some(&admin),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let saved = app
        .call(
            "security/lifetime",
            &[("max_token_days", "60")],
            Some(&admin),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    let options: Value = app.call("tokens/options", &[], Some(&alice)).await.json();
    assert_eq!(values(&options), ["7", "30", "60", "custom"]);
    assert_eq!(options["max_token_days"], 60);
    assert_eq!(create(&app, &alice, "60", "").await.status, StatusCode::OK);
    for (length, custom) in [
        ("never", ""),
        ("90", ""),
        ("365", ""),
        ("custom", "2027-01-23T09:01"),
    ] {
        let answer = create(&app, &alice, length, custom).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{length} {custom}"
        );
        assert!(answer.body.contains("at most 60 days"), "{}", answer.body);
    }
    // 2026-11-23 09:00 plus 60 days, to the minute.
    assert_eq!(
        create(&app, &alice, "custom", "2027-01-22T09:00")
            .await
            .status,
        StatusCode::OK
    );

    // The API obeys the same maximum.
    let alice_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'alice'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let token = app.token_with(alice_id, "tokens:write").await;
    let never = app
        .api(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(json!({"label": "n", "permissions": ["tokens:write"], "never_expires": true})),
            &[],
            None,
        )
        .await;
    assert_eq!(never.status, StatusCode::UNPROCESSABLE_ENTITY);

    let cleared = app
        .call("security/lifetime", &[("max_token_days", "")], Some(&admin))
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(
        create(&app, &alice, "never", "").await.status,
        StatusCode::OK
    );
}

/// At most 100 allowlist entries are kept; repeats do not count, and more is refused with
/// the reason, the saved list unchanged.
#[tokio::test]
async fn the_allowlist_holds_at_most_a_hundred_entries() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let admin = app.sign_in("ada").await;
    let entry = |n: u32| json!({"address": format!("10.{}.{}.0", n / 256, n % 256), "bits": 24});
    // The admin's own network first, so that no lock-out needs confirming.
    let mut hundred = vec![json!({"address": "203.0.113.0", "bits": 24})];
    hundred.extend((1..100).map(entry));
    let mut with_repeats = hundred.clone();
    with_repeats.extend((1..100).map(entry));
    let saved = save_allowlist(&app, &admin, Value::Array(with_repeats), false).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        saved.json::<Value>()["allowlist"].as_array().unwrap().len(),
        100
    );

    let mut too_many = hundred.clone();
    too_many.push(entry(100));
    let refused = save_allowlist(&app, &admin, Value::Array(too_many), false).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("At most 100 entries"),
        "{}",
        refused.body
    );
    let kept = app.call("security/settings", &[], Some(&admin)).await;
    assert_eq!(
        kept.json::<Value>()["allowlist"].as_array().unwrap().len(),
        100
    );
}
