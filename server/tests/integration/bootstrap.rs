//! The first admin of an empty database.

use crate::common;

use app::users::Role;
use common::{Backend, TestApp};
use http::StatusCode;
use tessera::bootstrap::ensure_admin;

#[tokio::test]
async fn an_empty_database_gets_an_admin_with_a_generated_password_shown_once() {
    let app = TestApp::new().await;
    let created = ensure_admin(app.store.as_ref(), None, None)
        .await
        .unwrap()
        .expect("an admin");
    assert_eq!(created.username, "admin");
    let password = created.generated_password.expect("a generated password");
    assert_eq!(password.len(), 20);

    let answer = app.sign_in_answer("admin", &password).await;
    assert_eq!(answer.status, StatusCode::OK);

    // Never a second time.
    assert!(ensure_admin(app.store.as_ref(), None, None)
        .await
        .unwrap()
        .is_none());
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}

#[tokio::test]
async fn configured_credentials_are_used_and_checked() {
    let app = TestApp::new().await;
    let refused = ensure_admin(
        app.store.as_ref(),
        Some("root".into()),
        Some("short".into()),
    )
    .await;
    assert!(refused.is_err());
    assert_eq!(app.store.count_users().await.unwrap(), 0);
    let common = ensure_admin(
        app.store.as_ref(),
        Some("root".into()),
        Some("letmein123".into()),
    )
    .await;
    assert!(common.is_err_and(|e| e.to_string().contains("too easy to guess")));
    assert_eq!(app.store.count_users().await.unwrap(), 0);

    let created = ensure_admin(
        app.store.as_ref(),
        Some("Root".into()),
        Some("a fine password".into()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        (created.username.as_str(), created.generated_password),
        ("root", None)
    );
    assert_eq!(
        app.sign_in_answer("root", "a fine password").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_database_with_users_is_left_alone() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    assert!(ensure_admin(app.store.as_ref(), None, None)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn runs_on_the_backend_the_environment_names() {
    let app = TestApp::new().await;
    let (expected, version_sql, prefix) = match std::env::var_os("TESSERA_TEST_POSTGRES_URL") {
        Some(_) => (Backend::Postgres, "SELECT version()", "PostgreSQL"),
        None => (
            Backend::Sqlite,
            "SELECT 'SQLite ' || sqlite_version()",
            "SQLite",
        ),
    };
    assert_eq!(app.backend, expected);
    let version: String = sqlx::query_scalar(version_sql)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(version.starts_with(prefix), "{version}");
}
