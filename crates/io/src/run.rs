//! Runs: executing a change set under the journal, resuming an interrupted run, rolling
//! runs back, and purging backups.
//!
//! Architecture invariant: no project file is written unless a journal record naming it
//! (and, for an existing file, its backed-up pre-image) is on disk first. Rollback only
//! touches a file whose current content is the run's pre- or post-image; anything else
//! was changed by someone else and is refused unless forced.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsio::{self, sha256_hex, Entry};
use crate::journal::{self, Journal, Record, RunKind};
use crate::within;

pub const RUNS_DIR: &str = "runs";
pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const BACKUP_DIR: &str = "backup";
pub const GITIGNORE_FILE: &str = ".gitignore";
const GITIGNORE_TEXT: &str =
    "# handover-migrate's state: journals and backups (which hold secrets). Never commit it.\n*\n";

/// The tool's state directory (`<project>/.handover-migrate` unless `--state-dir`).
pub struct StateDir {
    pub path: PathBuf,
    /// `--trust-state`: a person reviewed state this user's key does not vouch for (another
    /// user's, machine's or CI job's) and lets the tool resume or roll it back. Paths
    /// outside the project stay refused whatever it says.
    pub trust_state: bool,
}

impl StateDir {
    pub fn new(path: PathBuf) -> Self {
        Self { path, trust_state: false }
    }

    /// Create the directory (owner-only), with a `.gitignore` of `*` so that backups
    /// (which hold secrets) are never committed with the project. An existing directory
    /// owned by another user, or writable by others, is refused unless trusted.
    pub fn ensure(&self) -> Result<()> {
        if let (Some(why), false) = (crate::seal::foreign_owner(&self.path), self.trust_state) {
            return Err(Error::failed(format!(
                "{why}: the state directory holds journals and backups (with secrets), and anyone who can write it can \
                 make handover-migrate write files. Nothing was written. Make it yours and owner-only (`chmod 700`), \
                 or after reviewing it pass --trust-state"
            )));
        }
        fsio::create_dirs(&self.path.join(RUNS_DIR), 0o700)?;
        let ignore = self.path.join(GITIGNORE_FILE);
        if fsio::entry(&ignore)? == Entry::Missing {
            // Not a failpoint crossing: it is not a project write, and crash tests count those.
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let created = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&ignore)
                .and_then(|mut file| file.write_all(GITIGNORE_TEXT.as_bytes()).and_then(|()| file.sync_all()));
            match created {
                Ok(()) => fsio::sync_dir(&self.path)?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io("create", &ignore, e)),
            }
        }
        Ok(())
    }

    pub fn runs(&self) -> Result<Vec<RunInfo>> {
        let dir = self.path.join(RUNS_DIR);
        if fsio::entry(&dir)? != Entry::Dir {
            return Ok(Vec::new());
        }
        let mut ids: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io("list", &dir, e))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        ids.sort();
        // A run killed between creating its directory and its journal's first record never
        // began: nothing to resume or roll back (its backup folder is empty), so it is not a run.
        let mut runs = Vec::with_capacity(ids.len());
        for id in ids {
            let run_dir = dir.join(&id);
            if fsio::entry(&run_dir.join(JOURNAL_FILE))? == Entry::Missing && never_began(&run_dir)? {
                tracing::debug!("skipping run {id}: killed before its journal began");
                continue;
            }
            runs.push(RunInfo::load(&run_dir, id)?);
        }
        Ok(runs)
    }
}

/// A run directory holding nothing but an empty backup folder.
fn never_began(run_dir: &Path) -> Result<bool> {
    let entries = |dir: &Path| -> Result<Vec<String>> {
        Ok(std::fs::read_dir(dir)
            .map_err(|e| Error::io("list", dir, e))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect())
    };
    let names = entries(run_dir)?;
    if names.iter().any(|n| n != BACKUP_DIR) {
        return Ok(false);
    }
    let backups = run_dir.join(BACKUP_DIR);
    Ok(fsio::entry(&backups)? != Entry::Dir || entries(&backups)?.is_empty())
}

/// Where a run stands, from its journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Stopped before its end record: resume by rerunning, or roll back.
    Interrupted,
    Complete,
    /// A rollback was stopped midway: rerun `rollback`.
    RollbackInterrupted,
    RolledBack,
}

#[derive(Debug, Clone)]
pub struct RunInfo {
    pub id: String,
    pub dir: PathBuf,
    pub kind: RunKind,
    pub state: RunState,
    pub purged: bool,
    pub records: Vec<Record>,
    pub torn_tail: bool,
    /// `api:<url>#<project>` for runs against a tenant; `None` for a clone.
    pub target: Option<String>,
    /// Whether the journal passes the keyed check of this user's key.
    pub auth: journal::Auth,
}

