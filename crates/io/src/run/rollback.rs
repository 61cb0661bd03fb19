//! Undoing runs: rolling one back from its backups (only over files still holding its pre-
//! or post-image unless forced), and purging the backups of finished runs.

use std::path::Path;

use super::{admit, backup_mac, PathWrites, RunState, StateDir, BACKUP_DIR, JOURNAL_FILE};
use crate::error::{Error, Result};
use crate::fsio::{self, sha256_hex, Entry};
use crate::journal::{Journal, Record, RunKind};
use crate::within;

#[derive(Debug, serde::Serialize)]
pub struct RollbackOutcome {
    pub run_id: Option<String>,
    pub kind: Option<RunKind>,
    pub restored: Vec<String>,
    pub removed: Vec<String>,
}

/// Undo the most recent run that has not been rolled back (or the one named).
pub fn rollback(project_root: &Path, state: &StateDir, run_id: Option<&str>, force: bool) -> Result<RollbackOutcome> {
    let runs = state.runs()?;
    let run = match run_id {
        Some(id) => runs.iter().find(|r| r.id == id).ok_or_else(|| {
            Error::usage(format!(
                "no run {id}; runs: {}",
                runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?,
        None => match runs.iter().rev().find(|r| r.state != RunState::RolledBack) {
            Some(run) => run,
            None => return Ok(RollbackOutcome { run_id: None, kind: None, restored: Vec::new(), removed: Vec::new() }),
        },
    };
    if run.state == RunState::RolledBack {
        return Err(Error::failed(format!(
            "run {} is already rolled back; `rollback` without --run undoes the most recent run not rolled back",
            run.id
        )));
    }
    if run.purged {
        return Err(Error::failed(format!(
            "run {} cannot be rolled back: its backups were deleted by `purge`",
            run.id
        )));
    }
    admit(state, run)?;
    let writes = run.writes();
    // The project root is a wall: every path the journal names must stay inside it.
    let outside: Vec<String> = writes
        .iter()
        .flat_map(|w| std::iter::once(&w.path).chain(&w.created_dirs))
        .filter(|path| within::check_relative(path).is_err())
        .map(|path| format!("  - {path:?}"))
        .chain(
            writes
                .iter()
                .filter_map(|w| w.backup.as_ref())
                .filter(|b| b.contains('/') || within::check_relative(b).is_err())
                .map(|b| format!("  - backup {b:?}")),
        )
        .collect();
    if !outside.is_empty() {
        return Err(Error::failed(format!(
            "run {}: its journal names paths outside the project, which handover-migrate never writes (the journal \
             was not written by it, or was edited); nothing was changed:\n{}\nMove {} away",
            run.id,
            outside.join("\n"),
            run.dir.display()
        )));
    }
    // Every backup is checked before the first write, so that a damaged one never leaves a
    // half-restored project.
    let mut damaged = Vec::new();
    for write in &writes {
        match (&write.before, &write.backup) {
            (Some(before), Some(backup)) => {
                let ok = fsio::read_regular(&run.dir.join(BACKUP_DIR).join(backup))
                    .is_ok_and(|bytes| &sha256_hex(&bytes) == before && backup_check(write, &bytes));
                if !ok {
                    damaged.push(format!("  - {} (backup {backup})", write.path));
                }
            }
            (Some(_), None) => damaged.push(format!("  - {} (no backup recorded)", write.path)),
            (None, _) => {}
        }
    }
    if !damaged.is_empty() {
        return Err(Error::failed(format!(
            "run {} cannot be rolled back: the backups of these files are damaged or missing (their hash does not \
             match the journal); nothing was changed:\n{}",
            run.id,
            damaged.join("\n")
        )));
    }
    let mut foreign = Vec::new();
    for write in &writes {
        let current = match within::existing_parent(project_root, &write.path)? {
            Some((dir, name)) if dir.entry(name)? != Entry::Missing => Some(sha256_hex(&dir.read(name)?)),
            _ => None,
        };
        let known = current == write.before || current.as_ref().is_some_and(|c| write.afters.contains(c));
        if !known {
            foreign.push(write.path.clone());
        }
    }
    if !foreign.is_empty() && !force {
        return Err(Error::failed(format!(
            "run {} cannot be rolled back safely: these files were changed by someone else after the run \
             (they are neither its original nor its result):\n{}\nCommit or save those edits elsewhere, then use \
             `rollback --force` to overwrite them with the originals",
            run.id,
            foreign.iter().map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n")
        )));
    }
    let mut journal = Journal::open(&run.dir.join(JOURNAL_FILE))?;
    if run.state != RunState::RollbackInterrupted {
        journal.append(Record::RollbackBegin)?;
    }
    let mut outcome = RollbackOutcome {
        run_id: Some(run.id.clone()),
        kind: Some(run.kind),
        restored: Vec::new(),
        removed: Vec::new(),
    };
    for write in writes.iter().rev() {
        match (&write.before, &write.backup) {
            (None, _) => {
                if let Some((dir, name)) = within::existing_parent(project_root, &write.path)? {
                    dir.remove(&within::Dir::temp_name(name))?;
                    if dir.entry(name)? != Entry::Missing {
                        dir.remove(name)?;
                        outcome.removed.push(write.path.clone());
                    }
                }
                for created in write.created_dirs.iter().rev() {
                    if let Some((dir, name)) = within::existing_parent(project_root, created)? {
                        dir.remove_empty_dir(name)?;
                    }
                }
            }
            (Some(before), Some(backup)) => {
                let bytes = fsio::read_regular(&run.dir.join(BACKUP_DIR).join(backup))?;
                if &sha256_hex(&bytes) != before {
                    return Err(Error::failed(format!(
                        "the backup of {} in run {} changed during the rollback; nothing more was restored. Run \
                         `rollback` again",
                        write.path, run.id
                    )));
                }
                let (parent, name) = within::split(&write.path)?;
                let (dir, _) = within::Dir::open(project_root, parent, Some(0o755))?;
                dir.remove(&within::Dir::temp_name(name))?;
                let current = match dir.entry(name)? {
                    Entry::Missing => None,
                    _ => Some(sha256_hex(&dir.read(name)?)),
                };
                if current.as_ref() != Some(before) {
                    dir.write_atomic(name, &bytes, write.mode.unwrap_or(0o644))?;
                    outcome.restored.push(write.path.clone());
                }
            }
            (Some(_), None) => {
                return Err(Error::failed(format!("run {}: the journal has no backup for {}", run.id, write.path)))
            }
        }
        journal.append(Record::Restored { path: write.path.clone() })?;
    }
    journal.append(Record::RollbackEnd)?;
    Ok(outcome)
}

/// The keyed check of a backup, when its journal record carries one (journals written
/// before keyed checks rely on the journal's SHA-256, now sealed).
fn backup_check(write: &PathWrites, bytes: &[u8]) -> bool {
    match &write.backup_mac {
        Some(mac) => backup_mac(bytes).is_ok_and(|m| &m == mac),
        None => true,
    }
}

/// Delete the backups of finished runs (complete or rolled back). Returns the run ids.
pub fn purge(state: &StateDir) -> Result<Vec<String>> {
    let mut purged = Vec::new();
    for run in state.runs()? {
        if run.purged || !matches!(run.state, RunState::Complete | RunState::RolledBack) {
            continue;
        }
        admit(state, &run)?;
        let backups = run.dir.join(BACKUP_DIR);
        if fsio::entry(&backups)? == Entry::Dir {
            std::fs::remove_dir_all(&backups).map_err(|e| Error::io("remove", &backups, e))?;
        }
        Journal::open(&run.dir.join(JOURNAL_FILE))?.append(Record::Purged)?;
        purged.push(run.id);
    }
    Ok(purged)
}
