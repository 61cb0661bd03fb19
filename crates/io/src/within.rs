//! The project root is a wall: every project path the tool writes, deletes or restores is
//! checked to be relative with no `..`, and is reached by opening one directory at a time
//! from the root with `O_NOFOLLOW | O_DIRECTORY` (`openat`), so that no symbolic link in
//! any component, planted before or during a run, can lead a write outside the project.
//! The final operation (create, rename, unlink, read) is done relative to the opened
//! parent directory, never by path.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsio::{Entry, TEMP_SUFFIX};

/// Refuse a project path that is absolute, holds `..` (or `.`, an empty component, a NUL)
/// or is empty: paths from plans, journals, answers and names all pass here.
pub fn check_relative(rel: &str) -> Result<()> {
    let bad = rel.is_empty()
        || rel.starts_with('/')
        || rel.contains('\0')
        || rel.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(Error::failed(format!(
            "refusing the path {rel:?}: a project path must be relative to the project, without `..` (it would reach \
             outside the project). Nothing was written"
        )));
    }
    Ok(())
}

/// An open directory inside the project, reached without following links.
pub struct Dir {
    fd: OwnedFd,
    /// For messages only.
    path: PathBuf,
}

fn c_name(name: &str, path: &Path) -> Result<CString> {
    CString::new(name).map_err(|_| Error::failed(format!("{}: the name holds a NUL byte", path.display())))
}

fn last_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

fn link_refused(path: &Path) -> Error {
    Error::failed(format!(
        "{} is a symbolic link (or not a directory); handover-migrate never follows links inside the project. \
         Replace it with the directory itself. Nothing more was written",
        path.display()
    ))
}

impl Dir {
    /// The project root itself (given by the user; a link there is the user's choice).
    pub fn root(root: &Path) -> Result<Dir> {
        let c = CString::new(root.as_os_str().as_bytes())
            .map_err(|_| Error::failed(format!("{}: the path holds a NUL byte", root.display())))?;
        // SAFETY: a valid C string; the returned descriptor is owned below.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(Error::io("open directory", root, last_error()));
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(Dir { fd: unsafe { OwnedFd::from_raw_fd(fd) }, path: root.to_path_buf() })
    }

    /// The directory `rel` (relative, checked) under `root`, each component opened without
    /// following links. With `create`, missing components are created with that mode;
    /// returns them too (project-relative, outermost first).
    pub fn open(root: &Path, rel: &str, create: Option<u32>) -> Result<(Dir, Vec<String>)> {
        let mut dir = Dir::root(root)?;
        let mut created = Vec::new();
        if rel.is_empty() {
            return Ok((dir, created));
        }
        check_relative(rel)?;
        let mut so_far = String::new();
        for part in rel.split('/') {
            if !so_far.is_empty() {
                so_far.push('/');
            }
            so_far.push_str(part);
            let name = c_name(part, &dir.path)?;
            if let Some(mode) = create {
                // SAFETY: a valid descriptor and C string.
                let made = unsafe { libc::mkdirat(dir.fd.as_raw_fd(), name.as_ptr(), mode as libc::mode_t) };
                if made == 0 {
                    dir.sync()?;
                    created.push(so_far.clone());
                } else if last_error().raw_os_error() != Some(libc::EEXIST) {
                    return Err(Error::io("create directory", &dir.path.join(part), last_error()));
                }
            }
            dir = dir.child(&name, part)?;
        }
        Ok((dir, created))
    }

