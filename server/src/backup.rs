//! `tessera backup` and `tessera restore`: a consistent copy of a live SQLite database, and
//! putting one back while nothing uses the database. PostgreSQL has pg_dump and pg_restore.

use crate::db::{self, sqlite::MIGRATOR};
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
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

/// The advisory lock (flock) on `DATABASE.lock` beside a SQLite database, held by `tessera
/// serve` for as long as it runs and by `tessera restore` while it works.
// Not SQLite's own locks: they last only while a connection is open, and an idle server's
// pool may have closed them all. The kernel drops a flock when its process ends, crash or not.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

impl DatabaseLock {
    /// The lock, or `None` while another process holds it.
    fn try_acquire(database: &Path) -> Result<Option<Self>, BackupError> {
        let path = lock_path(database);
        let file = match OpenOptions::new().append(true).create(true).open(&path) {
            Ok(file) => file,
            // A lock file another user made (root running a restore): reading is enough.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                File::open(&path).map_err(|e| cannot("open", &path, e))?
            }
            Err(e) => return Err(cannot("create", &path, e)),
        };
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(None),
            Err(e) => Err(cannot("lock", &path, io::Error::from(e))),
        }
    }
}

/// For `tessera serve`: the lock on its SQLite database, which keeps restores and other
/// servers off it; `None` for PostgreSQL (and for URLs that opening the database refuses).
pub fn lock_for_serving(database_url: &str) -> Result<Option<DatabaseLock>, BackupError> {
    let Ok((_, database)) = sqlite_file(database_url, "serve") else {
        return Ok(None);
    };
    let folder = folder_of(&database);
    fs::create_dir_all(folder).map_err(|e| cannot("create", folder, e))?;
    let lock = DatabaseLock::try_acquire(&database)?.ok_or_else(|| {
        refuse(format!(
            "{} is in use: another `tessera serve` or a `tessera restore` holds {} (one \
             instance serves a SQLite database)",
            database.display(),
            lock_path(&database).display()
        ))
    })?;
    Ok(Some(lock))
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

/// A file written beside its final name, removed unless it gets there.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Partial {
    /// The new, empty file, and a handle to write it through.
    fn create(path: PathBuf, mode: u32) -> Result<(Self, File), BackupError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .map_err(|e| cannot("create", &path, e))?;
        Ok((Self { path, done: false }, file))
    }

    fn sync(&self) -> Result<(), BackupError> {
        File::open(&self.path)
            .and_then(|file| file.sync_all())
            .map_err(|e| cannot("sync", &self.path, e))
    }

    /// Moves it to `file`, which must not exist: a link fails if it does, where a rename
    /// would overwrite it.
    fn keep_as_new(mut self, file: &Path) -> Result<(), BackupError> {
        match fs::hard_link(&self.path, file) {
            Ok(()) => {
                let _ = fs::remove_file(&self.path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(refuse(format!(
                    "{} already exists; a backup never overwrites a file: name a new one",
                    file.display()
                )))
            }
            // A file system without hard links.
            Err(_) => fs::rename(&self.path, file).map_err(|e| cannot("write", file, e))?,
        }
        self.done = true;
        sync_folder(file)
    }

    /// Moves it over `file` in one rename.
    fn replace(mut self, file: &Path) -> Result<(), BackupError> {
        fs::rename(&self.path, file).map_err(|e| cannot("replace", file, e))?;
        self.done = true;
        sync_folder(file)
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.path);
        }
    }
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

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .disable_statement_logging()
        .connect()
        .await
}

fn sync_folder(file: &Path) -> Result<(), BackupError> {
    let folder = folder_of(file);
    File::open(folder)
        .and_then(|folder| folder.sync_all())
        .map_err(|e| cannot("sync", folder, e))
}

fn lock_path(database: &Path) -> PathBuf {
    with_suffix(database, ".lock")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    }
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
