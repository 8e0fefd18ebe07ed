//! `Statement`: SQL and its arguments, built and run from code generic over the database.
//!
//! sqlx's own `query` and `QueryBuilder` need, in generic code, a bound for every type they
//! bind or read. `Statement` binds through `Binds` and reads through `Reads`, which `Backend`
//! names once, and turns database errors into the store's.

use super::backend::{Backend, Binds, Reads};
use super::{backend_error, conflict_error};
use crate::metrics::record_query;
use app::store::{StoreError, StoreResult, Unique};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use sqlx::error::BoxDynError;
use sqlx::{Arguments, Executor};
use std::fmt::Display;
use std::time::Instant;

pub(crate) struct Statement<DB: Backend> {
    sql: String,
    /// Only owned values are bound, so the arguments borrow nothing.
    arguments: DB::Arguments<'static>,
    /// The first value that could not be encoded, reported when the statement runs.
    encoding_error: Option<BoxDynError>,
    /// What a unique violation means, for a write that may collide.
    conflict: Option<Unique>,
}

impl<DB: Backend> Statement<DB> {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            arguments: Default::default(),
            encoding_error: None,
            conflict: None,
        }
    }

    /// Binds the next of the `$N` the SQL already holds.
    pub fn bind<T: 'static>(mut self, value: T) -> Self
    where
        DB: Binds<T>,
    {
        self.add(value);
        self
    }

    /// A unique violation is the caller's `StoreError::Duplicate(unique)`.
    pub fn conflict(mut self, unique: Unique) -> Self {
        self.conflict = Some(unique);
        self
    }

    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    /// Appends a placeholder for `value`, in the backend's own syntax.
    pub fn push_bind<T: 'static>(&mut self, value: T) -> &mut Self
    where
        DB: Binds<T>,
    {
        self.add(value);
        let _ = self.arguments.format_placeholder(&mut self.sql);
        self
    }

    /// Appends `(v1, v2, ...)`, a placeholder for each value.
    pub fn push_list<T: 'static>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        DB: Binds<T>,
    {
        self.push("(");
        for (index, value) in values.into_iter().enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self.push(")")
    }

    /// Appends `VALUES (...), (...)`, a row per item; `row` pushes the row's values.
    pub fn push_values<I>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut row: impl FnMut(Row<'_, DB>, I),
    ) -> &mut Self {
        self.push("VALUES ");
        for (index, item) in items.into_iter().enumerate() {
            self.push(if index == 0 { "(" } else { ", (" });
            row(
                Row {
                    statement: self,
                    first: true,
                },
                item,
            );
            self.push(")");
        }
        self
    }

    /// Runs a statement that returns no rows; how many rows it changed.
    pub async fn execute<'c>(self, on: impl Executor<'c, Database = DB>) -> StoreResult<u64> {
        let conflict = self.conflict;
        let (sql, arguments) = self.into_parts()?;
        let started = Instant::now();
        let done = sqlx::query_with(&sql, DB::shorten(arguments))
            .execute(on)
            .await
            .map_err(|error| failure(error, conflict));
        record_query("execute", started);
        Ok(DB::rows_affected(&done?))
    }

    /// The rows as they arrive.
    pub fn fetch<'c, R: Send + 'static>(
        self,
        on: impl Executor<'c, Database = DB> + 'c,
    ) -> BoxStream<'c, StoreResult<R>>
    where
        DB: Reads<R>,
    {
        let conflict = self.conflict;
        match self.into_parts() {
            Err(error) => futures::stream::once(async { Err(error) }).boxed(),
            Ok((sql, arguments)) => async_stream::stream! {
                let started = Instant::now();
                let mut rows = DB::fetch(on, &sql, DB::shorten(arguments));
                while let Some(row) = rows.next().await {
                    yield row.map_err(|error| failure(error, conflict));
                }
                record_query("fetch", started);
            }
            .boxed(),
        }
    }

    pub async fn fetch_all<'c, R: Send + 'static>(
        self,
        on: impl Executor<'c, Database = DB> + 'c,
    ) -> StoreResult<Vec<R>>
    where
        DB: Reads<R>,
    {
        self.fetch(on).try_collect().await
    }

    /// The first row, if there is one. The rest are read all the same: a write whose
    /// statement stops at its first row may not be committed (SQLite).
    pub async fn fetch_optional<'c, R: Send + 'static>(
        self,
        on: impl Executor<'c, Database = DB> + 'c,
    ) -> StoreResult<Option<R>>
    where
        DB: Reads<R>,
    {
        Ok(self.fetch_all(on).await?.into_iter().next())
    }

    /// The first column of the one row the statement returns.
    pub async fn fetch_value<'c, T: Send + 'static>(
        self,
        on: impl Executor<'c, Database = DB> + 'c,
    ) -> StoreResult<T>
    where
        DB: Reads<(T,)>,
    {
        match self.fetch_optional::<(T,)>(on).await? {
            Some((value,)) => Ok(value),
            None => Err(backend_error(sqlx::Error::RowNotFound)),
        }
    }

    fn add<T: 'static>(&mut self, value: T)
    where
        DB: Binds<T>,
    {
        if let Err(error) = DB::add(&mut self.arguments, value) {
            self.encoding_error.get_or_insert(error);
        }
    }

    fn into_parts(self) -> StoreResult<(String, DB::Arguments<'static>)> {
        match self.encoding_error {
            Some(error) => Err(StoreError::Backend(error)),
            None => Ok((self.sql, self.arguments)),
        }
    }
}

fn failure(error: sqlx::Error, conflict: Option<Unique>) -> StoreError {
    match conflict {
        Some(unique) => conflict_error(error, unique),
        None => backend_error(error),
    }
}

/// One row of a `VALUES` list being pushed.
pub(crate) struct Row<'s, DB: Backend> {
    statement: &'s mut Statement<DB>,
    first: bool,
}

impl<DB: Backend> Row<'_, DB> {
    pub fn push_bind<T: 'static>(&mut self, value: T) -> &mut Self
    where
        DB: Binds<T>,
    {
        if !std::mem::take(&mut self.first) {
            self.statement.push(", ");
        }
        self.statement.push_bind(value);
        self
    }
}