    fn child(&self, name: &CStr, part: &str) -> Result<Dir> {
        let path = self.path.join(part);
        // SAFETY: a valid descriptor and C string; the result is owned below.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                name.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let error = last_error();
            return match error.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => Err(link_refused(&path)),
                _ => Err(Error::io("open directory", &path, error)),
            };
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(Dir { fd: unsafe { OwnedFd::from_raw_fd(fd) }, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What `name` in this directory is, without following a link.
    pub fn entry(&self, name: &str) -> Result<Entry> {
        let c = c_name(name, &self.path)?;
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: a valid descriptor, C string and out-pointer.
        let result =
            unsafe { libc::fstatat(self.fd.as_raw_fd(), c.as_ptr(), stat.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW) };
        if result != 0 {
            let error = last_error();
            return match error.kind() {
                std::io::ErrorKind::NotFound => Ok(Entry::Missing),
                _ => Err(Error::io("inspect", &self.path.join(name), error)),
            };
        }
        // SAFETY: fstatat succeeded and filled the struct.
        let mode = unsafe { stat.assume_init() }.st_mode & libc::S_IFMT;
        Ok(match mode {
            libc::S_IFREG => Entry::File,
            libc::S_IFDIR => Entry::Dir,
            libc::S_IFLNK => Entry::Symlink,
            _ => Entry::Other,
        })
    }

    /// Permission bits of the regular file `name`.
    #[allow(clippy::unnecessary_cast)] // `st_mode` is u16 on some Unixes
    pub fn mode(&self, name: &str) -> Option<u32> {
        let c = c_name(name, &self.path).ok()?;
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: as in `entry`.
        let result =
            unsafe { libc::fstatat(self.fd.as_raw_fd(), c.as_ptr(), stat.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW) };
        // SAFETY: filled when fstatat succeeded.
        (result == 0).then(|| (unsafe { stat.assume_init() }.st_mode as u32) & 0o7777)
    }

    fn open_file(&self, name: &str, flags: libc::c_int, mode: u32) -> std::io::Result<File> {
        let c = CString::new(name).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: a valid descriptor and C string; the result is owned below.
        let fd = unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                c.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(last_error());
        }
        // SAFETY: a fresh descriptor.
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// Read the regular file `name` (a link, FIFO or directory is refused by name).
    pub fn read(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.path.join(name);
        self.entry(name)?.require_file(&path)?;
        let mut file =
            self.open_file(name, libc::O_RDONLY | libc::O_NONBLOCK, 0).map_err(|e| Error::io("open", &path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| Error::io("read", &path, e))?;
        Ok(bytes)
    }

    /// The temp file name of `name` (the one [`crate::fsio::temp_path`] gives).
    pub fn temp_name(name: &str) -> String {
        format!(".{name}{TEMP_SUFFIX}")
    }

    /// Group commit, step 1: write `bytes` to the temp file of `name` (not synced). An
    /// existing file keeps its permissions; `mode` applies to a new one.
    pub fn write_temp(&self, name: &str, bytes: &[u8], mode: u32) -> Result<()> {
        crate::failpoint::hit("write_atomic:before")?;
        let path = self.path.join(name);
        let mode = match self.entry(name)? {
            Entry::File => self.mode(name).unwrap_or(mode),
            Entry::Missing => mode,
            _ => {
                return Err(Error::failed(format!("{} is not a regular file; refusing to replace it", path.display())))
            }
        };
        let temp = Self::temp_name(name);
        self.remove(&temp)?;
        let result = self
            .open_file(&temp, libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL, mode)
            .and_then(|mut file| {
                use std::os::unix::fs::PermissionsExt;
                file.write_all(bytes).and_then(|()| file.set_permissions(std::fs::Permissions::from_mode(mode)))
            })
            .map_err(|e| Error::io("write", &self.path.join(&temp), e));
        if result.is_err() {
            let _ = self.remove(&temp);
        }
        result
    }

    /// Group commit, step 3: rename the temp file of `name` into place.
    pub fn install_temp(&self, name: &str) -> Result<()> {
        crate::failpoint::hit("write_atomic:before_rename")?;
        let from = c_name(&Self::temp_name(name), &self.path)?;
        let to = c_name(name, &self.path)?;
        let fd = self.fd.as_raw_fd();
        // SAFETY: valid descriptors and C strings.
        if unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) } != 0 {
            return Err(Error::io("replace", &self.path.join(name), last_error()));
        }
        Ok(())
    }

    /// Replace `name` atomically and durably (temp file, fsync, rename, fsync directory).
    pub fn write_atomic(&self, name: &str, bytes: &[u8], mode: u32) -> Result<()> {
        self.write_temp(name, bytes, mode)?;
        let temp = Self::temp_name(name);
        let synced = self
            .open_file(&temp, libc::O_RDONLY, 0)
            .and_then(|file| file.sync_all())
            .map_err(|e| Error::io("sync", &self.path.join(&temp), e));
        let result = synced.and_then(|()| self.install_temp(name));
        if result.is_err() {
            let _ = self.remove(&temp);
        }
        result?;
        self.sync()
    }

    /// Remove the file `name` (a missing file is fine); the directory is synced.
    pub fn remove(&self, name: &str) -> Result<()> {
        let c = c_name(name, &self.path)?;
        // SAFETY: a valid descriptor and C string.
        if unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) } != 0 {
            let error = last_error();
            if error.kind() == std::io::ErrorKind::NotFound {
                return Ok(());
            }
            return Err(Error::io("remove", &self.path.join(name), error));
        }
        self.sync()
    }

    /// Remove the directory `name` if it is empty (otherwise leave it).
    pub fn remove_empty_dir(&self, name: &str) -> Result<()> {
        let c = c_name(name, &self.path)?;
        // SAFETY: a valid descriptor and C string.
        if unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), libc::AT_REMOVEDIR) } == 0 {
            self.sync()?;
        }
        Ok(())
    }

    /// fsync the directory.
    pub fn sync(&self) -> Result<()> {
        // SAFETY: a valid descriptor.
        if unsafe { libc::fsync(self.fd.as_raw_fd()) } != 0 {
            return Err(Error::io("sync directory", &self.path, last_error()));
        }
        Ok(())
    }
}

