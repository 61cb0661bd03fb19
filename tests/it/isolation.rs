//! Isolated plugins through the binary: Rust and C plugins run in a sandboxed runner
//! process by default. Deliberately hostile variants of the example plugins (built from
//! tests/example-plugin's `hostile-*` features and tests/c-plugin's `-DHOSTILE=n`) crash,
//! abort, overflow their stack, loop, hoard memory, forge or bloat answers, and try to
//! write, read and connect where they may not: each run ends with an error naming the
//! plugin file, the hook and what happened, and the project is left as it was.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::*;
use crate::plugins::{c_variant, desk_settings, example_variant, DeskProject};

fn hostile(feature: &str) -> PathBuf {
    example_variant(&feature.replace('-', "_"), feature)
}

fn hostile_c(name: &str, number: u32) -> PathBuf {
    c_variant(&format!("c_desk_{name}"), &[&format!("-DHOSTILE={number}")])
}

fn c_settings() -> Value {
    json!({"baseUrl": "https://desk.example.com/api", "apiKey": "DESK-SECRET-2", "defaultQueue": "tier-1"})
}

/// A hostile plugin's run ends with a named error (exit 1), the project unchanged; then a
/// good plugin migrates the same project and rollback restores it (a failure leaves
/// nothing in the way of a rerun).
fn contained(kind: &str, settings: Value, plugin: &Path, extra: &[&str], expect: &[&str], good: &Path) {
    let project = DeskProject::new(kind, settings);
    let original = project.project.snapshot();
    let plugin = plugin.to_str().unwrap();
    let mut args = vec!["apply", "--yes", "--plugin", plugin];
    args.extend_from_slice(extra);
    let mut needles = vec![plugin, "failed in map_settings", "nothing was written"];
    needles.extend_from_slice(expect);
    let err = project.assert_refused(&args, &needles);
    assert!(!err.contains("DESK-SECRET"), "a secret reached the terminal: {err}");
    let apply = project.run(&["apply", "--yes", "--plugin", good.to_str().unwrap()]);
    assert!(apply.status.success(), "rerun with a good plugin: {}", stderr(&apply));
    project.cmd(&["rollback", "--yes"]).assert().success();
    assert_eq!(project.project.snapshot(), original);
}

fn contained_rust(feature: &str, extra: &[&str], expect: &[&str]) {
    let good = example_variant("good", "");
    contained("exampleDesk", desk_settings(), &hostile(feature), extra, expect, &good);
}

fn contained_c(name: &str, number: u32, extra: &[&str], expect: &[&str]) {
    let good = c_variant("c_desk", &[]);
    contained("cDesk", c_settings(), &hostile_c(name, number), extra, expect, &good);
}

#[test]
fn a_segfault_is_contained() {
    contained_rust("hostile-segfault", &[], &["its process crashed (signal 11, SIGSEGV"]);
    contained_c("segfault", 1, &[], &["its process crashed (signal 11, SIGSEGV"]);
}

#[test]
fn an_abort_is_contained() {
    contained_rust("hostile-abort", &[], &["its process crashed (signal 6, SIGABRT"]);
    contained_c("abort", 2, &[], &["its process crashed (signal 6, SIGABRT"]);
}

#[test]
fn a_stack_overflow_is_contained() {
    contained_rust("hostile-stack-overflow", &[], &["overflowed its stack"]);
    contained_c("stack_overflow", 3, &[], &["overflowed its stack"]);
}

#[test]
fn an_endless_loop_is_stopped_by_the_per_call_timeout() {
    let expect = ["did not answer within 2 s", "--plugin-timeout SECONDS"];
    contained_rust("hostile-endless-loop", &["--plugin-timeout", "2"], &expect);
    contained_c("endless_loop", 4, &["--plugin-timeout", "2"], &expect);
}

#[test]
fn a_library_that_hangs_when_opened_is_stopped_by_the_timeout() {
    let project = DeskProject::new("cDesk", c_settings());
    let plugin = hostile_c("loop_when_opened", 7);
    let plugin = plugin.to_str().unwrap();
    project.assert_refused(
        &["apply", "--yes", "--plugin", plugin, "--plugin-timeout", "2"],
        &[plugin, "could not be loaded in its own process", "did not answer within 2 s", "it was not loaded"],
    );
}

#[test]
fn a_memory_blow_up_is_stopped_by_the_memory_limit() {
    let expect = ["memory limit of 256 MiB"];
    contained_rust("hostile-memory", &["--plugin-memory-limit", "256"], &expect);
    contained_c("memory", 5, &["--plugin-memory-limit", "256"], &expect);
}

