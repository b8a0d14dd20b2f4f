//! A manifest as the AWS IAM policy that lets a function's role read each AWS resource its
//! struct reads and nothing more: `kms:Decrypt` on the key (held to its alias and encryption
//! context by conditions when the field gives them), `s3:GetObject` on each object,
//! `secretsmanager:GetSecretValue` on each secret, `ssm:GetParameters` on each parameter.
//!
//! Names env vars hold are looked up as `lookup.rs` says; one that is not known stays `$VAR`
//! in the ARN, as the manifest's table shows it, for a deploy script to substitute.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use super::lookup::{Lookup, Names};
use super::{Manifest, Name, Resource};
use crate::environment::NameRule;
use crate::kinds::{aws_secret, s3, ssm};

/// Where the policy's ARNs point: the partition, region and account of the function.
#[derive(Debug, Clone, Copy)]
pub struct AwsScope<'a> {
    /// `aws`, or `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// The region the secrets, parameters and keys are in (`eu-west-1`).
    pub region: &'a str,
    /// The 12-digit account id that owns them.
    pub account: &'a str,
}

pub(super) fn policy(manifest: &Manifest, scope: AwsScope<'_>, env: Option<&dyn Lookup>) -> Value {
    let names = Names { env };
    let AwsScope {
        partition,
        region,
        account,
    } = scope;
    let name = |name: Name, rule: &NameRule| -> Cow<'static, str> {
        match (names.name(name, rule), name) {
            (Ok(known), _) => known,
            (Err(_), unknown) => Cow::Owned(unknown.to_string()),
        }
    };
    let mut statements: Vec<Value> = Vec::new();
    let (mut objects, mut secrets, mut parameters) = (Vec::new(), Vec::new(), Vec::new());
    for need in manifest.resources() {
        match need.resource() {
            Resource::AwsKmsKey { key, context } => {
                // Sids are unique in a policy: one statement per key and context.
                let sid = format!("DecryptConfig{}", statements.len() + 1);
                statements.push(kms_statement(scope, &sid, *key, context));
            }
            Resource::S3Object { bucket, object } => {
                let bucket = name(*bucket, &s3::BUCKET_NAME);
                push_new(
                    &mut objects,
                    format!("arn:{partition}:s3:::{bucket}/{object}"),
                );
            }
            Resource::AwsSecret { secret } => {
                let id = name(*secret, &aws_secret::SECRET_ID);
                // A secret's ARN ends in `-` and six random characters AWS adds.
                let arn = if id.starts_with("arn:") {
                    id.into_owned()
                } else {
                    format!("arn:{partition}:secretsmanager:{region}:{account}:secret:{id}-??????")
                };
                push_new(&mut secrets, arn);
            }
            Resource::Parameter { name: parameter } => {
                let parameter = name(*parameter, &ssm::PARAMETER_NAME);
                push_new(&mut parameters, parameter_arn(scope, &parameter));
            }
            _ => {}
        }
    }
    if !objects.is_empty() {
        statements.push(json!({
            "Sid": "ReadS3Objects",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": objects,
        }));
    }
    if !secrets.is_empty() {
        statements.push(json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secrets,
        }));
        // Secrets are read 20 per `BatchGetSecretValue`, which takes no resource: what each
        // secret allows is still checked by `GetSecretValue` above.
        statements.push(json!({
            "Sid": "BatchReadSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:BatchGetSecretValue",
            "Resource": "*",
        }));
    }
    if !parameters.is_empty() {
        statements.push(json!({
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": parameters,
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// `kms:Decrypt` on the pinned key; an alias is held by `kms:ResourceAliases` (a policy
/// cannot name a key by its alias), and the field's context by `kms:EncryptionContext:`.
fn kms_statement(
    scope: AwsScope<'_>,
    sid: &str,
    key: Option<&str>,
    context: &[(&str, &str)],
) -> Value {
    let AwsScope {
        partition,
        region,
        account,
    } = scope;
    let any_key = format!("arn:{partition}:kms:{region}:{account}:key/*");
    let mut conditions = Map::new();
    let alias = key.and_then(|key| {
        key.strip_prefix("alias/")
            .or_else(|| key.split_once(":alias/").map(|(_, name)| name))
    });
    let resource = match (key, alias) {
        (_, Some(alias)) => {
            conditions.insert(
                "ForAnyValue:StringEquals".to_owned(),
                json!({ "kms:ResourceAliases": format!("alias/{alias}") }),
            );
            any_key
        }
        (Some(arn), None) if arn.starts_with("arn:") => arn.to_owned(),
        (Some(id), None) => format!("arn:{partition}:kms:{region}:{account}:key/{id}"),
        (None, None) => any_key,
    };
    if !context.is_empty() {
        let pairs: Map<String, Value> = context
            .iter()
            .map(|(k, v)| (format!("kms:EncryptionContext:{k}"), json!(v)))
            .collect();
        conditions.insert("StringEquals".to_owned(), Value::Object(pairs));
    }
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": resource,
    });
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    statement
}

/// A parameter's ARN: the name without its `:VERSION`/`:LABEL` selector, after `parameter`
/// (a hierarchical name brings its own `/`; so does the value of an unknown `$VAR`, which
/// stands for everything after `parameter`).
fn parameter_arn(scope: AwsScope<'_>, name: &str) -> String {
    if name.starts_with("arn:") {
        return name.to_owned();
    }
    let path = name.split_once(':').map_or(name, |(path, _)| path);
    let slash = if path.starts_with('/') || path.starts_with('$') {
        ""
    } else {
        "/"
    };
    format!(
        "arn:{}:ssm:{}:{}:parameter{slash}{path}",
        scope.partition, scope.region, scope.account
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Need;

    const SCOPE: AwsScope<'static> = AwsScope {
        partition: "aws",
        region: "eu-west-1",
        account: "111122223333",
    };

    fn of(resources: Vec<Resource>) -> Manifest {
        Manifest {
            name: "Config",
            env: Vec::new(),
            resources: resources
                .into_iter()
                .map(|resource| Need {
                    resource,
                    fields: vec!["f".to_owned()],
                })
                .collect(),
        }
    }

    #[test]
    fn each_resource_is_granted_alone_with_its_conditions() {
        let manifest = of(vec![
            Resource::AwsKmsKey {
                key: Some("alias/app"),
                context: &[("app", "billing")],
            },
            Resource::AwsKmsKey {
                key: Some("1234abcd-12ab-34cd-56ef-1234567890ab"),
                context: &[],
            },
            Resource::S3Object {
                bucket: Name::Literal("cfg"),
                object: "app1.json",
            },
            Resource::S3Object {
                bucket: Name::Env("S3_BUCKET"),
                object: "app1.json",
            },
            Resource::AwsSecret {
                secret: Name::Literal("prod/db"),
            },
            Resource::Parameter {
                name: Name::Literal("/prod/api/token:3"),
            },
            Resource::Parameter {
                name: Name::Literal("plain"),
            },
            // Granted by gcloud, not here.
            Resource::KmsKey {
                key: Name::Literal("projects/p/locations/global/keyRings/r/cryptoKeys/k"),
            },
        ]);
        let env = [("S3_BUCKET", "live-cfg")];
        let policy = manifest.aws_policy(SCOPE, Some(&env));
        let expected = json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DecryptConfig1",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": "arn:aws:kms:eu-west-1:111122223333:key/*",
                    "Condition": {
                        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/app"},
                        "StringEquals": {"kms:EncryptionContext:app": "billing"}
                    }
                },
                {
                    "Sid": "DecryptConfig2",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                },
                {
                    "Sid": "ReadS3Objects",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": ["arn:aws:s3:::cfg/app1.json", "arn:aws:s3:::live-cfg/app1.json"]
                },
                {
                    "Sid": "ReadSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????"]
                },
                {
                    "Sid": "BatchReadSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:BatchGetSecretValue",
                    "Resource": "*"
                },
                {
                    "Sid": "ReadParameters",
                    "Effect": "Allow",
                    "Action": "ssm:GetParameters",
                    "Resource": [
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/api/token",
                        "arn:aws:ssm:eu-west-1:111122223333:parameter/plain"
                    ]
                }
            ]
        });
        assert_eq!(policy, expected);
    }

    #[test]
    fn a_name_not_known_stays_its_var_and_a_bad_one_is_never_shown() {
        let manifest = of(vec![Resource::S3Object {
            bucket: Name::Env("S3_BUCKET"),
            object: "o",
        }]);
        let unset = manifest.aws_policy(SCOPE, None);
        assert_eq!(
            unset["Statement"][0]["Resource"],
            json!(["arn:aws:s3:::$S3_BUCKET/o"])
        );
        let pasted = [("S3_BUCKET", "Hunter2-Pass")];
        let policy = manifest.aws_policy(SCOPE, Some(&pasted)).to_string();
        assert!(!policy.contains("Hunter2"), "{policy}");
        assert!(policy.contains("$S3_BUCKET"), "{policy}");
        assert_eq!(
            of(vec![]).aws_policy(SCOPE, None),
            json!({"Version": "2012-10-17", "Statement": []})
        );
    }
}
