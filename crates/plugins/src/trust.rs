//! Trusting a plugin file: who could have written it, and loading exactly the bytes that
//! were hashed.
//!
//! - **Writers** (ssh's `StrictModes` rule): the file and every directory above it must
//!   belong to this user or root and must not be writable by group or others; a
//!   world-writable directory passes only when it is root's and sticky (`/tmp`), where others
//!   cannot rename or delete this user's entries.
//! - **One file**: the file is opened once (no symlink followed at the last component),
//!   checked and hashed through that descriptor, and a library is then loaded from a sealed
//!   in-memory copy of those bytes (`memfd`), never from the path again: swapping the file
//!   after the check cannot change what runs.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use handover_migrate_io::{Error, Result};

/// A plugin file read once through one descriptor, after its writers were checked.
#[derive(Debug)]
pub struct CheckedFile {
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
}

/// Open `path` (canonical), refuse it when someone else could have written it, and read and
/// hash it through that one descriptor.
pub fn open_checked(path: &Path, what: &str) -> Result<CheckedFile> {
    check_directories(path, what)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(&format!("open the {what}"), path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(&format!("inspect the {what}"), path, e))?;
    if !meta.is_file() {
        return Err(Error::failed(format!("{what} {} is not a regular file; it was not loaded", path.display())));
    }
    check_writers(path, &meta, what, false)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).map_err(|e| Error::io(&format!("read the {what}"), path, e))?;
    let sha256 = handover_migrate_io::fsio::sha256_hex(&bytes);
    Ok(CheckedFile { bytes, sha256 })
}

/// Every directory above `path` must pass [`check_writers`].
fn check_directories(path: &Path, what: &str) -> Result<()> {
    for dir in path.ancestors().skip(1).filter(|d| !d.as_os_str().is_empty()) {
        let meta =
            std::fs::metadata(dir).map_err(|e| Error::io(&format!("inspect the directory of the {what}"), dir, e))?;
        check_writers(
            dir,
            &meta,
            &format!("the directory {} holding the {what} {}", dir.display(), path.display()),
            true,
        )?;
    }
    Ok(())
}

/// Refuse `path` (described as `what`) when it belongs to someone other than this user or
/// root, or when group or others may write it.
fn check_writers(path: &Path, meta: &std::fs::Metadata, what: &str, is_dir: bool) -> Result<()> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let subject = if is_dir { what.to_string() } else { format!("{what} {}", path.display()) };
    if meta.uid() != me && meta.uid() != 0 {
        return Err(Error::failed(format!(
            "{subject} belongs to user id {}, not to you (user id {me}) or root, so it may run code you did not \
             choose; it was not loaded. Fix: review it, then copy it to a file of your own (or `chown` it)",
            meta.uid()
        )));
    }
    let mode = meta.permissions().mode();
    let sticky_root_dir = is_dir && meta.uid() == 0 && mode & 0o1000 != 0;
    if mode & 0o022 != 0 && !sticky_root_dir {
        return Err(Error::failed(format!(
            "{subject} is writable by {} (mode {:04o}), so someone else could change what runs; it was not loaded. \
             Fix: chmod go-w {}",
            if mode & 0o002 != 0 { "every user" } else { "its group" },
            mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

/// A path that opens exactly `bytes`: a sealed in-memory file, kept open for the life of
/// the process (libraries are never unloaded), named through `/proc/self/fd`.
#[cfg(target_os = "linux")]
pub fn loadable_copy(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    use std::os::fd::FromRawFd;
    let failed = |step: &str, e: std::io::Error| {
        Error::failed(format!(
            "plugin {}: cannot make the in-memory copy it is loaded from ({step}: {e}); it was not loaded",
            path.display()
        ))
    };
    // SAFETY: the name is a valid C string; the returned descriptor is checked and owned below.
    let fd =
        unsafe { libc::memfd_create(c"handover-migrate-plugin".as_ptr(), libc::MFD_ALLOW_SEALING | libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(failed("memfd_create", std::io::Error::last_os_error()));
    }
    // SAFETY: `fd` was just created and nothing else owns it.
    let mut copy = unsafe { std::fs::File::from_raw_fd(fd) };
    // Not inherited itself: only the sealed duplicate below is.
    copy.write_all(bytes).map_err(|e| failed("write", e))?;
    let seals = libc::F_SEAL_WRITE | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
    // SAFETY: fcntl on a descriptor this function owns.
    if unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals) } != 0 {
        return Err(failed("seal", std::io::Error::last_os_error()));
    }
    // The descriptor is inherited by an isolated plugin's runner (which loads the same
    // copy); a high number keeps it out of the low descriptors children set up.
    // SAFETY: F_DUPFD on a descriptor this function owns returns a new one or -1.
    let kept = unsafe { libc::fcntl(fd, libc::F_DUPFD, 200) };
    if kept < 0 {
        return Err(failed("dup", std::io::Error::last_os_error()));
    }
    drop(copy);
    let load_path = PathBuf::from(format!("/proc/self/fd/{kept}"));
    if !load_path.exists() {
        return Err(failed("open /proc/self/fd", std::io::Error::from(std::io::ErrorKind::NotFound)));
    }
    // The loader maps the library through this descriptor's path: it stays open for good.
    Ok(load_path)
}

/// Elsewhere there is no sealed in-memory file: the checked path is loaded, and the writer
/// checks are what keeps it unchanged.
#[cfg(not(target_os = "linux"))]
pub fn loadable_copy(path: &Path, _bytes: &[u8]) -> Result<PathBuf> {
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaded_copy_is_the_hashed_bytes_even_when_the_file_is_swapped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plugin.so");
        std::fs::write(&path, b"the bytes that were checked").unwrap();
        let checked = open_checked(&path, "plugin").unwrap();
        std::fs::write(&path, b"something planted afterwards").unwrap();
        let copy = loadable_copy(&path, &checked.bytes).unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), b"the bytes that were checked");
        assert_eq!(checked.sha256, handover_migrate_io::fsio::sha256_hex(b"the bytes that were checked"));
        // Sealed: not even this process can change it.
        assert!(std::fs::OpenOptions::new()
            .write(true)
            .open(&copy)
            .and_then(|mut f| {
                use std::io::Write;
                f.write_all(b"x")
            })
            .is_err());
    }

    #[test]
    fn writable_files_and_directories_are_refused_naming_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plugin.toml");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let error = open_checked(&path, "plugin").unwrap_err().message;
        assert!(error.contains("writable by every user") && error.contains("chmod go-w"), "{error}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(open_checked(&path, "plugin").is_ok());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
        let error = open_checked(&path, "plugin").unwrap_err().message;
        assert!(
            error.contains("writable by its group") && error.contains(&dir.path().display().to_string()),
            "{error}"
        );
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}
