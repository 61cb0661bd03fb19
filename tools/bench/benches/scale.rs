//! `cargo bench -p handover-migrate-bench --bench scale`: every command and output format on
//! synthetic projects, each as a ratio to a floor measured in the same run on the same files,
//! with peak memory and the fitted scaling exponent. See BENCHMARKS.md.
//!
//! Floors (`handover-migrate-floor`): **validate** reads every JSON file and checks it is JSON
//! on every core (the floor of `scan`, `plan`, `verify`, `report`); **value** parses every
//! file into a `serde_json::Value` (shown for reference); **apply** parses every file, then
//! writes the files `apply` changed once, durably.
//!
//! Two dimensions: flows (× 2 locales, one endpoint per 50 flows) and endpoints (at a fixed
//! number of flows), plus one `plan` at the largest flow count. Each command is run
//! alternately with its floor; ratios are medians of the pairwise ratios. The exponent is the
//! least-squares slope of log(median time) over log(size); a linear command gives 1.0 or
//! less (fixed costs), a quadratic loop tends to 2.
//!
//! Environment:
//! - `HM_BENCH_SIZES=1000,10000,20000`: flows;
//! - `HM_BENCH_LARGE=50000`: flows of the one extra `plan` (empty: none);
//! - `HM_BENCH_ENDPOINTS=10,1000,20000` at `HM_BENCH_ENDPOINT_FLOWS=1000` flows;
//! - `HM_BENCH_RUNS=3`: pairs per measure (after one warm-up pair);
//! - `HM_BENCH_SMOKE=1`: the small CI check instead: flows = endpoints at 500 and 5,000
//!   (`HM_BENCH_SMOKE_SIZES`), three runs each (a true median: the median of two is the
//!   larger), failing when any command's exponent relative to its floor in CPU time (1 + the
//!   slope of log(CPU ratio) over log(size): machine drift and contention cancel out)
//!   exceeds `HM_BENCH_MAX_EXPONENT` (default 1.2). A linear command keeps its ratio flat
//!   (1.0, less with fixed costs); a quadratic loop that is a share q of a command at
//!   5,000 × 5,000 gives 1 + log10(1 / (1 − 0.9 q)): 1.2 at q ≈ 0.4, 2 when it dominates;
//! - `HM_BENCH_COMMANDS=report,verify`: only these commands (comma-separated; a word names
//!   every output format of that command, `plan --json` only that one; default: all). The
//!   project `verify` and `report` read is migrated by an untimed `apply` either way.
//!
//! Peak memory is each measured process's own: see [`handover_migrate_bench::measure`].

use std::path::{Path, PathBuf};
use std::process::Command;

use handover_migrate_bench::{copy_tree, measure, median, Measure};
use handover_migrate_projectgen::{generate, Options};

fn target_dir() -> PathBuf {
    // benches run from target/<profile>/deps/…; the binaries sit in target/<profile>/.
    let exe = std::env::current_exe().expect("exe");
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

fn bin(name: &str) -> PathBuf {
    target_dir().join(name)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Flows,
    Endpoints,
}

impl Dimension {
    fn name(self) -> &'static str {
        match self {
            Dimension::Flows => "flows",
            Dimension::Endpoints => "endpoints",
        }
    }
}

struct Row {
    dimension: Dimension,
    size: usize,
    op: String,
    floor_name: &'static str,
    tool: Vec<Measure>,
    floor: Vec<Measure>,
    /// The `value` floor's median wall time on the same files, for reference.
    value_floor: f64,
}

impl Row {
    fn tool_median(&self) -> f64 {
        median(&mut self.tool.iter().map(|m| m.wall.as_secs_f64()).collect::<Vec<_>>())
    }
    fn floor_median(&self) -> f64 {
        median(&mut self.floor.iter().map(|m| m.wall.as_secs_f64()).collect::<Vec<_>>())
    }
    fn ratio(&self) -> f64 {
        median(
            &mut self
                .tool
                .iter()
                .zip(&self.floor)
                .map(|(t, f)| t.wall.as_secs_f64() / f.wall.as_secs_f64())
                .collect::<Vec<_>>(),
        )
    }
    /// Median pairwise ratio of CPU time (user + system): steadier than wall time on a
    /// shared machine, and the same as the wall ratio when both use every core.
    fn cpu_ratio(&self) -> f64 {
        median(
            &mut self
                .tool
                .iter()
                .zip(&self.floor)
                .map(|(t, f)| t.cpu.as_secs_f64() / f.cpu.as_secs_f64())
                .collect::<Vec<_>>(),
        )
    }
    fn peak_mib(&self) -> f64 {
        self.tool.iter().map(|m| m.peak_kib).max().unwrap_or(0) as f64 / 1024.0
    }
}