#[test]
fn forged_and_oversized_answers_are_refused() {
    // A frame header claiming 2 GiB, written straight into the runner's answer stream.
    contained_rust("hostile-garbage", &[], &["answered with 2147483647 bytes, over the limit"]);
    // A well-formed answer padded to 20 MiB.
    contained_rust("hostile-oversized", &[], &["answered with 20971", "over the limit of 16777216 bytes"]);
    // A frame of a kind the runner protocol does not know.
    contained_c("garbage", 6, &[], &["an answer the runner protocol does not know (first byte 0x58)"]);
    contained_c("oversized", 8, &[], &["answered with 20971", "over the limit of 16777216 bytes"]);
}

/// What the kernel enforced for the plugin of legacy kind `kind`, from `providers list --json`.
fn sandbox_of(project: &DeskProject, kind: &str, plugin: &str) -> Value {
    let output = project.run(&["providers", "list", "--json", "--plugin", plugin]);
    assert!(output.status.success(), "{}", stderr(&output));
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    let desk = list["providers"].as_array().unwrap().iter().find(|p| p["source_kind"] == kind).unwrap();
    assert_eq!(desk["isolation"]["mode"], "process", "{desk:#}");
    desk["isolation"]["sandbox"].clone()
}

fn sandbox(project: &DeskProject, plugin: &str) -> Value {
    sandbox_of(project, "exampleDesk", plugin)
}

/// Run the probe plugins, Rust and C, with `probe` settings: in process (the control: it
/// gets through) and isolated (blocked where the kernel enforces `part` of the sandbox).
fn probe(part: &str, probe: Value, got_through: impl Fn() -> bool, expect: &[&str]) {
    let rust = hostile("hostile-probe");
    // The Rust probe panics with what the OS said; the C probe answers an error with it.
    probe_with(part, "exampleDesk", desk_settings(), &rust, "panicked in map_settings", &probe, &got_through, expect);
    let c = hostile_c("probe", 9);
    probe_with(part, "cDesk", c_settings(), &c, "failed in map_settings", &probe, &got_through, expect);
}

#[allow(clippy::too_many_arguments)]
fn probe_with(
    part: &str,
    kind: &str,
    mut settings: Value,
    plugin: &Path,
    failed: &str,
    probe: &Value,
    got_through: &dyn Fn() -> bool,
    expect: &[&str],
) {
    settings.as_object_mut().unwrap().extend(probe.as_object().unwrap().clone());
    let plugin = plugin.to_str().unwrap();

    let control = DeskProject::new(kind, settings.clone());
    let apply = control.run(&["apply", "--yes", "--plugin", plugin, "--plugin-isolation", "none"]);
    assert!(apply.status.success(), "{kind}: in process the probe gets through: {}", stderr(&apply));
    assert!(got_through(), "{kind}: the in-process control run did not get through");

    let project = DeskProject::new(kind, settings);
    let sandbox = sandbox_of(&project, kind, plugin);
    if sandbox[part] != "full" {
        // Not blocked on this kernel: the tool must have said what it lacks.
        assert!(!sandbox["missing"].as_array().unwrap().is_empty(), "{sandbox:#}");
        eprintln!("this kernel does not enforce the {part} sandbox: {sandbox}");
        return;
    }
    let mut needles = vec![plugin, failed, "probe blocked"];
    needles.extend_from_slice(expect);
    let err = project.assert_refused(&["apply", "--yes", "--plugin", plugin], &needles);
    assert!(!err.contains("DESK-SECRET"), "a secret reached the terminal: {err}");
}

#[test]
fn the_sandbox_blocks_a_write_outside_the_plugin() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("written-by-plugin.txt");
    let path = target.to_str().unwrap();
    let written = || {
        let there = target.exists();
        let _ = std::fs::remove_file(&target);
        there
    };
    probe("filesystem", json!({"probeWrite": path}), written, &[&format!("write {path}"), "Permission denied"]);
    assert!(!target.exists(), "the isolated plugin wrote {path}");
}

#[test]
fn the_sandbox_blocks_reading_the_users_home() {
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join(".ssh/id_ed25519");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let path = key.to_str().unwrap();
    probe("filesystem", json!({"probeRead": path}), || true, &[&format!("read {path}"), "Permission denied"]);
}

#[test]
fn the_sandbox_blocks_a_tcp_connection_to_loopback() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let accepted = || listener.accept().is_ok();
    probe("network", json!({"probeConnect": address}), accepted, &[&format!("connect {address}"), "not permitted"]);
    assert!(listener.accept().is_err(), "the isolated plugin reached the listener");
}

