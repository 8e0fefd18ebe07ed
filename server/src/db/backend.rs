//! What the store needs of a sqlx database, so that one generic implementation serves
//! SQLite and PostgreSQL.
//!
//! Rust carries a trait's supertraits over to code that names the trait, but not its other
//! bounds. So every value the store binds and every row it reads is named once, here, as a
//! supertrait of `Backend` (`Binds`, `Reads`), and the store's impls need no other bound.

use super::rows::*;
use futures::stream::BoxStream;
use sqlx::error::BoxDynError;
use sqlx::{Arguments, Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};

/// A sqlx database the store runs on: `sqlx::Sqlite` and `sqlx::Postgres`.
pub(crate) trait Backend:
    for<'q> Database<Arguments<'q>: IntoArguments<'q, Self> + Default>
    + Binds<i64>
    + Binds<Option<i64>>
    + Binds<bool>
    + Binds<String>
    + Binds<Option<String>>
    + Binds<Vec<u8>>
    + Reads<(i64,)>
    + Reads<(Option<i64>,)>
    + Reads<(Vec<u8>,)>
    + Reads<(i64, String, String, String)>
    + Reads<CredentialsRow>
    + Reads<SessionRow>
    + Reads<SessionListRow>
    + Reads<TokenRow>
    + Reads<BearerRow>
    + Reads<ReportUserRow>
    + Reads<ExportDbRow>
    + Reads<PermissionRow>
    + Reads<AllowlistRow>
    + Reads<InvitationRow>
    + Reads<SignInFailuresRow>
    + Reads<PasswordResetRow>
    + Reads<TwoFactorRow>
    + Reads<UserRow>
    + Reads<(Option<i64>, String, Option<i64>)>
    + Reads<(i64, i64, i64)>
    + Reads<(i64, String, i64)>
    + Reads<(i64, i64, i64, i64)>
    + Reads<EstateRow>
    + Reads<NoticeRow>
    + Reads<DisuseNoticeRow>
    + Reads<LeakedTokenRow>
    + Reads<AuditRow>
    + Reads<(i64, i64)>
    + Reads<(String, i64, i64)>
    + Reads<(i64, i64, Vec<u8>)>
{
    /// The statement that sends a change inside a transaction (bound to the change's text),
    /// where the backend has one; SQLite's changes travel in process instead.
    const NOTIFY: Option<&'static str>;

    fn on_pool(pool: &Pool<Self>) -> impl Executor<'_, Database = Self>;

    fn on_connection(connection: &mut Self::Connection) -> impl Executor<'_, Database = Self>;

    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// Arguments that borrow nothing serve a statement of any lifetime.
    fn shorten<'q>(arguments: Self::Arguments<'static>) -> Self::Arguments<'q>;
}

/// The backend can bind a `T` as a statement's argument.
pub(crate) trait Binds<T>: Database {
    fn add<'q>(arguments: &mut Self::Arguments<'q>, value: T) -> Result<(), BoxDynError>
    where
        T: 'q;
}

impl<DB: Database, T> Binds<T> for DB
where
    T: for<'q> Encode<'q, DB> + Type<DB> + Send,
{
    fn add<'q>(arguments: &mut DB::Arguments<'q>, value: T) -> Result<(), BoxDynError>
    where
        T: 'q,
    {
        arguments.add(value)
    }
}

/// The backend can read its rows into an `R`.
pub(crate) trait Reads<R: Send + 'static>: Database {
    fn fetch<'e, 'c: 'e>(
        on: impl Executor<'c, Database = Self> + 'e,
        sql: &'e str,
        arguments: Self::Arguments<'e>,
    ) -> BoxStream<'e, Result<R, sqlx::Error>>;
}

impl<DB: Database, R> Reads<R> for DB
where
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    R: for<'r> FromRow<'r, DB::Row> + Send + Unpin + 'static,
{
    fn fetch<'e, 'c: 'e>(
        on: impl Executor<'c, Database = Self> + 'e,
        sql: &'e str,
        arguments: DB::Arguments<'e>,
    ) -> BoxStream<'e, Result<R, sqlx::Error>> {
        sqlx::query_as_with(sql, arguments).fetch(on)
    }
}
