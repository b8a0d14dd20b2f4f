//! `#[berglas]` on the in-memory and local backends: references as berglas parses them, its
//! envelope format, `sm://` through Secret Manager, and what goes wrong.

mod common;

use common::{API_TOKEN, APP_PASSWORD, BUCKET, DB_PASS, KEY, assert_no_secret};
use secrets_runtime::berglas;
use secrets_runtime::local::{LocalKms, LocalStore};
use secrets_runtime::memory::{MemoryKms, MemorySecretManager, MemoryStore};
use secrets_runtime::{ErrorKind, ExposeSecret, ObjectStore, SecretString, Secrets, Sources};

#[derive(Secrets)]
struct Legacy {
    #[berglas]
    db_pass: SecretString,
    #[berglas(key = "token")]
    api: SecretString,
    #[berglas]
    from_sm: SecretString,
    #[berglas]
    optional: Option<SecretString>,
}

#[derive(Secrets)]
struct One {
    #[berglas]
    db_pass: SecretString,
}

/// What `berglas create BUCKET/OBJECT` leaves in the bucket, made through the public API.
fn create(store: &MemoryStore, kms: &MemoryKms, object: &str, plaintext: &[u8]) {
    let body = berglas::seal(plaintext, |dek| {
        Ok(kms.encrypt_with_aad(KEY, dek, object.as_bytes()))
    })
    .unwrap();
    let metadata = [("berglas-secret", "1"), (berglas::KMS_KEY_METADATA, KEY)];
    store.insert_with_metadata(BUCKET, object, body, &metadata);
}

struct World {
    store: MemoryStore,
    kms: MemoryKms,
    sm: MemorySecretManager,
}

