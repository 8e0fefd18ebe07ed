//! The audit trail of tokens: every change writes exactly one event per token, in the change's
//! own transaction, naming who acted (in the browser, through the API, or Tessera's policy)
//! and from where; the profile shows each token's history.

use crate::common;

use app::audit::AuditPage;
use app::rules::audit::AuditAction;
use app::tokens::{CreatedToken, TokenView};
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::StatusCode;
use serde_json::json;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// How many events of `action` the trail holds.
async fn count(app: &TestApp, action: AuditAction) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action.as_str())
        .fetch_one(&app.db)
        .await
        .unwrap();
    n
}

/// Events about tokens: sign-ins are events too.
async fn all_events(app: &TestApp) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE subject_kind = 'token'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    n
}

async fn call_ok(app: &TestApp, endpoint: &str, form: &[(&str, &str)], cookie: &str) -> String {
    let answer = app
        .call_with_headers(endpoint, form, Some(cookie), &[("User-Agent", FIREFOX)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{endpoint}: {}", answer.body);
    answer.body
}

async fn history(
    app: &TestApp,
    cookie: &str,
    id: i64,
) -> Vec<(AuditAction, String, Option<String>)> {
    let tokens: Vec<TokenView> = app.call("tokens/list", &[], Some(cookie)).await.json();
    let token = tokens.into_iter().find(|t| t.id == id).unwrap();
    token
        .history
        .into_iter()
        .map(|event| (event.action, event.by, event.note))
        .collect()
}

#[tokio::test]
async fn each_change_of_a_token_writes_one_event_naming_who_and_from_where() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("ada", Role::Admin).await;
    let cookie = app.sign_in("alice").await;

    let created: CreatedToken = serde_json::from_str(
        &call_ok(
            &app,
            "tokens/create",
            &[
                ("label", "deploy"),
                ("length", "30"),
                ("custom_expiry", ""),
                ("utc_offset_minutes", "0"),
                ("permissions", "profile:read tokens:read tokens:write"),
            ],
            &cookie,
        )
        .await,
    )
    .unwrap();
    let id = created.token.id.to_string();
    assert_eq!(count(&app, AuditAction::TokenCreated).await, 1);

    let until = (app.now() + Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let deactivate = [
        ("id", id.as_str()),
        ("until", &until),
        ("utc_offset_minutes", "0"),
    ];
    call_ok(&app, "tokens/deactivate", &deactivate, &cookie).await;
    call_ok(&app, "tokens/reactivate", &[("id", &id)], &cookie).await;
    let rotate = [
        ("id", id.as_str()),
        ("length", "30"),
        ("custom_expiry", ""),
        ("utc_offset_minutes", "0"),
        ("grace", "none"),
    ];
    let rotated: CreatedToken =
        serde_json::from_str(&call_ok(&app, "tokens/rotate", &rotate, &cookie).await).unwrap();
    for action in [
        AuditAction::TokenCreated,
        AuditAction::TokenDeactivated,
        AuditAction::TokenReactivated,
        AuditAction::TokenRotated,
    ] {
        assert_eq!(count(&app, action).await, 1, "{action:?}");
    }
    assert_eq!(
        count(&app, AuditAction::TokenExpired).await,
        0,
        "a rotation is one event"
    );

    // Through the API, with the new token, from a known address.
    let (other, _) = app
        .insert_restricted_token(alice, "spare", app.now(), None, Default::default())
        .await;
    let answer = app
        .api(
            "DELETE",
            &format!("/api/v1/tokens/{}", other.id),
            &rotated.secret,
            None,
            &[("User-Agent", "curl/8.5.0")],
            Some("203.0.113.9"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // Expiring it again changes nothing and records nothing.
    let again = app
        .api(
            "DELETE",
            &format!("/api/v1/tokens/{}", other.id),
            &rotated.secret,
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, AuditAction::TokenExpired).await, 1);

    // An admin expires the new one from the report.
    let ada = app.sign_in("ada").await;
    let new_id = rotated.token.id.to_string();
    call_ok(&app, "tokens/expire", &[("id", &new_id)], &ada).await;
    assert_eq!(count(&app, AuditAction::TokenExpired).await, 2);
    // Two created (the form's and the test's), one each of the rest, two expiries.
    assert_eq!(all_events(&app).await, 7);

    let old = history(&app, &cookie, created.token.id).await;
    let words: Vec<&str> = old.iter().map(|(action, _, _)| action.words()).collect();
    assert_eq!(words, ["Created", "Deactivated", "Reactivated", "Rotated"]);
    assert!(old.iter().all(|(_, by, _)| by == "Alice Example"));
    assert_eq!(
        old[0].2.as_deref(),
        Some("with profile:read, tokens:read, tokens:write")
    );
    assert_eq!(
        old[3].2.as_deref(),
        Some(format!("replaced by …{}", rotated.token.hint).as_str())
    );
    let new = history(&app, &cookie, rotated.token.id).await;
    assert_eq!(new[0].0, AuditAction::TokenRotated);
    assert_eq!(
        new[0].2.as_deref(),
        Some(format!("made by rotating …{}", created.token.hint).as_str())
    );
    assert_eq!(new[1].0, AuditAction::TokenExpired);
    assert_eq!(
        (new[1].1.as_str(), new[1].2.as_deref()),
        ("Ada Example", Some("by an admin"))
    );

    // Where from: the browser's, and the API call's address and agent.
    let tokens: Vec<TokenView> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    let spare = tokens.iter().find(|t| t.id == other.id).unwrap();
    let expiry = spare.history.last().unwrap();
    assert_eq!(
        expiry.by,
        format!("Alice Example, with token …{}", rotated.token.hint)
    );
    assert!(
        expiry
            .from
            .as_deref()
            .is_some_and(|from| from.starts_with("203.0.113.9")),
        "{:?}",
        expiry.from
    );
    let first = &tokens
        .iter()
        .find(|t| t.id == created.token.id)
        .unwrap()
        .history[0];
    assert!(
        first
            .from
            .as_deref()
            .is_some_and(|from| from.contains("Firefox on Linux")),
        "{:?}",
        first.from
    );
}

#[tokio::test]
async fn bulk_and_policy_expiries_write_one_event_per_token() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("ada", Role::Admin).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(
            app.insert_token(alice, &format!("t{n}"), app.now(), None)
                .await
                .id,
        );
    }
    let ada = app.sign_in("ada").await;
    let chosen = json!({ "selection": { "Tokens": &ids[..20] } });
    let answer = app.call_json("tokens/expire-selected", chosen, &ada).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(count(&app, AuditAction::TokenExpired).await, 20);

    app.clock.advance(Duration::days(100));
    let ada = app.sign_in("ada").await;
    let saved = app
        .call(
            "security/unused-tokens",
            &[("unused_days", "90"), ("confirm_expiring", "true")],
            Some(&ada),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(count(&app, AuditAction::TokenExpired).await, 30);
    let (by_policy,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events
         WHERE action = 'token.expired' AND actor_kind = 'system' AND actor_user_id IS NULL",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(by_policy, 10);

    let cookie = app.sign_in("alice").await;
    let last = history(&app, &cookie, ids[29]).await;
    assert_eq!(
        last[1],
        (
            AuditAction::TokenExpired,
            "Tessera".into(),
            Some("unused for 90 days".into())
        )
    );
}

#[tokio::test]
async fn events_are_never_changed() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.insert_token(alice, "ci", app.now(), None).await;
    let changed = sqlx::query("UPDATE audit_events SET action = 'token.expired'")
        .execute(&app.db)
        .await;
    assert!(changed.is_err(), "an update is refused");
    assert_eq!(count(&app, AuditAction::TokenCreated).await, 1);
}

/// The ids of the events the Audit Log shows for `query`, and how many match in all.
async fn log(app: &TestApp, cookie: &str, query: &str) -> (Vec<(AuditAction, Option<i64>)>, u64) {
    let answer = app
        .call("audit/events", &[("query", query)], Some(cookie))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    let page: AuditPage = answer.json();
    let shown = page
        .events
        .iter()
        .map(|event| (event.event.action, event.token_id))
        .collect();
    (shown, page.total)
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_is_for_admins_only() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    app.add_user("ada", Role::Admin).await;
    let alices = app.insert_token(alice, "a", app.now(), None).await;
    app.clock.advance(Duration::days(2));
    app.insert_token(bruno, "b", app.now(), None).await;
    let (_, secret) = app
        .insert_restricted_token(
            alice,
            "api",
            app.now(),
            None,
            app::store::TokenRestrictions {
                permissions: vec!["tokens:write".into()],
                ..Default::default()
            },
        )
        .await;
    let path = format!("/api/v1/tokens/{}", alices.id);
    let expired = app
        .api("DELETE", &path, &secret, None, &[], Some("10.1.2.3"))
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    for n in 0..55 {
        app.insert_token(bruno, &format!("bulk {n}"), app.now(), None)
            .await;
    }
    let ada = app.sign_in("ada").await;

    let (newest, total) = log(&app, &ada, "").await;
    assert_eq!(total, 60, "59 about tokens, and Ada's sign-in");
    assert_eq!(newest.len(), 50, "a page");
    assert_eq!(newest[0], (AuditAction::SignInSucceeded, None));
    let (oldest, _) = log(&app, &ada, "page=2").await;
    assert_eq!(oldest.len(), 10);
    assert_eq!(
        oldest.last(),
        Some(&(AuditAction::TokenCreated, Some(alices.id))),
        "oldest last"
    );

    let (expiries, total) = log(&app, &ada, "action=token.expired").await;
    assert_eq!(
        (expiries, total),
        (vec![(AuditAction::TokenExpired, Some(alices.id))], 1)
    );
    let (of_token, _) = log(&app, &ada, &format!("token={}", alices.id)).await;
    assert_eq!(
        of_token,
        [
            (AuditAction::TokenExpired, Some(alices.id)),
            (AuditAction::TokenCreated, Some(alices.id))
        ]
    );
    let (alices_events, total) = log(&app, &ada, "user=alice").await;
    assert_eq!(
        total, 3,
        "her two tokens made, one expired: {alices_events:?}"
    );
    let (from_there, _) = log(&app, &ada, "address=10.1.").await;
    assert_eq!(from_there, [(AuditAction::TokenExpired, Some(alices.id))]);
    let (none, total) = log(&app, &ada, "address=10.2.").await;
    assert!(none.is_empty() && total == 0);
    let day = |days: i64| (app.now() - Duration::days(days)).date_naive().to_string();
    let (first_day, total) = log(&app, &ada, &format!("from={0}&to={0}", day(2))).await;
    assert_eq!(
        (first_day, total),
        (vec![(AuditAction::TokenCreated, Some(alices.id))], 1)
    );
    let (_, total) = log(&app, &ada, &format!("from={}", day(0))).await;
    assert_eq!(total, 59, "58 about tokens, and the sign-in");

    let cookie = app.sign_in("alice").await;
    let refused = app
        .call("audit/events", &[("query", "")], Some(&cookie))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// A token that reaches its expiry gets one "expired by time" event, dated at its expiry,
/// however often and on however many instances the hourly job runs; one expired by hand
/// first gets none.
#[tokio::test]
async fn a_token_running_out_of_time_is_one_event_dated_at_its_expiry() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let now = app.now();
    let lapsing = app
        .insert_token(alice, "lapsing", now, Some(now + Duration::hours(1)))
        .await;
    let revoked = app
        .insert_token(alice, "revoked", now, Some(now + Duration::hours(1)))
        .await;
    app.store
        .expire_token(revoked.id, &app::store::Audit::by_user(alice, now))
        .await
        .unwrap();
    assert_eq!(app.store.record_time_expiries(app.now()).await.unwrap(), 0);

    app.clock.advance(Duration::hours(2));
    assert_eq!(app.store.record_time_expiries(app.now()).await.unwrap(), 1);
    assert_eq!(app.store.record_time_expiries(app.now()).await.unwrap(), 0);
    let (at, detail): (i64, String) = sqlx::query_as(
        "SELECT at, detail FROM audit_events WHERE action = 'token.expired' AND subject_id = $1",
    )
    .bind(lapsing.id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(at, (now + Duration::hours(1)).timestamp());
    assert_eq!(detail, r#"{"by":"time"}"#);
    assert_eq!(
        count(&app, AuditAction::TokenExpired).await,
        2,
        "one by hand, one by time"
    );

    let cookie = app.sign_in("alice").await;
    let told = history(&app, &cookie, lapsing.id).await;
    assert_eq!(
        told.last().unwrap(),
        &(
            AuditAction::TokenExpired,
            "Tessera".to_owned(),
            Some("when its time ran out".to_owned())
        )
    );
}

#[tokio::test]
async fn instances_running_the_expiry_job_at_once_write_each_event_once() {
    let Some(instances) = TestApp::instances(2).await else {
        return;
    };
    let [one, two]: [TestApp; 2] = instances.try_into().ok().unwrap();
    let alice = one.add_user("alice", Role::User).await;
    let now = one.now();
    for n in 0..20 {
        one.insert_token(
            alice,
            &format!("t{n}"),
            now,
            Some(now + Duration::minutes(n)),
        )
        .await;
    }
    let later = now + Duration::hours(1);
    let (a, b) = tokio::join!(
        one.store.record_time_expiries(later),
        two.store.record_time_expiries(later)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 20);
    assert_eq!(count(&one, AuditAction::TokenExpired).await, 20);
}
