//! The model of a `#[derive(Secrets)]` input, borrowing from syn so errors can point at the
//! original tokens. Valid by construction: a field is in the model only with its one source
//! resolved (or as a nested struct); a field left out always recorded why, so a model with
//! no errors recorded is complete.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, Type};

use crate::container::Container;
use crate::ctxt::{Ctxt, Reported};
use crate::kinds::{self, FieldCx, KINDS};
use crate::list::{self, List, Split};
use crate::nested::{self, TypeCheck};
use crate::source::Resolved;

pub struct Input<'a> {
    pub ident: &'a Ident,
    /// The path generated code names the runtime by: `::secrets_runtime` unless overridden.
    pub krate: TokenStream,
    pub fields: Vec<Field<'a>>,
    /// Every field's type, including those left out of `fields`, for the fallback's checks.
    pub types: Vec<FieldType<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub load: Load,
    /// `split = "..."`: the value is a list of items.
    pub list: Option<List<'a>>,
}

pub enum Load {
    Source(Resolved),
    /// `#[secrets(nested, prefix = "...")]`; the prefix is `""` without one.
    Nested {
        prefix: String,
    },
}

/// A field's type and how the fallback checks it.
pub struct FieldType<'a> {
    pub ty: &'a Type,
    pub check: TypeCheck,
}

impl<'a> Input<'a> {
    /// The model of every field that could have one; errors for the rest are recorded.
    pub fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> Self {
        let container = Container::from_attrs(cx, &node.attrs);
        let krate = container.krate();
        let private = quote!(#krate::__private);
        let mut input = Input {
            ident: &node.ident,
            krate,
            fields: Vec::new(),
            types: Vec::new(),
        };
        let Ok(named) = named_fields(cx, node) else {
            return input;
        };
        if !node.generics.params.is_empty() {
            cx.error_spanned_by(
                &node.generics,
                "`#[derive(Secrets)]` does not support generic parameters; give each field a concrete type",
            );
        }
        for field in named {
            // Named fields always have a name.
            let Some(ident) = &field.ident else { continue };
            let nesting = nested::parse(cx, &field.attrs);
            let ty = &field.ty;
            let (attrs, split) = list::strip(cx, &field.attrs, ty);
            let (checked, check, list) = match split {
                Split::None => (ty, nesting.check, None),
                // What converts is the item: `Vec<T>` is no `FromSecret` itself.
                Split::List(list) => (list.item, TypeCheck::Value, Some(list)),
                // A wrong `split` may have meant a list: checking the whole type is a guess.
                Split::Invalid(_) => (ty, TypeCheck::Neither, None),
            };
            input.types.push(FieldType { ty: checked, check });
            let attrs = &attrs;
            let cx_field = |attr| FieldCx {
                ident,
                ty,
                list: list.as_ref(),
                attr,
                container: &container,
                private: &private,
            };
            match load(cx, ident, attrs, nesting.prefix, cx_field) {
                Ok(load) => input.fields.push(Field {
                    ident,
                    ty,
                    load,
                    list,
                }),
                // `#[env(splits = ",")] v: Vec<String>`: the typo is reported; that `Vec`
                // does not load without `split` would be a second, misleading error.
                Err(_) if list.is_none() && list::could_be_list(ty) => {
                    if let Some(last) = input.types.last_mut() {
                        last.check = TypeCheck::Neither;
                    }
                }
                Err(_) => {}
            }
        }
        input
    }
}

impl Field<'_> {
    /// The field name as written, without `r#`.
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

fn named_fields<'a>(
    cx: &Ctxt,
    node: &'a DeriveInput,
) -> Result<impl Iterator<Item = &'a syn::Field>, Reported> {
    match &node.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Ok(named.named.iter()),
            other => {
                let what = if matches!(other, Fields::Unit) {
                    "unit structs"
                } else {
                    "tuple structs"
                };
                Err(cx.error_spanned_by(
                    &node.ident,
                    format!("`#[derive(Secrets)]` needs named fields, not {what}: a field's name gives its env var"),
                ))
            }
        },
        Data::Enum(data) => Err(cx.error_spanned_by(
            data.enum_token,
            "`#[derive(Secrets)]` works on structs with named fields, not enums",
        )),
        Data::Union(data) => Err(cx.error_spanned_by(
            data.union_token,
            "`#[derive(Secrets)]` works on structs with named fields, not unions",
        )),
    }
}

/// How one field loads: nested, or from exactly one source attribute.
fn load<'a>(
    cx: &Ctxt,
    ident: &Ident,
    attrs: &'a [Attribute],
    nested: Result<Option<String>, Reported>,
    field: impl Fn(&'a Attribute) -> FieldCx<'a>,
) -> Result<Load, Reported> {
    let name = ident.unraw();
    let sources: Vec<_> = attrs
        .iter()
        .filter_map(|attr| Some((attr, kinds::of(attr)?)))
        .collect();
    match (nested, sources.as_slice()) {
        (Ok(Some(prefix)), sources) => {
            for (attr, kind) in sources {
                cx.error_spanned_by(
                    attr,
                    format!(
                        "field `{name}` is a nested struct, which has no source of its own; remove `#[{}]` or `#[secrets(nested)]`",
                        kind.name()
                    ),
                );
            }
            Ok(Load::Nested { prefix })
        }
        // A `#[secrets]` that could not be read may have meant `nested`: not also "no source".
        (Err(reported), []) => Err(reported),
        (Ok(None), []) => {
            let examples: Vec<&str> = KINDS.iter().map(|kind| kind.example()).collect();
            Err(cx.error_spanned_by(
                ident,
                format!(
                    "field `{name}` has no source; add {}, or `#[secrets(nested)]` for a struct that derives `Secrets`",
                    crate::suggest::one_of(&examples)
                ),
            ))
        }
        (_, [(first, kind), rest @ ..]) => {
            for (extra, other) in rest {
                cx.error_spanned_by(
                    extra,
                    format!(
                        "field `{name}` already reads from `#[{}]`; a field has exactly one source, remove `#[{}]`",
                        kind.name(),
                        other.name()
                    ),
                );
            }
            kind.resolve(cx, &field(first)).map(Load::Source)
        }
    }
}
