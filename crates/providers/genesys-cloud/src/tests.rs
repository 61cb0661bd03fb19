use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{
    DraftValue, HandoverNodeType, ManualStepKind, Object, ProviderMigration, Severity, VerifyRequest,
};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

/// The Genesys Guest Chat example of `cognigy-model.md` §1.5, with the elided UUIDs filled
/// in and a session duration in minutes, as the UI label says.
fn realistic() -> Object {
    object(json!({
        "host": "mypurecloud.de",
        "organizationId": "3b1c5a8e-2f4d-4e6a-9b7c-1d2e3f4a5b6c",
        "deploymentId": "7c9d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
        "queue": "Support",
        "queueId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "sendProfile": true,
        "sessionDuration": 60,
        "oAuth2Connection": "5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f",
        "forwardOnlyHandoverConversations": true
    }))
}

const REQUIRED: [&str; 5] = ["host", "organizationId", "deploymentId", "queue", "queueId"];

fn cases() -> Cases {
    let mut verify_complete = realistic();
    verify_complete.shift_remove("forwardOnlyHandoverConversations");
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "Genesys Guest Chat",
        required: &REQUIRED,
        rejected: vec![
            ("host", json!("https://CANARY.mypurecloud.de"), "bare host name"),
            ("host", json!("apps.mypurecloud.de/CANARY"), "bare host name"),
            ("host", json!("mypure cloud.de"), "bare host name"),
            ("sessionDuration", json!("60"), "whole number"),
            ("sessionDuration", json!(1.5), "whole number"),
            ("sendProfile", json!("CANARY"), "true or false"),
            ("queueId", json!(42), "must be a string"),
            ("oAuth2Connection", json!({"referenceId": "CANARY"}), "must be a string"),
        ],
        // The Genesys credentials are a Connection, not a secret of the provider.
        secrets: &[],
        asked_secrets: &[],
        webhook: &[],
        reminders: &["check.authenticationConnection"],
        verify_complete: Value::Object(verify_complete),
        verify_optional: &[],
        verify_required: &["host", "organizationId", "deploymentId", "queue", "queueId", "oAuth2Connection"],
    }
}

handover_migrate_core::vendor_cases!(cases);

#[test]
fn manual_steps_without_a_connection() {
    let mut s = realistic();
    s.shift_remove("oAuth2Connection");
    let steps =
        vendor().steps("Genesys Guest Chat", vendor().map(s).expect("a missing Connection is asked for, not an error"));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn a_known_connection_needs_only_the_reminder() {
    let draft = vendor().map(realistic()).expect("valid");
    let connection = draft.properties.iter().find(|p| p.key == "oAuth2Connection").expect("carried");
    assert_eq!(connection.class, PropertyClass::ConnectionRef);
    assert_eq!(connection.value, DraftValue::Known(json!("5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f")));
    let steps = vendor().steps("Genesys Guest Chat", draft);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].key, "check.authenticationConnection");
    assert_eq!(steps[0].kind, ManualStepKind::Reminder);
}

