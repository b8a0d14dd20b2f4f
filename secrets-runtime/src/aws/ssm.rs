//! Parameter Store through `aws-sdk-ssm`: up to 10 parameters in one `GetParameters` call,
//! `SecureString`s decrypted.
//!
//! `GetParameters` returns the parameters it found in any order, under their stored names:
//! `/app/token:3` comes back as `Name` `/app/token` with `Selector` `:3`, and an ARN as the
//! parameter's name with its `ARN`. Each reply is matched back to the request that asked for it
//! here. Names it did not find come back, as given, in `InvalidParameters`: absent.

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_ssm::Client;
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::SdkError;
use aws_sdk_ssm::operation::get_parameters::GetParametersError;
use aws_sdk_ssm::types::Parameter;
use zeroize::Zeroizing;

use super::errors::{Call, Failure, Reply, failure, service_error};
use super::on_aws_runtime;
use crate::backend::{BoxFuture, SecretBytes};
use crate::backend_aws::{AwsParameterStore, BatchReply};
use crate::family::check_size;
use crate::{BackendError, ErrorKind};

/// What a denial needs.
const NEEDS: &str = "the function's role needs ssm:GetParameters on it, and kms:Decrypt on the key of a SecureString encrypted under a customer managed key";

/// Parameter Store: reads parameters with the function's own role.
#[derive(Debug, Clone)]
pub struct ParameterStoreClient {
    client: Client,
}

impl ParameterStoreClient {
    /// Wraps a client built elsewhere. Turn its retries off (`RetryConfig::disabled()`) so
    /// that the loader's deadline is the only one.
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client from `config`, with the SDK's retries off.
    #[must_use]
    pub fn from_config(config: &SdkConfig) -> Self {
        let config = aws_sdk_ssm::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        Self::new(Client::from_conf(config))
    }

    async fn get_many_now(
        &self,
        names: Vec<String>,
        max_bytes: usize,
    ) -> Result<Vec<BatchReply>, BackendError> {
        let reply = self
            .client
            .get_parameters()
            .set_names(Some(names.clone()))
            .with_decryption(true)
            .send()
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => return refused(&err, &names),
        };
        let mut found = reply.parameters.unwrap_or_default();
        // Moved out of the SDK's parameters so that they are wiped when dropped.
        let values: Vec<Option<Zeroizing<String>>> = found
            .iter_mut()
            .map(|p| p.value.take().map(Zeroizing::new))
            .collect();
        let invalid = reply.invalid_parameters.unwrap_or_default();
        let requested: Vec<Requested<'_>> = names.iter().map(|n| Requested::parse(n)).collect();
        let matched = match_replies(&requested, &found);
        Ok(requested
            .iter()
            .zip(matched)
            .map(|(request, at)| {
                let what = format!("parameter {}", request.full);
                match at {
                    Some(at) => {
                        let value = values[at].as_deref().map_or("", String::as_str);
                        check_size(&what, value.len() as u64, max_bytes)?;
                        Ok(Some(SecretBytes::new(value.as_bytes().to_vec())))
                    }
                    None if invalid.iter().any(|n| n == request.full) => Ok(None),
                    None => Err(BackendError::new(
                        ErrorKind::Other,
                        format!(
                            "{what}: Parameter Store's GetParameters reply neither has it nor lists it as invalid"
                        ),
                    )),
                }
            })
            .collect())
    }
}

impl AwsParameterStore for ParameterStoreClient {
    fn get_many<'a>(
        &'a self,
        names: &'a [&'a str],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        let this = self.clone();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        Box::pin(on_aws_runtime(async move {
            this.get_many_now(names, max_bytes).await
        }))
    }
}

/// A requested name, split as Parameter Store reads it.
#[derive(Debug, Clone, Copy)]
struct Requested<'a> {
    /// As given.
    full: &'a str,
    /// The name or ARN without its selector.
    base: &'a str,
    /// The version number or label after `:`.
    selector: Option<&'a str>,
}

impl<'a> Requested<'a> {
    fn parse(full: &'a str) -> Self {
        // In an ARN the selector follows the resource's first `:`
        // (`arn:aws:ssm:R:A:parameter/app/token:3`); names hold no other `:`.
        let resource = if full.starts_with("arn:") {
            full.match_indices(':')
                .nth(4)
                .map_or(full.len(), |(at, _)| at + 1)
        } else {
            0
        };
        match full[resource..].find(':') {
            Some(at) => Self {
                full,
                base: &full[..resource + at],
                selector: Some(&full[resource + at + 1..]),
            },
            None => Self {
                full,
                base: full,
                selector: None,
            },
        }
    }

