//! Files written safely: beside their final name first, synced, then put in place.

use super::{cannot, refuse, BackupError};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file written beside its final name, removed unless it gets there.
pub(super) struct Partial {
    pub(super) path: PathBuf,
    done: bool,
}

impl Partial {
    /// The new, empty file, and a handle to write it through.
    pub(super) fn create(path: PathBuf, mode: u32) -> Result<(Self, File), BackupError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .map_err(|e| cannot("create", &path, e))?;
        Ok((Self { path, done: false }, file))
    }

    pub(super) fn sync(&self) -> Result<(), BackupError> {
        File::open(&self.path)
            .and_then(|file| file.sync_all())
            .map_err(|e| cannot("sync", &self.path, e))
    }

    /// Moves it to `file`, which must not exist: a link fails if it does, where a rename
    /// would overwrite it.
    pub(super) fn keep_as_new(mut self, file: &Path) -> Result<(), BackupError> {
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
    pub(super) fn replace(mut self, file: &Path) -> Result<(), BackupError> {
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

fn sync_folder(file: &Path) -> Result<(), BackupError> {
    let folder = folder_of(file);
    File::open(folder)
        .and_then(|folder| folder.sync_all())
        .map_err(|e| cannot("sync", folder, e))
}

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

pub(super) fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    }
}
