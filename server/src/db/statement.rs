//! A statement built piece by piece, for code generic over the database.
//!
//! sqlx's `QueryBuilder` lends its arguments only for as long as the builder lives, which a
//! generic caller cannot prove outlasts the query; `Statement` hands the SQL and the
//! arguments over instead (`into_parts`), for `sqlx::query_with` and its siblings.

use app::store::{StoreError, StoreResult};
use sqlx::{Arguments, Database, Encode, Type};
use std::fmt::Display;

pub struct Statement<'q, DB: Database> {
    sql: String,
    arguments: DB::Arguments<'q>,
    /// The first value that could not be encoded, reported by `into_parts`.
    error: Option<sqlx::error::BoxDynError>,
}

impl<'q, DB: Database> Statement<'q, DB>
where
    DB::Arguments<'q>: Default,
{
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            arguments: Default::default(),
            error: None,
        }
    }
}

impl<'q, DB: Database> Statement<'q, DB> {
    pub fn push(&mut self, sql: impl Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    /// Appends a placeholder for `value`, in the backend's own syntax.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, DB> + Type<DB>,
    {
        if let Err(error) = self.arguments.add(value) {
            self.error.get_or_insert(error);
        }
        let _ = self.arguments.format_placeholder(&mut self.sql);
        self
    }

    /// Appends `(v1, v2, ...)` with a placeholder for each value.
    pub fn push_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'q + Encode<'q, DB> + Type<DB>,
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

    /// Appends `VALUES (...), (...)`, one row per item; `row` pushes one row's values.
    pub fn push_values<I>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut row: impl FnMut(Row<'_, 'q, DB>, I),
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

    pub fn into_parts(self) -> StoreResult<(String, DB::Arguments<'q>)> {
        match self.error {
            Some(error) => Err(StoreError::Backend(error)),
            None => Ok((self.sql, self.arguments)),
        }
    }
}

/// One row of a `VALUES` list being pushed.
pub struct Row<'s, 'q, DB: Database> {
    statement: &'s mut Statement<'q, DB>,
    first: bool,
}

impl<'q, DB: Database> Row<'_, 'q, DB> {
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, DB> + Type<DB>,
    {
        if !std::mem::take(&mut self.first) {
            self.statement.push(", ");
        }
        self.statement.push_bind(value);
        self
    }
}
