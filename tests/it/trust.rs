//! Trust boundaries of the state and the files: each test plays an attack or an accident
//! (a killed run, a planted or edited state directory, links inside the project, a path
//! in a name) and checks the tool refuses by name, or recovers, without touching anything
//! outside the project.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::*;

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
        .env("XDG_STATE_HOME", state_home())
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
            .env("COGNIGY_API_KEY", "key-for-the-test")
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

// ---------------------------------------------------------------------------------------
// The project root is a wall.

/// Every file under `dir` with its content (to prove nothing outside the project changed).
fn contents(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// A locale folder linked elsewhere is an error naming it (skipping it silently left two
/// nodes on the legacy settings while verify passed and cleanup removed them).
#[test]
fn a_linked_locale_folder_is_an_error_not_skipped() {
    let project = Scratch::example();
    let outside = tempfile::tempdir().unwrap();
    let locale = project.file("flows/Main/de-DE");
    copy_tree(&locale, outside.path());
    std::fs::remove_dir_all(&locale).unwrap();
    let before = project.snapshot();
    let outside_before = contents(outside.path());
    std::os::unix::fs::symlink(outside.path(), &locale).unwrap();
    for args in [&["plan"][..], &["apply", "--yes"], &["verify"], &["cleanup", "--yes"]] {
        run(&project, args).code(1).mentions(&["flows/Main/de-DE", "symbolic link"]);
    }
    assert!(run_dirs(&project).is_empty());
    assert_eq!(contents(outside.path()), outside_before);
    std::fs::remove_file(&locale).unwrap();
    assert_eq!(project.snapshot(), before);
}

/// A folder replaced by a link after apply (pointing outside the project) is never
/// followed by rollback: it refuses by name and nothing outside changes.
#[test]
fn rollback_never_follows_a_directory_linked_after_apply() {
    let project = Scratch::example();
    run(&project, &["apply", "--yes"]).code(0);
    let outside = tempfile::tempdir().unwrap();
    let locale = project.file("flows/Main/en-US");
    copy_tree(&locale, outside.path());
    std::fs::remove_dir_all(&locale).unwrap();
    std::os::unix::fs::symlink(outside.path(), &locale).unwrap();
    let outside_before = contents(outside.path());
    for args in [&["rollback", "--yes"][..], &["rollback", "--yes", "--force"]] {
        run(&project, args).code(1).mentions(&["flows/Main/en-US", "symbolic link"]);
        assert_eq!(contents(outside.path()), outside_before, "{args:?} wrote outside the project");
    }
}

/// A journal line as the tool wrote it before keyed checks: the record and a plain SHA-256
/// of its JSON (which anyone can recompute).
fn plain_line(record: serde_json::Value) -> String {
    use sha2::Digest;
    let json = record.to_string();
    let check: String = sha2::Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    format!("{}\n", serde_json::json!({"record": record, "check": check}))
}

/// Plant a state directory holding an "interrupted apply" whose record names `path`, with a
/// planted backup (the attack: state arriving with a shared repository).
fn plant_run(project: &Scratch, path: &str, before: Option<&[u8]>) {
    use sha2::Digest;
    let run = project.file(".handover-migrate/runs/20260101T000000Z-apply");
    std::fs::create_dir_all(run.join("backup")).unwrap();
    let hash = |bytes: &[u8]| -> String { sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect() };
    if let Some(bytes) = before {
        std::fs::write(run.join("backup/000001"), bytes).unwrap();
    }
    let mut text = plain_line(serde_json::json!({
        "type": "begin", "kind": "apply", "tool_version": "0.1.0", "plan_digest": "x"
    }));
    text.push_str(&plain_line(serde_json::json!({
        "type": "write",
        "path": path,
        "before": before.map(|_| hash(b"current")),
        "after": hash(b"planted"),
        "backup": before.map(|_| "000001"),
        "mode": 420,
        "created_dirs": [],
        "summary": "planted"
    })));
    std::fs::write(run.join("journal.jsonl"), text).unwrap();
}

/// A planted journal naming a path outside the project (relative with `..`, or absolute)
/// is neither resumed nor rolled back, whatever flags say; the victim file is untouched.
#[test]
fn journal_paths_outside_the_project_are_refused_even_when_forced() {
    let victim_dir = tempfile::tempdir().unwrap();
    let victim = victim_dir.path().join("bashrc");
    for (name, restore) in [("escape-relative", true), ("escape-absolute", true), ("delete", false)] {
        std::fs::write(&victim, b"current").unwrap();
        let project = Scratch::example();
        let path = match name {
            "escape-absolute" => victim.to_string_lossy().into_owned(),
            _ => format!(
                "{}/{}",
                "../".repeat(12).trim_end_matches('/'),
                victim.to_string_lossy().trim_start_matches('/')
            ),
        };
        plant_run(&project, &path, restore.then_some(&b"planted backup"[..]));
        for args in [&["rollback", "--yes"][..], &["rollback", "--yes", "--force"], &["apply", "--yes"]] {
            let ran = run(&project, args);
            assert_ne!(ran.code, 0, "{name}: `{}` accepted a planted run\n{}", ran.args, ran.dump());
            assert_eq!(std::fs::read(&victim).unwrap(), b"current", "{name}: `{}` touched the victim", ran.args);
        }
    }
}

// ---------------------------------------------------------------------------------------
// State is authenticated.

/// An apply killed after its 6th journal record (an interrupted run to resume or roll back).
fn interrupted_apply() -> Scratch {
    let project = Scratch::example();
    let ran = run_cmd(
        {
            let mut cmd = project.cmd(&["apply", "--yes"]);
            cmd.env("HANDOVER_MIGRATE_FAILPOINT", "journal:after_append:6");
            cmd
        },
        &["apply", "--yes"],
    );
    assert_eq!(ran.code, 86, "{}", ran.dump());
    project
}

fn the_journal(project: &Scratch) -> std::path::PathBuf {
    let runs = run_dirs(project);
    assert_eq!(runs.len(), 1);
    runs[0].join("journal.jsonl")
}

/// State written with another user's key (another user, machine or CI job) is neither
/// resumed nor rolled back: the refusal lists what it would touch and names
/// `--trust-state`, which a person may then pass.
#[test]
fn state_sealed_with_another_key_is_refused_until_trusted() {
    let project = interrupted_apply();
    let other_home = tempfile::tempdir().unwrap();
    let before = project.snapshot();
    for args in [&["apply", "--yes"][..], &["rollback", "--yes"]] {
        let mut cmd = project.cmd(args);
        cmd.env("XDG_STATE_HOME", other_home.path());
        let ran = run_cmd(cmd, args);
        ran.code(1).mentions(&["not written by your handover-migrate", "keyed check", "--trust-state", "flows/"]);
        assert_eq!(project.snapshot(), before, "`{}` changed the project", ran.args);
    }
    // After review, a person trusts it: the run resumes and is sealed with the new key.
    let mut cmd = project.cmd(&["apply", "--yes", "--trust-state"]);
    cmd.env("XDG_STATE_HOME", other_home.path());
    run_cmd(cmd, &["apply"]).code(0).mentions(&["Resumed"]);
    let mut cmd = project.cmd(&["rollback", "--yes"]);
    cmd.env("XDG_STATE_HOME", other_home.path());
    run_cmd(cmd, &["rollback"]).code(0);
    assert_eq!(project.snapshot(), Scratch::example().snapshot());
}

/// A journal written before keyed checks (a plain SHA-256 per record) is accepted once, its
/// paths being inside the project and its files the user's, and sealed.
#[test]
fn a_journal_from_before_keyed_checks_is_accepted_once_and_sealed() {
    use sha2::Digest;
    let project = interrupted_apply();
    let journal = the_journal(&project);
    let mut legacy = String::new();
    for line in std::fs::read_to_string(&journal).unwrap().lines() {
        let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut record = value["record"].take();
        record.as_object_mut().unwrap().shift_remove("backup_mac");
        let check: String =
            sha2::Sha256::digest(record.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        legacy.push_str(&serde_json::json!({"record": record, "check": check}).to_string());
        legacy.push('\n');
    }
    std::fs::write(&journal, legacy).unwrap();
    std::fs::remove_file(journal.with_file_name("journal.jsonl.seal")).unwrap();
    run(&project, &["rollback", "--yes"]).code(0);
    assert_eq!(project.snapshot(), Scratch::example().snapshot());
    let sealed = std::fs::read_to_string(&journal).unwrap();
    assert!(sealed.lines().all(|l| l.contains("\"mac\"") && !l.contains("\"check\"")), "{sealed}");
}

/// A state directory anyone can write (or another user owns) is refused before use.
#[test]
fn a_state_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let project = Scratch::example();
    let state = project.file(".handover-migrate");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
    let before = project.snapshot();
    run(&project, &["apply", "--yes"]).code(1).mentions(&["writable by everyone", "--trust-state", "chmod 700"]);
    assert_eq!(project.snapshot(), before);
    assert!(run_dirs(&project).is_empty());
    // Owned by another user (only root can hand a directory over).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&state, Some(4242), Some(4242)).unwrap();
        run(&project, &["apply", "--yes"]).code(1).mentions(&["owned by another user", "--trust-state"]);
        assert_eq!(project.snapshot(), before);
        std::os::unix::fs::chown(&state, Some(0), Some(0)).unwrap();
    }
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    run(&project, &["apply", "--yes"]).code(0);
}