impl RunInfo {
    fn load(dir: &Path, id: String) -> Result<Self> {
        let journal::Contents { records, torn: torn_tail, auth, .. } = journal::read(&dir.join(JOURNAL_FILE))?;
        let kind = records
            .iter()
            .find_map(|r| match r {
                Record::Begin { kind, .. } => Some(*kind),
                _ => None,
            })
            .ok_or_else(|| {
                Error::failed(format!(
                    "run {id}: its journal has no begin record (truncated?); move {} away if it holds nothing you need",
                    dir.display()
                ))
            })?;
        check_paths(dir, &records)?;
        let target = records.iter().find_map(|r| match r {
            Record::Begin { target, .. } => target.clone(),
            _ => None,
        });
        let has = |want: fn(&Record) -> bool| records.iter().any(want);
        let state = if has(|r| matches!(r, Record::RollbackEnd)) {
            RunState::RolledBack
        } else if has(|r| matches!(r, Record::RollbackBegin)) {
            RunState::RollbackInterrupted
        } else if has(|r| matches!(r, Record::End)) {
            RunState::Complete
        } else {
            RunState::Interrupted
        };
        Ok(Self {
            id,
            dir: dir.to_path_buf(),
            kind,
            state,
            purged: has(|r| matches!(r, Record::Purged)),
            records,
            torn_tail,
            target,
            auth,
        })
    }

    /// The project paths (or, for a tenant, the resources) the run's records name.
    pub fn touched(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for record in &self.records {
            let path = match record {
                Record::Write { path, .. } | Record::ApiWrite { path, .. } => path,
                _ => continue,
            };
            if !out.contains(path) {
                out.push(path.clone());
            }
        }
        out
    }

    /// Paths written, each with its first pre-image and every post-image hash.
    fn writes(&self) -> Vec<PathWrites> {
        let mut out: Vec<PathWrites> = Vec::new();
        for record in &self.records {
            let Record::Write { path, before, after, backup, mode, created_dirs, backup_mac, .. } = record else {
                continue;
            };
            match out.iter_mut().find(|w| &w.path == path) {
                Some(existing) => {
                    existing.afters.insert(after.clone());
                }
                None => out.push(PathWrites {
                    path: path.clone(),
                    before: before.clone(),
                    backup: backup.clone(),
                    mode: *mode,
                    afters: BTreeSet::from([after.clone()]),
                    created_dirs: created_dirs.clone(),
                    backup_mac: backup_mac.clone(),
                }),
            }
        }
        out
    }

    pub fn changed_files(&self) -> Vec<String> {
        self.writes().into_iter().map(|w| w.path).collect()
    }
}

struct PathWrites {
    path: String,
    before: Option<String>,
    backup: Option<String>,
    mode: Option<u32>,
    afters: BTreeSet<String>,
    created_dirs: Vec<String>,
    backup_mac: Option<String>,
}

