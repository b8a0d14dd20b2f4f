//! AWS names: S3 buckets and object keys, KMS key ids, Secrets Manager secret ids, Parameter
//! Store parameter names, and KMS encryption contexts.
//!
//! Every message here is blind (it says which rule breaks and where, never the name), so the
//! same functions check literals at compile time, where the compiler points at the literal,
//! and names read from the environment at boot, where the name may be a pasted secret.

use crate::rules::first_bad;

/// An S3 bucket name, by the general purpose bucket rules: 3–63 characters, lowercase
/// letters, digits, `.` and `-`, starting and ending with a letter or digit, no `..`, not an
/// IP address, not starting with `xn--`, `sthree-` or `amzn-s3-demo-`, not ending with
/// `-s3alias` or `--ol-s3`.
///
/// # Errors
/// The rule the name breaks, and the position of a bad character; never the name.
pub fn check_s3_bucket_name(name: &str) -> Result<(), String> {
    const WHAT: &str = "S3 bucket name";
    if name.len() < 3 || name.len() > 63 {
        return Err(format!("an {WHAT} is 3 to 63 characters long"));
    }
    if let Some((at, _)) = first_bad(name, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')
    }) {
        return Err(format!(
            "an {WHAT} holds lowercase letters, digits, `.` and `-` only (character {at})"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(format!("an {WHAT} starts and ends with a letter or digit"));
    }
    if name.contains("..") {
        return Err(format!("an {WHAT} has no two dots in a row"));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(format!("an {WHAT} is not an IP address"));
    }
    let reserved_start = ["xn--", "sthree-", "amzn-s3-demo-"];
    let reserved_end = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];
    if reserved_start.iter().any(|p| name.starts_with(p))
        || reserved_end.iter().any(|s| name.ends_with(s))
    {
        return Err(format!(
            "an {WHAT} does not use a prefix or suffix AWS reserves"
        ));
    }
    Ok(())
}

/// An S3 object key: 1–1024 bytes of UTF-8.
///
/// # Errors
/// The rule the key breaks; never the key.
pub fn check_s3_object_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 1024 {
        return Err("an S3 object key is 1 to 1024 bytes long".to_owned());
    }
    Ok(())
}

/// An AWS KMS key, as `Decrypt` takes its `KeyId`: a key id (`1234abcd-…`, `mrk-…`), a key
/// ARN, an alias (`alias/app`) or an alias ARN.
///
/// # Errors
/// The forms a key is given in, and which part breaks; never the key.
pub fn check_aws_kms_key(key: &str) -> Result<(), String> {
    const FORMS: &str = "an AWS KMS key is a key id, `alias/NAME`, or the ARN of a key or alias (`arn:aws:kms:REGION:ACCOUNT:key/ID`)";
    if let Some(rest) = key.strip_prefix("arn:") {
        let resource =
            arn_resource(rest, "kms", "a KMS one").map_err(|why| format!("{FORMS}: {why}"))?;
        return match resource.split_once('/') {
            Some(("key", id)) => key_id(id).map_err(|why| format!("{FORMS}: {why}")),
            Some(("alias", name)) => alias(name).map_err(|why| format!("{FORMS}: {why}")),
            _ => Err(format!(
                "{FORMS}: the ARN names neither `key/` nor `alias/`"
            )),
        };
    }
    match key.strip_prefix("alias/") {
        Some(name) => alias(name),
        None => key_id(key),
    }
    .map_err(|why| format!("{FORMS}: {why}"))
}

/// The resource of `rest`, an ARN after its `arn:`
/// (`PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`), if it is one of `service`'s, or which part
/// is wrong. `kind` names the service's ARNs in the message.
fn arn_resource<'a>(rest: &'a str, service: &str, kind: &str) -> Result<&'a str, String> {
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [partition, found, region, account, resource] = parts[..] else {
        return Err("the ARN has too few parts".to_owned());
    };
    // `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`...
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    if !partition_ok || found != service {
        return Err(format!("the ARN is not {kind}"));
    }
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !region_ok || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the ARN's region or 12-digit account is wrong".to_owned());
    }
    Ok(resource)
}

fn key_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 64 {
        return Err("a key id is 1 to 64 characters long".to_owned());
    }
    match first_bad(id, |c| c.is_ascii_alphanumeric() || c == '-') {
        Some((at, _)) => Err(format!(
            "a key id holds letters, digits and `-` only (character {at} of the id)"
        )),
        None => Ok(()),
    }
}

