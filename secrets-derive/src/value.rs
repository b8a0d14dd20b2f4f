//! Attribute values that more than one kind takes, each checked as it is parsed. A value only
//! one kind takes (a KMS key name, a bucket) lives in that kind's module.

use syn::LitStr;

use crate::attr::FromLit;

/// A string taken as written: `default = "..."`.
pub struct Text(pub String);

impl FromLit for Text {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        Ok(Self(lit.value()))
    }
}

/// An env var name: `name = "PORT"`, `key_env = "KEY_ID"`.
pub struct EnvName(pub String);

impl FromLit for EnvName {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        checked(lit, secrets_names::check_env_name).map(Self)
    }
}

/// The literal's value, if it follows `rule`.
pub fn checked(lit: &LitStr, rule: fn(&str) -> Result<(), String>) -> Result<String, String> {
    let value = lit.value();
    rule(&value)?;
    Ok(value)
}

/// A string that a rule of `secrets-names` accepts, checked as it is parsed: a newtype per
/// rule, so a kind's key struct says which rule each value obeys.
///
/// `checked_string!(Bucket, secrets_names::aws::check_s3_bucket_name);`
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $rule:expr) => {
        $(#[$doc])*
        struct $name(String);

        impl $crate::attr::FromLit for $name {
            fn from_lit(_: &str, lit: &::syn::LitStr) -> Result<Self, String> {
                $crate::value::checked(lit, $rule).map(Self)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use checked_string;

/// The start of env var names: `prefix = "APP_"`.
pub struct Prefix(pub String);

impl FromLit for Prefix {
    fn from_lit(key: &str, lit: &LitStr) -> Result<Self, String> {
        let prefix = lit.value();
        if prefix.is_empty() {
            return Err(format!("`{key}` is empty; remove `{key}` instead"));
        }
        // A prefix starts every env var name it is put on, so it obeys the rule of one.
        if secrets_names::check_env_name(&prefix).is_err() {
            return Err(format!(
                "{key} `{prefix}` cannot start an env var name; use ASCII letters, digits and `_`, not starting with a digit"
            ));
        }
        Ok(Self(prefix))
    }
}

/// A key of a JSON object: `key = "password"`, `json_key = "user"`.
pub struct JsonKey(pub String);

impl FromLit for JsonKey {
    fn from_lit(key: &str, lit: &LitStr) -> Result<Self, String> {
        let json_key = lit.value();
        if json_key.is_empty() {
            return Err(format!(
                "JSON key is empty; remove `{key}` to read the whole value"
            ));
        }
        Ok(Self(json_key))
    }
}

/// The path generated code names the runtime by: `crate = "::secrets_runtime"`.
pub struct CratePath(pub syn::Path);

impl FromLit for CratePath {
    fn from_lit(key: &str, lit: &LitStr) -> Result<Self, String> {
        let value = lit.value();
        // Spanned on the literal, so errors in code naming it point at the attribute.
        lit.parse().map(Self).map_err(|_| {
            format!("`{value}` is not a path; write `{key} = \"::path::to::secrets_runtime\"`")
        })
    }
}
