//! Nested structs: one load for the tree, shared requests made once, failures by path, and
//! the env var rules only the load can check.

use super::families::{OtherKms, OtherSpec};
use super::*;

struct Db {
    host: String,
    password: SecretString,
}

impl Secrets for Db {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "Db",
        fields: &[
            FieldSpec {
                name: "host",
                load: Load::Source(&env::Spec {
                    var: Var::Field("HOST"),
                    default: None,
                }),
            },
            FieldSpec {
                name: "password",
                load: Load::Source(&gcs::Spec {
                    bucket: NameRef::Env("STORAGE_BUCKET"),
                    object: "app1",
                    pick: Pick::JsonKey("password"),
                }),
            },
        ],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        let host = loaded.take::<String, _>();
        let password = loaded.take::<SecretString, _>();
        Some(Self {
            host: host?,
            password: password?,
        })
    }
}

struct App {
    token: SecretString,
    primary: Db,
    replica: Db,
}

impl Secrets for App {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "App",
        fields: &[
            FieldSpec {
                name: "token",
                load: Load::Source(&gcs::Spec {
                    bucket: NameRef::Env("STORAGE_BUCKET"),
                    object: "app1",
                    pick: Pick::JsonKey("token"),
                }),
            },
            FieldSpec {
                name: "primary",
                load: Load::Nested {
                    prefix: "PRIMARY_",
                    spec: <Db as Secrets>::__SPEC,
                },
            },
            FieldSpec {
                name: "replica",
                load: Load::Nested {
                    prefix: "REPLICA_",
                    spec: <Db as Secrets>::__SPEC,
                },
            },
        ],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        let token = loaded.take::<SecretString, _>();
        let primary = loaded.nested::<Db>();
        let replica = loaded.nested::<Db>();
        Some(Self {
            token: token?,
            primary: primary?,
            replica: replica?,
        })
    }
}

fn app_store() -> MemoryStore {
    MemoryStore::new().with_object(
        "my-bucket",
        "app1",
        br#"{"token":"t","password":"p"}"#.to_vec(),
    )
}

#[tokio::test]
async fn nested_structs_share_the_load_and_its_requests() {
    let store = app_store();
    let sources = Sources::builder()
        .env([
            ("STORAGE_BUCKET", "my-bucket"),
            ("PRIMARY_HOST", "db-1"),
            ("REPLICA_HOST", "db-2"),
        ])
        .gcs(store.clone())
        .build();
    let app = App::load_from(&sources).await.unwrap();
    assert_eq!(app.token.expose_secret(), "t");
    assert_eq!(
        (app.primary.host.as_str(), app.replica.host.as_str()),
        ("db-1", "db-2")
    );
    assert_eq!(app.replica.password.expose_secret(), "p");
    // Three fields on two levels read one object: one request.
    assert_eq!(store.read_count(), 1);
}

#[tokio::test]
async fn a_nested_failure_names_its_path() {
    let sources = Sources::builder()
        .env([("STORAGE_BUCKET", "my-bucket"), ("PRIMARY_HOST", "db-1")])
        .gcs(app_store())
        .build();
    let err = App::load_from(&sources).await.err().unwrap();
    let failed: Vec<(&str, &str)> = err
        .fields()
        .iter()
        .map(|f| (f.field(), f.origin()))
        .collect();
    assert_eq!(failed, [("replica.host", "env REPLICA_HOST")]);
    assert_eq!(err.target(), "App");
}

/// Reads env `DB_PASS` as text, while its nested `Db2` (prefix `DB_`) reads it as ciphertext:
/// only the load, which sees both structs, can tell. (Only its failure is asserted.)
#[allow(dead_code)]
struct Clash {
    pass: String,
    db: Secret2,
}

#[allow(dead_code)]
struct Secret2 {
    pass: SecretString,
}

impl Secrets for Secret2 {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "Secret2",
        fields: &[FieldSpec {
            name: "pass",
            load: Load::Source(&kms::Spec {
                var: Var::Field("PASS"),
                key: NameRef::Literal(KEY),
                pick: Pick::Whole,
            }),
        }],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        Some(Self {
            pass: loaded.take::<SecretString, _>()?,
        })
    }
}

impl Secrets for Clash {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "Clash",
        fields: &[
            FieldSpec {
                name: "pass",
                load: Load::Source(&env::Spec {
                    var: Var::Named("DB_PASS"),
                    default: None,
                }),
            },
            FieldSpec {
                name: "db",
                load: Load::Nested {
                    prefix: "DB_",
                    spec: <Secret2 as Secrets>::__SPEC,
                },
            },
        ],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        let pass = loaded.take::<String, _>();
        let db = loaded.nested::<Secret2>();
        Some(Self {
            pass: pass?,
            db: db?,
        })
    }
}

