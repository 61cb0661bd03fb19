//! Guided mode driven through a pseudo-terminal, as a person would run it: a hidden secret,
//! a conflict picked from a list, a declined confirmation. Every wait is bounded.

use std::path::Path;
use std::time::Duration;

use expectrl::{Eof, Expect, Session};

use crate::common::*;

const TIMEOUT: Duration = Duration::from_secs(60);

/// `handover-migrate --project P apply` in a pty of 200×50, started in `cwd`.
struct Pty {
    session: expectrl::session::OsSession,
    /// Everything the terminal showed so far.
    screen: String,
}

impl Pty {
    fn apply(project: &Path, cwd: &Path, extra: &[&str]) -> Self {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("handover-migrate"));
        cmd.arg("--project").arg(project).arg("apply").args(extra).current_dir(cwd);
        cmd.env_remove("RUST_LOG").env_remove("NO_COLOR").env_remove("HANDOVER_MIGRATE_FAILPOINT");
        cmd.env("TERM", "xterm-256color").env("PAGER", "cat").env("XDG_STATE_HOME", state_home());
        for (key, _) in std::env::vars() {
            if key.starts_with("HANDOVER_MIGRATE_SECRET_") {
                cmd.env_remove(key);
            }
        }
        let mut session = Session::spawn(cmd).expect("spawn in a pty");
        let _ = session.get_process_mut().set_window_size(200, 50);
        session.set_expect_timeout(Some(TIMEOUT));
        Self { session, screen: String::new() }
    }

    #[track_caller]
    fn expect(&mut self, text: &str) {
        match self.session.expect(text) {
            Ok(found) => self.screen.push_str(&String::from_utf8_lossy(found.as_bytes())),
            Err(e) => panic!("waiting for {text:?}: {e}\n--- terminal so far ---\n{}", self.screen),
        }
    }

    fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("send keys");
    }

    /// Wait for the end; the exit code.
    #[track_caller]
    fn finish(&mut self) -> i32 {
        match self.session.expect(Eof) {
            Ok(found) => self.screen.push_str(&String::from_utf8_lossy(found.as_bytes())),
            Err(e) => panic!("waiting for the end: {e}\n--- terminal so far ---\n{}", self.screen),
        }
        match self.session.get_process().wait() {
            Ok(expectrl::process::unix::WaitStatus::Exited(_, code)) => code,
            other => panic!("exit: {other:?}\n{}", self.screen),
        }
    }
}

#[test]
fn a_missing_secret_is_asked_hidden_and_never_shown_or_saved() {
    const TYPED: &str = "CANARY-typed-in-the-pty";
    let project = without_support_portal_api_key();
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("apply needs a few answers first");
    pty.expect("apiKey (secret)");
    pty.send(&format!("{TYPED}\r"));
    pty.expect("Show every property and node change first?");
    pty.send("\r");
    pty.expect("Apply these changes?");
    pty.send("y\r");
    pty.expect("Save your answers to handover-migrate-answers.toml");
    pty.send("y\r");
    let code = pty.finish();
    assert_eq!(code, 0, "{}", pty.screen);
    assert!(!pty.screen.contains(TYPED), "the typed secret was shown:\n{}", pty.screen);
    assert!(pty.screen.contains("Applied run"), "{}", pty.screen);

    let provider: serde_json::Value = serde_json::from_str(&project.read(SUPPORT_PROVIDER)).unwrap();
    let key = provider["properties"].as_array().unwrap().iter().find(|p| p["key"] == "apiKey").unwrap();
    assert_eq!(key["value"], TYPED, "the typed secret went into the provider file");

    let saved = std::fs::read_to_string(cwd.path().join("handover-migrate-answers.toml")).unwrap();
    assert!(!saved.contains(TYPED), "a secret was saved:\n{saved}");
    assert!(saved.contains("name = \"Cognigy Live Agent - Support Portal\""), "{saved}");
    for file in all_files(&project.path().join(".handover-migrate")) {
        if file.ends_with("journal.jsonl") {
            assert!(!std::fs::read_to_string(&file).unwrap().contains(TYPED), "{} holds the secret", file.display());
        }
    }
    // The saved file is a valid answers file: a rerun with it changes nothing.
    let rerun = project
        .cmd(&["apply", "--yes", "--answers"])
        .arg(cwd.path().join("handover-migrate-answers.toml"))
        .env("HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY", TYPED)
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(stdout(&rerun).contains("Nothing to change"), "{}", stdout(&rerun));
}

