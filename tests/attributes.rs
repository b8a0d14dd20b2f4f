//! Every attribute and every supported field type, loaded end to end through the public API
//! with the in-memory backends.

mod common;

use std::net::IpAddr;
use std::str::FromStr;

use common::*;
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{ExposeSecret, SecretSlice, SecretString, Secrets, Sources};

#[derive(Secrets)]
struct Everything {
    #[env]
    db_host: String,
    #[env(name = "PORT", default = "8080")]
    port: u16,
    #[env(name = "WORKERS", default = "4")]
    workers: usize,
    #[env]
    log_level: Option<String>,
    #[env]
    max_conns: Option<u32>,
    #[env]
    debug: bool,
    #[env]
    ratio: f64,
    #[env]
    bind: IpAddr,
    #[kms]
    db_pass: SecretString,
    #[kms(
        env = "API_TOKEN_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/other"
    )]
    api_token: SecretString,
    #[kms]
    pin: u32,
    #[kms]
    signing_key: Vec<u8>,
    #[kms]
    webhook_secret: Option<SecretString>,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(object = "app1", key = "port")]
    app_port: u16,
    #[gcs(object = "app1", key = "tls")]
    tls: bool,
    #[gcs(object = "app1", key = "nickname")]
    nickname: Option<String>,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert: Vec<u8>,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert_secret: SecretSlice<u8>,
    #[gcs(bucket = "certs", object = "missing.pem")]
    extra_cert: Option<Vec<u8>>,
}

#[tokio::test]
async fn every_attribute_and_type_loads() {
    let kms = MemoryKms::new();
    let mut env = base_env(&kms);
    env.extend([
        ("DB_HOST".into(), "db.internal".into()),
        ("MAX_CONNS".into(), "64".into()),
        ("DEBUG".into(), "true".into()),
        ("RATIO".into(), "0.25".into()),
        ("BIND".into(), "::1".into()),
        ("WORKERS".into(), "16".into()),
        // As `gcloud kms encrypt ... | base64` leaves it: wrapped at 76 columns, newline at the end.
        (
            "API_TOKEN_CT".into(),
            wrap76(&b64(&kms.encrypt(OTHER_KEY, API_TOKEN.as_bytes()))),
        ),
        (
            "PIN".into(),
            format!("  {}\n", b64(&kms.encrypt(KEY, b"1234"))),
        ),
        (
            "SIGNING_KEY".into(),
            b64(&kms.encrypt(KEY, &[0, 159, 146, 150, 255])),
        ),
    ]);
    let sources = Sources::builder().env(env).kms(kms).gcs(store()).build();

    let config = Everything::load_from(&sources).await.unwrap();

    assert_eq!(config.db_host, "db.internal");
    assert_eq!(config.port, 8080, "default when unset");
    assert_eq!(config.workers, 16, "env wins over default");
    assert_eq!(config.log_level, None);
    assert_eq!(config.max_conns, Some(64));
    assert!(config.debug);
    assert!((config.ratio - 0.25).abs() < f64::EPSILON);
    assert_eq!(config.bind, IpAddr::from_str("::1").unwrap());
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(config.pin, 1234);
    assert_eq!(
        config.signing_key,
        [0, 159, 146, 150, 255],
        "non-UTF-8 bytes kept as is"
    );
    assert!(config.webhook_secret.is_none());
    assert_eq!(config.username, "my-user");
    assert_eq!(config.password.expose_secret(), APP_PASSWORD);
    assert_eq!(config.app_port, 5432, "JSON number");
    assert!(config.tls, "JSON boolean");
    assert_eq!(config.nickname, None, "absent JSON key");
    assert_eq!(config.cert, CERT);
    assert_eq!(config.cert_secret.expose_secret(), CERT);
    assert_eq!(config.extra_cert, None, "missing object");
}

fn wrap76(text: &str) -> String {
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    lines.join("\n") + "\n"
}

#[derive(Secrets)]
#[secrets(prefix = "APP_", kms_key_env = "APP_KEY", bucket_env = "APP_BUCKET")]
struct Prefixed {
    #[env]
    region: String,
    #[env(name = "K_SERVICE")]
    service: String,
    #[kms]
    token: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[kms(key_env = "SECOND_KEY")]
    second: SecretString,
    #[gcs(bucket_env = "CERT_BUCKET", object = "tls.pem")]
    cert: Vec<u8>,
}

