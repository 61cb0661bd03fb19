//! The floor the benchmarks compare against, doing only the unavoidable work:
//! - `handover-migrate-floor read DIR`: read and `serde_json`-parse every JSON file of the
//!   project, on all cores, and nothing else;
//! - `handover-migrate-floor apply DIR LIST`: the same, then write each file named in LIST
//!   (one path per line, relative to DIR) once, durably: temp file, fsync, rename, fsync
//!   of the directory (the same bytes: the floor of "write the changed files once").

use std::io::Write;
use std::path::{Path, PathBuf};

use handover_migrate_bench::json_files;

fn parse_all(files: &[PathBuf]) -> usize {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parsed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let bytes = std::fs::read(path).expect("read");
                let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                std::hint::black_box(&value);
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
    let root = PathBuf::from(&args[2]);
    let parsed = parse_all(&json_files(&root));
    if args[1] == "apply" {
        let list = std::fs::read_to_string(&args[3]).expect("list");
        for rel in list.lines().filter(|l| !l.is_empty()) {
            let path = root.join(rel);
            let bytes = std::fs::read(&path).expect("read");
            write_durably(&path, &bytes);
        }
    }
    std::hint::black_box(parsed);
}
