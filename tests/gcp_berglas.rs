//! berglas secrets written by `tests/berglas/make_objects.py` (Python's `cryptography`, and the
//! KMS and Cloud Storage JSON APIs over plain HTTP: an implementation other than this
//! project's), read back with Google's official clients and opened with `aes-gcm`, step for
//! step as berglas's `storageRead` does; then loaded by `#[berglas]` fields through the same
//! clients, as in production. This pins the format `#[berglas]` reads.
//!
//! Needs `FAKE_GCS_SERVER` and `BERGLAS_PYTHON`: run through
//! `bash -c 'source scripts/lib/fake-gcs.sh && cargo test --features gcp --test gcp_berglas'`.

#![cfg(feature = "gcp")]

use std::io::Write;
use std::process::{Command, Stdio};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::prelude::*;
use google_cloud_auth::credentials::anonymous::Builder as Anonymous;
use google_cloud_kms_v1::client::KeyManagementService;
use google_cloud_storage::client::Storage;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{FakeGcs, GcsProxy, KmsServer, SecretManagerServer};
use serde_json::{Value, json};

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
const BUCKET: &str = "berglas-secrets";
/// The interpreter with `cryptography`, as scripts/lib/fake-gcs.sh exports it.
const BERGLAS_PYTHON: &str = "BERGLAS_PYTHON";
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/berglas/make_objects.py");

/// What one run of the script printed and how it ended.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs the script with `input` on stdin, on a blocking thread: it talks to servers that run on
/// this test's runtime.
async fn run_script(input: Value) -> Run {
    let python = std::env::var(BERGLAS_PYTHON).unwrap_or_else(|_| {
        panic!(
            "{BERGLAS_PYTHON} is unset: run `source scripts/lib/fake-gcs.sh` first (it installs \
             `cryptography` into .venv and names its python)"
        )
    });
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&python)
            .arg(SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(input.to_string().as_bytes()).unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    })
    .await
    .unwrap()
}

/// The script's input for `objects`: (object name, plaintext, malformed option).
fn input(kms: &KmsServer, gcs: &FakeGcs, objects: &[(&str, &[u8], Option<&str>)]) -> Value {
    let objects: Vec<Value> = objects
        .iter()
        .map(|(object, plaintext, malformed)| {
            json!({
                "bucket": BUCKET,
                "object": object,
                "plaintext": BASE64_STANDARD.encode(plaintext),
                "malformed": malformed,
            })
        })
        .collect();
    json!({
        "kms_endpoint": kms.endpoint(),
        "gcs_endpoint": gcs.endpoint(),
        "key": KEY,
        "objects": objects,
    })
}

/// The generations the script reports, checking it names the objects in order.
fn generations(run: &Run, objects: &[&str]) -> Vec<i64> {
    assert!(run.ok, "the script failed: {}", run.stderr);
    let written: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(written.len(), objects.len());
    written
        .iter()
        .zip(objects)
        .map(|(entry, object)| {
            assert_eq!(entry["bucket"], BUCKET);
            assert_eq!(entry["object"], *object);
            entry["generation"].as_str().unwrap().parse().unwrap()
        })
        .collect()
}

struct Clients {
    storage: Storage,
    kms: KeyManagementService,
}

async fn clients(kms: &KmsServer, gcs: &FakeGcs) -> Clients {
    Clients {
        storage: Storage::builder()
            .with_endpoint(gcs.endpoint())
            .with_credentials(Anonymous::new().build())
            .build()
            .await
            .unwrap(),
        kms: KeyManagementService::builder()
            .with_endpoint(kms.endpoint())
            .with_credentials(Anonymous::new().build())
            .build()
            .await
            .unwrap(),
    }
}

/// An object as one media read gives it: its bytes, its metadata and its generation.
struct Read {
    body: Vec<u8>,
    kms_key: Option<String>,
    secret_marker: Option<String>,
    generation: i64,
}

