//! Cloud KMS through `google-cloud-kms-v1`, with the CRC32C checks the client leaves to us.
//! Built and called on the module's own runtime (see `runtime`).

use bytes::Bytes;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_kms_v1::client::KeyManagementService;
use zeroize::{Zeroize, Zeroizing};

use super::endpoint::{Endpoint, GcpAuth};
use super::runtime::on_gcp_runtime;
use super::status::{Resource, backend_error, build_error, integrity};
use crate::backend::{BoxFuture, Kms, SecretBytes};
use crate::family::{CloudKms, Family};
use crate::{BackendError, ErrorKind};

const ENCRYPTER: &str = "roles/cloudkms.cryptoKeyEncrypter";

/// Cloud KMS: decrypts in this process with the function's own identity.
#[derive(Debug, Clone)]
pub struct GcpKms {
    client: KeyManagementService,
}

impl GcpKms {
    /// Wraps a client built elsewhere. Turn its retries off (`NeverRetry`) so that the
    /// loader's deadline is the only one.
    #[must_use]
    pub fn new(client: KeyManagementService) -> Self {
        Self { client }
    }

    /// A client with Application Default Credentials, or at `endpoint` (a URL: `https://`, or
    /// `http://` to this machine only) with anonymous credentials
    /// ([`SourcesBuilder::kms_endpoint_with_adc`](crate::SourcesBuilder::kms_endpoint_with_adc)
    /// sends ADC there).
    pub async fn connect(endpoint: Option<String>) -> Result<Self, BackendError> {
        let endpoint = endpoint
            .map(|url| Endpoint::kms(&url, GcpAuth::Anonymous, "the Cloud KMS endpoint"))
            .transpose()?;
        Self::connect_to(endpoint).await
    }

    /// The client `load()` uses: Application Default Credentials, or `SECRETS_KMS_ENDPOINT`
    /// with the credentials `SECRETS_GCP_CREDENTIALS` chooses (`anonymous` or `adc`).
    pub async fn from_env() -> Result<Self, BackendError> {
        Self::connect_to(super::kms_override_from_env().transpose()?).await
    }

    pub(super) async fn connect_to(endpoint: Option<Endpoint>) -> Result<Self, BackendError> {
        on_gcp_runtime(async move {
            // Built here, not by the client builder, so that ADC's are the ones that tell
            // "no credentials here" from a metadata server's hiccup (see `adc`).
            let credentials = Endpoint::credentials_for(endpoint.as_ref(), "Cloud KMS")?;
            let mut builder = KeyManagementService::builder()
                .with_retry_policy(NeverRetry)
                .with_credentials(credentials);
            if let Some(endpoint) = endpoint {
                builder = builder.with_endpoint(endpoint.url);
            }
            let client = builder
                .build()
                .await
                .map_err(|e| build_error("Cloud KMS", &e))?;
            Ok(Self::new(client))
        })
        .await
    }

    /// Encrypts `plaintext` under `key`, as `gcloud kms encrypt` does, checking the CRC32C
    /// of what was sent and of what came back.
    pub async fn encrypt(&self, key: &str, plaintext: &[u8]) -> Result<Vec<u8>, BackendError> {
        self.encrypt_with_aad(key, plaintext, &[]).await
    }

    /// [`GcpKms::encrypt`] bound to additional authenticated data `aad`, which decrypting must
    /// then give again (berglas passes an object's name), its CRC32C checked too.
    pub async fn encrypt_with_aad(
        &self,
        key: &str,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        let (this, key, aad) = (self.clone(), key.to_owned(), aad.to_vec());
        let plaintext = Zeroizing::new(plaintext.to_vec());
        on_gcp_runtime(async move { this.encrypt_now(&key, &plaintext, &aad).await }).await
    }

    async fn encrypt_now(
        &self,
        key: &str,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        let resource = Resource {
            name: &format!("key {key}"),
            role: ENCRYPTER,
            invalid: ErrorKind::Invalid,
        };
        let mut request = self
            .client
            .encrypt()
            .set_name(key)
            .set_plaintext(Bytes::copy_from_slice(plaintext))
            .set_plaintext_crc32c(i64::from(crc32c::crc32c(plaintext)));
        if !aad.is_empty() {
            request = request
                .set_additional_authenticated_data(Bytes::copy_from_slice(aad))
                .set_additional_authenticated_data_crc32c(i64::from(crc32c::crc32c(aad)));
        }
        let reply = request
            .send()
            .await
            .map_err(|e| backend_error(&e, &resource))?;
        let unconfirmed = |what: &str| {
            integrity(
                &format!("key {key}"),
                &format!("Cloud KMS did not confirm the {what} checksum"),
            )
        };
        if !reply.verified_plaintext_crc32c {
            return Err(unconfirmed("plaintext"));
        }
        if !aad.is_empty() && !reply.verified_additional_authenticated_data_crc32c {
            return Err(unconfirmed("additional authenticated data"));
        }
        verify(
            key,
            &reply.ciphertext,
            reply.ciphertext_crc32c,
            "ciphertext",
        )?;
        Ok(reply.ciphertext.to_vec())
    }

    async fn decrypt_now(
        &self,
        key: &str,
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<SecretBytes, BackendError> {
        let resource = Resource {
            name: &format!("key {key}"),
            role: CloudKms::PERMISSION,
            invalid: ErrorKind::Decrypt,
        };
        let mut request = self
            .client
            .decrypt()
            .set_name(key)
            .set_ciphertext(Bytes::copy_from_slice(ciphertext))
            // The service rejects a ciphertext damaged on the way in...
            .set_ciphertext_crc32c(i64::from(crc32c::crc32c(ciphertext)));
        if !aad.is_empty() {
            request = request
                .set_additional_authenticated_data(Bytes::copy_from_slice(aad))
                .set_additional_authenticated_data_crc32c(i64::from(crc32c::crc32c(aad)));
        }
        let reply = request
            .send()
            .await
            .map_err(|e| backend_error(&e, &resource))?;
        let plaintext = SecretBytes::new(reply.plaintext.to_vec());
        wipe(reply.plaintext);
        // ...and this catches a plaintext damaged on the way out: the client does not.
        verify(key, &plaintext, reply.plaintext_crc32c, "plaintext")?;
        Ok(plaintext)
    }
}

impl Kms for GcpKms {
    fn decrypt<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        self.decrypt_with_aad(key, ciphertext, &[])
    }

    fn decrypt_with_aad<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
        aad: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        let (this, key, ciphertext) = (self.clone(), key.to_owned(), ciphertext.to_vec());
        let aad = aad.to_vec();
        Box::pin(on_gcp_runtime(async move {
            this.decrypt_now(&key, &ciphertext, &aad).await
        }))
    }
}

/// A reply's bytes must match the CRC32C the reply carries, and it must carry one: without
/// it nothing tells a damaged value from a good one.
fn verify(key: &str, bytes: &[u8], expected: Option<i64>, field: &str) -> Result<(), BackendError> {
    let actual = i64::from(crc32c::crc32c(bytes));
    match expected {
        Some(expected) if expected == actual => Ok(()),
        Some(_) => Err(integrity(
            &format!("key {key}"),
            &format!("the {field} does not match its CRC32C checksum"),
        )),
        None => Err(integrity(
            &format!("key {key}"),
            &format!("the reply carries no {field} CRC32C checksum"),
        )),
    }
}

/// Zeroes the client's copy of a plaintext when nothing else holds it.
pub(super) fn wipe(bytes: Bytes) {
    if let Ok(mut unique) = bytes.try_into_mut() {
        unique.as_mut().zeroize();
    }
}
