//! From the replies to each field's slot. Absence is decided here, once, for every source
//! kind and every backend (a user's own included): a reply of `None` or an error of kind
//! [`Missing`](crate::ErrorKind::Missing) is absence, which an `Option` field loads as `None`.

use super::plan::{Leaf, Step};
use super::send::{AnyBatch, Reply};
use crate::BackendError;
use crate::json::{self, JsonObject};
use crate::loaded::{Settled, Slot};
use crate::spec::Pick;

/// Each field's outcome. A reply is parsed as JSON at most once, when a field first picks a
/// key of it, however many fields pick from it.
pub(crate) fn settle(
    leaves: Vec<Leaf>,
    batches: &[Box<dyn AnyBatch>],
    replies: &[Vec<Reply>],
) -> Vec<Settled> {
    let mut parsed: Vec<Vec<Option<Result<JsonObject<'_>, BackendError>>>> = replies
        .iter()
        .map(|batch| batch.iter().map(|_| None).collect())
        .collect();
    leaves
        .into_iter()
        .map(|leaf| {
            let slot = match leaf.step {
                Step::Done(slot) => slot,
                Step::Pending(id, pick) => match &replies[id.batch][id.index] {
                    Ok(Some(bytes)) => match pick {
                        Pick::Whole => Slot::Value(bytes.clone()),
                        Pick::JsonKey(key) => {
                            match parsed[id.batch][id.index]
                                .get_or_insert_with(|| json::parse_object(bytes))
                            {
                                Ok(object) => json::pick(object, key)
                                    .map_or_else(Slot::from_error, Slot::Value),
                                Err(why) => Slot::Failed(why.clone()),
                            }
                        }
                    },
                    Ok(None) => Slot::Absent(batches[id.batch].not_found(id.index)),
                    Err(why) => Slot::from_error(why.clone()),
                },
            };
            Settled {
                name: leaf.name,
                path: leaf.path,
                origin: leaf.origin,
                slot,
            }
        })
        .collect()
}