fn alias(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 250 {
        return Err("an alias name is 1 to 250 characters long".to_owned());
    }
    match first_bad(name, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')
    }) {
        Some((at, _)) => Err(format!(
            "an alias name holds letters, digits, `/`, `_` and `-` only (character {at} of the name)"
        )),
        None => Ok(()),
    }
}

/// A Secrets Manager secret id: a name (1–512 characters: letters, digits and `/_+=.@-`) or
/// a secret ARN.
///
/// # Errors
/// The rule the id breaks; never the id.
pub fn check_aws_secret_id(id: &str) -> Result<(), String> {
    const FORM: &str =
        "a Secrets Manager secret ARN reads `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`";
    if let Some(rest) = id.strip_prefix("arn:") {
        let resource = arn_resource(rest, "secretsmanager", "a Secrets Manager one")
            .map_err(|why| format!("{FORM}: {why}"))?;
        // The name, with the `-AbCdEf` AWS appends or without: the name's characters either way.
        return match resource.strip_prefix("secret:") {
            Some(name) => check_aws_secret_id(name).map_err(|why| {
                format!(
                    "{FORM}: {}",
                    why.replace("(character", "(of the name, character")
                )
            }),
            None => Err(format!("{FORM}: the ARN names no `secret:`")),
        };
    }
    if id.is_empty() || id.len() > 512 {
        return Err("a Secrets Manager secret name is 1 to 512 characters long".to_owned());
    }
    match first_bad(id, |c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)) {
        Some((at, _)) => Err(format!(
            "a Secrets Manager secret name holds letters, digits and `/_+=.@-` only (character {at})"
        )),
        None => Ok(()),
    }
}

/// A Secrets Manager version stage (`AWSCURRENT`, `AWSPREVIOUS`, a label of one's own): 1–256
/// characters, letters, digits, `_`, `-` and `.`; or a version id (32–64 characters).
///
/// # Errors
/// The rule it breaks; never the text.
pub fn check_aws_secret_version(what: &str, text: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > 256 {
        return Err(format!("a {what} is 1 to 256 characters long"));
    }
    match first_bad(text, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
    }) {
        Some((at, _)) => Err(format!(
            "a {what} holds letters, digits, `_`, `-` and `.` only (character {at})"
        )),
        None => Ok(()),
    }
}

/// A Parameter Store parameter: a name (at most 2048 characters: letters, digits and `_.-/`;
/// a hierarchical one starts with `/`; not starting with `aws` or `ssm`, except the
/// `/aws/reference/secretsmanager/` path), optionally with `:VERSION` or `:LABEL`, or a
/// parameter ARN.
///
/// # Errors
/// The rule the name breaks; never the name.
pub fn check_ssm_parameter_name(name: &str) -> Result<(), String> {
    const FORM: &str = "a parameter ARN reads `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`";
    if let Some(rest) = name.strip_prefix("arn:") {
        let resource = arn_resource(rest, "ssm", "a Parameter Store one")
            .map_err(|why| format!("{FORM}: {why}"))?;
        // `parameter/prod/db` is `/prod/db`, and `parameter/token` is `token`: either way the
        // name's rules, with a leading `/`, apply to what follows `parameter`.
        return match resource.strip_prefix("parameter") {
            Some(name) if name.starts_with('/') => {
                check_ssm_parameter_name(name).map_err(|why| format!("{FORM}: {why}"))
            }
            _ => Err(format!("{FORM}: the ARN names no `parameter/`")),
        };
    }
    let (path, selector) = match name.split_once(':') {
        Some((path, selector)) => (path, Some(selector)),
        None => (name, None),
    };
    if path.is_empty() || path.len() > 2048 {
        return Err("a parameter name is 1 to 2048 characters long".to_owned());
    }
    if let Some((at, _)) = first_bad(path, |c| c.is_ascii_alphanumeric() || "_.-/".contains(c)) {
        return Err(format!(
            "a parameter name holds letters, digits and `_.-/` only (character {at})"
        ));
    }
    if path.contains('/') && !path.starts_with('/') {
        return Err("a hierarchical parameter name starts with `/`".to_owned());
    }
    let first = path.trim_start_matches('/').to_ascii_lowercase();
    if (first.starts_with("aws") || first.starts_with("ssm"))
        && !path.starts_with("/aws/reference/secretsmanager/")
    {
        return Err(
            "a parameter name does not start with `aws` or `ssm`, which AWS reserves".to_owned(),
        );
    }
    match selector {
        Some(s) if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) => Err(
            "a parameter selector (after `:`) is a version number or a label: letters, digits and `_.-`".to_owned(),
        ),
        _ => Ok(()),
    }
}

