use super::*;
use handover_migrate_core::testkit::{object, Vendor};
use handover_migrate_core::{
    DraftValue, HandoverNodeType, ManualStepKind, Object, ProviderMigration, Severity, VerifyRequest,
};
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
const SECRETS: [&str; 2] = ["webhookSecret", "clientSecret"];

#[test]
fn maps_realistic_settings() {
    let draft = vendor().map(realistic()).expect("valid");
    insta::assert_json_snapshot!(draft);
}

#[test]
fn manual_steps_for_masked_secrets() {
    let mut s = realistic();
    s.insert("webhookSecret".into(), json!("********"));
    s.insert("clientSecret".into(), json!("••••••"));
    let steps = vendor().steps("Genesys OM", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn clear_text_secrets_leave_only_the_webhook_confirmation() {
    let steps = vendor().steps("Genesys OM", vendor().map(realistic()).expect("valid"));
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].key, "confirm.webhook");
    assert_eq!(steps[0].kind, ManualStepKind::Confirm);
    assert!(steps[0].prompt.contains("/handover/genesysCloudOM"), "{}", steps[0].prompt);
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
fn each_required_field_is_named_when_missing() {
    vendor().assert_required(&realistic(), &REQUIRED);
}

#[test]
fn format_rules_name_the_field() {
    let cases = [
        ("host", json!("https://CANARY.mypurecloud.com"), "bare host name"),
        ("host", json!("login.mypurecloud.com/oauth"), "bare host name"),
        ("sendProfile", json!("CANARY"), "true or false"),
        ("clientId", json!(12345), "must be a string"),
        ("forwardOnlyHandoverConversations", json!("true"), "true or false"),
    ];
    vendor().assert_rejected(&realistic(), &cases);
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("queueId".into(), json!("d2f1c3a4-5b6e-4f7a-8b9c-0d1e2f3a4b5c"));
    let issue = vendor().one_issue(s, "queueId");
    assert!(issue.message.contains("unknown key `queueId`"), "{}", issue.message);
}

#[test]
fn masked_secrets_are_never_kept() {
    for key in SECRETS {
        let mut s = realistic();
        s.insert(key.into(), json!("********"));
        let draft = vendor().map(s).expect("valid");
        let property = draft.properties.iter().find(|p| p.key == key).expect(key);
        assert_eq!(property.value, DraftValue::Masked);
        assert_eq!(property.class, PropertyClass::Secret);
    }
}

#[test]
fn missing_client_secret_becomes_a_manual_step_not_an_error() {
    let mut s = realistic();
    s.shift_remove("clientSecret");
    let draft = vendor().map(s).expect("missing secret is asked for");
    assert_eq!(draft.properties.iter().find(|p| p.key == "clientSecret").map(|p| &p.value), Some(&DraftValue::Missing));
    let steps = vendor().steps("Genesys OM", draft);
    assert!(steps
        .iter()
        .any(|s| s.key == "secrets.clientSecret" && s.kind == ManualStepKind::Secret("clientSecret".into())));
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
fn verify_requires_every_required_property() {
    let request = |properties: &Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "Genesys OM".into(),
        properties: object(properties.clone()),
    };
    let mut complete = Value::Object(realistic());
    complete.as_object_mut().expect("object").shift_remove("forwardOnlyHandoverConversations");
    assert!(provider().verify(&request(&complete)).is_empty());
    complete.as_object_mut().expect("object").shift_remove("webhookSecret");
    assert!(provider().verify(&request(&complete)).is_empty(), "webhookSecret is optional");
    for key in REQUIRED.into_iter().chain(["clientSecret"]) {
        let mut properties = complete.clone();
        properties.as_object_mut().expect("object").shift_remove(key);
        let findings = provider().verify(&request(&properties));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].message.contains(key), "{}", findings[0].message);
        assert!(!findings[0].message.contains("CANARY"));
    }
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
