//! Secrets Manager through `aws-sdk-secretsmanager`: the current versions of up to 20 secrets
//! in one `BatchGetSecretValue` call, and a version pinned by stage or id through its own
//! `GetSecretValue`, all at once.
//!
//! Errors are per secret whenever AWS says which secret failed, so one missing grant fails its
//! own fields only. A transient failure of any call fails the whole call instead (the loader
//! retries calls, not single replies). A message names only its own secret: the loader says a
//! secret named by an env var by its var, and a message naming another secret of the batch
//! would slip past that.

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::{ApiErrorType, SecretValueEntry};
use futures_util::future::join_all;
use zeroize::Zeroizing;

use super::errors::{Call, Failure, Reply, failure, service_error};
use super::on_aws_runtime;
use crate::backend::{BoxFuture, SecretBytes};
use crate::backend_aws::{AwsSecretStore, BatchReply, SecretVersion};
use crate::family::check_size;
use crate::{BackendError, ErrorKind};

/// What a denial of `GetSecretValue` needs.
const NEEDS: &str = "the function's role needs secretsmanager:GetSecretValue on it";
/// What a denial inside, or of, a batch needs.
const NEEDS_BATCH: &str = "the function's role needs secretsmanager:GetSecretValue on it, and secretsmanager:BatchGetSecretValue (on `*`), with which up to 20 secrets are read per call";

/// Secrets Manager: reads secrets with the function's own role.
#[derive(Debug, Clone)]
pub struct SecretsManagerClient {
    client: Client,
}

/// A requested secret, owned: the calls run on the clients' runtime.
#[derive(Debug, Clone)]
struct Wanted {
    id: String,
    version_stage: Option<String>,
    version_id: Option<String>,
}

impl Wanted {
    fn what(&self) -> String {
        let stage = self
            .version_stage
            .as_ref()
            .map(|stage| format!(" (stage {stage})"));
        let version = self
            .version_id
            .as_ref()
            .map(|id| format!(" (version {id})"));
        format!(
            "secret {}{}{}",
            self.id,
            stage.unwrap_or_default(),
            version.unwrap_or_default()
        )
    }
}

impl SecretsManagerClient {
    /// Wraps a client built elsewhere. Turn its retries off (`RetryConfig::disabled()`) so
    /// that the loader's deadline is the only one.
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client from `config`, with the SDK's retries off.
    #[must_use]
    pub fn from_config(config: &SdkConfig) -> Self {
        let config = aws_sdk_secretsmanager::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        Self::new(Client::from_conf(config))
    }

    async fn get_many_now(
        &self,
        wanted: Vec<Wanted>,
        max_bytes: usize,
    ) -> Result<Vec<BatchReply>, BackendError> {
        let current: Vec<usize> = (0..wanted.len())
            .filter(|&i| {
                let w = &wanted[i];
                SecretVersion {
                    id: &w.id,
                    version_stage: w.version_stage.as_deref(),
                    version_id: w.version_id.as_deref(),
                }
                .is_current()
            })
            .collect();
        let pinned = (0..wanted.len()).filter(|i| !current.contains(i));
        let batch = async {
            let ids: Vec<&Wanted> = current.iter().map(|&i| &wanted[i]).collect();
            self.batch(&ids, max_bytes).await
        };
        let singles = join_all(pinned.map(|i| {
            let wanted = &wanted[i];
            async move { (i, self.single(wanted, max_bytes).await) }
        }));
        let (batch, singles) = futures_util::future::join(batch, singles).await;
        let mut replies: Vec<Option<BatchReply>> = wanted.iter().map(|_| None).collect();
        for (&i, reply) in current.iter().zip(batch?) {
            replies[i] = Some(reply);
        }
        for (i, reply) in singles {
            replies[i] = Some(reply);
        }
        let replies = replies
            .into_iter()
            .map(|reply| reply.unwrap_or(Ok(None)))
            .collect();
        escalate(replies, &wanted)
    }

