//! The `handover-migrate` engine.
//!
//! Everything between the command line and the provider contract lives here:
//!
//! - [`clone`]: the offline store (a `cognigy clone` directory) and its input checks;
//! - [`analysis`]: discovery, grouping of endpoints into providers, attribution of nodes;
//!   [`retarget`]: the same shape for re-pointing nodes from one provider to another;
//! - [`plan`]: the secret-free change set and the file contents that realise it;
//! - [`journal`] and [`run`]: journaled, crash-safe apply, cleanup and rollback;
//! - [`verify`]: what is left to migrate; [`cleanup`]: removing legacy settings;
//! - [`registry`]: the providers this run knows; [`plugins`]: discovering, pinning and
//!   loading third-party providers (Rust, C and declarative);
//! - [`fsio`], [`jsonedit`], [`lock`], [`failpoint`]: the safety mechanics;
//! - [`progress`]: long phases reported to a listener (the CLI's progress bars).
//!
//! The CLI (`handover-migrate`) only parses flags, prompts and prints.

pub mod analysis;
pub mod api;
pub mod clone;
pub mod error;
pub mod failpoint;
pub mod fsio;
pub mod jsonedit;
pub mod names;
pub mod plan;
pub mod plugins;
pub mod progress;
pub mod registry;
pub mod retarget;
pub mod settings;

pub use error::{Error, ErrorKind, Result};
pub mod journal;
pub mod lock;
pub mod ops;
pub mod run;
pub mod verify;