/// Every file of the project, byte for byte (the state directory excluded).
fn contents(project: &DeskProject) -> Vec<(String, Vec<u8>)> {
    let root = project.project.path();
    project
        .project
        .snapshot()
        .into_keys()
        .filter(|rel| !rel.ends_with('/'))
        .map(|rel| {
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

fn same_results_in_both_modes(kind: &str, settings: Value, plugin: &Path) {
    let plugin = plugin.to_str().unwrap();
    let mut outputs = Vec::new();
    for mode in ["none", "process"] {
        let project = DeskProject::new(kind, settings.clone());
        let plan = project.run(&["plan", "--json", "--plugin", plugin, "--plugin-isolation", mode]);
        assert!(plan.status.success(), "{mode}: {}", stderr(&plan));
        let apply = project.run(&["apply", "--yes", "--plugin", plugin, "--plugin-isolation", mode]);
        assert!(apply.status.success(), "{mode}: {}", stderr(&apply));
        let verify = project.run(&["verify", "--json", "--plugin", plugin, "--plugin-isolation", mode]);
        assert!(verify.status.success(), "{mode}: {}", stderr(&verify));
        outputs.push((plan.stdout, verify.stdout, contents(&project)));
    }
    assert!(outputs[0].0 == outputs[1].0, "plan --json differs between in-process and isolated");
    assert!(outputs[0].1 == outputs[1].1, "verify --json differs between in-process and isolated");
    assert!(outputs[0].2 == outputs[1].2, "the migrated project differs between in-process and isolated");
}

#[test]
fn the_isolated_happy_path_gives_byte_identical_results() {
    same_results_in_both_modes("exampleDesk", desk_settings(), &example_variant("good", ""));
    same_results_in_both_modes("cDesk", c_settings(), &c_variant("c_desk", &[]));
}

#[test]
fn isolation_is_chosen_by_flag_or_the_users_config_never_by_the_project() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let plugin = example_variant("good", "");
    let plugin = plugin.to_str().unwrap();
    let mode = |extra: &[&str]| {
        let mut args = vec!["providers", "list", "--json", "--plugin", plugin];
        args.extend_from_slice(extra);
        let output = project.run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let list: Value = serde_json::from_slice(&output.stdout).unwrap();
        let desk = list["providers"].as_array().unwrap().iter().find(|p| p["source_kind"] == "exampleDesk").unwrap();
        desk["isolation"]["mode"].as_str().unwrap().to_string()
    };
    assert_eq!(mode(&[]), "process", "isolation is the default");
    assert_eq!(mode(&["--plugin-isolation", "none"]), "in_process");
    let text = project.run(&["providers", "list", "--plugin", plugin]);
    let line = stdout(&text).lines().find(|l| l.starts_with("exampleDesk")).unwrap().to_string();
    assert!(line.contains("separate process, sandbox: filesystem"), "{line}");

    // The user's configuration can choose in-process; the flag still wins.
    let config = project.data_home.path().join("config/handover-migrate/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[plugins]\nisolation = \"none\"\n").unwrap();
    assert_eq!(mode(&[]), "in_process");
    assert_eq!(mode(&["--plugin-isolation", "process"]), "process");
    std::fs::write(&config, "[plugins]\nisolation = \"off\"\n").unwrap();
    project.assert_refused(&["providers", "list", "--plugin", plugin], &["config.toml", "\"off\""]);
    std::fs::remove_file(&config).unwrap();

    // A project cannot: neither a config file in it nor its plugin lock file is read for it.
    project.project.write(".handover-migrate.toml", "[plugins]\nisolation = \"none\"\n");
    project.project.write("config.toml", "[plugins]\nisolation = \"none\"\n");
    assert_eq!(mode(&[]), "process");

    // Built-ins and declarative plugins stay in process.
    let output = project.run(&["providers", "list", "--json"]);
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(list["providers"].as_array().unwrap().iter().all(|p| p["isolation"]["mode"] == "in_process"));

    project.assert_refused(
        &["providers", "list", "--plugin", plugin, "--plugin-isolation", "none", "--require-sandbox"],
        &["--require-sandbox", "isolation is `none`"],
    );
    let required = project.run(&["providers", "list", "--plugin", plugin, "--require-sandbox"]);
    let sandbox = sandbox(&project, plugin);
    if [&sandbox["filesystem"], &sandbox["network"], &sandbox["limits"]].iter().all(|s| *s == "full") {
        assert!(required.status.success(), "{}", stderr(&required));
    } else {
        assert_eq!(required.status.code(), Some(2), "{}", stderr(&required));
        assert!(stderr(&required).contains("cannot fully sandbox"), "{}", stderr(&required));
    }
}

/// On a kernel without Landlock or seccomp (simulated: the runner's one question to the
/// kernel about each feature answers "not here" at a test-build failpoint), the tool says
/// once what is missing and goes on; `providers list` shows it; `--require-sandbox` refuses
/// instead, naming the plugin and what is missing, and writes nothing.
#[test]
fn a_kernel_lacking_a_sandbox_feature_is_said_once_or_refused_with_require_sandbox() {
    let rust = example_variant("good", "");
    let c = c_variant("c_desk", &[]);
    let (rust, c) = (rust.to_str().unwrap(), c.to_str().unwrap());
    // Without seccomp, Landlock's TCP rules still hold: the network part is partial.
    for (failpoint, part, state, lacking) in [
        ("sandbox:landlock:error", "filesystem", "none", "this kernel has no Landlock"),
        ("sandbox:seccomp:error", "network", "partial", "seccomp is not available"),
    ] {
        let project = DeskProject::new("exampleDesk", desk_settings());
        let run = |args: &[&str]| project.cmd(args).env("HANDOVER_MIGRATE_FAILPOINT", failpoint).output().unwrap();

        let listed = run(&["providers", "list", "--json", "--plugin", rust]);
        assert!(listed.status.success(), "{failpoint}: {}", stderr(&listed));
        let list: Value = serde_json::from_slice(&listed.stdout).unwrap();
        let desk = list["providers"].as_array().unwrap().iter().find(|p| p["source_kind"] == "exampleDesk").unwrap();
        let sandbox = &desk["isolation"]["sandbox"];
        assert_eq!(sandbox[part], state, "{failpoint}: {sandbox:#}");
        assert!(sandbox["missing"].to_string().contains(lacking), "{failpoint}: {sandbox:#}");
        let text = run(&["providers", "list", "--plugin", rust]);
        let line = stdout(&text).lines().find(|l| l.starts_with("exampleDesk")).unwrap_or_default().to_string();
        assert!(line.contains(&format!("{part} {state}")) && line.contains(lacking), "{failpoint}: {line}");

        // --require-sandbox: refused before any hook, nothing written.
        let before = project.project.snapshot();
        let refused = run(&["apply", "--yes", "--require-sandbox", "--plugin", rust]);
        let err = stderr(&refused);
        assert_eq!(refused.status.code(), Some(2), "{failpoint}: {err}");
        for needle in [rust, "--require-sandbox", "cannot fully sandbox", lacking] {
            assert!(err.contains(needle), "{failpoint}: expected {needle:?} in\n{err}");
        }
        assert_eq!(project.project.snapshot(), before, "{failpoint}: the refused run wrote to the project");

        // Without it the run goes on, saying once (for two plugins) what is missing.
        let applied = run(&["apply", "--yes", "--plugin", rust, "--plugin", c]);
        let err = stderr(&applied);
        assert!(applied.status.success(), "{failpoint}: {err}");
        assert_eq!(err.matches("plugin sandbox incomplete").count(), 1, "{failpoint}: said once:\n{err}");
        assert!(err.contains(lacking), "{failpoint}: {err}");
        assert!(project.project.file("handoverProviders").exists(), "{failpoint}: the run went on and migrated");
    }
}

#[test]
fn the_runner_mode_refuses_to_run_by_hand_without_its_arguments() {
    let output = bin().arg("__plugin-runner").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("started by handover-migrate itself"), "{}", stderr(&output));
}

/// The runner processes whose parent is `host`.
fn runners_of(host: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let (Ok(cmdline), Ok(stat)) =
            (std::fs::read(entry.path().join("cmdline")), std::fs::read_to_string(entry.path().join("stat")))
        else {
            continue;
        };
        // stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
        let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        let is_runner = cmdline.split(|b| *b == 0).any(|arg| arg == b"__plugin-runner");
        if is_runner && parent == Some(host) {
            found.push(pid);
        }
    }
    found
}

