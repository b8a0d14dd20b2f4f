//! The standard field types whose parsing the derive can know from the type as written, so a
//! `default` that would fail at run time (only when its var is unset, which may be never in
//! tests) fails at compile time instead. Each is parsed with the `FromStr` the runtime uses.
//! A type not listed here (the user's own, an alias) is left to the runtime.

use std::str::FromStr;

use syn::{GenericArgument, PathArguments, Type};

/// `Err` with the message when `value` does not parse as `ty`; `Ok` when it does or when `ty`
/// is not a type known here.
pub fn check_default(ty: &Type, value: &str) -> Result<(), String> {
    let Some(name) = known_name(ty) else {
        return Ok(());
    };
    let Some(parse) = PARSERS.iter().find(|(known, _)| *known == name) else {
        return Ok(());
    };
    (parse.1)(value).map_err(|why| format!("`{value}` is not a valid {name} default: {why}"))
}

/// Parses with `T`'s `FromStr`, keeping only the reason.
fn parse<T: FromStr>(value: &str) -> Result<(), String>
where
    T::Err: std::fmt::Display,
{
    value.parse::<T>().map(drop).map_err(|why| why.to_string())
}

type Parser = fn(&str) -> Result<(), String>;

/// Every known type by the name it is written with, and its parser.
const PARSERS: &[(&str, Parser)] = &[
    ("i8", parse::<i8>),
    ("i16", parse::<i16>),
    ("i32", parse::<i32>),
    ("i64", parse::<i64>),
    ("i128", parse::<i128>),
    ("isize", parse::<isize>),
    ("u8", parse::<u8>),
    ("u16", parse::<u16>),
    ("u32", parse::<u32>),
    ("u64", parse::<u64>),
    ("u128", parse::<u128>),
    ("usize", parse::<usize>),
    ("f32", parse::<f32>),
    ("f64", parse::<f64>),
    ("bool", parse::<bool>),
    ("char", parse::<char>),
    ("String", parse::<String>),
    ("IpAddr", parse::<std::net::IpAddr>),
    ("Ipv4Addr", parse::<std::net::Ipv4Addr>),
    ("Ipv6Addr", parse::<std::net::Ipv6Addr>),
    ("SocketAddr", parse::<std::net::SocketAddr>),
];

/// The address types, the only ones also recognised by their full path.
const NET: &[&str] = &["IpAddr", "Ipv4Addr", "Ipv6Addr", "SocketAddr"];

/// The name of a type written as one identifier (`u16`), or as `std::net::X` / `core::net::X`
/// (with or without a leading `::`) for the address types. Anything with generics, a
/// `qself`, or another path is a type the derive cannot know.
pub fn known_name(ty: &Type) -> Option<String> {
    let mut ty = ty;
    while let Type::Group(group) = ty {
        ty = &group.elem;
    }
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some()
        || path
            .path
            .segments
            .iter()
            .any(|segment| !matches!(segment.arguments, PathArguments::None))
    {
        return None;
    }
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match segments.as_slice() {
        [name] if path.path.leading_colon.is_none() => Some(name.clone()),
        [root, net, name]
            if (root == "std" || root == "core")
                && net == "net"
                && NET.contains(&name.as_str()) =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

/// `T` of `Name<T>` as written (any path ending in `Name`): how the derive tells an `Option`
/// or a `Vec` by its spelling, as serde does.
pub fn argument_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let mut ty = ty;
    while let Type::Group(group) = ty {
        ty = &group.elem;
    }
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn known_types_are_parsed_as_the_runtime_parses_them() {
        let u16: Type = parse_quote!(u16);
        assert_eq!(
            check_default(&u16, "eighty").unwrap_err(),
            "`eighty` is not a valid u16 default: invalid digit found in string"
        );
        assert!(check_default(&u16, "8080").is_ok());
        let addr: Type = parse_quote!(::std::net::SocketAddr);
        assert!(check_default(&addr, "0.0.0.0:8080").is_ok());
        assert!(check_default(&addr, "0.0.0.0").is_err());
        let char: Type = parse_quote!(char);
        assert!(check_default(&char, "ab").is_err());
        let float: Type = parse_quote!(f64);
        assert!(check_default(&float, "0.5").is_ok());
    }

    #[test]
    fn unknown_types_are_left_to_the_runtime() {
        for ty in [
            parse_quote!(Port),
            parse_quote!(my::u16),
            parse_quote!(other::net::IpAddr),
            parse_quote!(Vec<u16>),
            parse_quote!(<T as Tr>::Out),
        ] {
            let shown = quote::ToTokens::to_token_stream(&ty).to_string();
            assert!(check_default(&ty, "eighty").is_ok(), "{shown}");
        }
    }
}
