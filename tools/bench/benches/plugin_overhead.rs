//! Plugin overhead: the Live Agent provider linked in (built-in) against the very same
//! provider loaded as a dynamic Rust plugin (tools/bench/live-agent-plugin), in this process
//! and isolated in a plugin runner process, on one large generated project, in the same run.
//!
//! ```sh
//! cargo bench -p handover-migrate-bench --bench plugin_overhead
//! cargo bench -p handover-migrate-bench --bench plugin_overhead -- --endpoints 2000 --rounds 9
//! ```
//!
//! It builds the plugin with `cargo build --release` (or takes `--plugin PATH`), writes a
//! project of N Live Agent endpoints (one flow each, two locales, a Handover to Agent and
//! a Check Agent Availability node among filler nodes per chart), then alternates the two
//! registries for R rounds and prints the median times and their ratio for
//! (a) analysis alone (where every provider hook runs) and (b) what `plan` does: load the
//! plugins (for the isolated mode: start the runner, which sandboxes itself and opens the
//! library) and the project from disk, analyse, build the plan. Each round builds fresh
//! registries, as each command does, so no answer is memoized from an earlier round.
//! For the isolated mode the analysis sends its requests ahead in batches
//! (`Registry::prefetch`), as every command does. Goals: in process ≤ 1.10, isolated ≤ 1.25.
//! This bench binary is its own plugin runner.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use handover_migrate_core::protocol::{dispatch, hooks, RewriteNodeResponse};
use handover_migrate_core::{HandoverNodeType, NodeRewriteRequest};
use handover_migrate_engine::analysis::{self, Options};
use handover_migrate_engine::answers::Answers;
use handover_migrate_engine::clone;
use handover_migrate_engine::model::Project;
use handover_migrate_engine::plan;
use handover_migrate_plugins::isolated::{Isolation, ProcessIsolation};
use handover_migrate_plugins::PluginSources;
use handover_migrate_plugins::Registry;
use serde_json::{json, Value};

const EN: &str = "6600000000000000000000e1";
const DE: &str = "6600000000000000000000d1";
const FILLER_NODES: usize = 30;

fn write_json(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, handover_migrate_io::fsio::to_cli_json(value)).expect("write");
}

/// N endpoints in groups of 4 sharing an account; one flow per endpoint.
fn generate(root: &Path, endpoints: usize) {
    write_json(
        &root.join("flows/locales.json"),
        &json!([
            {"_id": EN, "referenceId": "00000000-0000-4000-8000-0000000000e1", "name": "en-US", "primary": true},
            {"_id": DE, "referenceId": "00000000-0000-4000-8000-0000000000d1", "name": "de-DE", "primary": false}
        ]),
    );
    std::fs::write(root.join("handover-migrate.toml"), "node-selector-key = \"handoverProvider\"\n").expect("write");
    for index in 0..endpoints {
        let flow_ref = format!("00000000-0000-4000-8000-{index:012}");
        let flow_id = format!("66{index:022}");
        let name = format!("Flow {index:05}");
        write_json(
            &root.join(format!("flows/{name}/config.json")),
            &json!({"_id": flow_id, "referenceId": flow_ref, "name": name}),
        );
        for (locale_name, locale) in [("en-US", EN), ("de-DE", DE)] {
            let mut nodes = vec![json!({"_id": format!("{flow_id}s"), "referenceId": format!("{flow_ref}-s"),
                "type": "start", "label": "Start", "localeReference": locale, "config": {}})];
            for filler in 0..FILLER_NODES {
                nodes.push(json!({"_id": format!("{flow_id}f{filler}"), "referenceId": format!("{flow_ref}-f{filler}"),
                    "type": "say", "label": format!("Say {filler}"), "localeReference": locale,
                    "config": {"say": {"type": "text", "text": [format!("Message {filler} in {locale_name}")], "data": {}}}}));
            }
            nodes.push(json!({"_id": format!("{flow_id}h"), "referenceId": format!("{flow_ref}-h"),
                "type": "handoverToAgent", "label": "Handover", "localeReference": locale,
                "config": {"text": format!("Handover {locale_name}"), "liveAgentInboxId": "", "liveAgentSkills": [],
                           "liveAgentPriority": "normal"}}));
            nodes.push(json!({"_id": format!("{flow_id}c"), "referenceId": format!("{flow_ref}-c"),
                "type": "checkAgentAvailability", "label": "Agents?", "localeReference": locale,
                "config": {"liveAgentInboxId": "", "storeLocation": "input"}}));
            write_json(
                &root.join(format!("flows/{name}/{locale_name}/chart.json")),
                &json!({"_id": format!("{flow_id}x"), "nodes": nodes, "relations": []}),
            );
        }
        let group = index / 4;
        let endpoint = format!("Endpoint {index:05}");
        write_json(
            &root.join(format!("endpoints/{endpoint}/config.json")),
            &json!({"_id": format!("67{index:022}"), "channel": "webchat3", "flowId": flow_ref, "name": endpoint,
                "handoverSettings": {"provider": "liveAgent", "providerSettings": {
                    "usePlatformToken": false, "baseUrl": format!("https://la{group}.example.com/api/v1"),
                    "accountId": format!("{group}"), "apiKey": format!("key-{group}"),
                    "liveAgentInboxId": format!("{index}"), "forwardOnlyHandoverConversations": true},
                    "agentAssistSettings": {"copilotType": "none"}},
                "createdAt": 1727177152}),
        );
    }
}

