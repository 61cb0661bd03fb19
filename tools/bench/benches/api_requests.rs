//! `cargo bench -p handover-migrate-bench --bench api_requests`: API mode against the local
//! simulator. For each project it prints the requests a migration made against
//!   - the minimum the data requires: the reads the migration needs (paged indexes, each
//!     endpoint, each handover / Execute Flow / Go To node once in its own locale, the
//!     provider and service lists, one descriptor read), one re-read per write for the
//!     concurrency check, and the writes;
//!   - a naive full read, what `cognigy clone` does: every endpoint, every chart and every
//!     node of every flow in every locale (reads only, no writes);
//!
//! It also prints the wall time against the rate-limit bound (requests ÷ allowed rate) and
//! the client's CPU time (user + system of the `apply` process) as a share of its wall time.
//! The small project runs at the default 1,000 requests / 5 minutes; the large one
//! (`HM_API_BENCH_FLOWS`, default 3,000 flows × 2 locales) with the limit scaled to
//! `HM_API_BENCH_RATE` requests / second (default 200) on both sides, as a sliding window
//! of `HM_API_BENCH_WINDOW` seconds (default 10; Cognigy's is 300), compared with the
//! scaled bound. Goals: requests ≤ 1.01× the minimum, wall ≤ 1.05× the bound, CPU < 5%.
//! The simulator refuses any request over its window (429): the line reports how many it
//! refused (0 is the goal) and the fullest window it saw, and how many requests it served
//! at once at most.

use std::path::Path;
use std::process::Command;

use handover_migrate_bench::measure;

use cognigy_sim::{Faults, Options, Sim};
use handover_migrate_projectgen::{generate, Options as GenOptions};
use serde_json::Value;

const KEY: &str = "bench-key";

fn pages(n: usize) -> usize {
    n.div_ceil(100).max(1)
}

/// Minimum and naive request counts from a clone-layout seed and the plan's numbers.
fn counts(seed: &Path, providers_created: usize, node_edits: usize) -> (usize, usize) {
    let read = |p: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let endpoints = std::fs::read_dir(seed.join("endpoints")).unwrap().count();
    let locales = read(&seed.join("flows/locales.json")).as_array().unwrap().len();
    let mut flows = 0;
    let (mut node_index_pages, mut config_reads, mut all_nodes) = (0, 0, 0);
    for flow in std::fs::read_dir(seed.join("flows")).unwrap().flatten().filter(|e| e.path().is_dir()) {
        flows += 1;
        for locale in std::fs::read_dir(flow.path()).unwrap().flatten().filter(|e| e.path().is_dir()) {
            let chart = read(&locale.path().join("chart.json"));
            let nodes = chart["nodes"].as_array().unwrap();
            let locale_id = read(&seed.join("flows/locales.json"))
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["name"].as_str() == locale.file_name().to_str())
                .map(|l| l["_id"].clone())
                .unwrap();
            node_index_pages += pages(nodes.len());
            all_nodes += nodes.len();
            config_reads += nodes
                .iter()
                .filter(|n| {
                    matches!(
                        n["type"].as_str(),
                        Some("handoverToAgent" | "checkAgentAvailability" | "executeFlow" | "goTo")
                    ) && n["localeReference"] == locale_id
                })
                .count();
        }
    }
    let reads =
        pages(endpoints) + endpoints + pages(locales) + pages(flows) + node_index_pages + config_reads + 1 + 1 + 1;
    let writes = providers_created * 2 + node_edits;
    let minimum = reads + node_edits + writes;
    let naive = pages(endpoints) + endpoints + pages(locales) + pages(flows) + flows * locales + all_nodes;
    (minimum, naive)
}

