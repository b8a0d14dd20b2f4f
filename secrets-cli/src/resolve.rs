//! berglas references loaded as a function loads them: a `#[berglas]` field through
//! `secrets-runtime`, its messages and all, so that what `verify` and `berglas access` report
//! is what a deployed function would meet.

use std::sync::Arc;

use secrets_runtime::family::{CloudKms, CloudStorage, SecretManager};
use secrets_runtime::gcp::{GcpKms, GcpSecretManager, GcpStore, STORAGE_EMULATOR_HOST_ENV};
use secrets_runtime::{
    BackendError, BoxFuture, FieldError, Kms, ObjectStore, SecretSlice, SecretStore, Secrets,
    Sources, SourcesBuilder,
};
use tokio::sync::OnceCell;

use crate::backend::Backend;

/// The env var the field reads; each reference gets a [`Sources`] whose environment holds it
/// alone.
const VAR: &str = "SECRETS_REFERENCE";

#[derive(Secrets)]
struct Referenced {
    #[berglas(env = "SECRETS_REFERENCE")]
    value: SecretSlice<u8>,
}

/// Loads references through the runtime; Google's clients are built once, when first needed,
/// and shared by every reference.
pub struct Resolver<'a> {
    backend: &'a Backend,
    kms: Arc<OnceCell<Arc<dyn Kms>>>,
    store: Arc<OnceCell<Arc<dyn ObjectStore>>>,
    secrets: Arc<OnceCell<Arc<dyn SecretStore>>>,
}

impl<'a> Resolver<'a> {
    pub fn new(backend: &'a Backend) -> Self {
        Self {
            backend,
            kms: Arc::default(),
            store: Arc::default(),
            secrets: Arc::default(),
        }
    }

    /// The secret `reference` names, or why it does not load, said of `label` (`env DB_PASS`,
    /// `the reference`) and never showing a value.
    pub async fn resolve(&self, reference: &str, label: &str) -> Result<SecretSlice<u8>, String> {
        let sources = self.sources(reference);
        match Referenced::load_from(&sources).await {
            Ok(loaded) => Ok(loaded.value),
            Err(err) => {
                let messages: Vec<&str> = err.fields().iter().map(FieldError::message).collect();
                Err(messages.join("; ").replace(&format!("env {VAR}"), label))
            }
        }
    }

    fn sources(&self, reference: &str) -> Sources {
        let builder = Sources::builder().env([(VAR, reference)]);
        match self.backend.local_dir() {
            Some(dir) => builder.local(dir).build(),
            None => self.gcp(builder).build(),
        }
    }

    /// Google's clients, configured from the environment as `load()` configures them.
    fn gcp(&self, builder: SourcesBuilder) -> SourcesBuilder {
        builder
            .backend_with::<CloudKms, _>(shared(&self.kms, || {
                Box::pin(async { Ok(Arc::new(GcpKms::from_env().await?) as Arc<dyn Kms>) })
            }))
            .backend_with::<CloudStorage, _>(shared(&self.store, || {
                Box::pin(async {
                    let emulator = std::env::var(STORAGE_EMULATOR_HOST_ENV)
                        .ok()
                        .filter(|host| !host.trim().is_empty());
                    Ok(Arc::new(GcpStore::connect(emulator).await?) as Arc<dyn ObjectStore>)
                })
            }))
            .backend_with::<SecretManager, _>(shared(&self.secrets, || {
                Box::pin(async {
                    let store = GcpSecretManager::from_env().await?;
                    Ok(Arc::new(store) as Arc<dyn SecretStore>)
                })
            }))
    }
}

type Built<B> = BoxFuture<'static, Result<Arc<B>, BackendError>>;

/// A backend builder for every [`Sources`] of one run: the first load that needs it connects,
/// the rest reuse that client (and its tokens).
fn shared<B: ?Sized + Send + Sync + 'static>(
    cell: &Arc<OnceCell<Arc<B>>>,
    connect: fn() -> Built<B>,
) -> impl Fn() -> Built<B> + Send + Sync + 'static {
    let cell = Arc::clone(cell);
    move || {
        let cell = Arc::clone(&cell);
        Box::pin(async move { cell.get_or_try_init(connect).await.cloned() })
    }
}
