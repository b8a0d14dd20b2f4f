//! The outcome of a load's requests, converted field by field by the generated code.

use std::fmt;

use crate::backend::SecretBytes;
use crate::convert::FromSecret;
use crate::origin::Origin;
use crate::plan::StructSpec;
use crate::{BackendError, Error, ErrorKind, FieldError};

/// What one field's source produced.
pub(crate) enum Slot {
    Value(SecretBytes),
    /// Nothing there: an error unless the field's type accepts absence (`Option`).
    Absent(BackendError),
    Failed(BackendError),
    Taken,
}

impl Slot {
    /// A failure that means "nothing there" ([`ErrorKind::Missing`]) is absence, which an
    /// `Option` field loads as `None`; any other is a failure.
    pub(crate) fn from_error(why: BackendError) -> Self {
        match why.kind() {
            ErrorKind::Missing => Self::Absent(why),
            _ => Self::Failed(why),
        }
    }
}

impl From<Result<SecretBytes, BackendError>> for Slot {
    fn from(result: Result<SecretBytes, BackendError>) -> Self {
        result.map_or_else(Self::from_error, Self::Value)
    }
}

/// Every field's bytes or failure; `take` converts one field, collecting failures so that
/// the error lists every failed field at once.
pub struct Loaded {
    spec: &'static StructSpec,
    origins: Vec<Origin>,
    slots: Vec<Slot>,
    failures: Vec<FieldError>,
}

impl Loaded {
    pub(crate) fn new(spec: &'static StructSpec, origins: Vec<Origin>, slots: Vec<Slot>) -> Self {
        Self {
            spec,
            origins,
            slots,
            failures: Vec::new(),
        }
    }

    /// The field at `index` as a `T`, or `None` with its failure recorded.
    pub fn take<T: FromSecret<M>, M>(&mut self, index: usize) -> Option<T> {
        let failure = match std::mem::replace(&mut self.slots[index], Slot::Taken) {
            Slot::Value(bytes) => match T::from_secret(bytes) {
                Ok(value) => return Some(value),
                Err(why) => BackendError::new(ErrorKind::Invalid, why.message()),
            },
            Slot::Absent(why) => match T::when_absent() {
                Some(value) => return Some(value),
                None => why,
            },
            Slot::Failed(why) => why,
            Slot::Taken => BackendError::new(ErrorKind::Other, "field loaded twice"),
        };
        self.failures.push(FieldError::new(
            self.spec.fields[index].name,
            self.origins[index].to_string(),
            failure.kind(),
            failure.message().to_owned(),
        ));
        None
    }

    /// The error listing every failed field.
    #[must_use]
    pub fn into_error(self) -> Error {
        Error::new(self.spec.name, self.failures)
    }
}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the slots: they hold plaintext.
        f.debug_struct("Loaded")
            .field("target", &self.spec.name)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}
