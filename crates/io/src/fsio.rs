//! File access with the project's safety rules: never follow symlinks, refuse anything
//! that is not a regular file, and replace files atomically and durably.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Largest project file the tool reads by default (a chart of a very large flow is a few
/// MiB); `HANDOVER_MIGRATE_MAX_FILE_MB` changes it.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

fn max_file_bytes() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("HANDOVER_MIGRATE_MAX_FILE_MB")
            .ok()
            .and_then(|mb| mb.trim().parse::<u64>().ok())
            .map_or(MAX_FILE_BYTES, |mb| mb.saturating_mul(1024 * 1024))
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Serialize `value` as compact JSON straight into `sink`, chunk by chunk: a large value
/// is hashed without building its text.
pub fn feed_json(value: &impl serde::Serialize, sink: impl FnMut(&[u8])) -> serde_json::Result<()> {
    struct Sink<F>(F);
    impl<F: FnMut(&[u8])> Write for Sink<F> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            (self.0)(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Sink(sink), value)
}

/// SHA-256 of `value`'s compact JSON (the same as hashing `serde_json::to_string`).
pub fn sha256_json(value: &impl serde::Serialize) -> String {
    let mut hasher = Sha256::new();
    match feed_json(value, |bytes| hasher.update(bytes)) {
        Ok(()) => hex::encode(hasher.finalize()),
        // Plain data always serializes; were it not to, hash what `to_string` would give.
        Err(_) => sha256_hex(b""),
    }
}

/// JSON as the Cognigy CLI writes it (`JSON.stringify(value, undefined, 4)`): 4-space
/// indent, keys in order, no trailing newline. Plain data always serializes; were it not
/// to (a map with non-string keys), the text is empty.
pub fn to_cli_json(value: &impl serde::Serialize) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// What is at a path, without following a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Missing,
    File,
    Dir,
    Symlink,
    Other,
}

impl Entry {
    /// `Ok` for a regular file; anything else is the error that says what `path` is
    /// instead (the one wording of every reader, path-based or descriptor-relative).
    pub fn require_file(&self, path: &Path) -> Result<()> {
        match self {
            Entry::File => Ok(()),
            Entry::Missing => Err(Error::failed(format!("{} is missing", path.display()))),
            Entry::Symlink => Err(Error::failed(format!(
                "{} is a symbolic link; handover-migrate never follows links. Replace it with the file itself",
                path.display()
            ))),
            Entry::Dir => Err(Error::failed(format!("{} is a directory where a file is expected", path.display()))),
            Entry::Other => Err(Error::failed(format!(
                "{} is not a regular file (a FIFO, socket or device?) where a file is expected",
                path.display()
            ))),
        }
    }
}

pub fn entry(path: &Path) -> Result<Entry> {
    match fs::symlink_metadata(path) {
        Ok(meta) => {
            let ty = meta.file_type();
            Ok(if ty.is_symlink() {
                Entry::Symlink
            } else if ty.is_file() {
                Entry::File
            } else if ty.is_dir() {
                Entry::Dir
            } else {
                Entry::Other
            })
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Entry::Missing),
        Err(err) => Err(Error::io("inspect", path, err)),
    }
}

/// Identity of a file's content as the kernel sees it (size, inode, modification time):
/// what [`read_ranges`] checks so that a file re-read later is the one that was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    inode: u64,
    modified_ns: i128,
}

impl FileStamp {
    fn of(metadata: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            len: metadata.len(),
            inode: metadata.ino(),
            modified_ns: i128::from(metadata.mtime()) * 1_000_000_000 + i128::from(metadata.mtime_nsec()),
        }
    }
}

/// Read a regular file; a symlink, directory, FIFO or oversized file is an error naming it.
pub fn read_regular(path: &Path) -> Result<Vec<u8>> {
    read_regular_stamped(path).map(|(bytes, _)| bytes)
}

/// A regular file opened for reading, with its metadata. Opened first and inspected by its
/// descriptor (one path lookup per file, and what is checked is what is read); only when
/// the open fails or finds no regular file is the path looked at again, to say what it is.
/// `O_NOFOLLOW` refuses a link, `O_NONBLOCK` keeps a FIFO from blocking, `O_NOCTTY` keeps a
/// terminal device from becoming ours.
fn open_regular(path: &Path) -> Result<(File, std::fs::Metadata)> {
    let opened =
        OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY).open(path);
    let open_error = match opened {
        Ok(file) => {
            let metadata = file.metadata().map_err(|e| Error::io("inspect", path, e))?;
            if metadata.file_type().is_file() {
                return Ok((file, metadata));
            }
            None
        }
        Err(error) => Some(error),
    };
    entry(path)?.require_file(path)?;
    // A regular file now: it was replaced between the open and the look, or the open was
    // refused (permissions).
    Err(match open_error {
        Some(error) => Error::io("open", path, error),
        None => Error::changed_while_running(path.display()),
    })
}

