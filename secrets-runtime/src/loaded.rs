//! The outcome of a load, converted field by field by the generated `__assemble`, which
//! takes the fields in declaration order, nested structs depth first.

use std::fmt;
use std::sync::Arc;

use crate::backend::SecretBytes;
use crate::convert::{ConvertError, FromSecret, list};
use crate::origin::Origin;
use crate::{BackendError, Error, ErrorKind, FieldError, Secrets};

/// What one field's source produced.
pub(crate) enum Slot {
    Value(SecretBytes),
    /// Nothing there: an error unless the field's type accepts absence (`Option`).
    Absent(BackendError),
    Failed(BackendError),
}

impl Slot {
    /// The one rule of absence: a failure that means "nothing there"
    /// ([`ErrorKind::Missing`]) is absence, which an `Option` field loads as `None`; any
    /// other is a failure. Every source kind and every backend goes through it.
    pub(crate) fn from_error(why: BackendError) -> Self {
        match why.kind() {
            ErrorKind::Missing => Self::Absent(why),
            _ => Self::Failed(why),
        }
    }
}

/// One field after its request was answered.
pub(crate) struct Settled {
    pub(crate) name: &'static str,
    pub(crate) path: Option<Arc<str>>,
    pub(crate) origin: Origin,
    pub(crate) slot: Slot,
}

/// Every field's bytes or failure; `take` converts the next field, collecting failures so
/// that the error lists every failed field at once.
pub struct Loaded {
    target: &'static str,
    fields: std::vec::IntoIter<Settled>,
    failures: Vec<FieldError>,
}

impl Loaded {
    pub(crate) fn new(target: &'static str, fields: Vec<Settled>) -> Self {
        Self {
            target,
            fields: fields.into_iter(),
            failures: Vec::new(),
        }
    }

    /// The next field as a `T`, or `None` with its failure recorded.
    pub fn take<T: FromSecret<M>, M>(&mut self) -> Option<T> {
        self.take_with(T::from_secret, T::when_absent)
    }

    /// The next field as a list of `T`, its value split on `separator` (`split = ","`).
    pub fn take_list<T: FromSecret<M>, M>(&mut self, separator: &str) -> Option<Vec<T>> {
        self.take_with(|bytes| list::split(bytes, separator), || None)
    }

    /// The same for an `Option<Vec<T>>`: `None` when the source holds nothing.
    pub fn take_optional_list<T: FromSecret<M>, M>(
        &mut self,
        separator: &str,
    ) -> Option<Option<Vec<T>>> {
        self.take_with(
            |bytes| list::split(bytes, separator).map(Some),
            || Some(None),
        )
    }

    /// The next field converted by `convert`, or `when_absent` when its source holds
    /// nothing; `None` with its failure recorded.
    fn take_with<T>(
        &mut self,
        convert: impl FnOnce(SecretBytes) -> Result<T, ConvertError>,
        when_absent: impl FnOnce() -> Option<T>,
    ) -> Option<T> {
        let Settled {
            name,
            path,
            origin,
            slot,
        } = self.fields.next()?;
        let failure = match slot {
            Slot::Value(bytes) => match convert(bytes) {
                Ok(value) => return Some(value),
                Err(why) => BackendError::new(ErrorKind::Invalid, why.message()),
            },
            Slot::Absent(why) => match when_absent() {
                Some(value) => return Some(value),
                None => why,
            },
            Slot::Failed(why) => why,
        };
        let field = match path {
            Some(path) => format!("{path}.{name}"),
            None => name.to_owned(),
        };
        self.failures.push(FieldError::new(
            field,
            origin.to_string(),
            failure.kind(),
            failure.message().to_owned(),
        ));
        None
    }

    /// The next fields as the nested struct `T`, or `None` with their failures recorded.
    pub fn nested<T: Secrets>(&mut self) -> Option<T> {
        T::__assemble(self)
    }

    /// The error listing every failed field.
    #[must_use]
    pub fn into_error(self) -> Error {
        Error::new(self.target, self.failures)
    }

    /// The whole struct `T`, or the error listing every failed field.
    pub(crate) fn assemble<T: Secrets>(mut self) -> Result<T, Error> {
        match T::__assemble(&mut self) {
            Some(value) => Ok(value),
            None => Err(self.into_error()),
        }
    }

    /// Each field's bytes as its source produced them, before any conversion, in the order
    /// `take` goes through them (`None`: absent or failed): what a watch compares between
    /// two loads to tell a change, without asking the user's types for `PartialEq`.
    pub(crate) fn raw(&self) -> impl Iterator<Item = Option<&[u8]>> {
        self.fields
            .as_slice()
            .iter()
            .map(|field| match &field.slot {
                Slot::Value(bytes) => Some(bytes.as_slice()),
                Slot::Absent(_) | Slot::Failed(_) => None,
            })
    }
}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the slots: they hold plaintext.
        f.debug_struct("Loaded")
            .field("target", &self.target)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}