/// Split a checked project path into its parent directory (`""` for the root) and name.
pub fn split(rel: &str) -> Result<(&str, &str)> {
    check_relative(rel)?;
    Ok(match rel.rsplit_once('/') {
        Some((parent, name)) => (parent, name),
        None => ("", rel),
    })
}

/// The parent directory of the project file `rel` and the file's name, when every
/// directory on the way exists; `None` when one is missing. A link (or a file) where a
/// directory is expected is refused.
pub fn existing_parent<'a>(root: &Path, rel: &'a str) -> Result<Option<(Dir, &'a str)>> {
    let (parent, name) = split(rel)?;
    let mut dir = Dir::root(root)?;
    if !parent.is_empty() {
        for part in parent.split('/') {
            if dir.entry(part)? == Entry::Missing {
                return Ok(None);
            }
            dir = dir.child(&c_name(part, &dir.path)?, part)?;
        }
    }
    Ok(Some((dir, name)))
}

/// The directories of `parent` (project-relative) that do not exist yet, outermost first;
/// a link on the way is refused.
pub fn missing_dirs(root: &Path, parent: &str) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    if parent.is_empty() {
        return Ok(missing);
    }
    check_relative(parent)?;
    let mut dir = Some(Dir::root(root)?);
    let mut so_far = String::new();
    for part in parent.split('/') {
        if !so_far.is_empty() {
            so_far.push('/');
        }
        so_far.push_str(part);
        match dir.take() {
            Some(open) if open.entry(part)? != Entry::Missing => {
                dir = Some(open.child(&c_name(part, &open.path)?, part)?)
            }
            _ => missing.push(so_far.clone()),
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_project_are_refused() {
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", "a\0b"] {
            assert!(check_relative(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "flows/Main/en-US/chart.json", "handoverProviders/Live Agent (2)/config.json", "..a"] {
            check_relative(good).unwrap();
        }
    }

    #[test]
    fn a_linked_directory_in_any_component_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("a")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("a/b")).unwrap();
        let error = Dir::open(root.path(), "a/b", None).err().unwrap();
        assert!(error.message.contains("symbolic link"), "{}", error.message);
        let error = Dir::open(root.path(), "a/b/c", Some(0o755)).err().unwrap();
        assert!(error.message.contains("symbolic link"), "{}", error.message);
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing was created outside");

        let (dir, created) = Dir::open(root.path(), "a/new/deeper", Some(0o755)).unwrap();
        assert_eq!(created, ["a/new", "a/new/deeper"]);
        dir.write_atomic("f.json", b"{}", 0o600).unwrap();
        assert_eq!(std::fs::read(root.path().join("a/new/deeper/f.json")).unwrap(), b"{}");
        assert_eq!(dir.read("f.json").unwrap(), b"{}");
        std::os::unix::fs::symlink(outside.path().join("x"), root.path().join("a/new/deeper/l")).unwrap();
        assert!(dir.read("l").unwrap_err().message.contains("symbolic link"));
        assert!(dir.write_temp("l", b"x", 0o600).is_err());
        dir.remove("f.json").unwrap();
        assert!(!root.path().join("a/new/deeper/f.json").exists());
    }
}
