//! With `SECRETS_LOCAL_DIR` set, every command writes to and reads from the runtime's local
//! backend in that directory, and `load()` on the same directory reads what it wrote: the
//! development loop without a cloud.

mod common;

use common::{Cli, KEY};
use secrets_runtime::local::LocalKms;
use secrets_runtime::{ExposeSecret, SecretString, Secrets, Sources};

const DB_PASS: &str = "db-pass-Zq8!xK";
const API_TOKEN: &str = "api-token-7Hw2pR";

#[derive(Secrets)]
struct Everything {
    #[kms(
        env = "DB_PASS_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"
    )]
    encrypted: SecretString,
    #[bundle(key = "API_TOKEN")]
    bundled: SecretString,
    #[berglas(env = "BERGLAS_REF")]
    berglas: SecretString,
    #[berglas(env = "SM_REF")]
    sm_reference: SecretString,
    #[secret_manager(secret = "db-pass", project = "dev")]
    managed: SecretString,
}

/// A local key ring with `KEY` in a fresh directory, the CLI on it, and `DB_PASS` as
/// `secrets encrypt` wrote it there.
async fn local_with_ciphertext() -> (tempfile::TempDir, Cli, String) {
    let dir = tempfile::tempdir().unwrap();
    LocalKms::new(dir.path()).create_key(KEY).unwrap();
    let cli = Cli::local(dir.path());
    let encrypted = cli
        .run(&["encrypt", "--key", KEY], DB_PASS.as_bytes())
        .await
        .ok();
    (dir, cli, encrypted)
}

#[tokio::test]
async fn what_the_commands_write_locally_loads_from_the_same_directory() {
    let (dir, cli, encrypted) = local_with_ciphertext().await;
    let token = format!("API_TOKEN={API_TOKEN}");
    let bundle = cli.run(&["seal", "--key", KEY, &token], b"").await.ok();
    let reference = cli
        .run(
            &["berglas", "create", "dev-bucket/app/db-pass", "--key", KEY],
            DB_PASS.as_bytes(),
        )
        .await
        .ok();
    // The local store keeps one generation: nothing to pin.
    assert_eq!(reference, "berglas://dev-bucket/app/db-pass");
    let version = cli
        .clone()
        .with("GOOGLE_CLOUD_PROJECT", "dev")
        .run(
            &["secret-manager", "add", "db-pass", API_TOKEN, "--create"],
            b"",
        )
        .await
        .ok();
    assert_eq!(version, "projects/dev/secrets/db-pass/versions/1");

    let sources = Sources::builder()
        .env([
            ("DB_PASS_CT", encrypted.as_str()),
            ("SECRETS_BUNDLE", &bundle),
            ("KMS_CRYPTO_KEY_ID", KEY),
            ("BERGLAS_REF", &reference),
            ("SM_REF", "sm://dev/db-pass"),
        ])
        .local(dir.path())
        .build();
    let loaded = Everything::load_from(&sources).await.unwrap();
    assert_eq!(loaded.encrypted.expose_secret(), DB_PASS);
    assert_eq!(loaded.bundled.expose_secret(), API_TOKEN);
    assert_eq!(loaded.berglas.expose_secret(), DB_PASS);
    assert_eq!(loaded.sm_reference.expose_secret(), API_TOKEN);
    assert_eq!(loaded.managed.expose_secret(), API_TOKEN);

    let access = cli.run(&["berglas", "access", &reference], b"").await;
    assert_eq!(access.stdout, DB_PASS.as_bytes());
    let verify = cli
        .run(&["verify", &reference, "sm://dev/db-pass"], b"")
        .await;
    assert_eq!(
        verify.ok(),
        format!("{reference}: ok (14 bytes)\nsm://dev/db-pass: ok (16 bytes)")
    );
}

