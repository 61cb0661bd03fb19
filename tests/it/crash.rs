//! Crash-point convergence: kill `apply`, `cleanup` and `rollback` at every crossing of
//! every failpoint (`HANDOVER_MIGRATE_FAILPOINT=name:N` exits 86 on the spot), then check
//! that rerunning finishes the job exactly as an uninterrupted run would, and that
//! `rollback` undoes the interrupted run byte for byte.

use std::collections::BTreeMap;

use crate::common::*;

const FAILPOINT_EXIT: i32 = 86;
/// No command of the example crosses a failpoint anywhere near this often.
const MAX_CROSSINGS: usize = 200;

const JOURNAL: &str = "journal:after_append";
const BEFORE: &str = "write_atomic:before";
const BEFORE_RENAME: &str = "write_atomic:before_rename";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Apply,
    Cleanup,
    Rollback,
}

impl Op {
    fn args(self) -> &'static [&'static str] {
        match self {
            Op::Apply => &["apply", "--yes"],
            Op::Cleanup => &["cleanup", "--yes"],
            Op::Rollback => &["rollback", "--yes"],
        }
    }

    /// A fresh project in the state the operation starts from.
    fn setup(self) -> Scratch {
        let project = Scratch::example();
        if self != Op::Apply {
            run(&project, &["apply", "--yes"]).code(0);
        }
        project
    }
}

/// Project snapshots of the uninterrupted workflow.
struct States {
    original: BTreeMap<String, String>,
    applied: BTreeMap<String, String>,
    cleaned: BTreeMap<String, String>,
}

impl States {
    fn compute() -> Self {
        let project = Scratch::example();
        let original = project.snapshot();
        run(&project, &["apply", "--yes"]).code(0);
        let applied = project.snapshot();
        run(&project, &["cleanup", "--yes"]).code(0);
        let cleaned = project.snapshot();
        assert_ne!(original, applied);
        assert_ne!(applied, cleaned);
        Self { original, applied, cleaned }
    }

    /// Where the operation leads when it completes.
    fn after(&self, op: Op) -> &BTreeMap<String, String> {
        match op {
            Op::Apply => &self.applied,
            Op::Cleanup => &self.cleaned,
            Op::Rollback => &self.original,
        }
    }

    /// Where the operation started from (what undoing it restores).
    fn before(&self, op: Op) -> &BTreeMap<String, String> {
        match op {
            Op::Apply => &self.original,
            Op::Cleanup | Op::Rollback => &self.applied,
        }
    }
}

/// Run `op` on a fresh setup with the failpoint armed at its `n`-th crossing. `None` when
/// the run got past its last crossing and finished normally.
fn crash(op: Op, failpoint: &str, n: usize) -> Option<Scratch> {
    let project = op.setup();
    let spec = format!("{failpoint}:{n}");
    let mut cmd = project.cmd(op.args());
    cmd.env("HANDOVER_MIGRATE_FAILPOINT", &spec);
    let ran = run_cmd(cmd, op.args());
    match ran.code {
        FAILPOINT_EXIT => {
            assert!(ran.stderr.contains("failpoint"), "{spec}: exit 86 without the failpoint message\n{}", ran.dump());
            Some(project)
        }
        0 => None,
        _ => panic!("{:?} with {spec}: neither crashed nor finished\n{}", op, ran.dump()),
    }
}