async fn read(clients: &Clients, object: &str, generation: Option<i64>) -> Read {
    let mut request = clients
        .storage
        .read_object(format!("projects/_/buckets/{BUCKET}"), object);
    if let Some(generation) = generation {
        request = request.set_generation(generation);
    }
    let mut reply = request.send().await.unwrap();
    let highlights = reply.object();
    let mut body = Vec::new();
    while let Some(chunk) = reply.next().await {
        body.extend_from_slice(&chunk.unwrap());
    }
    Read {
        body,
        kms_key: highlights.metadata.get("berglas-kms-key").cloned(),
        secret_marker: highlights.metadata.get("berglas-secret").cloned(),
        generation: highlights.generation,
    }
}

/// The two parts of a body, split on the first `:` and decoded as berglas does.
fn parts(body: &[u8]) -> (Vec<u8>, Result<Vec<u8>, base64::DecodeError>) {
    let colon = body.iter().position(|b| *b == b':').expect("a `:`");
    let wrapped = BASE64_STANDARD.decode(&body[..colon]).unwrap();
    (wrapped, BASE64_STANDARD.decode(&body[colon + 1..]))
}

/// Cloud KMS `decrypt` of a wrapped data key with `aad`.
async fn unwrap_dek(clients: &Clients, wrapped: &[u8], aad: &str) -> Result<Vec<u8>, String> {
    clients
        .kms
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(wrapped.to_vec())
        .set_additional_authenticated_data(aad.as_bytes().to_vec())
        .send()
        .await
        .map(|reply| reply.plaintext.to_vec())
        .map_err(|e| e.to_string())
}

/// AES-256-GCM open of `nonce || ciphertext || tag`, no associated data.
fn open(dek: &[u8], sealed: &[u8]) -> Result<Vec<u8>, aes_gcm::Error> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(dek));
    let (nonce, ciphertext) = sealed.split_at(12);
    cipher.decrypt(Nonce::from_slice(nonce), ciphertext)
}

async fn servers() -> (tempfile::TempDir, FakeGcs, KmsServer) {
    // No bucket: the script creates it, as `berglas bootstrap` would have.
    let dir = tempfile::tempdir().unwrap();
    let gcs = FakeGcs::start(dir.path()).await;
    let kms = KmsServer::start().await;
    kms.create_key(KEY);
    (dir, gcs, kms)
}

#[tokio::test]
async fn objects_the_script_writes_open_as_berglas_opens_them() {
    let (_dir, gcs, kms) = servers().await;
    let objects: [(&str, &[u8]); 3] = [
        ("db-pass", b"CANARYq7Zx-db-pass"),
        (
            "path/to/app.json",
            br#"{"user":"u","password":"CANARYq7Zx-p"}"#,
        ),
        ("binary", &[0, 0xff, b':', b'\n', 0x80]),
    ];
    let specs: Vec<_> = objects.iter().map(|(o, p)| (*o, *p, None)).collect();
    let run = run_script(input(&kms, &gcs, &specs)).await;
    let names: Vec<&str> = objects.iter().map(|(o, _)| *o).collect();
    let generations = generations(&run, &names);
    for output in [&run.stdout, &run.stderr] {
        assert!(!output.contains("CANARYq7Zx"), "{output}");
        assert!(!output.contains(&BASE64_STANDARD.encode("CANARYq7Zx")[..12]));
    }

    let clients = clients(&kms, &gcs).await;
    for ((object, plaintext), generation) in objects.iter().zip(generations) {
        let read = read(&clients, object, None).await;
        assert_eq!(read.generation, generation);
        assert_eq!(read.kms_key.as_deref(), Some(KEY), "{object}");
        assert_eq!(read.secret_marker.as_deref(), Some("1"));
        let text = std::str::from_utf8(&read.body).expect("a berglas body is ASCII");
        assert!(
            !text.ends_with('\n') && text.matches(':').count() == 1,
            "{text}"
        );
        let (wrapped, sealed) = parts(&read.body);
        let sealed = sealed.unwrap();
        assert_eq!(sealed.len(), 12 + plaintext.len() + 16);
        // The data key is bound to the object's name alone.
        let dek = unwrap_dek(&clients, &wrapped, object).await.unwrap();
        assert_eq!(dek.len(), 32);
        for wrong in [
            format!("{BUCKET}/{object}"),
            String::new(),
            format!("{object}x"),
        ] {
            assert!(
                unwrap_dek(&clients, &wrapped, &wrong).await.is_err(),
                "{wrong}"
            );
        }
        assert_eq!(open(&dek, &sealed).unwrap(), *plaintext);
    }
}

