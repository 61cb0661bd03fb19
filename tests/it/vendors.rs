//! All seven built-in vendors in one project: two endpoints per vendor sharing settings,
//! plus one endpoint of a kind no provider knows.

use serde_json::{json, Value};

use crate::common::*;

const CANARY: &str = "CANARY-SECRET";

fn vendors() -> Vec<(&'static str, Value, bool)> {
    // (kind, valid settings with a canary in every secret, supports Check Agent Availability)
    vec![
        (
            "liveAgent",
            json!({"usePlatformToken": false, "baseUrl": "https://la.example.com/api/v1", "accountId": "2",
            "apiKey": format!("{CANARY}-la"), "liveAgentInboxId": "11", "forwardOnlyHandoverConversations": true}),
            true,
        ),
        (
            "chatwoot",
            json!({"baseUrl": "https://app.chatwoot.com/api/v1", "accountId": "6607",
            "apiKey": format!("{CANARY}-cw"), "chatwootInboxId": "5446", "forwardOnlyHandoverConversations": true}),
            true,
        ),
        (
            "rce",
            json!({"forwardOnlyHandoverConversations": true, "getQueueUpdates": false,
            "apiAccessToken": format!("{CANARY}-rce1"), "baseApiUrl": "https://acme.api.engagement.dimelo.com/1.0",
            "realtimeAccessToken": format!("{CANARY}-rce2"), "realtimeEndpointUrl": "https://acme.engagement.dimelo.com/realtime",
            "webhookSecret": format!("{CANARY}-rce3"), "botCategoryId": "5f1", "agentCategoryId": "5f2"}),
            false,
        ),
        (
            "salesforce",
            json!({"apiVersion": "52", "baseUrl": "https://d.la1-c2-fra.salesforceliveagent.com",
            "organizationId": "00D", "deploymentId": "572", "buttonId": "573",
            "forwardOnlyHandoverConversations": true, "forwardUnknownEventsToFlow": false}),
            false,
        ),
        (
            "genesysCloud",
            json!({"host": "mypurecloud.de", "organizationId": "org", "deploymentId": "dep",
            "queue": "Support", "queueId": "q-1", "sendProfile": true, "sessionDuration": 60,
            "oAuth2Connection": "conn-ref-1", "forwardOnlyHandoverConversations": true}),
            true,
        ),
        (
            "genesysCloudOM",
            json!({"host": "mypurecloud.de", "deploymentName": "CognigyOM", "queue": "q-2",
            "webhookSecret": format!("{CANARY}-om1"), "clientId": "client", "clientSecret": format!("{CANARY}-om2"),
            "sendProfile": true, "forwardOnlyHandoverConversations": true}),
            true,
        ),
        (
            "eightByEight",
            json!({"baseUrl": "https://api.8x8.com/chat", "apiKey": format!("{CANARY}-8x8"),
            "apiTenant": "acme", "forwardOnlyHandoverConversations": true}),
            false,
        ),
    ]
}

fn mixed_project() -> Scratch {
    let project = empty_project();
    for (index, (kind, settings, _)) in vendors().into_iter().enumerate() {
        let flow_ref = format!("00000000-0000-4000-8000-{index:012}");
        add_flow(&project, &format!("Flow {kind}"), &format!("66000000000000000000f{index:02}"), &flow_ref, json!({}));
        for copy in ["A", "B"] {
            let id = format!("66000000000000000000e{index}{copy}");
            add_endpoint(&project, &format!("{kind} {copy}"), &id, &flow_ref, kind, settings.clone());
        }
    }
    add_flow(&project, "Flow nice", "66000000000000000000ff99", "00000000-0000-4000-8000-000000000999", json!({}));
    add_endpoint(
        &project,
        "NiCE desk",
        "66000000000000000000ee99",
        "00000000-0000-4000-8000-000000000999",
        "niceCxone",
        json!({"tenantId": "t"}),
    );
    project
}

