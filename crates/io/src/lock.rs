//! One run at a time per project: an exclusive lock held by the kernel (`flock`, through
//! std's `File::try_lock`) on a lock file in the state directory.
//!
//! The kernel releases the lock when its process ends, however it ends: a run killed with
//! `kill -9` leaves nothing a person must remove, and the next command resumes or rolls
//! back directly. The lock file itself stays; the process id, host and command written
//! into it are information for messages only, never what decides whether the lock is held.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const LOCK_FILE: &str = "lock";

#[derive(Serialize, Deserialize)]
struct Owner {
    pid: u32,
    host: String,
    command: String,
    started: u64,
}

/// Held while a command changes the project; the kernel releases it when the file is
/// closed (on drop, or when the process ends).
pub struct Lock {
    _file: File,
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_default()
}

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                Error::failed(format!(
                    "{} is a symbolic link; handover-migrate never follows links. Remove it",
                    path.display()
                ))
            } else {
                Error::io("open lock file", path, e)
            }
        })
}

impl Lock {
    pub fn acquire(state_dir: &Path, command: &str) -> Result<Self> {
        let path = state_dir.join(LOCK_FILE);
        let mut file = open_lock_file(&path)?;
        let metadata = file.metadata().map_err(|e| Error::io("inspect", &path, e))?;
        if !metadata.is_file() {
            return Err(Error::failed(format!("{} is not a regular file; move it away", path.display())));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(Self::held_error(&path, &mut file)),
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        let owner = Owner {
            pid: std::process::id(),
            host: host_name(),
            command: command.to_string(),
            started: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default(),
        };
        let text = serde_json::to_string(&owner).unwrap_or_default();
        // Information for another run's message only: not synced, and harmless when stale.
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(text.as_bytes()))
            .map_err(|e| Error::io("write", &path, e))?;
        let lock = Self { _file: file };
        crate::failpoint::hit("lock:acquired")?;
        Ok(lock)
    }

    fn held_error(path: &Path, file: &mut File) -> Error {
        let mut text = String::new();
        let owner = file.read_to_string(&mut text).ok().and_then(|_| serde_json::from_str::<Owner>(&text).ok());
        match owner {
            Some(owner) => Error::failed(format!(
                "another handover-migrate run (`{}`, process {} on {}) is working on this project (lock {}). \
                 Wait for it to finish; the lock is released when that process ends",
                owner.command,
                owner.pid,
                if owner.host.is_empty() { "unknown host" } else { &owner.host },
                path.display()
            )),
            None => Error::failed(format!(
                "another handover-migrate run is working on this project (lock {}). Wait for it to finish; the \
                 lock is released when that process ends",
                path.display()
            )),
        }
    }

    /// Remove the lock file, for a lock the kernel cannot release (a network file system
    /// whose server kept a lock of a vanished client). Refuses while a process on this
    /// host holds it. Returns whether there was a lock file.
    pub fn force_remove(state_dir: &Path) -> Result<bool> {
        let path = state_dir.join(LOCK_FILE);
        if crate::fsio::entry(&path)? == crate::fsio::Entry::Missing {
            return Ok(false);
        }
        let mut file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let owner = file.read_to_string(&mut text).ok().and_then(|_| serde_json::from_str::<Owner>(&text).ok());
                let on_this_host = owner.as_ref().is_some_and(|o| o.host == host_name());
                if on_this_host || owner.is_none() {
                    return Err(Self::held_error(&path, &mut file));
                }
            }
            Err(std::fs::TryLockError::Error(_)) => {}
        }
        crate::fsio::remove_file(&path)?;
        Ok(true)
    }
}

/// Whether some process holds the lock of `state_dir` (for tests and status output).
pub fn is_held(state_dir: &Path) -> Result<bool> {
    let path = state_dir.join(LOCK_FILE);
    if crate::fsio::entry(&path)? == crate::fsio::Entry::Missing {
        return Ok(false);
    }
    let file = open_lock_file(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", &path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path(), "apply").unwrap();
        let error = Lock::acquire(dir.path(), "cleanup").err().unwrap();
        assert!(error.message.contains("`apply`"), "{}", error.message);
        assert!(is_held(dir.path()).unwrap());
        drop(first);
        assert!(!is_held(dir.path()).unwrap());
        Lock::acquire(dir.path(), "cleanup").unwrap();
    }
}
