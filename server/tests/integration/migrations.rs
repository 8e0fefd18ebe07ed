//! Migrations keep the data they find: a database at an earlier schema, with tokens in it,
//! comes up to date with nothing a user can see lost.

use crate::common;

use app::store::Audit;
use common::{empty_database, Backend};
use sqlx::migrate::Migrator;
use sqlx::AnyPool;

/// The migration that moved each token's permissions into a table of their own.
const TOKEN_PERMISSIONS: i64 = 20261205000006;

/// A database migrated up to, but not including, `version`.
async fn database_before(version: i64) -> (String, AnyPool, std::sync::Arc<tempfile::TempDir>) {
    let (url, backend, dir) = empty_database().await;
    let source = match backend {
        Backend::Sqlite => "../migrations/sqlite",
        Backend::Postgres => "../migrations/postgres",
    };
    let earlier = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let number: i64 = name.split('_').next().unwrap().parse().unwrap();
        if number < version {
            std::fs::copy(&path, earlier.path().join(&name)).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let connect_url = match backend {
        Backend::Sqlite => format!("{url}?mode=rwc"),
        Backend::Postgres => url.clone(),
    };
    let pool = AnyPool::connect(&connect_url).await.unwrap();
    Migrator::new(earlier.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    (url, pool, dir)
}

async fn insert_token(pool: &AnyPool, user: i64, secret: u8, scopes: Option<&str>) -> i64 {
    let insert = match scopes {
        Some(_) => {
            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, scopes)
                    VALUES ($1, 'old', $2, 'hint', 0, $3) RETURNING id"
        }
        None => {
            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at)
                 VALUES ($1, 'old', $2, 'hint', 0) RETURNING id"
        }
    };
    let mut query = sqlx::query_scalar(insert).bind(user).bind(vec![secret; 32]);
    if let Some(scopes) = scopes {
        query = query.bind(scopes.to_owned());
    }
    query.fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn token_permissions_move_to_their_own_table_and_keep_their_order() {
    let (url, pool, _dir) = database_before(TOKEN_PERMISSIONS).await;
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, email, password_hash, role, created_at)
         VALUES ('alice', 'Alice', 'alice@example.com', 'x', 'user', 0) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO permissions (name, description, admin_only, builtin)
         VALUES ('deploy:write', 'Deploy', FALSE, FALSE)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Extra spaces, a name twice, and one no longer in the catalogue.
    let mixed = insert_token(
        &pool,
        user,
        1,
        Some(" deploy:write  profile:read deploy:write gone:x"),
    )
    .await;
    let none = insert_token(&pool, user, 2, Some("")).await;
    // Made before permissions existed: the column's default.
    let oldest = insert_token(&pool, user, 3, None).await;
    pool.close().await;

    let store = tessera::db::open(&url).await.unwrap();
    let permissions = |id| {
        let store = store.clone();
        async move {
            store
                .find_token(id)
                .await
                .unwrap()
                .unwrap()
                .restrictions
                .permissions
        }
    };
    assert_eq!(permissions(mixed).await, ["deploy:write", "profile:read"]);
    assert!(permissions(none).await.is_empty());
    assert_eq!(permissions(oldest).await, ["profile:read"]);
    let now = chrono::Utc::now();
    assert_eq!(
        store
            .count_active_tokens_with("profile:read", now)
            .await
            .unwrap(),
        2
    );

    // Removing a permission from the catalogue takes it from every token that held it.
    assert!(store
        .delete_permission("deploy:write", &Audit::by_system(chrono::Utc::now()))
        .await
        .unwrap());
    assert_eq!(permissions(mixed).await, ["profile:read"]);
    assert_eq!(
        store
            .count_active_tokens_with("deploy:write", now)
            .await
            .unwrap(),
        0
    );
}
