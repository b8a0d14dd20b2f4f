//! Typed reading of `#[kind]` and `#[kind(key = "value", flag, ...)]`. A kind names each of its
//! keys once, with the slot its value goes into; the slot's type checks the value as it is
//! parsed, so the error lands on the literal. Rules across keys and fields live elsewhere.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Meta, Token};

use crate::ctxt::{Ctxt, Reported};
use crate::suggest;

/// A value parsed from a string literal and checked on the way.
pub trait FromLit: Sized {
    /// The value of `key = "..."`, or what is wrong with it and how to fix it.
    fn from_lit(key: &str, lit: &LitStr) -> Result<Self, String>;
}

/// A checked value and where its literal was written.
pub struct Lit<T> {
    pub value: T,
    pub span: Span,
}

/// `key = "..."`, given at most once.
#[derive(Default)]
pub enum Attr<T> {
    #[default]
    Absent,
    Valid(Lit<T>),
    /// Given, but broke its rule: the error is recorded.
    Invalid(Span, Reported),
}

impl<T> Attr<T> {
    /// The value if given; `Err` when it was given but broke its rule (standing in a default
    /// for it would only report guesses).
    pub fn get(&self) -> Result<Option<&Lit<T>>, Reported> {
        match self {
            Self::Absent => Ok(None),
            Self::Valid(value) => Ok(Some(value)),
            Self::Invalid(_, reported) => Err(*reported),
        }
    }

    /// Where the literal was written, valid or not.
    pub fn given(&self) -> Option<Span> {
        match self {
            Self::Absent => None,
            Self::Valid(value) => Some(value.span),
            Self::Invalid(span, _) => Some(*span),
        }
    }
}

/// A key without a value: `nested`.
#[derive(Default)]
pub struct Flag {
    given: Option<Span>,
}

impl Flag {
    pub fn is_set(&self) -> bool {
        self.given.is_some()
    }
}

/// The key being read, for messages.
#[derive(Clone, Copy)]
pub struct Here<'a> {
    pub kind: &'a str,
    pub key: &'a str,
}

/// Where the value of one key goes.
pub trait Slot {
    /// Reads what follows the key: `= "..."`, or nothing for a flag. `Some` when the key
    /// could not be read, so what the attribute seems to leave out is not reported too.
    fn read(
        &mut self,
        cx: &Ctxt,
        here: Here,
        meta: &ParseNestedMeta,
    ) -> syn::Result<Option<Reported>>;
    /// Takes `literal` as the key's value, given without the key (`#[env("PORT")]`); a
    /// duplicate is reported at `at`.
    fn read_literal(&mut self, cx: &Ctxt, here: Here, at: &dyn ToTokens, literal: &LitStr);
    /// Where the key was given.
    fn given(&self) -> Option<Span>;
    /// The key as written in an example: `name = "..."`, or `nested`.
    fn example(&self, key: &str) -> String;
}

impl<T: FromLit> Slot for Attr<T> {
    fn read(
        &mut self,
        cx: &Ctxt,
        here: Here,
        meta: &ParseNestedMeta,
    ) -> syn::Result<Option<Reported>> {
        let key = here.key;
        let fix = self.example(key);
        // `key` alone, or `key(...)`
        if !meta.input.peek(Token![=]) {
            let reported =
                cx.error_spanned_by(&meta.path, format!("`{key}` takes a value: `{fix}`"));
            skip_value(meta.input)?;
            return Ok(Some(reported));
        }
        let value = meta.value()?;
        // `key = 8080`, `key = ident`, `key = `
        if !value.peek(LitStr) {
            let message = format!("`{key}` takes a string literal: `{fix}`");
            let reported = if value.is_empty() || value.peek(Token![,]) {
                // Nothing after `=`: no token to point at but the key.
                cx.error_spanned_by(&meta.path, message)
            } else {
                let token: TokenTree = value.parse()?;
                cx.error_spanned_by(token, message)
            };
            skip_value(value)?;
            return Ok(Some(reported));
        }
        // `key = "..."`
        let literal: LitStr = value.parse()?;
        self.read_literal(cx, here, &meta.path, &literal);
        Ok(None)
    }

    fn read_literal(&mut self, cx: &Ctxt, here: Here, at: &dyn ToTokens, literal: &LitStr) {
        let Here { kind, key } = here;
        if self.given().is_some() {
            // The first value stands; the attribute is still read in full.
            cx.error_spanned_by(at, format!("duplicate {kind} attribute `{key}`; keep one"));
            return;
        }
        let span = literal.span();
        *self = match T::from_lit(key, literal) {
            Ok(value) => Self::Valid(Lit { value, span }),
            // The key is known and present, so nothing it leaves out is a guess: the
            // attribute still counts as read (`Attr::get` holds back the value).
            Err(why) => Self::Invalid(span, cx.error_spanned_by(literal, why)),
        };
    }

