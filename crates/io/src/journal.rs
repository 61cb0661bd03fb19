//! The run journal: an append-only, checksummed, fsynced record of every write.
//!
//! One JSON object per line: `{"record": …, "mac": "<HMAC-SHA-256 of the record's JSON,
//! chained to the previous line's, under the user's key>"}` (see [`crate::seal`]); a seal
//! file beside the journal counts its records, so a truncation is found. A record is synced
//! to disk before the side effect it announces. The journal holds paths and hashes only;
//! pre-images (which may contain secrets) live in owner-only backup files beside it. A
//! torn last line (a crash mid-append) is ignored; damage anywhere else is an error.
//! Journals written before keyed checks (`"check"`: a plain SHA-256) are read as
//! [`Auth::Plain`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsio::{self, sha256_hex};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Apply,
    Cleanup,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Apply => "apply",
            RunKind::Cleanup => "cleanup",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Record {
    Begin {
        kind: RunKind,
        tool_version: String,
        plan_digest: String,
        /// Where the run wrote: absent for a clone directory, `api:<url>#<project id>` for a tenant.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// About to write `path`. `backup` names the pre-image file (absent for a new file).
    Write {
        path: String,
        before: Option<String>,
        after: String,
        backup: Option<String>,
        mode: Option<u32>,
        created_dirs: Vec<String>,
        summary: String,
        /// HMAC of the backup's bytes under the user's key (absent in journals written
        /// before keyed checks): a backup is restored only when it is the one written.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backup_mac: Option<String>,
    },
    /// `path` now holds its new content (API mode: the resource `key` was changed).
    Done {
        path: String,
    },
    /// API mode: about to change a resource on the tenant. `backup` names the pre-image file.
    ApiWrite {
        key: String,
        path: String,
        op: ApiOp,
        before: Option<String>,
        after: String,
        backup: Option<String>,
        summary: String,
    },
    /// API mode: a provider was created (so a rerun continues with it, a rollback deletes it).
    ApiCreated {
        key: String,
        id: String,
        reference_id: String,
    },
    End,
    RollbackBegin,
    Restored {
        path: String,
    },
    RollbackEnd,
    /// The backups were deleted: the run can no longer be rolled back.
    Purged,
}

/// What an [`Record::ApiWrite`] does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum ApiOp {
    CreateProvider { name: String, service_id: String },
    SetProviderProperties { provider_id: String },
    PatchNode { flow_id: String, node_id: String, locale_id: String },
    PatchEndpoint { endpoint_id: String },
}

/// One line of the journal. Records written by this version carry `mac`, an HMAC under the
/// user's key chained to the previous line's (so lines cannot be edited, dropped or
/// reordered without the key); journals of earlier versions carry `check`, a plain SHA-256.
#[derive(Serialize, Deserialize)]
struct Line {
    record: Record,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mac: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<String>,
}

/// The seal beside a journal: how many records it holds and the last one's MAC, updated
/// after each append. A journal shorter than its seal was truncated.
pub const SEAL_SUFFIX: &str = ".seal";

#[derive(Serialize, Deserialize)]
struct Seal {
    records: usize,
    mac: String,
}

fn seal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(SEAL_SUFFIX);
    path.with_file_name(name)
}

/// Whether a journal is authenticated by the user's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// Every record passes the keyed check: this user's handover-migrate wrote it.
    Sealed,
    /// Written before keyed checks (plain SHA-256 per record).
    Plain,
    /// A record fails the keyed check: another user, machine or CI job wrote it, or it was edited.
    Failed,
}

fn record_mac(key: &crate::seal::Key, previous: &str, json: &str) -> String {
    key.mac(&[b"journal", previous.as_bytes(), json.as_bytes()])
}

fn to_json(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(|e| Error::failed(format!("journal: {e}")))
}

/// A journal as read.
#[derive(Debug)]
pub struct Contents {
    pub records: Vec<Record>,
    /// A torn last line (a crash mid-append) was dropped.
    pub torn: bool,
    pub auth: Auth,
    /// Bytes up to the end of the last valid line.
    valid_len: usize,
    /// The MAC of the last record (`""` when none).
    last_mac: String,
}

fn damaged(path: &Path, why: String) -> Error {
    Error::failed(format!(
        "journal {} is damaged {why}; it was edited, truncated or the disk is failing. Nothing was changed. Restore \
         it from a backup, or move the run directory away to give up on rolling that run back",
        path.display()
    ))
}

