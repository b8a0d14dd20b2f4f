//! AWS KMS through `aws-sdk-kms`: `Decrypt` of a symmetric `CiphertextBlob`, pinned to a key
//! when the field names one, with the field's encryption context.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_kms::Client;
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::decrypt::DecryptError;
use aws_sdk_kms::primitives::Blob;

use super::errors::{Call, Failure, Reply, failure, service_error};
use super::on_aws_runtime;
use crate::backend::{BoxFuture, SecretBytes};
use crate::backend_aws::AwsKeyService;
use crate::{BackendError, ErrorKind};

/// No AWS KMS ciphertext is this short: every symmetric blob carries a reference to its key
/// material (32 bytes), a 12-byte IV and a 16-byte tag besides the encrypted bytes (real blobs
/// of one byte of plaintext run to well over 100 bytes; moto's are 65). A shorter blob that
/// KMS rejected was cut short, or is not a `CiphertextBlob` at all.
const SHORTEST_CIPHERTEXT: usize = 64;

/// AWS KMS: decrypts in this process with the function's own role.
#[derive(Debug, Clone)]
pub struct AwsKmsClient {
    client: Client,
}

impl AwsKmsClient {
    /// Wraps a client built elsewhere. Turn its retries off (`RetryConfig::disabled()`) so
    /// that the loader's deadline is the only one.
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client from `config`, with the SDK's retries off.
    #[must_use]
    pub fn from_config(config: &SdkConfig) -> Self {
        let config = aws_sdk_kms::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        Self::new(Client::from_conf(config))
    }

    async fn decrypt_now(
        &self,
        ciphertext: Vec<u8>,
        key: Option<String>,
        context: Vec<(String, String)>,
    ) -> Result<SecretBytes, BackendError> {
        let length = ciphertext.len();
        let mut request = self
            .client
            .decrypt()
            .ciphertext_blob(Blob::new(ciphertext))
            .set_key_id(key.clone());
        if !context.is_empty() {
            let pairs: HashMap<String, String> = context.iter().cloned().collect();
            request = request.set_encryption_context(Some(pairs));
        }
        let reply = request.send().await.map_err(|err| {
            let request = Request {
                key: key.as_deref(),
                context: &context,
                length,
            };
            decrypt_error(&err, &request)
        })?;
        match reply.plaintext {
            // Moved, not copied: the SDK's `Blob` is a plain `Vec<u8>`.
            Some(plaintext) => Ok(SecretBytes::new(plaintext.into_inner())),
            None => Err(BackendError::new(
                ErrorKind::Other,
                format!(
                    "{}: the Decrypt reply carries no plaintext",
                    Request::what_of(key.as_deref())
                ),
            )),
        }
    }
}

impl AwsKeyService for AwsKmsClient {
    fn decrypt<'a>(
        &'a self,
        ciphertext: &'a [u8],
        key: Option<&'a str>,
        context: &'a [(&'a str, &'a str)],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        // Owned: the request runs on the clients' runtime, which outlives the borrow.
        let this = self.clone();
        let (ciphertext, key) = (ciphertext.to_vec(), key.map(str::to_owned));
        let context: Vec<(String, String)> = context
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Box::pin(on_aws_runtime(async move {
            this.decrypt_now(ciphertext, key, context).await
        }))
    }
}

/// A decrypt, as its errors describe it.
struct Request<'a> {
    key: Option<&'a str>,
    context: &'a [(String, String)],
    /// Of the ciphertext.
    length: usize,
}

impl Request<'_> {
    fn what_of(key: Option<&str>) -> String {
        match key {
            Some(key) => format!("AWS KMS key {key}"),
            None => "the AWS KMS key the ciphertext names".to_owned(),
        }
    }

    /// `encryption context {a=1, b=2}`, or that there is none.
    fn context(&self) -> String {
        if self.context.is_empty() {
            return "no encryption context".to_owned();
        }
        let pairs: Vec<String> = self
            .context
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("encryption context {{{}}}", pairs.join(", "))
    }
}

