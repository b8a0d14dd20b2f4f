//! Credentials for serverless Rust (Cloud Run, Cloud Functions, Lambda), loaded at boot from a
//! declaration the compiler checks.
//!
//! A function's deployed configuration should hold ciphertext or a pointer (a bucket, a
//! secret's name, a mounted path), not the secret itself. [`#[derive(Secrets)]`](derive@Secrets)
//! says, field by field, where each value comes from; [`Secrets::load`] then reads the process
//! environment, sends every remote request of the load at once (each object read and each
//! ciphertext decrypted once, transient failures retried within one deadline), and returns
//! the whole struct or one [`Error`] that names every failed field. No value reaches `Debug`,
//! `Display` or an error, and the loader's buffers are wiped when dropped.
//!
//! ```no_run
//! use secrets_runtime::{SecretString, Secrets};
//!
//! #[derive(Secrets)]
//! struct Config {
//!     #[env(name = "PORT", default = "8080")]      // plain configuration
//!     port: u16,
//!     #[kms]                                        // env DB_PASS holds Cloud KMS ciphertext
//!     db_pass: SecretString,
//!     #[gcs(object = "app1", key = "username")]     // a JSON object in a private bucket
//!     username: String,
//!     #[aws_secret(id = "prod/api", key = "token")] // an AWS Secrets Manager secret
//!     api_token: SecretString,
//! }
//!
//! # async fn boot() -> Result<(), secrets_runtime::Error> {
//! let config = Config::load().await?; // one error naming every failed field
//! # Ok(()) }
//! ```
//!
//! # Sources
//!
//! Each field has one source attribute; the [derive's reference](derive@Secrets) lists every
//! key, its default and the env vars read without it.
//!
//! | attribute | reads | env vars read by default | feature |
//! |---|---|---|---|
//! | [`#[env]`](derive@Secrets#env) | an env var's text | the field's name, upper-cased | |
//! | [`#[kms]`](derive@Secrets#kms) | Cloud KMS ciphertext in an env var | the field's; the key from `KMS_CRYPTO_KEY_ID` | `gcp` |
//! | [`#[gcs]`](derive@Secrets#gcs) | a Cloud Storage object, or one JSON key of it | the bucket from `STORAGE_BUCKET` | `gcp` |
//! | [`#[secret_manager]`](derive@Secrets#secret_manager) | a Secret Manager secret | the project from `GOOGLE_CLOUD_PROJECT`, else the metadata server | `gcp` |
//! | [`#[file]`](derive@Secrets#file) | a mounted file | | |
//! | [`#[berglas]`](derive@Secrets#berglas) | a `berglas://` or `sm://` reference in an env var | the field's | `gcp` |
//! | [`#[bundle]`](derive@Secrets#bundle) | one key of a sealed JSON bundle, one decrypt for all | `SECRETS_BUNDLE`; the key from `KMS_CRYPTO_KEY_ID` | `gcp` |
//! | [`#[aws_kms]`](derive@Secrets#aws_kms) | AWS KMS ciphertext in an env var | the field's | `aws` |
//! | [`#[s3]`](derive@Secrets#s3) | an S3 object, or one JSON key of it | the bucket from `S3_BUCKET` | `aws` |
//! | [`#[aws_secret]`](derive@Secrets#aws_secret) | an AWS Secrets Manager secret | | `aws` |
//! | [`#[ssm]`](derive@Secrets#ssm) | a Parameter Store parameter | | `aws` |
//!
//! `#[secrets(...)]` on the struct sets a prefix and renames those default variables;
//! `#[secrets(nested)]` on a field loads another `Secrets` struct in the same load. Field
//! types are `String`, [`SecretString`], `Vec<u8>`, [`SecretSlice<u8>`], [`Blob`], `FromStr`
//! types and `Option`s of them, or any type that implements [`FromSecret`]; `split = ","` on
//! any source attribute loads a `Vec` of them from one value.
//!
//! # Loading
//!
//! - [`Secrets::load`] reads the process environment with the backends it selects
//!   ([`Sources::process`]); [`Secrets::load_from`] takes [`Sources`] built by
//!   [`Sources::builder`], for tests and for programs with clients of their own.
//! - [`Secrets::watch`] loads, then reloads in the background, keeping the last good value
//!   ([`Watch`]).
//! - [`Secrets::manifest`] lists every env var the struct reads and every resource it needs,
//!   with the IAM permission and role, from the declaration alone ([`Manifest`]: a table,
//!   JSON, `gcloud` commands, an AWS IAM policy).
//! - A failed load is one [`Error`]: each [`FieldError`] gives the field, where its value came
//!   from, why it failed and an [`ErrorKind`] to branch on. Deadline and retries:
//!   [`RetryPolicy`].
//!
//! # Backends
//!
//! [`Sources`] holds one backend per provider family ([`family`]), so one struct may read
//! from several services, and both clouds, in one load.
//!
//! - **Google Cloud** ([`gcp`][gcp-mod], feature `gcp`): Google's official clients with
//!   Application Default Credentials, each built when a load first needs it.
//! - **AWS** ([`aws`][aws-mod], feature `aws`): the AWS SDK for Rust, with the region and
//!   credentials of the SDK's default chains.
//! - **Local** ([`local`]): every source but env vars read from a directory, for development
//!   with no cloud. [`Secrets::load`] uses it when `SECRETS_LOCAL_DIR` is set;
//!   [`SourcesBuilder::local`] sets it in code.
//! - **Memory** ([`memory`]): in-process key services and stores with request counters, for
//!   testing your own configs, as below.
//! - **Files** come from the process's file system ([`local::OsFiles`]) unless a builder says
//!   otherwise, in every build.
//! - **Your own**: implement [`Kms`], [`ObjectStore`], [`SecretStore`], [`FileStore`],
//!   [`AwsKeyService`], [`AwsSecretStore`] or [`AwsParameterStore`] and give it to
//!   [`Sources::builder`].
//!
//! ```
//! use base64::prelude::*;
//! use secrets_runtime::memory::{MemoryKms, MemoryStore};
//! use secrets_runtime::{ExposeSecret, SecretString, Secrets, Sources};
//!
//! #[derive(Secrets)]
//! struct Config {
//!     #[kms]
//!     db_pass: SecretString,
//!     #[gcs(object = "app1", key = "username")]
//!     username: String,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
//! let kms = MemoryKms::new(); // real AES-256-GCM, one random key per key name
//! let ciphertext = kms.encrypt(KEY, b"s3cr3t");
//! let gcs = MemoryStore::new().with_object("my-bucket", "app1", br#"{"username":"my-user"}"#.to_vec());
//! let sources = Sources::builder()
//!     .env([
//!         ("DB_PASS", BASE64_STANDARD.encode(&ciphertext)),
//!         ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
//!         ("STORAGE_BUCKET", "my-bucket".to_owned()),
//!     ])
//!     .kms(kms.clone())
//!     .gcs(gcs)
//!     .build();
//! let config = Config::load_from(&sources).await?;
//! assert_eq!(config.db_pass.expose_secret(), "s3cr3t");
//! assert_eq!(config.username, "my-user");
//! assert_eq!(kms.decrypt_count(), 1);
//! # Ok::<(), secrets_runtime::Error>(()) }).unwrap();
//! ```
//!
//! The loader runs on Tokio and needs its timers (`#[tokio::main]` enables them). The cloud
//! clients run on a small runtime of their own, kept for the life of the process, so `load()`
//! works from any runtime, any number of times.
//!
//! # Features
//!
//! - `gcp` (default): the Google Cloud backends, for `#[kms]`, `#[gcs]`, `#[secret_manager]`,
//!   `#[berglas]` and `#[bundle]` fields ([`SourcesBuilder::gcp`][builder-gcp]).
//! - `aws`: the AWS backends, for `#[aws_kms]`, `#[s3]`, `#[aws_secret]` and `#[ssm]` fields
//!   ([`SourcesBuilder::aws`][builder-aws]). A Lambda-only build is
//!   `default-features = false, features = ["aws"]`: no Google crate is compiled.
//!
//! Without either, the derive, `load()`, `#[env]` and `#[file]` fields, and the local and
//! memory backends work the same; `load()` of a field whose cloud's feature is off fails with
//! an error that names the feature, unless `SECRETS_LOCAL_DIR` selects the local backend.
//! With both, one struct may mix the two clouds.
//!
//! The repository's README has a longer tour: the deploy commands for Cloud Run and Lambda,
//! the `secrets` command line tool, and what each source guarantees.
//!
// Links to items only some features compile: on docs.rs (every feature) they are the items,
// elsewhere the features list, so that a build without a feature has no broken link.
#![cfg_attr(feature = "gcp", doc = "[gcp-mod]: crate::gcp")]
#![cfg_attr(feature = "gcp", doc = "[builder-gcp]: SourcesBuilder::gcp")]
#![cfg_attr(not(feature = "gcp"), doc = "[gcp-mod]: #features")]
#![cfg_attr(not(feature = "gcp"), doc = "[builder-gcp]: #features")]
#![cfg_attr(feature = "aws", doc = "[aws-mod]: crate::aws")]
#![cfg_attr(feature = "aws", doc = "[builder-aws]: SourcesBuilder::aws")]
#![cfg_attr(not(feature = "aws"), doc = "[aws-mod]: #features")]
#![cfg_attr(not(feature = "aws"), doc = "[builder-aws]: #features")]
// docs.rs (nightly, `--cfg docsrs`) marks what a feature gates.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aead;
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub mod aws;
mod backend;
mod backend_aws;
mod blob;
#[cfg(any(feature = "gcp", feature = "aws"))]
mod client_runtime;
mod convert;
mod environment;
mod error;
pub mod family;
#[cfg(feature = "gcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "gcp")))]
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
pub use blob::Blob;
pub use convert::{ConvertError, FromSecret, marker};
pub use error::{BackendError, Error, ErrorKind, FieldError};
pub use kinds::gcs::DEFAULT_MAX_OBJECT_BYTES;
pub use manifest::Manifest;
pub use retry::RetryPolicy;
pub use secrecy::{ExposeSecret, SecretSlice, SecretString};
/// Derives [`Secrets`](trait@Secrets) for a struct with named fields. The examples come
/// first, then the reference of every attribute.
///
/// # Examples
///
/// Every attribute compiles in every build; `load()` reaches Google's services with the `gcp`
/// feature and AWS's with `aws` (see [the features](crate#features)). The env var each field
/// reads is the struct's [`manifest`](Secrets::manifest):
///
/// ```
/// use secrets_runtime::{Blob, SecretSlice, SecretString, Secrets};
///
/// #[derive(Secrets)]
/// #[secrets(prefix = "APP_", kms_key_env = "APP_KEY")]
/// struct Config {
///     #[env(default = "info")]                     // env APP_LOG_LEVEL, "info" when unset
///     log_level: String,
///     #[env(name = "PORT", default = "8080")]      // a name given takes no prefix
///     port: u16,
///     #[env(split = ",")]                          // env APP_ORIGINS: a list, `a, b, c`
///     origins: Option<Vec<String>>,
///     #[kms(json_key = "password")]                // env APP_DB: ciphertext of a JSON object,
///     db: SecretString,                            // its key from env APP_KEY
///     #[gcs(object = "tls.pem")]                   // the bucket from env STORAGE_BUCKET
///     cert: Option<Blob>,                          // Option: a missing object is None
///     #[secret_manager(secret = "api-token", version = "3")] // project: GOOGLE_CLOUD_PROJECT
///     api_token: SecretString,                     // or the metadata server
///     #[file(path = "/secrets/tls-key", raw)]      // the bytes as mounted
///     tls_key: SecretSlice<u8>,
///     #[berglas]                                   // env APP_LEGACY: berglas://bucket/object
///     legacy: SecretString,
///     #[bundle]                                    // key `webhook` of env SECRETS_BUNDLE,
///     webhook: SecretString,                       // decrypted with the key in env APP_KEY
///     #[secrets(nested, prefix = "REPLICA_")]      // env REPLICA_HOST, REPLICA_PASSWORD
///     replica: Database,
/// }
///
/// #[derive(Secrets)]
/// struct Database {
///     #[env]
///     host: String,
///     #[kms]                                       // its key from env KMS_CRYPTO_KEY_ID
///     password: SecretString,
/// }
///
/// let manifest = Config::manifest();
/// let vars: Vec<&str> = manifest.env_vars().iter().map(|var| var.name()).collect();
/// assert_eq!(vars, [
///     "APP_LOG_LEVEL", "PORT", "APP_ORIGINS", "APP_DB", "APP_KEY", "STORAGE_BUCKET",
///     "GOOGLE_CLOUD_PROJECT", "APP_LEGACY", "SECRETS_BUNDLE", "REPLICA_HOST",
///     "REPLICA_PASSWORD", "KMS_CRYPTO_KEY_ID",
/// ]);
/// ```
///
/// On AWS:
///
/// ```
/// use secrets_runtime::{SecretString, Secrets};
///
/// #[derive(Secrets)]
/// #[secrets(s3_bucket_env = "CONFIG_BUCKET")]
/// struct OnAws {
///     #[aws_kms(context = "app=billing")]            // env SIGNING_KEY: a base64 CiphertextBlob
///     signing_key: SecretString,
///     #[s3(object = "app1.json", key = "username")] // the bucket from env CONFIG_BUCKET
///     username: String,
///     #[aws_secret(id = "prod/db", key = "password")] // its current version (AWSCURRENT)
///     db_password: SecretString,
///     #[ssm(name_env = "TOKEN_PARAMETER")]           // the parameter's name from env
///     api_token: Option<SecretString>,
/// }
///
/// let manifest = OnAws::manifest();
/// let vars: Vec<&str> = manifest.env_vars().iter().map(|var| var.name()).collect();
/// assert_eq!(vars, ["SIGNING_KEY", "CONFIG_BUCKET", "TOKEN_PARAMETER"]);
/// ```
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

/// The README's code blocks, run as this crate's doctests so that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
