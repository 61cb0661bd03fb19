//! The plugin pin file: `handover-migrate-plugins.lock` in the per-user plugin directory
//! (it governs: with it present, only the files it lists, with exactly the listed SHA-256,
//! load; files in the per-user directory load only when it lists them) and in the project
//! directory (it can only narrow: a file must be listed there too). See [`crate::discovery`].
//!
//! The format is `sha256sum`'s: one `HASH  PATH` per line (64 hex digits, whitespace, the
//! path; a leading `*` before the path is ignored). Relative paths are relative to the lock
//! file's directory. Blank lines and lines starting with `#` are ignored. A lock file is
//! written with, e.g., `sha256sum plugins/*.so plugins/*.toml > handover-migrate-plugins.lock`.

use std::path::{Component, Path, PathBuf};

use handover_migrate_io::{Error, Result};

pub const LOCK_FILE: &str = "handover-migrate-plugins.lock";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEntry {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Absolute and normalized (resolved against the lock file's directory).
    pub path: PathBuf,
    /// 1-based line in the lock file.
    pub line: usize,
}

#[derive(Clone, Debug)]
pub struct PluginLock {
    pub path: PathBuf,
    pub entries: Vec<LockEntry>,
}

/// `.` and `..` resolved lexically, for paths that may not exist.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Canonical when the file exists (symlinks resolved, like plugin paths), else normalized.
fn resolve(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

impl PluginLock {
    /// Parse lock-file text; `lock_path` locates relative entries and names the file in errors.
    pub fn parse(text: &str, lock_path: &Path) -> Result<Self> {
        let base = lock_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut entries: Vec<LockEntry> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let bad = |why: &str| {
                Error::usage(format!(
                    "plugin lock file {} line {line}: {why}; each line is `SHA256  PATH` (as `sha256sum` prints it)",
                    lock_path.display()
                ))
            };
            let (hash, rest) = trimmed.split_once(char::is_whitespace).ok_or_else(|| bad("no path after the hash"))?;
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad(&format!("`{hash}` is not a SHA-256 (64 hex digits)")));
            }
            let rest = rest.trim();
            let rest = rest.strip_prefix('*').unwrap_or(rest);
            if rest.is_empty() {
                return Err(bad("no path after the hash"));
            }
            let path = resolve(&base.join(rest));
            let sha256 = hash.to_ascii_lowercase();
            if let Some(previous) = entries.iter().find(|e| e.path == path) {
                if previous.sha256 != sha256 {
                    return Err(bad(&format!(
                        "{} is pinned again with another hash (first on line {})",
                        path.display(),
                        previous.line
                    )));
                }
                continue;
            }
            entries.push(LockEntry { sha256, path, line });
        }
        Ok(Self { path: lock_path.to_path_buf(), entries })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read the plugin lock file", path, e))?;
        Self::parse(&text, path)
    }

    /// Whether `file` (canonical) is listed, whatever its hash.
    pub fn pins(&self, file: &Path) -> bool {
        let file = resolve(file);
        self.entries.iter().any(|e| e.path == file)
    }

    /// Refuse `file` (canonical) unless it is listed with exactly `sha256`.
    pub fn check(&self, file: &Path, sha256: &str) -> Result<()> {
        let file = resolve(file);
        match self.entries.iter().find(|e| e.path == file) {
            None => Err(Error::failed(format!(
                "plugin {} is not listed in the plugin lock file {} (which pins {} file(s)), so it was not loaded. \
                 If you trust it, add this line to the lock file:\n  {sha256}  {}",
                file.display(),
                self.path.display(),
                self.entries.len(),
                file.display()
            ))),
            Some(entry) if entry.sha256 != sha256 => Err(Error::failed(format!(
                "plugin {} has SHA-256 {sha256}, but the plugin lock file {} pins {} (line {}): the file changed \
                 since it was pinned, so it was not loaded. If the new file is trusted, update that line",
                file.display(),
                self.path.display(),
                entry.sha256,
                entry.line
            ))),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn lock(text: &str) -> Result<PluginLock> {
        PluginLock::parse(text, Path::new("/nonexistent-dir/proj/handover-migrate-plugins.lock"))
    }

    #[test]
    fn parses_sha256sum_lines_comments_and_relative_paths() {
        let text = format!(
            "# pinned plugins\n\n{A}  plugins/libexample.so\n{}  */abs/desk.toml\n{A} ./plugins/../plugins/libexample.so\n",
            B.to_uppercase()
        );
        let lock = lock(&text).unwrap();
        assert_eq!(
            lock.entries,
            [
                LockEntry { sha256: A.into(), path: "/nonexistent-dir/proj/plugins/libexample.so".into(), line: 3 },
                LockEntry { sha256: B.into(), path: "/abs/desk.toml".into(), line: 4 },
            ]
        );
    }

    #[test]
    fn paths_may_contain_spaces() {
        let lock = lock(&format!("{A}  my plugins/desk one.toml\n")).unwrap();
        assert_eq!(lock.entries[0].path, Path::new("/nonexistent-dir/proj/my plugins/desk one.toml"));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line_number() {
        for (text, expect) in [
            ("deadbeef  x.so", "line 1: `deadbeef` is not a SHA-256"),
            (&format!("# c\n{A}"), "line 2: no path after the hash"),
            (&format!("{A}  *"), "line 1: no path after the hash"),
            (&format!("{}  x.so", "g".repeat(64)), "is not a SHA-256"),
            (
                &format!("{A}  x.so\n{B}  ./x.so"),
                "line 2: /nonexistent-dir/proj/x.so is pinned again with another hash (first on line 1)",
            ),
        ] {
            let error = lock(text).unwrap_err();
            assert!(error.message.contains(expect), "{text:?}: {}", error.message);
            assert!(error.message.contains("handover-migrate-plugins.lock"), "{}", error.message);
        }
    }

    #[test]
    fn check_refuses_unlisted_and_altered_files_naming_both_hashes() {
        let lock = lock(&format!("{A}  plugins/libexample.so\n")).unwrap();
        let file = Path::new("/nonexistent-dir/proj/plugins/libexample.so");
        assert!(lock.check(file, A).is_ok());
        let altered = lock.check(file, B).unwrap_err().message;
        assert!(altered.contains(A) && altered.contains(B) && altered.contains("libexample.so"), "{altered}");
        assert!(altered.contains("line 1"), "{altered}");
        let unlisted = lock.check(Path::new("/elsewhere/libother.so"), B).unwrap_err().message;
        assert!(
            unlisted.contains("not listed") && unlisted.contains(&format!("{B}  /elsewhere/libother.so")),
            "{unlisted}"
        );
    }
}
