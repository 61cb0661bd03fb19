use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{HandoverNodeType, Object, ProviderMigration};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

/// The Genesys Open Messaging example of `cognigy-model.md` §1.5, with the elided IDs
/// filled in.
fn realistic() -> Object {
    object(json!({
        "host": "mypurecloud.de",
        "deploymentName": "CognigyOM",
        "queue": "d2f1c3a4-5b6e-4f7a-8b9c-0d1e2f3a4b5c",
        "webhookSecret": "CANARY-om-webhook-secret",
        "clientId": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "clientSecret": "CANARY-om-client-secret",
        "sendProfile": true,
        "forwardOnlyHandoverConversations": true
    }))
}

const REQUIRED: [&str; 4] = ["host", "deploymentName", "queue", "clientId"];

fn cases() -> Cases {
    let mut verify_complete = realistic();
    verify_complete.shift_remove("forwardOnlyHandoverConversations");
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "Genesys OM",
        required: &REQUIRED,
        rejected: vec![
            ("host", json!("https://CANARY.mypurecloud.com"), "bare host name"),
            ("host", json!("login.mypurecloud.com/oauth"), "bare host name"),
            ("sendProfile", json!("CANARY"), "true or false"),
            ("clientId", json!(12345), "must be a string"),
            ("forwardOnlyHandoverConversations", json!("true"), "true or false"),
        ],
        secrets: &["webhookSecret", "clientSecret"],
        asked_secrets: &["clientSecret"],
        webhook: &["/handover/genesysCloudOM"],
        reminders: &[],
        verify_complete: Value::Object(verify_complete),
        verify_optional: &["webhookSecret"],
        verify_required: &["host", "deploymentName", "queue", "clientId", "clientSecret"],
    }
}

handover_migrate_core::vendor_cases!(cases);

#[test]
fn manual_steps_for_masked_secrets() {
    let mut s = realistic();
    s.insert("webhookSecret".into(), json!("********"));
    s.insert("clientSecret".into(), json!("••••••"));
    let steps = vendor().steps("Genesys OM", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn node_rewrites_keep_the_nodes_own_fields_and_types() {
    let defaults = vendor().map(realistic()).expect("valid").node_defaults;
    assert!(defaults.is_empty());
    let cases: Vec<Value> = [
        (
            HandoverNodeType::HandoverToAgent,
            json!({
                "text": "Connecting you to an agent",
                "genesysLanguage": "German",
                "genesysSkills": [],
                "genesysPriority": "",
                "genesysCustomAttributes": "{\"customerTier\": \"gold\"}"
            }),
        ),
        (
            HandoverNodeType::CheckAgentAvailability,
            json!({
                "genesysCloudSkills": ["Billing"],
                "genesysCloudProfileSkills": ["VIP"],
                "genesysCloudLanguageSkills": [],
                "storeLocation": "context",
                "contextKey": "availableAgents"
            }),
        ),
    ]
    .into_iter()
    .map(|(node_type, config)| {
        let case = vendor().node_case(config.clone(), node_type, &defaults);
        assert_eq!(case["after"], config, "nothing changes");
        case
    })
    .collect();
    insta::assert_json_snapshot!(cases);
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("queueId".into(), json!("d2f1c3a4-5b6e-4f7a-8b9c-0d1e2f3a4b5c"));
    let issue = vendor().one_issue(s, "queueId");
    assert!(issue.message.contains("unknown key `queueId`"), "{}", issue.message);
}

#[test]
fn missing_optional_webhook_secret_is_not_asked_for() {
    let mut s = realistic();
    s.shift_remove("webhookSecret");
    let draft = vendor().map(s).expect("valid");
    assert!(draft.properties.iter().all(|p| p.key != "webhookSecret"));
    assert!(vendor().steps("Genesys OM", draft).iter().all(|s| s.kind.property().is_none()));
}

#[test]
fn info_lists_the_pair_webhook_and_node_fields() {
    let info = provider().info();
    assert_eq!(info.name, "genesys-cloud-om");
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
    let pair = &info.pairs[0];
    assert_eq!(pair.pair, MigrationPair::same("genesysCloudOM"));
    assert_eq!(pair.webhook_path.as_deref(), Some("/handover/genesysCloudOM"));
    assert!(pair.warnings.is_empty());
    assert_eq!(pair.node_fields, NODE_FIELDS);
    assert_eq!(pair.mapping.len(), 8);
}
