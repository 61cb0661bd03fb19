//! Builds small Cognigy-CLI-layout projects in code, for tests that need shapes the
//! bundled example does not have.

use serde_json::{json, Value};

use super::*;

/// The example's Billing flow and en-US locale.
pub const BILLING_FLOW_REF: &str = "986883ee-5314-4a89-a4cc-18d821a2379f";
pub const EN_US: &str = "66f2dd82694e1423e7505f27";

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

/// The example plus a Go To from flow "Support Portal" to flow "Billing": Billing's node is
/// then reached from the webchat endpoints and from Support Portal, which become
/// different providers.
pub fn support_portal_reaches_billing() -> Scratch {
    let project = Scratch::example();
    project.edit_json("flows/Support Portal/en-US/chart.json", |chart| {
        chart["nodes"].as_array_mut().unwrap().push(serde_json::json!({
            "_id": "66f2aaaaaaaaaaaaaaaaaaaa",
            "referenceId": "0e0e0e0e-1111-4222-8333-444455556666",
            "type": "goTo",
            "label": "Go to Billing",
            "comment": "",
            "commentColor": "",
            "isEntryPoint": false,
            "isDisabled": false,
            "extension": "@cognigy/basic-nodes",
            "localeReference": EN_US,
            "analyticsLabel": "",
            "config": {
                "flowNode": {"flow": BILLING_FLOW_REF, "node": "66f2a7fd5f3a95b6e27ee0a2", "isGoto": true},
                "parseIntents": true,
                "parseKeyphrases": true,
                "absorbContext": false
            }
        }));
    });
    project
}