#[test]
fn the_runner_dies_with_the_host() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let plugin = hostile("hostile-endless-loop");
    let mut host = std::process::Command::new(assert_cmd::cargo::cargo_bin("handover-migrate"))
        .arg("--project")
        .arg(project.project.path())
        .args(["apply", "--yes", "--plugin-timeout", "600", "--plugin"])
        .arg(&plugin)
        .env_remove("HANDOVER_MIGRATE_PLUGIN_PATH")
        .env("XDG_DATA_HOME", project.data_home.path())
        .env("XDG_CONFIG_HOME", project.data_home.path().join("config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let host_pid = host.id();
    wait_for("the runner to start", &|| !runners_of(host_pid).is_empty());
    let runner = runners_of(host_pid)[0];
    // The runner spins in the plugin's endless loop; only the host's death can end it now.
    host.kill().unwrap();
    host.wait().unwrap();
    let gone = || {
        std::fs::read_to_string(format!("/proc/{runner}/stat"))
            .map(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
            .unwrap_or(true)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !gone() {
        if std::time::Instant::now() > deadline {
            // Leave no orphan spinning behind a failed test.
            // SAFETY: a plain kill of the runner this test saw, which has not ended.
            unsafe { libc::kill(runner as i32, libc::SIGKILL) };
            panic!("the runner {runner} outlived its host");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
