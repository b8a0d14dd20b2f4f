//! One load: resolve every field against the environment, make each distinct request once,
//! all of them concurrently, then hand each field its bytes.

use std::sync::Arc;

use futures_util::future::{join, join_all};
use tokio::time::Instant;

use crate::backend::{BoxFuture, Kms, SecretBytes};
use crate::env::Names;
use crate::gcs::{self, JsonObject, Read};
use crate::kms::{self, Decrypt};
use crate::loaded::{Loaded, Slot};
use crate::origin::Origin;
use crate::plan::{SourceSpec, StructSpec};
use crate::retry::RetryPolicy;
use crate::{BackendError, Sources, env};

/// A field after resolution: its outcome already, or the request whose answer it needs.
enum Step {
    Done(Slot),
    Decrypt(usize),
    Read {
        index: usize,
        key: Option<&'static str>,
    },
}

/// The distinct requests of one load. Fields that name the same ciphertext or object share
/// one request; a struct has tens of fields, so a linear search beats hashing here.
#[derive(Default)]
struct Requests {
    decrypts: Vec<Decrypt>,
    reads: Vec<Read>,
}

type Replies<T> = Vec<Result<T, BackendError>>;

impl Requests {
    fn decrypt(&mut self, request: Decrypt) -> usize {
        intern(&mut self.decrypts, request)
    }

    fn read(&mut self, request: Read) -> usize {
        intern(&mut self.reads, request)
    }

    /// Every decrypt and every read at once, each retried if it fails transiently, all
    /// within one deadline. A backend is asked for only when some field needs it, so a
    /// struct without `#[kms]` fields never builds a KMS client; the two clients are built
    /// concurrently.
    async fn run(&self, sources: &Sources) -> (Replies<SecretBytes>, Replies<Option<SecretBytes>>) {
        let policy = &sources.retry;
        let deadline = policy.deadline_from(Instant::now());
        let decrypts = async {
            if self.decrypts.is_empty() {
                return Vec::new();
            }
            let kms = policy.run(deadline, || sources.kms()).await;
            send_all(policy, deadline, kms, &self.decrypts, decrypt).await
        };
        let reads = async {
            if self.reads.is_empty() {
                return Vec::new();
            }
            let gcs = policy.run(deadline, || sources.gcs()).await;
            let max = sources.max_object_bytes;
            // Written in the call so that the closure is inferred for every lifetime.
            send_all(policy, deadline, gcs, &self.reads, |gcs, r| {
                gcs.read(&r.bucket, r.object, max)
            })
            .await
        };
        join(decrypts, reads).await
    }
}

fn decrypt<'a>(
    kms: &'a dyn Kms,
    request: &'a Decrypt,
) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
    kms.decrypt(&request.key, &request.ciphertext)
}

/// Sends every request to `backend` (or fails each with the reason there is none).
async fn send_all<B, R, T, F>(
    policy: &RetryPolicy,
    deadline: Instant,
    backend: Result<Arc<B>, BackendError>,
    requests: &[R],
    send: F,
) -> Replies<T>
where
    B: ?Sized,
    F: for<'a> Fn(&'a B, &'a R) -> BoxFuture<'a, Result<T, BackendError>>,
{
    match backend {
        Ok(backend) => {
            join_all(
                requests
                    .iter()
                    .map(|request| policy.run(deadline, || send(&backend, request))),
            )
            .await
        }
        Err(why) => requests.iter().map(|_| Err(why.clone())).collect(),
    }
}

fn intern<T: PartialEq>(list: &mut Vec<T>, item: T) -> usize {
    if let Some(index) = list.iter().position(|known| *known == item) {
        return index;
    }
    list.push(item);
    list.len() - 1
}

/// Loads every field of `spec` from `sources`; the generated `load_from` converts the result.
pub async fn fetch(sources: &Sources, spec: &'static StructSpec) -> Loaded {
    let mut requests = Requests::default();
    let mut names = Names::new(&sources.env);
    let (origins, steps): (Vec<Origin>, Vec<Step>) = spec
        .fields
        .iter()
        .map(|field| resolve(sources, &mut names, &field.source, &mut requests))
        .unzip();
    let (decrypted, read) = requests.run(sources).await;

    // Each object is parsed as JSON at most once, when a field first picks a key from it.
    let mut parsed: Vec<Option<Result<JsonObject<'_>, BackendError>>> =
        read.iter().map(|_| None).collect();
    let slots = steps
        .into_iter()
        .map(|step| match step {
            Step::Done(slot) => slot,
            Step::Decrypt(index) => match &decrypted[index] {
                Ok(plaintext) => Slot::Value(plaintext.clone()),
                Err(why) => Slot::Failed(why.clone()),
            },
            Step::Read { index, key } => {
                let Read { bucket, object } = &requests.reads[index];
                let bytes = match &read[index] {
                    Ok(Some(bytes)) => bytes,
                    Ok(None) => return Slot::Absent(gcs::not_found(bucket, object)),
                    Err(why) => return Slot::Failed(why.clone()),
                };
                let Some(key) = key else {
                    return Slot::Value(bytes.clone());
                };
                match parsed[index].get_or_insert_with(|| gcs::parse_object(bytes)) {
                    Ok(json) => Slot::from(gcs::pick(json, key)),
                    Err(why) => Slot::Failed(why.clone()),
                }
            }
        })
        .collect();
    Loaded::new(spec, origins, slots)
}

fn resolve(
    sources: &Sources,
    names: &mut Names<'_>,
    source: &SourceSpec,
    requests: &mut Requests,
) -> (Origin, Step) {
    match source {
        SourceSpec::Env { var, default } => {
            let (value, defaulted) = env::lookup(&sources.env, var, *default);
            (
                Origin::Env { var, defaulted },
                Step::Done(Slot::from(value)),
            )
        }
        SourceSpec::Kms { var, key } => {
            let (origin, request) = kms::resolve(names, &sources.env, var, key);
            let step = match request {
                Ok(request) => Step::Decrypt(requests.decrypt(request)),
                Err(slot) => Step::Done(slot),
            };
            (origin, step)
        }
        SourceSpec::Gcs {
            bucket,
            object,
            key,
        } => {
            let (origin, request) = gcs::resolve(names, bucket, object, *key);
            let step = match request {
                Ok(request) => Step::Read {
                    index: requests.read(request),
                    key: *key,
                },
                Err(why) => Step::Done(Slot::Failed(why)),
            };
            (origin, step)
        }
    }
}
