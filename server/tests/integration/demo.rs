//! `tessera demo seed`: realistic, mixed data in the amounts asked for.

use crate::common;

use common::TestApp;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn seeds_the_requested_amounts_with_every_status_present() {
    let app = TestApp::new().await;
    let now = app.now();
    let seeded = tessera::demo::seed(app.store.as_ref(), 60, 700, 2, 7, now)
        .await
        .unwrap();
    assert_eq!((seeded.users, seeded.tokens), (60, 700));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 60);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM access_tokens").await, 700);

    let at = now.timestamp();
    let active = count(&app, &format!("SELECT COUNT(*) FROM access_tokens WHERE expired_at IS NULL AND (expires_at IS NULL OR expires_at > {at})")).await;
    let expired = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM access_tokens WHERE expired_at IS NULL AND expires_at <= {at}"
        ),
    )
    .await;
    let revoked = count(
        &app,
        "SELECT COUNT(*) FROM access_tokens WHERE expired_at IS NOT NULL",
    )
    .await;
    assert_eq!(active + expired + revoked, 700);
    // Their past: each token made, then expired by hand or by time, and two sign-ins a user.
    let events = |action: &str| {
        let app = &app;
        let sql = format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}'");
        async move { count(app, &sql).await }
    };
    assert_eq!(events("token.created").await, 700);
    assert_eq!(events("token.expired").await, revoked + expired);
    let sign_ins = events("sign_in.succeeded").await + events("sign_in.failed").await;
    assert_eq!(sign_ins, 120);
    assert_eq!(seeded.events as i64, 700 + revoked + expired + 120);
    // The hourly job finds nothing left to record.
    assert_eq!(app.store.record_time_expiries(now).await.unwrap(), 0);
    for (what, n) in [
        ("active", active),
        ("expired", expired),
        ("expired manually", revoked),
    ] {
        assert!(n > 30, "only {n} {what} tokens");
    }
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM access_tokens WHERE expires_at IS NULL"
        )
        .await
            > 0
    );
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM access_tokens WHERE last_used_at IS NOT NULL"
        )
        .await
            > 300
    );
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE NOT login_active OR NOT is_current"
        )
        .await
            > 0
    );
    // Nothing is used before it exists or after it stops.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM access_tokens WHERE last_used_at < created_at OR expired_at < created_at").await, 0);

    // What `--write-tokens` writes: every token /api/v1/me accepts, and only those.
    let readers = count(&app, &format!("SELECT COUNT(*) FROM access_tokens t JOIN token_permissions p ON p.token_id = t.id AND p.permission = 'profile:read' WHERE t.expired_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > {at})")).await;
    assert!(readers > 30, "only {readers} tokens hold profile:read");
    assert_eq!(seeded.profile_readers.len() as i64, readers);
    for plain in seeded.profile_readers {
        let secret = plain.into_secret();
        let answer = app.bearer("/api/v1/me", &secret).await;
        assert_eq!(answer.status, http::StatusCode::OK, "{}", answer.body);
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_people() {
    let (first, second) = (TestApp::new().await, TestApp::new().await);
    for app in [&first, &second] {
        tessera::demo::seed(app.store.as_ref(), 5, 10, 0, 42, app.now())
            .await
            .unwrap();
    }
    let names = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT username FROM users ORDER BY id")
                .fetch_all(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(names(&first).await, names(&second).await);
}