/// A KMS encryption context as an attribute writes it: `k=v` pairs separated by commas
/// (`app=billing,stage=prod`), each key once, keys and values not empty. Returned sorted by
/// key, as KMS compares contexts as maps.
///
/// # Errors
/// Which pair is wrong (by position) and how.
pub fn parse_encryption_context(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (at, pair) in text.split(',').enumerate() {
        let at = at + 1;
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "pair {at} of the encryption context has no `=`: write `key=value,key=value`"
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() {
            return Err(format!(
                "pair {at} of the encryption context has an empty key or value"
            ));
        }
        if pairs.iter().any(|(known, _)| known == key) {
            return Err(format!(
                "pair {at} of the encryption context repeats the key `{key}`"
            ));
        }
        pairs.push((key.to_owned(), value.to_owned()));
    }
    pairs.sort();
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_buckets() {
        for ok in ["cfg", "my-app.config", "a1b"] {
            assert_eq!(check_s3_bucket_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "ab",
            "My-Bucket",
            "-ab",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "ab-s3alias",
        ] {
            let why = check_s3_bucket_name(bad).unwrap_err();
            assert!(!why.contains(bad), "{why}");
        }
        assert!(
            check_s3_bucket_name("Hunter2x")
                .unwrap_err()
                .contains("character 1")
        );
    }

    #[test]
    fn kms_keys() {
        for ok in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/app",
            "alias/team/app_1",
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:eu-west-1:111122223333:alias/app",
        ] {
            assert_eq!(check_aws_kms_key(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "alias/",
            "hunter 2",
            "arn:aws:s3:::bucket",
            "arn:aws:kms:eu-west-1:1111:key/x",
            "arn:aws:kms:eu-west-1:111122223333:foo/x",
        ] {
            let why = check_aws_kms_key(bad).unwrap_err();
            assert!(why.starts_with("an AWS KMS key is"), "{why}");
        }
    }

    #[test]
    fn secret_ids_and_versions() {
        assert_eq!(check_aws_secret_id("prod/db"), Ok(()));
        assert_eq!(
            check_aws_secret_id(
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
            ),
            Ok(())
        );
        assert!(
            check_aws_secret_id("has space")
                .unwrap_err()
                .contains("character 4")
        );
        assert!(check_aws_secret_id("").is_err());
        assert!(check_aws_secret_id("arn:aws:ssm:x:y:parameter/a").is_err());
        // An ARN's name obeys the name's rules; its region and account are checked too.
        for bad in [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/d\u{1e}b",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:",
            "arn:aws:secretsmanager:us east:111122223333:secret:prod/db",
            "arn:aws:secretsmanager:us-east-1:1111:secret:prod/db",
        ] {
            let why = check_aws_secret_id(bad).unwrap_err();
            assert!(
                why.starts_with("a Secrets Manager secret ARN reads"),
                "{why}"
            );
        }
        assert_eq!(
            check_aws_secret_version("version stage", "AWSCURRENT"),
            Ok(())
        );
        assert!(check_aws_secret_version("version stage", "a b").is_err());
    }

    #[test]
    fn parameters() {
        for ok in [
            "/prod/db/password",
            "token",
            "/prod/db/password:3",
            "/prod/x:live",
            "/aws/reference/secretsmanager/prod/db",
            "arn:aws:ssm:us-east-1:111122223333:parameter/prod/db",
            "arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/prod/db:3",
        ] {
            assert_eq!(check_ssm_parameter_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "prod/db",
            "/aws/x",
            "ssm-x",
            "/a b",
            "/a:",
            "/a:b c",
            // found by fuzz/fuzz_targets/aws_sources.rs: an ARN's name went unchecked
            "arn:aws:ssm:us-east-1:123456789012:parameter/pro\u{1e}d/api/token",
            "arn:aws:ssm:us-east-1:123456789012:parameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/aws/x",
            "arn:aws:ssm::123456789012:parameter/prod/db",
            "arn:aws\0!:ssm:us-east-1:123456789012:parameter/prod/db",
        ] {
            assert!(check_ssm_parameter_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn encryption_contexts() {
        assert_eq!(
            parse_encryption_context("stage=prod, app=billing").unwrap(),
            vec![
                ("app".to_owned(), "billing".to_owned()),
                ("stage".to_owned(), "prod".to_owned())
            ]
        );
        assert!(
            parse_encryption_context("app")
                .unwrap_err()
                .contains("pair 1")
        );
        assert!(
            parse_encryption_context("a=1,=2")
                .unwrap_err()
                .contains("pair 2")
        );
        assert!(
            parse_encryption_context("a=1,a=2")
                .unwrap_err()
                .contains("repeats")
        );
    }
}
