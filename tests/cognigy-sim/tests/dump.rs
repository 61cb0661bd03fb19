//! `POST /__sim/dump`: the state in the clone layout, byte for byte what `cognigy clone` writes.

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

fn dump_over_http(handle: &cognigy_sim::SimHandle, dir: &Path) -> Value {
    let target: String =
        form_urlencoded::Serializer::new(String::new()).append_pair("dir", dir.to_str().unwrap()).finish();
    let response = raw_request(handle.addr(), "POST", &format!("/__sim/dump?{target}"), &[], None).unwrap();
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

#[test]
fn dump_of_an_unchanged_seed_reproduces_it_byte_for_byte() {
    let handle = start(options());
    let out = tempfile::tempdir().unwrap();
    let answer = dump_over_http(&handle, out.path());
    let expected = served_files(&seed());
    assert_eq!(answer["files"], expected.len());
    // The seed has no handoverProviders/, so the dump has none either.
    assert!(!out.path().join("handoverProviders").exists());
    assert_same_files(&expected, &served_files(out.path()));
}

#[test]
fn dump_replaces_a_previous_dump_and_keeps_other_files() {
    let handle = start(options());
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(out.path().join("flows/Gone/en-US")).unwrap();
    std::fs::write(out.path().join("flows/Gone/en-US/chart.json"), "{}").unwrap();
    std::fs::write(out.path().join("handover-migrate.toml"), "x").unwrap();
    handle.dump(out.path()).unwrap();
    assert!(!out.path().join("flows/Gone").exists());
    assert_eq!(std::fs::read_to_string(out.path().join("handover-migrate.toml")).unwrap(), "x");
    assert_same_files(&served_files(&seed()), &served_files(out.path()));
}

#[test]
fn dump_with_seeded_providers_reproduces_them() {
    let seed_copy = tempfile::tempdir().unwrap();
    for (path, bytes) in served_files(&seed()) {
        let target = seed_copy.path().join(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    let provider = json!({
        "referenceId": "0b0f6f9e-5b1a-4c1e-9a55-1f2e3d4c5b6a",
        "name": "Live Agent Trial",
        "service": "liveAgent",
        "properties": [{"key": "baseUrl", "value": "https://liveagent-trial.cognigy.ai/api/v1"}, {"key": "accountId", "value": "2"},
                       {"key": "apiKey", "value": "la-prod-4f9c2e7a1b"}, {"key": "usePlatformToken", "value": false}]
    });
    let dir = seed_copy.path().join("handoverProviders/Live Agent Trial");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), cognigy_sim::to_cli_json(&provider)).unwrap();

    let handle = cognigy_sim::Sim::load(seed_copy.path(), options()).unwrap().spawn().unwrap();
    let client = Client::new(&handle);
    let list = client.ok(&format!("/handover/providers?projectId={PROJECT}"));
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["referenceId"], provider["referenceId"]);
    assert_eq!(list["items"][0]["properties"], provider["properties"]);
    assert_eq!(list["items"][0]["service"], "liveAgent");

    let out = tempfile::tempdir().unwrap();
    dump_over_http(&handle, out.path());
    assert_same_files(&served_files(seed_copy.path()), &served_files(out.path()));
}

