//! The fleet record: per fleet run (apply or cleanup), which project run each project made,
//! so that a rerun continues the same fleet run and `fleet rollback` undoes it project by
//! project. Each project's own journal stays where a single run keeps it; this record only
//! points at those runs, and a project's rollback checks its own journal as usual.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handover_migrate_io::fsio::{self, Entry};
use handover_migrate_io::{Error, Result};
use serde::{Deserialize, Serialize};

use super::ProjectStatus;

const RUNS_DIR: &str = "runs";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FleetRun {
    pub id: String,
    /// `apply` or `cleanup`.
    pub command: String,
    /// Every project ended done or up to date: a rerun starts a new fleet run.
    pub finished: bool,
    pub rolled_back: bool,
    /// By project key.
    pub projects: BTreeMap<String, RecordEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordEntry {
    pub status: ProjectStatus,
    /// The project run this fleet run made (or left interrupted).
    pub run_id: Option<String>,
    #[serde(default)]
    pub rolled_back: bool,
    /// Started and not yet recorded: a kill may have come between the project's run and
    /// this record, so a rerun looks the run up in the project's own state.
    #[serde(default)]
    pub pending: bool,
}

impl RecordEntry {
    /// A project's entry as recorded after its run (not pending, not rolled back).
    pub fn recorded(status: ProjectStatus, run_id: Option<String>) -> RecordEntry {
        RecordEntry { status, run_id, rolled_back: false, pending: false }
    }
}

impl FleetRun {
    /// Mark `key`'s project started before its run begins (see [`RecordEntry::pending`]).
    pub fn mark_pending(&mut self, key: &str) {
        self.projects.entry(key.to_string()).or_insert(RecordEntry::recorded(ProjectStatus::Skipped, None)).pending =
            true;
    }

    /// Whether some project run of it can still be rolled back.
    pub fn undoable(&self) -> bool {
        !self.rolled_back && self.projects.values().any(|e| e.run_id.is_some() && !e.rolled_back)
    }
}

fn runs_dir(state_dir: &Path) -> PathBuf {
    state_dir.join(RUNS_DIR)
}

/// Every fleet run in the record, oldest first. A file that is not a fleet run is an error
/// naming it (the record is ours; anything else there was put by someone else).
pub fn load_all(state_dir: &Path) -> Result<Vec<FleetRun>> {
    let dir = runs_dir(state_dir);
    if fsio::entry(&dir)? != Entry::Dir {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io("read", &dir, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut runs = Vec::with_capacity(names.len());
    for name in names {
        let path = dir.join(&name);
        let text = fsio::read_text(&path)?;
        let run: FleetRun = serde_json::from_str(&text).map_err(|e| {
            Error::failed(format!(
                "fleet record {}: {e}; it was not written by handover-migrate, move it away",
                path.display()
            ))
        })?;
        if format!("{}.json", run.id) != name {
            return Err(Error::failed(format!(
                "fleet record {}: its id {:?} does not match its file name; move it away",
                path.display(),
                run.id
            )));
        }
        runs.push(run);
    }
    Ok(runs)
}

/// The unfinished fleet run of `command` to continue, or a new one.
pub fn continue_or_new(state_dir: &Path, command: &str) -> Result<(FleetRun, bool)> {
    let runs = load_all(state_dir)?;
    if let Some(last) = runs.iter().rev().find(|r| r.command == command && !r.rolled_back) {
        if !last.finished {
            return Ok((last.clone(), true));
        }
    }
    let mut id = handover_migrate_io::run::now_id(match command {
        "cleanup" => handover_migrate_io::journal::RunKind::Cleanup,
        _ => handover_migrate_io::journal::RunKind::Apply,
    });
    // Two fleet runs in one second: keep ids unique and sorted.
    let mut n = 1;
    while runs.iter().any(|r| r.id == id) {
        n += 1;
        id = format!("{}-{n}", id.trim_end_matches(&format!("-{}", n - 1)));
    }
    Ok((
        FleetRun { id, command: command.to_string(), finished: false, rolled_back: false, projects: BTreeMap::new() },
        false,
    ))
}

/// Write the fleet run (atomically; the record is the user's only).
pub fn save(state_dir: &Path, run: &FleetRun) -> Result<()> {
    let dir = runs_dir(state_dir);
    fsio::create_dirs(&dir, 0o700)?;
    let text = serde_json::to_string_pretty(run).map_err(|e| Error::failed(format!("fleet record: {e}")))?;
    fsio::write_atomic(&dir.join(format!("{}.json", run.id)), text.as_bytes(), 0o600)
}
