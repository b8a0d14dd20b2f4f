//! The examples, run as the programs they are: `quickstart` on its local backend, `cloud_run`
//! and `encrypt` against the KMS and Secret Manager wire servers, a metadata server and the
//! Cloud Storage emulator.

#![cfg(all(feature = "gcp", feature = "aws"))]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::prelude::*;
use common::{API_TOKEN, APP_PASSWORD, BUCKET, CERT, DB_PASS, KEY, assert_no_secret, b64};
use secrets_runtime::{ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{FakeGcs, KmsServer, MetadataServer, SecretManagerServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The example's binary, built now: `cargo test` builds examples only when it runs them all,
/// and a run without the `gcp` feature leaves builds without Google's clients behind. The
/// nested `cargo build` blocks, so it runs off the test's runtime.
async fn example(name: &'static str) -> PathBuf {
    tokio::task::spawn_blocking(move || {
        let status = Command::new(env!("CARGO"))
            // The features `scripts/test` turns on, so the build reuses its libraries.
            .args([
                "build",
                "--quiet",
                "--example",
                name,
                "--features",
                "gcp,aws",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "cannot build example {name}");
        let exe = std::env::current_exe().unwrap();
        exe.parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("examples")
            .join(name)
    })
    .await
    .unwrap()
}

/// Kills the child when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago. Another process may take it before the child binds
/// it: the caller retries with another port when the child says it cannot listen.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn get(port: u16) -> std::io::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await?;
    Ok(reply)
}

#[derive(Secrets)]
struct Made {
    #[kms(key = "projects/p/locations/global/keyRings/r/cryptoKeys/k")]
    db_pass: SecretString,
}

#[tokio::test]
async fn quickstart_loads_every_source_from_its_local_backend_and_prints_no_secret() {
    let exe = example("quickstart").await;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            // Set in a developer's shell, these would not change what the quickstart reads.
            .env("GOOGLE_CLOUD_PROJECT", "someone-elses")
            .env("PORT", "1")
            .env_remove("SECRETS_LOCAL_DIR")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stdout}{stderr}");
    for field in ["db_pass", "password", "api_token"] {
        let redacted = format!("    {field}: SecretBox<str>([REDACTED]),\n");
        assert!(stdout.contains(&redacted), "{stdout}");
    }
    assert!(
        stdout.contains("    tls_key: SecretBox<[u8]>([REDACTED]),\n"),
        "{stdout}"
    );
    // "ready" also says the file's trailing line break was dropped.
    assert!(
        stdout.ends_with(
            "port 8080, log level info, user my-user: db password decrypted in this process, app password read from the bucket, api token from Secret Manager, tls key from /secrets/tls-key: ready\n"
        ),
        "{stdout}"
    );
    // The quickstart's own demo values.
    for secret in [
        "correct-horse-battery-staple",
        "s3cr3t",
        "t0ken",
        "not-a-real-key",
    ] {
        assert!(!stdout.contains(secret), "stdout leaks a secret: {stdout}");
        assert!(!stderr.contains(secret), "stderr leaks a secret: {stderr}");
    }
}

#[tokio::test]
async fn cloud_run_loads_its_config_then_answers_on_its_port() {
    let kms = KmsServer::start().await;
    kms.create_key(KEY);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(BUCKET)).unwrap();
    let app1 = format!(r#"{{"username":"my-user","password":"{APP_PASSWORD}"}}"#);
    std::fs::write(dir.path().join(BUCKET).join("app1"), app1).unwrap();
    let gcs = FakeGcs::start(dir.path()).await;
    let sm = SecretManagerServer::start().await;
    sm.add_version("projects/p/secrets/api-token", API_TOKEN.as_bytes());
    // As on Cloud Run: no project variable, the metadata server knows the project.
    let metadata = MetadataServer::start(Duration::from_hours(1)).await;
    metadata.set_project_id("p");
    // A secret volume's file, as Cloud Run mounts it.
    let mounted = tempfile::tempdir().unwrap();
    let tls_key = mounted.path().join("tls-key");
    std::fs::write(&tls_key, CERT).unwrap();
    let exe = example("cloud_run").await;
    let ciphertext = b64(&kms.encrypt(KEY, DB_PASS.as_bytes()));

    let mut reply = None;
    for _ in 0..3 {
        let port = free_port();
        let child = Command::new(&exe)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("DB_PASS", &ciphertext)
            .env("KMS_CRYPTO_KEY_ID", KEY)
            .env("STORAGE_BUCKET", BUCKET)
            .env("TLS_KEY_FILE", &tls_key)
            .env("SECRETS_KMS_ENDPOINT", kms.endpoint())
            .env("SECRETS_SECRET_MANAGER_ENDPOINT", sm.endpoint())
            .env("GCE_METADATA_HOST", metadata.host())
            .env(
                "STORAGE_EMULATOR_HOST",
                gcs.endpoint().trim_start_matches("http://"),
            )
            .env_remove("GOOGLE_CLOUD_PROJECT")
            .env_remove("SECRETS_LOCAL_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut running = Running(child);
        // The service listens only once its config is loaded; poll until it does (or exits).
        for _ in 0..300 {
            if running.0.try_wait().unwrap().is_some() {
                break;
            }
            if let Ok(text) = get(port).await {
                reply = Some(text);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if reply.is_some() {
            break;
        }
        let Running(child) = &mut running;
        // Stopped first, so that reading its stderr to the end cannot wait forever.
        let _ = child.kill();
        let _ = child.wait();
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).unwrap();
        }
        // Someone took the port between `free_port` and the child's bind: try another.
        assert!(
            stderr.contains("cannot listen on"),
            "cloud_run exited or never listened: {stderr}"
        );
    }
    let reply = reply.expect("cloud_run never listened");
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains("username: my-user\n"), "{reply}");
    assert!(
        reply.contains(
            "password: [REDACTED]
"
        ),
        "{reply}"
    );
    assert!(
        reply.contains("database password loaded: true\n"),
        "{reply}"
    );
    assert!(reply.contains("api token loaded: true\n"), "{reply}");
    assert!(reply.contains("tls key loaded: true\n"), "{reply}");
    assert_no_secret("the reply", &reply);
    // Each remote value once, the project asked of the metadata server once. A retry after a
    // port taken by someone else loads again: count per start.
    let starts = kms.decrypt_count();
    assert!(starts >= 1);
    assert_eq!(sm.access_count(), starts);
    assert_eq!(metadata.project_id_count(), starts);
}

#[tokio::test]
async fn cloud_run_with_a_broken_config_exits_without_listening() {
    // The test holds the port: a service that bound it before loading its config would fail
    // to ("cannot listen on"), where with a free port it would bind, then fail to load, and
    // look the same as one that never bound.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let exe = example("cloud_run").await;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("DB_PASS", DB_PASS) // plaintext pasted where ciphertext belongs
            .env("KMS_CRYPTO_KEY_ID", KEY)
            .env("STORAGE_BUCKET", "Bad Bucket")
            .env("GOOGLE_CLOUD_PROJECT", "Bad Project")
            .env("SECRETS_KMS_ENDPOINT", "http://127.0.0.1:9")
            .env("SECRETS_SECRET_MANAGER_ENDPOINT", "http://127.0.0.1:9")
            .env("STORAGE_EMULATOR_HOST", "127.0.0.1:9")
            .env_remove("TLS_KEY_FILE") // the volume's path not given
            .env_remove("SECRETS_LOCAL_DIR")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    drop(held);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    // One structured entry, as Cloud Logging parses a JSON line: severity, a one-line message,
    // and the failed fields.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let entry: serde_json::Value = serde_json::from_str(&stderr).expect("a JSON line");
    assert_eq!(entry["severity"], "ERROR");
    let message = entry["message"].as_str().unwrap();
    assert!(
        message.starts_with("failed to load Config: 5 fields failed: "),
        "{message}"
    );
    for part in [
        "api_token (secret manager api-token): env GOOGLE_CLOUD_PROJECT: ",
        "tls_key (file $TLS_KEY_FILE): env TLS_KEY_FILE is not set",
    ] {
        assert!(message.contains(part), "{message}");
    }
    assert_eq!(entry["error"]["struct"], "Config");
    let fields: Vec<&str> = entry["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields.len(), 5, "{entry}");
    assert!(fields.contains(&"api_token") && fields.contains(&"tls_key"));
    assert!(
        !stderr.contains("listen"),
        "it tried to listen before its config loaded: {stderr}"
    );
    assert_no_secret("stderr", &stderr);
}

#[tokio::test]
async fn encrypt_makes_ciphertext_the_loader_decrypts() {
    let kms = KmsServer::start().await;
    kms.create_key(KEY);
    let mut child = Command::new(example("encrypt").await)
        .arg(KEY)
        .env("SECRETS_KMS_ENDPOINT", kms.endpoint())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(DB_PASS.as_bytes())
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_no_secret("stdout", &stdout);
    let ciphertext = BASE64_STANDARD
        .decode(stdout.trim())
        .expect("one line of base64");

    let sources = Sources::builder()
        .env([("DB_PASS", stdout)])
        .kms_endpoint(kms.endpoint())
        .build();
    let made = Made::load_from(&sources).await.unwrap();
    assert_eq!(made.db_pass.expose_secret(), DB_PASS);
    assert!(ciphertext.len() > DB_PASS.len());
}

/// The Lambda example prints its role's policy from `Config` alone: the README's deploy
/// section grants exactly this.
#[tokio::test]
async fn lambda_prints_the_least_privilege_policy_its_config_needs() {
    let output = Command::new(example("lambda").await)
        .args(["--policy", "eu-west-1", "111122223333"])
        .env_clear()
        .env("S3_BUCKET", "my-fn-config")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let policy: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let arn = |kind: &str, rest: &str| format!("arn:aws:{kind}:eu-west-1:111122223333:{rest}");
    let expected = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DecryptConfig1", "Effect": "Allow", "Action": "kms:Decrypt",
                "Resource": arn("kms", "key/*"),
                "Condition": {
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/app"},
                    "StringEquals": {"kms:EncryptionContext:app": "billing"}
                }
            },
            {
                "Sid": "ReadS3Objects", "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::my-fn-config/app1.json"]
            },
            {
                "Sid": "ReadSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                "Resource": [arn("secretsmanager", "secret:prod/db-??????")]
            },
            {
                "Sid": "BatchReadSecrets", "Effect": "Allow",
                "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"
            },
            {
                "Sid": "ReadParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
                "Resource": [arn("ssm", "parameter/prod/api/token")]
            }
        ]
    });
    assert_eq!(policy, expected);
}
