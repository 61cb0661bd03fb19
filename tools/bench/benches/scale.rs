//! `cargo bench -p handover-migrate-bench`: scan, plan and apply of synthetic projects of
//! three sizes, each as a ratio to a floor measured in the same run on the same files
//! (`handover-migrate-floor`: parse every JSON file; for apply, also write the changed
//! files once, durably), with peak memory. Medians of several runs.
//!
//! `HM_BENCH_SIZES=1000,10000,20000` (flows; 2 locales each) and `HM_BENCH_RUNS=5` adjust it.
//!
//! Peak memory is each measured process's own: see [`handover_migrate_bench::measure`].

use std::path::{Path, PathBuf};
use std::process::Command;

use handover_migrate_bench::{copy_tree, measure, median, Measure};
use handover_migrate_projectgen::{generate, Options};

fn target_dir() -> PathBuf {
    // benches run from target/release/deps/…; the binaries sit in target/release/.
    let exe = std::env::current_exe().expect("exe");
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

fn bin(name: &str) -> PathBuf {
    target_dir().join(name)
}

struct Row {
    size: usize,
    op: &'static str,
    tool: Vec<Measure>,
    floor: Vec<Measure>,
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

fn main() {
    handover_migrate_bench::serve_as_launcher();
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` probes; this bench has no unit tests.
    }
    let sizes: Vec<usize> = std::env::var("HM_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,20000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("HM_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let tool = bin("handover-migrate");
    let floor = bin("handover-migrate-floor");
    assert!(
        tool.exists() && floor.exists(),
        "build first: cargo build --release -p handover-migrate -p handover-migrate-bench"
    );
    let work = std::env::temp_dir().join(format!("hm-bench-{}", std::process::id()));
    let mut rows = Vec::new();
    for &flows in &sizes {
        let seed = work.join(format!("seed-{flows}"));
        let options = Options { flows, endpoints: (flows / 50).max(2), ..Options::default() };
        generate(&seed, &options).expect("generate");
        for op in ["scan", "plan"] {
            let (t, f) = run_pair(
                runs,
                || measure(Command::new(&tool).args(["--project"]).arg(&seed).arg(op)),
                || measure(Command::new(&floor).arg("read").arg(&seed)),
            );
            rows.push(Row { size: flows, op, tool: t, floor: f });
        }
        // Apply changes the project: each run gets a fresh copy (not timed). The floor writes
        // the same files the tool changes.
        let probe = work.join("probe");
        copy_tree(&seed, &probe);
        let out = Command::new(&tool)
            .arg("--project")
            .arg(&probe)
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
        std::fs::remove_dir_all(&probe).ok();
        let list = work.join(format!("changed-{flows}.txt"));
        std::fs::write(&list, written.join("\n")).expect("list");
        let mut copies = 0usize;
        let mut fresh = || {
            copies += 1;
            let dir = work.join(format!("copy-{flows}-{copies}"));
            copy_tree(&seed, &dir);
            dir
        };
        let (mut t, mut f) = (Vec::new(), Vec::new());
        for round in 0..=runs {
            let a = fresh();
            let b = fresh();
            let mt = measure(Command::new(&tool).arg("--project").arg(&a).args(["apply", "--yes"]));
            let mf = measure(Command::new(&floor).arg("apply").arg(&b).arg(&list));
            std::fs::remove_dir_all(&a).ok();
            std::fs::remove_dir_all(&b).ok();
            if round > 0 {
                t.push(mt);
                f.push(mf);
            }
        }
        rows.push(Row { size: flows, op: "apply", tool: t, floor: f });
        std::fs::remove_dir_all(&seed).ok();
    }
    std::fs::remove_dir_all(&work).ok();

    println!(
        "handover-migrate vs floor (medians of {runs} runs; {} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:>7} {:>6} {:>10} {:>10} {:>7} {:>12} {:>12}",
        "flows", "op", "tool s", "floor s", "ratio", "tool MiB", "floor MiB"
    );
    for row in &rows {
        assert!(row.tool.iter().all(|m| m.success), "{} failed at {} flows", row.op, row.size);
        let mut tool: Vec<f64> = row.tool.iter().map(|m| m.wall.as_secs_f64()).collect();
        let mut floor: Vec<f64> = row.floor.iter().map(|m| m.wall.as_secs_f64()).collect();
        let mut ratios: Vec<f64> =
            row.tool.iter().zip(&row.floor).map(|(t, f)| t.wall.as_secs_f64() / f.wall.as_secs_f64()).collect();
        let peak = row.tool.iter().map(|m| m.peak_kib).max().unwrap_or(0) as f64 / 1024.0;
        let floor_peak = row.floor.iter().map(|m| m.peak_kib).max().unwrap_or(0) as f64 / 1024.0;
        println!(
            "{:>7} {:>6} {:>10.3} {:>10.3} {:>7.2} {:>12.1} {:>12.1}",
            row.size,
            row.op,
            median(&mut tool),
            median(&mut floor),
            median(&mut ratios),
            peak,
            floor_peak
        );
    }
    // How memory grows with the project: the slope between the smallest and largest size.
    let (Some(&small), Some(&large)) = (sizes.iter().min(), sizes.iter().max()) else { return };
    if large == small {
        return;
    }
    println!("peak memory growth per 1,000 flows ({small} → {large} flows):");
    for op in ["scan", "plan", "apply"] {
        let peak_at = |size: usize, floor: bool| {
            let row = rows.iter().find(|r| r.size == size && r.op == op)?;
            let runs = if floor { &row.floor } else { &row.tool };
            runs.iter().map(|m| m.peak_kib).max()
        };
        let slope = |floor: bool| -> Option<f64> {
            let grown = peak_at(large, floor)? as f64 - peak_at(small, floor)? as f64;
            Some(grown / 1024.0 / ((large - small) as f64 / 1000.0))
        };
        if let (Some(tool), Some(floor)) = (slope(false), slope(true)) {
            println!("{op:>6}: tool {tool:>7.2} MiB, floor {floor:>7.2} MiB");
        }
    }
}
