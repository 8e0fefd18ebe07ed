//! Persistence: the sqlx implementations of `app::store::Store` and of the bearer lookups
//! below, one SQL text for all.

pub mod bearer_cache;
mod invitation_sql;
mod known_tokens;
pub mod postgres;
pub(crate) mod report_sql;
pub(crate) mod rows;
mod sql_store;
pub mod sqlite;

use crate::bearer::known::KnownToken;
use app::rules::secret::SecretHash;
use app::store::{Store, StoreResult};
use bearer_cache::BearerCache;
use chrono::{DateTime, Utc};
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported DATABASE_URL '{0}': use a sqlite: or postgres: URL")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Finding the token a bearer secret belongs to. Only the bearer routes ask this, not the
/// app's server functions, so it sits beside `Store` rather than in it; what it hands out
/// carries the server's own per-token notes (`KnownToken`).
#[async_trait::async_trait]
pub trait BearerLookup: Send + Sync {
    /// Shared, because implementations answer repeated lookups from memory.
    async fn find_bearer(&self, secret_hash: &SecretHash) -> StoreResult<Option<Arc<KnownToken>>>;
    /// What `find_bearer` would answer, when memory can say it straight away: `Some(None)`
    /// for a token known not to exist, `None` when only the database knows. A token seen
    /// before is then checked with no future to await at all.
    fn remembered_bearer(&self, _secret_hash: &SecretHash) -> Option<Option<Arc<KnownToken>>> {
        None
    }
}

/// A whole backend: the app's store and the bearer lookups, on one database.
pub trait Database: Store + BearerLookup {}

impl<T: Store + BearerLookup> Database for T {}

/// Opens the database `url` names (SQLite or PostgreSQL) and brings its schema up to date.
pub async fn open(url: &str) -> Result<Arc<dyn Database>, OpenError> {
    open_with_cache(url, Arc::default()).await
}

/// As `open`, with a bearer cache the caller keeps a handle on (to count its lookups).
pub async fn open_with_cache(
    url: &str,
    bearers: Arc<BearerCache>,
) -> Result<Arc<dyn Database>, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::with_cache(
            sqlite::connect(url).await?,
            bearers,
        )))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
        Ok(Arc::new(postgres::PgStore::with_cache(
            postgres::connect(options).await?,
            bearers,
        )))
    } else {
        Err(OpenError::UnsupportedUrl(url.to_owned()))
    }
}

/// Times are stored as whole seconds since the epoch (see the migrations).
pub(crate) fn to_db(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

pub(crate) fn from_db(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub(crate) fn backend(error: sqlx::Error) -> app::store::StoreError {
    app::store::StoreError::Backend(Box::new(error))
}

/// A failed insert into `users`: a taken username or e-mail is the caller's to explain.
pub(crate) fn user_insert_error(error: sqlx::Error) -> app::store::StoreError {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            // Both backends name the violated index in the message.
            if db.message().contains("users_by_email") {
                app::store::StoreError::Duplicate("email")
            } else {
                app::store::StoreError::Duplicate("username")
            }
        }
        other => backend(other),
    }
}