    fn given(&self) -> Option<Span> {
        Attr::given(self)
    }

    fn example(&self, key: &str) -> String {
        format!("{key} = \"...\"")
    }
}

impl Slot for Flag {
    fn read(
        &mut self,
        cx: &Ctxt,
        here: Here,
        meta: &ParseNestedMeta,
    ) -> syn::Result<Option<Reported>> {
        let Here { kind, key } = here;
        // `flag = ...` or `flag(...)`
        if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
            let reported = cx.error_spanned_by(
                &meta.path,
                format!("`{key}` takes no value: write `{key}` alone"),
            );
            skip_value(meta.input)?;
            return Ok(Some(reported));
        }
        if self.given.is_some() {
            cx.error_spanned_by(
                &meta.path,
                format!("duplicate {kind} attribute `{key}`; keep one"),
            );
        } else {
            self.given = Some(meta.path.span());
        }
        Ok(None)
    }

    fn read_literal(&mut self, cx: &Ctxt, here: Here, _: &dyn ToTokens, literal: &LitStr) {
        // Never reached: only a key that takes a value is positional.
        let key = here.key;
        cx.error_spanned_by(
            literal,
            format!("`{key}` takes no value: write `{key}` alone"),
        );
    }

    fn given(&self) -> Option<Span> {
        self.given
    }

    fn example(&self, key: &str) -> String {
        key.to_owned()
    }
}

/// A set of keys, looked up by name.
pub trait Keys {
    /// Every key, in the order messages list them.
    fn names(&self) -> Vec<&'static str>;
    fn slot(&mut self, key: &str) -> Option<&mut dyn Slot>;
    /// The key a string literal given alone stands for: `name` in `#[env("PORT")]`. `None`
    /// where a lone literal could mean more than one key.
    fn positional(&self) -> Option<&'static str> {
        None
    }
    /// A hint for a key that is not one of these but belongs somewhere else.
    fn misplaced(&self, _key: &str) -> Option<String> {
        None
    }
}

/// One key of a kind: its name and the field of the kind's key struct `K` it fills.
pub struct Key<K> {
    name: &'static str,
    slot: fn(&mut K) -> &mut dyn Slot,
    positional: bool,
}

impl<K> Key<K> {
    pub const fn new(name: &'static str, slot: fn(&mut K) -> &mut dyn Slot) -> Self {
        Self {
            name,
            slot,
            positional: false,
        }
    }

    /// A key that may also be given as a lone string literal first: `#[env("PORT")]`.
    pub const fn positional(name: &'static str, slot: fn(&mut K) -> &mut dyn Slot) -> Self {
        Self {
            name,
            slot,
            positional: true,
        }
    }
}

/// Two keys that name one thing in two ways (`bucket` and `bucket_env`): one of them at most.
pub struct Exclusive {
    pub first: &'static str,
    pub second: &'static str,
    /// What both name: "the bucket".
    pub what: &'static str,
}

/// The keys of one kind of attribute.
pub struct Spec<K: 'static> {
    pub keys: &'static [Key<K>],
    pub exclusive: &'static [Exclusive],
}

struct Table<'a, K: 'static> {
    values: &'a mut K,
    spec: &'a Spec<K>,
}

impl<K> Keys for Table<'_, K> {
    fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.spec.keys.iter().map(|key| key.name).collect();
        // Every kind takes `split`, which `list` reads before the kind sees the attribute:
        // named here only so that a misspelled key is told about it.
        names.push("split");
        names
    }

    fn slot(&mut self, name: &str) -> Option<&mut dyn Slot> {
        let key = self.spec.keys.iter().find(|key| key.name == name)?;
        Some((key.slot)(self.values))
    }

    fn positional(&self) -> Option<&'static str> {
        let key = self.spec.keys.iter().find(|key| key.positional)?;
        Some(key.name)
    }
}

/// The keys of one attribute, and whether every one of them could be read.
pub struct Parsed<K> {
    pub keys: K,
    unread: Option<Reported>,
}

impl<K> Parsed<K> {
    /// The keys, when each one could be read: with a key unknown or without its value, what
    /// the attribute seems to leave out may only be misspelled, and is not reported.
    pub fn read(self) -> Result<K, Reported> {
        match self.unread {
            None => Ok(self.keys),
            Some(reported) => Err(reported),
        }
    }
}

