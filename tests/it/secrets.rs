//! Secrets never reach a log sink, the terminal or a file the tool writes (backups, which
//! must hold pre-images, excepted), at any log level; the API key travels only where it
//! was meant to go.

use std::path::Path;

use cognigy_sim::{Options, Sim, SimHandle};

use crate::common::*;

/// An API key nobody would print by accident: any occurrence is a leak.
const CANARY_KEY: &str = "canary-apikey-5e1f0c3b9d";

fn canary_sim() -> SimHandle {
    let options = Options::new(CANARY_KEY, PROJECT).selector_key("handoverProvider");
    Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn")
}

fn canaries() -> Vec<&'static str> {
    let mut all = vec![CANARY_KEY];
    all.extend_from_slice(EXAMPLE_SECRETS);
    all
}

/// Every file under `root` except backups (owner-only pre-images, by design), as text.
fn written_files(root: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "backups") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            written_files(&path, out);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
}

fn assert_no_canary(what: &str, text: &str) {
    for canary in canaries() {
        if let Some(at) = text.find(canary) {
            let line = text[..at].rsplit('\n').next().unwrap_or_default();
            panic!("{what}: the secret {canary:?} leaked, in the line starting {line:?}");
        }
    }
}

/// The whole life cycle (every command) against the simulator, at every log level, with
/// canary secrets in the API key and in the endpoints' settings.
#[test]
fn no_secret_reaches_output_logs_or_written_files_at_any_log_level() {
    let levels: &[(&str, Option<&str>, &[&str])] = &[
        ("default", None, &[]),
        ("-v", None, &["-v"]),
        ("-vvv", None, &["-vvv"]),
        ("RUST_LOG=trace", Some("trace"), &[]),
        ("RUST_LOG=trace -vvv --json", Some("trace"), &["-vvv", "--json"]),
        ("RUST_LOG=ureq=trace,ureq_proto=trace,rustls=trace", Some("ureq=trace,ureq_proto=trace,rustls=trace"), &[]),
        ("RUST_LOG=ureq::unit=trace", Some("ureq::unit=trace,ureq_proto::client=trace,trace"), &[]),
    ];
    for (label, rust_log, flags) in levels {
        let sim = canary_sim();
        let state = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let plan = out.path().join("plan.json");
        let report_md = out.path().join("report.md");
        let report_html = out.path().join("report.html");
        let template = out.path().join("answers.toml");
        let profile = out.path().join("profile.json");
        let commands: Vec<Vec<&str>> = vec![
            vec!["doctor", "--save-profile", profile.to_str().unwrap()],
            vec!["scan"],
            vec!["providers", "list"],
            vec!["answers", "template", "--out", template.to_str().unwrap()],
            vec!["plan", "--out", plan.to_str().unwrap()],
            vec!["apply", "--yes", "--plan", plan.to_str().unwrap()],
            vec!["apply", "--yes"],
            vec!["verify"],
            vec!["report"],
            vec!["report", "--format", "html", "--out", report_html.to_str().unwrap()],
            vec!["report", "--out", report_md.to_str().unwrap()],
            vec!["cleanup", "--dry-run"],
            vec!["cleanup", "--yes"],
            vec!["verify"],
            vec!["rollback", "--yes"],
            vec!["rollback", "--yes"],
            vec!["purge", "--yes"],
            vec!["unlock", "--force"],
        ];
        for args in commands {
            let mut cmd = bin();
            cmd.env("COGNIGY_API_KEY", CANARY_KEY)
                .arg("--api-url")
                .arg(sim.base_url())
                .args(["--project-id", PROJECT, "--state-dir"])
                .arg(state.path())
                .args(*flags)
                .args(&args);
            if let Some(filter) = rust_log {
                cmd.env("RUST_LOG", filter);
            }
            let output = cmd.output().unwrap();
            let what = format!("{label}: {}", args.join(" "));
            // doctor exits 3 when answers or flags would be needed; that is not a failure here.
            let allowed: &[i32] = if args[0] == "doctor" { &[0, 3] } else { &[0] };
            assert!(output.status.code().is_some_and(|c| allowed.contains(&c)), "{what}: {}", stderr(&output));
            assert_no_canary(&format!("{what} (stdout)"), &stdout(&output));
            assert_no_canary(&format!("{what} (stderr)"), &stderr(&output));
            if *rust_log == Some("trace") && args == ["apply", "--yes", "--plan", plan.to_str().unwrap()] {
                assert!(stderr(&output).contains("DEBUG"), "{what}: debug logging is on\n{}", stderr(&output));
            }
        }
        // A failing call: the server's error text must not carry the key either.
        let mut cmd = bin();
        cmd.env("COGNIGY_API_KEY", CANARY_KEY).arg("--api-url").arg(sim.base_url());
        cmd.args(["--project-id", "no-such-project", "--state-dir"]).arg(state.path()).args(*flags).arg("scan");
        if let Some(filter) = rust_log {
            cmd.env("RUST_LOG", filter);
        }
        let output = cmd.output().unwrap();
        assert!(!output.status.success(), "{label}: scan of a missing project");
        assert_no_canary(&format!("{label}: failing scan (stderr)"), &stderr(&output));
        assert_no_canary(&format!("{label}: failing scan (stdout)"), &stdout(&output));
        let mut files = Vec::new();
        written_files(state.path(), &mut files);
        written_files(out.path(), &mut files);
        for written in ["plan.json", "profile.json"] {
            assert!(files.iter().any(|(path, _)| path.ends_with(written)), "{label}: {written} missing");
        }
        for (path, text) in files {
            assert_no_canary(&format!("{label}: file {path}"), &text);
        }
    }
}