    /// The current versions of `wanted` (at most 20) in one call, following `NextToken` if
    /// AWS ever pages them.
    async fn batch(
        &self,
        wanted: &[&Wanted],
        max_bytes: usize,
    ) -> Result<Vec<BatchReply>, BackendError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = wanted.iter().map(|w| w.id.clone()).collect();
        let mut found = Vec::new();
        let mut errors = Vec::new();
        let mut token = None;
        // AWS returns a list of at most 20 ids in one page; the bound only guards against a
        // server that keeps handing out tokens.
        for _ in 0..wanted.len() {
            let reply = self
                .client
                .batch_get_secret_value()
                .set_secret_id_list(Some(ids.clone()))
                .set_next_token(token.take())
                .send()
                .await;
            let reply = match reply {
                Ok(reply) => reply,
                Err(err) => return batch_refused(&err, wanted),
            };
            found.extend(reply.secret_values.unwrap_or_default());
            errors.extend(reply.errors.unwrap_or_default());
            token = reply.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        // Moved out of the SDK's entries so that they are wiped when dropped.
        let values: Vec<(Option<String>, Option<String>, Value)> = found
            .into_iter()
            .map(|entry| (entry.name.clone(), entry.arn.clone(), Value::of(entry)))
            .collect();
        let replies = wanted.iter().map(|w| {
            let hit = values
                .iter()
                .find(|(name, arn, _)| names(&w.id, name.as_deref(), arn.as_deref()));
            if let Some((_, _, value)) = hit {
                return value.bytes(&w.what(), max_bytes).map(Some);
            }
            let error = errors
                .iter()
                .find(|e| e.secret_id.as_deref().is_some_and(|id| same_id(&w.id, id)));
            match error {
                Some(error) => entry_error(error, w),
                None => Err(BackendError::new(
                    ErrorKind::Other,
                    format!(
                        "{}: Secrets Manager's BatchGetSecretValue reply has neither its value nor an error for it",
                        w.what()
                    ),
                )),
            }
        });
        Ok(replies.collect())
    }

    /// A version pinned by stage or id, which `BatchGetSecretValue` cannot read.
    async fn single(&self, wanted: &Wanted, max_bytes: usize) -> BatchReply {
        let what = wanted.what();
        let reply = self
            .client
            .get_secret_value()
            .secret_id(&wanted.id)
            .set_version_stage(wanted.version_stage.clone())
            .set_version_id(wanted.version_id.clone())
            .send()
            .await;
        match reply {
            Ok(output) => {
                let value = Value::from_parts(output.secret_string, output.secret_binary);
                value.bytes(&what, max_bytes).map(Some)
            }
            Err(err) => {
                let call = Call {
                    what: &what,
                    needs: NEEDS,
                };
                match failure(&err, &call) {
                    Failure::Settled(why) => Err(why),
                    Failure::Service(reply) => by_code(&reply, &call),
                }
            }
        }
    }
}

impl AwsSecretStore for SecretsManagerClient {
    fn get_many<'a>(
        &'a self,
        secrets: &'a [SecretVersion<'a>],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        let this = self.clone();
        let wanted: Vec<Wanted> = secrets
            .iter()
            .map(|s| Wanted {
                id: s.id.to_owned(),
                version_stage: s.version_stage.map(str::to_owned),
                version_id: s.version_id.map(str::to_owned),
            })
            .collect();
        Box::pin(on_aws_runtime(async move {
            this.get_many_now(wanted, max_bytes).await
        }))
    }
}

/// A secret's value, held in buffers wiped on drop.
enum Value {
    Text(Zeroizing<String>),
    Binary(SecretBytes),
    /// Neither: a version without a value.
    Empty,
}

impl Value {
    fn of(entry: SecretValueEntry) -> Value {
        Value::from_parts(entry.secret_string, entry.secret_binary)
    }

    fn from_parts(
        text: Option<String>,
        binary: Option<aws_sdk_secretsmanager::primitives::Blob>,
    ) -> Value {
        match (text, binary) {
            (Some(text), _) => Value::Text(Zeroizing::new(text)),
            (None, Some(binary)) => Value::Binary(SecretBytes::new(binary.into_inner())),
            (None, None) => Value::Empty,
        }
    }