#[tokio::test]
async fn every_write_keeps_its_generation() {
    let (_dir, gcs, kms) = servers().await;
    let run = run_script(input(
        &kms,
        &gcs,
        &[("rotated", b"first", None), ("rotated", b"second", None)],
    ))
    .await;
    let [first, second] = generations(&run, &["rotated", "rotated"])[..] else {
        unreachable!()
    };
    assert_ne!(first, second);
    let clients = clients(&kms, &gcs).await;
    for (generation, plaintext, latest) in [
        (Some(first), &b"first"[..], first),
        (Some(second), b"second", second),
        (None, b"second", second),
    ] {
        let read = read(&clients, "rotated", generation).await;
        assert_eq!(read.generation, latest);
        let (wrapped, sealed) = parts(&read.body);
        let dek = unwrap_dek(&clients, &wrapped, "rotated").await.unwrap();
        assert_eq!(open(&dek, &sealed.unwrap()).unwrap(), plaintext);
    }
}

#[tokio::test]
async fn malformed_options_break_what_they_say() {
    let (_dir, gcs, kms) = servers().await;
    let cases = [
        ("truncated-body", "truncated-body"),
        ("truncated-sealed", "truncated-sealed"),
        ("no-kms-key", "no-kms-key"),
        ("wrong-aad", "wrong-aad"),
    ];
    let specs: Vec<_> = cases
        .iter()
        .map(|(object, option)| (*object, &b"CANARYq7Zx-broken"[..], Some(*option)))
        .collect();
    let run = run_script(input(&kms, &gcs, &specs)).await;
    generations(&run, &cases.map(|(object, _)| object));
    let clients = clients(&kms, &gcs).await;

    let body = read(&clients, "truncated-body", None).await;
    assert!(
        parts(&body.body).1.is_err(),
        "the sealed part is not base64"
    );
    assert_eq!(body.kms_key.as_deref(), Some(KEY));

    let cut = read(&clients, "truncated-sealed", None).await;
    let (wrapped, sealed) = parts(&cut.body);
    let dek = unwrap_dek(&clients, &wrapped, "truncated-sealed")
        .await
        .unwrap();
    assert!(open(&dek, &sealed.unwrap()).is_err(), "the tag is cut");

    let bare = read(&clients, "no-kms-key", None).await;
    assert_eq!(bare.kms_key, None);
    assert_eq!(bare.secret_marker.as_deref(), Some("1"));
    let (wrapped, sealed) = parts(&bare.body);
    let dek = unwrap_dek(&clients, &wrapped, "no-kms-key").await.unwrap();
    assert_eq!(open(&dek, &sealed.unwrap()).unwrap(), b"CANARYq7Zx-broken");

    let moved = read(&clients, "wrong-aad", None).await;
    let (wrapped, _) = parts(&moved.body);
    assert!(unwrap_dek(&clients, &wrapped, "wrong-aad").await.is_err());
    assert!(
        unwrap_dek(&clients, &wrapped, "wrong-aad-renamed")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_failed_request_says_which_and_shows_no_secret() {
    let (_dir, gcs, kms) = servers().await;
    let mut input = input(&kms, &gcs, &[("x", b"CANARYq7Zx-unsent", None)]);
    input["key"] = json!("projects/p/locations/global/keyRings/r/cryptoKeys/unknown");
    let run = run_script(input).await;
    assert!(!run.ok);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("encrypt with projects/p/"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
    assert!(!run.stderr.contains("CANARYq7Zx"));
    assert!(
        !run.stderr
            .contains(&BASE64_STANDARD.encode("CANARYq7Zx")[..12])
    );
}

#[derive(Secrets)]
struct Legacy {
    #[berglas]
    db_pass: SecretString,
    #[berglas(key = "password")]
    app_password: SecretString,
    #[berglas]
    pinned: SecretString,
    #[berglas]
    from_sm: SecretString,
}

/// The whole path `#[berglas]` takes in production: Google's Storage and KMS clients (and the
/// Secret Manager one for `sm://`), over HTTP, on objects another implementation wrote.
#[tokio::test]
async fn berglas_fields_load_what_the_script_wrote() {
    let (_dir, gcs, kms) = servers().await;
    // Counts the Storage requests a load makes.
    let proxy = GcsProxy::start(&gcs.endpoint()).await;
    let sm = SecretManagerServer::start().await;
    sm.add_version("projects/legacy/secrets/token", b"CANARYq7Zx-sm");
    let objects: [(&str, &[u8], Option<&str>); 3] = [
        ("db-pass", b"CANARYq7Zx-old", None),
        ("db-pass", b"CANARYq7Zx-new", None),
        ("app.json", br#"{"password":"CANARYq7Zx-app"}"#, None),
    ];
    let run = run_script(input(&kms, &gcs, &objects)).await;
    let generation = generations(&run, &["db-pass", "db-pass", "app.json"]);
    let env = [
        ("DB_PASS", format!("berglas://{BUCKET}/db-pass")),
        // berglas would write the plaintext to a temporary file and pass its path: not here.
        (
            "APP_PASSWORD",
            format!("berglas://{BUCKET}/app.json?destination=tempfile"),
        ),
        (
            "PINNED",
            format!("berglas://{BUCKET}/db-pass#{}", generation[0]),
        ),
        ("FROM_SM", "sm://legacy/token#".to_owned()),
    ];
    let sources = Sources::builder()
        .env(env)
        .storage_endpoint(proxy.endpoint())
        .kms_endpoint(kms.endpoint())
        .secret_manager_endpoint(sm.endpoint())
        .build();
    let (reads, decrypts) = (proxy.request_count(), kms.decrypt_count());
    let legacy = Legacy::load_from(&sources).await.unwrap();
    assert_eq!(legacy.db_pass.expose_secret(), "CANARYq7Zx-new");
    assert_eq!(legacy.app_password.expose_secret(), "CANARYq7Zx-app");
    assert_eq!(legacy.pinned.expose_secret(), "CANARYq7Zx-old");
    assert_eq!(legacy.from_sm.expose_secret(), "CANARYq7Zx-sm");
    // Two requests per object, where berglas makes three: one read brings the body and the
    // key's name, one decrypt opens the data key.
    assert_eq!(proxy.request_count() - reads, 3);
    assert_eq!(kms.decrypt_count() - decrypts, 3);
    assert_eq!(sm.access_count(), 1);
}

/// Objects berglas cannot read either fail the field with the class of what is wrong, and
/// nothing of the secret shows.
#[tokio::test]
async fn berglas_fields_refuse_broken_objects() {
    let (_dir, gcs, kms) = servers().await;
    let objects: [(&str, &[u8], Option<&str>); 4] = [
        ("cut-body", b"CANARYq7Zx-1", Some("truncated-body")),
        ("cut-sealed", b"CANARYq7Zx-2", Some("truncated-sealed")),
        ("no-key", b"CANARYq7Zx-3", Some("no-kms-key")),
        ("renamed", b"CANARYq7Zx-4", Some("wrong-aad")),
    ];
    let run = run_script(input(&kms, &gcs, &objects)).await;
    generations(&run, &objects.map(|(object, ..)| object));
    let expected = [
        ("cut-body", ErrorKind::Invalid),
        ("cut-sealed", ErrorKind::Decrypt),
        ("no-key", ErrorKind::Invalid),
        ("renamed", ErrorKind::Decrypt),
    ];
    for (object, kind) in expected {
        let sources = Sources::builder()
            .env([("ONE", format!("berglas://{BUCKET}/{object}"))])
            .storage_endpoint(gcs.endpoint())
            .kms_endpoint(kms.endpoint())
            .build();
        let err = One::load_from(&sources).await.err().unwrap();
        assert_eq!(err.fields()[0].kind(), kind, "{object}: {err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("CANARY"), "{shown}");
    }
}

#[derive(Secrets)]
#[allow(dead_code)] // its loads fail on purpose
struct One {
    #[berglas]
    one: SecretString,
}
