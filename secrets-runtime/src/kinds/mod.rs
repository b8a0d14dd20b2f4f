//! The source kinds, one file each: its spec (what the derive emits for a field), how it plans
//! a field, and how it describes where the field comes from. A provider family a kind talks
//! to is defined beside it.
//!
//! Adding a kind: a file here and its line below, its family's re-export in `family.rs` if it
//! brings one, and the derive's side (`secrets-derive/src/kinds/`).

pub mod aws_kms;
pub mod aws_secret;
pub mod berglas;
pub mod bundle;
pub mod env;
pub mod file;
pub mod gcs;
pub mod kms;
pub mod s3;
pub mod secret_manager;
pub mod ssm;
