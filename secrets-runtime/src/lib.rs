// The crate's documentation is the README: the attribute reference, the errors, the
// backends. Its code blocks run as this crate's doctests, so it cannot drift from the API.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aead;
#[cfg(feature = "aws")]
pub mod aws;
mod backend;
mod backend_aws;
#[cfg(any(feature = "gcp", feature = "aws"))]
mod client_runtime;
mod convert;
mod environment;
mod error;
pub mod family;
#[cfg(feature = "gcp")]
pub mod gcp;
mod json;
mod kinds;
/// berglas's envelope format, to make berglas objects (and enveloped bundles) and to open them
/// outside a load, as `secrets verify` does.
pub mod berglas {
    pub use crate::kinds::berglas::{KMS_KEY_METADATA, open_with, seal};
}
mod load;
mod loaded;
pub mod local;
pub mod manifest;
pub mod memory;
mod origin;
mod retry;
mod sources;
mod spec;
mod watch;

use std::borrow::Borrow;
use std::future::Future;
use std::time::Duration;

pub use backend::{BoxFuture, FileStore, Kms, ObjectStore, SecretBytes, SecretStore, StoredObject};
pub use backend_aws::{
    AwsKeyService, AwsParameterStore, AwsSecretStore, BatchReply, SecretVersion,
};
pub use convert::{ConvertError, FromSecret, marker};
pub use error::{BackendError, Error, ErrorKind, FieldError};
pub use kinds::gcs::DEFAULT_MAX_OBJECT_BYTES;
pub use manifest::Manifest;
pub use retry::RetryPolicy;
pub use secrecy::{ExposeSecret, SecretSlice, SecretString};
/// Derives [`Secrets`] for a struct with named fields; see the crate docs for the attributes.
pub use secrets_derive::Secrets;
pub use sources::{Sources, SourcesBuilder};
pub use watch::{MIN_WATCH_PERIOD, Reload, Stopped, Watch};

/// A struct whose fields are loaded at boot from env vars, KMS ciphertext and stored objects.
///
/// Derive it with `#[derive(Secrets)]`: the derive writes the struct's static description
/// and how to put it together; loading is this trait's.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not derive `Secrets`",
    label = "`{Self}` must derive `Secrets`",
    note = "add `#[derive(Secrets)]` to `{Self}`, or load this field from a source attribute instead of `#[secrets(nested)]`"
)]
pub trait Secrets: Sized {
    /// Not public API: the struct's fields and their sources, written by the derive.
    #[doc(hidden)]
    const __SPEC: &'static __private::StructSpec;

    /// Not public API: the struct from a load's fields, taken in declaration order; `None`
    /// when a field failed (the failure is recorded in `loaded`).
    #[doc(hidden)]
    fn __assemble(loaded: &mut __private::Loaded) -> Option<Self>;

    /// Loads every field from `sources`, all remote requests concurrently (those of nested
    /// structs too). On failure the error lists every failed field.
    #[must_use = "the load happens when the future is awaited"]
    fn load_from(sources: &Sources) -> impl Future<Output = Result<Self, Error>> + Send + '_ {
        async move { load::fetch(sources, Self::__SPEC).await.assemble() }
    }

    /// Loads from the process environment with the backends it selects
    /// ([`Sources::process`]).
    #[must_use = "the load happens when the future is awaited"]
    fn load() -> impl Future<Output = Result<Self, Error>> + Send {
        Self::load_from(Sources::process())
    }

    /// Every env var the struct reads and every resource it needs, with the permission and
    /// the role each takes: from the struct's declaration alone, with no request and no env
    /// var read. See [`Manifest`] for its table, its JSON and its `gcloud` commands.
    #[must_use]
    fn manifest() -> Manifest {
        manifest::ManifestCx::manifest(Self::__SPEC)
    }

    /// Loads from [`Sources::process`] now, then again in the background about every
    /// `period`, keeping the last good value; see [`Watch`]. The first load's error is
    /// returned: there is no watch without a good value.
    ///
    /// # Panics
    /// Outside a Tokio runtime, as `tokio::spawn` does: the reloads run on the caller's.
    #[must_use = "the first load happens when the future is awaited"]
    fn watch(period: Duration) -> impl Future<Output = Result<Watch<Self>, Error>> + Send
    where
        Self: Send + Sync + 'static,
    {
        Watch::start(Sources::process(), period)
    }

    /// [`watch`](Secrets::watch) from `sources`: a `&'static Sources`, an `Arc<Sources>` or a
    /// `Sources`, which the background reloads keep until the [`Watch`] is dropped.
    ///
    /// # Panics
    /// Outside a Tokio runtime, as `tokio::spawn` does: the reloads run on the caller's.
    #[must_use = "the first load happens when the future is awaited"]
    fn watch_from<S>(
        sources: S,
        period: Duration,
    ) -> impl Future<Output = Result<Watch<Self>, Error>> + Send
    where
        Self: Send + Sync + 'static,
        S: Borrow<Sources> + Send + Sync + 'static,
    {
        Watch::start(sources, period)
    }
}

/// Not public API: what `#[derive(Secrets)]` expands to refers to these paths.
#[doc(hidden)]
pub mod __private {
    // Every source kind's module, so that a new kind needs no line here.
    pub use crate::kinds::*;
    pub use crate::load::{Planned, Planner};
    pub use crate::loaded::Loaded;
    pub use crate::origin::Origin;
    pub use crate::spec::{FieldSource, FieldSpec, Load, NameRef, Pick, StructSpec, Var};

    /// Compiles only for a field type the derive can load: the stand-in impl emitted on
    /// errors calls it so that type errors are not held back behind attribute errors.
    pub fn assert_loadable<T: crate::FromSecret<M>, M>() {}

    /// The same for a nested field: its type must derive `Secrets`.
    pub fn assert_nested<T: crate::Secrets>() {}
}