fn decrypt_error(
    err: &SdkError<DecryptError, HttpResponse>,
    request: &Request<'_>,
) -> BackendError {
    let what = Request::what_of(request.key);
    let needs = match request.key {
        Some(key) if key.starts_with("alias/") || key.contains(":alias/") => {
            "the function's role needs kms:Decrypt on the key this alias points to".to_owned()
        }
        Some(_) => "the function's role needs kms:Decrypt on it".to_owned(),
        None => "the function's role needs kms:Decrypt on the key the ciphertext was encrypted under (AWS answers the same for a key in another account or region that does not grant it)".to_owned(),
    };
    let call = Call {
        what: &what,
        needs: &needs,
    };
    match failure(err, &call) {
        Failure::Settled(why) => why,
        Failure::Service(reply) => refusal(&reply, request, &call),
    }
}

/// What KMS's own codes for `Decrypt` mean.
fn refusal(reply: &Reply<'_>, request: &Request<'_>, call: &Call<'_>) -> BackendError {
    let what = call.what;
    let detail = reply.detail();
    let (kind, text) = match reply.code {
        "InvalidCiphertextException" if request.length < SHORTEST_CIPHERTEXT => (
            ErrorKind::Decrypt,
            format!(
                "AWS KMS rejected the ciphertext: at {} bytes it is shorter than any AWS KMS ciphertext, so it was cut short or is not a CiphertextBlob (the env var holds the base64 that `aws kms encrypt --query CiphertextBlob --output text` prints){detail}",
                request.length
            ),
        ),
        // KMS gives one error for three causes and says nothing to tell them apart.
        "InvalidCiphertextException" => {
            let key = match request.key {
                Some(key) => format!("was not encrypted under key {key}"),
                None => "names a key that cannot decrypt it".to_owned(),
            };
            (
                ErrorKind::Decrypt,
                format!(
                    "AWS KMS rejected the ciphertext, which it does alike for three causes: the ciphertext {key}, or it was encrypted with another encryption context than the field's ({}), or it was altered or truncated{detail}",
                    request.context()
                ),
            )
        }
        "IncorrectKeyException" => (
            ErrorKind::Decrypt,
            format!(
                "the ciphertext was encrypted under another key than the pinned one, {what}: encrypt the value under that key, or pin the key it was encrypted under{detail}"
            ),
        ),
        "NotFoundException" => (
            ErrorKind::NotFound,
            format!("{what} not found in this account and region{detail}"),
        ),
        "DisabledException" => (
            ErrorKind::Other,
            format!(
                "{what} is disabled: enable it, or encrypt the value under an enabled key{detail}"
            ),
        ),
        "KMSInvalidStateException" => (
            ErrorKind::Other,
            format!(
                "{what} cannot decrypt in its current state (pending deletion, pending import or unavailable){detail}"
            ),
        ),
        "InvalidKeyUsageException" => (
            ErrorKind::Other,
            format!(
                "{what} cannot decrypt this ciphertext: its key usage is not ENCRYPT_DECRYPT, or it is not a symmetric key{detail}"
            ),
        ),
        // KMS says to retry: the key's custom key store is not reachable right now.
        "KeyUnavailableException" => (
            ErrorKind::Unavailable,
            format!("{what} is not available now{detail}"),
        ),
        // An empty blob, or one over KMS's 6144 bytes.
        "ValidationException" => (
            ErrorKind::Decrypt,
            format!("AWS KMS rejected the ciphertext{detail}"),
        ),
        _ => return service_error(reply, call),
    };
    BackendError::new(kind, text)
}

#[cfg(test)]
mod tests {
    use aws_credential_types::provider::error::CredentialsError;
    use aws_credential_types::provider::future::ProvideCredentials as Provided;
    use aws_sdk_kms::config::{BehaviorVersion, ProvideCredentials, Region};

    use super::super::errors::tests::{generic, service};
    use super::*;

    const KEY: &str = "alias/app";
    const CONTEXT: &[(&str, &str)] = &[("app", "billing"), ("stage", "prod")];

    fn error(err: DecryptError, key: Option<&str>, length: usize) -> BackendError {
        let context: Vec<(String, String)> = CONTEXT
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let request = Request {
            key,
            context: &context,
            length,
        };
        decrypt_error(&service(err, 400), &request)
    }

