//! `#[s3]` through the real S3 client over HTTP, against moto's server: objects put by boto3
//! with checksums (`tests/aws/setup.py`), loaded by `#[derive(Secrets)]` structs in a child
//! process whose environment points the SDK at moto (see `common::aws`), every `GetObject`
//! counted at a proxy in front of it. JSON keys, a binary object, absence; a missing bucket, an
//! object over the cap, a corrupted object caught by the SDK's checksum validation, a denial;
//! no value in any output.

#![cfg(feature = "aws")]

mod common;

use common::aws::{
    self, BINARY, BUCKET, LARGE_BYTES, PROXY_ENDPOINT, S3_PASSWORD, assert_no_aws_secret, no_env,
    patient,
};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::GET_OBJECT;

#[derive(Debug, Secrets)]
struct Config {
    // bucket from env S3_BUCKET; one object, three fields: read once
    #[s3(object = "app1.json", key = "username")]
    username: String,
    #[s3(object = "app1.json", key = "password")]
    password: SecretString,
    #[s3(object = "app1.json", key = "port")]
    port: u16,
    #[s3(object = "app1.json", key = "absent")]
    absent_key: Option<String>,
    #[s3(bucket = "cfg-bucket", object = "certs/tls.bin")]
    cert: Vec<u8>,
    #[s3(bucket = "cfg-bucket", object = "certs/none.bin")]
    absent_object: Option<Vec<u8>>,
}

/// The production path: `Config::load()`, with `S3_BUCKET` and the SDK's variables in the
/// process environment.
#[test]
fn loads_json_keys_and_binary_objects_and_absence() {
    let Some(run) = aws::parent(
        "loads_json_keys_and_binary_objects_and_absence",
        |_| vec![("S3_BUCKET", Some(BUCKET.to_owned()))],
        |_| {},
    ) else {
        return aws::child(|_| async {
            let config = Config::load().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(config.username, "s3-user");
            assert_eq!(config.password.expose_secret(), S3_PASSWORD);
            assert_eq!(config.port, 5432);
            assert_eq!(config.absent_key, None);
            assert_eq!(config.cert, BINARY);
            assert_eq!(config.absent_object, None);
            assert_no_aws_secret("Debug", &format!("{config:?}"));
            println!("loaded in the child");
        });
    };
    assert!(run.output.contains("loaded in the child"), "{}", run.output);
    // app1.json once for its four fields, the certificate, the missing object; the proxy
    // tells a path-style object read by its URL, so all three were path-style.
    assert_eq!(
        run.proxy.calls(GET_OBJECT),
        3,
        "{:?}",
        run.proxy.operations()
    );
    assert_eq!(run.proxy.operations().len(), 3);
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded only to fail
struct Missing {
    #[s3(bucket = "no-such-bucket", object = "app1.json")]
    object: Option<SecretString>,
}

#[test]
fn a_missing_bucket_is_not_found_even_for_an_option() {
    let Some(run) = aws::parent(
        "a_missing_bucket_is_not_found_even_for_an_option",
        no_env,
        |_| {},
    ) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let err = Missing::load_from(&sources).await.unwrap_err();
            assert_no_aws_secret("error", &format!("{err} {err:?}"));
            let failed = err.field("object").unwrap();
            assert_eq!(
                (failed.kind(), failed.message()),
                (ErrorKind::NotFound, "bucket s3://no-such-bucket not found")
            );
        });
    };
    assert_eq!(run.proxy.calls(GET_OBJECT), 1);
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded only to fail
struct Large {
    #[s3(bucket = "cfg-bucket", object = "large.bin")]
    large: Vec<u8>,
}

