//! Writing a run: opening (or resuming) its journal and applying a change set in group
//! commits, each file's pre-image backed up and its intent journaled before it changes.

use std::path::{Path, PathBuf};

use super::{admit, backup_mac, now_id, RunInfo, RunState, StateDir, BACKUP_DIR, JOURNAL_FILE, RUNS_DIR};
use crate::error::{Error, Result};
use crate::fsio::{self, sha256_hex, Entry};
use crate::journal::{Journal, Record, RunKind};
use crate::within;

/// What a run did.
#[derive(Debug, serde::Serialize)]
pub struct RunOutcome {
    pub run_id: Option<String>,
    pub resumed: bool,
    pub written: Vec<String>,
}

/// Refuse to start a new run while an earlier one needs attention first.
pub fn check_previous_runs(state: &StateDir, kind: RunKind) -> Result<Option<RunInfo>> {
    let runs = state.runs()?;
    if let Some(run) = runs.iter().find(|r| r.state == RunState::RollbackInterrupted) {
        return Err(Error::failed(format!(
            "the rollback of run {} was interrupted; run `handover-migrate rollback` again to finish it first",
            run.id
        )));
    }
    let interrupted: Vec<&RunInfo> = runs.iter().filter(|r| r.state == RunState::Interrupted).collect();
    match interrupted.as_slice() {
        [] => Ok(None),
        [run] if run.kind == kind => {
            admit(state, run)?;
            Ok(Some((*run).clone()))
        }
        [run] => Err(Error::failed(format!(
            "run {} ({}) was interrupted; rerun `handover-migrate {}` to finish it, or `handover-migrate rollback` to undo it",
            run.id,
            run.kind.as_str(),
            run.kind.as_str()
        ))),
        _ => Err(Error::failed(format!(
            "several interrupted runs ({}); undo them with `handover-migrate rollback`",
            interrupted.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// A file a run writes: its new content and, for an existing file, the hash of the content
/// it must still have (so a concurrent edit is refused, never overwritten).
#[derive(Debug, Clone)]
pub struct FileChange {
    /// Relative to the project root.
    pub path: String,
    /// SHA-256 of the current content; `None` for a new file.
    pub before: Option<String>,
    pub after: Vec<u8>,
    /// Mode of a new file.
    pub mode: u32,
    /// One line for logs and the journal (never a secret).
    pub summary: String,
}

/// A run being written: a new one, or the interrupted run of the same kind, resumed.
pub struct OpenRun {
    pub id: String,
    pub dir: PathBuf,
    pub journal: Journal,
    /// The last backup number used: a resumed run numbers its backups after every record
    /// and every backup file already there, so nothing is overwritten.
    pub seq: usize,
    /// The interrupted run this one resumes (its records tell what it did already).
    pub resumed: Option<RunInfo>,
}

/// Open the run of `kind` in `state`: resume the interrupted run of the same kind, or begin
/// a new one (its `Begin` record names `target`, `None` for a clone directory). Refuses
/// while another run needs attention first ([`check_previous_runs`]).
pub fn open_run(state: &StateDir, kind: RunKind, plan_digest: &str, target: Option<&str>) -> Result<OpenRun> {
    match check_previous_runs(state, kind)? {
        Some(run) => {
            let backups = match std::fs::read_dir(run.dir.join(BACKUP_DIR)) {
                Ok(entries) => entries.count(),
                Err(_) => 0,
            };
            let journal = Journal::open(&run.dir.join(JOURNAL_FILE))?;
            Ok(OpenRun {
                seq: run.records.len() + backups,
                id: run.id.clone(),
                dir: run.dir.clone(),
                journal,
                resumed: Some(run),
            })
        }
        None => {
            let runs_dir = state.path.join(RUNS_DIR);
            let id = crate::unique_name(&now_id(kind), &|c| runs_dir.join(c).exists());
            let dir = runs_dir.join(&id);
            fsio::create_dirs(&dir.join(BACKUP_DIR), 0o700)?;
            let mut journal = Journal::open(&dir.join(JOURNAL_FILE))?;
            journal.append(Record::Begin {
                kind,
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                plan_digest: plan_digest.to_string(),
                target: target.map(str::to_string),
            })?;
            Ok(OpenRun { id, dir, journal, seq: 0, resumed: None })
        }
    }
}

/// Files per group commit: bounds the new contents held in memory at once.
pub const BATCH: usize = 256;

/// Apply `count` file changes, produced one at a time by `change`, as a journaled run
/// (resuming an interrupted run of the same kind). A run that changes nothing is not
/// recorded.
///
/// Writes go in batches (group commit): back up every pre-image of the batch, sync once;
/// journal every intent, sync once; write every temp file, sync once; rename each into
/// place and sync each directory; journal every completion, sync once. At any crash point
/// the journal names every file that may have changed, and its pre-image is on disk.
pub fn execute(
    project_root: &Path,
    state: &StateDir,
    kind: RunKind,
    plan_digest: &str,
    count: usize,
    change: &mut dyn FnMut(usize) -> Result<FileChange>,
) -> Result<RunOutcome> {
    if count == 0 {
        let previous = check_previous_runs(state, kind)?;
        if let Some(run) = &previous {
            Journal::open(&run.dir.join(JOURNAL_FILE))?.append(Record::End)?;
        }
        let resumed = previous.is_some();
        return Ok(RunOutcome { run_id: previous.map(|r| r.id), resumed, written: Vec::new() });
    }
    let OpenRun { id: run_id, dir: run_dir, mut journal, mut seq, resumed } = open_run(state, kind, plan_digest, None)?;
    let resumed = resumed.is_some();
    let mut written = Vec::new();
    let mut start = 0;
    let progress = crate::progress::phase("Writing files", Some(count));
    while start < count {
        let end = (start + BATCH).min(count);
        let changes = (start..end).map(&mut *change).collect::<Result<Vec<_>>>()?;
        start = end;
        // 1. Pre-images to owner-only backups.
        let mut intents = Vec::with_capacity(changes.len());
        let mut backups = Vec::new();
        for change in &changes {
            seq += 1;
            let (parent_rel, name) = within::split(&change.path)?;
            let existing = within::existing_parent(project_root, &change.path)?;
            let (backup, mode) = match &change.before {
                Some(_) => {
                    let Some((dir, _)) = &existing else {
                        return Err(Error::failed(format!(
                            "{} disappeared while handover-migrate was running; nothing more was written. Rerun the command",
                            change.path
                        )));
                    };
                    let bytes = dir.read(name)?;
                    if Some(sha256_hex(&bytes)) != change.before {
                        return Err(Error::changed_while_running(&change.path));
                    }
                    let backup_name = format!("{seq:06}");
                    let backup_path = run_dir.join(BACKUP_DIR).join(&backup_name);
                    fsio::write_temp(&backup_path, &bytes, 0o600)?;
                    fsio::install_temp(&backup_path)?;
                    backups.push(backup_path);
                    (Some((backup_name, backup_mac(&bytes)?)), dir.mode(name))
                }
                None => {
                    let present = match &existing {
                        Some((dir, name)) => dir.entry(name)? != Entry::Missing,
                        None => false,
                    };
                    if present {
                        return Err(Error::failed(format!(
                            "{} appeared while handover-migrate was running; nothing more was written. Rerun the command",
                            change.path
                        )));
                    }
                    (None, None)
                }
            };
            let missing_dirs = within::missing_dirs(project_root, parent_rel)?;
            let (backup, backup_mac) = backup.unzip();
            intents.push(Record::Write {
                path: change.path.clone(),
                before: change.before.clone(),
                after: sha256_hex(&change.after),
                backup,
                backup_mac,
                mode,
                created_dirs: missing_dirs,
                summary: change.summary.clone(),
            });
        }
        if !backups.is_empty() {
            fsio::sync_written(&run_dir, &backups)?;
            fsio::sync_dir(&run_dir.join(BACKUP_DIR))?;
        }
        // 2. Intents, durable before any project file changes.
        journal.append_all(intents)?;
        // 3. New contents beside their targets, then one sync.
        let mut temps = Vec::with_capacity(changes.len());
        let mut parents: std::collections::BTreeMap<&str, within::Dir> = std::collections::BTreeMap::new();
        for change in &changes {
            let (parent_rel, name) = within::split(&change.path)?;
            if !parents.contains_key(parent_rel) {
                parents.insert(parent_rel, within::Dir::open(project_root, parent_rel, Some(0o755))?.0);
            }
            let dir = &parents[parent_rel];
            dir.write_temp(name, &change.after, change.mode)?;
            temps.push(dir.path().join(within::Dir::temp_name(name)));
        }
        fsio::sync_written(project_root, &temps)?;
        // 4. Into place; each directory synced once.
        for change in &changes {
            let (parent_rel, name) = within::split(&change.path)?;
            parents[parent_rel].install_temp(name)?;
            tracing::debug!("wrote {} ({})", change.path, change.summary);
            progress.inc();
        }
        for dir in parents.values() {
            dir.sync()?;
        }
        // 5. Completions.
        journal.append_all(changes.iter().map(|c| Record::Done { path: c.path.clone() }).collect())?;
        written.extend(changes.into_iter().map(|c| c.path));
    }
    journal.append(Record::End)?;
    Ok(RunOutcome { run_id: Some(run_id), resumed, written })
}
