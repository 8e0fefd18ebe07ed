//! SQLite, embedded: the default store.

use super::{backend, from_db, to_db};
use app::rules::secret::SecretHash;
use app::store::*;
use app::users::Role;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// Opens (creating if absent) the database at `url` in WAL mode and applies the migrations.
pub async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
}

impl UserRow {
    fn into_summary(self) -> UserSummary {
        UserSummary {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role: Role::parse(&self.role).unwrap_or(Role::User),
        }
    }
}

#[derive(FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
    login_active: bool,
    is_current: bool,
}

#[derive(FromRow)]
struct SessionRow {
    session_id: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

#[derive(FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    label: String,
    hint: String,
    created_at: i64,
    expires_at: Option<i64>,
    expired_at: Option<i64>,
    expired_by: Option<String>,
    last_used_at: Option<i64>,
    last_used_ip: Option<String>,
}

impl From<TokenRow> for TokenRecord {
    fn from(row: TokenRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            label: row.label,
            hint: row.hint,
            created_at: from_db(row.created_at),
            expires_at: row.expires_at.map(from_db),
            expired_at: row.expired_at.map(from_db),
            expired_by: row.expired_by,
            last_used_at: row.last_used_at.map(from_db),
            last_used_ip: row.last_used_ip,
        }
    }
}

#[derive(FromRow)]
struct BearerRow {
    #[sqlx(flatten)]
    token: TokenRow,
    owner_username: String,
    owner_display_name: String,
    owner_role: String,
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.label, t.hint, t.created_at, t.expires_at, \
     t.expired_at, eb.display_name AS expired_by, t.last_used_at, t.last_used_ip";

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn count_users(&self) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(count as u64)
    }

    async fn insert_user(&self, user: NewUser) -> StoreResult<UserId> {
        sqlx::query_scalar(
            "INSERT INTO users (username, display_name, email, password_hash, role, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(to_db(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate("username")
            }
            other => backend(other),
        })
    }

    async fn find_credentials(&self, username: &str) -> StoreResult<Option<UserCredentials>> {
        let row: Option<CredentialsRow> = sqlx::query_as(
            "SELECT id, username, display_name, role, password_hash, login_active, is_current
             FROM users WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.map(|row| UserCredentials {
            user: row.user.into_summary(),
            password_hash: row.password_hash,
            login_active: row.login_active,
            current: row.is_current,
        }))
    }

    async fn insert_session(&self, session: NewSession) -> StoreResult<SessionId> {
        sqlx::query_scalar(
            "INSERT INTO sessions (user_id, secret_hash, created_at, expires_at, ip, user_agent)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(session.user_id)
        .bind(session.secret_hash.as_bytes().as_slice())
        .bind(to_db(session.created_at))
        .bind(to_db(session.expires_at))
        .bind(session.ip)
        .bind(session.user_agent)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)
    }

    async fn find_live_session(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionUser>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT s.id AS session_id, u.id, u.username, u.display_name, u.role
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.secret_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?
               AND u.login_active = 1 AND u.is_current = 1",
        )
        .bind(secret_hash.as_bytes().as_slice())
        .bind(to_db(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.map(|row| SessionUser {
            session_id: row.session_id,
            user: row.user.into_summary(),
        }))
    }

    async fn end_session(&self, session_id: SessionId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
            .bind(to_db(at))
            .bind(session_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn insert_token(&self, token: NewToken) -> StoreResult<TokenRecord> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(token.user_id)
        .bind(&token.label)
        .bind(token.secret_hash.as_bytes().as_slice())
        .bind(&token.hint)
        .bind(to_db(token.created_at))
        .bind(token.expires_at.map(to_db))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate("token"),
            other => backend(other),
        })?;
        self.find_token(id)
            .await?
            .ok_or_else(|| StoreError::Backend("token vanished right after it was inserted".into()))
    }

    async fn tokens_of(&self, user_id: UserId) -> StoreResult<Vec<TokenRecord>> {
        let rows: Vec<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.user_id = ? ORDER BY t.created_at DESC, t.id DESC"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn find_token(&self, token_id: TokenId) -> StoreResult<Option<TokenRecord>> {
        let row: Option<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.id = ?"
        ))
        .bind(token_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn expire_token(
        &self,
        token_id: TokenId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE access_tokens SET expired_at = ?, expired_by = ?
             WHERE id = ? AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(to_db(at))
        .bind(by)
        .bind(token_id)
        .bind(to_db(at))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_bearer(&self, secret_hash: &SecretHash) -> StoreResult<Option<BearerToken>> {
        let row: Option<BearerRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS}, u.username AS owner_username,
                    u.display_name AS owner_display_name, u.role AS owner_role
             FROM access_tokens t
             JOIN users u ON u.id = t.user_id
             LEFT JOIN users eb ON eb.id = t.expired_by
             WHERE t.secret_hash = ?"
        ))
        .bind(secret_hash.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.map(|row| {
            let owner = UserSummary {
                id: row.token.user_id,
                username: row.owner_username,
                display_name: row.owner_display_name,
                role: Role::parse(&row.owner_role).unwrap_or(Role::User),
            };
            BearerToken {
                token: row.token.into(),
                owner,
            }
        }))
    }

    async fn record_token_use(
        &self,
        token_id: TokenId,
        at: DateTime<Utc>,
        ip: Option<String>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE access_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?")
            .bind(to_db(at))
            .bind(ip)
            .bind(token_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
