//! API mode reads every index page by page, the node descriptors included, and refuses an
//! answer that is not the paginated envelope of the official client's types.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use cognigy_sim::{Options, Sim};
use serde_json::{json, Value};

use crate::common::*;

/// A catalogue of `count` made-up node types, listed before every node type of the project,
/// so the two handover node types come after the first page of 100.
fn filler_catalogue(dir: &std::path::Path, count: usize) -> std::path::PathBuf {
    let list: Vec<Value> = (0..count)
        .map(|i| {
            json!({"type": format!("extensionNode{i:03}"), "extension": "@acme/extension",
                   "defaultLabel": format!("Extension node {i}"), "fields": [{"key": "text", "type": "cognigyText", "label": "Text"}]})
        })
        .collect();
    let file = dir.join("catalogue.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&list).unwrap()).unwrap();
    file
}

#[test]
fn api_mode_migrates_a_project_whose_handover_node_types_are_past_the_first_descriptor_page() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = filler_catalogue(dir.path(), 150);
    let options = Options::new(KEY, PROJECT).selector_key("handoverProvider").descriptors(&catalogue);
    let sim = Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn");

    // The handover node types are on the second page of the largest page the API serves.
    let first_page = http_get(&sim.api_url(), &format!("/flows/{}/chart/descriptors?limit=100", main_flow_id()));
    assert_eq!(first_page["items"].as_array().unwrap().len(), 100);
    assert!(first_page["total"].as_u64().unwrap() > 150);
    assert!(!first_page.to_string().contains("handoverToAgent"));

    let state = tempfile::tempdir().unwrap();
    let apply = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_same(&normalized(dump(&sim).path()), &offline_applied(), "api (paged descriptors) vs offline");
    // Every descriptor page was read: two of 100.
    let stats = sim.stats();
    assert!(stats["routes"]["GET /flows/{id}/chart/descriptors"].as_u64().unwrap() >= 2, "{stats}");
}

fn main_flow_id() -> String {
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(example_dir().join("flows/Main/config.json")).unwrap()).unwrap();
    config["_id"].as_str().unwrap().to_string()
}

/// One GET with the test key, over plain std (loopback).
fn http_get(api_url: &str, path: &str) -> Value {
    let rest = api_url.strip_prefix("http://").unwrap();
    let (addr, base) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET /{base}{path} HTTP/1.1\r\nHost: {addr}\r\nX-API-Key: {KEY}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (_, body) = raw.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {raw}"))
}

/// A server that answers every request `200` with `body` (for at most `requests` requests).
fn fixed_answer_server(body: &'static str, requests: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, thread)
}

#[test]
fn an_index_answer_that_is_not_the_paginated_envelope_is_an_error_naming_the_route() {
    for (body, expected) in
        [("[]", "got a bare list"), (r#"{"items": []}"#, "has no `total`"), (r#"{"total": 0}"#, "has no `items`")]
    {
        let (url, server) = fixed_answer_server(body, 1);
        let state = tempfile::tempdir().unwrap();
        let output = bin()
            .env("COGNIGY_API_KEY", KEY)
            .args(["--api-url", &url, "--project-id", PROJECT, "--state-dir"])
            .arg(state.path())
            .arg("scan")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let _ = server.join();
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{body}: {err}");
        assert!(err.contains("GET /endpoints") && err.contains(expected), "{body}: {err}");
        assert!(!err.to_lowercase().contains("candidate"), "{err}");
    }
}
