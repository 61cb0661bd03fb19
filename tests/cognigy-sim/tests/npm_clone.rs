//! The simulator speaks the real protocol: Cognigy's official REST client
//! (`@cognigy/rest-api-client@0.19.0`, locked in `tests/npm-clone/package-lock.json`),
//! driven the way `cognigy clone` drives it (`tests/npm-clone/clone.mjs`), clones a seeded
//! simulator back to the seed directory byte for byte.
//!
//! Compared: every file under `endpoints/` and `flows/` (config.json, transformer.ts,
//! locales.json, chart.json and intents.json, the latter served by the intents export
//! route). Not compared: the seed's `README.md` and `handover-migrate.toml`, which are not
//! project data and which `cognigy clone` does not write.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn npm_clone_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../npm-clone")
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` with a deadline; returns its status and combined output.
fn run(command: &mut Command, timeout: Duration) -> (ExitStatus, String) {
    let logs = tempfile::tempdir().unwrap();
    let out_path = logs.path().join("out");
    let out = File::create(&out_path).unwrap();
    let err = out.try_clone().unwrap();
    let mut child = command.stdin(Stdio::null()).stdout(out).stderr(err).spawn().expect("spawn");
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} did not finish within {timeout:?}:\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, std::fs::read_to_string(&out_path).unwrap_or_default())
}

/// `npm ci` from the committed lockfile, unless node_modules already holds the client.
fn npm_ci(dir: &Path) {
    let installed = dir.join("node_modules/@cognigy/rest-api-client/package.json");
    let current = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|p| p["version"] == "0.19.0");
    if current {
        return;
    }
    let (status, output) = run(
        Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"]).current_dir(dir),
        Duration::from_secs(300),
    );
    assert!(status.success(), "npm ci failed:\n{output}");
}

#[test]
fn official_client_clones_the_seed_byte_for_byte() {
    if !available("node") || !available("npm") {
        eprintln!("SKIPPED official_client_clones_the_seed_byte_for_byte: `node`/`npm` not found on PATH");
        return;
    }
    let dir = npm_clone_dir();
    npm_ci(&dir);

    let handle = start(options());
    let out = tempfile::tempdir().unwrap();
    let agent = out.path().join("agent");
    let (status, output) = run(
        Command::new("node")
            .arg("clone.mjs")
            .arg(handle.base_url())
            .arg(KEY)
            .arg(PROJECT)
            .arg(&agent)
            .current_dir(&dir),
        Duration::from_secs(120),
    );
    assert!(status.success(), "clone.mjs failed:\n{output}");

    let expected = served_files(&seed());
    assert!(expected.keys().any(|k| k.ends_with("intents.json")) && expected.len() > 40);
    assert_same_files(&expected, &served_files(&agent));

    // It went through the routes the CLI uses, every node read once per locale.
    let stats = handle.stats();
    let routes = &stats["routes"];
    assert_eq!(routes["GET /endpoints/{id}"], 6);
    assert_eq!(routes["GET /flows/{id}/chart"], 14);
    assert_eq!(routes["GET /flows/{id}/chart/nodes/{nodeId}"], 62);
    assert_eq!(routes["POST /flows/{id}/intents/export"], 14);
    assert!(stats["statuses"].as_object().unwrap().keys().all(|s| s == "200"), "{stats}");
}
