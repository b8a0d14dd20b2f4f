//! Provider families: two key services in one load, a family's default backend, the
//! permission hint, and absence or failure from a user's own backend.

use super::*;

/// A second key service, as AWS KMS will be: its own family, its own backend.
pub(super) struct OtherKms;

#[derive(PartialEq)]
pub(super) struct OtherDecrypt(Vec<u8>);

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

pub(super) struct OtherSpec(pub(super) Var);

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

    // The manifest's resources are Google's; these tests look at loads only.
    fn needs(&self, _: &mut crate::manifest::ManifestCx) {}

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
            unset_is_absence: false,
        };
        shape.plan::<Builtin>(self, cx, |_| BuiltinRead)
    }

    fn needs(&self, _: &mut crate::manifest::ManifestCx) {}

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
