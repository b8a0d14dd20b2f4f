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
/// key of it, however many fields pick from it. A reply that no field parses is handed over
/// rather than copied: the last field that takes it whole takes its bytes themselves.
pub(crate) fn settle(
    leaves: Vec<Leaf>,
    batches: &[Box<dyn AnyBatch>],
    mut replies: Vec<Vec<Reply>>,
) -> Vec<Settled> {
    let mut whole: Vec<Vec<usize>> = replies.iter().map(|b| vec![0; b.len()]).collect();
    let mut parsed_by_some: Vec<Vec<bool>> = replies.iter().map(|b| vec![false; b.len()]).collect();
    for leaf in &leaves {
        if let Step::Pending(id, pick) = leaf.step {
            match pick {
                Pick::Whole => whole[id.batch][id.index] += 1,
                Pick::JsonKey(_) => parsed_by_some[id.batch][id.index] = true,
            }
        }
    }
    // The replies no field parses move here; the parsed ones stay, for the JSON cache to
    // borrow.
    let mut unparsed: Vec<Vec<Option<Reply>>> = replies
        .iter_mut()
        .zip(&parsed_by_some)
        .map(|(batch, parsed)| {
            batch
                .iter_mut()
                .zip(parsed)
                .map(|(reply, parsed)| (!parsed).then(|| std::mem::replace(reply, Ok(None))))
                .collect()
        })
        .collect();
    let replies = replies;
    let mut parsed: Vec<Vec<Option<Result<JsonObject<'_>, BackendError>>>> = replies
        .iter()
        .map(|batch| batch.iter().map(|_| None).collect())
        .collect();
    leaves
        .into_iter()
        .map(|leaf| {
            let slot = match leaf.step {
                Step::Done(slot) => slot,
                Step::Pending(id, Pick::Whole) => {
                    let (b, i) = (id.batch, id.index);
                    whole[b][i] -= 1;
                    let reply = match &mut unparsed[b][i] {
                        held @ Some(_) if whole[b][i] == 0 => held.take(),
                        held => held.clone(),
                    };
                    let reply = reply.unwrap_or_else(|| replies[b][i].clone());
                    match reply {
                        Ok(Some(bytes)) => Slot::Value(bytes),
                        Ok(None) => Slot::Absent(batches[b].not_found(i)),
                        Err(why) => Slot::from_error(why),
                    }
                }
                Step::Pending(id, Pick::JsonKey(key)) => match &replies[id.batch][id.index] {
                    Ok(Some(bytes)) => match parsed[id.batch][id.index]
                        .get_or_insert_with(|| json::parse_object(bytes))
                    {
                        Ok(object) => {
                            json::pick(object, key).map_or_else(Slot::from_error, Slot::Value)
                        }
                        Err(why) => Slot::Failed(why.clone()),
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
