//! `doctor` against the simulator in every state it reports, always read-only (the
//! simulator's stats show no request but GETs), and `--save-profile` → `cognigy-sim --profile`.

use std::path::Path;

use cognigy_sim::{Options, Sim, SimHandle, ValueForm};
use serde_json::{json, Value};

use crate::common::*;

fn start(options: Options) -> SimHandle {
    Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn")
}

fn ready_options() -> Options {
    Options::new(KEY, PROJECT).selector_key("handoverProvider")
}

/// `doctor --json` (plus `args`): its exit code and document, checked against the schema.
fn doctor(sim: &SimHandle, args: &[&str]) -> (i32, Value) {
    let state = tempfile::tempdir().unwrap();
    let mut all = vec!["doctor", "--json"];
    all.extend_from_slice(args);
    let output = api_cmd(sim, state.path(), &all).output().unwrap();
    let document = crate::schemas::check("doctor", &output);
    assert!(!state.path().join("journal").exists());
    (output.status.code().unwrap_or(-1), document)
}

/// Every request the simulator saw was a read.
#[track_caller]
fn assert_no_writes(sim: &SimHandle) {
    let stats = sim.stats();
    for (route, count) in stats["routes"].as_object().unwrap() {
        assert!(route.starts_with("GET "), "doctor sent {count} × {route}: {stats}");
    }
    assert!(stats["total"].as_u64().unwrap() > 0);
}

fn findings<'d>(document: &'d Value, check: &str) -> Vec<&'d Value> {
    document["findings"].as_array().unwrap().iter().filter(|f| f["check"] == check).collect()
}

