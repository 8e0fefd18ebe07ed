//! The audit trail leaves Tessera three ways, for admins only: the Audit Log's CSV (every
//! event its filters match), `GET /api/v1/audit` walked with a cursor, and nothing at all
//! once the retention admins chose has passed.

use crate::common;

use app::rules::audit::AuditAction;
use app::rules::token::PlainToken;
use app::store::{Audit, NewUser, SeedToken, SeedUser, UserId};
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use tessera::housekeeping::purge_old_audit_events;

/// A user with `count` active tokens and no events, then one bulk expiry by `admin`: one
/// event per token, in one transaction.
async fn expire_many(app: &TestApp, admin: UserId, count: usize) {
    let now = app.now();
    let tokens = (0..count)
        .map(|i| {
            let plain = PlainToken::generate(&mut rand::rng());
            SeedToken {
                label: format!("ci-{i}"),
                secret_hash: plain.hash(),
                hint: plain.hint(),
                created_at: now - Duration::days(1),
                expires_at: None,
                expired_at: None,
                last_used_at: None,
                last_used_ip: None,
                permissions: vec!["profile:read".into()],
            }
        })
        .collect();
    app.store
        .seed(
            vec![SeedUser {
                user: NewUser {
                    username: "many".into(),
                    display_name: "Many Tokens".into(),
                    email: "many@example.com".into(),
                    role: Role::User,
                    password_hash: "not a password".into(),
                },
                login_active: true,
                current: true,
                tokens,
                sign_ins: Vec::new(),
            }],
            now,
        )
        .await
        .unwrap();
    let owner = app
        .store
        .find_credentials("many")
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    let ids: Vec<i64> = app
        .store
        .tokens_of(owner)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    let expired = app
        .store
        .expire_tokens(&ids, &Audit::by_user(admin, now))
        .await
        .unwrap();
    assert_eq!(expired, count as u64);
}

