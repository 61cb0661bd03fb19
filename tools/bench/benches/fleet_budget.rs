//! `cargo bench -p handover-migrate-bench --bench fleet_budget` (after `cargo build --release
//! -p handover-migrate`): a fleet of several projects on one simulated tenant with request
//! latency, migrated with `fleet apply` under a client rate limit. It prints the wall time
//! against the rate-limit bound of the requests the tenant's shared budget sent (every
//! full window after the first burst), for `--jobs 1` (one project in flight: the budget
//! idles while a project waits on its answers) and `--jobs 4` (several in flight, one
//! budget), the latter also with `--fail-fast` (every plan first, then every apply, as when
//! `fleet apply` shows its summary before asking). Goal: `--jobs 4` within 1.05x of the
//! bound.
//!
//! `HM_FLEET_BENCH_PROJECTS` (default 6), `HM_FLEET_BENCH_LATENCY_MS` (default 40),
//! `HM_FLEET_BENCH_LIMIT` (default `40/1`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cognigy_sim::multi::MultiSim;
use cognigy_sim::{Faults, Options};
use serde_json::Value;

const KEY: &str = "fleet-bench-key";
const EXAMPLE_PROJECT: &str = "66f26ef21238d0626569c5a3";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn rewrite(dir: &Path, prefix: &str) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            rewrite(&path, prefix);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            std::fs::write(&path, handover_migrate_projectgen::reprefix_ids(&text, prefix)).unwrap();
        }
    }
}

/// `projects` copies of the example with ids of their own, in `root/seeds/`.
fn seeds(root: &Path, projects: usize) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-support");
    let seeds = root.join("seeds");
    for i in 0..projects {
        let prefix = format!("{:02x}", 0xa0 + i);
        let dir = seeds.join(format!("brand-{i:02}"));
        copy_tree(&example, &dir);
        rewrite(&dir, &prefix);
        let config = dir.join("handover-migrate.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, format!("{text}project-id = \"{prefix}{}\"\n", &EXAMPLE_PROJECT[2..])).unwrap();
    }
    seeds
}

fn run(jobs: usize, extra: &[&str], projects: usize, latency_ms: u64, limit: &str) -> (f64, f64, u64) {
    let root = tempfile::tempdir().unwrap();
    let seeds = seeds(root.path(), projects);
    let options =
        Options::new(KEY, "").selector_key("handoverProvider").faults(Faults { latency_ms, ..Faults::default() });
    let sim = MultiSim::load_dir(&seeds, options).expect("seeds").spawn().expect("spawn");
    let fleet = root.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "[[tenant]]\nname = \"bench\"\napi-url = \"{}\"\napi-key-env = \"HM_FLEET_BENCH_KEY\"\nprojects = \"all\"\n\
             rate-limit = \"{limit}\"\n",
            sim.base_url()
        ),
    )
    .unwrap();
    let tool = std::env::current_exe().unwrap().parent().and_then(Path::parent).unwrap().join("handover-migrate");
    let started = Instant::now();
    let output = Command::new(&tool)
        .env("HM_FLEET_BENCH_KEY", KEY)
        .env("XDG_STATE_HOME", root.path().join("state"))
        .args(["fleet", "apply", "--yes", "--json", "--jobs", &jobs.to_string(), "--fleet"])
        .arg(&fleet)
        .args(extra)
        .output()
        .unwrap_or_else(|e| {
            panic!("{}: {e} (build it first: cargo build --release -p handover-migrate)", tool.display())
        });
    let wall = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "fleet apply failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let outcome: Value = serde_json::from_slice(&output.stdout).unwrap();
    let done = outcome["projects"].as_array().unwrap().iter().filter(|p| p["status"] == "done").count();
    assert_eq!(done, projects, "{outcome:#}");
    let bound = outcome["bound_seconds"].as_f64().unwrap();
    let requests = outcome["tenants"][0]["requests"].as_u64().unwrap();
    (wall, bound, requests)
}

fn main() {
    let projects = env_or("HM_FLEET_BENCH_PROJECTS", 6usize);
    let latency = env_or("HM_FLEET_BENCH_LATENCY_MS", 40u64);
    let limit = std::env::var("HM_FLEET_BENCH_LIMIT").unwrap_or_else(|_| "40/1".into());
    println!("fleet apply: {projects} projects on one tenant, {latency} ms per request, rate limit {limit}");
    println!("{:>24} {:>9} {:>10} {:>10} {:>9}", "run", "requests", "bound s", "wall s", "wall/bound");
    let mut ratio_parallel = f64::NAN;
    // `--fail-fast` keeps the summary-first order (every plan, then every apply); without
    // it `--yes` plans and applies each project in one pass.
    let runs: [(&str, usize, &[&str]); 3] =
        [("jobs 1", 1, &[]), ("jobs 4, summary first", 4, &["--fail-fast"]), ("jobs 4", 4, &[])];
    for (label, jobs, extra) in runs {
        let (wall, bound, requests) = run(jobs, extra, projects, latency, &limit);
        let ratio = wall / bound;
        println!("{label:>24} {requests:>9} {bound:>10.2} {wall:>10.2} {ratio:>9.3}");
        if label == "jobs 4" {
            ratio_parallel = ratio;
        }
    }
    println!("goal: --jobs 4 wall/bound <= 1.05: {}", if ratio_parallel <= 1.05 { "met" } else { "NOT met" });
}
