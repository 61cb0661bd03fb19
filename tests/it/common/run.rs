//! Running the binary on a scratch project and checking what it wrote.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;

/// One finished invocation of the binary.
pub struct Ran {
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// stdout and stderr together, for "is it mentioned anywhere" checks.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Assert the exit code, showing the whole output when it is wrong.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.code, want, "`{}` exited {} (want {want})\n{}", self.args, self.code, self.dump());
        self
    }

    /// Assert that stderr (errors) or stdout (reports) mentions every needle.
    #[track_caller]
    pub fn mentions(&self, needles: &[&str]) -> &Self {
        let text = self.text();
        for needle in needles {
            assert!(text.contains(needle), "`{}`: output does not mention {needle:?}\n{}", self.args, self.dump());
        }
        self
    }

    pub fn dump(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Run `handover-migrate --project <scratch> ARGS…`.
pub fn run(project: &Scratch, args: &[&str]) -> Ran {
    run_cmd(project.cmd(args), args)
}

/// Run a prepared command (extra env vars etc.).
pub fn run_cmd(mut cmd: assert_cmd::Command, args: &[&str]) -> Ran {
    let output = cmd.output().expect("spawn handover-migrate");
    let args = args.join(" ");
    let code = output.status.code().unwrap_or_else(|| {
        panic!("`{args}` was killed by a signal (timeout?)\n{}{}", stdout(&output), stderr(&output))
    });
    Ran { args, code, stdout: stdout(&output), stderr: stderr(&output) }
}

/// Like `common::tree_hashes`, but never follows a link nor opens a FIFO: links are
/// recorded with their target, other special files by type.
pub fn tree(root: &Path) -> BTreeMap<String, String> {
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
            let ty = entry.file_type().unwrap();
            if ty.is_symlink() {
                out.insert(rel, format!("symlink -> {}", std::fs::read_link(&path).unwrap().display()));
            } else if ty.is_dir() {
                out.insert(format!("{rel}/"), String::new());
                walk(root, &path, out);
            } else if ty.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(rel, format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes)));
            } else {
                out.insert(rel, "special file".to_string());
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// Run directories the tool has recorded in its state directory.
pub fn run_dirs(project: &Scratch) -> Vec<std::path::PathBuf> {
    let runs = project.path().join(".handover-migrate/runs");
    match std::fs::read_dir(&runs) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Nothing in the project changed, no provider folder appeared, no run was recorded and
/// the lock was released.
#[track_caller]
pub fn assert_nothing_written(project: &Scratch, before: &BTreeMap<String, String>, ran: &Ran) {
    let after = tree(project.path());
    let diff: Vec<&String> = before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).collect();
    assert!(diff.is_empty(), "`{}` changed the project: {diff:?}\n{}", ran.args, ran.dump());
    if !before.contains_key("handoverProviders/") {
        assert!(!project.file("handoverProviders").exists(), "`{}` created handoverProviders/", ran.args);
    }
    assert!(run_dirs(project).is_empty(), "`{}` recorded a run: {:?}", ran.args, run_dirs(project));
    assert!(!lock_held(&project.file(".handover-migrate")), "`{}` left its lock held", ran.args);
}

/// Every file under `dir` (the state directory included).
pub fn all_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            out.extend(all_files(&entry.path()));
        } else if entry.file_type().unwrap().is_file() {
            out.push(entry.path());
        }
    }
    out
}

pub fn provider_dirs(project: &Scratch) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.file("handoverProviders"))
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

pub fn json(project: &Scratch, rel: &str) -> serde_json::Value {
    serde_json::from_str(&project.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The config of node `id` in a chart.
pub fn node_config(project: &Scratch, chart: &str, id: &str) -> serde_json::Value {
    let chart_json = json(project, chart);
    let node = chart_json["nodes"].as_array().unwrap().iter().find(|n| n["_id"] == id);
    node.unwrap_or_else(|| panic!("{chart}: no node {id}"))["config"].clone()
}

pub const SUPPORT_PORTAL: &str = "endpoints/Support Portal/config.json";

pub const MAIN_EN: &str = "flows/Main/en-US/chart.json";

pub const SUPPORT_PROVIDER: &str = "handoverProviders/Cognigy Live Agent - Support Portal/config.json";

pub const WEBCHAT_PROVIDER: &str = "handoverProviders/Cognigy Live Agent - Webchat Production/config.json";

pub fn without_support_portal_api_key() -> Scratch {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| {
        s.as_object_mut().unwrap().shift_remove("apiKey");
    });
    project
}

pub fn edit_provider_settings(project: &Scratch, endpoint: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    project.edit_json(&format!("endpoints/{endpoint}/config.json"), |v| {
        edit(&mut v["handoverSettings"]["providerSettings"]);
    });
}