fn parse(path: &Path, text: &str) -> Result<Contents> {
    let key = crate::seal::key()?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out =
        Contents { records: Vec::new(), torn: false, auth: Auth::Sealed, valid_len: 0, last_mac: String::new() };
    let (mut keyed, mut plain, mut failed) = (0usize, 0usize, 0usize);
    let mut first_failed = None;
    let mut macs = Vec::new();
    for (index, raw) in lines.iter().enumerate() {
        let is_last = index + 1 == lines.len();
        let line = raw.strip_suffix('\n').and_then(|body| serde_json::from_str::<Line>(body).ok());
        let Some(line) = line else {
            if is_last {
                out.torn = true;
                break;
            }
            return Err(damaged(path, format!("at line {} (not a journal record)", index + 1)));
        };
        let json = to_json(&line.record)?;
        match (&line.mac, &line.check) {
            (Some(mac), _) => {
                keyed += 1;
                if &record_mac(key, &out.last_mac, &json) != mac {
                    failed += 1;
                    first_failed.get_or_insert(index + 1);
                }
                out.last_mac = mac.clone();
            }
            (None, Some(check)) if &sha256_hex(json.as_bytes()) == check => plain += 1,
            _ if is_last => {
                out.torn = true;
                break;
            }
            _ => return Err(damaged(path, format!("at line {} (checksum or format)", index + 1))),
        }
        macs.push(out.last_mac.clone());
        out.records.push(line.record);
        out.valid_len += raw.len();
    }
    // Every record failing is another key (another user, machine or CI job); some failing
    // among records that pass is an edit.
    if let (Some(line), true) = (first_failed, failed < keyed) {
        return Err(damaged(path, format!("at line {line} (it fails its keyed check)")));
    }
    if keyed > 0 && plain > 0 {
        return Err(damaged(path, "(records with and without keyed checks)".to_string()));
    }
    out.auth = if failed > 0 {
        Auth::Failed
    } else if plain > 0 {
        Auth::Plain
    } else {
        Auth::Sealed
    };
    if out.auth == Auth::Sealed {
        let seal_file = seal_path(path);
        if fsio::entry(&seal_file)? == fsio::Entry::File {
            let seal = fsio::read_text(&seal_file).ok().and_then(|t| serde_json::from_str::<Seal>(&t).ok());
            // An unreadable seal (a crash while replacing it) proves nothing either way.
            if let Some(seal) = seal {
                if seal.records > out.records.len() {
                    return Err(damaged(
                        path,
                        format!(
                            "(truncated: it holds {} records, its seal counts {})",
                            out.records.len(),
                            seal.records
                        ),
                    ));
                }
                if seal.records > 0 && macs.get(seal.records - 1) != Some(&seal.mac) {
                    return Err(damaged(path, format!("at line {} (not the record that was written)", seal.records)));
                }
            }
        }
    }
    Ok(out)
}

/// Read a journal: its records, whether a torn last line was dropped, and whether it passes
/// the keyed check. Damage (anywhere but a torn last line, or a truncation) is an error.
pub fn read(path: &Path) -> Result<Contents> {
    parse(path, &fsio::read_text(path)?)
}

/// Write `text` to the file `path` through a temp file and a rename; `durable` syncs it.
fn replace(path: &Path, text: &[u8], durable: bool) -> Result<()> {
    let temp = fsio::temp_path(path);
    let _ = std::fs::remove_file(&temp);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .and_then(|mut file| file.write_all(text).and_then(|()| if durable { file.sync_all() } else { Ok(()) }));
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed.map_err(|e| Error::io("write", path, e))?;
    match (durable, path.parent()) {
        (true, Some(dir)) => fsio::sync_dir(dir),
        _ => Ok(()),
    }
}

fn write_seal(path: &Path, records: usize, mac: &str) -> Result<()> {
    let text = serde_json::to_string(&Seal { records, mac: mac.to_string() }).unwrap_or_default();
    // Not synced: after a power loss the seal may lag the journal, which reads as intact;
    // it is only ever written after the journal records it counts are on disk.
    replace(&seal_path(path), text.as_bytes(), false)
}

/// Rewrite a journal with MACs under this user's key (state written before keyed checks,
/// or state a person reviewed and trusted with `--trust-state`); `update` may adjust each
/// record first (the keyed hashes of backups).
pub fn reseal(path: &Path, update: &mut dyn FnMut(&mut Record) -> Result<()>) -> Result<()> {
    let key = crate::seal::key()?;
    let mut contents = read(path)?;
    let mut text = String::new();
    let mut mac = String::new();
    for record in contents.records.iter_mut() {
        update(record)?;
        let json = to_json(record)?;
        mac = record_mac(key, &mac, &json);
        let line = serde_json::to_string(&Line { record: record.clone(), mac: Some(mac.clone()), check: None })
            .map_err(|e| Error::failed(format!("journal: {e}")))?;
        text.push_str(&line);
        text.push('\n');
    }
    replace(path, text.as_bytes(), true)?;
    write_seal(path, contents.records.len(), &mac)
}

/// An open journal, appended to with [`Journal::append`].
pub struct Journal {
    path: PathBuf,
    file: File,
    key: &'static crate::seal::Key,
    records: usize,
    last_mac: String,
}

