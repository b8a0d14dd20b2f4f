//! The loader through hand-written specs (what the derive emits), so these hold whatever the
//! derive does: two key-service families in one load, nested structs, absence from a user's
//! own backend.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::{ExposeSecret, SecretString};

use crate::__private::{
    FieldSource, FieldSpec, Load, Loaded, NameRef, Origin, Pick, Planned, Planner, StructSpec, Var,
    env, gcs, kms,
};
use crate::backend::{BoxFuture, Kms, ObjectStore, SecretBytes};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::Decrypt;
use crate::memory::{MemoryKms, MemoryStore};
use crate::{BackendError, ErrorKind, Secrets, Sources};

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A second key service, as AWS KMS will be: its own family, its own backend.
struct OtherKms;

#[derive(PartialEq)]
struct OtherDecrypt(Vec<u8>);

impl fmt::Display for OtherDecrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("other key")
    }
}

impl Family for OtherKms {
    const NAME: &'static str = "Other KMS";
    const HINT: &'static str = "add one with .backend::<OtherKms>(..)";
    const PERMISSION: &'static str = "roles/other.decrypter";
    type Backend = dyn Kms;
    type Request = OtherDecrypt;

    fn send<'a>(
        kms: &'a dyn Kms,
        request: &'a OtherDecrypt,
        _: usize,
    ) -> impl std::future::Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a
    {
        let decrypted = kms.decrypt(KEY, &request.0);
        async move { decrypted.await.map(Some) }
    }
}

struct OtherSpec(Var);

static ANY_KEY: NameRule = NameRule {
    what: "the key name",
    check: |_| Ok(()),
};

impl FieldSource for OtherSpec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let shape = Decrypt {
            var: self.0,
            key: NameRef::Literal(KEY),
            rule: &ANY_KEY,
            pick: Pick::Whole,
        };
        shape.plan::<OtherKms>(self, cx, |_, ciphertext| OtherDecrypt(ciphertext))
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "other kms via env {}", origin.var())
    }
}

struct TwoServices {
    google: SecretString,
    other: SecretString,
}

impl Secrets for TwoServices {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "TwoServices",
        fields: &[
            FieldSpec {
                name: "google",
                load: Load::Source(&kms::Spec {
                    var: Var::Field("GOOGLE"),
                    key: NameRef::Literal(KEY),
                    pick: Pick::Whole,
                }),
            },
            FieldSpec {
                name: "other",
                load: Load::Source(&OtherSpec(Var::Field("OTHER"))),
            },
        ],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        let google = loaded.take::<SecretString, _>();
        let other = loaded.take::<SecretString, _>();
        Some(Self {
            google: google?,
            other: other?,
        })
    }
}

#[tokio::test]
async fn two_key_services_serve_one_struct_in_one_load() {
    let (google, other) = (MemoryKms::new(), MemoryKms::new());
    let sources = Sources::builder()
        .env([
            ("GOOGLE", b64(&google.encrypt(KEY, b"from-google"))),
            ("OTHER", b64(&other.encrypt(KEY, b"from-other"))),
        ])
        .kms(google.clone())
        .backend::<OtherKms>(Arc::new(other.clone()))
        .build();
    let loaded = TwoServices::load_from(&sources).await.unwrap();
    assert_eq!(loaded.google.expose_secret(), "from-google");
    assert_eq!(loaded.other.expose_secret(), "from-other");
    assert_eq!((google.decrypt_count(), other.decrypt_count()), (1, 1));

    // Without the second backend, only its field fails, and says how to configure it.
    let sources = Sources::builder()
        .env([
            ("GOOGLE", b64(&google.encrypt(KEY, b"from-google"))),
            ("OTHER", b64(b"anything")),
        ])
        .kms(google)
        .build();
    let err = TwoServices::load_from(&sources).await.err().unwrap();
    assert_eq!(err.fields().len(), 1, "{err}");
    assert_eq!(
        err.to_string(),
        "failed to load TwoServices: 1 field failed\n  - other (other kms via env OTHER): no Other KMS backend is configured; add one with .backend::<OtherKms>(..)"
    );
}

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

/// A user's store that reports absence as an error of kind `Missing` rather than `Ok(None)`.
struct MissingStore(AtomicUsize);

impl ObjectStore for MissingStore {
    fn read<'a>(
        &'a self,
        _: &'a str,
        object: &'a str,
        _: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let why = BackendError::new(ErrorKind::Missing, format!("no {object} here"));
        Box::pin(std::future::ready(Err(why)))
    }
}

struct Optional {
    maybe: Option<String>,
}