/// Offline, the endpoints' secrets go into the provider files (that is the migration), but
/// never onto the terminal, whatever the log level.
#[test]
fn offline_runs_print_no_secret_at_trace() {
    let project = Scratch::example();
    for args in [&["scan"][..], &["plan"], &["apply", "--yes"], &["verify"], &["report"], &["cleanup", "--yes"]] {
        let output = project.cmd(args).env("RUST_LOG", "trace").arg("-vvv").output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_no_canary(&format!("{args:?} (stdout)"), &stdout(&output));
        assert_no_canary(&format!("{args:?} (stderr)"), &stderr(&output));
    }
}

/// A loopback HTTP server answering every request with `respond(head)`, recording the
/// request heads it received. It stops accepting after 30 s or when dropped.
struct RecordingServer {
    addr: std::net::SocketAddr,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl RecordingServer {
    fn start(respond: impl Fn(&str) -> String + Send + 'static) -> RecordingServer {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen, stopped) = (heads.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while std::time::Instant::now() < deadline && !stopped.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let response = respond(&head);
                seen.lock().unwrap().push(head);
                let _ = stream.write_all(response.as_bytes());
            }
        });
        RecordingServer { addr, heads, stop }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn http_response(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra_headers}Connection: close\r\n\r\n{body}",
        body.len()
    )
}

fn api_scan(url: &str, state: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .env("COGNIGY_API_KEY", CANARY_KEY)
        .arg("--api-url")
        .arg(url)
        .args(["--project-id", PROJECT, "--state-dir"])
        .arg(state)
        .args(extra)
        .arg("scan")
        .output()
        .unwrap()
}

#[test]
fn a_redirect_to_another_origin_never_receives_the_api_key() {
    let elsewhere = RecordingServer::start(|_| http_response("200 OK", "", r#"{"items":[],"total":0}"#));
    let target = format!("{}/new/v2.0/endpoints", elsewhere.url());
    let redirecting = RecordingServer::start(move |_| {
        http_response("307 Temporary Redirect", &format!("Location: {target}\r\n"), "")
    });
    let state = tempfile::tempdir().unwrap();
    let output = api_scan(&redirecting.url(), state.path(), &["-vvv"]);
    assert!(!redirecting.heads().is_empty(), "the tool called the API");
    let leaked: Vec<String> =
        elsewhere.heads().into_iter().filter(|h| h.to_ascii_lowercase().contains("x-api-key")).collect();
    assert!(leaked.is_empty(), "the other origin received the key: {leaked:?}");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("redirect to another origin"), "{}", stderr(&output));
    assert_no_canary("redirect (stderr)", &stderr(&output));
}

#[test]
fn server_error_text_echoing_a_secret_is_redacted() {
    // The server quotes the request back in `detail`, key included.
    let echo = RecordingServer::start(|head| {
        let key = head
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("x-api-key")).map(|(_, v)| v.trim()))
            .unwrap_or_default()
            .to_string();
        let body = serde_json::json!({"title": "Bad Request", "detail": format!("request with key {key} was refused")});
        http_response("400 Bad Request", "", &body.to_string())
    });
    let state = tempfile::tempdir().unwrap();
    for flags in [&[][..], &["-vvv"], &["--json"]] {
        let output = api_scan(&echo.url(), state.path(), flags);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(stderr(&output).contains("request with key ••••••"), "{}", stderr(&output));
        assert_no_canary("server error (stderr)", &stderr(&output));
        assert_no_canary("server error (stdout)", &stdout(&output));
    }
}

