//! The reverse direction: secrets written by another implementation of berglas's format,
//! `tests/berglas/make_objects.py` (Python's `cryptography`, the KMS and Cloud Storage JSON
//! APIs), and Secret Manager versions the server holds, read back by `secrets berglas access`
//! and checked by `secrets verify`, which load them through the runtime.
//!
//! Needs `FAKE_GCS_SERVER` and `BERGLAS_PYTHON`:
//! `bash -c 'source scripts/lib/fake-gcs.sh && cargo test -p secrets-cli'`.

mod common;

use std::process::Command;

use base64::prelude::*;
use common::{BUCKET, Cli, Files, KEY, Servers, run_process};
use serde_json::{Value, json};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/berglas/make_objects.py"
);
const DB_PASS: &[u8] = b"CANARYq7Zx-db-pass";
const BINARY: &[u8] = b"\x00\xff CANARYbin\n";
const BROKEN: &[u8] = b"CANARYbroken";

/// Writes `objects` (name, plaintext, malformed option) with the script; their generations.
async fn make_objects(servers: &Servers, objects: &[(&str, &[u8], Option<&str>)]) -> Vec<String> {
    let python = std::env::var("BERGLAS_PYTHON")
        .expect("BERGLAS_PYTHON is unset: run `source scripts/lib/fake-gcs.sh` first");
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
    let input = json!({
        "kms_endpoint": servers.kms.endpoint(),
        "gcs_endpoint": servers.gcs.endpoint(),
        "key": KEY,
        "objects": objects,
    });
    let mut command = Command::new(python);
    command.arg(SCRIPT);
    let run =
        tokio::task::spawn_blocking(move || run_process(command, input.to_string().as_bytes()))
            .await
            .unwrap();
    let written: Vec<Value> = serde_json::from_str(&run.ok()).unwrap();
    written
        .iter()
        .map(|entry| entry["generation"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn objects_berglas_wrote_are_printed_exactly_by_berglas_access() {
    let servers = Servers::start().await;
    let generations = make_objects(
        &servers,
        &[("db-pass", DB_PASS, None), ("path/to/bin", BINARY, None)],
    )
    .await;
    // Written again, as `berglas update`: the pinned generation keeps the first value.
    make_objects(&servers, &[("db-pass", b"CANARYnewer", None)]).await;
    servers
        .secret_manager
        .add_version("projects/p/secrets/s", b"CANARYsm\n");
    let cli = Cli::gcp(&servers);

    for (reference, expected) in [
        (format!("berglas://{BUCKET}/path/to/bin"), BINARY),
        (format!("berglas://{BUCKET}/db-pass"), &b"CANARYnewer"[..]),
        (
            format!("berglas://{BUCKET}/db-pass#{}", generations[0]),
            DB_PASS,
        ),
        ("sm://p/s".to_owned(), b"CANARYsm\n"),
        ("sm://p/s#1".to_owned(), b"CANARYsm\n"),
    ] {
        let run = cli.run(&["berglas", "access", &reference], b"").await;
        assert_eq!(run.code, Some(0), "{reference}: {}", run.stderr);
        // The bytes alone, nothing added, as `berglas access` prints them.
        assert_eq!(run.stdout, expected, "{reference}");
        assert_eq!(run.stderr, "");
    }
}

#[tokio::test]
async fn broken_objects_fail_access_with_the_reason_and_no_value() {
    let servers = Servers::start().await;
    make_objects(
        &servers,
        &[
            ("no-key", BROKEN, Some("no-kms-key")),
            ("renamed", BROKEN, Some("wrong-aad")),
        ],
    )
    .await;
    let cli = Cli::gcp(&servers);
    let cases = [
        (
            "no-key",
            "has no `berglas-kms-key` metadata: it is not a berglas secret",
        ),
        (
            "renamed",
            "an object renamed or copied after it was written no longer opens",
        ),
        ("missing", "not found"),
    ];
    for (object, why) in cases {
        let reference = format!("berglas://{BUCKET}/{object}");
        let message = cli
            .run(&["berglas", "access", &reference], b"")
            .await
            .failed(&["CANARY"]);
        assert!(message.starts_with("secrets: "), "{message}");
        assert!(message.contains(why), "{object}: {message}");
    }
}

#[tokio::test]
async fn verify_reports_each_reference_and_fails_if_any_does() {
    let servers = Servers::start().await;
    make_objects(
        &servers,
        &[
            ("db-pass", DB_PASS, None),
            ("cut", BROKEN, Some("truncated-sealed")),
        ],
    )
    .await;
    servers
        .secret_manager
        .add_version("projects/p/secrets/s", b"CANARYsm");
    let cli = Cli::gcp(&servers);
    let good = [format!("berglas://{BUCKET}/db-pass"), "sm://p/s".to_owned()];

    let run = cli.run(&["verify", &good[0], &good[1]], b"").await;
    assert_eq!(
        run.ok(),
        format!("{}: ok (18 bytes)\nsm://p/s: ok (8 bytes)", good[0])
    );
    run.assert_hides(&["CANARY"]);

    let cut = format!("berglas://{BUCKET}/cut");
    let run = cli
        .run(
            &["verify", &good[0], &cut, "sm://p/missing", "CANARYpasted"],
            b"",
        )
        .await;
    assert_eq!(
        run.failed(&["CANARY"]),
        "secrets: 3 of 4 checked values did not load"
    );
    let lines: Vec<String> = run.out().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], format!("{}: ok (18 bytes)", good[0]));
    assert!(
        lines[1].starts_with(&format!("{cut}: berglas object gs://{BUCKET}/cut: ")),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("sm://p/missing: "), "{}", lines[2]);
    assert!(lines[2].contains("not found"), "{}", lines[2]);
    assert_eq!(
        lines[3],
        "argument 4: not a berglas reference: it does not start with `berglas://` or `sm://`"
    );
}

#[tokio::test]
async fn verify_checks_the_references_of_an_env_file_by_their_names() {
    let servers = Servers::start().await;
    make_objects(&servers, &[("db-pass", DB_PASS, None)]).await;
    let cli = Cli::gcp(&servers);
    let files = Files::new();
    let write = |text: String| files.write("prod.env", text);

    let path = write(format!(
        "# deployed with berglas\nDB_PASS=berglas://{BUCKET}/db-pass\nREGION=europe-west1\nexport API_TOKEN=\"berglas://{BUCKET}/api-token\"\nBAD=berglas://{BUCKET}/\n"
    ));
    let run = cli.run(&["verify", "--env-file", &path], b"").await;
    assert_eq!(
        run.failed(&["CANARY"]),
        "secrets: 2 of 3 checked values did not load"
    );
    let out = run.out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "DB_PASS: ok (18 bytes)");
    // Every variable is reported, a plain one by its name alone.
    assert_eq!(lines[1], "REGION: not checked (plain value)");
    assert_eq!(
        lines[2],
        format!("API_TOKEN: berglas object gs://{BUCKET}/api-token not found")
    );
    // Said of the file's own variable, not of the one the runtime is given.
    assert_eq!(
        lines[3],
        "BAD: env BAD is not a berglas reference: it names no object: the form is `berglas://BUCKET/OBJECT`"
    );

    write(format!("DB_PASS=berglas://{BUCKET}/db-pass\n"));
    assert_eq!(
        cli.run(&["verify", "--env-file", &path], b"").await.ok(),
        "DB_PASS: ok (18 bytes)"
    );
    write("REGION=europe-west1\n".to_owned());
    let run = cli.run(&["verify", "--env-file", &path], b"").await;
    assert_eq!(run.ok(), "REGION: not checked (plain value)");
    run.assert_hides(&["europe-west1"]);
}
