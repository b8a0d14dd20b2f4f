//! Files in memory, for `#[file]` fields in tests.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::lock;
use crate::BackendError;
use crate::backend::{BoxFuture, FileStore, SecretBytes, ready};
use crate::family::check_size;

/// Files by path.
///
/// ```
/// use secrets_runtime::memory::MemoryFiles;
/// let files = MemoryFiles::new().with_file("/secrets/db-pass", "s3cr3t\n");
/// # let _ = files;
/// ```
#[derive(Clone, Default)]
pub struct MemoryFiles {
    files: Arc<Mutex<HashMap<PathBuf, Arc<[u8]>>>>,
}

impl MemoryFiles {
    /// No files.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the file at `path` and returns the store.
    #[must_use]
    pub fn with_file(self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        lock(&self.files).insert(path.into(), bytes.into().into());
        self
    }
}

impl FileStore for MemoryFiles {
    fn read<'a>(
        &'a self,
        path: &'a Path,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let read = || {
            let files = lock(&self.files);
            let Some(bytes) = files.get(path) else {
                return Ok(None);
            };
            let what = format_args!("file {}", path.display());
            check_size(&what, bytes.len() as u64, max_bytes)?;
            Ok(Some(SecretBytes::new(bytes.to_vec())))
        };
        ready(read())
    }
}

impl fmt::Debug for MemoryFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files = lock(&self.files);
        let mut paths: Vec<&PathBuf> = files.keys().collect();
        paths.sort();
        f.debug_struct("MemoryFiles")
            .field("paths", &paths)
            .finish()
    }
}