    /// How well `found` answers this request: `None` not at all; 3 its selector; 2 the
    /// unselected parameter, or the asked version of a reply that does not say its selector
    /// (moto's do not); 1 a label, which such a reply cannot confirm.
    fn score(&self, found: &Parameter) -> Option<u8> {
        let named =
            found.name.as_deref() == Some(self.base) || found.arn.as_deref() == Some(self.base);
        if !named {
            return None;
        }
        let selector = found.selector.as_deref().map(|s| s.trim_start_matches(':'));
        match (self.selector, selector) {
            (Some(wanted), Some(got)) => (wanted == got).then_some(3),
            (None, None) => Some(2),
            (None, Some(_)) => None,
            (Some(wanted), None) if wanted.bytes().all(|b| b.is_ascii_digit()) => {
                (wanted.parse::<i64>().ok() == Some(found.version)).then_some(2)
            }
            (Some(_), None) => Some(1),
        }
    }
}

/// For each request, the index of its reply in `found`. Sure matches first (the newest version
/// for an unselected name); then labels. Among equally good replies, one no other request
/// took: a server that answers each requested name once (moto does, without selectors) then
/// gives every request its own reply.
fn match_replies(requested: &[Requested<'_>], found: &[Parameter]) -> Vec<Option<usize>> {
    let mut matched: Vec<Option<usize>> = vec![None; requested.len()];
    for sure in [true, false] {
        for (at, request) in requested.iter().enumerate() {
            if matched[at].is_some() {
                continue;
            }
            let mut candidates: Vec<(u8, i64, usize)> = found
                .iter()
                .enumerate()
                .filter_map(|(i, p)| request.score(p).map(|s| (s, p.version, i)))
                .filter(|(score, _, _)| (*score >= 2) == sure)
                .collect();
            // Best first: the highest score, then the newest version.
            candidates.sort_by_key(|&(score, version, _)| std::cmp::Reverse((score, version)));
            let Some(&(score, version, first)) = candidates.first() else {
                continue;
            };
            let untaken = candidates
                .iter()
                .take_while(|c| (c.0, c.1) == (score, version) || !sure)
                .find(|c| !matched.contains(&Some(c.2)));
            matched[at] = Some(untaken.map_or(first, |c| c.2));
        }
    }
    matched
}

/// The whole `GetParameters` call failed.
fn refused(
    err: &SdkError<GetParametersError, HttpResponse>,
    names: &[String],
) -> Result<Vec<BatchReply>, BackendError> {
    // Said without any parameter's name: a transient failure is the whole call's, and retried.
    let whole = Call {
        what: "Parameter Store's GetParameters",
        needs: NEEDS,
    };
    let reply = match failure(err, &whole) {
        Failure::Settled(why) if why.kind() == ErrorKind::Unavailable => return Err(why),
        Failure::Service(reply) => reply,
        Failure::Settled(why) => return Ok(names.iter().map(|_| Err(why.clone())).collect()),
    };
    let shared = by_code(&reply, &whole);
    if shared.kind() == ErrorKind::Unavailable {
        return Err(shared);
    }
    // A denial (AWS denies the call when one parameter is denied) is each parameter's: its
    // message names that parameter alone, and quotes AWS's words with the others' names out.
    Ok(names
        .iter()
        .map(|name| {
            let what = format!("parameter {name}");
            let call = Call {
                what: &what,
                needs: NEEDS,
            };
            let message = reply.message.map(|m| scrub(m, name, names));
            let own = Reply {
                message: message.as_deref(),
                ..reply
            };
            Err(by_code(&own, &call))
        })
        .collect())
}

/// What Parameter Store's codes for `GetParameters` mean.
fn by_code(reply: &Reply<'_>, call: &Call<'_>) -> BackendError {
    match reply.code {
        "InvalidKeyId" => BackendError::new(
            ErrorKind::Other,
            format!(
                "{}: the KMS key of a SecureString cannot be used (disabled, deleted or not found){}",
                call.what,
                reply.detail()
            ),
        ),
        _ => service_error(reply, call),
    }
}

/// `message` with every requested name but `own` replaced, longest first; a name's ARN form
/// holds it without its leading `/`, so that is replaced too.
fn scrub(message: &str, own: &str, names: &[String]) -> String {
    let mut others: Vec<&str> = names
        .iter()
        .map(|n| Requested::parse(n).base)
        .map(|n| n.trim_start_matches('/'))
        .filter(|n| !n.is_empty() && !own.contains(n))
        .collect();
    others.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut message = message.to_owned();
    for name in others {
        message = message.replace(name, "(another parameter of the call)");
    }
    message
}

#[cfg(test)]
mod tests {
    use aws_sdk_ssm::error::ErrorMetadata;

    use super::super::errors::tests::service;
    use super::*;

    fn param(name: &str, version: i64, selector: Option<&str>) -> Parameter {
        Parameter::builder()
            .name(name)
            .version(version)
            .set_selector(selector.map(str::to_owned))
            .arn(format!(
                "arn:aws:ssm:us-east-1:123456789012:parameter/{}",
                name.trim_start_matches('/')
            ))
            .build()
    }

    fn matched(names: &[&str], found: &[Parameter]) -> Vec<Option<usize>> {
        let requested: Vec<Requested<'_>> = names.iter().map(|n| Requested::parse(n)).collect();
        match_replies(&requested, found)
    }

    #[test]
    fn names_split_at_their_selector() {
        let r = Requested::parse("/app/token:3");
        assert_eq!((r.base, r.selector), ("/app/token", Some("3")));
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/token:live";
        let r = Requested::parse(arn);
        assert_eq!(
            (r.base, r.selector),
            (
                "arn:aws:ssm:us-east-1:123456789012:parameter/app/token",
                Some("live")
            )
        );
        let r = Requested::parse("plain");
        assert_eq!((r.base, r.selector), ("plain", None));
    }

    #[test]
    fn replies_in_any_order_go_back_to_their_requests_as_aws_answers() {
        // AWS's replies carry the selector they answer.
        let found = [
            param("/app/token", 3, Some(":3")),
            param("/b", 1, None),
            param("/app/token", 5, None),
            param("/app/token", 4, Some(":live")),
        ];
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/b";
        assert_eq!(
            matched(
                &[
                    "/app/token",
                    "/app/token:live",
                    arn,
                    "/app/token:3",
                    "/gone"
                ],
                &found
            ),
            [Some(2), Some(3), Some(1), Some(0), None]
        );
    }

    #[test]
    fn replies_without_selectors_are_matched_by_version_as_moto_answers() {
        let found = [
            param("/app/token", 4, None),
            param("/app/token", 5, None),
            param("/app/token", 2, None),
        ];
        assert_eq!(
            matched(&["/app/token:2", "/app/token", "/app/token:live"], &found),
            [Some(2), Some(1), Some(0)]
        );
    }

    /// moto answers each requested name once, in any order, without selectors: a label and
    /// the plain name then get replies of their own whatever the order.
    #[test]
    fn one_reply_per_requested_name_goes_to_its_own_request_in_any_order() {
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/versioned";
        let names = [
            "/app/versioned",
            "/app/versioned:1",
            "/app/versioned:old",
            arn,
        ];
        let replies = [2, 1, 1, 2];
        let mut orders = vec![vec![0, 1, 2, 3]];
        // Every order of the four replies (24).
        for _ in 0..23 {
            let mut next = orders.last().unwrap().clone();
            let i = (0..3).rev().find(|&i| next[i] < next[i + 1]).unwrap();
            let j = (i + 1..4).rev().find(|&j| next[i] < next[j]).unwrap();
            next.swap(i, j);
            next[i + 1..].reverse();
            orders.push(next);
        }
        for order in orders {
            let found: Vec<Parameter> = order
                .iter()
                .map(|&k| param("/app/versioned", replies[k], None))
                .collect();
            let versions: Vec<i64> = matched(&names, &found)
                .iter()
                .map(|at| found[at.unwrap()].version)
                .collect();
            assert_eq!(versions, [2, 1, 1, 2], "{order:?}");
            let mut distinct = matched(&names, &found);
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), 4, "{order:?}");
        }
    }

    fn refusal(code: &str, message: &str, names: &[&str]) -> Vec<BatchReply> {
        let err = GetParametersError::generic(
            ErrorMetadata::builder().code(code).message(message).build(),
        );
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        refused(&service(err, 400), &names).unwrap()
    }

    #[test]
    fn a_denied_call_fails_each_parameter_in_its_own_words() {
        let replies = refusal(
            "AccessDeniedException",
            "not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:1:parameter/prod/secret-name",
            &["/prod/secret-name", "/prod/other"],
        );
        let first = replies[0].as_ref().unwrap_err();
        assert_eq!(first.kind(), ErrorKind::PermissionDenied);
        assert!(first.message().starts_with("permission denied on parameter /prod/secret-name: the function's role needs ssm:GetParameters on it"), "{first}");
        let second = replies[1].as_ref().unwrap_err();
        assert!(!second.message().contains("secret-name"), "{second}");
        assert!(
            second
                .message()
                .contains("parameter/(another parameter of the call)"),
            "{second}"
        );
    }

    #[test]
    fn a_throttled_call_is_retried_and_names_no_parameter() {
        let err = GetParametersError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        );
        let why = refused(&service(err, 400), &["/prod/a".to_owned()]).unwrap_err();
        assert_eq!(
            (why.kind(), why.message()),
            (
                ErrorKind::Unavailable,
                "Parameter Store's GetParameters: AWS throttled the request (ThrottlingException: Rate exceeded)"
            )
        );
    }
}
