//! Builds small Cognigy-CLI-layout projects in code, for tests that need shapes the
//! bundled example does not have.

use serde_json::{json, Value};

use crate::common::{to_cli_json, Scratch};

pub const EN: &str = "6600000000000000000000e1";
pub const DE: &str = "6600000000000000000000d1";

/// An empty project with two locales and a selector key.
pub fn empty_project() -> Scratch {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = Scratch { dir };
    project.write(
        "flows/locales.json",
        &to_cli_json(&json!([
            {"_id": EN, "referenceId": "00000000-0000-4000-8000-0000000000e1", "name": "en-US", "primary": true},
            {"_id": DE, "referenceId": "00000000-0000-4000-8000-0000000000d1", "name": "de-DE", "primary": false}
        ])),
    );
    project.write("endpoints/.keep", "");
    std::fs::remove_file(project.file("endpoints/.keep")).unwrap();
    project.write("handover-migrate.toml", "node-selector-key = \"handoverProvider\"\n");
    project
}

pub fn add_endpoint(project: &Scratch, name: &str, id: &str, flow_ref: &str, provider: &str, settings: Value) {
    let mut handover = json!({"provider": provider});
    if !settings.is_null() {
        handover["providerSettings"] = settings;
    }
    handover["agentAssistSettings"] = json!({"copilotType": "none"});
    project.write(
        &format!("endpoints/{name}/config.json"),
        &to_cli_json(&json!({
            "_id": id, "channel": "webchat3", "flowId": flow_ref, "name": name,
            "handoverSettings": handover, "createdAt": 1727177152
        })),
    );
}

/// A flow with one Handover to Agent and one Check Agent Availability node, localized in
/// both locales. `extra` is merged into both nodes' configs.
pub fn add_flow(project: &Scratch, name: &str, id: &str, reference: &str, extra: Value) {
    project.write(
        &format!("flows/{name}/config.json"),
        &to_cli_json(&json!({"_id": id, "referenceId": reference, "name": name})),
    );
    for (locale_name, locale) in [("en-US", EN), ("de-DE", DE)] {
        let mut handover =
            json!({"text": format!("Handover {locale_name}"), "liveAgentInboxId": "", "chatwootInboxId": ""});
        let mut check = json!({"liveAgentInboxId": "", "chatwootInboxId": "", "storeLocation": "input"});
        for config in [&mut handover, &mut check] {
            for (k, v) in extra.as_object().into_iter().flatten() {
                config[k] = v.clone();
            }
        }
        let chart = json!({
            "_id": format!("{id}c"),
            "nodes": [
                {"_id": format!("{id}1"), "referenceId": format!("{reference}-1"), "type": "start", "label": "Start",
                 "localeReference": locale, "config": {}},
                {"_id": format!("{id}2"), "referenceId": format!("{reference}-2"), "type": "handoverToAgent", "label": "Handover",
                 "localeReference": locale, "config": handover},
                {"_id": format!("{id}3"), "referenceId": format!("{reference}-3"), "type": "checkAgentAvailability",
                 "label": "Agents?", "localeReference": locale, "config": check}
            ],
            "relations": []
        });
        project.write(&format!("flows/{name}/{locale_name}/chart.json"), &to_cli_json(&chart));
    }
}
