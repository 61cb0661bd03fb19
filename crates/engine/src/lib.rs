//! The `handover-migrate` engine: everything between a project's files (or the tenant's
//! answers, read by `handover-migrate-tenant` into the same model) and the change set.
//! It does no network I/O, and it writes project files only through `handover-migrate-io`'s
//! journaled runs.
//!
//! - [`model`]: the project model every mode reads into;
//!   [`clone`]: the reader of a `cognigy clone` directory, where every input check lives;
//! - [`analysis`]: endpoints → provider groups; flows → endpoints; nodes → resolution;
//!   [`analysis::retarget`]: the same shape for re-pointing nodes between providers;
//! - [`plan`]: the secret-free change set and the file contents that realise it;
//! - [`verify`]: what is left to migrate, and which endpoints cleanup may touch;
//! - [`answers`]: what a person supplies besides the project (the answers file, the
//!   project's `handover-migrate.toml`); [`questions`]: what the project still asks of a
//!   person (the answers template, guided mode's questions);
//! - [`names`], [`jsonedit`]: provider names and the byte-preserving JSON splice.

pub mod analysis;
pub mod answers;
pub mod clone;
pub mod jsonedit;
pub mod model;
pub mod names;
pub mod plan;
pub mod plan_saved;
pub mod questions;
pub mod report;
pub mod scan;
pub mod status;
pub mod verify;

pub use handover_migrate_io::{Error, ErrorKind, Result};