#[test]
fn a_conflict_is_resolved_by_picking_an_endpoint_from_a_list() {
    let project = support_portal_reaches_billing();
    let answers = project.path().join("my-answers.toml");
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &["--answers", answers.to_str().unwrap()]);
    pty.expect("Conflict: flow \"Billing\"");
    pty.expect("Leave it on Legacy");
    // The choices are listed in the terminal; find Support Portal's position.
    let choices: Vec<String> = pty
        .screen
        .lines()
        .filter(|l| l.contains("→ provider") || l.contains("Leave it on Legacy"))
        .map(String::from)
        .collect();
    let index = choices
        .iter()
        .position(|l| l.contains("Support Portal  → provider"))
        .unwrap_or_else(|| panic!("no Support Portal choice in\n{}", pty.screen));
    for _ in 0..index {
        pty.send("j");
    }
    pty.send("\r");
    pty.expect("Show every property and node change first?");
    pty.send("\r");
    pty.expect("Apply these changes?");
    pty.send("y\r");
    pty.expect("Save your answers to");
    pty.send("y\r");
    assert_eq!(pty.finish(), 0, "{}", pty.screen);

    let provider: serde_json::Value = serde_json::from_str(&project.read(SUPPORT_PROVIDER)).unwrap();
    for chart in ["flows/Billing/en-US/chart.json", "flows/Billing/de-DE/chart.json"] {
        let config = node_config(&project, chart, "66f2d360491f6156157308fb");
        assert_eq!(config["handoverProvider"], provider["referenceId"], "{chart}: {config:#}");
    }
    let saved = std::fs::read_to_string(&answers).unwrap();
    let parsed: toml::Value = toml::from_str(&saved).unwrap();
    assert_eq!(parsed["assign"]["d04ec55e-07e2-425b-bc88-b42818e6f999"].as_str(), Some("Support Portal"), "{saved}");
    // Non-interactively, the saved answers give the same result: nothing left to do.
    let again = project.cmd(&["plan", "--answers", answers.to_str().unwrap()]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}{}", stdout(&again), stderr(&again));
}

#[test]
fn declining_the_confirmation_writes_nothing() {
    let project = Scratch::example();
    let before = tree(project.path());
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("Summary");
    pty.expect("Show every property and node change first?");
    pty.send("\r");
    pty.expect("Apply these changes?");
    pty.send("n\r");
    pty.expect("Nothing was written");
    assert_eq!(pty.finish(), 0, "{}", pty.screen);
    assert_eq!(tree(project.path()), before, "the project changed");
    assert!(run_dirs(&project).is_empty(), "a run was recorded");
    assert!(!lock_held(&project.file(".handover-migrate")), "the lock was left held");
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0, "something was written in the working directory");
}

