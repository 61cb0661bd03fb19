//! Trust boundaries of the state and the files: each test plays an attack or an accident
//! (a killed run, a planted or edited state directory, links inside the project, a path
//! in a name) and checks the tool refuses by name, or recovers, without touching anything
//! outside the project.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::refusals::{provider_dirs, run, run_dirs};

fn journal_lines(project: &Scratch) -> usize {
    run_dirs(project)
        .first()
        .and_then(|dir| std::fs::read_to_string(dir.join("journal.jsonl")).ok())
        .map_or(0, |text| text.lines().count())
}

/// A real process killed with SIGKILL in the middle of apply leaves a lock only the kernel
/// held: `apply` again resumes at once, with no `unlock`, and ends where an uninterrupted
/// apply ends.
#[test]
fn apply_killed_with_sigkill_resumes_with_no_manual_step() {
    let project = Scratch::example();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("handover-migrate"))
        .arg("--project")
        .arg(project.path())
        .args(["apply", "--yes"])
        .env("HANDOVER_MIGRATE_FAILPOINT", "journal:after_append:2:sleep=30000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while journal_lines(&project) < 2 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(journal_lines(&project) >= 2, "apply never reached its second journal record");
    assert!(lock_held(&project.file(".handover-migrate")));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    run(&project, &["apply", "--yes"]).code(0).mentions(&["Resumed"]);
    let reference = Scratch::example();
    run(&reference, &["apply", "--yes"]).code(0);
    assert_eq!(project.snapshot(), reference.snapshot());
    assert_eq!(provider_dirs(&project).len(), 3);
    run(&project, &["verify"]).code(0);
}

/// Backups hold API keys: the state directory tells git to ignore all of it.
#[test]
fn the_state_directory_ignores_itself_in_git() {
    let project = Scratch::example();
    run(&project, &["apply", "--yes"]).code(0);
    let ignore = project.read(".handover-migrate/.gitignore");
    assert!(ignore.lines().any(|line| line.trim() == "*"), "{ignore}");
}

/// `--project-id` names a folder of the per-user state directory: a path there is refused
/// before anything is created (or any request is made).
#[test]
fn a_project_id_holding_a_path_is_refused_before_anything_is_created() {
    let home = tempfile::tempdir().unwrap();
    for id in ["../../escaped", "a/b", "..", "/tmp/x"] {
        let output = bin()
            .env("XDG_STATE_HOME", home.path())
            .env("COGNIGY_API_KEY", "k")
            .args(["--api-url", "http://127.0.0.1:9", "--project-id", id, "apply", "--yes"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{id}: {}", stderr(&output));
        assert!(stderr(&output).contains("--project-id"), "{id}: {}", stderr(&output));
        assert!(is_empty_dir(home.path()), "{id}: something was created");
    }
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()).unwrap_or(false)
}
