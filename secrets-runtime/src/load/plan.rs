//! Planning a load: each field of the struct tree against the environment, each distinct
//! request recorded once in its family's batch.

use std::any::TypeId;
use std::borrow::Cow;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::send::{AnyBatch, Batch, RequestId};
use crate::backend::SecretBytes;
use crate::environment::{NameRule, Names};
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
    Text { default: Option<&'static str> },
    Ciphertext { family: TypeId, key: NameRef },
}

impl Use {
    fn describe(self) -> &'static str {
        match self {
            Self::Text { .. } => "plain text",
            Self::Ciphertext { .. } => "ciphertext",
        }
    }
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
    uses: Option<Vec<(String, Use, String)>>,
    field: String,
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
            field: String::new(),
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
                        self.field = match path {
                            Some(path) => format!("{path}.{}", field.name),
                            None => field.name.to_owned(),
                        };
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
    pub(crate) fn env(&mut self, var: &str, how: Use) -> Result<Zeroizing<String>, BackendError> {
        if let Some(uses) = &mut self.uses {
            match uses.iter().find(|(known, ..)| known == var) {
                Some((_, first, field)) => {
                    if let Some(why) = conflict(var, *first, how, field) {
                        return Err(BackendError::new(ErrorKind::Invalid, why));
                    }
                }
                None => uses.push((var.to_owned(), how, self.field.clone())),
            }
        }
        self.sources.env.get(var)
    }

    /// A key or bucket name, given in the struct or read from the environment and checked by
    /// `rule`; each is read once per load however many fields name it.
    pub(crate) fn name(
        &mut self,
        name: NameRef,
        rule: &'static NameRule,
    ) -> Result<Arc<str>, BackendError> {
        self.names.resolve(&self.sources.env, name, rule)
    }

    /// Records `request` in family `F`'s batch; an equal request made before is reused.
    pub(crate) fn request<F: Family>(&mut self, request: F::Request) -> RequestId {
        let batch = self
            .batches
            .iter()
            .position(|batch| batch.family() == TypeId::of::<F>())
            .unwrap_or_else(|| {
                self.batches.push(Box::new(Batch::<F>::new()));
                self.batches.len() - 1
            });
        let index = self.batches[batch]
            .as_any_mut()
            .downcast_mut::<Batch<F>>()
            .map_or(0, |typed| typed.intern(request));
        RequestId { batch, index }
    }
}

/// Why env `var` cannot be read `here` as well as `first` (by `field`), or `None` when both
/// can be right: the rules the derive applies within one struct.
fn conflict(var: &str, first: Use, here: Use, field: &str) -> Option<String> {
    match (first, here) {
        (
            Use::Ciphertext { family: a, key: ka },
            Use::Ciphertext { family: b, key: kb },
        ) => (a != b || ka != kb).then(|| {
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
