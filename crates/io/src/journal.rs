//! The run journal: an append-only, checksummed, fsynced record of every write.
//!
//! One JSON object per line: `{"record": …, "check": "<sha256 of the record's JSON>"}`.
//! A record is synced to disk before the side effect it announces. The journal holds
//! paths and hashes only; pre-images (which may contain secrets) live in owner-only
//! backup files beside it. A torn last line (a crash mid-append) is detected by its
//! checksum and ignored; damage anywhere else is an error.

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

#[derive(Serialize, Deserialize)]
struct Line {
    record: Record,
    check: String,
}

/// An open journal, appended to with [`Journal::append`].
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Open for appending. A torn last line (a crash mid-append) is cut off first, so that
    /// the next record starts on a line of its own.
    pub fn open(path: &Path) -> Result<Self> {
        if fsio::entry(path)? == fsio::Entry::File {
            let text = fsio::read_text(path)?;
            let valid = valid_prefix_len(&text);
            if valid < text.len() {
                let file = OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW).open(path);
                file.and_then(|f| f.set_len(valid as u64).and_then(|()| f.sync_all()))
                    .map_err(|e| Error::io("repair the torn end of journal", path, e))?;
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map_err(|e| Error::io("open journal", path, e))?;
        Ok(Self { path: path.to_path_buf(), file })
    }

    /// Append records with one sync for all of them (group commit).
    pub fn append_all(&mut self, records: Vec<Record>) -> Result<()> {
        let mut text = String::new();
        for record in &records {
            let json = serde_json::to_string(record).map_err(|e| Error::failed(format!("journal: {e}")))?;
            let line = serde_json::to_string(&Line { check: sha256_hex(json.as_bytes()), record: record.clone() })
                .map_err(|e| Error::failed(format!("journal: {e}")))?;
            text.push_str(&line);
            text.push('\n');
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_all())
            .map_err(|e| Error::io("append to journal", &self.path, e))?;
        for _ in &records {
            crate::failpoint::hit("journal:after_append")?;
        }
        Ok(())
    }

    /// Append a record and sync it to disk before returning.
    pub fn append(&mut self, record: Record) -> Result<()> {
        let json = serde_json::to_string(&record).map_err(|e| Error::failed(format!("journal: {e}")))?;
        let line = serde_json::to_string(&Line { check: sha256_hex(json.as_bytes()), record })
            .map_err(|e| Error::failed(format!("journal: {e}")))?;
        self.file
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.file.sync_all())
            .map_err(|e| Error::io("append to journal", &self.path, e))?;
        crate::failpoint::hit("journal:after_append")
    }
}

fn parse_line(line: &str) -> Option<Line> {
    line.strip_suffix('\n')
        .and_then(|body| serde_json::from_str::<Line>(body).ok())
        .filter(|l| serde_json::to_string(&l.record).map(|j| sha256_hex(j.as_bytes())).ok().as_ref() == Some(&l.check))
}

/// Bytes of `text` up to the end of its last valid line, when only the last line is bad.
fn valid_prefix_len(text: &str) -> usize {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match lines.last() {
        Some(last) if parse_line(last).is_none() => text.len() - last.len(),
        _ => text.len(),
    }
}

/// Read a journal. Returns the records and whether a torn last line was dropped.
pub fn read(path: &Path) -> Result<(Vec<Record>, bool)> {
    let text = fsio::read_text(path)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut records = Vec::new();
    let mut torn = false;
    for (index, line) in lines.iter().enumerate() {
        let is_last = index + 1 == lines.len();
        match parse_line(line) {
            Some(line) => records.push(line.record),
            None if is_last => torn = true,
            None => {
                return Err(Error::failed(format!(
                    "journal {} is damaged at line {} (checksum or format); it was edited or the disk is failing. \
                     Restore it from a backup, or move the run directory away to give up on rolling that run back",
                    path.display(),
                    index + 1
                )))
            }
        }
    }
    Ok((records, torn))
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
        let (records, torn) = read(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert!(!torn);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"record\":{\"type\":\"En");
        std::fs::write(&path, &text).unwrap();
        let (records, torn) = read(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert!(torn);
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
