//! The lock file that keeps a restore and a second server off a SQLite database in use.

use super::files::{folder_of, with_suffix};
use super::{cannot, refuse, sqlite_file, BackupError};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

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
    pub(super) fn try_acquire(database: &Path) -> Result<Option<Self>, BackupError> {
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

pub(super) fn lock_path(database: &Path) -> PathBuf {
    with_suffix(database, ".lock")
}
