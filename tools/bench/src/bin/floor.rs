//! The floors the benchmarks compare against, doing only the unavoidable work:
//! - `handover-migrate-floor validate DIR`: read every JSON file of the project and check
//!   that it is JSON (`serde_json` into `IgnoredAny`), on all cores, and nothing else: the
//!   read floor of `scan`, `plan`, `verify` and `report`;
//! - `handover-migrate-floor read DIR`: the same, parsing every file into a `Value`;
//! - `handover-migrate-floor apply DIR LIST`: `read`, then write each file named in LIST
//!   (one path per line, relative to DIR) once, durably: temp file, fsync, rename, fsync
//!   of the directory (the same bytes: the floor of "write the changed files once").

use std::io::Write;
use std::path::{Path, PathBuf};

use handover_migrate_bench::json_files;

/// Read and check every file on every core; `into_value` parses into a `Value` rather than
/// only validating.
fn parse_all(files: &[PathBuf], into_value: bool) -> usize {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parsed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let bytes = std::fs::read(path).expect("read");
                if into_value {
                    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                    std::hint::black_box(&value);
                } else {
                    let valid: serde::de::IgnoredAny = serde_json::from_slice(&bytes).expect("json");
                    std::hint::black_box(valid);
                }
                parsed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            });
        }
    });
    parsed.into_inner()
}

fn write_durably(path: &Path, bytes: &[u8]) {
    let temp = path.with_extension("floor.tmp");
    let mut file = std::fs::File::create(&temp).expect("create");
    file.write_all(bytes).expect("write");
    file.sync_all().expect("fsync");
    std::fs::rename(&temp, path).expect("rename");
    std::fs::File::open(path.parent().expect("parent")).and_then(|d| d.sync_all()).expect("fsync dir");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(root)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: handover-migrate-floor validate|read|apply DIR [LIST]");
        std::process::exit(2);
    };
    let root = PathBuf::from(root);
    let parsed = parse_all(&json_files(&root), mode != "validate");
    if mode == "apply" {
        let list = std::fs::read_to_string(&args[3]).expect("list");
        for rel in list.lines().filter(|l| !l.is_empty()) {
            let path = root.join(rel);
            let bytes = std::fs::read(&path).expect("read");
            write_durably(&path, &bytes);
        }
    }
    std::hint::black_box(parsed);
}
