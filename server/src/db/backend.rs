//! What the store needs of a sqlx database, so that one generic implementation serves
//! SQLite and PostgreSQL.

use sqlx::{Database, Decode, Encode, Executor, IntoArguments, Pool, Type};

/// A sqlx database the store runs on. Implemented by `sqlx::Sqlite` and `sqlx::Postgres`.
pub trait Backend: for<'q> Database<Arguments<'q>: IntoArguments<'q, Self> + Default> {
    /// The statement that sends a change inside a transaction (bound to the change's text),
    /// where the backend has one; SQLite's changes travel in process instead.
    const NOTIFY: Option<&'static str>;

    fn on_pool(pool: &Pool<Self>) -> impl Executor<'_, Database = Self>;

    fn on_connection(connection: &mut Self::Connection) -> impl Executor<'_, Database = Self>;

    fn rows_affected(done: &Self::QueryResult) -> u64;
}

/// A Rust type the backend stores and reads back as a column. The store's generic impls
/// name the ones they use in their where clauses.
pub trait Value<DB: Database>:
    for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync
{
}

impl<DB: Database, T> Value<DB> for T where
    T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + Sync
{
}
