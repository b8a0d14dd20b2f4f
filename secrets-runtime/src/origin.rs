//! Where a field's value comes from, as an error shows it (`env PORT`, `kms <key> via env
//! DB_PASS`, `gs://bucket/app1#password`). Kept as parts and written out only for a field
//! that fails: a load that succeeds formats nothing.

use std::fmt;
use std::sync::Arc;

use crate::plan::NameRef;

pub(crate) enum Origin {
    Env {
        var: &'static str,
        defaulted: bool,
    },
    Kms {
        key: Name,
        var: &'static str,
    },
    Gcs {
        bucket: Name,
        object: &'static str,
        key: Option<&'static str>,
    },
}

/// A key or bucket name as read, or where it was to be read from when that failed.
pub(crate) enum Name {
    Read(Arc<str>),
    Unread(NameRef),
}

impl Name {
    pub(crate) fn new<E>(read: &Result<Arc<str>, E>, from: &NameRef) -> Self {
        match read {
            Ok(name) => Self::Read(name.clone()),
            Err(_) => Self::Unread(*from),
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(name) => f.write_str(name),
            Self::Unread(NameRef::Literal(name)) => f.write_str(name),
            Self::Unread(NameRef::Env(var)) => write!(f, "${var}"),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env {
                var,
                defaulted: false,
            } => write!(f, "env {var}"),
            Self::Env {
                var,
                defaulted: true,
            } => write!(f, "env {var}, unset: the default"),
            Self::Kms { key, var } => write!(f, "kms {key} via env {var}"),
            Self::Gcs {
                bucket,
                object,
                key: Some(key),
            } => write!(f, "gs://{bucket}/{object}#{key}"),
            Self::Gcs {
                bucket,
                object,
                key: None,
            } => write!(f, "gs://{bucket}/{object}"),
        }
    }
}
