//! `tessera restore`: checks a backup, then puts it in the database's place once nothing
//! uses the database, keeping the one it replaces.

use super::files::{folder_of, with_suffix, Partial};
use super::lock::{lock_path, DatabaseLock};
use super::{
    cannot, connect, contents_of, latest_schema, refuse, sqlite_file, BackupError, Contents,
    BACKUP_MODE, SQLITE_HEADER,
};
use crate::db::sqlite::MIGRATOR;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A finished `tessera restore`.
#[derive(Debug)]
pub struct Restored {
    pub database: PathBuf,
    pub backup: PathBuf,
    pub contents: Contents,
    /// Where the database it replaced was set aside, if there was one.
    pub kept: Option<PathBuf>,
}

impl fmt::Display for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Contents {
            users,
            tokens,
            schema,
        } = self.contents;
        write!(
            f,
            "Restored {} from {}: {users} users, {tokens} tokens (schema {schema}).",
            self.database.display(),
            self.backup.display()
        )?;
        if let Some(kept) = &self.kept {
            write!(
                f,
                "\nThe database it replaced is kept as {}.",
                kept.display()
            )?;
        }
        if schema < latest_schema() {
            write!(
                f,
                "\nIts schema is older than this Tessera's: `tessera serve` or `tessera migrate` \
                 brings it up to date."
            )?;
        }
        Ok(())
    }
}

/// Replaces the SQLite database `database_url` names with the backup `backup`, once it has
/// checked the backup and that nothing uses the database; the one replaced is set aside.
pub async fn restore(database_url: &str, backup: &Path) -> Result<Restored, BackupError> {
    let (_, database) = sqlite_file(database_url, "restore")?;
    check_backup_file(backup, &database)?;
    let existing = match fs::metadata(&database) {
        Ok(found) if found.is_file() => Some(found),
        Ok(_) => return Err(refuse(format!("{} is not a file", database.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(cannot("read", &database, e)),
    };
    let folder = folder_of(&database);
    fs::create_dir_all(folder).map_err(|e| cannot("create", folder, e))?;

    // The copy is checked, not the backup: what is checked is what goes in place.
    let mode = existing
        .as_ref()
        .map_or(BACKUP_MODE, |old| old.mode() & 0o777);
    let (copy, mut writer) = Partial::create(
        with_suffix(&database, &format!(".restoring-{}", std::process::id())),
        mode,
    )?;
    File::open(backup)
        .and_then(|mut source| io::copy(&mut source, &mut writer))
        .map_err(|e| cannot("copy", backup, e))?;
    drop(writer);
    if let Some(old) = &existing {
        give_owner(&copy.path, old)?;
    }
    let contents = check_copy(&copy.path, backup).await?;
    copy.sync()?;

    let _lock = DatabaseLock::try_acquire(&database)?.ok_or_else(|| {
        refuse(format!(
            "{} is in use: a running `tessera serve` (or another restore) holds {}; stop it, \
             then restore",
            database.display(),
            lock_path(&database).display()
        ))
    })?;
    // Looked at again under the lock: something may have made it meanwhile.
    let kept = if database.exists() {
        refuse_if_open_elsewhere(&database).await?;
        Some(set_aside(&database)?)
    } else {
        None
    };
    copy.replace(&database)?;
    Ok(Restored {
        database,
        backup: backup.to_owned(),
        contents,
        kept,
    })
}

/// Refuses what is plainly no backup, before anything is copied.
fn check_backup_file(backup: &Path, database: &Path) -> Result<(), BackupError> {
    let found = match fs::metadata(backup) {
        Ok(found) => found,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(refuse(format!(
                "there is no backup at {}",
                backup.display()
            )))
        }
        Err(e) => return Err(cannot("read", backup, e)),
    };
    if found.is_dir() {
        return Err(refuse(format!(
            "{} is a folder, not a backup file",
            backup.display()
        )));
    }
    let mut header = [0_u8; 16];
    let read = File::open(backup).and_then(|mut file| file.read_exact(&mut header));
    match read {
        Ok(()) if &header == SQLITE_HEADER => {}
        Ok(()) => return Err(not_sqlite(backup)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(not_sqlite(backup)),
        Err(e) => return Err(cannot("read", backup, e)),
    }
    let log = with_suffix(backup, "-wal");
    if fs::metadata(&log).is_ok_and(|log| log.len() > 0) {
        return Err(refuse(format!(
            "{} has a write-ahead log beside it ({}): it is a live database, not a backup; \
             make one with `tessera backup`",
            backup.display(),
            log.display()
        )));
    }
    if let (Ok(a), Ok(b)) = (fs::canonicalize(backup), fs::canonicalize(database)) {
        if a == b {
            return Err(refuse(format!(
                "{} is the database itself",
                backup.display()
            )));
        }
    }
    Ok(())
}

fn not_sqlite(path: &Path) -> BackupError {
    refuse(format!("{} is not a SQLite database", path.display()))
}

/// Checks `copy` of `backup` throughout: SQLite's integrity and foreign-key checks, Tessera's
/// tables, and migrations this Tessera knows.
async fn check_copy(copy: &Path, backup: &Path) -> Result<Contents, BackupError> {
    let unusable = |e: sqlx::Error| match primary_code(&e) {
        Some(SQLITE_CORRUPT) => refuse(format!(
            "{} is damaged: {}",
            backup.display(),
            e.as_database_error()
                .map_or(String::new(), |e| e.message().to_owned())
        )),
        Some(SQLITE_NOTADB) => not_sqlite(backup),
        _ => cannot("read", backup, e),
    };
    let mut db = connect(copy, false).await.map_err(unusable)?;
    let checked = async {
        let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut db)
            .await
            .map_err(unusable)?;
        if problems != ["ok"] {
            return Err(refuse(format!(
                "{} is damaged: SQLite's integrity check says {}",
                backup.display(),
                problems.first().map_or("nothing", String::as_str)
            )));
        }
        let orphans = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut db)
            .await
            .map_err(unusable)?
            .len();
        if orphans > 0 {
            return Err(refuse(format!(
                "{} is damaged: {orphans} rows refer to rows it does not hold",
                backup.display()
            )));
        }
        let contents = contents_of(&mut db, backup).await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
            .fetch_all(&mut db)
            .await
            .map_err(unusable)?;
        if let Some(unknown) = applied
            .iter()
            .find(|version| !MIGRATOR.iter().any(|known| known.version == **version))
        {
            return Err(refuse(format!(
                "{} comes from a newer Tessera (migration {unknown} is unknown to version {}); \
                 restore it with the version that made it",
                backup.display(),
                env!("CARGO_PKG_VERSION")
            )));
        }
        Ok(contents)
    }
    .await;
    let _ = db.close().await;
    checked
}

/// Refuses while any process has `database` open, a Tessera too old to take the lock file
/// or `tessera user add` as much as the `sqlite3` shell.
async fn refuse_if_open_elsewhere(database: &Path) -> Result<(), BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(database)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::from_secs(1))
        .disable_statement_logging();
    let outcome = async {
        let mut db = options.connect().await?;
        // In exclusive locking mode the first read takes a lock no other open connection
        // allows, even one idle in WAL mode.
        let taken = async {
            sqlx::query("BEGIN EXCLUSIVE").execute(&mut db).await?;
            sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                .execute(&mut db)
                .await?;
            sqlx::query("COMMIT").execute(&mut db).await
        }
        .await;
        // Closing writes the write-ahead log into the file and removes it.
        db.close().await?;
        taken.map(|_| ())
    }
    .await;
    let Err(e) = outcome else { return Ok(()) };
    match primary_code(&e) {
        Some(SQLITE_BUSY | SQLITE_LOCKED) => Err(refuse(format!(
            "{} is open in another process (SQLite holds it locked): stop what uses it, then \
             restore",
            database.display()
        ))),
        // A damaged database, which restoring replaces.
        Some(SQLITE_CORRUPT | SQLITE_NOTADB) => Ok(()),
        _ => Err(cannot("open", database, e)),
    }
}

