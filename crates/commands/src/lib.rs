//! The commands of `handover-migrate` as one API: what the CLI calls.
//!
//! Each command opens a [`Context`] (where the project lives, the providers of this run, the
//! state directory), loads and analyses the project, and does one job. The CLI adds flags,
//! prompts and printing on top; it depends on this crate and on `handover-migrate-core`
//! only, so the types it shows are re-exported here.
//!
//! - [`context`]: [`Options`] (the command line's choices) → [`Context`] → [`Loaded`];
//! - [`mod@apply`] (apply, retarget), [`mod@cleanup`] (verify, cleanup), [`history`] (rollback,
//!   purge, unlock), [`inspect`] (scan, plan, report, answers template, providers),
//!   [`doctor`] (is a tenant or clone ready for an unattended apply; read-only).

pub mod apply;
pub mod cleanup;
pub mod context;
pub mod doctor;
pub mod fleet;
pub mod history;
pub mod inspect;

pub use apply::{apply, ApplyOutcome};
pub use cleanup::{cleanup, verify, CleanupOutcome};
pub use context::{
    leave_loaded_to_exit, registry, Context, Loaded, Options, ProjectState, Providers, Target, TenantOptions,
};
pub use history::{purge, rollback, rollback_candidate, unlock};

// What the commands return and the CLI shows.
pub use handover_migrate_engine::analysis::Retarget;
pub use handover_migrate_engine::answers::{self, Answers, Secret};
pub use handover_migrate_engine::plan::{self, Plan};
pub use handover_migrate_engine::plan_saved::SavedPlan;
pub use handover_migrate_engine::report::{self, Report};
pub use handover_migrate_engine::scan::{self, ScanReport};
pub use handover_migrate_engine::verify::{CleanupItem, VerifyReport};
pub use handover_migrate_io::progress;
pub use handover_migrate_io::run::{RollbackOutcome, RunInfo, RunOutcome, RunState};
pub use handover_migrate_io::{Error, ErrorKind, InputNeeded, Result};
pub use handover_migrate_plugins::isolated::{IsolationChoice, IsolationState};
pub use handover_migrate_plugins::{Registered, Registry, Source};

/// Write a file the user asked for (`--out`): atomically, with `mode` when it is new.
pub fn write_output(path: &std::path::Path, text: &str, mode: u32) -> Result<()> {
    handover_migrate_io::fsio::write_atomic(path, text.as_bytes(), mode)
}

/// Whether nothing is at `path` (not even a dangling link).
pub fn is_missing(path: &std::path::Path) -> Result<bool> {
    Ok(handover_migrate_io::fsio::entry(path)? == handover_migrate_io::fsio::Entry::Missing)
}