#[test]
fn dump_reflects_writes() {
    let handle = start(options().selector_key("handoverProvider"));
    let client = Client::new(&handle);
    // A provider …
    let services = client.ok("/handover/services");
    let live = services["items"].as_array().unwrap().iter().find(|s| s["name"] == "liveAgent").unwrap()["_id"].clone();
    let provider = client
        .post("/handover/provider", &json!({"projectId": PROJECT, "name": "Live Agent", "serviceId": live}))
        .json();
    let properties = json!([{"key": "baseUrl", "value": "https://la"}, {"key": "accountId", "value": "2"}]);
    let id = provider["_id"].as_str().unwrap();
    assert_eq!(
        client
            .patch(&format!("/handover/providers/{id}"), &json!({"projectId": PROJECT, "properties": properties}))
            .status,
        204
    );
    // … a node switched in de-DE only …
    let node_path = format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_HANDOVER}");
    let mut config = client.ok(&format!("{node_path}?preferredLocaleId={DE}"))["config"].clone();
    config["handoverProvider"] = provider["referenceId"].clone();
    assert_eq!(client.patch(&node_path, &json!({"config": config, "localeId": DE})).status, 204);
    // … and an endpoint cleaned up.
    let endpoint_path = format!("/endpoints/{WEBCHAT_PRODUCTION}");
    assert_eq!(client.patch(&endpoint_path, &json!({"handoverSettings": {"provider": "none"}})).status, 204);

    let out = tempfile::tempdir().unwrap();
    handle.dump(out.path()).unwrap();
    let before = served_files(&seed());
    let after = served_files(out.path());
    let changed: Vec<&String> = after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    assert_eq!(
        changed,
        [
            "endpoints/Webchat Production/config.json",
            "flows/Main/de-DE/chart.json",
            "handoverProviders/Live Agent/config.json"
        ]
    );
    let file: Value = serde_json::from_slice(&after["handoverProviders/Live Agent/config.json"]).unwrap();
    assert_eq!(
        file,
        json!({"referenceId": provider["referenceId"], "name": "Live Agent", "service": "liveAgent", "properties": properties})
    );
    let chart: Value = serde_json::from_slice(&after["flows/Main/de-DE/chart.json"]).unwrap();
    let node = chart["nodes"].as_array().unwrap().iter().find(|n| n["_id"] == MAIN_HANDOVER).unwrap();
    assert_eq!(node["config"], config);
    assert_eq!(node["localeReference"], DE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.path().join("handoverProviders/Live Agent/config.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "provider files hold secrets");
    }
}

/// A minimal project shaped like `tests/it/projectgen.rs` writes (few keys, no transformer,
/// no intents) also loads and dumps back unchanged.
#[test]
fn dump_of_a_generated_minimal_project_reproduces_it() {
    let seed = tempfile::tempdir().unwrap();
    let write = |path: &str, value: Value| {
        let path = seed.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, cognigy_sim::to_cli_json(&value)).unwrap();
    };
    let (en, de) = ("6600000000000000000000e1", "6600000000000000000000d1");
    write(
        "flows/locales.json",
        json!([
            {"_id": en, "referenceId": "00000000-0000-4000-8000-0000000000e1", "name": "en-US", "primary": true},
            {"_id": de, "referenceId": "00000000-0000-4000-8000-0000000000d1", "name": "de-DE", "primary": false}
        ]),
    );
    write(
        "endpoints/Web/config.json",
        json!({"_id": "e1", "channel": "webchat3", "flowId": "flow-ref", "name": "Web",
               "handoverSettings": {"provider": "chatwoot", "providerSettings": {"accountId": 7},
                                    "agentAssistSettings": {"copilotType": "none"}},
               "createdAt": 1727177152}),
    );
    write("flows/F/config.json", json!({"_id": "f1", "referenceId": "flow-ref", "name": "F"}));
    for (name, locale) in [("en-US", en), ("de-DE", de)] {
        write(
            &format!("flows/F/{name}/chart.json"),
            json!({"_id": "f1c", "nodes": [
                {"_id": "f11", "referenceId": "flow-ref-1", "type": "start", "label": "Start", "localeReference": locale, "config": {}},
                {"_id": "f12", "referenceId": "flow-ref-2", "type": "handoverToAgent", "label": "Handover",
                 "localeReference": locale, "config": {"text": format!("Handover {name}"), "liveAgentInboxId": ""}}
            ], "relations": []}),
        );
    }
    let sim = cognigy_sim::Sim::load(seed.path(), options()).unwrap();
    let out = tempfile::tempdir().unwrap();
    sim.dump(out.path()).unwrap();
    assert_same_files(&served_files(seed.path()), &served_files(out.path()));
}
