//! API mode end to end against the local Cognigy simulator (`tests/cognigy-sim`).

use std::collections::BTreeMap;
use std::path::Path;

use cognigy_sim::{Faults, Options, Sim, SimHandle};
use serde_json::Value;

use crate::common::*;

#[test]
fn the_same_project_migrated_offline_and_through_the_api_ends_in_the_same_state() {
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    let scan = api_cmd(&sim, state.path(), &["scan"]).output().unwrap();
    assert!(scan.status.success(), "{}", stderr(&scan));
    assert!(stdout(&scan).contains("Webchat Production"), "{}", stdout(&scan));
    let apply = api_cmd(&sim, state.path(), &["apply", "--yes", "-vvv"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    for secret in EXAMPLE_SECRETS {
        assert!(!stdout(&apply).contains(secret) && !stderr(&apply).contains(secret), "secret leaked");
    }
    assert_same(&normalized(dump(&sim).path()), &offline_applied(), "api vs offline");
    api_cmd(&sim, state.path(), &["verify"]).assert().success();
    // A second apply reuses the providers and changes nothing.
    let again = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
    assert!(stdout(&again).contains("Nothing to change"), "{}", stdout(&again));
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 3);
}

#[test]
fn api_cleanup_and_rollback_restore_the_tenant() {
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    api_cmd(&sim, state.path(), &["apply", "--yes"]).assert().success();
    let cleanup = api_cmd(&sim, state.path(), &["cleanup", "--yes"]).output().unwrap();
    assert!(cleanup.status.success(), "{}", stderr(&cleanup));
    let dumped = dump(&sim);
    let endpoint: Value = serde_json::from_str(
        &std::fs::read_to_string(dumped.path().join("endpoints/Webchat Staging/config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(endpoint["handoverSettings"]["provider"], "none");
    assert_eq!(endpoint["handoverSettings"]["agentAssistSettings"]["copilotType"], "workspace");
    assert!(endpoint["handoverSettings"].get("providerSettings").is_none());
    api_cmd(&sim, state.path(), &["rollback", "--yes"]).assert().success();
    api_cmd(&sim, state.path(), &["rollback", "--yes"]).assert().success();
    assert_same(&normalized(dump(&sim).path()), &seed_normalized(), "rolled back");
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0);
    let stats = sim.stats();
    assert_eq!(stats["maskWrites"].as_u64().unwrap_or(0), 0);
}

#[test]
fn a_run_under_injected_faults_ends_like_a_clean_run_without_duplicates() {
    let faults = Faults {
        error_rate: 0.1,
        burst_429: Some((40, 2)),
        retry_after_secs: 1,
        reset_rate: 0.03,
        rng_seed: 7,
        ..Faults::default()
    };
    let sim = sim_with(faults);
    let state = tempfile::tempdir().unwrap();
    let apply = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 3, "no duplicate provider");
    assert_same(&normalized(dump(&sim).path()), &offline_applied(), "api vs offline");
}

#[test]
fn a_killed_api_apply_resumes_or_rolls_back_at_every_write() {
    let expected = offline_applied();
    let seed = seed_normalized();
    for n in 1..=40 {
        let sim = sim();
        let state = tempfile::tempdir().unwrap();
        let killed = api_cmd(&sim, state.path(), &["apply", "--yes"])
            .env("HANDOVER_MIGRATE_FAILPOINT", format!("api:before_write:{n}"))
            .output()
            .unwrap();
        if killed.status.code() == Some(0) {
            assert!(n > 10, "the example needs more than 10 writes");
            return;
        }
        assert_eq!(killed.status.code(), Some(86), "{}", stderr(&killed));
        // Resume.
        let rerun = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
        assert!(rerun.status.success(), "crash point {n}: {}", stderr(&rerun));
        assert_eq!(sim.sim().with_project(|p| p.providers.len()), 3, "crash point {n}");
        assert_same(&normalized(dump(&sim).path()), &expected, &format!("crash point {n}: rerun"));
        // Roll back.
        let sim = self::sim();
        let state = tempfile::tempdir().unwrap();
        api_cmd(&sim, state.path(), &["apply", "--yes"])
            .env("HANDOVER_MIGRATE_FAILPOINT", format!("api:before_write:{n}"))
            .output()
            .unwrap();
        let rollback = api_cmd(&sim, state.path(), &["rollback", "--yes"]).output().unwrap();
        assert!(rollback.status.success(), "crash point {n}: {}", stderr(&rollback));
        assert_same(&normalized(dump(&sim).path()), &seed, &format!("crash point {n}: rollback"));
    }
    panic!("apply never finished within 40 writes");
}

#[test]
fn a_concurrent_edit_between_plan_and_apply_is_detected() {
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    let plan_file = state.path().join("plan.json");
    api_cmd(&sim, state.path(), &["plan", "--out", plan_file.to_str().unwrap()]).assert().success();
    sim.sim().with_project(|p| {
        let flow = p.flows.iter_mut().find(|f| f.name() == "Support Portal").expect("flow");
        let node = flow.nodes.iter_mut().find(|n| n.node_type == "handoverToAgent").expect("node");
        for (_, config) in &mut node.configs {
            config["liveAgentPriority"] = Value::String("low".into());
        }
    });
    let apply =
        api_cmd(&sim, state.path(), &["apply", "--yes", "--plan", plan_file.to_str().unwrap()]).output().unwrap();
    assert_eq!(apply.status.code(), Some(1), "{}", stderr(&apply));
    assert!(stderr(&apply).contains("stale") && stderr(&apply).contains("flows/Support Portal/"), "{}", stderr(&apply));
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0, "nothing written");
}

#[test]
fn the_selector_key_is_discovered_from_the_descriptors_or_refused() {
    // Without a selector field in the descriptors, nothing is written and the candidates are shown.
    let options = Options::new(KEY, PROJECT);
    let bare = Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn");
    let state = tempfile::tempdir().unwrap();
    let apply = api_cmd(&bare, state.path(), &["apply", "--yes"]).output().unwrap();
    assert_eq!(apply.status.code(), Some(2), "{}", stderr(&apply));
    assert!(stderr(&apply).contains("--node-selector-key"), "{}", stderr(&apply));
    assert_eq!(bare.sim().with_project(|p| p.providers.len()), 0);
}

#[test]
fn masked_secrets_are_asked_for_and_never_written() {
    let options = Options::new(KEY, PROJECT).selector_key("handoverProvider").mask_secrets(true);
    let sim = Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn");
    let state = tempfile::tempdir().unwrap();
    let apply = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
    assert_eq!(apply.status.code(), Some(3), "{}", stderr(&apply));
    assert!(stderr(&apply).contains("secrets.apiKey"), "{}", stderr(&apply));
    let answers = state.path().join("answers.toml");
    std::fs::write(
        &answers,
        "[providers.\"Webchat Production\"]\nsecrets.apiKey = \"la-prod-4f9c2e7a1b\"\n\
         [providers.\"Webchat Staging\"]\nsecrets.apiKey = \"la-prod-4f9c2e7a1b\"\n\
         [providers.\"Support Portal\"]\nsecrets.apiKey = \"la-eu-91d3a0c5e8\"\n\
         [providers.\"Partner Chat\"]\nsecrets.apiKey = \"cw-2b7e51d94a\"\n",
    )
    .unwrap();
    let apply =
        api_cmd(&sim, state.path(), &["apply", "--yes", "--answers", answers.to_str().unwrap()]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    let cleanup =
        api_cmd(&sim, state.path(), &["cleanup", "--yes", "--answers", answers.to_str().unwrap()]).output().unwrap();
    assert!(cleanup.status.success(), "{}{}", stdout(&cleanup), stderr(&cleanup));
    api_cmd(&sim, state.path(), &["rollback", "--yes"]).assert().success();
    assert_eq!(sim.stats()["maskWrites"].as_u64().unwrap_or(0), 0, "a mask was written");
}

/// `--project DIR` plus the API flags: providers are created on the tenant and their real
/// ids written into the clone, also re-pointing nodes an earlier offline run switched.
#[test]
fn linking_a_clone_writes_the_tenants_provider_ids() {
    for offline_first in [false, true] {
        let sim = sim();
        let project = Scratch::example();
        let original = project.snapshot();
        if offline_first {
            project.cmd(&["apply", "--yes"]).assert().success();
        }
        let linked = |args: &[&str]| {
            let mut cmd = api_cmd(&sim, &project.path().join(".handover-migrate"), args);
            cmd.arg("--project").arg(project.path());
            cmd
        };
        let apply = linked(&["apply", "--yes"]).output().unwrap();
        assert!(apply.status.success(), "{}", stderr(&apply));
        let tenant: BTreeMap<String, String> = sim.sim().with_project(|p| {
            p.providers
                .iter()
                .map(|provider| {
                    (provider.name().to_string(), provider.item["referenceId"].as_str().unwrap_or_default().to_string())
                })
                .collect()
        });
        assert_eq!(tenant.len(), 3, "offline first: {offline_first}");
        for (name, reference) in &tenant {
            let file: Value =
                serde_json::from_str(&project.read(&format!("handoverProviders/{name}/config.json"))).unwrap();
            assert_eq!(&file["referenceId"], reference, "{name}");
        }
        let main: Value = serde_json::from_str(&project.read("flows/Main/en-US/chart.json")).unwrap();
        let selectors: Vec<&Value> =
            main["nodes"].as_array().unwrap().iter().filter_map(|n| n["config"].get("handoverProvider")).collect();
        assert!(!selectors.is_empty());
        assert!(selectors.iter().all(|s| tenant.values().any(|r| s.as_str() == Some(r))), "{selectors:?}");
        project.cmd(&["verify"]).assert().success();
        // Undo: the clone run, then the tenant run (and the offline run).
        for _ in 0..3 {
            linked(&["rollback", "--yes"]).assert().success();
        }
        assert_eq!(project.snapshot(), original, "offline first: {offline_first}");
        assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0);
    }
}

#[test]
fn apply_with_snapshot_takes_one_and_waits_for_it_first() {
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    let apply = api_cmd(&sim, state.path(), &["apply", "--yes", "--snapshot", "--json"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    let outcome: Value = serde_json::from_slice(&apply.stdout).unwrap();
    assert!(outcome["snapshot"].is_string(), "{outcome:#}");
    assert_eq!(sim.sim().with_project(|p| p.snapshots.len()), 1);
    let routes = sim.stats()["routes"].clone();
    assert!(routes.to_string().contains("POST /snapshots") && routes.to_string().contains("/tasks/"), "{routes}");
}

#[test]
fn a_killed_api_cleanup_reruns_or_rolls_back_at_every_write() {
    // The tenant after an uninterrupted apply + cleanup, and after apply alone.
    let reference = sim();
    let state = tempfile::tempdir().unwrap();
    api_cmd(&reference, state.path(), &["apply", "--yes"]).assert().success();
    let applied = normalized(dump(&reference).path());
    api_cmd(&reference, state.path(), &["cleanup", "--yes"]).assert().success();
    let cleaned = normalized(dump(&reference).path());
    for n in 1..=10 {
        for rerun in [true, false] {
            let sim = sim();
            let state = tempfile::tempdir().unwrap();
            api_cmd(&sim, state.path(), &["apply", "--yes"]).assert().success();
            let killed = api_cmd(&sim, state.path(), &["cleanup", "--yes"])
                .env("HANDOVER_MIGRATE_FAILPOINT", format!("api:before_write:{n}"))
                .output()
                .unwrap();
            if killed.status.code() == Some(0) {
                assert!(n > 3, "the example cleans up four endpoints");
                return;
            }
            assert_eq!(killed.status.code(), Some(86), "{}", stderr(&killed));
            if rerun {
                let again = api_cmd(&sim, state.path(), &["cleanup", "--yes"]).output().unwrap();
                assert!(again.status.success(), "crash point {n}: {}", stderr(&again));
                assert_same(&normalized(dump(&sim).path()), &cleaned, &format!("crash point {n}: rerun"));
            } else {
                let rollback = api_cmd(&sim, state.path(), &["rollback", "--yes"]).output().unwrap();
                assert!(rollback.status.success(), "crash point {n}: {}", stderr(&rollback));
                assert_same(&normalized(dump(&sim).path()), &applied, &format!("crash point {n}: rollback"));
            }
        }
    }
    panic!("cleanup never finished within 10 writes");
}

/// A minimal HTTP/1.1 call to the simulator (loopback), for setting up tenant state.
fn http(sim: &SimHandle, method: &str, path: &str, body: &Value) -> Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(sim.addr()).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let body = if body.is_null() { String::new() } else { body.to_string() };
    let content = if body.is_empty() {
        String::new()
    } else {
        format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len())
    };
    write!(
        stream,
        "{method} /new/v2.0{path} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {KEY}\r\n{content}Connection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, rest) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(head.starts_with("HTTP/1.1 2"), "{method} {path}: {head}");
    serde_json::from_str(rest).unwrap_or(Value::Null)
}

#[test]
fn a_provider_made_earlier_on_the_tenant_is_reused_not_duplicated() {
    let sim = sim();
    let services = http(&sim, "GET", "/handover/services", &Value::Null);
    let service_id =
        services["items"].as_array().unwrap().iter().find(|s| s["name"] == "liveAgent").unwrap()["_id"].clone();
    let made = http(
        &sim,
        "POST",
        "/handover/provider",
        &serde_json::json!({"projectId": PROJECT, "name": "Live Agent (made in the UI)", "serviceId": service_id}),
    );
    let id = made["_id"].as_str().unwrap().to_string();
    http(
        &sim,
        "PATCH",
        &format!("/handover/providers/{id}"),
        &serde_json::json!({"projectId": PROJECT, "properties": [
            {"key": "usePlatformToken", "value": false},
            {"key": "baseUrl", "value": "https://liveagent-eu.cognigy.cloud/api/v1"},
            {"key": "accountId", "value": "7"},
            {"key": "apiKey", "value": "la-eu-91d3a0c5e8"}
        ]}),
    );
    let state = tempfile::tempdir().unwrap();
    let plan = api_cmd(&sim, state.path(), &["plan", "--json"]).output().unwrap();
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let reused =
        plan["providers"].as_array().unwrap().iter().find(|p| p["action"] == "reuse").expect("a reused provider");
    assert_eq!(reused["name"], "Live Agent (made in the UI)");
    api_cmd(&sim, state.path(), &["apply", "--yes"]).assert().success();
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 3, "two created, one reused");
    let reference = made["referenceId"].as_str().unwrap();
    let portal = normalized_raw(dump(&sim).path(), "flows/Support Portal/en-US/chart.json");
    assert!(portal.contains(reference), "Support Portal's nodes point at the reused provider");
}

fn normalized_raw(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

#[test]
fn api_json_documents_match_their_schemas_and_the_report_knows_the_run() {
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| api_cmd(&sim, state.path(), args).arg("--json").output().unwrap();
    crate::schemas::check("scan", &run(&["scan"]));
    crate::schemas::check("plan", &run(&["plan"]));
    let applied = crate::schemas::check("apply", &run(&["apply", "--yes"]));
    let run_id = applied["run"]["run_id"].as_str().unwrap().to_string();
    crate::schemas::check("verify", &run(&["verify"]));
    let report = crate::schemas::check("report", &run(&["report"]));
    assert_eq!(report["stage"], "Applied and verified", "{report:#}");
    for provider in report["providers"].as_array().unwrap() {
        assert_eq!(provider["status"], "created", "{provider:#}");
        assert_eq!(provider["created_by_run"], run_id.as_str());
    }
    assert_eq!(report["summary"]["nodes_switched"], 13);
    let text = serde_json::to_string(&report).unwrap();
    for secret in EXAMPLE_SECRETS {
        assert!(!text.contains(secret), "a secret reached the report");
    }
}
