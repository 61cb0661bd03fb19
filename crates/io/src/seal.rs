//! State is authenticated, not just checksummed: journal records (and backups) carry an
//! HMAC-SHA-256 under a per-user key kept outside every project, in the per-user state
//! directory (`$XDG_STATE_HOME/handover-migrate/key` or
//! `~/.local/state/handover-migrate/key`, mode 0600, created on first use).
//!
//! A state directory that arrives with a shared repository, or was written by another user,
//! machine or CI job, or edited, fails the check: it is never resumed or rolled back
//! without a person's `--trust-state`.

#[cfg(not(test))]
use std::io::Read;
use std::os::unix::fs::MetadataExt;
#[cfg(not(test))]
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

pub const KEY_FILE: &str = "key";
const KEY_BYTES: usize = 32;

/// The per-user state directory: `$XDG_STATE_HOME/handover-migrate` (when absolute), else
/// `$HOME/.local/state/handover-migrate`.
pub fn user_state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".local/state")))
        .map(|base| base.join("handover-migrate"))
}

pub struct Key([u8; KEY_BYTES]);

impl Key {
    #[cfg(test)]
    pub(crate) fn for_tests(bytes: [u8; KEY_BYTES]) -> Key {
        Key(bytes)
    }

    /// HMAC-SHA-256 of `parts` (each length-prefixed, so that parts cannot be shifted
    /// between each other), as hex.
    pub fn mac(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The user's key, read (or created) once per process.
pub fn key() -> Result<&'static Key> {
    static KEY: OnceLock<std::result::Result<Key, String>> = OnceLock::new();
    KEY.get_or_init(|| load_or_create().map_err(|e| e.message))
        .as_ref()
        .map_err(|message| Error::failed(message.clone()))
}

#[cfg(test)]
fn load_or_create() -> Result<Key> {
    // Unit tests never touch the user's home.
    Ok(Key([7; KEY_BYTES]))
}

#[cfg(not(test))]
fn load_or_create() -> Result<Key> {
    let dir = user_state_dir().ok_or_else(|| {
        Error::failed(
            "cannot find the per-user state directory for handover-migrate's key: set HOME or XDG_STATE_HOME"
                .to_string(),
        )
    })?;
    crate::fsio::create_dirs(&dir, 0o700)?;
    let path = dir.join(KEY_FILE);
    if crate::fsio::entry(&path)? == crate::fsio::Entry::Missing {
        create(&dir, &path)?;
    }
    read_key(&path)
}

/// Write a new key beside `path` and link it into place: a concurrent first run either
/// wins or reads the winner's key, never half a key.
#[cfg(not(test))]
fn create(dir: &Path, path: &Path) -> Result<()> {
    use std::io::Write;
    let mut bytes = [0u8; KEY_BYTES];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|e| Error::io("read random bytes from", Path::new("/dev/urandom"), e))?;
    let temp = dir.join(format!(".key.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .and_then(|mut file| file.write_all(hex::encode(bytes).as_bytes()).and_then(|()| file.sync_all()));
    let linked = written.and_then(|()| match std::fs::hard_link(&temp, path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    });
    let _ = std::fs::remove_file(&temp);
    linked.map_err(|e| Error::io("create the key", path, e))?;
    crate::fsio::sync_dir(dir)
}

#[cfg(not(test))]
fn read_key(path: &Path) -> Result<Key> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| Error::io("open the key", path, e))?;
    let meta = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if !meta.is_file() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(Error::failed(format!(
            "{} must be a file of yours readable by you only (mode 0600); it is {} with mode {:o}. Fix it with \
             `chmod 600 {}`, or remove it to make a new key (state sealed with the old one then needs --trust-state)",
            path.display(),
            if meta.uid() == me { "yours".to_string() } else { format!("owned by uid {}", meta.uid()) },
            meta.mode() & 0o7777,
            path.display()
        )));
    }
    let mut text = String::new();
    (&file).read_to_string(&mut text).map_err(|e| Error::io("read", path, e))?;
    let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == KEY_BYTES).ok_or_else(|| {
        Error::failed(format!("{} is not a handover-migrate key; remove it to make a new one", path.display()))
    })?;
    let mut key = [0u8; KEY_BYTES];
    key.copy_from_slice(&bytes);
    Ok(Key(key))
}

/// Why a path of the state is not the user's alone: owned by another user, or writable by
/// the group or others. `None` when it is fine (or missing).
pub fn foreign_owner(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if meta.file_type().is_symlink() {
        return Some(format!("{} is a symbolic link", path.display()));
    }
    if meta.uid() != me {
        return Some(format!("{} is owned by another user (uid {})", path.display(), meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Some(format!(
            "{} is writable by {} (mode {:o})",
            path.display(),
            if meta.mode() & 0o002 != 0 { "everyone" } else { "its group" },
            meta.mode() & 0o7777
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_depend_on_every_part_and_its_boundaries() {
        let key = key().unwrap();
        assert_eq!(key.mac(&[b"a", b"bc"]), key.mac(&[b"a", b"bc"]));
        assert_ne!(key.mac(&[b"a", b"bc"]), key.mac(&[b"ab", b"c"]));
        assert_ne!(key.mac(&[b"a"]), Key([8; KEY_BYTES]).mac(&[b"a"]));
    }
}