#[test]
fn an_object_over_the_cap_is_too_large() {
    let Some(run) = aws::parent("an_object_over_the_cap_is_too_large", no_env, |_| {}) else {
        return aws::child(|_| async {
            let sources = Sources::builder()
                .aws()
                .max_object_bytes(LARGE_BYTES - 1)
                .retry(patient())
                .build();
            let err = Large::load_from(&sources).await.unwrap_err();
            let failed = err.field("large").unwrap();
            // The size comes from the reply's Content-Length, before the body is read.
            assert_eq!(
                (failed.kind(), failed.message()),
                (
                    ErrorKind::TooLarge,
                    "object s3://cfg-bucket/large.bin is 2000 bytes, over the cap of 1999 bytes"
                )
            );
            // At the cap, it loads.
            let sources = Sources::builder()
                .aws()
                .max_object_bytes(LARGE_BYTES)
                .retry(patient())
                .build();
            let loaded = Large::load_from(&sources).await.unwrap();
            assert_eq!(loaded.large.len(), LARGE_BYTES);
        });
    };
    assert_eq!(run.proxy.calls(GET_OBJECT), 2);
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded only to fail
struct Both {
    #[s3(bucket = "cfg-bucket", object = "app1.json", key = "password")]
    password: SecretString,
    #[s3(bucket = "cfg-bucket", object = "certs/tls.bin")]
    cert: Vec<u8>,
}

/// moto returns the checksum each object was put with (`x-amz-checksum-sha256` for app1.json,
/// `x-amz-checksum-crc32` for the certificate); the proxy flips a bit of each body, and the
/// SDK's validation, asked for with `ChecksumMode::Enabled`, catches both.
#[test]
fn a_corrupted_object_fails_its_checksum() {
    let Some(run) = aws::parent("a_corrupted_object_fails_its_checksum", no_env, |proxy| {
        proxy.corrupt_object(BUCKET, "app1.json");
        proxy.corrupt_object(BUCKET, "certs/tls.bin");
    }) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let err = Both::load_from(&sources).await.unwrap_err();
            assert_no_aws_secret("error", &format!("{err} {err:?}"));
            for (field, object) in [("password", "app1.json"), ("cert", "certs/tls.bin")] {
                let failed = err.field(field).unwrap();
                assert_eq!(
                    (failed.kind(), failed.message()),
                    (
                        ErrorKind::Integrity,
                        format!(
                            "object s3://cfg-bucket/{object}: the bytes read do not match the object's checksum; the value was not used"
                        )
                        .as_str()
                    )
                );
            }
        });
    };
    // A mismatch is not retried: the same bytes would come back.
    assert_eq!(run.proxy.calls(GET_OBJECT), 2);
}

#[test]
fn a_denied_read_names_s3_get_object_and_the_object_arn() {
    let Some(run) = aws::parent(
        "a_denied_read_names_s3_get_object_and_the_object_arn",
        no_env,
        |proxy| proxy.deny(GET_OBJECT),
    ) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let err = Both::load_from(&sources).await.unwrap_err();
            let failed = err.field("password").unwrap();
            assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
            assert_eq!(
                failed.message(),
                "permission denied on object s3://cfg-bucket/app1.json: the function's role needs s3:GetObject on arn:aws:s3:::cfg-bucket/app1.json (S3 answers a missing object with AccessDenied too when the role may not s3:ListBucket on the bucket) (AccessDenied: Access Denied)"
            );
        });
    };
    assert_eq!(run.proxy.calls(GET_OBJECT), 2, "denials are not retried");
}

#[test]
fn throttled_reads_are_retried() {
    let Some(run) = aws::parent("throttled_reads_are_retried", no_env, |proxy| {
        proxy.throttle(GET_OBJECT, 1);
    }) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let loaded = Both::load_from(&sources).await.unwrap();
            assert_eq!(loaded.cert, BINARY);
        });
    };
    assert_eq!(run.proxy.calls(GET_OBJECT), 3);
}

/// The SDK's per-service variable alone (`AWS_ENDPOINT_URL_S3`, no global one) reaches the
/// emulator, and path-style, which the proxy tells by the URL.
#[test]
fn the_s3_endpoint_variable_alone_is_enough() {
    let Some(run) = aws::parent(
        "the_s3_endpoint_variable_alone_is_enough",
        |_| {
            vec![
                ("AWS_ENDPOINT_URL", None),
                ("AWS_ENDPOINT_URL_S3", Some(PROXY_ENDPOINT.to_owned())),
            ]
        },
        |_| {},
    ) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let loaded = Both::load_from(&sources).await.unwrap();
            assert_eq!(loaded.cert, BINARY);
        });
    };
    assert_eq!(run.proxy.calls(GET_OBJECT), 2);
}
