//! The `secrets` binary writes, through Google's clients, to the Cloud KMS and Secret Manager
//! wire servers and fake-gcs-server; `#[derive(Secrets)]` structs then load what it wrote
//! through the runtime's own clients, as a deployed function would.
//!
//! Needs `FAKE_GCS_SERVER`: `bash -c 'source scripts/lib/fake-gcs.sh && cargo test -p secrets-cli'`.

mod common;

use std::time::Duration;

use base64::prelude::*;
use common::{BUCKET, Cli, Files, KEY, Servers};
use secrets_runtime::{ExposeSecret, SecretString, Secrets};
use secrets_wire_server::MetadataServer;

const DB_PASS: &str = "db-pass-Zq8!xK";
const API_TOKEN: &str = "api-token-7Hw2pR";

#[derive(Secrets)]
struct Encrypted {
    #[kms(
        env = "FROM_FILE",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"
    )]
    from_file: SecretString,
    #[kms(
        env = "FROM_STDIN",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"
    )]
    from_stdin: Vec<u8>,
}

#[tokio::test]
async fn encrypted_values_load_in_kms_fields() {
    let servers = Servers::start().await;
    let cli = Cli::gcp(&servers);
    let files = Files::new();
    let file = files.write("db-pass", DB_PASS);

    let from_file = cli.run(&["encrypt", "--key", KEY, &file], b"").await;
    let binary = b"\x00\xffbinary\n";
    let from_stdin = cli.run(&["encrypt", "--key", KEY, "-"], binary).await;
    let (from_file, from_stdin) = (from_file.ok(), from_stdin.ok());
    for ciphertext in [&from_file, &from_stdin] {
        // One line of standard, padded base64, as `gcloud kms encrypt | base64` gives.
        assert!(BASE64_STANDARD.decode(ciphertext).is_ok(), "{ciphertext}");
        assert!(!ciphertext.contains(DB_PASS));
    }

    let sources = servers.sources(&[("FROM_FILE", &from_file), ("FROM_STDIN", &from_stdin)]);
    let loaded = Encrypted::load_from(&sources).await.unwrap();
    assert_eq!(loaded.from_file.expose_secret(), DB_PASS);
    assert_eq!(loaded.from_stdin, binary);
}

#[tokio::test]
async fn encrypting_is_refused_with_the_role_to_grant_and_no_value_shown() {
    let servers = Servers::start().await;
    servers.kms.deny(KEY);
    let run = Cli::gcp(&servers)
        .run(&["encrypt", "--key", KEY], DB_PASS.as_bytes())
        .await;
    let why = run.failed(&[DB_PASS]);
    assert!(why.starts_with("secrets: "), "{why}");
    assert!(why.contains("roles/cloudkms.cryptoKeyEncrypter"), "{why}");
    assert!(why.contains(KEY), "{why}");
}

#[derive(Secrets)]
struct Bundled {
    #[bundle]
    db_pass: SecretString,
    #[bundle(key = "API_TOKEN")]
    api_token: SecretString,
    #[bundle]
    from_dotenv: SecretString,
    #[bundle]
    large: Option<SecretString>,
    #[bundle]
    absent: Option<SecretString>,
}

#[tokio::test]
async fn sealed_bundles_load_in_bundle_fields_with_one_decrypt_in_either_form() {
    let servers = Servers::start().await;
    let cli = Cli::gcp(&servers);
    let files = Files::new();
    let token_arg = format!("API_TOKEN=@{}", files.write("token", API_TOKEN));
    let dotenv = files.write(
        "prod.env",
        "# from a file\nfrom_dotenv=\"line one\\nline two\"\n",
    );
    let db_arg = format!("db_pass={DB_PASS}");
    let args = [
        "seal", "--key", KEY, &db_arg, &token_arg, "--dotenv", &dotenv,
    ];

    for envelope in [false, true] {
        let mut args = args.to_vec();
        if envelope {
            args.push("--envelope");
        }
        let run = cli.run(&args, b"").await;
        let bundle = run.ok();
        run.assert_hides(&[DB_PASS, API_TOKEN, "line one"]);
        // The two forms `#[bundle]` tells apart by a `:`.
        assert_eq!(bundle.contains(':'), envelope, "{bundle}");
        assert!(
            run.stderr
                .contains("sealed 3 secrets (API_TOKEN, db_pass, from_dotenv)"),
            "{}",
            run.stderr
        );

        let decrypts = servers.kms.decrypt_count();
        let sources = servers.sources(&[("SECRETS_BUNDLE", &bundle), ("KMS_CRYPTO_KEY_ID", KEY)]);
        let loaded = Bundled::load_from(&sources).await.unwrap();
        assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
        assert_eq!(loaded.api_token.expose_secret(), API_TOKEN);
        assert_eq!(loaded.from_dotenv.expose_secret(), "line one\nline two");
        assert!(loaded.large.is_none() && loaded.absent.is_none());
        assert_eq!(servers.kms.decrypt_count() - decrypts, 1, "one decrypt");
    }
}