fn read_regular_stamped(path: &Path) -> Result<(Vec<u8>, FileStamp)> {
    let (file, metadata) = open_regular(path)?;
    let size = metadata.len();
    let limit = max_file_bytes();
    if size > limit {
        return Err(Error::failed(format!(
            "{} is {size} bytes, larger than the {limit}-byte limit for a project file; if it is genuine, raise the \
             limit with HANDOVER_MIGRATE_MAX_FILE_MB",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::io("read", path, e))?;
    Ok((bytes, FileStamp::of(&metadata)))
}

/// Read a file as UTF-8 text, refusing a byte-order mark (Cognigy never writes one, and
/// JSON parsers disagree about it).
pub fn read_text(path: &Path) -> Result<String> {
    read_text_stamped(path).map(|(text, _)| text)
}

/// [`read_text`], with the stamp [`read_ranges`] checks against later.
pub fn read_text_stamped(path: &Path) -> Result<(String, FileStamp)> {
    let (bytes, stamp) = read_regular_stamped(path)?;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(Error::failed(format!(
            "{} starts with a UTF-8 byte-order mark; save it without the BOM (as the Cognigy CLI writes it)",
            path.display()
        )));
    }
    let text =
        String::from_utf8(bytes).map_err(|e| Error::failed(format!("{} is not valid UTF-8: {e}", path.display())))?;
    Ok((text, stamp))
}

/// Read the byte ranges `ranges` of a text file read before with [`read_text_stamped`],
/// refusing when the file is no longer the one that was read (`stamp`). Lets a large
/// project keep byte ranges instead of contents in memory.
pub fn read_ranges(path: &Path, stamp: FileStamp, ranges: &[std::ops::Range<usize>]) -> Result<Vec<String>> {
    use std::os::unix::fs::FileExt;
    let changed = || Error::changed_while_running(path.display());
    let (file, metadata) = open_regular(path)?;
    if FileStamp::of(&metadata) != stamp {
        return Err(changed());
    }
    ranges
        .iter()
        .map(|range| {
            let mut bytes = vec![0; range.len()];
            file.read_exact_at(&mut bytes, range.start as u64).map_err(|e| Error::io("read", path, e))?;
            String::from_utf8(bytes).map_err(|_| changed())
        })
        .collect()
}

pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io("sync directory", dir, e))
}

/// Create a directory (and parents) with the given mode, syncing each new parent entry.
/// Returns the directories that did not exist before, outermost first.
pub fn create_dirs(dir: &Path, mode: u32) -> Result<Vec<std::path::PathBuf>> {
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(path) = cursor {
        // A relative path's last parent is "", the current directory.
        if path.as_os_str().is_empty() {
            break;
        }
        match entry(path)? {
            Entry::Dir => break,
            Entry::Missing => missing.push(path.to_path_buf()),
            _ => {
                return Err(Error::failed(format!(
                    "{} exists but is not a directory (or is a link); move it away",
                    path.display()
                )))
            }
        }
        cursor = path.parent();
    }
    missing.reverse();
    for path in &missing {
        fs::DirBuilder::new().mode(mode).create(path).map_err(|e| Error::io("create directory", path, e))?;
        if let Some(parent) = path.parent() {
            sync_dir(if parent.as_os_str().is_empty() { Path::new(".") } else { parent })?;
        }
    }
    Ok(missing)
}

/// Replace (or create) `path` atomically and durably: temp file in the same directory,
/// write, fsync, rename, fsync the directory. `mode` applies to a new file; an existing
/// file keeps its permissions. (A group commit of many files uses the same steps with one
/// sync for all: [`write_temp`], [`sync_written`], [`install_temp`].)
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path.parent().ok_or_else(|| Error::failed(format!("{} has no parent directory", path.display())))?;
    // A bare file name (`--out plan.json`) lives in the current directory.
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    write_atomic_unsynced_name(path, bytes, mode)?;
    sync_dir(dir)
}