fn build_plugin() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = root.join("target/bench-plugin");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building tools/bench/live-agent-plugin (release)…");
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(root.join("tools/bench/live-agent-plugin/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("run cargo");
    assert!(status.success(), "building the Live Agent plugin failed");
    target.join("release").join(format!(
        "{}handover_migrate_live_agent_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}

fn analyse(project: &Project, registry: &Registry) -> usize {
    let options = Options { selector_key: "handoverProvider".into(), ..Options::default() };
    let analysis = analysis::analyse(project, registry, &Answers::default(), options).expect("analyse");
    analysis.nodes.len() + analysis.groups.len()
}

fn plan_command(root: &Path, registry: &Registry) -> usize {
    let project = clone::load(root).expect("load");
    let options = Options { selector_key: "handoverProvider".into(), ..Options::default() };
    let analysis = analysis::analyse(&project, registry, &Answers::default(), options).expect("analyse");
    let plan = plan::build(&project, &analysis);
    assert!(plan.is_applicable(), "the generated project must plan cleanly");
    plan.node_edits.len()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// CPU time (user + system) of this process and of its reaped children: an isolated
/// plugin's runner is reaped when its registry is dropped, so what it spent counts too.
/// On a shared machine this is the figure load does not distort.
fn cpu() -> Duration {
    let of = |who| {
        // SAFETY: a zeroed rusage is a valid value for getrusage to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, owned rusage.
        unsafe { libc::getrusage(who, &mut usage) };
        let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
        Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
    };
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
}

/// Wall and CPU time of `f`.
fn time(f: impl FnOnce() -> usize) -> (Duration, Duration) {
    let (start, start_cpu) = (Instant::now(), cpu());
    std::hint::black_box(f());
    (start.elapsed(), cpu() - start_cpu)
}

/// How the Live Agent provider is loaded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    BuiltIn,
    InProcess,
    Isolated,
}

fn registry(mode: Mode, plugin: &Path) -> Registry {
    let mut sources = PluginSources::only(vec![plugin.to_path_buf()]);
    match mode {
        Mode::BuiltIn => {
            return handover_migrate_plugins::load_registry(
                vec![Box::new(handover_migrate_live_agent::provider())],
                &PluginSources::default(),
                &[],
            )
            .expect("built-in registry")
        }
        Mode::InProcess => {}
        Mode::Isolated => {
            let runner = std::env::current_exe().expect("this bench's executable");
            sources.isolation = Isolation::Process(ProcessIsolation::new(runner));
        }
    }
    handover_migrate_plugins::load_registry(vec![], &sources, &[]).expect("load the plugin")
}

fn main() {
    // Started again as an isolated plugin's runner: be one.
    handover_migrate_plugin_runner::dispatch_if_runner();
    let mut endpoints = 1000;
    let mut rounds = 11;
    let mut plugin = None;
    let mut profile = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--endpoints" => endpoints = args.next().and_then(|v| v.parse().ok()).expect("--endpoints N"),
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            "--plugin" => plugin = args.next().map(PathBuf::from),
            "--profile" => {
                profile = Some(match args.next().as_deref() {
                    Some("built-in") => Mode::BuiltIn,
                    Some("in-process") => Mode::InProcess,
                    Some("isolated") => Mode::Isolated,
                    _ => panic!("--profile built-in|in-process|isolated"),
                })
            }
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    let plugin = plugin.unwrap_or_else(build_plugin);

    handover_migrate_live_agent::link();
    let builtin = registry(Mode::BuiltIn, &plugin);
    let dynamic = registry(Mode::InProcess, &plugin);
    let isolated = registry(Mode::Isolated, &plugin);
    assert_eq!(
        dynamic.entries()[0].source_label(),
        format!("rust plugin {}", std::fs::canonicalize(&plugin).expect("plugin").display())
    );
    assert!(matches!(
        isolated.entries()[0].isolation,
        handover_migrate_plugins::isolated::IsolationState::Process { .. }
    ));

    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), endpoints);
    let project = clone::load(dir.path()).expect("load");
    let nodes = analyse(&project, &builtin);
    assert_eq!(nodes, analyse(&project, &dynamic), "both registries must give the same analysis");
    assert_eq!(nodes, analyse(&project, &isolated), "the isolated plugin must give the same analysis");
    let edits = plan_command(dir.path(), &builtin);
    assert_eq!(edits, plan_command(dir.path(), &dynamic));
    assert_eq!(edits, plan_command(dir.path(), &isolated));

    // `--profile MODE`: only what differs between the modes (loading the registry and the
    // analysis), R times, to run under `perf record`.
    if let Some(mode) = profile {
        let start = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(analyse(&project, &registry(mode, &plugin)));
        }
        println!("{rounds} analyses: {:.2} ms each", start.elapsed().as_secs_f64() * 1e3 / rounds as f64);
        return;
    }
    let modes = [Mode::BuiltIn, Mode::InProcess, Mode::Isolated];
    let mut analysis_times: [Vec<Duration>; 3] = Default::default();
    let mut plan_times: [Vec<Duration>; 3] = Default::default();
    let mut load_times: [Vec<Duration>; 3] = Default::default();
    let mut analysis_cpu: [Vec<Duration>; 3] = Default::default();
    let mut plan_cpu: [Vec<Duration>; 3] = Default::default();
    for round in 0..rounds {
        // Rotate which goes first, so none always runs on a warmer cache.
        for offset in 0..modes.len() {
            let index = (round + offset) % modes.len();
            let mode = modes[index];
            let start = Instant::now();
            let fresh = registry(mode, &plugin);
            load_times[index].push(start.elapsed());
            // The registry is dropped inside, so that its runner's CPU time is counted.
            let project = &project;
            let (wall, cpu) = time(move || analyse(project, &fresh));
            analysis_times[index].push(wall);
            analysis_cpu[index].push(cpu);
            let (wall, cpu) = time(|| plan_command(dir.path(), &registry(mode, &plugin)));
            plan_times[index].push(wall);
            plan_cpu[index].push(cpu);
        }
    }
    let report = |what: &str, times: &mut [Vec<Duration>; 3], goals: bool| {
        let [native, in_process, isolated] = times.clone().map(median);
        let ratio = |d: Duration| d.as_secs_f64() / native.as_secs_f64();
        println!(
            "{what:<24} built-in {:>8.2} ms   in process {:>8.2} ms ({:.3}{})   isolated {:>8.2} ms ({:.3}{})",
            native.as_secs_f64() * 1e3,
            in_process.as_secs_f64() * 1e3,
            ratio(in_process),
            match (goals, ratio(in_process) <= 1.10) {
                (false, _) => "",
                (true, true) => ", goal ≤ 1.10 met",
                (true, false) => ", goal ≤ 1.10 NOT met",
            },
            isolated.as_secs_f64() * 1e3,
            ratio(isolated),
            match (goals, ratio(isolated) <= 1.25) {
                (false, _) => "",
                (true, true) => ", goal ≤ 1.25 met",
                (true, false) => ", goal ≤ 1.25 NOT met",
            },
        );
    };
    println!(
        "plugin overhead: {endpoints} Live Agent endpoints, {} charts, {edits} node edits, median of {rounds} rounds",
        endpoints * 2
    );
    report("analysis (all hooks)", &mut analysis_times, true);
    report("load + analyse + plan", &mut plan_times, true);
    println!("CPU time (user + system, the runner's included), which load on the machine does not distort:");
    report("  analysis, CPU", &mut analysis_cpu, false);
    report("  load+analyse+plan, CPU", &mut plan_cpu, false);
    let [native, in_process, isolated_load] = load_times.map(median);
    println!(
        "loading the registry      built-in {:>8.2} ms   in process {:>8.2} ms           isolated {:>8.2} ms (starting the runner)",
        native.as_secs_f64() * 1e3,
        in_process.as_secs_f64() * 1e3,
        isolated_load.as_secs_f64() * 1e3
    );

    // One hook in a tight loop: the per-call price of the boundary.
    let pair = handover_migrate_core::MigrationPair::same("liveAgent");
    let request = NodeRewriteRequest {
        pair: pair.clone(),
        node_type: HandoverNodeType::HandoverToAgent,
        config:
            json!({"text": "Handover", "liveAgentInboxId": "", "liveAgentSkills": [], "liveAgentPriority": "normal"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        endpoint_defaults: json!({"liveAgentInboxId": "42"}).as_object().cloned().unwrap_or_default(),
    };
    const CALLS: u32 = 20_000;
    let per_call = |registry: &Registry| {
        let (provider, _) = registry.find(&pair).expect("live agent");
        let start = Instant::now();
        for _ in 0..CALLS {
            std::hint::black_box(provider.rewrite_node(std::hint::black_box(&request)).expect("rewrite"));
        }
        start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
    };
    let (native_call, plugin_call) = (per_call(&builtin), per_call(&dynamic));
    println!(
        "rewrite_node, one call       built-in {native_call:>9.2} µs   plugin {plugin_call:>9.2} µs   (+{:.2} µs per call)",
        plugin_call - native_call
    );
    // Distinct requests, so that none is memoized: the price of a real call.
    let distinct = |registry: &Registry| {
        let (provider, _) = registry.find(&pair).expect("live agent");
        let mut request = request.clone();
        let start = Instant::now();
        for index in 0..CALLS {
            request.endpoint_defaults.insert("liveAgentInboxId".into(), json!(index));
            std::hint::black_box(provider.rewrite_node(std::hint::black_box(&request)).expect("rewrite"));
        }
        start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
    };
    let (native, in_process, isolated_call) = (distinct(&builtin), distinct(&dynamic), distinct(&isolated));
    println!(
        "rewrite_node, distinct calls built-in {native:>9.2} µs   in process {in_process:>9.2} µs   isolated {isolated_call:>9.2} µs"
    );
    // Other distinct requests, sent ahead in batches (what the analysis does for an
    // isolated plugin), then asked: the price of a call when round trips are shared.
    let requests: Vec<NodeRewriteRequest> = (CALLS..2 * CALLS)
        .map(|index| {
            let mut request = request.clone();
            request.endpoint_defaults.insert("liveAgentInboxId".into(), json!(index));
            request
        })
        .collect();
    let (provider, _) = isolated.find(&pair).expect("live agent");
    let start = Instant::now();
    isolated.prefetch(hooks::REWRITE_NODE, &requests, |r| &r.pair);
    let sent = start.elapsed();
    for request in &requests {
        std::hint::black_box(provider.rewrite_node(std::hint::black_box(request)).expect("rewrite"));
    }
    let batched = start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
    println!(
        "rewrite_node, sent ahead     isolated {batched:>9.2} µs per call ({:.2} µs of it the batches, {CALLS} requests)",
        sent.as_secs_f64() * 1e6 / f64::from(CALLS)
    );
    // The same JSON round trip without a library boundary: how much of that is JSON.
    let provider = handover_migrate_live_agent::provider();
    let start = Instant::now();
    for _ in 0..CALLS {
        let json = serde_json::to_string(std::hint::black_box(&request)).expect("serialize");
        let response = dispatch(&provider, hooks::REWRITE_NODE, &json).expect("dispatch");
        let response: RewriteNodeResponse = serde_json::from_str(&response).expect("parse");
        std::hint::black_box(response);
    }
    let in_process = start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
    println!("  of which JSON (in-process round trip, no library): {in_process:.2} µs");
}