#[tokio::test]
async fn a_bundle_over_64_kib_is_sealed_as_an_envelope_on_its_own() {
    let servers = Servers::start().await;
    let files = Files::new();
    let large = "L".repeat(70_000);
    let large_arg = format!("large=@{}", files.write("large", &large));
    let object =
        serde_json::json!({ "db_pass": DB_PASS, "API_TOKEN": API_TOKEN, "from_dotenv": "x" });
    let json = files.write("bundle.json", object.to_string());
    let run = Cli::gcp(&servers)
        .run(&["seal", "--key", KEY, "--json", &json, &large_arg], b"")
        .await;
    let bundle = run.ok();
    assert!(bundle.contains(':'), "an envelope");
    assert!(run.stderr.contains("as berglas envelope"), "{}", run.stderr);
    assert!(
        run.stderr.contains("more than Cloud Run takes"),
        "{}",
        run.stderr
    );

    let sources = servers.sources(&[("SECRETS_BUNDLE", &bundle), ("KMS_CRYPTO_KEY_ID", KEY)]);
    // The runtime's default cap (1 MiB) holds it.
    let loaded = Bundled::load_from(&sources).await.unwrap();
    assert_eq!(loaded.large.unwrap().expose_secret(), large);
    assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
}

#[tokio::test]
async fn a_name_given_twice_or_a_value_that_is_not_a_string_is_refused() {
    let servers = Servers::start().await;
    let cli = Cli::gcp(&servers);
    let files = Files::new();
    let json = files.write(
        "bundle.json",
        format!(r#"{{"db_pass": "{DB_PASS}", "port": 5432}}"#),
    );
    let path = json.as_str();

    let db_arg = format!("db_pass={API_TOKEN}");
    let twice = cli
        .run(&["seal", "--key", KEY, &db_arg, &db_arg], b"")
        .await;
    assert_eq!(
        twice.failed(&[API_TOKEN]),
        "secrets: `db_pass` is given twice (secret argument 1 and secret argument 2): a bundle holds one value per name"
    );
    let not_a_string = cli.run(&["seal", "--key", KEY, "--json", path], b"").await;
    assert_eq!(
        not_a_string.failed(&[DB_PASS, "5432"]),
        format!(
            "secrets: {path}: the value of `port` is not a string: a bundle holds strings (quote numbers and booleans)"
        )
    );
    assert_eq!(servers.kms.request_count(), 0, "nothing was sent");
}

#[derive(Secrets)]
struct Referenced {
    #[berglas(env = "PINNED")]
    pinned: SecretString,
    #[berglas(env = "LATEST")]
    latest: SecretString,
}

#[tokio::test]
async fn berglas_objects_are_written_in_berglas_format_and_load_in_berglas_fields() {
    let servers = Servers::start().await;
    let cli = Cli::gcp(&servers);
    let object = "dir/db pass";
    let target = format!("{BUCKET}/{object}");

    let run = cli
        .run(&["berglas", "create", &target, "--key", KEY, DB_PASS], b"")
        .await;
    let first = run.ok();
    run.assert_hides(&[DB_PASS]);
    let unpinned = format!("berglas://{BUCKET}/dir/db%20pass");
    let generation = first
        .strip_prefix(&format!("{unpinned}#"))
        .unwrap_or_else(|| panic!("a pinned reference: {first}"));
    assert!(generation.parse::<i64>().unwrap() > 0, "{first}");

    // berglas's metadata and Cache-Control, and its body: base64(wrapped key) ":" base64(nonce
    // || ciphertext || tag).
    let resource = servers.object(BUCKET, object).await;
    assert_eq!(resource["metadata"]["berglas-secret"], "1");
    assert_eq!(resource["metadata"]["berglas-kms-key"], KEY);
    assert_eq!(
        resource["cacheControl"],
        "private, no-cache, no-store, no-transform, max-age=0"
    );
    assert_eq!(resource["generation"], generation);

    // Not without --overwrite; with it, a new generation, and the old one still loads.
    let again = cli
        .run(
            &["berglas", "create", &target, "--key", KEY, "-"],
            API_TOKEN.as_bytes(),
        )
        .await;
    assert_eq!(
        again.failed(&[API_TOKEN]),
        format!(
            "secrets: gs://{target} exists already: give --overwrite to replace it, as `berglas update` does"
        )
    );
    let second = cli
        .run(
            &["berglas", "create", &target, "--key", KEY, "--overwrite"],
            API_TOKEN.as_bytes(),
        )
        .await
        .ok();
    assert_ne!(second, first);

    let load = |pinned: &str| {
        let sources = servers.sources(&[("PINNED", pinned), ("LATEST", &unpinned)]);
        async move { Referenced::load_from(&sources).await.unwrap() }
    };
    let loaded = load(&first).await;
    assert_eq!(loaded.pinned.expose_secret(), DB_PASS);
    assert_eq!(loaded.latest.expose_secret(), API_TOKEN);
    assert_eq!(load(&second).await.pinned.expose_secret(), API_TOKEN);
}

#[tokio::test]
async fn the_body_is_berglas_envelope_text_bound_to_the_object_name() {
    let servers = Servers::start().await;
    let target = format!("{BUCKET}/api-token");
    Cli::gcp(&servers)
        .run(
            &["berglas", "create", &target, "--key", KEY, API_TOKEN],
            b"",
        )
        .await
        .ok();
    let media = format!(
        "{}/storage/v1/b/{BUCKET}/o/api-token?alt=media",
        servers.gcs.endpoint()
    );
    let body = reqwest::get(media).await.unwrap().text().await.unwrap();
    let (wrapped, sealed) = body.split_once(':').expect("two parts");
    let wrapped = BASE64_STANDARD.decode(wrapped).unwrap();
    let sealed = BASE64_STANDARD.decode(sealed).unwrap();
    assert_eq!(
        sealed.len(),
        12 + API_TOKEN.len() + 16,
        "nonce, ciphertext, tag"
    );
    assert!(!body.contains(API_TOKEN));
    // Cloud KMS unwraps the data key only with the object's name as AAD, as berglas reads it.
    let decrypt = |aad: &str| {
        let (kms, wrapped, aad) = (servers.kms.endpoint(), wrapped.clone(), aad.to_owned());
        async move {
            let body = serde_json::json!({
                "ciphertext": BASE64_STANDARD.encode(&wrapped),
                "additionalAuthenticatedData": BASE64_STANDARD.encode(aad),
            });
            reqwest::Client::new()
                .post(format!("{kms}/v1/{KEY}:decrypt"))
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(decrypt("api-token").await, 200);
    assert_eq!(decrypt("other").await, 400);
}

#[derive(Secrets)]
struct Managed {
    #[secret_manager(secret = "db-pass", project = "p")]
    latest: SecretString,
    #[secret_manager(secret = "db-pass", project = "p", version = "1")]
    first: SecretString,
    #[secret_manager(secret = "projects/p/locations/europe-west1/secrets/eu")]
    regional: SecretString,
}

#[tokio::test]
async fn versions_added_load_in_secret_manager_fields() {
    let servers = Servers::start().await;
    let cli = Cli::gcp(&servers);

    let missing = cli
        .run(
            &[
                "secret-manager",
                "add",
                "db-pass",
                DB_PASS,
                "--project",
                "p",
            ],
            b"",
        )
        .await;
    assert_eq!(
        missing.failed(&[DB_PASS]),
        "secrets: secret projects/p/secrets/db-pass does not exist: give --create to create it (automatic replication)"
    );

    let first = cli
        .run(
            &[
                "secret-manager",
                "add",
                "db-pass",
                DB_PASS,
                "--project",
                "p",
                "--create",
            ],
            b"",
        )
        .await;
    assert_eq!(first.ok(), "projects/p/secrets/db-pass/versions/1");
    assert!(
        first
            .stderr
            .contains("created secret projects/p/secrets/db-pass")
    );
    first.assert_hides(&[DB_PASS]);
    // The project from GOOGLE_CLOUD_PROJECT, the value from stdin.
    let second = cli
        .clone()
        .with("GOOGLE_CLOUD_PROJECT", "p")
        .run(&["secret-manager", "add", "db-pass"], API_TOKEN.as_bytes())
        .await;
    assert_eq!(second.ok(), "projects/p/secrets/db-pass/versions/2");
    let regional = cli
        .run(
            &[
                "secret-manager",
                "add",
                "projects/p/locations/europe-west1/secrets/eu",
                "eu",
                "--create",
            ],
            b"",
        )
        .await;
    assert_eq!(
        regional.ok(),
        "projects/p/locations/europe-west1/secrets/eu/versions/1"
    );

    let loaded = Managed::load_from(&servers.sources(&[])).await.unwrap();
    assert_eq!(loaded.latest.expose_secret(), API_TOKEN);
    assert_eq!(loaded.first.expose_secret(), DB_PASS);
    assert_eq!(loaded.regional.expose_secret(), "eu");
}

#[tokio::test]
async fn the_project_comes_from_the_metadata_server_when_nothing_names_one() {
    let servers = Servers::start().await;
    let metadata = MetadataServer::start(Duration::from_mins(10)).await;
    metadata.set_project_id("meta-project");
    let run = Cli::gcp(&servers)
        .with("GCE_METADATA_HOST", &metadata.host())
        .run(&["secret-manager", "add", "s", "v", "--create"], b"")
        .await;
    assert_eq!(run.ok(), "projects/meta-project/secrets/s/versions/1");
    assert_eq!(metadata.project_id_count(), 1);
}

#[tokio::test]
async fn secret_manager_refusals_say_what_to_fix_and_large_values_are_not_sent() {
    let servers = Servers::start().await;
    let cli = Cli::gcp(&servers);
    servers
        .secret_manager
        .add_version("projects/p/secrets/s", b"old");
    servers.secret_manager.deny("projects/p/secrets/s");

    let denied = cli
        .run(
            &["secret-manager", "add", "projects/p/secrets/s", DB_PASS],
            b"",
        )
        .await;
    let why = denied.failed(&[DB_PASS]);
    assert!(
        why.starts_with("secrets: may not add a version to projects/p/secrets/s: the caller needs roles/secretmanager.secretVersionAdder on it"),
        "{why}"
    );

    let requests = servers.secret_manager.request_count();
    let large = "x".repeat(64 * 1024 + 1);
    let run = cli
        .run(
            &["secret-manager", "add", "projects/p/secrets/s", "-"],
            large.as_bytes(),
        )
        .await;
    assert_eq!(
        run.failed(&[]),
        "secrets: the value is 65537 bytes, over Secret Manager's 65536: store it with `secrets berglas create`"
    );
    assert_eq!(servers.secret_manager.request_count(), requests);

    let conflicting = cli
        .run(
            &[
                "secret-manager",
                "add",
                "projects/p/secrets/s",
                "v",
                "--project",
                "q",
            ],
            b"",
        )
        .await;
    assert_eq!(
        conflicting.failed(&[]),
        "secrets: the secret's name says project p and --project says q: give one"
    );
}

#[tokio::test]
async fn with_adc_every_write_carries_a_token_from_the_metadata_server() {
    let servers = Servers::start().await;
    let metadata = MetadataServer::start(Duration::from_mins(5)).await;
    servers.kms.require_tokens(metadata.tokens());
    servers.secret_manager.require_tokens(metadata.tokens());

    let anonymous = Cli::gcp(&servers)
        .run(&["encrypt", "--key", KEY], DB_PASS.as_bytes())
        .await;
    assert!(
        anonymous
            .failed(&[DB_PASS])
            .contains("the credentials were rejected for key"),
        "the servers want tokens: {}",
        anonymous.stderr
    );

    let cli = Cli::gcp(&servers)
        .with("SECRETS_GCP_CREDENTIALS", "adc")
        .with("GCE_METADATA_HOST", &metadata.host());
    let ciphertext = cli
        .run(&["encrypt", "--key", KEY], DB_PASS.as_bytes())
        .await
        .ok();
    let secret = "projects/p/secrets/s";
    let version = cli
        .run(&["secret-manager", "add", secret, "v", "--create"], b"")
        .await
        .ok();
    assert_eq!(version, format!("{secret}/versions/1"));
    assert!(!ciphertext.is_empty());

    let tokens = metadata.tokens();
    assert_eq!(tokens.rejected(), 1, "only the anonymous request");
    // Encrypt; add (NOT_FOUND), create, add.
    assert_eq!(tokens.accepted(), 4);
    assert_eq!(
        servers.kms.request_count() + servers.secret_manager.request_count(),
        5
    );
}