#[test]
fn plain_http_to_a_remote_host_and_url_credentials_are_refused() {
    let sim = canary_sim();
    let state = tempfile::tempdir().unwrap();
    let port = sim.addr().port();
    // 0.0.0.0 reaches this machine but is not a loopback name: it stands in for a remote host.
    let remote = format!("http://0.0.0.0:{port}");
    let refused = api_scan(&remote, state.path(), &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("clear text") && stderr(&refused).contains("--insecure-http"),
        "{}",
        stderr(&refused)
    );
    let lab = api_scan(&remote, state.path(), &["--insecure-http"]);
    assert!(lab.status.success(), "{}", stderr(&lab));
    assert!(stderr(&lab).contains("--insecure-http: the API key goes to"), "{}", stderr(&lab));
    // Loopback needs no flag (the simulator's own URL).
    assert!(api_scan(&sim.base_url(), state.path(), &[]).status.success());
    let with_credentials = format!("http://admin:canary-url-password@127.0.0.1:{port}");
    for command in ["scan", "apply"] {
        let output = bin()
            .env("COGNIGY_API_KEY", CANARY_KEY)
            .args(["--api-url", &with_credentials, "--project-id", PROJECT, "--state-dir"])
            .arg(state.path())
            .args([command, "--yes"].iter().take(if command == "apply" { 2 } else { 1 }))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains("carries credentials"), "{}", stderr(&output));
        assert!(!stderr(&output).contains("canary-url-password"), "{}", stderr(&output));
    }
    let mut files = Vec::new();
    written_files(state.path(), &mut files);
    for (path, text) in files {
        assert!(!text.contains("canary-url-password"), "{path}");
    }
}

