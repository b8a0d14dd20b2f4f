//! Wire-level test servers for `secrets-runtime`, used in-process by its tests
//! (`#[tokio::test]`) and by benchmarks:
//!
//! - [`KmsServer`]: Cloud KMS `decrypt`/`encrypt` over HTTP+JSON, with real AES-256-GCM,
//!   CRC32C checks and Google's error JSON. No Cloud KMS emulator exists, so this is one.
//! - [`GcsProxy`]: a proxy in front of a Cloud Storage endpoint that injects faults,
//!   permission denials, corrupted media and missing buckets the emulator cannot produce, and
//!   answers a missing object with Cloud Storage's JSON rather than the emulator's text.
//! - [`FakeGcs`]: runs the `fake-gcs-server` emulator named by `FAKE_GCS_SERVER`.
//! - [`SecretManagerServer`]: Secret Manager `AccessSecretVersion` over HTTP+JSON (global
//!   and regional names, `latest`, aliases, disabled and destroyed versions, payload CRC32C)
//!   with Google's error JSON, and `AddSecretVersion` and `CreateSecret` to write them. Google ships no Secret Manager emulator, hence this one.
//! - [`MetadataServer`]: the GCE metadata server's token endpoint, issuing short-lived tokens
//!   that a [`KmsServer`] or a [`SecretManagerServer`] can be told to require
//!   ([`KmsServer::require_tokens`]), and its project-id endpoint.
//! - [`Moto`]: runs moto's server, the AWS emulator named by `MOTO_SERVER`, for the AWS
//!   backends (KMS, S3, Secrets Manager, Parameter Store) through the AWS SDK.
//! - [`AwsProxy`]: a proxy in front of moto that counts each AWS operation's requests and
//!   injects the denials, throttling and corrupted objects moto cannot produce.
//!
//! All but the last speak to the official Google clients (`google-cloud-kms-v1`,
//! `google-cloud-storage`, `google-cloud-secretmanager-v1`) through
//! `with_endpoint(server.endpoint())` and anonymous credentials, or real tokens from the
//! [`MetadataServer`]; the crate's tests prove it with those very clients. Latency and faults
//! are set through [`Faults`]. Everything binds to 127.0.0.1 only, and nothing logs a
//! plaintext.

#![forbid(unsafe_code)]

mod aws_proxy;
mod fake_gcs;
mod fault;
mod gcs_proxy;
mod kms;
mod metadata;
mod moto;
mod relay;
mod reply;
mod secret_manager;
mod serve;
mod transcode;

pub use aws_proxy::{AwsProxy, GET_OBJECT};
pub use fake_gcs::{FAKE_GCS_SERVER, FakeGcs};
pub use fault::{Fault, Faults};
pub use gcs_proxy::{GcsProxy, MISSING_BUCKET_MESSAGE};
pub use kms::KmsServer;
pub use metadata::{DEFAULT_METADATA_PROJECT, MetadataServer, Rejection, TokenBook};
pub use moto::{MOTO_SERVER, Moto};
pub use secret_manager::SecretManagerServer;