    #[test]
    fn an_invalid_ciphertext_names_the_three_causes_aws_does_not_tell_apart() {
        let invalid = || generic("InvalidCiphertextException", "");
        let why = error(invalid(), Some(KEY), 150);
        assert_eq!(why.kind(), ErrorKind::Decrypt);
        assert_eq!(
            why.message(),
            "AWS KMS rejected the ciphertext, which it does alike for three causes: the ciphertext was not encrypted under key alias/app, or it was encrypted with another encryption context than the field's (encryption context {app=billing, stage=prod}), or it was altered or truncated (InvalidCiphertextException)"
        );
        let why = error(invalid(), None, 40);
        assert_eq!(why.kind(), ErrorKind::Decrypt);
        assert!(
            why.message().starts_with(
                "AWS KMS rejected the ciphertext: at 40 bytes it is shorter than any AWS KMS ciphertext, so it was cut short"
            ),
            "{why}"
        );
    }

    #[test]
    fn another_key_than_the_pinned_one_is_said_so() {
        let err = generic(
            "IncorrectKeyException",
            "The key ID in the request does not identify a KMS key that can perform this operation.",
        );
        let why = error(err, Some(KEY), 150);
        assert_eq!(why.kind(), ErrorKind::Decrypt);
        assert!(
            why.message().starts_with(
                "the ciphertext was encrypted under another key than the pinned one, AWS KMS key alias/app:"
            ),
            "{why}"
        );
    }

    #[test]
    fn key_states_are_named() {
        let cases = [
            (
                generic("NotFoundException", ""),
                ErrorKind::NotFound,
                "AWS KMS key alias/app not found in this account and region (NotFoundException)",
            ),
            (
                generic("DisabledException", ""),
                ErrorKind::Other,
                "AWS KMS key alias/app is disabled: enable it, or encrypt the value under an enabled key (DisabledException)",
            ),
            (
                generic("KeyUnavailableException", ""),
                ErrorKind::Unavailable,
                "AWS KMS key alias/app is not available now (KeyUnavailableException)",
            ),
        ];
        for (err, kind, message) in cases {
            let why = error(err, Some(KEY), 150);
            assert_eq!((why.kind(), why.message()), (kind, message));
        }
        let why = error(
            generic("KMSInvalidStateException", "pending deletion"),
            Some(KEY),
            150,
        );
        assert_eq!(why.kind(), ErrorKind::Other);
        assert!(why.message().contains("in its current state"), "{why}");
    }

    #[test]
    fn a_denial_names_kms_decrypt_and_the_key() {
        let why = error(
            generic("AccessDeniedException", "not authorized"),
            Some(KEY),
            150,
        );
        assert_eq!(why.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            why.message(),
            "permission denied on AWS KMS key alias/app: the function's role needs kms:Decrypt on the key this alias points to (AccessDeniedException: not authorized)"
        );
        let why = error(generic("AccessDeniedException", "no"), None, 150);
        assert!(
            why.message().starts_with(
                "permission denied on the AWS KMS key the ciphertext names: the function's role needs kms:Decrypt on the key the ciphertext was encrypted under"
            ),
            "{why}"
        );
    }

    /// The SDK's error for a chain that found no credentials is told by its type, through the
    /// real client: nothing is sent (the port is closed anyway), the signing step fails first.
    #[tokio::test]
    async fn a_client_without_credentials_is_unconfigured() {
        let config = aws_sdk_kms::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(NoCredentials)
            .retry_config(RetryConfig::disabled())
            .build();
        let kms = AwsKmsClient::new(Client::from_conf(config));
        let err = kms.decrypt(&[1; 100], Some(KEY), &[]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unconfigured, "{err}");
        assert!(
            err.message()
                .starts_with("no AWS credentials for AWS KMS key alias/app"),
            "{err}"
        );
    }

    /// A credentials provider that never has any, as the default chain off AWS.
    #[derive(Debug)]
    struct NoCredentials;

    impl ProvideCredentials for NoCredentials {
        fn provide_credentials<'a>(&'a self) -> Provided<'a>
        where
            Self: 'a,
        {
            Provided::ready(Err(CredentialsError::not_loaded(
                "no providers in chain provided credentials",
            )))
        }
    }
}
