//! `split = ","` on any source attribute: the field is a `Vec<T>` (or `Option<Vec<T>>`) read
//! from one value, split into items. It is a key of every kind, read here once, because the
//! split is a conversion of the value the source produced, not a part of any source: the key
//! is taken out of the attribute before the kind reads the rest.

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::Parser;
use syn::{Attribute, LitStr, Meta, Type};

use crate::attr::{Attr, FromLit, Here, Slot, kind_of};
use crate::ctxt::{Ctxt, Reported};
use crate::kinds;
use crate::typed;

/// A field loaded as a list.
pub struct List<'a> {
    pub separator: String,
    /// `T` of `Vec<T>`.
    pub item: &'a Type,
    /// `Option<Vec<T>>`: `None` when the source holds nothing.
    pub optional: bool,
}

/// What `split` says of a field: not given, a valid list, or an error already reported.
pub enum Split<'a> {
    None,
    List(List<'a>),
    Invalid(Reported),
}

/// The separator: `split = ","`.
struct Separator(String);

impl FromLit for Separator {
    fn from_lit(key: &str, lit: &LitStr) -> Result<Self, String> {
        let separator = lit.value();
        if separator.is_empty() {
            return Err(format!(
                "`{key}` is empty; give the text between items: `{key} = \",\"`"
            ));
        }
        Ok(Self(separator))
    }
}

/// Reads `split` out of every source attribute of a field (a field with two is reported
/// elsewhere); returns the attributes without it, and what the first `split` says.
pub fn strip<'a>(cx: &Ctxt, attrs: &[Attribute], ty: &'a Type) -> (Vec<Attribute>, Split<'a>) {
    let mut first = Split::None;
    let attrs = attrs
        .iter()
        .map(|attr| {
            if kinds::of(attr).is_none() {
                return attr.clone();
            }
            let (stripped, split) = take(cx, attr, ty);
            if matches!(first, Split::None) {
                first = split;
            }
            stripped
        })
        .collect();
    (attrs, first)
}

/// Reads `split` out of `attr`; returns the attribute without it, for its kind to read.
fn take<'a>(cx: &Ctxt, attr: &Attribute, ty: &'a Type) -> (Attribute, Split<'a>) {
    let Meta::List(list) = &attr.meta else {
        return (attr.clone(), Split::None);
    };
    let kind = kind_of(attr);
    let mut separator = Attr::<Separator>::default();
    let mut rest: Vec<TokenStream> = Vec::new();
    let mut found = false;
    for segment in segments(&list.tokens) {
        let is_split = matches!(segment.clone().into_iter().next(),
            Some(TokenTree::Ident(ident)) if ident == "split");
        if !is_split {
            rest.push(segment);
            continue;
        }
        found = true;
        let here = Here {
            kind: &kind,
            key: "split",
        };
        // #[kind(split = "...")]
        let read = syn::meta::parser(|meta| separator.read(cx, here, &meta).map(drop));
        if let Err(error) = read.parse2(segment) {
            cx.syn_error(error);
        }
    }
    let mut stripped = attr.clone();
    if found && let Meta::List(list) = &mut stripped.meta {
        list.tokens = join(rest);
    }
    let split = match separator.get() {
        Ok(None) => Split::None,
        Ok(Some(given)) => match list_of(ty) {
            Ok((item, optional)) => Split::List(List {
                separator: given.value.0.clone(),
                item,
                optional,
            }),
            Err(why) => Split::Invalid(cx.error_at(given.span, why)),
        },
        Err(reported) => Split::Invalid(reported),
    };
    (stripped, split)
}

/// Whether `ty` could take `split`: a field of this type whose attribute failed to parse may
/// have misspelled it, and checking that the whole `Vec` loads would bury the real error.
pub fn could_be_list(ty: &Type) -> bool {
    list_of(ty).is_ok()
}

/// `T` of `Vec<T>` or `Option<Vec<T>>` (with whether it was the `Option`), or why `split`
/// cannot apply to `ty`.
fn list_of(ty: &Type) -> Result<(&Type, bool), String> {
    let not_a_list =
        || "`split` makes a list: the field's type must be `Vec<T>` or `Option<Vec<T>>`".to_owned();
    let (vec, optional) = match typed::argument_of(ty, "Option") {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    let item = typed::argument_of(vec, "Vec").ok_or_else(not_a_list)?;
    if typed::known_name(item).as_deref() == Some("u8") {
        return Err(
            "`split` does not apply to `Vec<u8>`, which loads the value's bytes as they are; remove `split`"
                .to_owned(),
        );
    }
    Ok((item, optional))
}

/// The keys of an attribute list, split at its top-level commas (a comma inside a group is
/// one token tree of the group, so never seen here).
fn segments(tokens: &TokenStream) -> Vec<TokenStream> {
    let mut segments = Vec::new();
    let mut current = TokenStream::new();
    for token in tokens.clone() {
        if matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ',') {
            segments.push(std::mem::take(&mut current));
        } else {
            current.extend([token]);
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

/// The segments with commas between them again.
fn join(segments: Vec<TokenStream>) -> TokenStream {
    let mut tokens = TokenStream::new();
    for (index, segment) in segments.into_iter().enumerate() {
        if index > 0 {
            tokens.extend(quote::quote!(,));
        }
        tokens.extend(segment);
    }
    tokens
}