/// A journal cut short (cleanly at a line, or mid-line) is reported as damaged, never
/// "Rolled back" with exit 0, and nothing is changed.
#[test]
fn a_truncated_journal_is_reported_as_damaged() {
    let project = Scratch::example();
    run(&project, &["apply", "--yes"]).code(0);
    let journal = the_journal(&project);
    let text = std::fs::read_to_string(&journal).unwrap();
    let applied = project.snapshot();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for cut in [lines[..lines.len() - 3].concat(), text[..text.len() - 40].to_string()] {
        std::fs::write(&journal, &cut).unwrap();
        let ran = run(&project, &["rollback", "--yes"]);
        ran.code(1).mentions(&["damaged", "truncated"]);
        assert!(!ran.stdout.contains("Rolled back"), "{}", ran.dump());
        assert_eq!(project.snapshot(), applied);
    }
    std::fs::write(&journal, &text).unwrap();
    run(&project, &["rollback", "--yes"]).code(0);
    assert_eq!(project.snapshot(), Scratch::example().snapshot());
}

/// A damaged backup is found before the first write: nothing is restored (no half-restored
/// project), and once the backup is put back, rollback completes.
#[test]
fn a_damaged_backup_stops_rollback_before_any_write() {
    let project = Scratch::example();
    run(&project, &["apply", "--yes"]).code(0);
    run(&project, &["cleanup", "--yes"]).code(0);
    let cleanup_run = run_dirs(&project).into_iter().find(|d| d.to_string_lossy().ends_with("cleanup")).unwrap();
    let backups: Vec<_> = std::fs::read_dir(cleanup_run.join("backup")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(backups.len() >= 2);
    let last = backups.iter().max().unwrap();
    let original = std::fs::read(last).unwrap();
    let mut damaged = original.clone();
    damaged[0] ^= 1;
    std::fs::write(last, &damaged).unwrap();
    let cleaned = project.snapshot();
    let ran = run(&project, &["rollback", "--yes"]);
    ran.code(1).mentions(&["damaged", "nothing was changed"]);
    assert_eq!(project.snapshot(), cleaned, "a rollback that refuses writes nothing");
    std::fs::write(last, &original).unwrap();
    run(&project, &["rollback", "--yes"]).code(0);
    run(&project, &["cleanup", "--yes"]).code(0);
    assert_eq!(project.snapshot(), cleaned);
}

// ---------------------------------------------------------------------------------------
// Verify means something; output ends quietly.

/// A project nobody migrated does not pass verify: exit 4, saying nothing was migrated.
#[test]
fn verify_on_a_project_nobody_migrated_does_not_pass() {
    let project = Scratch::example();
    run(&project, &["verify"]).code(4).mentions(&["nothing was migrated"]);
    let json = run(&project, &["verify", "--json"]);
    json.code(4);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["passed"], false);
    assert_eq!(value["report"]["nothing_migrated"], true);
    run(&project, &["apply", "--yes"]).code(0);
    run(&project, &["verify"]).code(0).mentions(&["verify: passed"]);
}