/// Reads `attr` with the keys of `spec`, and checks its exclusive pairs.
pub fn parse<K: Default>(cx: &Ctxt, attr: &Attribute, spec: &Spec<K>) -> Parsed<K> {
    let mut keys = K::default();
    let mut table = Table {
        values: &mut keys,
        spec,
    };
    let unread = read(cx, attr, &mut table);
    for pair in spec.exclusive {
        let mut given = |name| table.slot(name).and_then(|slot| slot.given());
        if let (Some(_), Some(also)) = (given(pair.first), given(pair.second)) {
            cx.error_at(
                also,
                format!(
                    "`{}` and `{}` both name {}; keep one of them",
                    pair.first, pair.second, pair.what
                ),
            );
        }
    }
    Parsed { keys, unread }
}

/// The name of an attribute: `env` for `#[env(...)]`.
pub fn kind_of(attr: &Attribute) -> String {
    attr.path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Reads every key of `attr` into `keys`, recording every problem and going on, so one
/// compile shows them all. `Some` when a key could not be read.
pub fn read(cx: &Ctxt, attr: &Attribute, keys: &mut dyn Keys) -> Option<Reported> {
    let kind = kind_of(attr);
    let names = keys.names();
    let list = match &attr.meta {
        // #[kind]
        Meta::Path(_) => return None,
        // #[kind = ...]
        Meta::NameValue(meta) => {
            let example = names.first().map_or(String::new(), |first| {
                let example = keys.slot(first).map(|slot| slot.example(first));
                format!("({})", example.unwrap_or_default())
            });
            return Some(cx.error_spanned_by(
                meta,
                format!("expected `#[{kind}]` or `#[{kind}{example}]`"),
            ));
        }
        // #[kind(...)]
        Meta::List(list) => list,
    };
    let (positional, rest) = split_positional(&list.tokens);
    let mut unread = positional.and_then(|literal| read_positional(cx, &kind, keys, &literal));
    let parsed = syn::meta::parser(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let here = Here {
            kind: &kind,
            key: &key,
        };
        let Some(slot) = keys.slot(&key) else {
            unread = Some(unknown(cx, &meta, here, keys, &names));
            return skip_value(meta.input);
        };
        if let Some(reported) = slot.read(cx, here, &meta)? {
            unread = Some(reported);
        }
        Ok(())
    })
    .parse2(rest);
    if let Err(error) = parsed {
        // Syntax the parser could not get past: the keys after it were never read.
        unread = Some(cx.syn_error(error));
    }
    unread
}

/// A string literal before the keys (`#[env("PORT", default = "80")]`), and the tokens
/// after it and its comma; no literal when the list starts otherwise.
fn split_positional(tokens: &TokenStream) -> (Option<LitStr>, TokenStream) {
    let mut iter = tokens.clone().into_iter().peekable();
    let literal = match iter.peek() {
        Some(TokenTree::Literal(literal)) => syn::parse2::<LitStr>(literal.to_token_stream()).ok(),
        _ => None,
    };
    if literal.is_none() {
        return (None, tokens.clone());
    }
    iter.next();
    if matches!(iter.peek(), Some(TokenTree::Punct(comma)) if comma.as_char() == ',') {
        iter.next();
    }
    (literal, iter.collect())
}

/// Stores a lone literal in the kind's positional key; where there is none, the literal could
/// be any of several keys, and the hint shows them with the value written in.
fn read_positional(
    cx: &Ctxt,
    kind: &str,
    keys: &mut dyn Keys,
    literal: &LitStr,
) -> Option<Reported> {
    if let Some(key) = keys.positional() {
        let slot = keys.slot(key)?;
        slot.read_literal(cx, Here { kind, key }, literal, literal);
        return None;
    }
    let value = literal.value();
    let examples: Vec<String> = keys
        .names()
        .into_iter()
        .filter(|name| {
            // Only the keys that take a string.
            let example = keys.slot(name).map(|slot| slot.example(name));
            example.is_some_and(|example| example.contains('='))
        })
        .map(|name| format!("{name} = {value:?}"))
        .collect();
    let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
    Some(cx.error_spanned_by(
        literal,
        format!(
            "a string alone is ambiguous in `#[{kind}(...)]`; name its key: write {}",
            suggest::one_of(&examples)
        ),
    ))
}

fn unknown(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    Here { kind, key }: Here,
    keys: &dyn Keys,
    names: &[&str],
) -> Reported {
    // A key is one identifier; anything longer is shown as written, without the spaces
    // token printing puts between `::` and names.
    let shown = meta.path.to_token_stream().to_string().replace(' ', "");
    let message = keys.misplaced(key).unwrap_or_else(|| {
        let hint = suggest::nearest(key, names)
            .map_or(String::new(), |near| format!("did you mean `{near}`? "));
        format!(
            "unknown {kind} attribute `{shown}`; {hint}expected {}",
            suggest::one_of(names)
        )
    });
    cx.error_spanned_by(&meta.path, message)
}

/// Consumes whatever follows an unusable key up to the next comma: `= value` or `(...)`.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}