fn world() -> World {
    let (store, kms) = (MemoryStore::new(), MemoryKms::new());
    create(&store, &kms, "prod/db-pass", DB_PASS.as_bytes());
    let api = format!(r#"{{"token": "{API_TOKEN}"}}"#);
    create(&store, &kms, "api.json", api.as_bytes());
    let sm = MemorySecretManager::new();
    sm.add_version("projects/legacy/secrets/app-password", APP_PASSWORD);
    World { store, kms, sm }
}

impl World {
    fn sources(&self, vars: &[(&str, &str)]) -> Sources {
        Sources::builder()
            .env(vars.iter().copied())
            .gcs(self.store.clone())
            .kms(self.kms.clone())
            .secret_manager(self.sm.clone())
            .build()
    }
}

const GOOD: [(&str, &str); 3] = [
    // `?destination=` is berglas's instruction to write the plaintext to a file: ignored.
    (
        "DB_PASS",
        "berglas://my-bucket/prod/db-pass?destination=tempfile",
    ),
    ("API", "berglas://my-bucket/api.json"),
    // An empty version is `latest`.
    ("FROM_SM", "sm://legacy/app-password#"),
];

#[tokio::test]
async fn objects_and_secret_manager_references_load_as_berglas_resolves_them() {
    let world = world();
    let legacy = Legacy::load_from(&world.sources(&GOOD)).await.unwrap();
    assert_eq!(legacy.db_pass.expose_secret(), DB_PASS);
    assert_eq!(legacy.api.expose_secret(), API_TOKEN);
    assert_eq!(legacy.from_sm.expose_secret(), APP_PASSWORD);
    assert!(legacy.optional.is_none(), "an unset variable is absence");
    // Two requests per object (one read with its metadata, one decrypt), not berglas's three.
    assert_eq!(world.store.read_count(), 2);
    assert_eq!(world.kms.decrypt_count(), 2);
    assert_eq!(world.sm.access_count(), 1);
}

#[tokio::test]
async fn a_renamed_object_no_longer_decrypts() {
    // berglas binds the data key to the object's name: a copy under another name is refused,
    // as berglas itself refuses it.
    let world = world();
    let body = world.store.read(BUCKET, "prod/db-pass", 1 << 20).await;
    let body = body.unwrap().unwrap().to_vec();
    let metadata = [(berglas::KMS_KEY_METADATA, KEY)];
    world
        .store
        .insert_with_metadata(BUCKET, "copied", body, &metadata);
    let mut vars = GOOD.to_vec();
    vars[0].1 = "berglas://my-bucket/copied";
    let err = Legacy::load_from(&world.sources(&vars))
        .await
        .err()
        .unwrap();
    assert_eq!(err.fields().len(), 1, "{err}");
    assert_eq!(err.fields()[0].kind(), ErrorKind::Decrypt, "{err}");
    assert_no_secret("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn malformed_references_missing_metadata_and_bad_envelopes_are_named() {
    let world = world();
    world
        .store
        .insert_with_metadata(BUCKET, "plain", DB_PASS, &[("berglas-secret", "1")]);
    world.store.insert_with_metadata(
        BUCKET,
        "truncated",
        "c2hvcnQ=",
        &[(berglas::KMS_KEY_METADATA, KEY)],
    );
    let cases = [
        // A password pasted where the reference belongs: never shown.
        (DB_PASS, ErrorKind::Invalid, "is not a berglas reference"),
        ("berglas://my-bucket", ErrorKind::Invalid, "names no object"),
        (
            "berglas://my-bucket/plain",
            ErrorKind::Invalid,
            "berglas-kms-key",
        ),
        (
            "berglas://my-bucket/truncated",
            ErrorKind::Invalid,
            "gs://my-bucket/truncated",
        ),
        (
            "berglas://my-bucket/absent",
            ErrorKind::Missing,
            "not found",
        ),
    ];
    for (reference, kind, says) in cases {
        let mut vars = GOOD.to_vec();
        vars[0].1 = reference;
        let err = Legacy::load_from(&world.sources(&vars))
            .await
            .err()
            .unwrap();
        let field = &err.fields()[0];
        assert_eq!((field.field(), field.kind()), ("db_pass", kind), "{err}");
        assert!(field.message().contains(says), "{reference}: {err}");
        assert!(!err.to_string().contains(DB_PASS), "{err}");
        assert_no_secret("error", &format!("{err} {err:?}"));
    }
}

#[tokio::test]
async fn the_local_backend_keeps_berglas_objects_with_their_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let (store, kms) = (LocalStore::new(dir.path()), LocalKms::new(dir.path()));
    kms.create_key(KEY).unwrap();
    let object = "prod/db-pass";
    let body = berglas::seal(DB_PASS.as_bytes(), |dek| {
        kms.encrypt_with_aad(KEY, dek, object.as_bytes())
    })
    .unwrap();
    store
        .put_with_metadata(
            BUCKET,
            object,
            body.as_bytes(),
            &[(berglas::KMS_KEY_METADATA, KEY)],
        )
        .unwrap();
    let sources = Sources::builder()
        .env([("DB_PASS", "berglas://my-bucket/prod/db-pass")])
        .local(dir.path())
        .build();
    let one = One::load_from(&sources).await.unwrap();
    assert_eq!(one.db_pass.expose_secret(), DB_PASS);
    // A pinned generation needs a store that keeps generations.
    let sources = Sources::builder()
        .env([(
            "DB_PASS",
            "berglas://my-bucket/prod/db-pass#1700000000000000",
        )])
        .local(dir.path())
        .build();
    let err = One::load_from(&sources).await.err().unwrap();
    assert!(err.to_string().contains("one generation"), "{err}");
}

#[derive(Secrets)]
struct Both {
    #[berglas]
    legacy: SecretString,
    #[secret_manager(secret = "projects/legacy/secrets/app-password")]
    current: SecretString,
}

#[tokio::test]
async fn an_sm_reference_and_a_secret_manager_field_share_one_access() {
    let world = world();
    let sources = world.sources(&[("LEGACY", "sm://legacy/app-password")]);
    let both = Both::load_from(&sources).await.unwrap();
    assert_eq!(both.legacy.expose_secret(), APP_PASSWORD);
    assert_eq!(both.current.expose_secret(), APP_PASSWORD);
    assert_eq!(world.sm.access_count(), 1);
}
