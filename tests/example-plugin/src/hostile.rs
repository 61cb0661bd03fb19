//! What a crashing, hanging, greedy or prying library can do to the process it is loaded
//! in: each `hostile-*` feature turns one of these on in `map_settings`. handover-migrate's
//! isolation tests (tests/it/isolation.rs) check that each one, run in a plugin runner,
//! ends with a named error and an unchanged project, and that the sandbox blocks the probes.

use serde_json::{Map, Value};

pub fn misbehave(settings: &Map<String, Value>) {
    if cfg!(feature = "hostile-segfault") {
        // SAFETY: none; this is the deliberate bug.
        unsafe { std::ptr::null_mut::<u64>().write_volatile(1) };
    }
    if cfg!(feature = "hostile-abort") {
        std::process::abort();
    }
    if cfg!(feature = "hostile-stack-overflow") {
        std::hint::black_box(recurse(0));
    }
    if cfg!(feature = "hostile-endless-loop") {
        let mut spins = 0u64;
        loop {
            spins = std::hint::black_box(spins.wrapping_add(1));
        }
    }
    if cfg!(feature = "hostile-memory") {
        let mut hoard = Vec::new();
        loop {
            hoard.push(vec![1u8; 64 << 20]);
            std::hint::black_box(&hoard);
        }
    }
    if cfg!(feature = "hostile-garbage") {
        use std::io::Write;
        use std::os::fd::FromRawFd;
        // Forge the runner's answer stream (the lowest descriptor after the standard ones):
        // a frame header claiming 2 GiB.
        // SAFETY: none; this is the deliberate attack. The File is leaked, never closed.
        let mut forged = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(3) });
        let _ = forged.write_all(b"\xff\xff\xff\x7fgarbage");
    }
    if cfg!(feature = "hostile-probe") {
        probe(settings);
    }
}

fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 512]);
    if depth == u64::MAX {
        return 0;
    }
    recurse(depth + 1).wrapping_add(frame[7])
}

/// The endpoint's settings name what to try: `probeWrite` (a path to create),
/// `probeRead` (a path to read), `probeConnect` (`host:port` to connect to). A blocked
/// attempt fails the hook with what the operating system said.
fn probe(settings: &Map<String, Value>) {
    let text = |key: &str| settings.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(path) = text("probeWrite") {
        if let Err(error) = std::fs::write(&path, "written by a plugin\n") {
            panic!("probe blocked: write {path}: {error}");
        }
    }
    if let Some(path) = text("probeRead") {
        if let Err(error) = std::fs::read(&path) {
            panic!("probe blocked: read {path}: {error}");
        }
    }
    if let Some(address) = text("probeConnect") {
        if let Err(error) = std::net::TcpStream::connect(&address) {
            panic!("probe blocked: connect {address}: {error}");
        }
    }
}

/// The `hostile-oversized` filter: a valid answer followed by 20 MiB of spaces.
#[cfg(all(feature = "hostile-oversized", not(any(feature = "contract-99", feature = "malformed-json"))))]
pub fn oversized(hook: &str, json: String) -> String {
    if hook == "map_settings" {
        format!("{json}{}", " ".repeat(20 << 20))
    } else {
        json
    }
}
