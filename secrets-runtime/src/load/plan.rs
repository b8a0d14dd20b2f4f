//! Planning a load: each field of the struct tree against the environment, each distinct
//! request recorded once in its family's batch.

use std::any::TypeId;
use std::borrow::Cow;
use std::sync::Arc;

use super::send::{AnyBatch, Batch, RequestId};
use crate::backend::SecretBytes;
use crate::environment::{NameRule, Names, Value};
use crate::family::Family;
use crate::loaded::Slot;
use crate::origin::Origin;
use crate::spec::{Load, NameRef, Pick, StructSpec, Var};
use crate::{BackendError, ErrorKind, Sources};

/// What planning made of one field: where it comes from, and its outcome or its request.
pub struct Planned {
    pub(crate) origin: Origin,
    pub(crate) step: Step,
}

pub(crate) enum Step {
    Done(Slot),
    Pending(RequestId, Pick),
}

impl Planned {
    /// The field's outcome is known already: a value, absence or a failure, by the one rule
    /// of [`Slot::from_error`].
    pub(crate) fn done(origin: Origin, value: Result<SecretBytes, BackendError>) -> Self {
        let slot = value.map_or_else(Slot::from_error, Slot::Value);
        Self {
            origin,
            step: Step::Done(slot),
        }
    }

    /// A failure that is not absence, whatever its kind: a ciphertext is there but the key
    /// name is not, which is a broken deploy.
    pub(crate) fn failed(origin: Origin, why: BackendError) -> Self {
        Self {
            origin,
            step: Step::Done(Slot::Failed(why)),
        }
    }

    /// The field takes `pick` of what request `id` brings back.
    pub(crate) fn pending(origin: Origin, id: RequestId, pick: Pick) -> Self {
        Self {
            origin,
            step: Step::Pending(id, pick),
        }
    }
}

/// How a field uses an env var, for the rules across nested structs (within one struct the
/// derive enforces them at compile time).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Plain text, with the default applied when it is unset.
    Text { default: Option<&'static str> },
    /// Ciphertext for `key`, decrypted by the family named `service`.
    Ciphertext {
        family: TypeId,
        service: &'static str,
        key: NameRef,
    },
    /// A key or bucket name.
    Name,
}

impl Use {
    fn describe(self) -> &'static str {
        match self {
            Self::Text { .. } => "plain text",
            Self::Ciphertext { .. } => "ciphertext",
            Self::Name => "a key or bucket name",
        }
    }
}

/// A field, as a conflict names it: the path of its struct and its name.
type FieldName = (Option<Arc<str>>, &'static str);

/// One use of an env var, kept to compare with every later use of the same var.
struct Record {
    var: String,
    how: Use,
    field: FieldName,
}

/// One field, planned.
pub(crate) struct Leaf {
    pub(crate) name: &'static str,
    /// The path of the struct it is in (`db`, `db.tls`), for a nested field.
    pub(crate) path: Option<Arc<str>>,
    pub(crate) origin: Origin,
    pub(crate) step: Step,
}

/// The state of one load's planning, which each source kind's `plan` works through.
pub struct Planner<'s> {
    sources: &'s Sources,
    names: Names,
    batches: Vec<Box<dyn AnyBatch>>,
    /// The prefix of the nested struct being planned: `""` at the top.
    prefix: Cow<'static, str>,
    /// Env var uses so far, with the field that made them: kept only for a struct tree with
    /// nested structs, the one case the derive cannot check.
    uses: Option<Vec<Record>>,
    /// The field being planned, for those records.
    field: FieldName,
    /// Requests a kind asked to remember by a tag of its own (a bundle's var and key), so
    /// that the next field reading the same value need not decode it again.
    remembered: Vec<(String, RequestId)>,
}

impl<'s> Planner<'s> {
    /// Every field of `spec`, depth first in declaration order (the order `__assemble`
    /// takes them in), and the batches of requests they need.
    pub(crate) fn plan(
        sources: &'s Sources,
        spec: &'static StructSpec,
    ) -> (Vec<Leaf>, Vec<Box<dyn AnyBatch>>) {
        let nested = spec
            .fields
            .iter()
            .any(|field| matches!(field.load, Load::Nested { .. }));
        let mut planner = Planner {
            sources,
            names: Names::new(),
            batches: Vec::new(),
            prefix: Cow::Borrowed(""),
            uses: nested.then(Vec::new),
            field: (None, ""),
            remembered: Vec::new(),
        };
        let mut leaves = Vec::with_capacity(spec.fields.len());
        planner.plan_struct(spec, None, &mut leaves);
        (leaves, planner.batches)
    }

    fn plan_struct(
        &mut self,
        spec: &'static StructSpec,
        path: Option<&Arc<str>>,
        leaves: &mut Vec<Leaf>,
    ) {
        for field in spec.fields {
            match field.load {
                Load::Source(source) => {
                    if self.uses.is_some() {
                        self.field = (path.cloned(), field.name);
                    }
                    let Planned { origin, step } = source.plan(self);
                    leaves.push(Leaf {
                        name: field.name,
                        path: path.cloned(),
                        origin,
                        step,
                    });
                }
                Load::Nested { prefix, spec } => {
                    let inner: Arc<str> = match path {
                        Some(path) => format!("{path}.{}", field.name).into(),
                        None => field.name.into(),
                    };
                    let outer = self.prefix.clone();
                    if !prefix.is_empty() {
                        self.prefix = Cow::Owned(format!("{outer}{prefix}"));
                    }
                    self.plan_struct(spec, Some(&inner), leaves);
                    self.prefix = outer;
                }
            }
        }
    }