fn diff(want: &BTreeMap<String, String>, got: &BTreeMap<String, String>) -> Vec<String> {
    want.keys()
        .chain(got.keys())
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| match (want.contains_key(k), got.contains_key(k)) {
            (true, false) => format!("missing {k}"),
            (false, true) => format!("extra {k}"),
            _ => format!("differs {k}"),
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn compare(project: &Scratch, want: &BTreeMap<String, String>, what: &str, problems: &mut Vec<String>) {
    let got = project.snapshot();
    let differences = diff(want, &got);
    if !differences.is_empty() {
        problems.push(format!("{what}: {}", differences.join(", ")));
    }
}

/// Step in a scenario; a failure is recorded and ends the scenario.
fn step(ran: Ran, want: i32, what: &str, problems: &mut Vec<String>) -> bool {
    if ran.code == want {
        return true;
    }
    problems.push(format!("{what}: `{}` exited {} (want {want}): {}", ran.args, ran.code, ran.stderr.trim()));
    false
}

/// (a) Rerun the interrupted command: it must finish the job exactly.
fn rerun_converges(op: Op, project: &Scratch, states: &States, problems: &mut Vec<String>) {
    // The kernel released the killed run's lock: the rerun needs no manual step.
    if !step(run(project, op.args()), 0, "rerun", problems) {
        return;
    }
    compare(project, states.after(op), "rerun result", problems);
    if lock_held(&project.file(".handover-migrate")) {
        problems.push("the rerun left its lock held".into());
    }
    match op {
        Op::Apply => {
            let providers = provider_dirs(project);
            if providers.len() != 3 {
                problems.push(format!("rerun left {} provider dirs: {providers:?}", providers.len()));
            }
            if step(run(project, &["verify"]), 0, "verify after rerun", problems)
                && step(run(project, &["rollback", "--yes"]), 0, "rollback of the resumed run", problems)
            {
                compare(project, &states.original, "rollback of the resumed apply", problems);
            }
        }
        Op::Cleanup => {
            if step(run(project, &["rollback", "--yes"]), 0, "rollback of the resumed cleanup", problems) {
                compare(project, &states.applied, "rollback of the resumed cleanup", problems);
            }
        }
        Op::Rollback => {
            let again = run(project, &["rollback", "--yes"]);
            if step(again, 0, "rollback once more", problems) {
                compare(project, &states.original, "rollback once more", problems);
            }
        }
    }
}

/// (b) Roll the interrupted run back (no unlock: the kernel released the lock): the
/// project is as before it, byte for byte, and the command can then run again normally.
fn rollback_restores(op: Op, project: &Scratch, states: &States, problems: &mut Vec<String>) {
    if !step(run(project, &["rollback", "--yes"]), 0, "rollback of the interrupted run", problems) {
        return;
    }
    compare(project, states.before(op), "rollback of the interrupted run", problems);
    if step(run(project, op.args()), 0, "the command again after the rollback", problems) {
        compare(project, states.after(op), "the command again after the rollback", problems);
    }
}

/// Crash `op` at every crossing of `failpoint`, check both recoveries on separate copies.
/// Returns the number of crossings.
fn converges_at_every_crash_point(op: Op, failpoint: &str) -> usize {
    let states = States::compute();
    let mut report = Vec::new();
    let mut crossings = None;
    for n in 1..=MAX_CROSSINGS {
        let Some(project) = crash(op, failpoint, n) else {
            crossings = Some(n - 1);
            break;
        };
        let mut problems = Vec::new();
        rerun_converges(op, &project, &states, &mut problems);
        for problem in problems {
            report.push(format!("{failpoint}:{n} rerun: {problem}"));
        }
        if op != Op::Rollback {
            let project = crash(op, failpoint, n).expect("the same crash point crashes again");
            let mut problems = Vec::new();
            rollback_restores(op, &project, &states, &mut problems);
            for problem in problems {
                report.push(format!("{failpoint}:{n} rollback: {problem}"));
            }
        }
    }
    let crossings = crossings.unwrap_or_else(|| panic!("{op:?} still crashes at {failpoint}:{MAX_CROSSINGS}"));
    assert!(crossings > 0, "{op:?} never crosses {failpoint}: is the failpoint still wired?");
    assert!(report.is_empty(), "{op:?}: {} problem(s) at crash points:\n{}", report.len(), report.join("\n"));
    crossings
}

fn journal_lines(project: &Scratch) -> usize {
    run_dirs(project)
        .iter()
        .map(|dir| std::fs::read_to_string(dir.join("journal.jsonl")).unwrap().lines().count())
        .sum()
}

// ---------------------------------------------------------------------------------------
// apply

#[test]
fn apply_converges_after_a_crash_after_any_journal_record() {
    let crossings = converges_at_every_crash_point(Op::Apply, JOURNAL);
    // Every journal record is a crash point: as many as an uninterrupted run writes.
    let project = Scratch::example();
    let mut cmd = project.cmd(&["apply", "--yes"]);
    cmd.env("HANDOVER_MIGRATE_FAILPOINT", format!("{JOURNAL}:100000"));
    run_cmd(cmd, &["apply", "--yes"]).code(0);
    assert_eq!(crossings, journal_lines(&project));
}

#[test]
fn apply_converges_after_a_crash_before_any_write() {
    converges_at_every_crash_point(Op::Apply, BEFORE);
}

#[test]
fn apply_converges_after_a_crash_before_any_rename() {
    converges_at_every_crash_point(Op::Apply, BEFORE_RENAME);
}

// ---------------------------------------------------------------------------------------
// cleanup (after a complete apply)

#[test]
fn cleanup_converges_after_a_crash_after_any_journal_record() {
    converges_at_every_crash_point(Op::Cleanup, JOURNAL);
}

#[test]
fn cleanup_converges_after_a_crash_before_any_write() {
    converges_at_every_crash_point(Op::Cleanup, BEFORE);
}

#[test]
fn cleanup_converges_after_a_crash_before_any_rename() {
    converges_at_every_crash_point(Op::Cleanup, BEFORE_RENAME);
}

// ---------------------------------------------------------------------------------------
// rollback (of a complete apply) crashing itself: rerunning it finishes the job.

#[test]
fn rollback_converges_after_a_crash_after_any_journal_record() {
    converges_at_every_crash_point(Op::Rollback, JOURNAL);
}

#[test]
fn rollback_converges_after_a_crash_before_any_write() {
    converges_at_every_crash_point(Op::Rollback, BEFORE);
}

#[test]
fn rollback_converges_after_a_crash_before_any_rename() {
    converges_at_every_crash_point(Op::Rollback, BEFORE_RENAME);
}

// ---------------------------------------------------------------------------------------
// A torn journal tail (a crash in the middle of an append).

/// An apply killed after its 10th journal record, with half a record appended by hand.
fn crashed_apply_with_torn_tail() -> Scratch {
    let project = crash(Op::Apply, JOURNAL, 10).expect("apply crosses the journal failpoint 10 times");
    let runs = run_dirs(&project);
    assert_eq!(runs.len(), 1);
    let journal = runs[0].join("journal.jsonl");
    let mut text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.ends_with('\n'));
    text.push_str("{\"record\":{\"type\":\"write\",\"path\":\"flows/Ma");
    std::fs::write(&journal, text).unwrap();
    project
}

#[test]
fn torn_journal_tail_still_rolls_back() {
    let project = crashed_apply_with_torn_tail();
    let original = Scratch::example().snapshot();
    run(&project, &["rollback", "--yes"]).code(0);
    assert_eq!(project.snapshot(), original);
}

#[test]
fn torn_journal_tail_still_resumes() {
    let project = crashed_apply_with_torn_tail();
    run(&project, &["apply", "--yes"]).code(0);
    let reference = Scratch::example();
    run(&reference, &["apply", "--yes"]).code(0);
    assert_eq!(project.snapshot(), reference.snapshot());
}

#[test]
fn torn_journal_tail_then_rollback_leaves_a_readable_journal() {
    let project = crashed_apply_with_torn_tail();
    let original = Scratch::example().snapshot();
    run(&project, &["rollback", "--yes"]).code(0);
    assert_eq!(project.snapshot(), original);
    run(&project, &["rollback", "--yes"]).code(0).mentions(&["Nothing to roll back"]);
    run(&project, &["apply", "--yes"]).code(0);
    assert_eq!(provider_dirs(&project).len(), 3);
}

#[test]
fn torn_journal_tail_then_resume_can_still_be_rolled_back() {
    let project = crashed_apply_with_torn_tail();
    run(&project, &["apply", "--yes"]).code(0);
    run(&project, &["rollback", "--yes"]).code(0);
    assert_eq!(project.snapshot(), Scratch::example().snapshot());
}
