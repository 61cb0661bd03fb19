//! Model-based test: random sequences of scan, plan, apply, crash + resume, cleanup,
//! rollback (plain and forced) and external edits, checked against a simple model.
//!
//! The model is a stack of runs, each with the project as it was before the run and as the
//! run left it. Invariants after every step:
//! - apply ends where an uninterrupted apply of the same starting files ends (computed on
//!   a copy), crashed or not, and then `verify` passes;
//! - rollback restores every file the run changed to its original and leaves every other
//!   file as it is now; it refuses, changing nothing, when a file the run changed was
//!   edited since (neither its original nor its result), unless forced.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::common::*;

type Tree = BTreeMap<String, String>;

#[derive(Clone, Debug)]
enum Op {
    Scan,
    Plan,
    Apply,
    /// Kill apply at the N-th journal record (the kernel releases its lock).
    ApplyCrash(usize),
    Cleanup,
    Rollback,
    RollbackForce,
    /// Edit a file the migration never touches.
    EditUntouched,
    /// Edit a chart the migration rewrites.
    EditTouched,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Scan),
        1 => Just(Op::Plan),
        4 => Just(Op::Apply),
        3 => (1usize..30).prop_map(Op::ApplyCrash),
        2 => Just(Op::Cleanup),
        4 => Just(Op::Rollback),
        1 => Just(Op::RollbackForce),
        1 => Just(Op::EditUntouched),
        2 => Just(Op::EditTouched),
    ]
}

/// One run: the project before it, and the paths it wrote with what it left in them.
struct RunModel {
    before: Tree,
    after: Tree,
    changed: std::collections::BTreeSet<String>,
    /// Paths the run's journal announced (a killed run may not have written all of them;
    /// the tool cannot tell, so an outside edit to any of them blocks a plain rollback).
    journaled: std::collections::BTreeSet<String>,
}

/// Paths whose content differs between two trees.
fn differing(a: &Tree, b: &Tree) -> Vec<String> {
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths.into_iter().filter(|p| a.get(*p) != b.get(*p)).cloned().collect()
}

impl RunModel {
    fn new(before: Tree, after: Tree) -> Self {
        let changed: std::collections::BTreeSet<String> = differing(&before, &after).into_iter().collect();
        Self { before, after, journaled: changed.clone(), changed }
    }

    /// The run went on (resumed) from `now` to `after`: what it wrote now is its own too;
    /// other differences from `before` (outside edits in between) are not.
    fn extend(&mut self, now: &Tree, after: Tree) {
        for path in differing(now, &after) {
            match after.get(&path) {
                Some(hash) => self.after.insert(path.clone(), hash.clone()),
                None => self.after.remove(&path),
            };
            self.changed.insert(path);
        }
    }

    fn changed(&self) -> Vec<&String> {
        self.changed.iter().collect()
    }
}

/// Where a rollback of `run` must leave the project, or `None` when it must refuse.
fn rollback_expectation(run: &RunModel, now: &Tree, force: bool) -> Option<Tree> {
    let mut changed = run.changed();
    changed.extend(run.journaled.iter().filter(|p| !run.changed.contains(*p)));
    let foreign = changed.iter().any(|p| now.get(*p) != run.before.get(*p) && now.get(*p) != run.after.get(*p));
    if foreign && !force {
        return None;
    }
    let mut expected = now.clone();
    for path in changed {
        match run.before.get(path) {
            Some(hash) => {
                expected.insert(path.clone(), hash.clone());
            }
            None => {
                expected.remove(path);
            }
        }
    }
    // Folders the run created go with their files.
    let dirs: Vec<String> = expected.keys().filter(|k| k.ends_with('/')).cloned().collect();
    for dir in dirs {
        if !run.before.contains_key(&dir) && !expected.keys().any(|k| k != &dir && k.starts_with(&dir)) {
            expected.remove(&dir);
        }
    }
    Some(expected)
}

/// The result of an uninterrupted `command` on a copy of the project's current files.
fn reference(project: &Scratch, command: &[&str]) -> Tree {
    let copy = tempfile::tempdir().unwrap();
    copy_tree_without_state(project.path(), copy.path());
    let reference = Scratch { dir: copy };
    reference.cmd(command).output().unwrap();
    reference.snapshot()
}

fn copy_tree_without_state(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".handover-migrate" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Whether the newest run's journal ends with its end record (a kill right after that
/// record leaves a complete run).
fn newest_run_complete(project: &Scratch) -> bool {
    let runs = project.path().join(".handover-migrate/runs");
    let mut dirs: Vec<_> = std::fs::read_dir(runs).into_iter().flatten().flatten().map(|e| e.path()).collect();
    dirs.sort();
    dirs.last()
        .and_then(|dir| std::fs::read_to_string(dir.join("journal.jsonl")).ok())
        .is_some_and(|journal| journal.lines().any(|line| line.contains("\"type\":\"end\"")))
}

/// The paths the newest run's journal announced writes for.
fn journaled_paths(project: &Scratch) -> std::collections::BTreeSet<String> {
    let runs = project.path().join(".handover-migrate/runs");
    let mut dirs: Vec<_> = std::fs::read_dir(runs).into_iter().flatten().flatten().map(|e| e.path()).collect();
    dirs.sort();
    let journal =
        dirs.last().and_then(|dir| std::fs::read_to_string(dir.join("journal.jsonl")).ok()).unwrap_or_default();
    journal
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["record"]["type"] == "write")
        .filter_map(|line| line["record"]["path"].as_str().map(str::to_string))
        .collect()
}