fn levels(document: &Value, check: &str) -> Vec<String> {
    findings(document, check).iter().map(|f| f["level"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_ready_tenant_is_ready_and_doctor_only_reads() {
    let sim = start(ready_options());
    let (code, document) = doctor(&sim, &[]);
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(document["ready"], true);
    assert_eq!(document["mode"], "api");
    assert_eq!(levels(&document, "access"), ["ok"]);
    assert_eq!(document["selector"]["key"], "handoverProvider");
    assert_eq!(document["selector"]["source"], "descriptors");
    assert_eq!(document["selector"]["field_type"], "select");
    assert_eq!(document["secrets_masked"], false);
    assert_eq!(document["snapshot_pinned"], json!([]));
    // The estimate comes from the indexes: 7 flows × 2 locales node indexes, 6 endpoints, index pages.
    let estimate = &document["estimate"];
    assert_eq!((estimate["flows"].as_u64(), estimate["locales"].as_u64()), (Some(7), Some(2)));
    assert_eq!(estimate["requests"], 1 + 6 + 1 + 1 + 14 + 1 + 1 + 1);
    assert!(estimate["note"].as_str().unwrap().contains("estimate"));
    let live_agent = document["services"].as_array().unwrap().iter().find(|s| s["name"] == "liveAgent").unwrap();
    assert_eq!(live_agent["pairs"][0]["missing_on_service"], json!([]));
    assert_eq!(live_agent["pairs"][0]["used"], true);
    assert_no_writes(&sim);
    // No chart was read.
    let stats = sim.stats();
    assert!(stats["routes"].get("GET /flows/{id}/chart/nodes").is_none(), "{stats}");
    assert!(stats["routes"].get("GET /flows/{id}/chart").is_none(), "{stats}");
    assert_eq!(document["requests"], stats["total"]);

    // The estimate is what `plan` reads, but for the node reads only the charts can tell.
    sim.sim().reset_stats();
    let state = tempfile::tempdir().unwrap();
    api_cmd(&sim, state.path(), &["plan"]).output().unwrap();
    let stats = sim.stats();
    let node_reads = stats["routes"]["GET /flows/{id}/chart/nodes/{nodeId}"].as_u64().unwrap();
    assert_eq!(stats["total"].as_u64().unwrap() - node_reads, estimate["requests"].as_u64().unwrap(), "{stats}");
    sim.sim().reset_stats();

    // The text form says the same, with each fix.
    let state = tempfile::tempdir().unwrap();
    let output = api_cmd(&sim, state.path(), &["doctor"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("Ready: apply can run unattended."), "{}", stdout(&output));
}

#[test]
fn a_missing_selector_needs_the_flag() {
    let sim = start(Options::new(KEY, PROJECT));
    let (code, document) = doctor(&sim, &[]);
    assert_eq!(code, 3, "{document:#}");
    let selector = findings(&document, "selector");
    assert_eq!(selector[0]["level"], "needs_input");
    assert!(selector[0]["resolve"].as_str().unwrap().starts_with("--node-selector-key KEY"), "{document:#}");
    assert_eq!(document["selector"]["key"], Value::Null);
    // Given the flag, it is resolved.
    let (code, document) = doctor(&sim, &["--node-selector-key", "handoverProvider"]);
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(document["selector"]["source"], "flag");
    assert_no_writes(&sim);
}

#[test]
fn a_service_whose_property_keys_differ_from_the_pair_is_named() {
    // A tenant whose Live Agent service names its properties differently.
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.json");
    std::fs::write(
        &profile,
        serde_json::to_string_pretty(&json!({
            "format": "handover-migrate/tenant-profile@1", "tool": "test",
            "services": [
                {"name": "liveAgent", "property_keys": ["usePlatformToken", "liveAgentUrl", "accountId", "apiToken"], "secret_keys": ["apiToken"]},
                {"name": "chatwoot", "property_keys": ["baseUrl", "accountId", "apiKey"], "secret_keys": ["apiKey"]}
            ],
            "selector": {"key": "handoverProvider", "source": "descriptors", "candidates": [], "field_type": "select", "value_form": null},
            "secrets_masked": false, "pages": {"default": 25, "largest": 100}, "node_types": []
        }))
        .unwrap(),
    )
    .unwrap();
    let sim = start(Options::new(KEY, PROJECT).profile(&profile));
    let (code, document) = doctor(&sim, &[]);
    assert_eq!(code, 3, "{document:#}");
    let mismatch = findings(&document, "services")
        .into_iter()
        .find(|f| f["message"].as_str().unwrap().contains("liveAgent → liveAgent"))
        .unwrap_or_else(|| panic!("{document:#}"));
    assert_eq!(mismatch["level"], "needs_input");
    let message = mismatch["message"].as_str().unwrap();
    assert!(message.contains("`baseUrl`") && message.contains("`apiKey`"), "{message}");
    assert!(mismatch["resolve"].as_str().unwrap().contains("--plugin FILE"), "{mismatch}");
    let live_agent = document["services"].as_array().unwrap().iter().find(|s| s["name"] == "liveAgent").unwrap();
    assert_eq!(live_agent["pairs"][0]["missing_on_service"], json!(["baseUrl", "apiKey"]));
    assert_eq!(live_agent["pairs"][0]["not_set_by_pair"], json!(["liveAgentUrl", "apiToken"]));
    assert_no_writes(&sim);
}

#[test]
fn masked_secrets_need_answers() {
    let sim = start(ready_options().mask_secrets(true));
    let (code, document) = doctor(&sim, &[]);
    assert_eq!(code, 3, "{document:#}");
    assert_eq!(document["secrets_masked"], true);
    let secrets = findings(&document, "secrets");
    assert_eq!(secrets[0]["level"], "needs_input");
    assert!(secrets[0]["message"].as_str().unwrap().contains("Webchat Production (apiKey)"), "{document:#}");
    assert!(secrets[0]["resolve"].as_str().unwrap().contains("answers template"), "{document:#}");
    // No secret value anywhere in the document.
    for secret in EXAMPLE_SECRETS {
        assert!(!document.to_string().contains(secret));
    }
    // With an answers file, apply takes them from it.
    let answers = tempfile::NamedTempFile::new().unwrap();
    let (code, document) = doctor(&sim, &["--answers", answers.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(levels(&document, "secrets"), ["warning"]);
    assert_no_writes(&sim);
}

#[test]
fn snapshot_pinned_endpoints_are_listed() {
    let sim = start(ready_options());
    sim.sim().with_project(|p| {
        let endpoint = p.endpoints.iter_mut().find(|e| e.name() == "Support Portal").unwrap();
        endpoint.item.insert("entrypoint".into(), json!("66f2000000000000000000aa"));
    });
    let (code, document) = doctor(&sim, &[]);
    assert_eq!(code, 0, "a pinned endpoint does not stop apply: {document:#}");
    assert_eq!(document["snapshot_pinned"], json!(["Support Portal"]));
    let pinned = findings(&document, "snapshots");
    assert_eq!(pinned[0]["level"], "warning");
    assert!(pinned[0]["resolve"].as_str().unwrap().contains("--force"), "{document:#}");
    assert_no_writes(&sim);
}

#[test]
fn a_key_without_rights_or_a_refused_key_or_no_tenant_is_an_error() {
    let sim = start(ready_options().restricted_key("restricted-key"));
    let state = tempfile::tempdir().unwrap();
    let output =
        api_cmd(&sim, state.path(), &["doctor", "--json"]).env("COGNIGY_API_KEY", "restricted-key").output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let document = crate::schemas::check("doctor", &output);
    let rights = findings(&document, "rights");
    assert!(rights.iter().all(|f| f["level"] == "error"), "{document:#}");
    assert!(rights[0]["message"].as_str().unwrap().contains("GET /handover/services"), "{document:#}");
    assert!(rights[0]["message"].as_str().unwrap().contains("403"), "{document:#}");
    assert!(rights[0]["resolve"].as_str().unwrap().contains("role"), "{document:#}");
    assert_no_writes(&sim);

    let output =
        api_cmd(&sim, state.path(), &["doctor", "--json"]).env("COGNIGY_API_KEY", "wrong-key").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document = crate::schemas::check("doctor", &output);
    let access = findings(&document, "access");
    assert_eq!(access[0]["level"], "error");
    assert!(access[0]["message"].as_str().unwrap().contains("refuses the API key"), "{document:#}");
    assert!(access[0]["resolve"].as_str().unwrap().contains("COGNIGY_API_KEY"), "{document:#}");

    let state = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let output = bin()
        .env("COGNIGY_API_KEY", KEY)
        .args(["--api-url", &format!("http://{closed}"), "--project-id", PROJECT, "--state-dir"])
        .arg(state.path())
        .args(["doctor", "--json"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let document = crate::schemas::check("doctor", &output);
    assert!(findings(&document, "access")[0]["message"].as_str().unwrap().contains("cannot be reached"));
}

#[test]
fn the_selector_value_form_is_read_from_its_options() {
    // Either form is ready: apply writes the form the options hold.
    for (form, expected, code) in [(ValueForm::ReferenceId, "referenceId", 0), (ValueForm::Id, "_id", 0)] {
        let sim = start(ready_options().selector_options(form));
        // A provider to list: made by a migration, before doctor looks.
        let state = tempfile::tempdir().unwrap();
        api_cmd(&sim, state.path(), &["apply", "--yes"]).assert().success();
        sim.sim().reset_stats();
        let (got, document) = doctor(&sim, &[]);
        assert_eq!(document["selector"]["value_form"], expected, "{document:#}");
        assert_eq!(got, code, "{document:#}");
        assert_no_writes(&sim);
    }
}

fn validate_profile(profile: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema/tenant-profile.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator =
        jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&schema).expect("profile schema");
    let errors: Vec<String> = validator.iter_errors(profile).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:?}\n{profile:#}");
}

#[test]
fn a_saved_profile_has_no_secret_or_customer_content_and_the_simulator_serves_its_shape() {
    let mut options = ready_options().mask_secrets(true).selector_options(ValueForm::ReferenceId);
    // A default page smaller than the locale index, so doctor sees it.
    options.default_page = 1;
    let sim = start(options);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenant.json");
    let (_, first) = doctor(&sim, &["--save-profile", file.to_str().unwrap()]);
    assert_no_writes(&sim);
    let text = std::fs::read_to_string(&file).unwrap();
    let profile: Value = serde_json::from_str(&text).unwrap();
    validate_profile(&profile);
    for secret in EXAMPLE_SECRETS {
        assert!(!text.contains(secret), "a secret in the profile");
    }
    for name in ["Webchat Production", "Support Portal", "Partner Chat", "Main", PROJECT, KEY] {
        assert!(!text.contains(name), "customer content `{name}` in the profile:\n{text}");
    }
    assert_eq!(profile["secrets_masked"], true);
    assert_eq!(profile["selector"]["key"], "handoverProvider");
    assert_eq!(profile["pages"]["default"], 1);
    assert!(profile["pages"]["largest"].as_u64().unwrap() > 1);
    assert!(profile["node_types"].as_array().unwrap().iter().any(|t| t == "handoverToAgent"));

    // A simulator started from the profile alone shows doctor the same tenant.
    let shaped = start(Options::new(KEY, PROJECT).profile(&file));
    let (_, second) = doctor(&shaped, &[]);
    for key in ["services", "selector", "secrets_masked", "node_types", "pages"] {
        assert_eq!(second[key], first[key], "{key}");
    }
}

#[test]
fn offline_doctor_checks_what_a_clone_can_tell() {
    let project = Scratch::example();
    let output = project.cmd(&["doctor", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let document = crate::schemas::check("doctor", &output);
    assert_eq!(document["mode"], "offline");
    assert_eq!(document["selector"]["source"], "project-config");
    assert_eq!(document["estimate"], Value::Null);

    project.write("handover-migrate.toml", "");
    let output = project.cmd(&["doctor"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(stdout(&output).contains("node-selector-key = \"KEY\""), "{}", stdout(&output));
}