impl Secrets for Optional {
    const __SPEC: &'static StructSpec = &StructSpec {
        name: "Optional",
        fields: &[FieldSpec {
            name: "maybe",
            load: Load::Source(&gcs::Spec {
                bucket: NameRef::Literal("my-bucket"),
                object: "gone",
                pick: Pick::Whole,
            }),
        }],
    };

    fn __assemble(loaded: &mut Loaded) -> Option<Self> {
        Some(Self {
            maybe: loaded.take::<Option<String>, _>()?,
        })
    }
}

#[tokio::test]
async fn missing_from_a_users_backend_is_absence_as_from_env() {
    let sources = Sources::builder()
        .env::<&str, &str>([])
        .gcs(MissingStore(AtomicUsize::new(0)))
        .build();
    let loaded = Optional::load_from(&sources).await.unwrap();
    assert_eq!(loaded.maybe, None);
}

/// Three readers of env `MODE`: the first without a default, then two with different ones.
/// Each later read is checked against every earlier one, not only the first.
#[allow(dead_code)] // only its failure is asserted
struct Modes {
    mode: Option<String>,
    fast: Fast,
    slow: Slow,
}

macro_rules! one_field_struct {
    ($ty:ident, $load:expr, $field:ty) => {
        #[allow(dead_code)]
        struct $ty {
            value: $field,
        }
        impl Secrets for $ty {
            const __SPEC: &'static StructSpec = &StructSpec {
                name: stringify!($ty),
                fields: &[FieldSpec {
                    name: "value",
                    load: $load,
                }],
            };
            fn __assemble(loaded: &mut Loaded) -> Option<Self> {
                Some(Self {
                    value: loaded.take::<$field, _>()?,
                })
            }
        }
    };
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

/// A user's store that denies everything, in its own words.
struct DeniedStore;

impl ObjectStore for DeniedStore {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        _: &'a str,
        _: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let why = BackendError::new(
            ErrorKind::PermissionDenied,
            format!("{bucket}: access denied"),
        );
        Box::pin(std::future::ready(Err(why)))
    }
}

#[tokio::test]
async fn a_denied_permission_names_the_role_whatever_the_backend() {
    let sources = Sources::builder().gcs(DeniedStore).build();
    let err = Optional::load_from(&sources).await.err().unwrap();
    let failed = err.field("maybe").unwrap();
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        failed.message(),
        "my-bucket: access denied; the caller needs roles/storage.objectViewer on it"
    );
}

#[tokio::test]
async fn a_client_that_cannot_be_built_is_never_absence() {
    let sources = Sources::builder()
        .gcs_with(|| {
            Box::pin(async {
                Err::<MemoryStore, _>(BackendError::new(ErrorKind::Missing, "no credentials file"))
            })
        })
        .build();
    let err = Optional::load_from(&sources).await.err().unwrap();
    let failed = err.field("maybe").unwrap();
    assert_eq!(
        (failed.kind(), failed.message()),
        (ErrorKind::Unconfigured, "no credentials file")
    );
}

/// A family that needs no configuration: its backend is there unless one is given.
struct Builtin;

impl Family for Builtin {
    const NAME: &'static str = "built-in store";
    const HINT: &'static str = "none needed";
    const PERMISSION: &'static str = "none";
    type Backend = dyn ObjectStore;
    type Request = BuiltinRead;

    fn default_backend() -> Option<Arc<dyn ObjectStore>> {
        Some(Arc::new(
            MemoryStore::new().with_object("builtin", "greeting", "hello"),
        ))
    }

    fn send<'a>(
        store: &'a dyn ObjectStore,
        _: &'a BuiltinRead,
        max_bytes: usize,
    ) -> impl std::future::Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a
    {
        store.read("builtin", "greeting", max_bytes)
    }
}

#[derive(PartialEq)]
struct BuiltinRead;

impl fmt::Display for BuiltinRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the greeting")
    }
}

struct BuiltinSpec;

impl FieldSource for BuiltinSpec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let shape = crate::load::Fetch {
            place: NameRef::Literal("builtin"),
            rule: &ANY_KEY,
            pick: Pick::Whole,
        };
        shape.plan::<Builtin>(self, cx, |_| BuiltinRead)
    }

    fn describe(&self, _: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the built-in store")
    }
}

one_field_struct!(Greeting, Load::Source(&BuiltinSpec), String);

#[tokio::test]
async fn a_family_with_a_default_backend_needs_no_configuration() {
    let sources = Sources::builder().build();
    let greeting = Greeting::load_from(&sources).await.unwrap();
    assert_eq!(greeting.value, "hello");
}