#[test]
fn answers_file_errors_never_quote_a_value() {
    let project = Scratch::example();
    let cases = [
        "secrets.apiKey = 98765432101987",
        "secrets.apiKey = canary-unquoted-1",
        "secrets = \"canary-string-2\"",
        "secrets.apiKey = \"canary-bad-escape\\q3\"",
        "secrets.apiKey = true\nname = 4",
        "name = \"canary-name-4\"\nname = \"canary-name-5\"",
    ];
    for case in cases {
        let answers = project.file("answers.toml");
        std::fs::write(&answers, format!("[providers.\"Webchat Production\"]\n{case}\n")).unwrap();
        let output = project.cmd(&["plan", "--answers", answers.to_str().unwrap()]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{case}: {}", stderr(&output));
        assert!(stderr(&output).contains("answers.toml"), "{case}: {}", stderr(&output));
        for canary in ["98765432101987", "canary"] {
            assert!(!stderr(&output).contains(canary), "{case}: {}", stderr(&output));
        }
    }
}

/// "Web Chat" and "web-chat" both read `HANDOVER_MIGRATE_SECRET_WEB_CHAT_APIKEY`: with that
/// set, one secret would go to two providers of different accounts. Refused, naming both.
#[test]
fn colliding_secret_variables_are_refused_naming_both_endpoints() {
    let project = empty_project();
    for (index, name) in ["Web Chat", "web-chat"].into_iter().enumerate() {
        let flow_ref = format!("00000000-0000-4000-8000-00000000f00{index}");
        add_flow(
            &project,
            &format!("Flow {index}"),
            &format!("66000000000000000000f00{index}"),
            &flow_ref,
            serde_json::json!({}),
        );
        let settings = serde_json::json!({
            "usePlatformToken": false, "baseUrl": "https://liveagent-trial.cognigy.ai/api/v1",
            "accountId": format!("{}", index + 2), "apiKey": "********", "liveAgentInboxId": "3285",
            "forwardOnlyHandoverConversations": true
        });
        add_endpoint(&project, name, &format!("66000000000000000000e00{index}"), &flow_ref, "liveAgent", settings);
    }
    let before = project.snapshot();
    let var = "HANDOVER_MIGRATE_SECRET_WEB_CHAT_APIKEY";
    for command in [&["plan"][..], &["apply", "--yes"]] {
        let output = project.cmd(command).env(var, "canary-shared-secret-1").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{command:?}: {}", stderr(&output));
        let err = stderr(&output);
        assert!(err.contains(var) && err.contains("\"Web Chat\", \"web-chat\""), "{err}");
        assert!(err.contains("answers file") && !err.contains("canary-shared-secret-1"), "{err}");
    }
    assert_eq!(project.snapshot(), before, "nothing written");
    // The answers file tells them apart.
    let answers = project.file("answers.toml");
    std::fs::write(
        &answers,
        "[providers.\"Web Chat\"]\nsecrets.apiKey = \"canary-first-account\"\n\
         [providers.\"web-chat\"]\nsecrets.apiKey = \"canary-second-account\"\n",
    )
    .unwrap();
    let apply = project.cmd(&["apply", "--yes", "--answers", answers.to_str().unwrap()]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    let providers = std::fs::read_dir(project.file("handoverProviders")).unwrap().count();
    assert_eq!(providers, 2);
}

/// Names are printed the way git prints paths: control characters escaped (`\033`, `\a`),
/// so a node label cannot clear the screen or set the clipboard; names with bidirectional
/// controls are flagged in scan and plan.
#[test]
fn control_characters_in_names_are_quoted_and_bidi_is_flagged() {
    let project = Scratch::example();
    let evil_label = "Talk\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7} to a human";
    project.edit_json("flows/Main/en-US/chart.json", |chart| {
        for node in chart["nodes"].as_array_mut().unwrap() {
            if node["label"] == "Talk to a human" {
                node["label"] = serde_json::Value::String(evil_label.into());
            }
        }
    });
    let bidi_name = "Webchat Production \u{202E}lanretni\u{202C}";
    project.edit_json("endpoints/Webchat Production/config.json", |endpoint| {
        endpoint["name"] = serde_json::Value::String(bidi_name.into());
    });
    for args in [
        &["scan"][..],
        &["plan"],
        &["plan", "--detail"],
        &["apply", "--yes"],
        &["verify"],
        &["cleanup", "--dry-run"],
        &["rollback", "--yes"],
    ] {
        let output = project.cmd(args).output().unwrap();
        assert!(matches!(output.status.code(), Some(0 | 4)), "{args:?}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{args:?}: a raw control character:\n{text:?}");
        assert!(!text.contains('\u{202E}'), "{args:?}: a raw bidi override:\n{text}");
        if args[0] == "scan" || args[0] == "plan" {
            assert!(text.contains("contains bidirectional control characters"), "{args:?}:\n{text}");
            assert!(text.contains("Webchat Production \\342\\200\\256lanretni"), "{args:?}:\n{text}");
        }
        if args == ["plan", "--detail"] {
            assert!(text.contains("Talk\\033[2J\\033]52;c;ZXZpbA==\\a to a human"), "{text}");
        }
    }
}

/// Whether `text` holds `value` as a whole value (no letter or digit right before or after).
fn holds_whole(text: &str, value: &str) -> bool {
    text.match_indices(value).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + value.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Secrets shorter than four characters. Supplied ones (answers file, environment variable)
/// are refused, naming where they came from and never quoting the value. One read from an
/// endpoint is masked wherever it stands as a whole value: never printed at
/// `RUST_LOG=trace`, and left out of the saved plan's hash of the endpoint file (two projects
/// that differ only in that secret bind the same secret-free hash, so the hash cannot be
/// used to guess it).
#[test]
fn short_secrets_are_refused_when_supplied_and_masked_when_read() {
    let project = without_support_portal_api_key();
    project.write("short.toml", "[providers.\"Support Portal\"]\nsecrets.apiKey = \"q7\"\n");
    let output = project.cmd(&["plan", "--answers"]).arg(project.file("short.toml")).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("[providers.\"Support Portal\"] secrets.apiKey is 2 character(s) long"),
        "{}",
        stderr(&output)
    );
    assert!(!holds_whole(&stderr(&output), "q7"), "{}", stderr(&output));
    let variable = "HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY";
    let output = project.cmd(&["plan"]).env(variable, "q7").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!("{variable} is 2 character(s) long")), "{}", stderr(&output));

    let bound_hash = |secret: &str| {
        let project = Scratch::example();
        edit_provider_settings(&project, "Support Portal", |s| s["apiKey"] = serde_json::Value::String(secret.into()));
        let saved = project.path().join("saved-plan.json");
        let output = project.cmd(&["plan", "--out"]).arg(&saved).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
        (project, plan["plan"]["project_state"][SUPPORT_PORTAL].as_str().unwrap().to_string())
    };
    let (project, q7) = bound_hash("q7");
    let (_, z9) = bound_hash("z9");
    assert!(q7.starts_with("masked:"), "{q7}");
    assert_eq!(q7, z9, "the saved plan's hash depends on the short secret");
    for args in [&["scan"][..], &["plan"], &["apply", "--yes"], &["verify"], &["report"], &["cleanup", "--yes"]] {
        let output = project.cmd(args).env("RUST_LOG", "trace").arg("-vvv").output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        for (sink, text) in [("stdout", stdout(&output)), ("stderr", stderr(&output))] {
            assert!(!holds_whole(&text, "q7"), "{args:?} ({sink}) printed the short secret:\n{text}");
        }
    }
}