impl Journal {
    /// Open for appending. A torn last line (a crash mid-append) is cut off first, so that
    /// the next record starts on a line of its own. Only a journal sealed with this user's
    /// key is appended to (the callers admit other state first: see `run::admit`).
    pub fn open(path: &Path) -> Result<Self> {
        let key = crate::seal::key()?;
        let (mut records, mut last_mac) = (0, String::new());
        if fsio::entry(path)? == fsio::Entry::File {
            let text = fsio::read_text(path)?;
            let contents = parse(path, &text)?;
            if contents.auth != Auth::Sealed {
                return Err(Error::failed(format!(
                    "journal {} is not sealed with your key; it must be reviewed (--trust-state) before it is continued",
                    path.display()
                )));
            }
            if contents.valid_len < text.len() {
                let file = OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW).open(path);
                file.and_then(|f| f.set_len(contents.valid_len as u64).and_then(|()| f.sync_all()))
                    .map_err(|e| Error::io("repair the torn end of journal", path, e))?;
            }
            records = contents.records.len();
            last_mac = contents.last_mac;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map_err(|e| Error::io("open journal", path, e))?;
        Ok(Self { path: path.to_path_buf(), file, key, records, last_mac })
    }

    fn line(&mut self, record: Record) -> Result<String> {
        let json = to_json(&record)?;
        self.last_mac = record_mac(self.key, &self.last_mac, &json);
        self.records += 1;
        serde_json::to_string(&Line { record, mac: Some(self.last_mac.clone()), check: None })
            .map_err(|e| Error::failed(format!("journal: {e}")))
    }

    /// Append records with one sync for all of them (group commit).
    pub fn append_all(&mut self, records: Vec<Record>) -> Result<()> {
        let count = records.len();
        let mut text = String::new();
        for record in records {
            text.push_str(&self.line(record)?);
            text.push('\n');
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_all())
            .map_err(|e| Error::io("append to journal", &self.path, e))?;
        write_seal(&self.path, self.records, &self.last_mac)?;
        for _ in 0..count {
            crate::failpoint::hit("journal:after_append")?;
        }
        Ok(())
    }

    /// Write a record's line without waiting for the disk; the seal is not updated (it
    /// counts only records known to be on disk).
    fn write_unsynced(&mut self, record: Record) -> Result<()> {
        let line = self.line(record)?;
        self.file.write_all(format!("{line}\n").as_bytes()).map_err(|e| Error::io("append to journal", &self.path, e))
    }

    /// Append a record and sync it to disk before returning.
    pub fn append(&mut self, record: Record) -> Result<()> {
        let line = self.line(record)?;
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.file.sync_all())
            .map_err(|e| Error::io("append to journal", &self.path, e))?;
        write_seal(&self.path, self.records, &self.last_mac)?;
        crate::failpoint::hit("journal:after_append")
    }
}

/// A journal that several threads append to at once, with group commit: a record is on
/// disk when [`SharedJournal::append`] returns, but appenders that arrive while a sync is
/// under way share the next one instead of queueing one sync each. An API run keeps a few
/// writes in flight, each announcing itself before it is sent, so this turns one `fsync`
/// per record into one per burst.
pub struct SharedJournal {
    journal: std::sync::Mutex<Journal>,
    /// Records known to be on disk; held while a sync runs, so one sync runs at a time.
    synced: std::sync::Mutex<usize>,
    /// The journal file, for syncing without holding the appenders' lock.
    sync_handle: File,
    /// A directory whose new names each sync makes durable too (the run's backups).
    names: Option<File>,
}

