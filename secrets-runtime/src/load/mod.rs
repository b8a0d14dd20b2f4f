//! One load, in three steps, each its own file:
//! - `plan`: every field of the struct tree (nested structs included) against the
//!   environment; each distinct request recorded once, in a batch per provider family;
//! - `send`: every batch at once, each request retried within the one deadline of the load;
//! - `settle`: each field's bytes from its request's reply (absence, the size cap and JSON
//!   picking decided here, once for every source kind).
//!
//! Source kinds plan their fields through the two shapes of `shape` (decrypt, fetch).
//! The generated `__assemble` then converts field by field (see `loaded`).

mod plan;
mod send;
mod settle;
mod shape;

pub(crate) use plan::Use;
pub use plan::{Planned, Planner};
pub(crate) use shape::{Decrypt, Fetch, decode, said_by_var};

use crate::Sources;
use crate::loaded::Loaded;
use crate::spec::StructSpec;

/// Loads every field of `spec` (and of the structs nested in it) from `sources`.
pub(crate) async fn fetch(sources: &Sources, spec: &'static StructSpec) -> Loaded {
    let (leaves, batches) = Planner::plan(sources, spec);
    let replies = send::send_all(&batches, sources).await;
    let leaves = settle::settle(leaves, &batches, replies);
    Loaded::new(spec.name, leaves)
}

#[cfg(test)]
mod tests;
