//! Files for `#[file]` fields: the real file system ([`OsFiles`], the default) and the local
//! backend's stand-in for it ([`LocalFiles`]), which finds `/secrets/db-pass` under
//! `<dir>/files/secrets/db-pass` so that a config written for a Cloud Run volume runs on a
//! laptop unchanged.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::read_capped;
use crate::backend::{BoxFuture, FileStore, SecretBytes, ready};
use crate::family::check_size;
use crate::{BackendError, ErrorKind};

/// The process's file system. Reads run on Tokio's blocking pool, so a slow disk or network
/// mount never stalls the runtime's threads or the remote requests of the same load.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFiles;

impl FileStore for OsFiles {
    fn read<'a>(
        &'a self,
        path: &'a Path,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let owned = path.to_path_buf();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || read_file(&owned, &owned, max_bytes))
                .await
                .unwrap_or_else(|_| {
                    Err(BackendError::new(
                        ErrorKind::Other,
                        format!("the read of file {} did not finish", path.display()),
                    ))
                })
        })
    }
}

/// Files under `<dir>/files/`, each absolute path taken as relative to it.
#[derive(Debug, Clone)]
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    /// The files under `<dir>/files/`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            root: dir.into().join("files"),
        }
    }

    /// Where `path` is kept: `/secrets/x` is `<dir>/files/secrets/x`. A path that climbs out
    /// (`..`) has no place here.
    pub fn path_of(&self, path: &Path) -> Result<PathBuf, BackendError> {
        let mut inside = self.root.clone();
        for part in path.components() {
            match part {
                Component::Normal(part) => inside.push(part),
                Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
                Component::ParentDir => {
                    return Err(BackendError::new(
                        ErrorKind::Invalid,
                        format!(
                            "file {} climbs out with `..`, which the local backend cannot map",
                            path.display()
                        ),
                    ));
                }
            }
        }
        Ok(inside)
    }

    /// Writes (or replaces) the file the local backend shows at `path`.
    pub fn put(&self, path: &str, bytes: &[u8]) -> Result<(), BackendError> {
        super::write_creating(&self.path_of(Path::new(path))?, bytes)
    }
}

impl FileStore for LocalFiles {
    fn read<'a>(
        &'a self,
        path: &'a Path,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        // Blocking reads of a few bytes at boot, like the rest of the local backend, which
        // is for development.
        ready(
            self.path_of(path)
                .and_then(|inside| read_file(&inside, path, max_bytes)),
        )
    }
}

/// Reads the file at `path`, named `shown` in messages: nothing there is `None`; a directory,
/// a file this process may not read, or one over the cap is an error that says which.
pub(crate) fn read_file(
    path: &Path,
    shown: &Path,
    max_bytes: usize,
) -> Result<Option<SecretBytes>, BackendError> {
    let what = format_args!("file {}", shown.display());
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            return Err(BackendError::new(
                ErrorKind::PermissionDenied,
                format!(
                    "cannot read {what}: permission denied; the process{} needs {} on it (its mode and owner decide)",
                    running_as(),
                    <crate::family::Files as crate::family::Family>::PERMISSION
                ),
            ));
        }
        Err(e) => return Err(cannot_read(&what, &e)),
    };
    let metadata = file.metadata().map_err(|e| cannot_read(&what, &e))?;
    if metadata.is_dir() {
        return Err(BackendError::new(
            ErrorKind::Invalid,
            format!("{what} is a directory, not a file"),
        ));
    }
    check_size(&what, metadata.len(), max_bytes)?;
    read_capped(file, shown, &what, metadata.len(), max_bytes).map(Some)
}

fn cannot_read(what: &dyn std::fmt::Display, e: &io::Error) -> BackendError {
    BackendError::new(ErrorKind::Other, format!("cannot read {what}: {e}"))
}

/// ` (uid N)`, the effective uid: the first thing to compare with the file's owner and mode.
/// Read from `/proc/self/status` (Linux, where functions run), which needs no `libc`;
/// elsewhere nothing is said.
fn running_as() -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    // `Uid:` lists the real, effective, saved and file-system uids.
    let effective = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|uids| uids.split_whitespace().nth(1));
    effective.map_or_else(String::new, |uid| format!(" (uid {uid})"))
}
