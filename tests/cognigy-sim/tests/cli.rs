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