fn run(label: &str, seed: &Path, project_id: &str, sim_limit: Option<(u32, f64)>, client_limit: &str, per_second: f64) {
    let options = Options::new(KEY, project_id)
        .selector_key("handoverProvider")
        .faults(Faults { rate_limit: sim_limit, ..Faults::default() });
    let sim = Sim::load(seed, options).expect("seed").spawn().expect("spawn");
    let tool = std::env::current_exe().unwrap().parent().and_then(Path::parent).unwrap().join("handover-migrate");
    let state = std::env::temp_dir().join(format!("hm-api-bench-{}-{label}", std::process::id()));
    let plan = Command::new(&tool)
        .env("COGNIGY_API_KEY", KEY)
        .args(["--api-url", &sim.base_url(), "--project-id", project_id, "--state-dir"])
        .arg(&state)
        .args(["--rate-limit", client_limit, "plan", "--json"])
        .output()
        .expect("plan");
    let plan: Value = serde_json::from_slice(&plan.stdout).expect("plan --json");
    let created = plan["providers"].as_array().unwrap().iter().filter(|p| p["action"] == "create").count();
    let edits = plan["node_edits"].as_array().unwrap().len();
    // The plan's requests count against the simulator's window until it has passed; apply, a
    // new process with a fresh budget of its own, would otherwise meet refusals the plan caused.
    if let Some((_, window_secs)) = sim_limit {
        std::thread::sleep(std::time::Duration::from_secs_f64(window_secs));
    }
    let before = sim.stats()["total"].as_u64().unwrap_or(0);
    let applied = measure(
        Command::new(&tool)
            .env("COGNIGY_API_KEY", KEY)
            .args(["--api-url", &sim.base_url(), "--project-id", project_id, "--state-dir"])
            .arg(&state)
            .args(["--rate-limit", client_limit, "apply", "--yes"]),
    );
    let wall = applied.wall.as_secs_f64();
    let cpu_share = applied.cpu.as_secs_f64() / wall;
    assert!(applied.success, "apply failed on {label}");
    let made = (sim.stats()["total"].as_u64().unwrap_or(0) - before) as usize;
    let (minimum, naive) = counts(seed, created, edits);
    let bound = made as f64 / per_second;
    let stats = sim.stats();
    println!(
        "{label:<28} requests {made:>6}  minimum {minimum:>6} ({:.3}x)  naive clone read {naive:>7} ({:.2}x ours)  \
         wall {wall:>7.2}s  rate bound {bound:>7.2}s  ratio {:.3}  client CPU {:.2}s ({:.1}% of wall)  \
         sim: refused over the limit {}, fullest window {}, most in flight {}",
        made as f64 / minimum as f64,
        naive as f64 / made as f64,
        if bound > 0.0 { wall / bound } else { 0.0 },
        applied.cpu.as_secs_f64(),
        cpu_share * 100.0,
        stats["faults"]["rateLimited429"],
        stats["faults"]["peakWindow"],
        stats["peakInFlight"],
    );
    std::fs::remove_dir_all(&state).ok();
}

fn main() {
    handover_migrate_bench::serve_as_launcher();
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-support");
    run("acme-support (default limit)", &example, "66f26ef21238d0626569c5a3", None, "1000/300", 1000.0 / 300.0);
    let work = std::env::temp_dir().join(format!("hm-api-bench-seed-{}", std::process::id()));
    let flows: usize = std::env::var("HM_API_BENCH_FLOWS").ok().and_then(|f| f.parse().ok()).unwrap_or(3000);
    let rate: u32 = std::env::var("HM_API_BENCH_RATE").ok().and_then(|f| f.parse().ok()).unwrap_or(200);
    let window: u32 = std::env::var("HM_API_BENCH_WINDOW").ok().and_then(|f| f.parse().ok()).unwrap_or(10);
    generate(&work, &GenOptions { flows, endpoints: (flows / 20).max(2), ..GenOptions::default() }).expect("generate");
    // The generator's endpoints target project 0x9…0; the limit scaled on both sides.
    run(
        &format!("{flows} flows x 2 ({}/{window}s)", rate * window),
        &work,
        "000000090000000000000000",
        Some((rate * window, f64::from(window))),
        &format!("{}/{window}", rate * window),
        f64::from(rate),
    );
    std::fs::remove_dir_all(&work).ok();
}