/// [`write_atomic`] but for the directory's sync: the content is on disk, its name is not
/// until the caller syncs the directory (once for many files, before relying on any).
pub fn write_atomic_unsynced_name(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    write_temp(path, bytes, mode)?;
    let temp = temp_path(path);
    let result = File::open(&temp)
        .and_then(|file| file.sync_all())
        .map_err(|e| Error::io("sync", &temp, e))
        .and_then(|()| install_temp(path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Suffix of the temp files [`write_atomic`] writes next to their target.
pub const TEMP_SUFFIX: &str = ".handover-migrate.tmp";

/// The temp file [`write_atomic`] uses for `path`: fixed, so that whatever a killed run
/// left behind is found and removed by the next run or a rollback.
pub fn temp_path(path: &Path) -> std::path::PathBuf {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{file_name}{TEMP_SUFFIX}"))
}

/// True for a temp file of [`write_atomic`].
pub fn is_temp_file(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

/// Group commit, step 1: write `bytes` to the temp file of `path`, not yet synced. The
/// caller syncs a whole batch with [`sync_written`], then [`install_temp`]s each file.
pub fn write_temp(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    crate::failpoint::hit("write_atomic:before")?;
    let mode = match entry(path)? {
        Entry::File => fs::symlink_metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(mode),
        Entry::Missing => mode,
        _ => return Err(Error::failed(format!("{} is not a regular file; refusing to replace it", path.display()))),
    };
    let temp = temp_path(path);
    remove_file(&temp)?;
    let result = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(bytes).and_then(|()| file.set_permissions(fs::Permissions::from_mode(mode)))
        })
        .map_err(|e| Error::io("write", &temp, e));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Group commit, step 2: make every file written so far on the file system of `anchor`
/// durable, with one `syncfs` (Linux) instead of one fsync per file.
pub fn sync_written(anchor: &Path, files: &[std::path::PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        let dir = File::open(anchor).map_err(|e| Error::io("open", anchor, e))?;
        // SAFETY: syncfs takes a valid open file descriptor, which `dir` holds.
        let result = unsafe { libc::syncfs(std::os::unix::io::AsRawFd::as_raw_fd(&dir)) };
        if result != 0 {
            return Err(Error::io("sync the file system of", anchor, std::io::Error::last_os_error()));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = anchor;
        for file in files {
            File::open(file).and_then(|f| f.sync_all()).map_err(|e| Error::io("sync", file, e))?;
        }
        Ok(())
    }
}

/// Group commit, step 3: move the synced temp file of `path` into place. The caller then
/// syncs each directory once ([`sync_dir`]).
pub fn install_temp(path: &Path) -> Result<()> {
    crate::failpoint::hit("write_atomic:before_rename")?;
    fs::rename(temp_path(path), path).map_err(|e| Error::io("replace", path, e))
}

/// Remove a file durably (a missing file is fine).
pub fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("remove", path, e)),
    }
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Remove an empty directory (a missing or non-empty one is left alone).
pub fn remove_empty_dir(path: &Path) -> Result<()> {
    match fs::remove_dir(path) {
        Ok(()) => path.parent().map_or(Ok(()), sync_dir),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_format_matches_json_stringify() {
        let value = serde_json::json!({"a": [], "b": {}, "c": [1, {"d": null}], "e": "ü\u{1}"});
        assert_eq!(
            to_cli_json(&value),
            "{\n    \"a\": [],\n    \"b\": {},\n    \"c\": [\n        1,\n        {\n            \"d\": null\n        }\n    ],\n    \"e\": \"ü\\u0001\"\n}"
        );
    }

    #[test]
    fn atomic_write_replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        write_atomic(&path, b"two", 0o644).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left");
    }

    #[test]
    fn ranges_are_read_from_the_file_that_was_read_and_refused_from_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.json");
        fs::write(&path, r#"{"a": {"x": 1}, "b": [2]}"#).unwrap();
        let (text, stamp) = read_text_stamped(&path).unwrap();
        let ranges = [text.find("{\"x").unwrap()..text.find('}').unwrap() + 1, text.find('[').unwrap()..text.len() - 1];
        assert_eq!(read_ranges(&path, stamp, &ranges).unwrap(), [r#"{"x": 1}"#, "[2]"]);
        // Same length, different bytes, written the way editors and `cognigy clone` do.
        write_atomic(&path, br#"{"a": {"x": 9}, "b": [2]}"#, 0o644).unwrap();
        let error = read_ranges(&path, stamp, &ranges).unwrap_err();
        assert!(error.message.contains("changed while handover-migrate was running"), "{}", error.message);
        assert!(error.message.contains("chart.json"), "{}", error.message);
    }

    #[test]
    fn a_streamed_json_hash_is_the_hash_of_the_json_text() {
        let value = serde_json::json!({"b": [1, 2.5, "x\u{e9}\""], "a": {"nested": null}, "z": true});
        assert_eq!(sha256_json(&value), sha256_hex(serde_json::to_string(&value).unwrap().as_bytes()));
    }

    #[test]
    fn symlinks_and_dirs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t");
        fs::write(&target, "x").unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read_regular(&link).unwrap_err().message.contains("symbolic link"));
        assert!(read_regular(dir.path()).unwrap_err().message.contains("directory"));
        assert!(read_text(&dir.path().join("missing")).unwrap_err().message.contains("missing"));
        fs::write(&target, b"\xEF\xBB\xBF{}").unwrap();
        assert!(read_text(&target).unwrap_err().message.contains("byte-order mark"));
    }
}
