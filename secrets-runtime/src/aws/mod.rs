//! AWS backends (feature `aws`): AWS KMS, S3, Secrets Manager and Parameter Store through the
//! official AWS SDK for Rust.
//!
//! One [`SdkConfig`] is loaded the first time a load needs an AWS client, from the SDK's own
//! default chains, as every AWS tool reads them: the region from `AWS_REGION` (Lambda sets it)
//! or the profile, credentials from the environment, the profile, web identity (EKS), the
//! container endpoint (ECS) or the instance metadata service, and an endpoint override from
//! the SDK's own `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_<SERVICE>` (`_KMS`, `_S3`,
//! `_SECRETS_MANAGER`, `_SSM`), which is how `LocalStack` and moto are reached. The four clients
//! share it, each built once. The SDK's retries are off: the loader retries transient failures
//! itself, within the load's deadline, and a second retry loop inside would only stretch it.
//!
//! As Google's clients do, the AWS clients run every request on a runtime this crate keeps
//! for the life of the process, so `load()` works from any Tokio runtime, any number of times.
//! What the backends hold of a value (a plaintext, an object's bytes, a secret string, a
//! parameter) is moved out of the SDK's reply into buffers wiped on drop; the HTTP reply the
//! SDK parsed it from is the SDK's, and is not.
//!
//! Without the `sso` and `credentials-process` features of `aws-config` (off here: a function
//! never uses them), a profile that logs in through IAM Identity Center or runs a command
//! finds no credentials; locally, `aws configure export-credentials --format env` gives the
//! env vars instead.

mod errors;
mod kms;
mod s3;
mod secrets_manager;
mod ssm;

pub use kms::AwsKmsClient;
pub use s3::S3Client;
pub use secrets_manager::SecretsManagerClient;
pub use ssm::ParameterStoreClient;

/// The SDK's configuration type, as [`SourcesBuilder::aws_with`] and the clients'
/// `from_config` take it.
pub use aws_config::SdkConfig;

use std::future::Future;
use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use tokio::sync::OnceCell;

use crate::backend::{BoxFuture, ObjectStore};
use crate::backend_aws::{AwsKeyService, AwsParameterStore, AwsSecretStore};
use crate::client_runtime::on_client_runtime;
use crate::family::{AwsKms, Family, ParameterStore, S3, SecretsManager};
use crate::{BackendError, SourcesBuilder};

/// How the clients are named in the errors of their runtime.
const CLIENTS: &str = "the AWS SDK's clients";

/// Runs `work` on the clients' runtime (see `client_runtime`) and awaits it from the caller's.
async fn on_aws_runtime<T, F>(work: F) -> Result<T, BackendError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, BackendError>> + Send + 'static,
{
    on_client_runtime(CLIENTS, work).await
}

/// The configuration `load()` builds its AWS clients from: the SDK's default chains for the
/// region, the credentials and the endpoint (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`),
/// with the SDK's retries off. For tools that write where the runtime reads.
pub async fn config_from_env() -> Result<SdkConfig, BackendError> {
    on_aws_runtime(async {
        // Boxed: the loader's future holds every provider of the default chains, 23 KB.
        let load = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .load();
        let config = Box::pin(load).await;
        check_region(&config)?;
        Ok(config)
    })
    .await
}

/// A config without a region cannot make a request: said when the first client is built,
/// rather than as an endpoint resolution error in every field.
fn check_region(config: &SdkConfig) -> Result<(), BackendError> {
    if config.region().is_some() {
        return Ok(());
    }
    Err(errors::unconfigured(
        "no AWS region is configured: set AWS_REGION (Lambda sets it), or `region` in the AWS profile".to_owned(),
    ))
}

/// Makes the one config the four families' clients share.
type LoadConfig =
    Arc<dyn Fn() -> BoxFuture<'static, Result<SdkConfig, BackendError>> + Send + Sync>;

#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
impl SourcesBuilder {
    /// The AWS SDK's clients for `#[aws_kms]`, `#[s3]`, `#[aws_secret]` and `#[ssm]` fields,
    /// built when a load first needs one, from one configuration loaded then by the SDK's
    /// default chains (see [`config_from_env`]). A failed build (no region, say) is said by
    /// every field that needed it, and tried again by the next load.
    pub fn aws(self) -> Self {
        // Shared by the four families: the first to need a client loads the config, once.
        let config: Arc<OnceCell<SdkConfig>> = Arc::default();
        self.aws_clients(Arc::new(move || {
            let config = Arc::clone(&config);
            Box::pin(async move { config.get_or_try_init(config_from_env).await.cloned() })
        }))
    }

    /// The AWS SDK's clients for `#[aws_kms]`, `#[s3]`, `#[aws_secret]` and `#[ssm]` fields,
    /// from `config` (made by `aws_config::defaults(..)`, with a region, credentials or an
    /// endpoint of the caller's own). Its retries are turned off: the loader retries.
    pub fn aws_with(self, config: SdkConfig) -> Self {
        self.aws_clients(Arc::new(move || {
            let config = config.clone();
            Box::pin(async move {
                check_region(&config)?;
                Ok(config)
            })
        }))
    }

    fn aws_clients(self, config: LoadConfig) -> Self {
        self.aws_lazy::<AwsKms>(Arc::clone(&config), |config| {
            Arc::new(AwsKmsClient::from_config(config)) as Arc<dyn AwsKeyService>
        })
        .aws_lazy::<S3>(Arc::clone(&config), |config| {
            Arc::new(S3Client::from_config(config)) as Arc<dyn ObjectStore>
        })
        .aws_lazy::<SecretsManager>(Arc::clone(&config), |config| {
            Arc::new(SecretsManagerClient::from_config(config)) as Arc<dyn AwsSecretStore>
        })
        .aws_lazy::<ParameterStore>(config, |config| {
            Arc::new(ParameterStoreClient::from_config(config)) as Arc<dyn AwsParameterStore>
        })
    }

    /// Family `F`'s client, made by `client` from the shared config when a load first needs
    /// it.
    fn aws_lazy<F: Family>(
        self,
        config: LoadConfig,
        client: fn(&SdkConfig) -> Arc<F::Backend>,
    ) -> Self {
        self.backend_with::<F, _>(move || {
            let config = config();
            Box::pin(async move { Ok(client(&config.await?)) })
        })
    }
}
