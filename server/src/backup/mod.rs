//! `tessera backup` and `tessera restore`: a consistent copy of a live SQLite database, and
//! putting one back while nothing uses the database. PostgreSQL has pg_dump and pg_restore.

mod files;
mod lock;
mod restore;

pub use lock::{lock_for_serving, DatabaseLock};
pub use restore::{restore, Restored};

use crate::db::{self, sqlite::MIGRATOR};
use files::{folder_of, with_suffix, Partial};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// A backup or a restore that did not happen, and why, in one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackupError(String);

fn refuse(message: impl Into<String>) -> BackupError {
    BackupError(message.into())
}

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Backups hold password and token hashes: readable by their owner only.
const BACKUP_MODE: u32 = 0o600;

/// What a Tessera database holds, as the commands report it.
#[derive(Debug, Clone, Copy)]
pub struct Contents {
    pub users: i64,
    pub tokens: i64,
    /// The latest migration applied.
    pub schema: i64,
}

/// A finished `tessera backup`.
#[derive(Debug)]
pub struct BackedUp {
    pub database: PathBuf,
    pub file: PathBuf,
    pub bytes: u64,
    pub contents: Contents,
    pub took: Duration,
}

impl fmt::Display for BackedUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Contents {
            users,
            tokens,
            schema,
        } = self.contents;
        write!(
            f,
            "Backed up {} to {}: {}, {users} users, {tokens} tokens (schema {schema}), in {:.1} s.",
            self.database.display(),
            self.file.display(),
            size(self.bytes),
            self.took.as_secs_f64()
        )
    }
}

/// Copies the live SQLite database `database_url` names to `file`, a new file, while Tessera
/// may be writing to it.
pub async fn backup(database_url: &str, file: &Path) -> Result<BackedUp, BackupError> {
    let (options, database) = sqlite_file(database_url, "backup")?;
    match fs::metadata(&database) {
        Ok(found) if found.is_file() => {}
        Ok(_) => return Err(refuse(format!("{} is not a file", database.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(refuse(format!(
                "there is no database at {} (check DATABASE_URL)",
                database.display()
            )))
        }
        Err(e) => return Err(cannot("read", &database, e)),
    }
    match fs::symlink_metadata(file) {
        Ok(_) => {
            return Err(refuse(format!(
                "{} already exists; a backup never overwrites a file: name a new one",
                file.display()
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(cannot("check", file, e)),
    }
    let folder = folder_of(file);
    if !folder.is_dir() {
        return Err(refuse(format!(
            "the folder {} does not exist",
            folder.display()
        )));
    }

    let started = Instant::now();
    let (partial, _) = Partial::create(
        with_suffix(file, &format!(".partial-{}", std::process::id())),
        BACKUP_MODE,
    )?;
    let into = std::path::absolute(&partial.path)
        .ok()
        .and_then(|path| path.to_str().map(str::to_owned))
        .ok_or_else(|| refuse(format!("{}: the path must be UTF-8", file.display())))?;
    let mut source = options
        .create_if_missing(false)
        // A large database takes a while: no "slow statement" warning for that.
        .disable_statement_logging()
        .connect()
        .await
        .map_err(|e| cannot("open", &database, e))?;
    // One read transaction: a snapshot of the last commit, while the server goes on writing.
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(into)
        .execute(&mut source)
        .await;
    let _ = source.close().await;
    copied.map_err(|e| cannot("copy", &database, e))?;

    let contents = {
        let mut copy = connect(&partial.path, true)
            .await
            .map_err(|e| cannot("read back", &partial.path, e))?;
        let contents = contents_of(&mut copy, &database).await;
        let _ = copy.close().await;
        contents?
    };
    // SQLite does not sync what VACUUM INTO writes.
    partial.sync()?;
    let bytes = fs::metadata(&partial.path)
        .map_err(|e| cannot("read", &partial.path, e))?
        .len();
    partial.keep_as_new(file)?;
    Ok(BackedUp {
        database,
        file: file.to_owned(),
        bytes,
        contents,
        took: started.elapsed(),
    })
}

/// The SQLite file `database_url` names, and how to open it, for `tessera {command}`.
fn sqlite_file(
    database_url: &str,
    command: &str,
) -> Result<(SqliteConnectOptions, PathBuf), BackupError> {
    if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        return Err(refuse(format!(
            "`tessera {command}` is for SQLite; back up PostgreSQL with pg_dump -Fc and restore \
             with pg_restore (docs/operations.md)"
        )));
    }
    if !database_url.starts_with("sqlite:") {
        return Err(refuse(format!(
            "unsupported DATABASE_URL '{}': use a sqlite: URL",
            db::without_password(database_url)
        )));
    }
    let options = SqliteConnectOptions::from_str(database_url)
        .map_err(|e| refuse(format!("DATABASE_URL: {e}")))?;
    let path = options.get_filename().to_path_buf();
    let in_memory = database_url.contains("mode=memory")
        || path.to_str().is_some_and(|p| p.starts_with("file:"));
    if in_memory {
        return Err(refuse(format!(
            "DATABASE_URL names an in-memory database: nothing to {command}"
        )));
    }
    Ok((options, path))
}

/// Counts what `db`, said to be a Tessera database at `name`, holds.
async fn contents_of(db: &mut SqliteConnection, name: &Path) -> Result<Contents, BackupError> {
    let unreadable = |e: sqlx::Error| cannot("read", name, e);
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'
           AND name IN ('_sqlx_migrations', 'users', 'access_tokens', 'audit_events')",
    )
    .fetch_one(&mut *db)
    .await
    .map_err(unreadable)?;
    if tables != 4 {
        return Err(refuse(format!(
            "{} is a SQLite database, but not a Tessera one",
            name.display()
        )));
    }
    let (users, tokens, schema) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM access_tokens),
                (SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success)",
    )
    .fetch_one(&mut *db)
    .await
    .map_err(unreadable)?;
    Ok(Contents {
        users,
        tokens,
        schema,
    })
}

fn latest_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .disable_statement_logging()
        .connect()
        .await
}

fn cannot(what: &str, path: &Path, error: impl fmt::Display) -> BackupError {
    refuse(format!("cannot {what} {}: {error}", path.display()))
}

fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn only_sqlite_files_are_backed_up() {
        let refused = sqlite_file("postgres://tessera:s3cret@db/tessera", "backup")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("pg_dump"), "{refused}");
        let refused = sqlite_file("mysql://tessera:s3cret@db/tessera", "backup")
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("s3cret"), "{refused}");
        assert!(sqlite_file("sqlite::memory:", "backup").is_err());
        let (_, path) = sqlite_file("sqlite://data/tessera.db?mode=rwc", "backup").unwrap();
        assert_eq!(path, Path::new("data/tessera.db"));
    }
}
