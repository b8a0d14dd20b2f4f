//! `#[env(split = ",")] origins: Vec<String>`: one value read as a list of items, each
//! converted as a field of the item's type would be. The same for every source kind: the
//! split happens on the bytes the source produced, after any JSON key was picked.
//!
//! Errors name an item by its position, never by its text: the value may be a secret.

use zeroize::Zeroizing;

use super::{ConvertError, FromSecret, into_text};
use crate::backend::SecretBytes;

/// The items of `bytes` between each `separator`, each trimmed and converted to `T`.
pub(crate) fn split<T: FromSecret<M>, M>(
    bytes: SecretBytes,
    separator: &str,
) -> Result<Vec<T>, ConvertError> {
    let text = Zeroizing::new(into_text(bytes)?);
    let items = secrets_names::list_items(&text, separator).map_err(ConvertError::new)?;
    let count = items.len();
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let position = index + 1;
            let item = item.map_err(ConvertError::new)?;
            T::from_secret(SecretBytes::new(item.as_bytes().to_vec()))
                .map_err(|why| item_error(position, count, why.message()))
        })
        .collect()
}

/// The item's conversion error, said of the item: "the value is not a valid u16" becomes
/// "item 2 of 3 is not a valid u16".
fn item_error(position: usize, count: usize, message: &str) -> ConvertError {
    let item = format!("item {position} of {count}");
    ConvertError::new(match message.strip_prefix("the value ") {
        Some(rest) => format!("{item} {rest}"),
        None => format!("{item}: {message}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list<T: FromSecret<M>, M>(text: &str, separator: &str) -> Result<Vec<T>, String> {
        split(SecretBytes::new(text.as_bytes().to_vec()), separator)
            .map_err(|why| why.message().to_owned())
    }

    #[test]
    fn items_are_trimmed_and_converted() {
        assert_eq!(
            list::<String, _>(" a.example , b.example,c ", ","),
            Ok(vec!["a.example".into(), "b.example".into(), "c".into()])
        );
        assert_eq!(list::<u16, _>("80::443", "::"), Ok(vec![80, 443]));
        assert_eq!(list::<u16, _>("80", ";"), Ok(vec![80]));
    }

    #[test]
    fn errors_name_the_position_never_the_text() {
        assert_eq!(
            list::<String, _>("s3cr3t,,other,x", ","),
            Err("item 2 of 4 is empty".into())
        );
        assert_eq!(
            list::<String, _>("s3cr3t,", ","),
            Err("item 2 of 2 is empty".into())
        );
        assert_eq!(
            list::<u16, _>("80,s3cr3t", ","),
            Err("item 2 of 2 is not a valid u16: invalid digit found in string".into())
        );
        assert_eq!(
            list::<u16, _>(" ", ","),
            Err("the value is empty; a list needs at least one item".into())
        );
    }
}
