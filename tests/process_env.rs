//! `Secrets::load()` reads the process environment and picks its backends from it. Each case
//! runs this binary again as a child with the environment a deployed function would have.

#![allow(dead_code)] // the child reads only some fields

mod common;

use std::process::{Command, Output};

use common::{APP_PASSWORD, BUCKET, DB_PASS, KEY, assert_no_secret, b64};
use secrets_runtime::local::{self, LocalKms, LocalStore};
use secrets_runtime::{ExposeSecret, RetryPolicy, SecretString, Secrets, Sources};

/// Set in the child: `load` for `Config::load()`, `builder` for `Sources::builder_from_env`
/// with a deadline of its own.
const CHILD: &str = "SECRETS_TEST_CHILD";

#[derive(Secrets)]
struct Config {
    #[env(default = "8080")]
    port: u16,
    #[kms]
    db_pass: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let cases: [(&str, fn()); 4] = [
        (
            "load_uses_the_local_backend_named_by_the_env",
            local_backend,
        ),
        (
            "load_without_a_backend_names_the_env_var_to_set",
            no_backend,
        ),
        ("load_reports_a_missing_local_bucket", missing_bucket),
        (
            "builder_from_env_keeps_the_backends_load_chooses",
            builder_from_env,
        ),
    ];
    for (name, case) in cases {
        case();
        println!("test {name} ... ok");
    }
    println!("\n{} passed, 0 failed", cases.len());
}

/// The function's boot: load, then print what a test may see (no secret).
fn child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let loaded = if std::env::var(CHILD).as_deref() == Ok("builder") {
        let sources = Sources::builder_from_env()
            .retry(RetryPolicy::default().with_deadline(std::time::Duration::from_millis(2500)))
            .build();
        println!("{sources:?}");
        runtime.block_on(Config::load_from(&sources))
    } else {
        runtime.block_on(Config::load())
    };
    match loaded {
        Ok(config) => println!(
            "loaded port={} username={} db_pass_ok={} password_ok={}",
            config.port,
            config.username,
            config.db_pass.expose_secret() == DB_PASS,
            config.password.expose_secret() == APP_PASSWORD,
        ),
        Err(error) => println!("{error}"),
    }
}

fn run_child(env: &[(&str, &str)]) -> String {
    run_child_as("load", env)
}

fn run_child_as(how: &str, env: &[(&str, &str)]) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(std::env::current_exe().unwrap())
        .env_clear()
        .env(CHILD, how)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8(stdout).unwrap();
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(status.success(), "child failed: {stdout}{stderr}");
    assert_no_secret("child output", &format!("{stdout}{stderr}"));
    stdout
}

/// A local backend directory with the seed data; returns it with the ciphertext of `DB_PASS`.
fn seeded() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::new(dir.path());
    kms.create_key(KEY).unwrap();
    let ciphertext = b64(&kms.encrypt(KEY, DB_PASS.as_bytes()).unwrap());
    let object = format!(r#"{{"username":"my-user","password":"{APP_PASSWORD}"}}"#);
    LocalStore::new(dir.path())
        .put(BUCKET, "app1", object.as_bytes())
        .unwrap();
    (dir, ciphertext)
}

fn local_backend() {
    let (dir, ciphertext) = seeded();
    let out = run_child(&[
        (local::DIR_ENV, dir.path().to_str().unwrap()),
        ("DB_PASS", &ciphertext),
        ("KMS_CRYPTO_KEY_ID", KEY),
        ("STORAGE_BUCKET", BUCKET),
    ]);
    assert_eq!(
        out.trim(),
        "loaded port=8080 username=my-user db_pass_ok=true password_ok=true"
    );
}

fn no_backend() {
    let (_dir, ciphertext) = seeded();
    let env = [
        ("DB_PASS", ciphertext.as_str()),
        ("KMS_CRYPTO_KEY_ID", KEY),
        ("STORAGE_BUCKET", BUCKET),
    ];
    // With Google's clients compiled in, they are the default: Application Default
    // Credentials then decide, and a credentials file that is not there fails at once.
    #[cfg(feature = "gcp")]
    let (out, expected) = (
        run_child(
            &[
                &env[..],
                &[("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")],
            ]
            .concat(),
        ),
        format!(
            "db_pass (kms {KEY} via env DB_PASS): cannot build the Cloud KMS client: could not find or open the credentials file /nonexistent/key.json."
        ),
    );
    #[cfg(not(feature = "gcp"))]
    let (out, expected) = (
        run_child(&env),
        format!(
            "db_pass (kms {KEY} via env DB_PASS): no KMS backend is configured; secrets-runtime was built without its `gcp` feature"
        ),
    );
    assert!(
        out.starts_with("failed to load Config: 3 fields failed"),
        "{out}"
    );
    assert!(out.contains(&expected), "{out}");
    // One cause for both `#[gcs]` fields, said once.
    assert!(
        out.contains(
            "username (gs://my-bucket/app1#username), password (gs://my-bucket/app1#password): "
        ),
        "{out}"
    );
}

fn missing_bucket() {
    let (dir, ciphertext) = seeded();
    let out = run_child(&[
        (local::DIR_ENV, dir.path().to_str().unwrap()),
        ("DB_PASS", &ciphertext),
        ("KMS_CRYPTO_KEY_ID", KEY),
        ("STORAGE_BUCKET", "other-bucket"),
    ]);
    assert!(
        out.starts_with("failed to load Config: 2 fields failed"),
        "{out}"
    );
    assert!(
        out.contains(
            "username (gs://other-bucket/app1#username), password (gs://other-bucket/app1#password): bucket gs://other-bucket not found"
        ),
        "{out}"
    );
}

/// The builder starts from `load()`'s choice (here the local backend `SECRETS_LOCAL_DIR`
/// names) and keeps it while the deadline changes.
fn builder_from_env() {
    let (dir, ciphertext) = seeded();
    let out = run_child_as(
        "builder",
        &[
            (local::DIR_ENV, dir.path().to_str().unwrap()),
            ("DB_PASS", &ciphertext),
            ("KMS_CRYPTO_KEY_ID", KEY),
            ("STORAGE_BUCKET", BUCKET),
        ],
    );
    let mut lines = out.lines();
    let sources = lines.next().unwrap();
    assert!(sources.contains("deadline: 2.5s"), "{sources}");
    // Loaded: only the local backend holds these values.
    assert_eq!(
        lines.next(),
        Some("loaded port=8080 username=my-user db_pass_ok=true password_ok=true")
    );
}
