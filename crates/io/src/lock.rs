//! One run at a time per project: a lock file created with `O_EXCL`, as git does.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

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

/// Held while a command changes the project; removed on drop.
pub struct Lock {
    path: PathBuf,
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|s| s.trim().to_string()).unwrap_or_default()
}

fn process_alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks whether the process exists.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

impl Lock {
    pub fn acquire(state_dir: &Path, command: &str) -> Result<Self> {
        let path = state_dir.join(LOCK_FILE);
        match OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(&path) {
            Ok(mut file) => {
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
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| Error::io("write", &path, e))?;
                let lock = Self { path };
                crate::failpoint::hit("lock:acquired")?;
                Ok(lock)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Self::held_error(&path)),
            Err(e) => Err(Error::io("create lock", &path, e)),
        }
    }

    fn held_error(path: &Path) -> Error {
        let owner = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str::<Owner>(&t).ok());
        match owner {
            Some(owner) if owner.host == host_name() && !process_alive(owner.pid) => Error::failed(format!(
                "a stale lock {} is left by `{}` (process {}, which is no longer running — it was killed or crashed). \
                 Run `handover-migrate unlock` to remove it, then rerun your command: a rerun resumes, and `rollback` \
                 undoes, the interrupted run",
                path.display(),
                owner.command,
                owner.pid
            )),
            Some(owner) => Error::failed(format!(
                "another handover-migrate run (`{}`, process {} on {}) is working on this project (lock {}). \
                 Wait for it to finish; if it is gone, run `handover-migrate unlock`",
                owner.command,
                owner.pid,
                if owner.host.is_empty() { "unknown host" } else { &owner.host },
                path.display()
            )),
            None => Error::failed(format!(
                "the lock {} exists but cannot be read; if no other run is active, run `handover-migrate unlock`",
                path.display()
            )),
        }
    }

    /// Remove a lock left behind; refuses while its process is alive on this host.
    pub fn force_remove(state_dir: &Path) -> Result<bool> {
        let path = state_dir.join(LOCK_FILE);
        if !path.exists() {
            return Ok(false);
        }
        let owner = std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str::<Owner>(&t).ok());
        if let Some(owner) = owner {
            if owner.host == host_name() && process_alive(owner.pid) && owner.pid != std::process::id() {
                return Err(Error::failed(format!(
                    "the lock belongs to process {} (`{}`), which is still running; stop it first",
                    owner.pid, owner.command
                )));
            }
        }
        crate::fsio::remove_file(&path)?;
        Ok(true)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
