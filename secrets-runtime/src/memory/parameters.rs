//! Parameter Store in memory: values by name, read 10 names a call as `GetParameters` reads
//! them, every call recorded.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::{Calls, lock, sorted_names};
use crate::BackendError;
use crate::backend::{BoxFuture, SecretBytes, ready};
use crate::backend_aws::{AwsParameterStore, BatchReply};
use crate::family::{Family, ParameterStore, check_size};

/// Parameters in memory, by name: a `SecureString` is its plaintext here.
///
/// A name is looked up as the field gives it: `/prod/db:3` (a version) or `/prod/db:live` (a
/// label) is a parameter of its own here, and an ARN too.
///
/// ```
/// use secrets_runtime::memory::MemoryParameters;
/// let ssm = MemoryParameters::new().with_parameter("/prod/api/token", "s3cr3t");
/// assert_eq!(ssm.call_count(), 0);
/// ```
#[derive(Clone, Default)]
pub struct MemoryParameters {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    parameters: Mutex<HashMap<String, Arc<[u8]>>>,
    calls: Calls,
}

impl MemoryParameters {
    /// No parameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a parameter and returns the store, for building one in an
    /// expression.
    #[must_use]
    pub fn with_parameter(self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds (or replaces) a parameter; every clone of this store sees it.
    pub fn insert(&self, name: &str, value: impl Into<Vec<u8>>) {
        let value: Vec<u8> = value.into();
        lock(&self.inner.parameters).insert(name.to_owned(), value.into());
    }

    /// How many `GetParameters` calls this store (and its clones) has answered.
    #[must_use]
    pub fn call_count(&self) -> usize {
        self.inner.calls.count()
    }

    /// The names each call carried, in the order the calls came.
    #[must_use]
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.inner.calls.all()
    }

    fn get_now(&self, names: &[&str], max_bytes: usize) -> Result<Vec<BatchReply>, BackendError> {
        let names_iter = names.iter().copied();
        self.inner
            .calls
            .record("GetParameters", ParameterStore::BATCH, names_iter)?;
        let parameters = lock(&self.inner.parameters);
        let reply = |name: &str| {
            let Some(value) = parameters.get(name) else {
                return Ok(None);
            };
            check_size(
                &format_args!("parameter {name}"),
                value.len() as u64,
                max_bytes,
            )?;
            Ok(Some(SecretBytes::new(value.to_vec())))
        };
        Ok(names.iter().map(|name| reply(name)).collect())
    }
}

impl AwsParameterStore for MemoryParameters {
    fn get_many<'a>(
        &'a self,
        names: &'a [&'a str],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        ready(self.get_now(names, max_bytes))
    }
}

/// Names only; never a value.
impl fmt::Debug for MemoryParameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parameters = lock(&self.inner.parameters);
        f.debug_struct("MemoryParameters")
            .field("parameters", &sorted_names(&parameters))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn each_name_gets_its_reply_and_each_call_is_recorded() {
        let ssm = MemoryParameters::new()
            .with_parameter("/a", "s3cr3t-Zq")
            .with_parameter("/big", vec![b'x'; 20]);
        let replies = ssm.get_now(&["/a", "/none", "/big"], 10).unwrap();
        let value = replies[0].as_ref().unwrap().as_ref().map(|v| v.as_slice());
        assert_eq!(value, Some(&b"s3cr3t-Zq"[..]));
        assert!(matches!(replies[1], Ok(None)));
        let too_large = replies[2].as_ref().unwrap_err();
        assert_eq!(too_large.kind(), ErrorKind::TooLarge);
        assert_eq!(ssm.calls(), [["/a", "/none", "/big"]]);
        let eleven: Vec<String> = (0..11).map(|i| format!("/p{i}")).collect();
        let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
        let err = ssm.get_now(&eleven, 10).unwrap_err();
        assert_eq!(
            err.message(),
            "GetParameters takes at most 10 names at once, not 11"
        );
        assert_eq!(ssm.call_count(), 2);
        assert_eq!(
            format!("{ssm:?}"),
            "MemoryParameters { parameters: [\"/a\", \"/big\"], .. }"
        );
    }
}