#[test]
fn mixed_vendors_migrate_end_to_end() {
    let project = mixed_project();
    let original = project.snapshot();

    let plan = project.cmd(&["plan", "--json"]).output().unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let providers = plan["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 7, "one provider per vendor, shared by its two endpoints");
    for provider in providers {
        assert_eq!(provider["endpoints"].as_array().unwrap().len(), 2, "{provider:#}");
    }
    let notices = plan["notices"].to_string();
    assert!(notices.contains("niceCxone") && notices.contains("plugin"), "{notices}");
    assert!(plan["warnings"].to_string().contains("MIAW"), "Salesforce retirement warning");
    assert!(plan["warnings"].to_string().contains("Open Messaging"), "Guest Chat deprecation warning");

    let apply = project.cmd(&["apply", "--yes", "-vvv"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    let provider_dirs = std::fs::read_dir(project.file("handoverProviders")).unwrap().count();
    assert_eq!(provider_dirs, 7);

    for (kind, _, supports_check) in vendors() {
        let chart: Value = serde_json::from_str(&project.read(&format!("flows/Flow {kind}/en-US/chart.json"))).unwrap();
        let handover = &chart["nodes"][1]["config"];
        let check = &chart["nodes"][2]["config"];
        assert!(handover["handoverProvider"].is_string(), "{kind}: {handover:#}");
        assert_eq!(check["handoverProvider"].is_string(), supports_check, "{kind}: {check:#}");
    }
    let nice: Value = serde_json::from_str(&project.read("flows/Flow nice/en-US/chart.json")).unwrap();
    assert!(nice["nodes"][1]["config"].get("handoverProvider").is_none(), "unknown kind stays Legacy");

    project.cmd(&["verify"]).assert().success();
    let cleanup = project.cmd(&["cleanup", "--yes"]).output().unwrap();
    assert!(cleanup.status.success(), "{}", stderr(&cleanup));
    let nice_endpoint = project.read("endpoints/NiCE desk/config.json");
    assert!(nice_endpoint.contains("niceCxone"), "an unknown kind is never cleaned up");
    for (kind, _, _) in vendors() {
        let endpoint: Value = serde_json::from_str(&project.read(&format!("endpoints/{kind} A/config.json"))).unwrap();
        assert_eq!(
            endpoint["handoverSettings"],
            json!({"provider": "none", "agentAssistSettings": {"copilotType": "none"}})
        );
    }
    for text in [stdout(&apply), stderr(&apply), stdout(&cleanup), stderr(&cleanup), plan.to_string()] {
        assert!(!text.contains(CANARY), "secret leaked: {text}");
    }

    project.cmd(&["rollback", "--yes"]).assert().success();
    project.cmd(&["rollback", "--yes"]).assert().success();
    assert_eq!(project.snapshot(), original);
}

#[test]
fn providers_show_prints_each_vendor_mapping() {
    for (kind, settings, _) in vendors() {
        let output = bin().args(["providers", "show", kind]).output().unwrap();
        assert!(output.status.success());
        let text = stdout(&output);
        for key in settings.as_object().unwrap().keys() {
            assert!(text.contains(key.as_str()), "{kind}: {key} missing from\n{text}");
        }
    }
    let json = bin().args(["providers", "show", "salesforce", "--json"]).output().unwrap();
    let info: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(info["pair"]["source_kind"], "salesforce");
    let unknown = bin().args(["providers", "show", "nope"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("liveAgent"));
}

#[test]
fn providers_list_shows_all_seven_builtins() {
    let output = bin().args(["providers", "list", "--json"]).output().unwrap();
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    let pairs: Vec<String> = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} → {}", p["source_kind"].as_str().unwrap(), p["target_service"].as_str().unwrap()))
        .collect();
    // Each kind to its own service, plus the two successor pairs (vendor switches).
    assert_eq!(
        pairs,
        [
            "chatwoot → chatwoot",
            "eightByEight → eightByEight",
            "genesysCloud → genesysCloud",
            "genesysCloud → genesysCloudOM",
            "genesysCloudOM → genesysCloudOM",
            "liveAgent → liveAgent",
            "rce → rce",
            "salesforce → salesforce",
            "salesforce → salesforceMIAW",
        ]
    );
}