    /// A copy for one reply (two fields may name one secret two ways), capped.
    fn bytes(&self, what: &str, max_bytes: usize) -> Result<SecretBytes, BackendError> {
        let bytes: &[u8] = match self {
            Value::Text(text) => text.as_bytes(),
            Value::Binary(bytes) => bytes,
            Value::Empty => &[],
        };
        check_size(&what, bytes.len() as u64, max_bytes)?;
        Ok(SecretBytes::new(bytes.to_vec()))
    }
}

/// Whether a reply's secret (its `name` and `arn`) is the one requested as `id`: its name,
/// its ARN, or its ARN without the six random characters AWS appends (a partial ARN).
fn names(id: &str, name: Option<&str>, arn: Option<&str>) -> bool {
    if name == Some(id) || arn == Some(id) {
        return true;
    }
    let Some(arn) = arn else {
        return false;
    };
    id.starts_with("arn:")
        && arn
            .strip_prefix(id)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|suffix| suffix.len() == 6)
}

/// Whether an error entry's `SecretId` (as requested, or as AWS resolved it) is `id`.
fn same_id(id: &str, reported: &str) -> bool {
    names(id, Some(reported), Some(reported))
}

/// An entry of the batch reply's `Errors`.
fn entry_error(error: &ApiErrorType, wanted: &Wanted) -> BatchReply {
    let what = wanted.what();
    let call = Call {
        what: &what,
        needs: NEEDS_BATCH,
    };
    let reply = Reply {
        code: error.error_code.as_deref().unwrap_or("UnknownError"),
        message: error.message.as_deref(),
        // Not said per entry: a code the module does not know is final.
        status: 400,
    };
    by_code(&reply, &call)
}

/// What Secrets Manager's codes mean for one secret.
fn by_code(reply: &Reply<'_>, call: &Call<'_>) -> BatchReply {
    let what = call.what;
    match reply.code {
        // The secret, or the asked version of it, does not exist: an `Option` field is None.
        "ResourceNotFoundException" => Ok(None),
        "DecryptionFailure" => Err(BackendError::new(
            ErrorKind::PermissionDenied,
            format!(
                "Secrets Manager could not decrypt {what} with its KMS key: for a customer managed key, the function's role needs kms:Decrypt on that key besides secretsmanager:GetSecretValue on the secret, and the key must be enabled{}",
                reply.detail()
            ),
        )),
        "InvalidRequestException" => Err(BackendError::new(
            ErrorKind::Other,
            format!(
                "{what} cannot be read now (a secret scheduled for deletion cannot){}",
                reply.detail()
            ),
        )),
        _ => Err(service_error(reply, call)),
    }
}

/// The whole `BatchGetSecretValue` call was refused.
fn batch_refused<E>(
    err: &aws_sdk_secretsmanager::error::SdkError<
        E,
        aws_sdk_secretsmanager::config::http::HttpResponse,
    >,
    wanted: &[&Wanted],
) -> Result<Vec<BatchReply>, BackendError>
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    // Said without any secret's name: a transient failure is the whole call's, and retried.
    let whole = Call {
        what: "Secrets Manager's BatchGetSecretValue",
        needs: NEEDS_BATCH,
    };
    let reply = match failure(err, &whole) {
        Failure::Settled(why) if why.kind() == ErrorKind::Unavailable => return Err(why),
        Failure::Service(reply) => reply,
        // No reply at all, and not worth another attempt (no credentials, say): every
        // secret's field says so, in the same words.
        Failure::Settled(why) => return Ok(wanted.iter().map(|_| Err(why.clone())).collect()),
    };
    let shared = service_error(&reply, &whole);
    if shared.kind() == ErrorKind::Unavailable {
        return Err(shared);
    }
    // A denial of the call is each secret's: its message names that secret alone, and quotes
    // AWS's words with the other secrets' names taken out.
    Ok(wanted
        .iter()
        .map(|w| {
            let what = w.what();
            let call = Call {
                what: &what,
                needs: NEEDS_BATCH,
            };
            let message = reply
                .message
                .map(|m| scrub(m, &w.id, wanted, "(another secret of the call)"));
            let own = Reply {
                message: message.as_deref(),
                ..reply
            };
            Err(service_error(&own, &call))
        })
        .collect())
}