#[tokio::test]
async fn local_refusals_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli::local(dir.path());

    let no_key = cli
        .run(&["encrypt", "--key", KEY], DB_PASS.as_bytes())
        .await;
    let why = no_key.failed(&[DB_PASS]);
    assert!(
        why.starts_with(&format!("secrets: key {KEY} not found (no file ")),
        "{why}"
    );
    assert!(
        why.ends_with("the local backend's keys are 32 random bytes in that file, made with `head -c 32 /dev/urandom > FILE`"),
        "{why}"
    );

    LocalKms::new(dir.path()).create_key(KEY).unwrap();
    // Cloud KMS's limit holds here too: what works in development works deployed.
    let large = vec![b'x'; 64 * 1024 + 1];
    assert_eq!(
        cli.run(&["encrypt", "--key", KEY], &large)
            .await
            .failed(&[]),
        "secrets: the value is 65537 bytes, over Cloud KMS's 65536: store it with `secrets berglas create` for a #[berglas] field, or seal it into a bundle for #[bundle] fields with `secrets seal --envelope NAME=@FILE` (a bundle is not a #[kms] value)"
    );
    let create = ["berglas", "create", "dev-bucket/o", "--key", KEY, DB_PASS];
    cli.run(&create, b"").await.ok();
    assert_eq!(
        cli.run(&create, b"").await.failed(&[DB_PASS]),
        "secrets: gs://dev-bucket/o exists already: give --overwrite to replace it, as `berglas update` does"
    );
    let mut overwrite = create.to_vec();
    overwrite.push("--overwrite");
    overwrite[5] = API_TOKEN;
    cli.run(&overwrite, b"").await.ok();
    let access = cli
        .run(&["berglas", "access", "berglas://dev-bucket/o"], b"")
        .await;
    assert_eq!(access.stdout, API_TOKEN.as_bytes());

    let missing = cli
        .run(
            &["secret-manager", "add", "projects/dev/secrets/s", "v"],
            b"",
        )
        .await;
    assert_eq!(
        missing.failed(&[]),
        "secrets: secret projects/dev/secrets/s does not exist: give --create to create it (automatic replication)"
    );
    let no_project = cli.run(&["secret-manager", "add", "s", "v"], b"").await;
    assert_eq!(
        no_project.failed(&[]),
        "secrets: no project is known: give --project P, name the secret projects/P/secrets/S, or set GOOGLE_CLOUD_PROJECT"
    );
}

#[tokio::test]
async fn verify_decrypts_the_variables_it_is_told_to_and_lists_the_rest_by_name() {
    let (dir, cli, encrypted) = local_with_ciphertext().await;
    let token = format!("API_TOKEN={API_TOKEN}");
    let pass = format!("DB_PASS={DB_PASS}");
    let bundle = cli
        .run(&["seal", "--key", KEY, &token, &pass], b"")
        .await
        .ok();
    let envelope = cli
        .run(&["seal", "--key", KEY, "--envelope", &token], b"")
        .await
        .ok();
    let env = dir.path().join("prod.env");
    std::fs::write(
        &env,
        format!(
            "KMS_CRYPTO_KEY_ID={KEY}\nDB_PASS_CT={encrypted}\nSECRETS_BUNDLE={bundle}\nBIG_BUNDLE={envelope}\nREGION={API_TOKEN}\n"
        ),
    )
    .unwrap();
    let env = env.display().to_string();
    let args = [
        "verify",
        "--env-file",
        &env,
        "--ciphertext",
        "DB_PASS_CT",
        "--bundle",
        "SECRETS_BUNDLE",
        "--bundle",
        "BIG_BUNDLE",
    ];
    let run = cli.run(&args, b"").await;
    run.assert_hides(&[DB_PASS, API_TOKEN]);
    assert_eq!(
        run.ok(),
        "KMS_CRYPTO_KEY_ID: not checked (plain value)\n\
         DB_PASS_CT: ok (14 bytes)\n\
         SECRETS_BUNDLE: ok (2 keys)\n\
         BIG_BUNDLE: ok (1 key)\n\
         REGION: not checked (plain value)"
    );

    // Given as plain values, the same variables are named, never shown.
    let run = cli.run(&["verify", "--env-file", &env], b"").await;
    run.assert_hides(&[DB_PASS, API_TOKEN, &encrypted]);
    assert_eq!(run.ok().lines().count(), 5);

    // --key wins over the file's key; a key that cannot decrypt fails the run, by name.
    let other = "projects/p/locations/global/keyRings/r/cryptoKeys/other";
    LocalKms::new(dir.path()).create_key(other).unwrap();
    let mut with_other = args.to_vec();
    with_other.extend(["--key", other]);
    let run = cli.run(&with_other, b"").await;
    assert_eq!(
        run.failed(&[DB_PASS, API_TOKEN]),
        "secrets: 3 of 3 checked values did not load"
    );
    let out = run.out();
    assert!(out.contains("DB_PASS_CT: key "), "{out}");
    assert!(!out.contains(": ok"), "{out}");

    // A ciphertext that is not one is said so, not quoted.
    let plain = ["verify", "--env-file", &env, "--ciphertext", "REGION"];
    let run = cli.run(&plain, b"").await;
    run.failed(&[API_TOKEN]);
    assert!(
        run.out().contains("REGION: the value is not base64"),
        "{}",
        run.out()
    );
    let missing = ["verify", "--env-file", &env, "--bundle", "NOPE"];
    let run = cli.run(&missing, b"").await;
    assert_eq!(
        run.failed(&[]),
        format!("secrets: {env} has no variable `NOPE`")
    );
}
