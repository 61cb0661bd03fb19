//! API mode with several requests in flight: the reads of different flows and the writes of
//! different nodes overlap, under the tenant's sliding-window limit, and the tenant ends as
//! a run of one request at a time (and an offline run) leaves it.

use std::path::Path;

use cognigy_sim::{Faults, Options, Sim, SimHandle};
use serde_json::Value;

use crate::common::*;

/// The project id the generator's endpoints point at.
const GENERATED_PROJECT: &str = "000000090000000000000000";

/// A generated project large enough that requests overlap: 24 flows × 2 locales, each flow
/// with a handover node, some with Execute Flow links, 6 endpoints.
fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let options = handover_migrate_projectgen::Options {
        endpoints: 6,
        flows: 24,
        locales: 2,
        nodes_per_flow: 8,
        ..Default::default()
    };
    handover_migrate_projectgen::generate(dir.path(), &options).unwrap();
    dir
}

fn sim_of(seed: &Path, faults: Faults) -> SimHandle {
    let options = Options::new(KEY, GENERATED_PROJECT).selector_key("handoverProvider").faults(faults);
    Sim::load(seed, options).expect("seed").spawn().expect("spawn")
}

fn apply(sim: &SimHandle, state: &Path, rate_limit: &str) -> std::process::Output {
    run(sim, state, rate_limit, "apply")
}

/// `command --yes` against the simulator.
fn run(sim: &SimHandle, state: &Path, rate_limit: &str, command: &str) -> std::process::Output {
    bin()
        .env("COGNIGY_API_KEY", KEY)
        .arg("--api-url")
        .arg(sim.base_url())
        .args(["--project-id", GENERATED_PROJECT, "--rate-limit", rate_limit, "--state-dir"])
        .arg(state)
        .args([command, "--yes"])
        .output()
        .unwrap()
}

/// The generated project migrated offline (the reference every API run must reach).
fn offline(seed: &Path) -> std::collections::BTreeMap<String, Value> {
    let project = Scratch { dir: tempfile::tempdir().unwrap() };
    copy_tree(seed, project.path());
    project.cmd(&["apply", "--yes"]).assert().success();
    normalized(project.path())
}

fn fault(stats: &Value, name: &str) -> u64 {
    stats["faults"][name].as_u64().unwrap_or(u64::MAX)
}

#[test]
fn requests_in_flight_at_once_keep_the_window_and_end_like_an_offline_run() {
    let seed = generated();
    let expected = offline(seed.path());
    // Round trips of 25 ms against 60 requests a second: one request at a time could not
    // use the budget, so several are in flight, and the window is what holds them back.
    let sim = sim_of(seed.path(), Faults { latency_ms: 25, rate_limit: Some((60, 1.0)), ..Faults::default() });
    let state = tempfile::tempdir().unwrap();
    let applied = apply(&sim, state.path(), "60/1");
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert_same(&normalized(dump(&sim).path()), &expected, "api (concurrent) vs offline");
    let stats = sim.stats();
    assert!(stats["total"].as_u64().unwrap_or(0) > 120, "a run of more than two windows: {stats:#}");
    assert_eq!(fault(&stats, "rateLimited429"), 0, "the client went over the tenant's limit: {stats:#}");
    assert!(fault(&stats, "peakWindow") <= 60, "{stats:#}");
    assert!(stats["peakInFlight"].as_u64().unwrap_or(0) > 1, "one request at a time: {stats:#}");
    // Nothing is left to do, and the run reads back as migrated.
    let again = apply(&sim, state.path(), "60/1");
    assert!(again.status.success() && stdout(&again).contains("Nothing to change"), "{}", stdout(&again));

    // Rollback restores the nodes a few at a time too, under the same window, and leaves the
    // tenant as it was before the run.
    let before = normalized(seed.path());
    // A new process starts with an empty budget: let the last run's requests leave the
    // tenant's one-second window first, so that any 429 would be rollback's own.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    sim.sim().reset_stats();
    let rolled_back = run(&sim, state.path(), "60/1", "rollback");
    assert!(rolled_back.status.success(), "{}", stderr(&rolled_back));
    assert_same(&normalized(dump(&sim).path()), &before, "api rollback (concurrent) vs the seed");
    let stats = sim.stats();
    assert_eq!(fault(&stats, "rateLimited429"), 0, "rollback went over the tenant's limit: {stats:#}");
    assert!(fault(&stats, "peakWindow") <= 60, "{stats:#}");
    assert!(stats["peakInFlight"].as_u64().unwrap_or(0) > 1, "rollback sent one request at a time: {stats:#}");
}

#[test]
fn a_429_storm_and_faults_mid_read_and_mid_write_still_end_in_the_same_tenant() {
    let seed = generated();
    let expected = offline(seed.path());
    let faults = Faults {
        latency_ms: 5,
        // Of every 40 requests the last 3 are refused with Retry-After: 1.
        burst_429: Some((40, 3)),
        retry_after_secs: 1,
        error_rate: 0.05,
        reset_rate: 0.02,
        rng_seed: 11,
        ..Faults::default()
    };
    let sim = sim_of(seed.path(), faults);
    let state = tempfile::tempdir().unwrap();
    let applied = apply(&sim, state.path(), "1000/300");
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert_same(&normalized(dump(&sim).path()), &expected, "api under faults vs offline");
    let providers = expected.keys().filter(|k| k.starts_with("handoverProviders/")).count();
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), providers, "a provider was duplicated");
    let stats = sim.stats();
    assert!(fault(&stats, "burst429") > 3 && fault(&stats, "injected5xx") > 0, "faults were injected: {stats:#}");
    // A 429's Retry-After holds back every worker, not only the one that drew it.
    assert_eq!(fault(&stats, "ignoredRetryAfter"), 0, "requests came while told to wait: {stats:#}");
}