#[test]
fn missing_connection_becomes_a_connection_step() {
    for absent in [None, Some(json!("")), Some(json!(null))] {
        let mut s = realistic();
        match absent {
            None => s.shift_remove("oAuth2Connection"),
            Some(v) => s.insert("oAuth2Connection".into(), v),
        };
        let draft = vendor().map(s).expect("valid");
        let connection = draft.properties.iter().find(|p| p.key == "oAuth2Connection").expect("asked for");
        assert_eq!(connection.value, DraftValue::Missing);
        let steps = vendor().steps("Genesys Guest Chat", draft);
        let step = steps.iter().find(|s| s.key == "connections.oAuth2Connection").expect("connection step");
        assert_eq!(step.kind, ManualStepKind::Connection("oAuth2Connection".into()));
        assert!(step.prompt.contains("Genesys Cloud Authentication"), "{}", step.prompt);
    }
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
                "genesysLanguage": "English",
                "genesysSkills": ["Billing", "Premium"],
                "genesysPriority": "5",
                "genesysCustomAttributes": {"customerTier": "gold"}
            }),
        ),
        (
            HandoverNodeType::CheckAgentAvailability,
            json!({
                "genesysCloudSkills": ["Billing"],
                "genesysCloudProfileSkills": [],
                "genesysCloudLanguageSkills": ["English"],
                "storeLocation": "input",
                "inputKey": "availableAgents"
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
fn optional_fields_may_be_absent() {
    let mut s = realistic();
    for key in ["sessionDuration", "sendProfile", "forwardOnlyHandoverConversations"] {
        s.shift_remove(key);
    }
    let draft = vendor().map(s).expect("valid");
    let keys: Vec<&str> = draft.properties.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["host", "organizationId", "deploymentId", "queue", "queueId", "oAuth2Connection"]);
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("clientSecret".into(), json!("CANARY-secret"));
    let issue = vendor().one_issue(s, "clientSecret");
    assert!(issue.message.contains("unknown key `clientSecret`"), "{}", issue.message);
}

#[test]
fn verify_checks_the_host() {
    let request = |properties: &Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "Genesys Guest Chat".into(),
        properties: object(properties.clone()),
    };
    let mut bad_host = cases().verify_complete;
    bad_host["host"] = json!("https://mypurecloud.de");
    assert!(provider().verify(&request(&bad_host))[0].message.contains("host"));
}

#[test]
fn info_warns_about_the_deprecation_and_has_no_webhook() {
    let info = provider().info();
    assert_eq!(info.name, "genesys-cloud");
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
    let pair = &info.pairs[0];
    assert_eq!(pair.pair, MigrationPair::same("genesysCloud"));
    assert_eq!(pair.webhook_path, None);
    assert_eq!(pair.warnings.len(), 1);
    assert!(pair.warnings[0].contains("11 Jun 2025") && pair.warnings[0].contains("Open Messaging"));
    assert_eq!(pair.node_fields, NODE_FIELDS);
    let connection = pair.mapping.iter().find(|row| row.legacy_key == "oAuth2Connection").expect("row");
    assert_eq!(connection.class, PropertyClass::ConnectionRef);
    assert!(connection.required);
}

// ---------------------------------------------------------------- genesysCloud → genesysCloudOM

fn om() -> Vendor {
    vendor().with_pair(MigrationPair::new(KIND, OPEN_MESSAGING))
}

const OM_MANUAL: [(&str, &str); 5] = [
    ("deploymentName", "values.deploymentName"),
    ("queue", "values.queue"),
    ("clientId", "values.clientId"),
    ("clientSecret", "secrets.clientSecret"),
    ("webhookSecret", "secrets.webhookSecret"),
];

#[test]
fn open_messaging_carries_the_host_and_notes_every_guest_chat_key() {
    let draft = om().map(realistic()).expect("valid");
    let known: Vec<&str> =
        draft.properties.iter().filter(|p| matches!(p.value, DraftValue::Known(_))).map(|p| p.key.as_str()).collect();
    assert_eq!(known, ["host", "sendProfile"]);
    let missing: Vec<&str> =
        draft.properties.iter().filter(|p| p.value == DraftValue::Missing).map(|p| p.key.as_str()).collect();
    assert_eq!(missing, OM_MANUAL.map(|(key, _)| key));
    for key in realistic().keys().filter(|k| !known.contains(&k.as_str())) {
        assert!(draft.notes.iter().any(|n| n.starts_with(&format!("`{key}`"))), "{key}: {:?}", draft.notes);
    }
    insta::assert_json_snapshot!(draft);
}

#[test]
fn open_messaging_manual_steps_ask_for_the_integration_and_its_credentials() {
    let draft = om().map(realistic()).expect("valid");
    let steps = om().steps("Genesys Cloud Open Messaging - Webchat Production", draft);
    let inputs: Vec<&str> = steps.iter().filter(|s| s.kind.property().is_some()).map(|s| s.key.as_str()).collect();
    assert_eq!(inputs, OM_MANUAL.map(|(_, entry)| entry));
    assert!(steps.iter().any(|s| s.kind == ManualStepKind::Confirm && s.prompt.contains("/handover/genesysCloudOM")));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn open_messaging_needs_only_the_host_of_the_legacy_settings() {
    assert!(om().map(object(json!({"host": "mypurecloud.de"}))).is_ok());
    assert_eq!(om().map(object(json!({"queue": "Support"}))).expect_err("host required")[0].field, "host");
    let mut bad = realistic();
    bad.insert("sessionDuration".into(), json!("an hour"));
    assert_eq!(om().map(bad).expect_err("format still checked")[0].field, "sessionDuration");
}

#[test]
fn open_messaging_accepts_every_legacy_key_and_keeps_the_shared_node_fields() {
    let legacy: Vec<String> = pair_spec().fields.iter().map(|f| f.legacy_key.clone()).collect();
    let switch: Vec<String> = open_messaging_pair_spec().fields.iter().map(|f| f.legacy_key.clone()).collect();
    assert_eq!(legacy, switch);
    assert_eq!(open_messaging_pair_spec().node_fields, NODE_FIELDS, "Guest Chat node fields are Open Messaging's");
    let config = json!({"genesysLanguage": "de", "genesysSkills": ["billing"], "genesysPriority": 5});
    let rewrite = om().rewrite(&config, HandoverNodeType::HandoverToAgent, &Object::new());
    assert_eq!(rewrite, Default::default(), "nothing to change, nobody to ask");
    insta::assert_json_snapshot!(json!({"config": config, "rewrite": rewrite}));
}

#[test]
fn open_messaging_verify_checks_the_manual_properties() {
    let request = |properties: Value| VerifyRequest {
        pair: om().pair().clone(),
        provider_name: "OM".into(),
        properties: object(properties),
    };
    let complete = json!({"host": "mypurecloud.de", "sendProfile": true, "deploymentName": "CognigyOM",
                          "queue": "a1b2", "clientId": "client", "clientSecret": "s", "webhookSecret": "w"});
    assert!(provider().verify(&request(complete.clone())).is_empty());
    let mut masked = complete;
    masked["clientSecret"] = json!("********");
    masked.as_object_mut().unwrap().shift_remove("deploymentName");
    let findings = provider().verify(&request(masked));
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings.iter().all(|f| f.severity == Severity::Error));
}
