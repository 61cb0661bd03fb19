//! Shared helpers of the end-to-end tests (cargo's test-support style): a scratch copy of
//! the example project, running the binary and checking what it wrote ([`run`]), projects
//! built in code ([`builder`]), the simulator ([`sim`]).

#![allow(dead_code)]

mod builder;
mod run;
mod sim;

pub use builder::*;
pub use run::*;
pub use sim::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sha2::{Digest, Sha256};

/// The bundled example project.
pub fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-support")
}

/// A scratch copy of a project, removed on drop.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    /// A copy of the bundled example.
    pub fn example() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_tree(&example_dir(), dir.path());
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.file(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Edit a JSON file with serde_json (key order kept) and write it back CLI-style.
    pub fn edit_json(&self, rel: &str, edit: impl FnOnce(&mut serde_json::Value)) {
        let mut value: serde_json::Value = serde_json::from_str(&self.read(rel)).unwrap();
        edit(&mut value);
        self.write(rel, &to_cli_json(&value));
    }

    /// `handover-migrate --project <scratch> ARGS…`
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = bin();
        cmd.arg("--project").arg(self.path()).args(args);
        cmd
    }

    /// SHA-256 of every file under the project (the state directory excluded).
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        tree_hashes(self.path())
    }
}

pub use handover_migrate_io::fsio::to_cli_json;

/// The per-user state directory of the tests (the key that seals journals lives there):
/// one for the whole test run, never the developer's own.
pub fn state_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("state-home")
}

/// The binary under test, with a clean environment for secrets and logging.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("handover-migrate").expect("binary");
    cmd.env_remove("RUST_LOG")
        .env_remove("HANDOVER_MIGRATE_FAILPOINT")
        .env_remove("COLUMNS")
        .timeout(std::time::Duration::from_secs(60));
    cmd.env("XDG_STATE_HOME", state_home());
    for (key, _) in std::env::vars() {
        if key.starts_with("HANDOVER_MIGRATE_SECRET_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Whether a process holds the project lock of the state directory `state` (the kernel
/// lock on `state/lock`; the file itself stays after a run).
pub fn lock_held(state: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new().read(true).write(true).open(state.join("lock")) else { return false };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn tree_hashes(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel == ".handover-migrate" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), String::new());
                walk(root, &path, out);
            } else {
                out.insert(rel, hex(&Sha256::digest(std::fs::read(&path).unwrap())));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every secret value in the bundled example (for canary checks).
pub const EXAMPLE_SECRETS: &[&str] = &["la-prod-4f9c2e7a1b", "la-eu-91d3a0c5e8", "cw-2b7e51d94a"];