/// The project root is a wall: a journal naming a path outside the project (absolute, with
/// `..`) or a backup outside its run is refused whole, whatever the flags say; the tool
/// never writes such a record, so the journal was planted or edited.
fn check_paths(dir: &Path, records: &[Record]) -> Result<()> {
    let mut bad = Vec::new();
    for record in records {
        let (paths, backup): (Vec<&String>, Option<&String>) = match record {
            Record::Write { path, backup, created_dirs, .. } => {
                (std::iter::once(path).chain(created_dirs).collect(), backup.as_ref())
            }
            Record::ApiWrite { backup, .. } => (Vec::new(), backup.as_ref()),
            _ => continue,
        };
        bad.extend(paths.into_iter().filter(|p| within::check_relative(p).is_err()).map(|p| format!("  - {p:?}")));
        if let Some(backup) = backup.filter(|b| b.contains('/') || within::check_relative(b).is_err()) {
            bad.push(format!("  - backup {backup:?}"));
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::failed(format!(
        "the run {} names paths outside the project, which handover-migrate never writes: its journal was planted \
         or edited. Nothing was changed; no flag overrides this. Move that run directory away after checking \
         where it came from:\n{}",
        dir.display(),
        bad.join("\n")
    )))
}

/// Let a run be resumed, rolled back or purged only when this user's handover-migrate wrote
/// it: its journal passes the keyed check and the state is the user's alone (not owned by
/// another user, not group- or world-writable). A journal written before keyed checks is
/// accepted once on those terms and re-sealed. Anything else is refused with what the run
/// would touch, unless a person reviewed it and passed `--trust-state` (then it is
/// re-sealed with this user's key).
pub fn admit(state: &StateDir, run: &RunInfo) -> Result<()> {
    let mut reasons: Vec<String> = Vec::new();
    let backups = run.dir.join(BACKUP_DIR);
    let mut paths = vec![state.path.clone(), state.path.join(RUNS_DIR), run.dir.clone(), run.dir.join(JOURNAL_FILE)];
    paths.push(backups.clone());
    for record in &run.records {
        if let Record::Write { backup: Some(name), .. } | Record::ApiWrite { backup: Some(name), .. } = record {
            paths.push(backups.join(name));
        }
    }
    reasons.extend(paths.iter().filter_map(|p| crate::seal::foreign_owner(p)));
    if run.auth == journal::Auth::Failed {
        reasons.push(format!(
            "its journal fails the keyed check of your key ({}): another user, machine or CI job wrote it, or it \
             was edited",
            crate::seal::user_state_dir()
                .map(|d| d.join(crate::seal::KEY_FILE).display().to_string())
                .unwrap_or_default()
        ));
    }
    if reasons.is_empty() {
        if run.auth == journal::Auth::Plain {
            tracing::info!("run {}: written before keyed checks; sealing it with your key", run.id);
            reseal(run)?;
        }
        return Ok(());
    }
    if !state.trust_state {
        let touched = run.touched();
        let mut list: Vec<String> = touched.iter().take(20).map(|p| format!("  - {p}")).collect();
        if touched.len() > 20 {
            list.push(format!("  … and {} more", touched.len() - 20));
        }
        return Err(Error::failed(format!(
            "run {} ({}) was not written by your handover-migrate, so it is neither resumed nor rolled back:\n{}\n\
             It would touch:\n{}\nReview {}; if you trust it, rerun with --trust-state (paths outside the project \
             stay refused). Otherwise move that run directory away",
            run.id,
            run.kind.as_str(),
            reasons.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n"),
            if list.is_empty() { "  (nothing)".to_string() } else { list.join("\n") },
            run.dir.display()
        )));
    }
    tracing::warn!("run {}: trusted with --trust-state; sealing it with your key", run.id);
    reseal(run)
}

/// Seal a run's journal with this user's key, and its backups' keyed hashes with it (each
/// backup that still matches the SHA-256 its record holds).
fn reseal(run: &RunInfo) -> Result<()> {
    let backups = run.dir.join(BACKUP_DIR);
    journal::reseal(&run.dir.join(JOURNAL_FILE), &mut |record| {
        if let Record::Write { before: Some(before), backup: Some(name), backup_mac, .. } = record {
            if let Ok(bytes) = fsio::read_regular(&backups.join(&*name)) {
                if &sha256_hex(&bytes) == before {
                    *backup_mac = Some(self::backup_mac(&bytes)?);
                }
            }
        }
        Ok(())
    })
}

/// A Unix time as UTC text in `format` (jiff's strftime), e.g. `%Y%m%dT%H%M%SZ`.
pub fn utc_text(secs: i64, format: &str) -> String {
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH).strftime(format).to_string()
}

/// A new run's id: its start time and kind, e.g. `20261201T013000Z-apply`.
pub fn now_id(kind: RunKind) -> String {
    format!("{}-{}", utc_text(jiff::Timestamp::now().as_second(), "%Y%m%dT%H%M%SZ"), kind.as_str())
}

/// Providers an interrupted API apply created or was about to create: `(name, id if known)`.
/// A resumed run finishes these instead of treating them as someone else's.
pub fn interrupted_api_creations(state: &StateDir) -> Result<Vec<(String, Option<String>)>> {
    let Some(run) = state.runs()?.into_iter().find(|r| r.state == RunState::Interrupted && r.kind == RunKind::Apply)
    else {
        return Ok(Vec::new());
    };
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut names_by_key = std::collections::HashMap::new();
    for record in &run.records {
        match record {
            Record::ApiWrite { key, op: crate::journal::ApiOp::CreateProvider { name, .. }, .. } => {
                names_by_key.insert(key.clone(), name.clone());
                out.push((name.clone(), None));
            }
            Record::ApiCreated { key, id, .. } => {
                if let Some(entry) = names_by_key.get(key).and_then(|name| out.iter_mut().find(|(n, _)| n == name)) {
                    entry.1 = Some(id.clone());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

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

/// What a rollback did.
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

/// The keyed hash of a backup's bytes, recorded in its journal record.
pub fn backup_mac(bytes: &[u8]) -> Result<String> {
    Ok(crate::seal::key()?.mac(&[b"backup", bytes]))
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

#[cfg(test)]
mod run_dir_tests {
    use super::*;

    #[test]
    fn a_run_killed_before_its_journal_began_is_not_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path().join("state"));
        let run = state.path.join(RUNS_DIR).join("20260101T000000Z-apply");
        fsio::create_dirs(&run.join(BACKUP_DIR), 0o700).unwrap();
        assert!(state.runs().unwrap().is_empty());
        // With a backup but no journal it is not ours to ignore: an error naming the journal.
        std::fs::write(run.join(BACKUP_DIR).join("x"), "pre-image").unwrap();
        let err = state.runs().unwrap_err();
        assert!(err.message.contains(JOURNAL_FILE), "{}", err.message);
    }
}
