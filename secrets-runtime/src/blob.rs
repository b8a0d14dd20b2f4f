//! [`Blob`]: bytes a config holds that are not secret (a CA certificate, a public key), with a
//! `Debug` that says their size instead of listing them: a derived `Debug` of a struct with a
//! `Vec<u8>` field prints one byte per line.

use std::fmt;
use std::ops::Deref;

use crate::backend::SecretBytes;
use crate::convert::{ConvertError, FromSecret, marker};

/// Bytes with a compact `Debug`: `Blob(1234 bytes)`. For secret bytes use
/// [`SecretSlice<u8>`](crate::SecretSlice), whose `Debug` shows nothing and whose memory is
/// wiped on drop.
///
/// ```
/// use secrets_runtime::{Blob, SecretSlice, Secrets};
///
/// #[derive(Debug, Secrets)]
/// struct Tls {
///     #[gcs(object = "ca.pem")]
///     ca_cert: Blob,               // Debug: `Blob(1234 bytes)`
///     #[kms]
///     tls_key: SecretSlice<u8>,    // Debug: redacted
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Blob(Vec<u8>);

impl Blob {
    /// The bytes.
    #[must_use]
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "Blob({n} byte{})", if n == 1 { "" } else { "s" })
    }
}

impl Deref for Blob {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<Blob> for Vec<u8> {
    fn from(blob: Blob) -> Self {
        blob.0
    }
}

impl FromSecret<marker::Bytes> for Blob {
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError> {
        Vec::from_secret(bytes).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_says_the_size_not_the_bytes() {
        let blob = Blob::from(b"-----BEGIN CERTIFICATE-----".to_vec());
        assert_eq!(format!("{blob:?}"), "Blob(27 bytes)");
        assert_eq!(format!("{blob:#?}"), "Blob(27 bytes)");
        assert_eq!(&blob[..5], b"-----");
        assert_eq!(format!("{:?}", Blob::from(vec![0])), "Blob(1 byte)");
    }
}
