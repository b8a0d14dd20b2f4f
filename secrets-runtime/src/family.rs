//! Provider families: one remote API each (Cloud KMS, Cloud Storage, ...), and how
//! [`Sources`](crate::Sources) holds a backend for each.
//!
//! A family brings only what is its own: the backend trait it talks to, the request it makes,
//! and how that request reads in a message. Everything else — de-duplication, concurrency,
//! retries within the deadline, lazy clients, the size cap, JSON picking and absence — is
//! the loader's, shared by every family.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::backend::{BoxFuture, SecretBytes};
use crate::backend_aws::BatchReply;
use crate::{BackendError, ErrorKind};

/// One provider API that fields read from.
///
/// The families this crate ships are in this module ([`CloudKms`], [`CloudStorage`],
/// [`SecretManager`], [`Files`], [`Berglas`]); name
/// one to give [`SourcesBuilder::backend`](crate::SourcesBuilder::backend) its backend.
pub trait Family: Sized + Send + Sync + 'static {
    /// The service, as messages name it: `Cloud KMS`.
    const NAME: &'static str;
    /// How to configure a backend for it, said when a field needs one and none is there.
    const HINT: &'static str;
    /// What answers its requests: a trait object such as `dyn Kms`.
    type Backend: ?Sized + Send + Sync + 'static;
    /// One request. Fields whose requests are equal share one; `Display` names what is asked
    /// for (`key projects/..`, `object gs://b/o`) in messages.
    type Request: PartialEq + Send + Sync + fmt::Display + 'static;
    /// The predefined role that grants what `send` does (`roles/cloudkms.cryptoKeyDecrypter`),
    /// named when a backend reports that permission is denied.
    const PERMISSION: &'static str;
    /// Whether replies are held to [`SourcesBuilder::max_object_bytes`](crate::SourcesBuilder::max_object_bytes):
    /// stores are, a key service that caps its own plaintext (Cloud KMS: 64 KiB) need not be.
    const CAPPED: bool = true;

    /// The backend a load uses when [`Sources`](crate::Sources) was given none for this
    /// family: a family that needs no configuration (the local file system, say) has one.
    #[must_use]
    fn default_backend() -> Option<Arc<Self::Backend>> {
        None
    }

    /// Where a load gets this family's backend: by default the one [`Sources`](crate::Sources)
    /// holds for it. A family that works through other families' backends (berglas: Cloud
    /// Storage and Cloud KMS) puts its own together from theirs.
    #[must_use]
    fn backend(
        sources: &crate::Sources,
    ) -> impl Future<Output = Result<Arc<Self::Backend>, BackendError>> + Send + '_ {
        sources.backend::<Self>()
    }

    /// How many requests one call to the backend may carry. 1 (the default): each is sent
    /// alone by [`send`](Family::send). More: a load sends them in groups of up to this many
    /// by [`send_batch`](Family::send_batch), every group at once (Parameter Store's
    /// `GetParameters` takes 10 names).
    const BATCH: usize = 1;

    /// Sends up to [`BATCH`](Family::BATCH) requests in one call: one reply per request, in
    /// order. `Err` fails them all; a transient one is retried like any request. Called only
    /// when `BATCH` is over 1; the default sends each alone.
    fn send_batch<'a>(
        backend: &'a Self::Backend,
        requests: &'a [&'a Self::Request],
        max_bytes: usize,
    ) -> impl Future<Output = Result<Vec<BatchReply>, BackendError>> + Send + 'a {
        let each = requests
            .iter()
            .map(move |request| Self::send(backend, request, max_bytes));
        async move { Ok(futures_util::future::join_all(each).await) }
    }

    /// Sends one request: the bytes, `None` when what it names does not exist (an `Option`
    /// field is then `None`), or why not. `max_bytes` caps what a store may read.
    fn send<'a>(
        backend: &'a Self::Backend,
        request: &'a Self::Request,
        max_bytes: usize,
    ) -> impl Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a;
}

pub use crate::kinds::aws_kms::AwsKms;
pub use crate::kinds::aws_secret::SecretsManager;
pub use crate::kinds::berglas::Berglas;
pub use crate::kinds::bundle::KmsEnvelope;
pub use crate::kinds::file::Files;
pub use crate::kinds::gcs::CloudStorage;
pub use crate::kinds::kms::CloudKms;
pub use crate::kinds::s3::S3;
pub use crate::kinds::secret_manager::SecretManager;
pub use crate::kinds::ssm::ParameterStore;

/// Makes a backend when a load first needs it.
pub(crate) type Build<T> =
    Box<dyn Fn() -> BoxFuture<'static, Result<Arc<T>, BackendError>> + Send + Sync>;

/// A family's backend: ready, or one to build on first use. A family without one is said to
/// be unconfigured when a field needs it, not before.
pub(crate) enum Backend<T: ?Sized> {
    Ready(Arc<T>),
    /// Built once, by the first load that needs it, so a struct that reads no `#[kms]` field
    /// never builds a KMS client. A failed build is not kept: the next load tries again.
    Lazy(OnceCell<Arc<T>>, Build<T>),
}

impl<T: ?Sized> Backend<T> {
    pub(crate) async fn get(&self) -> Result<Arc<T>, BackendError> {
        match self {
            Self::Ready(backend) => Ok(backend.clone()),
            Self::Lazy(cell, build) => cell.get_or_try_init(build).await.cloned(),
        }
    }

    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Self::Ready(_) => "ready",
            Self::Lazy(cell, _) if cell.initialized() => "built",
            Self::Lazy(..) => "built on first use",
        }
    }
}

pub(crate) fn unconfigured(family: &str, hint: &str) -> BackendError {
    BackendError::new(
        ErrorKind::Unconfigured,
        format!("no {family} backend is configured; {hint}"),
    )
}

/// A [`Backend`] of some family, stored type-erased in [`Sources`](crate::Sources) and
/// found again by the family's type.
pub(crate) struct Slot {
    pub(crate) family: std::any::TypeId,
    pub(crate) name: &'static str,
    pub(crate) backend: Box<dyn Any + Send + Sync>,
    pub(crate) describe: fn(&(dyn Any + Send + Sync)) -> &'static str,
}

impl Slot {
    pub(crate) fn new<F: Family>(backend: Backend<F::Backend>) -> Self {
        Self {
            family: std::any::TypeId::of::<F>(),
            name: F::NAME,
            backend: Box::new(backend),
            describe: |any| {
                any.downcast_ref::<Backend<F::Backend>>()
                    .map_or("?", Backend::describe)
            },
        }
    }
}

/// The size cap every store and the loader apply the same way; `what` names the resource.
pub(crate) fn check_size(
    what: &dyn fmt::Display,
    len: u64,
    max_bytes: usize,
) -> Result<(), BackendError> {
    if len > max_bytes as u64 {
        return Err(BackendError::new(
            ErrorKind::TooLarge,
            format!("{what} is {len} bytes, over the cap of {max_bytes} bytes"),
        ));
    }
    Ok(())
}
