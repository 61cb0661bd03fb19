//! Runs: executing a change set under the journal, resuming an interrupted run, rolling
//! runs back, and purging backups.
//!
//! Architecture invariant: no project file is written unless a journal record naming it
//! (and, for an existing file, its backed-up pre-image) is on disk first. Rollback only
//! touches a file whose current content is the run's pre- or post-image; anything else
//! was changed by someone else and is refused unless forced.
//!
//! This module holds the state directory and what a run's journal says ([`RunInfo`]), and
//! admits a run for resuming or undoing; [`execute`](execute()) and [`open_run`] write runs
//! (in `execute.rs`); [`rollback`](rollback()) and [`purge`] undo them or drop their
//! backups (in `rollback.rs`).

mod execute;
mod rollback;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsio::{self, sha256_hex, Entry};
use crate::journal::{self, Record, RunKind};
use crate::within;

pub use execute::{check_previous_runs, execute, open_run, FileChange, OpenRun, RunOutcome, BATCH};
pub use rollback::{purge, rollback, RollbackOutcome};

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

    /// Paths written, each with its first pre-image and every post-image hash, in the order
    /// of their first write.
    fn writes(&self) -> Vec<PathWrites> {
        let mut out: Vec<PathWrites> = Vec::new();
        // Indexed, not searched: an apply writes tens of thousands of files, and a search of
        // the list per record made reading its journal quadratic (`report`, `rollback`).
        let mut at: HashMap<&str, usize> = HashMap::new();
        for record in &self.records {
            let Record::Write { path, before, after, backup, mode, created_dirs, backup_mac, .. } = record else {
                continue;
            };
            match at.get(path.as_str()) {
                Some(&index) => {
                    out[index].afters.insert(after.clone());
                }
                None => {
                    at.insert(path, out.len());
                    out.push(PathWrites {
                        path: path.clone(),
                        before: before.clone(),
                        backup: backup.clone(),
                        mode: *mode,
                        afters: BTreeSet::from([after.clone()]),
                        created_dirs: created_dirs.clone(),
                        backup_mac: backup_mac.clone(),
                    });
                }
            }
        }
        out
    }

    pub fn changed_files(&self) -> Vec<String> {
        self.writes().into_iter().map(|w| w.path).collect()
    }

    /// How many files the run changed: `changed_files().len()` without copying any record.
    pub fn changed_count(&self) -> usize {
        let mut paths: HashSet<&str> = HashSet::new();
        for record in &self.records {
            if let Record::Write { path, .. } = record {
                paths.insert(path);
            }
        }
        paths.len()
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

/// A new run's id: its start time to the millisecond and its kind, e.g.
/// `20261201T013000.250Z-apply`. Runs are ordered by id, so the time comes first, precise
/// enough that runs a script starts within one second (`apply`, then `cleanup`) keep their
/// order; ids from versions that wrote whole seconds (`20261201T013000Z-apply`) sort among
/// them by their second.
pub fn now_id(kind: RunKind) -> String {
    let now = jiff::Timestamp::now();
    format!("{}.{:03}Z-{}", utc_text(now.as_second(), "%Y%m%dT%H%M%S"), now.subsec_millisecond(), kind.as_str())
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

/// The keyed hash of a backup's bytes, recorded in its journal record.
pub fn backup_mac(bytes: &[u8]) -> Result<String> {
    Ok(crate::seal::key()?.mac(&[b"backup", bytes]))
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

    #[test]
    fn changed_files_are_distinct_in_the_order_of_their_first_write() {
        let write = |path: &str, after: &str| Record::Write {
            path: path.into(),
            before: None,
            after: after.into(),
            backup: None,
            mode: None,
            created_dirs: Vec::new(),
            summary: String::new(),
            backup_mac: None,
        };
        let run = RunInfo {
            id: "20260101T000000Z-apply".into(),
            dir: PathBuf::new(),
            kind: RunKind::Apply,
            state: RunState::Complete,
            purged: false,
            records: vec![write("b", "1"), write("a", "2"), write("b", "3"), write("c", "4"), write("a", "5")],
            torn_tail: false,
            target: None,
            auth: journal::Auth::Sealed,
        };
        assert_eq!(run.changed_files(), ["b", "a", "c"]);
        assert_eq!(run.changed_count(), 3);
        let writes = run.writes();
        assert_eq!(writes[0].afters, BTreeSet::from(["1".to_string(), "3".to_string()]));
        assert_eq!(writes[1].afters, BTreeSet::from(["2".to_string(), "5".to_string()]));
    }

    #[test]
    fn runs_started_in_the_same_second_keep_their_order() {
        let first = now_id(RunKind::Cleanup);
        std::thread::sleep(std::time::Duration::from_millis(3));
        let second = now_id(RunKind::Apply);
        assert!(first < second, "{first} then {second}");
        // An id written by a version that kept whole seconds sorts by its second.
        assert!("20260101T000000Z-cleanup" < "20260101T000001.000Z-apply");
    }
}
