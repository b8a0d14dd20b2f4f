//! The items of a `split = "SEP"` list, as the runtime reads a value and the derive checks a
//! default: one rule in one place, so that a default the derive accepts loads.

/// The items of `text` between each `separator`, each trimmed, in order: an empty one as the
/// error that names it by its position (never the text, which may be a secret), so that a
/// caller reports the first bad item, empty or not, as it converts them.
///
/// # Errors
/// A blank `text`: a list needs an item.
pub fn list_items<'a>(
    text: &'a str,
    separator: &str,
) -> Result<Vec<Result<&'a str, String>>, String> {
    if text.trim().is_empty() {
        // Not an empty list: an unset source is how to say "none" (`Option<Vec<T>>`), and a
        // var set to nothing is more often a mistake than a choice.
        return Err("the value is empty; a list needs at least one item".to_owned());
    }
    let count = text.split(separator).count();
    let items = text.split(separator).map(str::trim).enumerate();
    Ok(items
        .map(|(at, item)| match item {
            "" => Err(format!("item {} of {count} is empty", at + 1)),
            item => Ok(item),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_trimmed_and_empty_ones_named_by_position() {
        assert_eq!(
            list_items(" a , b,c ", ","),
            Ok(vec![Ok("a"), Ok("b"), Ok("c")])
        );
        assert_eq!(list_items("80::443", "::"), Ok(vec![Ok("80"), Ok("443")]));
        assert_eq!(
            list_items("s3cr3t,,x", ","),
            Ok(vec![
                Ok("s3cr3t"),
                Err("item 2 of 3 is empty".into()),
                Ok("x")
            ])
        );
        assert_eq!(
            list_items("  ", ","),
            Err("the value is empty; a list needs at least one item".into())
        );
    }
}
