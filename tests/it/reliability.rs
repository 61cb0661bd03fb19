//! Failing writes (a full disk) and two runs at once.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

#[test]
fn a_failing_write_stops_cleanly_and_both_rerun_and_rollback_converge() {
    let reference = Scratch::example();
    reference.cmd(&["apply", "--yes"]).assert().success();
    let applied = reference.snapshot();
    for n in 1..=11 {
        for failpoint in ["write_atomic:before", "write_atomic:before_rename"] {
            let spec = format!("{failpoint}:{n}:error");
            // Rerun converges.
            let project = Scratch::example();
            let original = project.snapshot();
            let output = project.cmd(&["apply", "--yes"]).env("HANDOVER_MIGRATE_FAILPOINT", &spec).output().unwrap();
            assert_eq!(output.status.code(), Some(1), "{spec}: {}", stderr(&output));
            assert!(stderr(&output).contains("No space left on device"), "{spec}: {}", stderr(&output));
            assert!(!lock_held(&project.path().join(".handover-migrate")), "{spec}: the lock is released on error");
            project.cmd(&["apply", "--yes"]).assert().success();
            assert_eq!(project.snapshot(), applied, "{spec}: rerun");
            // Rollback converges.
            let project = Scratch::example();
            project.cmd(&["apply", "--yes"]).env("HANDOVER_MIGRATE_FAILPOINT", &spec).output().unwrap();
            project.cmd(&["rollback", "--yes"]).assert().success();
            assert_eq!(project.snapshot(), original, "{spec}: rollback");
        }
    }
}

#[test]
fn a_second_run_refuses_while_the_first_holds_the_lock() {
    let project = Scratch::example();
    let bin = assert_cmd::cargo::cargo_bin("handover-migrate");
    let mut first = std::process::Command::new(bin)
        .arg("--project")
        .arg(project.path())
        .args(["apply", "--yes"])
        .env("HANDOVER_MIGRATE_FAILPOINT", "lock:acquired:sleep=3000")
        .env("XDG_STATE_HOME", state_home())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let state = project.path().join(".handover-migrate");
    let start = Instant::now();
    while !lock_held(&state) && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(lock_held(&state), "the first run never took the lock");
    let second = project.cmd(&["apply", "--yes"]).output().unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(stderr(&second).contains("another handover-migrate run"), "{}", stderr(&second));
    let unlock = project.cmd(&["unlock", "--force"]).output().unwrap();
    assert!(!unlock.status.success(), "unlock refuses while the owner is alive");
    assert!(first.wait().unwrap().success());
    assert!(!lock_held(&state));
    project.cmd(&["verify"]).assert().success();
}

#[test]
fn a_file_over_the_size_limit_is_refused_naming_it() {
    let project = Scratch::example();
    let rel = "flows/Voice Menu/en-US/chart.json";
    let padded = project.read(rel).replacen("\"label\": \"", &format!("\"label\": \"{}", "x".repeat(1_200_000)), 1);
    project.write(rel, &padded);
    let before = project.snapshot();
    let output = project.cmd(&["apply", "--yes"]).env("HANDOVER_MIGRATE_MAX_FILE_MB", "1").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(rel) && stderr(&output).contains("HANDOVER_MIGRATE_MAX_FILE_MB"),
        "{}",
        stderr(&output)
    );
    assert_eq!(project.snapshot(), before);
    project.cmd(&["apply", "--yes"]).assert().success();
}

#[test]
fn an_edited_journal_is_refused_naming_it_and_the_line() {
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    let runs = project.path().join(".handover-migrate/runs");
    let run = std::fs::read_dir(&runs).unwrap().next().unwrap().unwrap().path();
    let journal = run.join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, text.replacen("flows/Main", "flows/Mainx", 1)).unwrap();
    let before = project.snapshot();
    let rollback = project.cmd(&["rollback", "--yes"]).output().unwrap();
    assert_eq!(rollback.status.code(), Some(1));
    assert!(stderr(&rollback).contains("journal.jsonl is damaged at line"), "{}", stderr(&rollback));
    assert_eq!(project.snapshot(), before);
}