#[tokio::test]
async fn an_env_var_read_two_ways_across_structs_is_a_clear_error() {
    let kms = MemoryKms::new();
    let sources = Sources::builder()
        .env([("DB_PASS", b64(&kms.encrypt(KEY, b"x")))])
        .kms(kms.clone())
        .build();
    let err = Clash::load_from(&sources).await.err().unwrap();
    let failed = err.field("db.pass").unwrap();
    assert_eq!(failed.kind(), ErrorKind::Invalid);
    assert_eq!(
        failed.message(),
        "env DB_PASS is read as ciphertext here but as plain text by field `pass`; read each from its own env var"
    );
    assert_eq!(kms.decrypt_count(), 0, "nothing is decrypted on a guess");
}

/// Three readers of env `MODE`: the first without a default, then two with different ones.
/// Each later read is checked against every earlier one, not only the first.
#[allow(dead_code)] // only its failure is asserted
struct Modes {
    mode: Option<String>,
    fast: Fast,
    slow: Slow,
}

one_field_struct!(
    Fast,
    Load::Source(&env::Spec {
        var: Var::Named("MODE"),
        default: Some("fast"),
    }),
    String
);
one_field_struct!(
    Slow,
    Load::Source(&env::Spec {
        var: Var::Named("MODE"),
        default: Some("slow"),
    }),
    String
);

impl Secrets for Modes {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "Modes",
        fields: &[
            FieldSpec {
                name: "mode",
                load: Load::Source(&env::Spec {
                    var: Var::Named("MODE"),
                    default: None,
                }),
            },
            FieldSpec {
                name: "fast",
                load: Load::Nested {
                    prefix: "",
                    spec: <Fast as Secrets>::__SPEC,
                },
            },
            FieldSpec {
                name: "slow",
                load: Load::Nested {
                    prefix: "",
                    spec: <Slow as Secrets>::__SPEC,
                },
            },
        ],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        let mode = loaded.take::<Option<String>, _>();
        let fast = loaded.nested::<Fast>();
        let slow = loaded.nested::<Slow>();
        Some(Self {
            mode: mode?,
            fast: fast?,
            slow: slow?,
        })
    }
}

#[tokio::test]
async fn two_defaults_clash_even_after_a_reader_without_one() {
    let sources = Sources::builder().env::<&str, &str>([]).build();
    let err = Modes::load_from(&sources).await.err().unwrap();
    let failed: Vec<(&str, &str)> = err
        .fields()
        .iter()
        .map(|f| (f.field(), f.message()))
        .collect();
    assert_eq!(
        failed,
        [(
            "slow.value",
            "env MODE defaults to another value here than for field `fast.value`; give both the same default, or a default to one only"
        )]
    );
}

/// Env `SHARED` is ciphertext for Cloud KMS in one struct and for another key service in the
/// nested one, and a bucket name in a third: each clash is named.
#[allow(dead_code)] // only its failure is asserted
struct Services {
    google: SecretString,
    other: OtherField,
    bucket: BucketField,
}

one_field_struct!(
    OtherField,
    Load::Source(&OtherSpec(Var::Field("SHARED"))),
    SecretString
);
one_field_struct!(
    BucketField,
    Load::Source(&gcs::Spec {
        bucket: NameRef::Env("SHARED"),
        object: "o",
        pick: Pick::Whole,
    }),
    SecretString
);

impl Secrets for Services {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "Services",
        fields: &[
            FieldSpec {
                name: "google",
                load: Load::Source(&kms::Spec {
                    var: Var::Named("SHARED"),
                    key: NameRef::Literal(KEY),
                    pick: Pick::Whole,
                }),
            },
            FieldSpec {
                name: "other",
                load: Load::Nested {
                    prefix: "",
                    spec: <OtherField as Secrets>::__SPEC,
                },
            },
            FieldSpec {
                name: "bucket",
                load: Load::Nested {
                    prefix: "",
                    spec: <BucketField as Secrets>::__SPEC,
                },
            },
        ],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        let google = loaded.take::<SecretString, _>();
        let other = loaded.nested::<OtherField>();
        let bucket = loaded.nested::<BucketField>();
        Some(Self {
            google: google?,
            other: other?,
            bucket: bucket?,
        })
    }
}

#[tokio::test]
async fn ciphertext_for_two_services_or_used_as_a_name_is_named() {
    let kms = MemoryKms::new();
    let sources = Sources::builder()
        .env([("SHARED", b64(&kms.encrypt(KEY, b"x")))])
        .kms(kms)
        .backend::<OtherKms>(Arc::new(MemoryKms::new()))
        .gcs(MemoryStore::new())
        .build();
    let err = Services::load_from(&sources).await.err().unwrap();
    let failed: Vec<(&str, &str)> = err
        .fields()
        .iter()
        .map(|f| (f.field(), f.message()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "other.value",
                "env SHARED is decrypted by Other KMS here but by KMS for field `google`; read each from its own env var"
            ),
            (
                "bucket.value",
                "env SHARED is read as a key or bucket name here but as ciphertext by field `google`; read each from its own env var"
            ),
        ]
    );
}