/// `message` with every requested id but `own` (`""`: every one) replaced by `with`, longest
/// first.
fn scrub(message: &str, own: &str, wanted: &[&Wanted], with: &str) -> String {
    let mut others: Vec<&str> = wanted
        .iter()
        .map(|w| w.id.as_str())
        .filter(|id| *id != own && !own.contains(id))
        .collect();
    others.sort_by_key(|id| std::cmp::Reverse(id.len()));
    let mut message = message.to_owned();
    for id in others {
        message = message.replace(id, with);
    }
    message
}

/// A reply's transient error becomes the call's, so that the loader retries the call; said
/// without the secrets' names, as it becomes every one's.
fn escalate(replies: Vec<BatchReply>, wanted: &[Wanted]) -> Result<Vec<BatchReply>, BackendError> {
    let transient = replies.iter().find_map(|reply| match reply {
        Err(why) if why.kind() == ErrorKind::Unavailable => Some(why),
        _ => None,
    });
    match transient {
        Some(why) => {
            let refs: Vec<&Wanted> = wanted.iter().collect();
            Err(BackendError::new(
                ErrorKind::Unavailable,
                scrub(why.message(), "", &refs, "(one of the call's secrets)"),
            ))
        }
        None => Ok(replies),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_names_a_secret_by_name_arn_or_partial_arn() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
        assert!(names("prod/db", Some("prod/db"), Some(arn)));
        assert!(names(arn, Some("prod/db"), Some(arn)));
        assert!(names(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db",
            Some("prod/db"),
            Some(arn)
        ));
        assert!(!names("prod/d", Some("prod/db"), Some(arn)));
        assert!(!names(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod",
            Some("prod/db"),
            Some(arn)
        ));
    }

    #[test]
    fn a_shared_denial_keeps_only_its_own_secrets_name() {
        let wanted = [
            Wanted {
                id: "prod/db".into(),
                version_stage: None,
                version_id: None,
            },
            Wanted {
                id: "prod/db-replica".into(),
                version_stage: None,
                version_id: None,
            },
        ];
        let refs: Vec<&Wanted> = wanted.iter().collect();
        let message = "not authorized on secret:prod/db-replica and secret:prod/db";
        assert_eq!(
            scrub(message, "prod/db", &refs, "(another secret of the call)"),
            "not authorized on secret:(another secret of the call) and secret:prod/db"
        );
        assert_eq!(
            scrub(
                message,
                "prod/db-replica",
                &refs,
                "(another secret of the call)"
            ),
            "not authorized on secret:prod/db-replica and secret:prod/db"
        );
    }

    #[test]
    fn codes_per_secret() {
        let wanted = Wanted {
            id: "prod/db".into(),
            version_stage: None,
            version_id: None,
        };
        let entry = |code: &str| {
            ApiErrorType::builder()
                .secret_id("prod/db")
                .error_code(code)
                .message("m")
                .build()
        };
        assert!(
            entry_error(&entry("ResourceNotFoundException"), &wanted)
                .unwrap()
                .is_none()
        );
        let why = entry_error(&entry("AccessDeniedException"), &wanted).unwrap_err();
        assert_eq!(why.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            why.message(),
            "permission denied on secret prod/db: the function's role needs secretsmanager:GetSecretValue on it, and secretsmanager:BatchGetSecretValue (on `*`), with which up to 20 secrets are read per call (AccessDeniedException: m)"
        );
        let why = entry_error(&entry("DecryptionFailure"), &wanted).unwrap_err();
        assert!(why.message().contains("kms:Decrypt"), "{why}");
        let why = entry_error(&entry("ThrottlingException"), &wanted).unwrap_err();
        assert_eq!(why.kind(), ErrorKind::Unavailable);
    }
}