fn csv_rows(body: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn the_csv_holds_every_event_the_filters_match_for_admins_only() {
    let app = TestApp::new().await;
    let ada = app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    app.insert_token(alice, "deploy", app.now(), None).await;
    expire_many(&app, ada, 1_050).await;
    let cookie = app.sign_in("ada").await;

    let all = app.get("/admin/audit.csv", Some(&cookie)).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.header("content-type").unwrap().starts_with("text/csv"));
    assert!(all
        .header("content-disposition")
        .unwrap()
        .contains("audit-log.csv"));
    let header = all.body.lines().next().unwrap();
    assert!(
        header.starts_with("Time (UTC),Action,Actor kind,Actor"),
        "{header}"
    );
    let rows = csv_rows(&all.body);
    // The seeded tokens' creation a day ago, Alice's token, the bulk expiry, Ada's sign-in.
    assert_eq!(
        rows.len(),
        1_050 + 1 + 1_050 + 1,
        "past reads of a thousand"
    );
    let distinct: HashSet<(&str, &str)> = rows.iter().map(|row| (&row[1], &row[7])).collect();
    assert_eq!(distinct.len(), rows.len(), "no event twice");
    // Newest first: Ada signed in after the bulk expiry, which came after Alice's token.
    assert_eq!(&rows[0][1], "sign_in.succeeded");
    assert_eq!(&rows[1][1], "token.expired");
    assert_eq!(&rows[1][3], "Ada Example");
    assert_eq!(&rows[1][4], "ada");
    assert_eq!(&rows[1][9], "many");
    assert!(rows[1][12].contains("\"by\":\"admin\""), "{:?}", &rows[1]);
    assert_eq!(&rows[1_051][1], "token.created");
    assert_eq!(&rows[1_051][4], "alice");
    assert!(rows[1_052..]
        .iter()
        .all(|row| &row[1] == "token.created" && &row[4] == "many"));

    let created = app
        .get(
            "/admin/audit.csv?action=token.created&user=alice",
            Some(&cookie),
        )
        .await;
    let rows = csv_rows(&created.body);
    assert_eq!(rows.len(), 1);
    assert!(rows[0][8].starts_with("deploy (…"), "{:?}", &rows[0]);

    let user = app.sign_in("alice").await;
    assert_eq!(
        app.get("/admin/audit.csv", Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    let signed_out = app.get("/admin/audit.csv", None).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert!(signed_out.header("location").unwrap().starts_with("/login"));
}

#[tokio::test]
async fn the_api_walks_the_trail_with_a_cursor_and_needs_audit_read() {
    let app = TestApp::new().await;
    let ada = app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    for label in ["one", "two", "three", "four", "five"] {
        app.insert_token(alice, label, app.now(), None).await;
        app.clock.advance(Duration::seconds(1));
    }
    let reader = app.token_with(ada, "audit:read").await;

    // Two at a time, newest first, until the cursor runs out; an event added meanwhile
    // does not shift the walk.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let path = format!("/api/v1/audit?action=token.created&user=alice&limit=2&cursor={cursor}");
        let answer = app.bearer(&path, &reader).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let page: Value = answer.json();
        for event in page["events"].as_array().unwrap() {
            seen.push(event["subject_label"].as_str().unwrap().to_owned());
            assert_eq!(event["action"], "token.created");
            assert_eq!(event["subject_owner"], "alice");
        }
        pages += 1;
        if pages == 1 {
            app.insert_token(alice, "six", app.now(), None).await;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    // Five events in pages of two: the last page is not full, or is empty after a full one.
    assert!(pages == 3, "{pages} pages");
    assert_eq!(seen, ["five", "four", "three", "two", "one"]);

    let first: Value = app.bearer("/api/v1/audit?limit=1", &reader).await.json();
    assert_eq!(first["events"][0]["subject_label"], "six");
    assert_eq!(first["events"][0]["actor_username"], "alice");

    for (query, field) in [
        ("cursor=yesterday", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("action=token.eaten", "action"),
    ] {
        let answer = app.bearer(&format!("/api/v1/audit?{query}"), &reader).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(answer.json::<Value>()["field"], field, "{query}");
    }

    let other = app.token_with(ada, "profile:read").await;
    let refused = app.bearer("/api/v1/audit", &other).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json::<Value>()["scope"], "audit:read");

    // Only an admin's token may hold the permission.
    let cookie = app.sign_in("alice").await;
    let create = app
        .call(
            "tokens/create",
            &[
                ("label", "snoop"),
                ("length", "30"),
                ("custom_expiry", ""),
                ("utc_offset_minutes", "0"),
                ("permissions", "audit:read"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        create.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        create.body
    );
}

#[tokio::test]
async fn events_older_than_the_retention_are_deleted_in_batches() {
    let app = TestApp::new().await;
    let ada = app.add_user("ada", Role::Admin).await;
    expire_many(&app, ada, 2_500).await;
    app.clock.advance(Duration::days(20));
    let cookie = app.sign_in("ada").await;
    let alice = app.add_user("alice", Role::User).await;
    app.insert_token(alice, "recent", app.now(), None).await;
    let count = |action: AuditAction| {
        let app = &app;
        async move {
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action = $1")
                    .bind(action.as_str())
                    .fetch_one(&app.db)
                    .await
                    .unwrap();
            n
        }
    };

    // A year by default: nothing goes yet.
    let pause = std::time::Duration::ZERO;
    let purged = purge_old_audit_events(app.store.as_ref(), app.clock.as_ref(), pause).await;
    assert_eq!(purged.unwrap(), 0);

    for bad in ["29", "3651", "", "a month"] {
        let answer = app
            .call("security/audit-retention", &[("days", bad)], Some(&cookie))
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let saved = app
        .call("security/audit-retention", &[("days", "30")], Some(&cookie))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json::<Value>()["audit_retention_days"], 30);

    // Eleven days later the seeded tokens' creation and the bulk expiry are over 30 days old
    // and go, in five batches; the newer event stays.
    app.clock.advance(Duration::days(11));
    let purged = purge_old_audit_events(app.store.as_ref(), app.clock.as_ref(), pause).await;
    assert_eq!(purged.unwrap(), 5_000, "each token's creation and expiry");
    assert_eq!(count(AuditAction::TokenExpired).await, 0);
    assert_eq!(count(AuditAction::TokenCreated).await, 1);

    let user = app.sign_in("alice").await;
    let refused = app
        .call("security/audit-retention", &[("days", "365")], Some(&user))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
