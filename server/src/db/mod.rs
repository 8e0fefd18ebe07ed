//! Persistence: one generic sqlx implementation (`SqlStore`) of the app's store roles and
//! of the bearer routes' `BearerStore`, one SQL text for both backends.
//!
//! One deployment model: SQLite is the embedded database of a single instance; PostgreSQL
//! serves any number of instances behind a load balancer. Every write that changes what
//! another request would be answered sends a change event (`crate::changes`), so no
//! instance assumes it is the only one writing.

mod audit;
mod backend;
mod bearer;
mod estate;
mod invitations;
mod leaks;
mod notices;
mod password_resets;
mod policy;
pub mod postgres;
pub(crate) mod report_sql;
mod reports;
pub(crate) mod rows;
mod sessions;
pub mod sqlite;
mod statement;
mod store;
mod throttle;
mod tokens;
mod two_factor;
mod users;

pub(crate) use backend::Backend;
pub(crate) use store::SqlStore;

use crate::bearer::store::BearerStore;
use crate::changes::ChangeFeed;
use app::store::{Store, StoreError, StoreResult, Unique};
use chrono::{DateTime, Utc};
use statement::Statement;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported DATABASE_URL '{0}': use a sqlite: or postgres: URL")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A whole backend: the app's store and the bearer routes' token lookups, on one database.
pub trait Database: Store + BearerStore + Ping {}

impl<T: Store + BearerStore + Ping> Database for T {}

/// Whether the database answers, for the readiness probe.
#[async_trait::async_trait]
pub trait Ping: Send + Sync + 'static {
    async fn ping(&self) -> StoreResult<()>;
}

#[async_trait::async_trait]
impl<DB: Backend> Ping for SqlStore<DB> {
    async fn ping(&self) -> StoreResult<()> {
        let one: i64 = Statement::<DB>::new("SELECT CAST(1 AS BIGINT)")
            .fetch_value(DB::on_pool(&self.pool))
            .await?;
        debug_assert_eq!(one, 1);
        Ok(())
    }
}

/// An open database, and the feed its writes send their changes through.
pub struct Opened {
    pub database: Arc<dyn Database>,
    pub changes: Arc<ChangeFeed>,
}

/// Opens the database `url` names (SQLite or PostgreSQL), brings its schema up to date, and
/// starts hearing the changes every instance makes: what `tessera serve` runs on.
pub async fn open_listening(url: &str) -> Result<Opened, OpenError> {
    open_with(url, true).await
}

/// As `open_listening`, for a command that only writes: its changes still reach the
/// instances that serve, but it keeps nothing in memory to hear about.
pub async fn open(url: &str) -> Result<Arc<dyn Database>, OpenError> {
    Ok(open_with(url, false).await?.database)
}

async fn open_with(url: &str, listen: bool) -> Result<Opened, OpenError> {
    if url.starts_with("sqlite:") {
        let changes = Arc::new(ChangeFeed::in_process());
        let pool = sqlite::connect(url).await?;
        if listen {
            changes.listen_in_process();
        }
        let database = Arc::new(SqlStore::new(pool, changes.clone()));
        Ok(Opened { database, changes })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let changes = Arc::new(ChangeFeed::notifications());
        let pool = postgres::connect(sqlx::postgres::PgConnectOptions::from_str(url)?).await?;
        if listen {
            crate::changes::postgres::listen(&changes, pool.clone()).await?;
        }
        let database = Arc::new(SqlStore::new(pool, changes.clone()));
        Ok(Opened { database, changes })
    } else {
        Err(OpenError::UnsupportedUrl(without_password(url)))
    }
}

/// `url` as it may be printed or logged: any password in it replaced by `***`.
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Times are stored as whole seconds since the epoch (see the migrations).
pub(crate) fn to_db(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

pub(crate) fn from_db(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub(crate) fn backend_error(error: sqlx::Error) -> StoreError {
    StoreError::Backend(Box::new(error))
}

/// A failed write that may have collided with `unique`, which the caller explains.
pub(crate) fn conflict_error(error: sqlx::Error, unique: Unique) -> StoreError {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            // Both backends name the violated index; a user's e-mail has one of its own.
            if unique == Unique::Username && db.message().contains("users_by_email") {
                StoreError::Duplicate(Unique::Email)
            } else {
                StoreError::Duplicate(unique)
            }
        }
        other => backend_error(other),
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn printed_urls_carry_no_password() {
        assert_eq!(
            without_password("postgres://tessera:s3cret@db.internal:5432/tessera"),
            "postgres://tessera:***@db.internal:5432/tessera"
        );
        for unchanged in [
            "postgres://tessera@db.internal/tessera",
            "sqlite://data/tessera.db",
            "not a url",
        ] {
            assert_eq!(without_password(unchanged), unchanged);
        }
    }
}
