//! `#[file]`: a file the platform mounts (Cloud Run secret volumes, Kubernetes and Docker
//! secrets), whole or one key of the JSON object it holds.
//!
//! One trailing line break (`\n` or `\r\n`) is dropped from a whole file: `echo` and most
//! editors end files with one, and a password that silently ends in `\n` fails far from
//! here. `#[file(raw)]` keeps the bytes exactly, for binary files (DER keys) that may end in
//! that byte. A JSON file needs neither: whitespace around a JSON object means nothing.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::BackendError;
use crate::backend::{FileStore, SecretBytes};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Fetch, Planned, Planner};
use crate::manifest::{Holds, ManifestCx, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick};

/// The file system, or a stand-in behind [`FileStore`]: the family of `#[file]` fields.
#[derive(Debug)]
pub struct Files;

impl Family for Files {
    const NAME: &'static str = "file";
    const HINT: &'static str = "add one with Sources::builder().files(..) or .local(dir)";
    // No IAM role reads a file: the file system's own permission, for the process's user.
    const PERMISSION: &'static str = "read permission";
    type Backend = dyn FileStore;
    type Request = ReadFile;

    /// The real file system: files need no configuration.
    fn default_backend() -> Option<Arc<dyn FileStore>> {
        Some(Arc::new(crate::local::OsFiles))
    }

    async fn send<'a>(
        files: &'a dyn FileStore,
        request: &'a ReadFile,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let mut bytes = files.read(Path::new(&*request.path), max_bytes).await?;
        if let (false, Some(bytes)) = (request.raw, &mut bytes) {
            trim_line_break(bytes);
        }
        Ok(bytes)
    }
}

/// Drops one trailing `\n` or `\r\n`. Truncating leaves the dropped bytes in the buffer's
/// spare capacity, which is wiped with the rest when it is dropped.
fn trim_line_break(bytes: &mut SecretBytes) {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
}

/// A file to read.
#[derive(PartialEq, Eq)]
pub struct ReadFile {
    path: Arc<str>,
    raw: bool,
}

impl fmt::Display for ReadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file {}", self.path)
    }
}

static PATH: NameRule = NameRule {
    what: "the file path",
    check: secrets_names::blind::check_file_path,
};

/// `#[file(path = ".." | path_env = "..", key = "..", raw)]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The path, or the env var that holds it.
    pub path: NameRef,
    /// Keep a trailing line break.
    pub raw: bool,
    /// The whole file, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let raw = self.raw;
        let shape = Fetch {
            place: self.path,
            rule: &PATH,
            pick: self.pick,
            // `DB_PASS_FILE` unset: the file is not provided, as an unset `#[env]` var is.
            unset_is_absence: true,
        };
        shape.plan::<Files>(self, cx, |path| ReadFile { path, raw })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let path = cx.name(self.path, Holds::FilePath);
        cx.needs(Resource::File { path });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = origin.name() {
            write!(f, "file {path}")?;
        }
        write!(f, "{}", self.pick)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_line_break_is_dropped() {
        for (file, kept) in [
            (&b"s3cr3t\n"[..], &b"s3cr3t"[..]),
            (b"s3cr3t\r\n", b"s3cr3t"),
            (b"s3cr3t\n\n", b"s3cr3t\n"),
            (b"s3cr3t", b"s3cr3t"),
            (b"\n", b""),
            (b"s3cr3t\r", b"s3cr3t\r"),
        ] {
            let mut bytes = SecretBytes::new(file.to_vec());
            trim_line_break(&mut bytes);
            assert_eq!(bytes.as_slice(), kept);
        }
    }
}
