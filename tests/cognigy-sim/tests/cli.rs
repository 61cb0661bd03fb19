//! The binary: prints `listening on http://127.0.0.1:PORT` once ready and serves there.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;

struct Kill(std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `extra` flags; the client of the address it announces.
fn start_binary(extra: &[&str]) -> (Kill, Client) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognigy-sim"))
        .arg("--seed")
        .arg(seed())
        .args(["--port", "0", "--api-key", KEY, "--project-id", PROJECT])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cognigy-sim");
    let stdout = child.stdout.take().unwrap();
    let child = Kill(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).expect("the listening line within 30 s");
    let port = line.trim().strip_prefix("listening on http://127.0.0.1:").unwrap_or_else(|| panic!("{line:?}"));
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    (child, Client { addr, key: Some(KEY.into()) })
}

#[test]
fn binary_serves_a_catalogue_file_a_profile_and_a_restricted_key() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("catalogue.json");
    std::fs::write(&catalogue, r#"[{"type": "extensionNode", "extension": "@acme/x", "fields": [{"key": "text", "type": "cognigyText", "label": "Text"}]}]"#).unwrap();
    let profile = dir.path().join("profile.json");
    std::fs::write(
        &profile,
        r#"{"format": "handover-migrate/tenant-profile@1", "tool": "t",
            "services": [{"name": "liveAgent", "property_keys": ["baseUrl", "apiToken"], "secret_keys": ["apiToken"]}],
            "selector": {"key": "providerRef", "value_form": "referenceId"}, "secrets_masked": true,
            "pages": {"default": 3, "largest": 100}, "node_types": ["tenantOnlyNode"]}"#,
    )
    .unwrap();
    let (_child, client) = start_binary(&[
        "--descriptors",
        catalogue.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--restricted-key",
        "reader",
    ]);
    // The catalogue's node type first, the profile's page size, its selector with listed options.
    let first = client.ok(&format!("/flows/{MAIN_FLOW}/chart/descriptors"));
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    assert_eq!(first["items"][0]["type"], "extensionNode");
    let all = client.ok(&format!("/flows/{MAIN_FLOW}/chart/descriptors?limit=100"));
    let text = all.to_string();
    assert!(text.contains("tenantOnlyNode") && text.contains(r#""key":"providerRef""#), "{text}");
    assert!(text.contains(r#""label":"Legacy""#), "{text}");
    let services = client.ok("/handover/services");
    assert_eq!(services["total"], 1);
    assert_eq!(services["items"][0]["properties"][1]["key"], "apiToken");
    // The restricted key reads flows but not providers, and writes nothing.
    let reader = Client { addr: client.addr, key: Some("reader".into()) };
    assert_eq!(reader.get(&format!("/flows?projectId={PROJECT}")).status, 200);
    assert_eq!(reader.get(&format!("/handover/providers?projectId={PROJECT}")).status, 403);
    assert_eq!(
        reader.patch(&format!("/endpoints/{WEBCHAT_PRODUCTION}"), &serde_json::json!({"active": true})).status,
        403
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_cognigy-sim"))
        .arg("--seed")
        .arg(seed())
        .args(["--api-key", KEY, "--project-id", PROJECT, "--descriptors", "/nonexistent/catalogue.json"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--descriptors /nonexistent/catalogue.json"));
}

#[test]
fn binary_announces_its_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cognigy-sim"))
        .arg("--seed")
        .arg(seed())
        .args(["--port", "0", "--api-key", KEY, "--project-id", PROJECT, "--selector-key", "handoverProvider"])
        .args(["--burst-429", "1000:1", "--rate-limit", "1000/300", "--rng-seed", "3"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cognigy-sim");
    let stdout = child.stdout.take().unwrap();
    let child = Kill(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).expect("the listening line within 30 s");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr = url.strip_prefix("http://127.0.0.1:").expect("loopback");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{addr}").parse().unwrap();
    let client = Client { addr, key: Some(KEY.into()) };
    assert_eq!(client.ok(&format!("/locales?projectId={PROJECT}"))["total"], 2);
    let descriptors = client.ok(&format!("/flows/{MAIN_FLOW}/chart/descriptors"));
    assert!(descriptors.to_string().contains("\"key\":\"handoverProvider\""));
    drop(child);
}

#[test]
fn binary_rejects_bad_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_cognigy-sim"))
        .arg("--seed")
        .arg(seed())
        .args(["--api-key", KEY, "--project-id", PROJECT, "--burst-429", "3"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("EVERY:COUNT"));
    let output = Command::new(env!("CARGO_BIN_EXE_cognigy-sim"))
        .args(["--seed", "/nonexistent/seed", "--api-key", KEY, "--project-id", PROJECT])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
}