/// Goal for a command's median ratio to its floor (issue: "at the read floor").
fn goal(op: &str) -> f64 {
    match op {
        "scan" | "verify" => 1.5,
        "apply" => 2.0,
        "report --format html" => 2.5,
        _ => 2.0, // plan, plan --json, plan --out
    }
}

fn run_pair(
    runs: usize,
    mut tool: impl FnMut() -> Measure,
    mut floor: impl FnMut() -> Measure,
) -> (Vec<Measure>, Vec<Measure>) {
    let (mut t, mut f) = (Vec::new(), Vec::new());
    // Warm-up (page cache), then alternate so drift hits both alike.
    tool();
    floor();
    for _ in 0..runs {
        t.push(tool());
        f.push(floor());
    }
    (t, f)
}

struct Bench {
    tool: PathBuf,
    floor: PathBuf,
    work: PathBuf,
    runs: usize,
    rows: Vec<Row>,
    /// `HM_BENCH_COMMANDS`: empty runs every command.
    commands: Vec<String>,
}

impl Bench {
    /// Whether `op` (`plan --json`, `report --format html`, …) is one of `HM_BENCH_COMMANDS`.
    fn selected(&self, op: &str) -> bool {
        let word = op.split(' ').next().unwrap_or(op);
        self.commands.is_empty() || self.commands.iter().any(|c| c == op || c == word)
    }

    fn floor_measure(&self, mode: &str, dir: &Path) -> Measure {
        measure(Command::new(&self.floor).arg(mode).arg(dir))
    }

    fn value_floor(&self, dir: &Path) -> f64 {
        let mut times: Vec<f64> =
            (0..self.runs.max(1)).map(|_| self.floor_measure("read", dir).wall.as_secs_f64()).collect();
        median(&mut times)
    }

    /// Every command and output format at one size; `only_plan` for the largest size.
    fn measure_size(&mut self, dimension: Dimension, size: usize, options: &Options, only_plan: bool) {
        let seed = self.work.join(format!("seed-{}-{size}", dimension.name()));
        eprintln!("generating {} flows × {} locales, {} endpoints…", options.flows, options.locales, options.endpoints);
        generate(&seed, options).expect("generate");
        let value_floor = self.value_floor(&seed);
        let out_file = self.work.join("plan-out.json");
        let mut read_ops: Vec<(&str, Vec<String>)> = vec![("plan", vec!["plan".into()])];
        if !only_plan {
            read_ops.insert(0, ("scan", vec!["scan".into()]));
            read_ops.push(("plan --json", vec!["plan".into(), "--json".into()]));
            read_ops.push(("plan --out", vec!["plan".into(), "--out".into(), out_file.to_string_lossy().into_owned()]));
        }
        read_ops.retain(|(op, _)| self.selected(op));
        for (op, args) in read_ops {
            eprintln!("  {op} at {size} {}", dimension.name());
            let (tool, floor) = run_pair(
                self.runs,
                || measure(Command::new(&self.tool).arg("--project").arg(&seed).args(&args)),
                || self.floor_measure("validate", &seed),
            );
            self.rows.push(Row { dimension, size, op: op.into(), floor_name: "validate", tool, floor, value_floor });
        }
        std::fs::remove_file(&out_file).ok();
        if only_plan {
            std::fs::remove_dir_all(&seed).ok();
            return;
        }
        // Apply changes the project: each run gets a fresh copy (not timed). The floor writes
        // the same files the tool changes.
        let applied = self.work.join("applied");
        copy_tree(&seed, &applied);
        let out = Command::new(&self.tool)
            .arg("--project")
            .arg(&applied)
            .args(["apply", "--yes", "--json"])
            .output()
            .expect("apply");
        let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).expect("apply --json");
        let written: Vec<String> = outcome["run"]["written"]
            .as_array()
            .expect("written")
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .filter(|p| !p.starts_with("handoverProviders/"))
            .collect();
        let list = self.work.join("changed.txt");
        std::fs::write(&list, written.join("\n")).expect("list");
        let mut copies = 0usize;
        let mut fresh = || {
            copies += 1;
            let dir = self.work.join(format!("copy-{copies}"));
            copy_tree(&seed, &dir);
            dir
        };
        let (mut tool, mut floor) = (Vec::new(), Vec::new());
        // A warm-up round, then the measured ones (none when apply is not selected).
        let rounds = if self.selected("apply") { self.runs + 1 } else { 0 };
        if rounds > 0 {
            eprintln!("  apply at {size} {}", dimension.name());
        }
        for round in 0..rounds {
            let a = fresh();
            let b = fresh();
            let mt = measure(Command::new(&self.tool).arg("--project").arg(&a).args(["apply", "--yes"]));
            let mf = measure(Command::new(&self.floor).arg("apply").arg(&b).arg(&list));
            std::fs::remove_dir_all(&a).ok();
            std::fs::remove_dir_all(&b).ok();
            if round > 0 {
                tool.push(mt);
                floor.push(mf);
            }
        }
        if !tool.is_empty() {
            self.rows.push(Row { dimension, size, op: "apply".into(), floor_name: "apply", tool, floor, value_floor });
        }
        std::fs::remove_dir_all(&seed).ok();
        // verify and report read a migrated project (with its run's journal).
        for (op, args) in [("verify", vec!["verify"]), ("report --format html", vec!["report", "--format", "html"])] {
            if !self.selected(op) {
                continue;
            }
            eprintln!("  {op} at {size} {}", dimension.name());
            let (tool, floor) = run_pair(
                self.runs,
                || measure(Command::new(&self.tool).arg("--project").arg(&applied).args(&args)),
                || self.floor_measure("validate", &applied),
            );
            self.rows.push(Row { dimension, size, op: op.into(), floor_name: "validate", tool, floor, value_floor });
        }
        std::fs::remove_dir_all(&applied).ok();
    }
}

