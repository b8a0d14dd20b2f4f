//! Where a field's value comes from, as an error shows it (`env PORT`, `kms <key> via env
//! DB_PASS`, `gs://bucket/app1#password`). Kept as parts and written out by the field's source
//! kind only for a field that fails: a load that succeeds formats nothing.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::spec::{FieldSource, NameRef};

/// The parts of a field's origin that planning found; the source kind writes them out.
pub struct Origin {
    source: &'static dyn FieldSource,
    var: Cow<'static, str>,
    name: Option<Name>,
    defaulted: bool,
}

impl Origin {
    pub(crate) fn new(source: &'static dyn FieldSource) -> Self {
        Self {
            source,
            var: Cow::Borrowed(""),
            name: None,
            defaulted: false,
        }
    }

    /// A field that read env `var` (`""` for none) and asks `name` (a key, a bucket) as read,
    /// or as it was to be read.
    pub(crate) fn of<E>(
        source: &'static dyn FieldSource,
        var: Cow<'static, str>,
        read: &Result<Arc<str>, E>,
        from: NameRef,
    ) -> Self {
        let name = match read {
            Ok(name) => Name::Read(name.clone()),
            Err(_) => Name::Unread(from),
        };
        Self {
            source,
            var,
            name: Some(name),
            defaulted: false,
        }
    }

    /// The env var the field read (with any nested prefix), if it read one.
    pub(crate) fn with_var(mut self, var: Cow<'static, str>) -> Self {
        self.var = var;
        self
    }

    pub(crate) fn defaulted(mut self) -> Self {
        self.defaulted = true;
        self
    }

    pub(crate) fn var(&self) -> &str {
        &self.var
    }

    pub(crate) fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }

    pub(crate) fn is_defaulted(&self) -> bool {
        self.defaulted
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.describe(self, f)
    }
}

/// A key or bucket name as read, or where it was to be read from when that failed.
pub(crate) enum Name {
    Read(Arc<str>),
    Unread(NameRef),
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