/// A reader that goes away (`scan | head`) ends the command quietly: no panic, no exit 101.
#[test]
fn a_closed_pipe_ends_quietly() {
    let project = Scratch::example();
    for args in [&["scan"][..], &["verify"], &["plan"], &["report"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("handover-migrate"))
            .arg("--project")
            .arg(project.path())
            .args(args)
            .env("XDG_STATE_HOME", state_home())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before the first line
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

/// Colour codes never go to a redirected stderr, whatever the verbosity.
#[test]
fn a_redirected_stderr_gets_no_colour_codes() {
    let project = Scratch::example();
    let ran = run(&project, &["apply", "--yes", "-vv"]);
    ran.code(0);
    assert!(!ran.stderr.is_empty(), "-vv logs something");
    assert!(!ran.stderr.contains('\u{1b}') && !ran.stdout.contains('\u{1b}'), "{}", ran.dump());
}

// ---------------------------------------------------------------------------------------
// Saved plans.

/// A saved plan holds no plain hash of a file that holds secrets (a guess list would
/// recover the secret offline), is owner-only, and still applies under another user's key
/// (plan on a laptop, apply in CI).
#[test]
fn a_saved_plan_holds_no_hash_of_secret_bearing_files_and_is_owner_only() {
    use sha2::Digest;
    use std::os::unix::fs::PermissionsExt;
    let project = Scratch::example();
    let out = tempfile::tempdir().unwrap();
    let plan = out.path().join("plan.json");
    std::fs::write(&plan, "old, world-readable").unwrap();
    std::fs::set_permissions(&plan, std::fs::Permissions::from_mode(0o644)).unwrap();
    run(&project, &["plan", "--out", plan.to_str().unwrap()]).code(0);
    assert_eq!(std::fs::metadata(&plan).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&plan).unwrap();
    let mut endpoints = 0;
    let holds_secret = |bytes: &Vec<u8>| EXAMPLE_SECRETS.iter().any(|s| String::from_utf8_lossy(bytes).contains(s));
    for bytes in contents(&project.file("endpoints")).into_values().filter(holds_secret) {
        let hash: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert!(!text.contains(&hash), "the plan holds the plain SHA-256 of an endpoint file");
        endpoints += 1;
    }
    assert!(endpoints > 0 && text.contains("masked:"));
    for secret in EXAMPLE_SECRETS {
        assert!(!text.contains(secret));
    }
    // Applied "in CI": another user's state directory and key.
    let ci_home = tempfile::tempdir().unwrap();
    let mut cmd = project.cmd(&["apply", "--yes", "--plan", plan.to_str().unwrap()]);
    cmd.env("XDG_STATE_HOME", ci_home.path());
    run_cmd(cmd, &["apply", "--plan"]).code(0);
}

#[test]
fn a_locale_folder_without_its_chart_is_an_error_not_skipped() {
    let project = Scratch::example();
    std::fs::remove_file(project.path().join("flows/Main/de-DE/chart.json")).unwrap();
    let before = tree(project.path());
    for args in [&["plan"][..], &["apply", "--yes"], &["verify"], &["cleanup", "--yes"]] {
        let ran = run(&project, args);
        ran.code(1).mentions(&["flows/Main/de-DE has no chart.json"]);
        assert_nothing_written(&project, &before, &ran);
    }
}