/// Least-squares slope of log(y) over log(x).
fn exponent(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let logs: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let covariance: f64 = logs.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let variance: f64 = logs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    (variance > 0.0).then(|| covariance / variance)
}

fn env_sizes(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name).unwrap_or_else(|_| default.into()).split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

fn main() {
    handover_migrate_bench::serve_as_launcher();
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` probes; this bench has no unit tests.
    }
    let smoke = std::env::var_os("HM_BENCH_SMOKE").is_some();
    let runs: usize = std::env::var("HM_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let tool = bin("handover-migrate");
    let floor = bin("handover-migrate-floor");
    assert!(
        tool.exists() && floor.exists(),
        "build first: cargo build --release -p handover-migrate -p handover-migrate-bench"
    );
    let work = std::env::temp_dir().join(format!("hm-bench-{}", std::process::id()));
    let commands: Vec<String> = std::env::var("HM_BENCH_COMMANDS")
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let mut bench = Bench { tool, floor, work: work.clone(), runs, rows: Vec::new(), commands };
    if smoke {
        // Flows and endpoints grow together, so that a loop over endpoints × edits (or flows ×
        // nodes) shows at sizes CI can afford.
        for size in env_sizes("HM_BENCH_SMOKE_SIZES", "500,5000") {
            let options = Options { flows: size, endpoints: size, ..Options::default() };
            bench.measure_size(Dimension::Flows, size, &options, false);
        }
    } else {
        for size in env_sizes("HM_BENCH_SIZES", "1000,10000,20000") {
            let options = Options { flows: size, endpoints: (size / 50).max(2), ..Options::default() };
            bench.measure_size(Dimension::Flows, size, &options, false);
        }
        for size in env_sizes("HM_BENCH_LARGE", "50000") {
            let options = Options { flows: size, endpoints: (size / 50).max(2), ..Options::default() };
            bench.measure_size(Dimension::Flows, size, &options, true);
        }
        let flows = env_sizes("HM_BENCH_ENDPOINT_FLOWS", "1000").first().copied().unwrap_or(1000);
        for size in env_sizes("HM_BENCH_ENDPOINTS", "10,1000,20000") {
            let options = Options { flows, endpoints: size, ..Options::default() };
            bench.measure_size(Dimension::Endpoints, size, &options, false);
        }
    }
    std::fs::remove_dir_all(&work).ok();
    let failed = report(&bench.rows, runs, smoke);
    if failed {
        std::process::exit(1);
    }
}

/// Print every ratio and exponent; true when the smoke check failed.
fn report(rows: &[Row], runs: usize, smoke: bool) -> bool {
    println!(
        "handover-migrate vs floors (medians of {runs} pairwise ratios; {} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:>9} {:>6} {:<21} {:>8} {:>8} {:>9} {:>6} {:>5} {:>6} {:>8} {:>9}",
        "dimension", "size", "command", "tool s", "floor s", "floor", "ratio", "goal", "cpu x", "tool MiB", "value s"
    );
    for row in rows {
        assert!(row.tool.iter().all(|m| m.success), "{} failed at {} {}", row.op, row.size, row.dimension.name());
        println!(
            "{:>9} {:>6} {:<21} {:>8.3} {:>8.3} {:>9} {:>6.2} {:>5} {:>6.2} {:>8.1} {:>9.3}",
            row.dimension.name(),
            row.size,
            row.op,
            row.tool_median(),
            row.floor_median(),
            row.floor_name,
            row.ratio(),
            if row.ratio() <= goal(&row.op) { format!("≤{}", goal(&row.op)) } else { format!(">{}", goal(&row.op)) },
            row.cpu_ratio(),
            row.peak_mib(),
            row.value_floor,
        );
    }
    let max_exponent: f64 = std::env::var("HM_BENCH_MAX_EXPONENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 1.2 } else { 1.1 });
    println!(
        "scaling exponents (time ∝ size^k; relative: 1 + slope of the ratio to the floor; goal k ≤ {max_exponent}{}):",
        if smoke { ", checked on the relative CPU exponent" } else { "" }
    );
    let mut failed = false;
    for dimension in [Dimension::Flows, Dimension::Endpoints] {
        let mut ops: Vec<&str> = Vec::new();
        for row in rows.iter().filter(|r| r.dimension == dimension) {
            if !ops.contains(&row.op.as_str()) {
                ops.push(&row.op);
            }
        }
        for op in ops {
            let of = |floor: bool| -> Vec<(f64, f64)> {
                rows.iter()
                    .filter(|r| r.dimension == dimension && r.op == op)
                    .map(|r| (r.size as f64, if floor { r.floor_median() } else { r.tool_median() }))
                    .collect()
            };
            let sizes: Vec<String> = of(false).iter().map(|(s, _)| (*s as usize).to_string()).collect();
            let ratios: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.dimension == dimension && r.op == op)
                .map(|r| (r.size as f64, r.ratio()))
                .collect();
            let cpu_ratios: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.dimension == dimension && r.op == op)
                .map(|r| (r.size as f64, r.cpu_ratio()))
                .collect();
            let (Some(tool), Some(floor), Some(relative), Some(relative_cpu)) = (
                exponent(&of(false)),
                exponent(&of(true)),
                exponent(&ratios).map(|k| k + 1.0),
                exponent(&cpu_ratios).map(|k| k + 1.0),
            ) else {
                continue;
            };
            // CPU time is far steadier than wall time on a shared machine: the CI check uses it.
            let checked = if smoke { relative_cpu } else { tool };
            let verdict = if checked <= max_exponent { "ok" } else { "SUPER-LINEAR" };
            failed |= checked > max_exponent;
            println!(
                "  {:<9} {op:<21} k = {tool:.2} (floor {floor:.2}; relative {relative:.2}, CPU {relative_cpu:.2}) over {} {verdict}",
                dimension.name(),
                sizes.join(" → ")
            );
        }
    }
    // How memory grows with the project: the slope between the smallest and largest size.
    for op in ["scan", "plan", "apply", "verify", "report --format html"] {
        let peaks: Vec<(usize, f64)> = rows
            .iter()
            .filter(|r| r.dimension == Dimension::Flows && r.op == op)
            .map(|r| (r.size, r.peak_mib()))
            .collect();
        let (Some(small), Some(large)) = (peaks.iter().min_by_key(|p| p.0), peaks.iter().max_by_key(|p| p.0)) else {
            continue;
        };
        if large.0 > small.0 {
            println!(
                "peak memory growth per 1,000 flows ({} → {} flows), {op}: {:.2} MiB",
                small.0,
                large.0,
                (large.1 - small.1) / ((large.0 - small.0) as f64 / 1000.0)
            );
        }
    }
    failed && smoke
}