impl SharedJournal {
    /// `names`: a directory the appenders add files to before announcing them in a record
    /// (written with [`fsio::write_atomic_unsynced_name`]); each sync covers its entries.
    pub fn new(journal: Journal, names: Option<&Path>) -> Result<Self> {
        let sync_handle = journal.file.try_clone().map_err(|e| Error::io("open journal", &journal.path, e))?;
        let names = match names {
            Some(dir) => Some(File::open(dir).map_err(|e| Error::io("open directory", dir, e))?),
            None => None,
        };
        let synced = journal.records;
        Ok(Self { journal: std::sync::Mutex::new(journal), synced: std::sync::Mutex::new(synced), sync_handle, names })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Append a record and return once it is on disk.
    pub fn append(&self, record: Record) -> Result<()> {
        let mine = {
            let mut journal = self.lock();
            journal.write_unsynced(record)?;
            journal.records
        };
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        if *synced < mine {
            // Everything written so far is covered by this sync; later lines wait for the next.
            let (path, count, mac) = {
                let journal = self.lock();
                (journal.path.clone(), journal.records, journal.last_mac.clone())
            };
            if let Some(names) = &self.names {
                names.sync_all().map_err(|e| Error::io("sync the directory beside journal", &path, e))?;
            }
            self.sync_handle.sync_data().map_err(|e| Error::io("append to journal", &path, e))?;
            write_seal(&path, count, &mac)?;
            *synced = count;
        }
        drop(synced);
        crate::failpoint::hit("journal:after_append")
    }

    /// Append a record without waiting for the disk: for records whose loss a resumed run
    /// recovers from by reading the target again (a write's `Done`: the target shows whether
    /// the write landed). The next [`append`](Self::append) syncs it too.
    pub fn append_lazy(&self, record: Record) -> Result<()> {
        self.lock().write_unsynced(record)?;
        crate::failpoint::hit("journal:after_append")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        journal
            .append(Record::Begin {
                kind: RunKind::Apply,
                tool_version: "t".into(),
                plan_digest: "d".into(),
                target: None,
            })
            .unwrap();
        journal.append(Record::Done { path: "a".into() }).unwrap();
        drop(journal);
        let contents = read(&path).unwrap();
        assert_eq!(contents.records.len(), 2);
        assert!(!contents.torn);
        assert_eq!(contents.auth, Auth::Sealed);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"record\":{\"type\":\"En");
        std::fs::write(&path, &text).unwrap();
        let contents = read(&path).unwrap();
        assert_eq!(contents.records.len(), 2);
        assert!(contents.torn);
    }

    #[test]
    fn concurrent_appends_share_syncs_and_every_record_reads_back_in_a_valid_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let names = dir.path().join("backup");
        std::fs::create_dir(&names).unwrap();
        let shared = SharedJournal::new(Journal::open(&path).unwrap(), Some(&names)).unwrap();
        std::thread::scope(|scope| {
            for worker in 0..8 {
                let shared = &shared;
                scope.spawn(move || {
                    for n in 0..25 {
                        shared.append(Record::Done { path: format!("w{worker}/{n}") }).unwrap();
                        shared.append_lazy(Record::Restored { path: format!("w{worker}/{n}") }).unwrap();
                    }
                });
            }
        });
        // The seal counts only what a sync covered: every durable record, perhaps not the
        // lazy ones after the last sync. A durable append at the end covers them all.
        shared.append(Record::End).unwrap();
        drop(shared);
        let contents = read(&path).unwrap();
        assert_eq!(contents.records.len(), 8 * 25 * 2 + 1);
        assert_eq!(contents.auth, Auth::Sealed);
        let seal: Seal = serde_json::from_str(&std::fs::read_to_string(seal_path(&path)).unwrap()).unwrap();
        assert_eq!(seal.records, contents.records.len());
        // Lazy records past the seal read as intact (a seal may lag), and reopening continues the chain.
        let mut journal = Journal::open(&path).unwrap();
        journal.write_unsynced(Record::Done { path: "late".into() }).unwrap();
        drop(journal);
        assert_eq!(read(&path).unwrap().records.len(), 8 * 25 * 2 + 2);
    }

    #[test]
    fn a_truncated_journal_is_damaged_and_a_foreign_one_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        for name in ["a", "b", "c"] {
            journal.append(Record::Done { path: name.into() }).unwrap();
        }
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        let first_two: String = text.split_inclusive('\n').take(2).collect();
        std::fs::write(&path, &first_two).unwrap();
        let error = read(&path).err().unwrap();
        assert!(error.message.contains("truncated"), "{}", error.message);
        // Cut mid-line: the torn tail is not taken for a crash either.
        std::fs::write(&path, &text[..text.len() - 10]).unwrap();
        assert!(read(&path).err().unwrap().message.contains("truncated"));
        // Every MAC from another key.
        std::fs::remove_file(seal_path(&path)).unwrap();
        let other = crate::seal::Key::for_tests([9; 32]);
        let mut mac = String::new();
        let mut foreign = String::new();
        for name in ["a", "b"] {
            let record = Record::Done { path: name.into() };
            mac = record_mac(&other, &mac, &to_json(&record).unwrap());
            foreign.push_str(&serde_json::to_string(&Line { record, mac: Some(mac.clone()), check: None }).unwrap());
            foreign.push('\n');
        }
        std::fs::write(&path, &foreign).unwrap();
        assert_eq!(read(&path).unwrap().auth, Auth::Failed);
        assert!(Journal::open(&path).is_err(), "a foreign journal is never appended to");
        reseal(&path, &mut |_| Ok(())).unwrap();
        assert_eq!(read(&path).unwrap().auth, Auth::Sealed);
    }

    #[test]
    fn edited_middle_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        journal.append(Record::Done { path: "a".into() }).unwrap();
        journal.append(Record::End).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap().replacen("\"a\"", "\"b\"", 1);
        std::fs::write(&path, text).unwrap();
        assert!(read(&path).unwrap_err().message.contains("damaged at line 1"));
    }
}