fn edit_label(project: &Scratch, rel: &str) {
    let text = project.read(rel);
    project.write(rel, &text.replacen("\"label\": \"", "\"label\": \"edited ", 1));
}

fn check(ops: &[Op]) {
    let project = Scratch::example();
    let mut stack: Vec<RunModel> = Vec::new();
    // Whether the newest run is an interrupted apply (a rerun of apply resumes it).
    let mut interrupted = false;
    for op in ops {
        let now = project.snapshot();
        match op {
            Op::Scan | Op::Plan => {
                let name = if matches!(op, Op::Scan) { "scan" } else { "plan" };
                let output = project.cmd(&[name]).output().unwrap();
                assert!(matches!(output.status.code(), Some(0) | Some(3)), "{name}: {}", stderr(&output));
                assert_eq!(project.snapshot(), now, "{name} changed files");
            }
            Op::Apply => {
                let expected = reference(&project, &["apply", "--yes"]);
                let output = project.cmd(&["apply", "--yes"]).output().unwrap();
                assert!(output.status.success(), "{ops:?}: apply: {}", stderr(&output));
                let after = project.snapshot();
                assert_eq!(after, expected, "{ops:?}: apply did not converge");
                if interrupted {
                    if let Some(top) = stack.last_mut() {
                        top.extend(&now, after.clone());
                    }
                } else if after != now {
                    stack.push(RunModel::new(now, after.clone()));
                }
                interrupted = false;
                project.cmd(&["verify"]).assert().success();
            }
            Op::ApplyCrash(n) => {
                let output = project
                    .cmd(&["apply", "--yes"])
                    .env("HANDOVER_MIGRATE_FAILPOINT", format!("journal:after_append:{n}"))
                    .output()
                    .unwrap();
                let after = project.snapshot();
                match output.status.code() {
                    Some(86) if newest_run_complete(&project) => {
                        if interrupted {
                            if let Some(top) = stack.last_mut() {
                                top.extend(&now, after);
                            }
                        } else if after != now {
                            stack.push(RunModel::new(now, after));
                        }
                        interrupted = false;
                    }
                    Some(86) => {
                        if interrupted {
                            if let Some(top) = stack.last_mut() {
                                top.extend(&now, after);
                            }
                        } else {
                            stack.push(RunModel::new(now, after));
                            interrupted = true;
                        }
                        if let Some(top) = stack.last_mut() {
                            top.journaled.extend(journaled_paths(&project));
                        }
                    }
                    Some(0) => {
                        // Fewer records than n: it simply finished.
                        if interrupted {
                            if let Some(top) = stack.last_mut() {
                                top.extend(&now, after);
                            }
                        } else if after != now {
                            stack.push(RunModel::new(now, after));
                        }
                        interrupted = false;
                    }
                    other => panic!("{ops:?}: crashed apply exited {other:?}: {}", stderr(&output)),
                }
            }
            Op::Cleanup => {
                let output = project.cmd(&["cleanup", "--yes"]).output().unwrap();
                let after = project.snapshot();
                if interrupted {
                    // An interrupted apply must be finished or rolled back first.
                    assert_eq!(output.status.code(), Some(1), "{ops:?}: cleanup ran over an interrupted apply");
                    assert_eq!(after, now);
                    continue;
                }
                assert!(matches!(output.status.code(), Some(0) | Some(4)), "{ops:?}: cleanup: {}", stderr(&output));
                if after != now {
                    stack.push(RunModel::new(now, after));
                }
            }
            Op::Rollback | Op::RollbackForce => {
                let force = matches!(op, Op::RollbackForce);
                let mut args = vec!["rollback", "--yes"];
                if force {
                    args.push("--force");
                }
                let output = project.cmd(&args).output().unwrap();
                let Some(top) = stack.last() else {
                    assert!(output.status.success(), "{ops:?}: rollback with nothing to undo: {}", stderr(&output));
                    assert_eq!(project.snapshot(), now);
                    continue;
                };
                match rollback_expectation(top, &now, force) {
                    Some(expected) => {
                        assert!(output.status.success(), "{ops:?}: rollback: {}", stderr(&output));
                        assert_eq!(project.snapshot(), expected, "{ops:?}: rollback result");
                        stack.pop();
                        interrupted = false;
                    }
                    None => {
                        assert_eq!(output.status.code(), Some(1), "{ops:?}: rollback over a foreign edit");
                        assert!(stderr(&output).contains("changed by someone else"), "{}", stderr(&output));
                        assert_eq!(project.snapshot(), now, "{ops:?}: a refused rollback changed files");
                    }
                }
            }
            Op::EditUntouched => edit_label(&project, "flows/Voice Menu/en-US/chart.json"),
            Op::EditTouched => edit_label(&project, "flows/Main/en-US/chart.json"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_sequences_match_the_model(ops in proptest::collection::vec(op(), 1..8)) {
        check(&ops);
    }
}

#[test]
fn crash_resume_cleanup_edits_and_rollbacks() {
    check(&[Op::ApplyCrash(5), Op::Apply, Op::Cleanup, Op::EditUntouched, Op::Rollback, Op::Rollback]);
    check(&[Op::Apply, Op::EditTouched, Op::Rollback, Op::RollbackForce, Op::Apply]);
}