const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_NOTADB: i32 = 26;

/// SQLite's primary result code for `error`, if SQLite made it.
fn primary_code(error: &sqlx::Error) -> Option<i32> {
    let code = error.as_database_error()?.code()?.parse::<i32>().ok()?;
    Some(code & 0xff)
}

/// Keeps the database a restore replaces as `DATABASE.before-restore-<UTC time>`.
fn set_aside(database: &Path) -> Result<PathBuf, BackupError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let kept = with_suffix(database, &format!(".before-restore-{stamp}"));
    // A link leaves the database in place until the restored one replaces it in one rename.
    if let Err(e) = fs::hard_link(database, &kept) {
        if e.kind() == io::ErrorKind::AlreadyExists {
            return Err(refuse(format!("{} already exists", kept.display())));
        }
        fs::rename(database, &kept).map_err(|e| cannot("set aside", database, e))?;
    }
    // Left only if closing could not fold it in: it belongs to the kept file.
    let log = with_suffix(database, "-wal");
    if log.exists() {
        let kept_log = with_suffix(&kept, "-wal");
        fs::rename(&log, &kept_log).map_err(|e| cannot("set aside", &log, e))?;
    }
    let shared_memory = with_suffix(database, "-shm");
    if shared_memory.exists() {
        fs::remove_file(&shared_memory).map_err(|e| cannot("remove", &shared_memory, e))?;
    }
    Ok(kept)
}

/// Gives `path` the owner of the database it replaces, so the service can still write it.
fn give_owner(path: &Path, old: &fs::Metadata) -> Result<(), BackupError> {
    let new = fs::metadata(path).map_err(|e| cannot("read", path, e))?;
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(old.uid()), Some(old.gid())).map_err(|e| {
        refuse(format!(
            "cannot give the restored database the owner of the one it replaces (uid {}): {e}; \
             run restore as that user or as root",
            old.uid()
        ))
    })
}