    /// The env var's name: a name derived from a field takes the prefix of the nested struct
    /// it is in; an explicit one is used as written.
    pub(crate) fn var(&self, var: Var) -> Cow<'static, str> {
        match var {
            Var::Field(name) if !self.prefix.is_empty() => {
                Cow::Owned(format!("{}{name}", self.prefix))
            }
            Var::Field(name) | Var::Named(name) => Cow::Borrowed(name),
        }
    }

    /// The value of env `var`, read as `how`: a read that contradicts how another nested
    /// struct reads the same var is an error rather than a guess.
    pub(crate) fn env(&mut self, var: &str, how: Use) -> Result<Value<'s>, BackendError> {
        self.record(var, how)?;
        self.sources.env.get(var)
    }

    /// The request remembered under `tag`, after checking `how` against the other uses of
    /// `var` as [`env`](Self::env) does, without reading the var again.
    pub(crate) fn recall(
        &mut self,
        tag: &str,
        var: &str,
        how: Use,
    ) -> Option<Result<RequestId, BackendError>> {
        let id = self
            .remembered
            .iter()
            .find(|(known, _)| known == tag)
            .map(|(_, id)| *id)?;
        Some(self.record(var, how).map(|()| id))
    }

    /// Remembers request `id` under `tag`, for [`recall`](Self::recall).
    pub(crate) fn remember(&mut self, tag: String, id: RequestId) {
        self.remembered.push((tag, id));
    }

    /// Checks `how` against every earlier use of `var` in the tree, then records it.
    fn record(&mut self, var: &str, how: Use) -> Result<(), BackendError> {
        let Some(uses) = &mut self.uses else {
            return Ok(());
        };
        let clash = uses
            .iter()
            .filter(|used| used.var == var)
            .find_map(|used| conflict(var, used.how, how, &used.field));
        if let Some(why) = clash {
            return Err(BackendError::new(ErrorKind::Invalid, why));
        }
        uses.push(Record {
            var: var.to_owned(),
            how,
            field: self.field.clone(),
        });
        Ok(())
    }

    /// A key or bucket name, given in the struct or read from the environment and checked by
    /// `rule`; each is read once per load however many fields name it.
    pub(crate) fn name(
        &mut self,
        name: NameRef,
        rule: &'static NameRule,
    ) -> Result<Arc<str>, BackendError> {
        if let NameRef::Env(var) = name {
            self.record(var, Use::Name)?;
        }
        self.names.resolve(&self.sources.env, name, rule)
    }

    /// A name as [`name`](Self::name) reads it, where an unset or blank env var means none
    /// was given: the backend then supplies one (a project from the metadata server).
    pub(crate) fn optional_name(
        &mut self,
        name: NameRef,
        rule: &'static NameRule,
    ) -> Result<Option<Arc<str>>, BackendError> {
        match self.name(name, rule) {
            Ok(name) => Ok(Some(name)),
            Err(why) if why.kind() == ErrorKind::Missing => Ok(None),
            Err(why) => Err(why),
        }
    }

    /// Records `request` in family `F`'s batch; an equal request made before is reused.
    pub(crate) fn request<F: Family>(&mut self, request: F::Request) -> RequestId {
        let known = self
            .batches
            .iter_mut()
            .enumerate()
            .find_map(|(batch, any)| {
                let typed = any.as_any_mut().downcast_mut::<Batch<F>>()?;
                Some((batch, typed))
            });
        if let Some((batch, typed)) = known {
            let index = typed.intern(request);
            return RequestId { batch, index };
        }
        let mut batch = Batch::<F>::new();
        let index = batch.intern(request);
        self.batches.push(Box::new(batch));
        RequestId {
            batch: self.batches.len() - 1,
            index,
        }
    }
}

/// Why env `var` cannot be read `here` as well as `first` (by `field`), or `None` when both
/// can be right: the rules the derive applies within one struct.
fn conflict(var: &str, first: Use, here: Use, field: &FieldName) -> Option<String> {
    let field = match field {
        (Some(path), name) => format!("{path}.{name}"),
        (None, name) => (*name).to_owned(),
    };
    match (first, here) {
        (
            Use::Ciphertext {
                family: a,
                service: first_service,
                ..
            },
            Use::Ciphertext {
                family: b,
                service,
                ..
            },
        ) if a != b => Some(format!(
            "env {var} is decrypted by {service} here but by {first_service} for field `{field}`; read each from its own env var"
        )),
        (Use::Ciphertext { key: a, .. }, Use::Ciphertext { key: b, .. }) => (a != b).then(|| {
            format!(
                "env {var} is decrypted here with another key than for field `{field}`; use the same key for both, or another env var"
            )
        }),
        (Use::Ciphertext { .. }, _) | (_, Use::Ciphertext { .. }) => Some(format!(
            "env {var} is read as {} here but as {} by field `{field}`; read each from its own env var",
            here.describe(),
            first.describe()
        )),
        (Use::Text { default: Some(a) }, Use::Text { default: Some(b) }) if a != b => {
            Some(format!(
                "env {var} defaults to another value here than for field `{field}`; give both the same default, or a default to one only"
            ))
        }
        _ => None,
    }
}