#[test]
fn no_terminal_never_prompts() {
    // Without a terminal (assert_cmd pipes stdin), apply keeps refusing with exit 3.
    let project = without_support_portal_api_key();
    let output = project.cmd(&["apply"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("[providers.\"Support Portal\"]\n    secrets.apiKey = \"\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_habitual_y_enter_answers_one_question_only() {
    let project = without_support_portal_api_key();
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("apiKey (secret)");
    pty.send("a-typed-secret\r");
    pty.expect("Show every property and node change first?");
    // `y` alone answers nothing: the question waits for Enter.
    pty.send("y");
    pty.session.set_expect_timeout(Some(Duration::from_millis(700)));
    assert!(pty.session.expect("Node edits").is_err(), "`y` without Enter answered:\n{}", pty.screen);
    pty.session.set_expect_timeout(Some(TIMEOUT));
    pty.send("\r");
    pty.expect("Node edits");
    pty.expect("Apply these changes?");
    pty.send("y\r");
    pty.expect("Applied run");
    pty.expect("Save your answers to handover-migrate-answers.toml");
    // Nothing was saved before this question was answered.
    assert!(!cwd.path().join("handover-migrate-answers.toml").exists(), "saved without being asked");
    pty.send("n\r");
    assert_eq!(pty.finish(), 0, "{}", pty.screen);
    assert!(!cwd.path().join("handover-migrate-answers.toml").exists(), "saved though declined");
}

#[test]
fn ctrl_c_in_a_menu_restores_the_cursor_and_writes_nothing() {
    let project = support_portal_reaches_billing();
    let before = tree(project.path());
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("Leave it on Legacy");
    pty.send("\x03");
    pty.expect("Interrupted: nothing was written.");
    let _ = pty.session.expect(Eof);
    let status = pty.session.get_process().wait().unwrap();
    assert!(matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 130)), "{status:?}\n{}", pty.screen);
    // The menu hid the cursor; the interrupt showed it again.
    let hidden = pty.screen.rfind("\x1b[?25l").expect("the menu hides the cursor");
    let shown = pty.screen.rfind("\x1b[?25h").unwrap_or(0);
    assert!(shown > hidden, "the cursor stays hidden: {:?}", pty.screen);
    assert_eq!(tree(project.path()), before, "the project changed");
    assert!(run_dirs(&project).is_empty(), "a run was recorded");
}

#[test]
fn an_empty_secret_is_explained() {
    let project = without_support_portal_api_key();
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("apiKey (secret)");
    pty.send("\r");
    pty.expect("an answer is needed");
    pty.send("\x03");
    pty.expect("nothing was written");
    let _ = pty.session.expect(Eof);
}

/// A secret shorter than four characters is refused at the prompt, saying why; the names
/// in the question come quoted (a bidi override in an endpoint name shows escaped, and is
/// flagged), as everywhere else on the terminal.
#[test]
fn guided_questions_quote_names_and_refuse_a_too_short_secret() {
    let project = without_support_portal_api_key();
    project.edit_json(SUPPORT_PORTAL, |endpoint| {
        endpoint["name"] = serde_json::Value::String("Support \u{202E}latrop\u{202C}".into());
    });
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("for endpoint(s) \"Support \\342\\200\\256latrop\\342\\200\\254\"");
    pty.expect("contains bidirectional control characters");
    pty.expect("apiKey (secret)");
    pty.send("ab\r");
    pty.expect("is 2 character(s) long");
    pty.send("\x03");
    pty.expect("nothing was written");
    let _ = pty.session.expect(Eof);
    assert!(!pty.screen.contains('\u{202E}'), "a raw bidi override reached the terminal:\n{}", pty.screen);
}

/// A conflict question shows the node label quoted: terminal escapes in it (here one that
/// would set the clipboard) reach the terminal escaped, never raw.
#[test]
fn a_conflict_question_quotes_the_node_label() {
    let project = support_portal_reaches_billing();
    for chart in ["flows/Billing/en-US/chart.json", "flows/Billing/de-DE/chart.json"] {
        project.edit_json(chart, |chart| {
            for node in chart["nodes"].as_array_mut().unwrap() {
                if node["_id"] == "66f2d360491f6156157308fb" {
                    node["label"] = serde_json::Value::String("Billing\u{1b}]52;c;ZXZpbA==\u{7} team".into());
                }
            }
        });
    }
    let cwd = tempfile::tempdir().unwrap();
    let mut pty = Pty::apply(project.path(), cwd.path(), &[]);
    pty.expect("Conflict: flow \"Billing\"");
    pty.expect("(\"Billing\\033]52;c;ZXZpbA==\\a team\")");
    pty.expect("Leave it on Legacy");
    pty.send("\x03");
    pty.expect("nothing was written");
    let _ = pty.session.expect(Eof);
    assert!(!pty.screen.contains("\u{1b}]52"), "a raw escape from a label reached the terminal:\n{}", pty.screen);
}
