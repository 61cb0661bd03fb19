//! Test helpers: a tiny blocking HTTP/1.1 client over std (loopback only, bounded by
//! timeouts), the seed path and file-tree comparison.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cognigy_sim::{Options, Sim, SimHandle};
use serde_json::Value;

pub const KEY: &str = "test-key";
pub const PROJECT: &str = "66f26ef21238d0626569c5a3";
pub const EN: &str = "66f2dd82694e1423e7505f27";
pub const DE: &str = "66f200f16521a50b9174a906";
pub const MAIN_FLOW: &str = "66f2b9a0c0c3523177c06c74";
/// Main's handoverToAgent node, localized in en-US and de-DE.
pub const MAIN_HANDOVER: &str = "66f23ce0c4fa7bbf4af8bfc1";
/// Main's checkAgentAvailability node, localized in en-US only.
pub const MAIN_CHECK: &str = "66f26deb948d8446de56f6e8";
pub const WEBCHAT_PRODUCTION: &str = "66f2c7b6e6ce15f53d190fb7";

pub fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-support")
}

pub fn options() -> Options {
    Options::new(KEY, PROJECT)
}

pub fn start(options: Options) -> SimHandle {
    Sim::load(seed(), options).expect("load seed").spawn().expect("spawn")
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("status {} body is not JSON ({e}): {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on a fresh connection (`Connection: close`).
pub fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.set_write_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(body) = body {
        stream.write_all(body)?;
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> std::io::Result<Response> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no response head"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("no status line"))?;
    let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad status"))?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked =
        headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(|| bad("bad chunk"))?;
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    Ok(Response { status, headers, body })
}

/// A client for one simulator and key; paths are relative to `/new/v2.0`.
pub struct Client {
    pub addr: SocketAddr,
    pub key: Option<String>,
}

impl Client {
    pub fn new(handle: &SimHandle) -> Client {
        Client { addr: handle.addr(), key: Some(KEY.to_string()) }
    }

    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let target = if path.starts_with("/__sim") || path.starts_with("/v2.0") || path.starts_with("/new/") {
            path.to_string()
        } else {
            format!("/new/v2.0{path}")
        };
        let mut headers = vec![("Accept", "application/json")];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        if let Some(key) = &self.key {
            headers.push(("X-API-Key", key.as_str()));
        }
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        raw_request(self.addr, method, &target, &headers, bytes.as_deref()).expect("request")
    }

    pub fn get(&self, path: &str) -> Response {
        self.send("GET", path, None)
    }
    pub fn patch(&self, path: &str, body: &Value) -> Response {
        self.send("PATCH", path, Some(body))
    }
    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.send("POST", path, Some(body))
    }
    pub fn delete(&self, path: &str) -> Response {
        self.send("DELETE", path, None)
    }
    /// GET that must answer 200 with JSON.
    pub fn ok(&self, path: &str) -> Value {
        let response = self.get(path);
        assert_eq!(response.status, 200, "GET {path}: {}", response.text());
        response.json()
    }
}

/// Every file under `dir` (relative path → bytes).
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The seed's files that the API serves: `endpoints/`, `flows/`, `handoverProviders/`.
pub fn served_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(dir)
        .into_iter()
        .filter(|(path, _)| {
            path.starts_with("endpoints/") || path.starts_with("flows/") || path.starts_with("handoverProviders/")
        })
        .collect()
}

/// Asserts two file maps are equal, naming the first differing files.
pub fn assert_same_files(expected: &BTreeMap<String, Vec<u8>>, actual: &BTreeMap<String, Vec<u8>>) {
    let missing: Vec<_> = expected.keys().filter(|k| !actual.contains_key(*k)).collect();
    let extra: Vec<_> = actual.keys().filter(|k| !expected.contains_key(*k)).collect();
    let differing: Vec<_> =
        expected.iter().filter(|(k, v)| actual.get(*k).is_some_and(|a| a != *v)).map(|(k, _)| k).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differing.is_empty(),
        "missing: {missing:?}\nextra: {extra:?}\ndiffering: {differing:?}"
    );
}
