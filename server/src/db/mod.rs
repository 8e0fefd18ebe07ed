//! Persistence: the sqlx implementations of `app::store::Store`.

pub mod sqlite;

use chrono::{DateTime, Utc};

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
