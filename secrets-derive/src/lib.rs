//! Implementation detail of `secrets-runtime`: `#[derive(Secrets)]`.
//!
//! Depend on `secrets-runtime`, which re-exports this macro and holds what it expands to.
//! The reference of its attributes is [the derive's documentation](derive@Secrets).
//!
//! The pipeline: `attr` reads attributes into typed values (`value`), `container` and
//! `nested` read `#[secrets]`, each module of `kinds` parses and resolves one source kind,
//! `ast` builds the model, `check` applies the rules across fields (every error collected in
//! `ctxt`), `expand` generates the impl, and `fallback` stands in for it when there were
//! errors.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod check;
mod container;
mod ctxt;
mod expand;
mod fallback;
mod kinds;
mod list;
mod nested;
mod source;
mod suggest;
#[cfg(test)]
mod tests;
mod typed;
mod value;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `secrets_runtime::Secrets` for a struct with named fields, each loaded from the
/// source its attribute names; below, the reference of every attribute, checked at compile
/// time as far as a literal allows.
///
/// (`secrets-derive` is an implementation detail: depend on `secrets-runtime`, which
/// re-exports this macro beside the trait.)
///
/// # Fields
///
/// Every field has exactly one source attribute, or `#[secrets(nested)]`. Its type is
/// `String`, `SecretString`, `Vec<u8>`, `SecretSlice<u8>`, `Blob`, a `FromStr` type whose
/// error is `Display`, or an `Option` of one of these; another type implements `FromSecret`.
/// With `split` (see *Lists* below), a `Vec` or `Option<Vec>` of them.
///
/// | attribute | the value | backend in `load()` |
/// |---|---|---|
/// | [`#[env]`](#env) | an env var's text, parsed with `FromStr` | always |
/// | [`#[kms]`](#kms) | Cloud KMS ciphertext in an env var, decrypted in process | feature `gcp` |
/// | [`#[gcs]`](#gcs) | a Cloud Storage object, or one key of its JSON | feature `gcp` |
/// | [`#[secret_manager]`](#secret_manager) | a Secret Manager secret version | feature `gcp` |
/// | [`#[file]`](#file) | a file the platform mounts | always |
/// | [`#[berglas]`](#berglas) | the `berglas://` or `sm://` reference in an env var | feature `gcp` |
/// | [`#[bundle]`](#bundle) | one key of a sealed JSON bundle in an env var | feature `gcp` |
/// | [`#[aws_kms]`](#aws_kms) | AWS KMS ciphertext in an env var, decrypted in process | feature `aws` |
/// | [`#[s3]`](#s3) | an S3 object, or one key of its JSON | feature `aws` |
/// | [`#[aws_secret]`](#aws_secret) | an AWS Secrets Manager secret | feature `aws` |
/// | [`#[ssm]`](#ssm) | a Parameter Store parameter, a `SecureString` decrypted | feature `aws` |
///
/// Every attribute compiles in every build: the features are `secrets-runtime`'s, `gcp` (on
/// by default) and `aws`, and bring the clients `load()` reaches the services with. Without
/// one, its fields fail to load with an error that names the feature, unless the local
/// backend (`SECRETS_LOCAL_DIR`) or the memory backends (`Sources::builder()`) serve them.
///
/// Rules every attribute follows:
///
/// - **Derived env var**: the field's name upper-cased (`db_pass`: `DB_PASS`), after its
///   struct's `#[secrets(prefix)]`, after the `prefix` of each nested field that leads to
///   that struct, outermost first (`PRIMARY_` + `DB_` + `HOST`). A name given explicitly
///   (`name`, `env` or any `*_env` key, on the field or the struct) is used as written.
/// - **Values** are string literals (`raw` and `nested` are flags), given as `key = "..."`
///   (only `#[env]` takes its `name` alone). Each key is given at most once; `x` and `x_env`
///   are alternatives, and giving both is an error. Names (env vars, keys, buckets, objects,
///   secrets, versions, paths) are checked by their service's rules at compile time when
///   literal, and by the same rules at boot when read from env.
/// - **JSON key** (`key`, or `json_key` where `key` names the encryption key): the value is a
///   JSON object and the field takes that key's string, number or boolean. Without it the
///   field takes the whole value. Fields reading the same value share one request.
/// - **Lists**: `split = "SEP"` on any source attribute loads a `Vec<T>` (or
///   `Option<Vec<T>>`): the value is split on `SEP`, each item trimmed and converted as a `T`
///   field would be. An empty item is an error, named by its position. Not on `Vec<u8>`,
///   which is the value's bytes.
/// - **Absence**: an unset or empty env var, a missing object, secret, parameter or file, a
///   missing JSON key and JSON `null` make the field `None` if it is an `Option`, its
///   `default` for `#[env]`, and an error otherwise. A missing bucket or key, a denied
///   request or an unreadable value is always an error.
///
/// ## `#[env]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `name = "VAR"`, or `"VAR"` first: `#[env("PORT")]` | the env var | the derived name |
/// | `default = "TEXT"` | the text used when the var is unset | unset is absence; not allowed on an `Option` |
///
/// A `default` for an integer, float, `bool`, `char`, `String`, `IpAddr`, `Ipv4Addr`,
/// `Ipv6Addr` or `SocketAddr` field, or a `split` list of them, is parsed at compile time;
/// other types parse it at boot.
///
/// ## `#[kms]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `env = "VAR"` | the env var holding base64 ciphertext (line breaks ignored) | the derived name |
/// | `key = "projects/P/locations/L/keyRings/R/cryptoKeys/K"` | the key (a key, not a key version) | the key name in env `KMS_CRYPTO_KEY_ID` (the struct's `kms_key_env`) |
/// | `key_env = "VAR"` | the env var holding the key name | as above |
/// | `json_key = "K"` | one key of the JSON plaintext | the whole plaintext |
///
/// ## `#[gcs]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `object = "NAME"` | the object | required |
/// | `bucket = "NAME"` | the bucket | the bucket in env `STORAGE_BUCKET` (the struct's `bucket_env`) |
/// | `bucket_env = "VAR"` | the env var holding the bucket | as above |
/// | `key = "K"` | one key of the JSON object | the whole object |
///
/// Each object is read once per load, and is capped at 1 MiB (`max_object_bytes`).
///
/// ## `#[secret_manager]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `secret = "ID"` | the secret: an id, or `projects/P/[locations/L/]secrets/S[/versions/V]` | required, or `secret_env` |
/// | `secret_env = "VAR"` | the env var holding the id or the full name | |
/// | `project = "ID"` | the project of a secret named by its id | the project in env `GOOGLE_CLOUD_PROJECT` (the struct's `project_env`); unset, Google's backend asks the metadata server |
/// | `project_env = "VAR"` | the env var holding that project | as above |
/// | `location = "L"` | a regional secret's location | a global secret |
/// | `version = "V"` | a version number or alias | `latest` |
/// | `key = "K"` | one key of the JSON payload | the whole payload |
///
/// A full name that gives its own project, location or version beside those keys is an error.
///
/// ## `#[file]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `path = "/ABSOLUTE"` | the file | required, or `path_env` |
/// | `path_env = "VAR"` | the env var holding the absolute path; unset is absence | |
/// | `key = "K"` | one key of the JSON file | the whole file |
/// | `raw` | the bytes exactly as stored; not with `key` | one trailing `\n` or `\r\n` dropped |
///
/// A missing file is absence, an empty one an empty value; a directory, an unreadable file
/// or one over `max_object_bytes` is an error.
///
/// ## `#[berglas]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `env = "VAR"` | the env var holding `berglas://BUCKET/OBJECT[#GENERATION]` or `sm://PROJECT/SECRET[#VERSION]` | the derived name |
/// | `key = "K"` | one key of the JSON secret | the whole secret |
///
/// A `berglas://` object is berglas's envelope, opened with Cloud KMS and the key its
/// metadata names; `sm://` is a Secret Manager access. `?destination=` is ignored.
///
/// ## `#[bundle]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `key = "K"` | the key in the bundle | the field's name as written (`db_pass`), no prefix |
/// | `env = "VAR"` | the env var holding the bundle | `SECRETS_BUNDLE` (the struct's `bundle_env`) |
///
/// The bundle (Cloud KMS ciphertext, or berglas's envelope past 64 KiB, as `secrets seal`
/// writes it) is decrypted with the key named in env `KMS_CRYPTO_KEY_ID` (the struct's
/// `kms_key_env`), once for every field that reads it.
///
/// ## `#[aws_kms]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `env = "VAR"` | the env var holding the base64 `CiphertextBlob` | the derived name |
/// | `key = "ID"` | the key: an id, key ARN, `alias/NAME` or alias ARN; a blob made under another is refused | the key the blob names |
/// | `context = "k=v,k2=v2"` | the encryption context the blob was made with | no context |
/// | `json_key = "K"` | one key of the JSON plaintext | the whole plaintext |
///
/// ## `#[s3]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `object = "KEY"` | the object key | required |
/// | `bucket = "NAME"` | the bucket | the bucket in env `S3_BUCKET` (the struct's `s3_bucket_env`) |
/// | `bucket_env = "VAR"` | the env var holding the bucket | as above |
/// | `key = "K"` | one key of the JSON object | the whole object |
///
/// ## `#[aws_secret]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `id = "NAME"` | the secret, by name or ARN | required, or `id_env` |
/// | `id_env = "VAR"` | the env var holding the name or ARN | |
/// | `version_stage = "LABEL"` | the version a staging label marks | the current version (`AWSCURRENT`) |
/// | `version_id = "ID"` | one version; not with `version_stage` | as above |
/// | `key = "K"` | one key of the JSON secret | the whole `SecretString` or `SecretBinary` |
///
/// Current versions are read 20 per `BatchGetSecretValue` call, a pinned one by its own
/// `GetSecretValue`.
///
/// ## `#[ssm]`
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `name = "/NAME"` | the parameter: a name, `NAME:VERSION`, `NAME:LABEL` or an ARN | required, or `name_env` |
/// | `name_env = "VAR"` | the env var holding it | |
/// | `key = "K"` | one key of the JSON value | the whole value |
///
/// Parameters are read 10 per `GetParameters` call, `SecureString`s decrypted.
///
/// # `#[secrets(...)]` on the struct
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `prefix = "APP_"` | the start of every derived env var name | no prefix |
/// | `kms_key_env = "VAR"` | the env var holding the key of `#[kms]` fields that name none, and of `#[bundle]` fields | `KMS_CRYPTO_KEY_ID` |
/// | `bucket_env = "VAR"` | the env var holding the bucket of `#[gcs]` fields that name none | `STORAGE_BUCKET` |
/// | `project_env = "VAR"` | the env var holding the project of `#[secret_manager]` fields that name none | `GOOGLE_CLOUD_PROJECT` |
/// | `bundle_env = "VAR"` | the env var holding the bundle of `#[bundle]` fields | `SECRETS_BUNDLE` |
/// | `s3_bucket_env = "VAR"` | the env var holding the bucket of `#[s3]` fields that name none | `S3_BUCKET` |
/// | `crate = "PATH"` | the path to `secrets_runtime`, when it is re-exported elsewhere | `::secrets_runtime` |
///
/// The keys may be split over several `#[secrets]` attributes, each key given once.
///
/// # `#[secrets(...)]` on a field
///
/// | key | what it gives | without it |
/// |---|---|---|
/// | `nested` | the field's type derives `Secrets` and loads in the same load, its requests in the same batch | a field with a source attribute |
/// | `prefix = "DB_"` | put before the nested struct's derived env var names, before its own prefix | no prefix |
///
/// The outer struct's own `prefix` does not reach into a nested struct: `nested` without
/// `prefix` reads the nested struct's env vars unchanged. A failed nested field is named by
/// its path (`db.password`). There is no `flatten` key.
///
/// # Compile errors
///
/// Unknown keys (with the nearest one suggested), duplicate keys, a lone string on an
/// attribute other than `#[env]`, two sources or none on a field, a missing required key,
/// names that break their service's rules, `default` on an `Option` or one that does not
/// parse, `split` on a field that is not a `Vec`, two fields reading one env var in
/// conflicting ways, enums, unions, tuple structs and generic structs: all reported in one
/// compile, each on its attribute.
// `attributes(...)` lists every kind of `kinds::KINDS`, and `secrets`: a unit test compares them.
#[proc_macro_derive(
    Secrets,
    attributes(
        env,
        kms,
        gcs,
        secret_manager,
        file,
        berglas,
        bundle,
        aws_kms,
        s3,
        aws_secret,
        ssm,
        secrets
    )
)]
pub fn derive_secrets(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