#[tokio::test]
async fn container_and_field_settings_choose_env_vars() {
    let kms = MemoryKms::new();
    let env = [
        ("APP_REGION", "europe-west1".to_owned()),
        ("K_SERVICE", "billing".to_owned()),
        ("APP_TOKEN", b64(&kms.encrypt(KEY, API_TOKEN.as_bytes()))),
        ("APP_KEY", KEY.to_owned()),
        ("APP_BUCKET", BUCKET.to_owned()),
        (
            "APP_SECOND",
            b64(&kms.encrypt(OTHER_KEY, DB_PASS.as_bytes())),
        ),
        ("SECOND_KEY", OTHER_KEY.to_owned()),
        ("CERT_BUCKET", "certs".to_owned()),
    ];
    let sources = Sources::builder().env(env).kms(kms).gcs(store()).build();
    let config = Prefixed::load_from(&sources).await.unwrap();
    assert_eq!(config.region, "europe-west1");
    assert_eq!(config.service, "billing", "explicit names take no prefix");
    assert_eq!(config.token.expose_secret(), API_TOKEN);
    assert_eq!(config.username, "my-user");
    assert_eq!(config.second.expose_secret(), DB_PASS);
    assert_eq!(config.cert, CERT);
}

/// A type of the user's own: `FromStr` is enough.
#[derive(Debug, PartialEq)]
struct Endpoint {
    host: String,
    port: u16,
}

impl FromStr for Endpoint {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (host, port) = s.split_once(':').ok_or("expected host:port")?;
        Ok(Self {
            host: host.to_owned(),
            port: port.parse().map_err(|_| "bad port")?,
        })
    }
}

/// And `FromSecret` for anything else.
struct Hex(Vec<u8>);

enum HexMarker {}

impl secrets_runtime::FromSecret<HexMarker> for Hex {
    fn from_secret(
        bytes: secrets_runtime::SecretBytes,
    ) -> Result<Self, secrets_runtime::ConvertError> {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| secrets_runtime::ConvertError::new("not UTF-8"))?;
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("x"), 16))
            .collect::<Result<Vec<u8>, _>>()
            .map(Hex)
            .map_err(|_| secrets_runtime::ConvertError::new("not hex"))
    }
}

#[derive(Secrets)]
struct Custom {
    #[env]
    upstream: Endpoint,
    #[kms]
    seed: Hex,
    #[env]
    fallback: Option<Endpoint>,
}

#[tokio::test]
async fn user_types_load_through_fromstr_and_fromsecret() {
    let kms = MemoryKms::new();
    let env = [
        ("UPSTREAM", "api.internal:443".to_owned()),
        ("SEED", b64(&kms.encrypt(KEY, b"00ff10"))),
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
    ];
    let sources = Sources::builder().env(env).kms(kms).build();
    let config = Custom::load_from(&sources).await.unwrap();
    assert_eq!(
        config.upstream,
        Endpoint {
            host: "api.internal".into(),
            port: 443
        }
    );
    assert_eq!(config.seed.0, [0x00, 0xff, 0x10]);
    assert_eq!(config.fallback, None);
}

#[derive(Secrets)]
struct Empty {}

#[tokio::test]
async fn a_struct_without_fields_needs_no_backend() {
    let sources = Sources::builder().env([("UNUSED", "x")]).build();
    assert!(Empty::load_from(&sources).await.is_ok());
}

#[tokio::test]
async fn a_struct_without_remote_fields_never_touches_the_backends() {
    #[derive(Secrets)]
    struct Plain {
        #[env(default = "info")]
        log_level: String,
    }
    let kms = MemoryKms::new();
    let gcs = MemoryStore::new();
    let sources = Sources::builder()
        .env([("X", "y")])
        .kms(kms.clone())
        .gcs(gcs.clone())
        .build();
    assert_eq!(Plain::load_from(&sources).await.unwrap().log_level, "info");
    assert_eq!((kms.decrypt_count(), gcs.read_count()), (0, 0));
}
