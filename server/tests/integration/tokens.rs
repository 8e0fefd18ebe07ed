//! The Manage Personal Access Tokens flow end to end: create, use, expire.

use crate::common;

use app::error::{AppError, Field};
use app::rules::expiry::TokenStatus;
use app::rules::token::PlainToken;
use app::store::{BearerToken, TokenUse, UserSummary};
use app::tokens::{CreatedToken, TokenView};
use app::users::Role;
use chrono::{Duration, TimeZone, Utc};
use common::{Backend, TestApp};
use http::StatusCode;
use serde_json::Value;
use std::sync::atomic::Ordering;
use tessera::bearer::token::CachedToken;

async fn create(app: &TestApp, cookie: &str, label: &str, length: &str) -> CreatedToken {
    let answer = app
        .call(
            "tokens/create",
            &[
                ("label", label),
                ("length", length),
                ("custom_expiry", ""),
                ("utc_offset_minutes", "0"),
                ("permissions", "profile:read tokens:read"),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

/// The one token's last use as written: when (Unix seconds) and from where.
async fn last_used(app: &TestApp) -> (Option<i64>, Option<String>) {
    sqlx::query_as("SELECT last_used_at, last_used_ip FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Every table, by name, with a cell whose text (or, for bytes, whose text or hex) contains `needle`.
async fn tables_containing(app: &TestApp, needle: &str) -> Vec<String> {
    let (columns_sql, contains) = match app.backend {
        Backend::Sqlite => (
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            "instr",
        ),
        Backend::Postgres => (
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public'",
            "strpos",
        ),
    };
    let columns: Vec<(String, String)> = sqlx::query_as(columns_sql)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(columns.iter().any(|(table, _)| table == "access_tokens"));
    let mut found = Vec::new();
    for (table, column) in columns {
        for candidate in [needle.to_owned(), hex::encode(needle)] {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE {contains}(CAST(\"{column}\" AS TEXT), $1) > 0"
            ))
            .bind(candidate)
            .fetch_one(&app.db)
            .await
            .unwrap();
            if hits > 0 && !found.contains(&table) {
                found.push(table.clone());
            }
        }
    }
    found.sort();
    found
}

async fn list(app: &TestApp, cookie: &str) -> Vec<TokenView> {
    app.call("tokens/list", &[], Some(cookie)).await.json()
}

#[tokio::test]
async fn create_use_expire_then_refused() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let created = create(&app, &cookie, "  CI deploy  ", "30").await;
    assert_eq!(created.secret.len(), 48);
    assert!(created.secret.starts_with("tsr1"));
    assert_eq!(created.token.label, "CI deploy");
    assert_eq!(created.token.hint, created.secret[44..]);
    assert_eq!(created.token.status, TokenStatus::Active);
    assert_eq!(
        created.token.expires_at,
        Some(app.clock_now() + Duration::days(30))
    );

    let me = app.bearer("/api/v1/me", &created.secret).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me: Value = me.json();
    assert_eq!(me["user"]["username"], "alice");
    assert_eq!(me["user"]["display_name"], "Alice Example");
    assert_eq!(me["token"]["label"], "CI deploy");
    assert_eq!(me["token"]["hint"], created.token.hint);
    assert_eq!(me["token"]["expires"], "2026-12-23T09:00:00Z");
    assert_eq!(me["token"]["created"], "2026-11-23T09:00:00Z");

    let id = created.token.id.to_string();
    let expired = app
        .call("tokens/expire", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    let expired: TokenView = expired.json();
    assert_eq!(expired.status, TokenStatus::ExpiredManually);
    assert_eq!(expired.expired_at, Some(app.clock_now()));
    assert_eq!(expired.expired_by.as_deref(), Some("Alice Example"));

    let refused = app.bearer("/api/v1/me", &created.secret).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused
        .header("www-authenticate")
        .unwrap()
        .contains(r#"error="invalid_token""#));

    let again = app
        .call("tokens/expire", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_secret_is_never_stored_or_sent_again() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let created = create(&app, &cookie, "scanner", "7").await;
    app.bearer("/api/v1/me", &created.secret).await; // also writes last-used

    assert_eq!(
        tables_containing(&app, &created.secret).await,
        Vec::<String>::new()
    );
    // The same scan does find what is stored (the label, also in the token's creation
    // event), so an empty answer means something.
    assert_eq!(
        tables_containing(&app, "scanner").await,
        ["access_tokens", "audit_events"]
    );
    // Direct look at the token row too, column by column.
    let row: (Vec<u8>, String, String) =
        sqlx::query_as("SELECT secret_hash, hint, label FROM access_tokens")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        row.0,
        app::rules::secret::SecretHash::of(&created.secret)
            .as_bytes()
            .to_vec()
    );
    assert_eq!(row.1.len(), 4);

    let listed = app.call("tokens/list", &[], Some(&cookie)).await;
    assert!(!listed.body.contains(&created.secret));
    let page = app.get("/profile", Some(&cookie)).await;
    assert!(page.body.contains("scanner"));
    assert!(!page.body.contains(&created.secret));
}

#[tokio::test]
async fn list_is_newest_first_and_shows_only_your_tokens() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.add_user("bob", Role::User).await;
    let alice = app.sign_in("alice").await;
    let bob = app.sign_in("bob").await;

    create(&app, &alice, "first", "7").await;
    app.clock.advance(Duration::minutes(1));
    create(&app, &alice, "second", "never").await;
    create(&app, &bob, "bob's", "90").await;

    let labels: Vec<String> = list(&app, &alice)
        .await
        .into_iter()
        .map(|t| t.label)
        .collect();
    assert_eq!(labels, ["second", "first"]);
    assert_eq!(list(&app, &alice).await[0].expires_at, None);
}

#[tokio::test]
/// Admins can, from the System Users report (see report.rs).
async fn users_cannot_expire_someone_elses_token() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.add_user("bob", Role::User).await;
    let alice = app.sign_in("alice").await;
    let bob = app.sign_in("bob").await;
    let token = create(&app, &alice, "mine", "30").await;

    let answer = app
        .call(
            "tokens/expire",
            &[("id", &token.token.id.to_string())],
            Some(&bob),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.bearer("/api/v1/me", &token.secret).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_input_is_refused_and_nothing_is_created() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let long = "x".repeat(101);
    let cases: [(&str, &str, &str, Field); 5] = [
        ("", "30", "", Field::Label),
        ("   ", "30", "", Field::Label),
        (&long, "30", "", Field::Label),
        ("ok", "14", "", Field::Expiration),
        ("ok", "custom", "2026-11-22T10:00", Field::CustomExpiry),
    ];
    for (label, length, custom, field) in cases {
        let answer = app
            .call(
                "tokens/create",
                &[
                    ("label", label),
                    ("length", length),
                    ("custom_expiry", custom),
                    ("utc_offset_minutes", "0"),
                    ("permissions", "profile:read tokens:read"),
                ],
                Some(&cookie),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label:?} {length}"
        );
        let error: AppError = answer.json();
        assert!(error.message_for(field).is_some(), "{error:?}");
    }
    assert!(list(&app, &cookie).await.is_empty());
}

#[tokio::test]
async fn custom_expiry_is_honoured_in_the_browsers_time_zone() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let answer = app
        .call(
            "tokens/create",
            &[
                ("label", "x"),
                ("length", "custom"),
                ("custom_expiry", "2027-01-05T09:00"),
                ("utc_offset_minutes", "60"),
                ("permissions", "profile:read tokens:read"),
            ],
            Some(&cookie),
        )
        .await;
    let created: CreatedToken = answer.json();
    assert_eq!(
        created.token.expires_at,
        Some(Utc.with_ymd_and_hms(2027, 1, 5, 8, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn tokens_that_expire_within_seven_days_are_flagged_for_the_reminder() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let now = app.now();
    for (label, expires) in [
        ("in six days", Some(now + Duration::days(6))),
        ("in eight days", Some(now + Duration::days(8))),
        ("never", None),
        ("ended", Some(now - Duration::hours(1))),
    ] {
        app.insert_token(alice, label, now - Duration::days(1), expires)
            .await;
    }
    let cookie = app.sign_in("alice").await;
    let soon: Vec<String> = list(&app, &cookie)
        .await
        .into_iter()
        .filter(|token| token.expires_soon)
        .map(|token| token.label)
        .collect();
    assert_eq!(soon, ["in six days"]);

    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    let cookie = app.sign_in("alice").await;
    let soon = list(&app, &cookie).await;
    assert_eq!(soon.iter().filter(|t| t.expires_soon).count(), 2);
}

#[tokio::test]
async fn tokens_stop_working_when_their_time_runs_out() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let token = create(&app, &cookie, "week", "7").await;

    app.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert_eq!(
        app.bearer("/api/v1/me", &token.secret).await.status,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(
        app.bearer("/api/v1/me", &token.secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cookie = app.sign_in("alice").await;
    assert_eq!(list(&app, &cookie).await[0].status, TokenStatus::Expired);
}

#[tokio::test]
async fn last_use_is_written_off_the_request_path_once_per_flush() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let token = create(&app, &cookie, "busy", "30").await;
    let start = app.clock_now().timestamp();

    app.bearer("/api/v1/me", &token.secret).await;
    assert_eq!(
        last_used(&app).await,
        (None, None),
        "nothing written while answering"
    );
    assert_eq!(app.usage.flush().await, 1);
    assert_eq!(
        last_used(&app).await,
        (Some(start), Some("203.0.113.7".into()))
    );

    // Many uses between two flushes are one write, of the latest.
    for _ in 0..3 {
        app.clock.advance(Duration::seconds(20));
        app.bearer("/api/v1/me", &token.secret).await;
    }
    assert_eq!(last_used(&app).await.0, Some(start));
    assert_eq!(app.usage.flush().await, 1);
    assert_eq!(last_used(&app).await.0, Some(start + 60));
    assert_eq!(app.usage.flush().await, 0, "nothing new, nothing written");
}

/// Uses noted at once on several threads, out of order, are one write of the latest, also
/// when the token was looked up again meanwhile and its uses went to two cached entries.
#[tokio::test]
async fn uses_noted_on_several_threads_are_written_once_with_the_latest() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let secret = create(&app, &cookie, "busy", "30").await.secret;
    let hash = PlainToken::parse(&secret).unwrap().hash();
    let row = app.store.token_by_hash(&hash).await.unwrap().unwrap();
    let (known, looked_up_again) = (CachedToken::new(row.clone()), CachedToken::new(row));
    let start = app.clock_now();
    let ip = |last: u8| Some(std::net::IpAddr::from([198, 51, 100, last]));
    std::thread::scope(|threads| {
        for (entry, seconds, last) in [(&known, 30, 1), (&looked_up_again, 90, 2), (&known, 60, 3)]
        {
            let usage = &app.usage;
            threads.spawn(move || usage.touch(entry, start + Duration::seconds(seconds), ip(last)));
        }
    });
    assert_eq!(app.usage.flush().await, 1);
    assert_eq!(
        last_used(&app).await,
        (Some(start.timestamp() + 90), Some("198.51.100.2".into()))
    );
    assert_eq!(app.usage.flush().await, 0, "every thread's batch was taken");
}

/// The server's last flush, on SIGTERM, must not find an empty batch because the minute's
/// flush took it a moment before, and then stop with that write cut short.
#[tokio::test]
async fn the_last_flush_waits_for_one_in_flight_and_retries_a_failed_write() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let token = create(&app, &cookie, "busy", "30").await;
    let writes = &app.bearer_store.usage_writes;

    app.bearer("/api/v1/me", &token.secret).await;
    let held = writes.gate.lock().await;
    let minutes_flush = tokio::spawn({
        let usage = app.usage.clone();
        async move { usage.flush().await }
    });
    while writes.started.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let waited = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        app.usage.flush_on_shutdown(),
    )
    .await;
    assert!(
        waited.is_err(),
        "the last flush waits for the write in flight"
    );
    drop(held);
    assert_eq!(minutes_flush.await.unwrap(), 1);
    assert_eq!(last_used(&app).await.0, Some(app.clock_now().timestamp()));

    app.clock.advance(Duration::seconds(90));
    app.bearer("/api/v1/me", &token.secret).await;
    writes.failures_to_come.store(2, Ordering::SeqCst);
    assert_eq!(
        app.usage.flush_on_shutdown().await,
        1,
        "written at the third try"
    );
    assert_eq!(last_used(&app).await.0, Some(app.clock_now().timestamp()));
}

/// The ids of `tokens` demo tokens, seeded among three users.
async fn seeded_token_ids(app: &TestApp, tokens: usize) -> Vec<i64> {
    tessera::demo::seed(app.store.as_ref(), 3, tokens, 0, 1, app.now())
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM access_tokens ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

/// A flush that fails keeps every use it held for the next one, and nothing is lost.
#[tokio::test]
async fn a_failed_flush_keeps_its_uses_for_the_next() {
    let app = TestApp::new().await;
    let ids = seeded_token_ids(&app, 250).await;
    assert_eq!(ids.len(), 250);
    let at = app.clock_now();
    for &id in &ids {
        let token = app.store.find_token(id).await.unwrap().unwrap();
        let owner = UserSummary {
            id: token.user_id,
            username: "seeded".into(),
            display_name: "Seeded".into(),
            role: Role::User,
        };
        let known = CachedToken::new(BearerToken { token, owner });
        app.usage.touch(&known, at, None);
    }
    // The seeded tokens come with uses of their own, all before the test clock's now.
    let used = || async {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM access_tokens WHERE last_used_at = {}",
            at.timestamp()
        ))
        .fetch_one(&app.db)
        .await
        .unwrap();
        n
    };
    let writes = &app.bearer_store.usage_writes;
    writes.failing_write.store(1, Ordering::SeqCst);

    assert_eq!(app.usage.flush().await, 0, "the write failed");
    assert_eq!(writes.started.load(Ordering::SeqCst), 1);
    assert_eq!(used().await, 0);
    assert_eq!(app.usage.flush().await, 250, "all of it, at the next flush");
    assert_eq!(writes.started.load(Ordering::SeqCst), 2);
    assert_eq!(used().await, 250);
    assert_eq!(app.usage.flush().await, 0);
}

/// A busy minute's batch spans several statements; an older use never overwrites a newer.
#[tokio::test]
async fn a_large_batch_of_uses_is_written_whole() {
    let app = TestApp::new().await;
    let now = app.now();
    let ids = seeded_token_ids(&app, 1_234).await;
    let at = now + Duration::minutes(5);
    let uses: Vec<TokenUse> = ids
        .iter()
        .map(|&token_id| TokenUse {
            token_id,
            at,
            ip: (token_id % 3 != 0).then(|| format!("192.0.2.{}", token_id % 250)),
            addresses: Vec::new(),
        })
        .collect();
    app.store.record_token_uses(&uses).await.unwrap();
    let written: Vec<(i64, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT id, last_used_at, last_used_ip FROM access_tokens ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let expected: Vec<(i64, Option<i64>, Option<String>)> = uses
        .iter()
        .map(|used| (used.token_id, Some(at.timestamp()), used.ip.clone()))
        .collect();
    assert_eq!(written, expected);

    // A retried, older batch arriving late changes nothing.
    let late: Vec<TokenUse> = uses
        .iter()
        .map(|used| TokenUse {
            at: at - Duration::minutes(1),
            ip: Some("198.51.100.1".into()),
            ..used.clone()
        })
        .collect();
    app.store.record_token_uses(&late).await.unwrap();
    let after: Vec<(i64, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT id, last_used_at, last_used_ip FROM access_tokens ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(after, expected);
}

#[tokio::test]
async fn tokens_of_deactivated_users_keep_working_until_expired() {
    // Seed 000: Login Active = No or Current = No does not expire tokens.
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let token = create(&app, &cookie, "still here", "30").await;
    sqlx::query("UPDATE users SET login_active = FALSE, is_current = FALSE")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.bearer("/api/v1/me", &token.secret).await.status,
        StatusCode::OK
    );
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<Utc>;
}

impl ClockNow for TestApp {
    fn clock_now(&self) -> chrono::DateTime<Utc> {
        use app::clock::Clock;
        self.clock.now()
    }
}
