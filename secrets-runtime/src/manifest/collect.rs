//! Walking a struct's spec into a [`Manifest`]: each source kind says what its field reads
//! through [`ManifestCx`], with the prefixes of nested structs applied as a load applies them.

use super::{EnvVar, Holds, Manifest, Name, Need, Resource};
use crate::spec::{Load, NameRef, StructSpec, Var};

/// What the fields of a struct tree read, gathered field by field; each source kind's
/// `needs` writes its field's part.
pub struct ManifestCx {
    manifest: Manifest,
    /// The prefix of the nested struct being walked: `""` at the top.
    prefix: String,
    /// The field being walked, by its path (`db.password`).
    field: String,
}

impl ManifestCx {
    /// The manifest of the struct tree `spec` describes.
    pub(crate) fn manifest(spec: &'static StructSpec) -> Manifest {
        let mut cx = Self {
            manifest: Manifest {
                name: spec.name,
                env: Vec::new(),
                resources: Vec::new(),
            },
            prefix: String::new(),
            field: String::new(),
        };
        cx.walk(spec, "");
        cx.manifest
    }

    /// Every field of `spec`, depth first in declaration order, as a load plans them.
    fn walk(&mut self, spec: &'static StructSpec, path: &str) {
        let joined = |name: &str| match path {
            "" => name.to_owned(),
            path => format!("{path}.{name}"),
        };
        for field in spec.fields {
            match field.load {
                Load::Source(source) => {
                    self.field = joined(field.name);
                    source.needs(self);
                }
                Load::Nested { prefix, spec } => {
                    let outer = self.prefix.len();
                    self.prefix.push_str(prefix);
                    self.walk(spec, &joined(field.name));
                    self.prefix.truncate(outer);
                }
            }
        }
    }

    /// The env var `var` names, read as `holds`: a name derived from a field takes the
    /// prefixes of the nested structs it is in, an explicit one is used as written.
    pub(crate) fn var(&mut self, var: Var, holds: Holds) -> String {
        let name = match var {
            Var::Field(name) => format!("{}{name}", self.prefix),
            Var::Named(name) => name.to_owned(),
        };
        self.reads(name.clone(), holds);
        name
    }

    /// A name written in the struct, or held by an env var, which is then recorded as
    /// holding `holds`. Env-held names are used as written, as a load uses them.
    pub(crate) fn name(&mut self, name: NameRef, holds: Holds) -> Name {
        if let NameRef::Env(var) = name {
            self.reads(var.to_owned(), holds);
        }
        name.into()
    }

    /// A field of the decrypt shape: `var` holds what `key` decrypts, in the form `holds`
    /// says (`#[kms]` ciphertext, a `#[bundle]`).
    pub(crate) fn decrypt(&mut self, var: Var, key: NameRef, holds: impl FnOnce(Name) -> Holds) {
        self.var(var, holds(key.into()));
        let key = self.name(key, Holds::KmsKeyName);
        self.needs(Resource::KmsKey { key });
    }

    /// The field reads `resource`; one already listed gets the field added.
    pub(crate) fn needs(&mut self, resource: Resource) {
        let resources = &mut self.manifest.resources;
        for need in resources.iter_mut() {
            if need.resource.absorb(&resource) {
                return add_field(&mut need.fields, &self.field);
            }
        }
        resources.push(Need {
            resource,
            fields: vec![self.field.clone()],
        });
    }

    fn reads(&mut self, name: String, holds: Holds) {
        let field = &self.field;
        let env = &mut self.manifest.env;
        match env.iter_mut().find(|v| v.name == name && v.holds == holds) {
            Some(var) => add_field(&mut var.fields, field),
            None => env.push(EnvVar {
                name,
                holds,
                fields: vec![field.clone()],
            }),
        }
    }
}

/// A field reading the same thing twice (a var holding its ciphertext and key name, say) is
/// listed once.
fn add_field(fields: &mut Vec<String>, field: &str) {
    if !fields.iter().any(|known| known == field) {
        fields.push(field.to_owned());
    }
}
