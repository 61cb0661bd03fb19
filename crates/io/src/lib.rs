//! The file mechanics of `handover-migrate`, knowing nothing of Cognigy or providers.
//!
//! - [`fsio`]: reading without following links, atomic and durable replacement, group commit;
//! - [`journal`]: the append-only, checksummed record of a run's writes;
//! - [`run`]: journaled runs over a project directory and the state directory that holds
//!   them: execute and resume (`run/execute.rs`), rollback and purge (`run/rollback.rs`);
//! - [`seal`]: the per-user key that authenticates journals and backups;
//! - [`lock`]: one command at a time per state directory;
//! - [`within`]: project paths checked and reached without following links (the project
//!   root is a wall);
//! - [`failpoint`]: crash points for the crash tests;
//! - [`progress`]: long phases reported to a listener (the CLI's progress bars);
//! - [`Error`]: the one error type of the tool, classified by what the user must do next.
//!
//! Architecture invariant: no project file is written unless a journal record naming it
//! (and, for an existing file, its backed-up pre-image) is on disk first.

pub mod error;
pub mod failpoint;
pub mod fsio;
pub mod journal;
pub mod lock;
pub mod progress;
pub mod run;
pub mod seal;
pub mod within;

pub use error::{Error, ErrorKind, InputNeeded, Result};

/// `base`, or `base (2)`, `base (3)`, … : the first that `taken` does not hold (the caller
/// compares case-insensitively where the name becomes a folder on a case-insensitive file
/// system).
pub fn unique_name(base: &str, taken: &dyn Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base} ({n})")).find(|candidate| !taken(candidate)).unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn unique_names_count_up() {
        let taken = |n: &str| n == "A" || n == "A (2)";
        assert_eq!(super::unique_name("A", &taken), "A (3)");
        assert_eq!(super::unique_name("B", &taken), "B");
    }
}
