//! One load: resolve every field against the environment, make each distinct request once,
//! all of them concurrently, then hand each field its bytes.

use futures_util::future::{join, join_all};
use serde_json::{Map, Value};

use crate::backend::SecretBytes;
use crate::gcs::{self, Read};
use crate::kms::{self, Decrypt};
use crate::loaded::{Loaded, Slot};
use crate::plan::{SourceSpec, StructSpec};
use crate::{BackendError, ErrorKind, Sources, env};

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

type Replies = Vec<Result<SecretBytes, BackendError>>;

impl Requests {
    fn decrypt(&mut self, request: Decrypt) -> usize {
        intern(&mut self.decrypts, request)
    }

    fn read(&mut self, request: Read) -> usize {
        intern(&mut self.reads, request)
    }

    /// Every decrypt and every read at once. A backend is asked for only when some field
    /// needs it, so a struct without `#[kms]` fields never touches the key service.
    async fn run(&self, sources: &Sources) -> (Replies, Replies) {
        let decrypts = async {
            if self.decrypts.is_empty() {
                return Vec::new();
            }
            match sources.kms() {
                Ok(kms) => {
                    join_all(
                        self.decrypts
                            .iter()
                            .map(|d| kms.decrypt(&d.key, &d.ciphertext)),
                    )
                    .await
                }
                Err(why) => vec![Err(why); self.decrypts.len()],
            }
        };
        let reads = async {
            if self.reads.is_empty() {
                return Vec::new();
            }
            let max = sources.max_object_bytes;
            match sources.gcs() {
                Ok(gcs) => {
                    join_all(
                        self.reads
                            .iter()
                            .map(|r| gcs.read(&r.bucket, r.object, max)),
                    )
                    .await
                }
                Err(why) => vec![Err(why); self.reads.len()],
            }
        };
        join(decrypts, reads).await
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
    let (origins, steps): (Vec<String>, Vec<Step>) = spec
        .fields
        .iter()
        .map(|field| resolve(sources, &field.source, &mut requests))
        .unzip();
    let (decrypted, read) = requests.run(sources).await;

    let mut objects = Objects::new(read);
    let slots = steps
        .into_iter()
        .map(|step| match step {
            Step::Done(slot) => slot,
            Step::Decrypt(index) => match &decrypted[index] {
                Ok(plaintext) => Slot::Value(plaintext.clone()),
                Err(why) => Slot::Failed(why.clone()),
            },
            Step::Read { index, key } => objects.slot(index, key),
        })
        .collect();
    Loaded::new(spec, origins, slots)
}

fn resolve(sources: &Sources, source: &SourceSpec, requests: &mut Requests) -> (String, Step) {
    match source {
        SourceSpec::Env { var, default } => {
            let slot = match env::lookup(&sources.env, var, *default) {
                env::Lookup::Found(bytes) => Slot::Value(bytes),
                env::Lookup::Absent(why) => Slot::Absent(why),
                env::Lookup::Failed(why) => Slot::Failed(why),
            };
            (format!("env {var}"), Step::Done(slot))
        }
        SourceSpec::Kms { var, key } => {
            let (origin, resolved) = kms::resolve(&sources.env, var, key);
            let step = match resolved {
                kms::Resolved::Decrypt(request) => Step::Decrypt(requests.decrypt(request)),
                kms::Resolved::Absent(why) => Step::Done(Slot::Absent(why)),
                kms::Resolved::Failed(why) => Step::Done(Slot::Failed(why)),
            };
            (origin, step)
        }
        SourceSpec::Gcs {
            bucket,
            object,
            key,
        } => {
            let (origin, resolved) = gcs::resolve(&sources.env, bucket, object, *key);
            let step = match resolved {
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

/// The objects a load read, each parsed as JSON at most once, when a field first picks a key.
struct Objects {
    replies: Replies,
    parsed: Vec<Option<Result<Map<String, Value>, BackendError>>>,
}

impl Objects {
    fn new(replies: Replies) -> Self {
        let parsed = replies.iter().map(|_| None).collect();
        Self { replies, parsed }
    }

    fn slot(&mut self, index: usize, key: Option<&str>) -> Slot {
        let bytes = match &self.replies[index] {
            Ok(bytes) => bytes,
            // A missing object is absence, so an `Option` field reads it as `None`.
            Err(why) if why.kind() == ErrorKind::NotFound => return Slot::Absent(why.clone()),
            Err(why) => return Slot::Failed(why.clone()),
        };
        let Some(key) = key else {
            return Slot::Value(bytes.clone());
        };
        let object = self.parsed[index].get_or_insert_with(|| gcs::parse_object(bytes));
        match object.as_ref().map(|object| gcs::pick(object, key)) {
            Ok(Ok(Some(value))) => Slot::Value(value),
            Ok(Ok(None)) => Slot::Absent(BackendError::new(
                ErrorKind::Missing,
                format!("the JSON object has no key `{key}`"),
            )),
            Ok(Err(why)) => Slot::Failed(why),
            Err(why) => Slot::Failed(why.clone()),
        }
    }
}
