use super::*;
use handover_migrate_core::testkit::{object, Vendor};
use handover_migrate_core::{DraftValue, ManualStepKind, Object, ProviderMigration, Severity, VerifyRequest};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

/// The Chatwoot example of `cognigy-model.md` §1.5 (IDs from the Chatwoot provider doc).
fn realistic() -> Object {
    object(json!({
        "baseUrl": "https://app.chatwoot.com/api/v1",
        "accountId": "6607",
        "apiKey": "CANARY-cw-api-key",
        "chatwootInboxId": "5446",
        "forwardOnlyHandoverConversations": true
    }))
}

#[test]
fn maps_realistic_settings() {
    let draft = vendor().map(realistic()).expect("valid");
    insta::assert_json_snapshot!(draft);
}

#[test]
fn manual_steps_for_a_masked_api_key() {
    let mut s = realistic();
    s.insert("apiKey".into(), json!("********"));
    let steps = vendor().steps("Chatwoot Support", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn clear_text_secrets_leave_only_the_webhook_confirmation() {
    let steps = vendor().steps("Chatwoot Support", vendor().map(realistic()).expect("valid"));
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].key, "confirm.webhook");
    assert_eq!(steps[0].kind, ManualStepKind::Confirm);
    assert!(steps[0].prompt.contains("/handover/chatwoot"), "{}", steps[0].prompt);
}

#[test]
fn node_rewrites() {
    let defaults = vendor().map(realistic()).expect("valid").node_defaults;
    let cases = vec![
        vendor().node_case(
            json!({"text": "Connecting you to an agent", "chatwootInboxId": "", "sendResolveEvent": true}),
            HandoverNodeType::HandoverToAgent,
            &defaults,
        ),
        vendor().node_case(
            json!({"chatwootInboxId": "7001", "storeLocation": "input", "inputKey": "availableAgents"}),
            HandoverNodeType::CheckAgentAvailability,
            &defaults,
        ),
        vendor().node_case(json!({"storeLocation": "context"}), HandoverNodeType::CheckAgentAvailability, &defaults),
    ];
    insta::assert_json_snapshot!(cases);
}

#[test]
fn node_fill_needs_an_endpoint_default() {
    let mut s = realistic();
    s.shift_remove("chatwootInboxId");
    let defaults = vendor().map(s).expect("valid").node_defaults;
    assert!(defaults.is_empty());
    let rewrite = vendor().rewrite(&json!({"chatwootInboxId": ""}), HandoverNodeType::HandoverToAgent, &defaults);
    assert!(rewrite.set.is_empty(), "{rewrite:?}");
}

#[test]
fn each_required_field_is_named_when_missing() {
    let required = ["baseUrl", "accountId"];
    vendor().assert_required(&realistic(), &required);
    let blank = required.map(|key| (key, json!("  "), "missing"));
    vendor().assert_rejected(&realistic(), &blank);
}

#[test]
fn format_rules_name_the_field() {
    let cases = [
        ("baseUrl", json!("CANARY.chatwoot.example/api/v1"), "absolute URL"),
        ("baseUrl", json!(5), "must be a string"),
        ("accountId", json!(6607), "must be a string"),
        ("chatwootInboxId", json!(5446), "must be a string"),
        ("forwardOnlyHandoverConversations", json!("CANARY"), "true or false"),
    ];
    vendor().assert_rejected(&realistic(), &cases);
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("liveAgentInboxId".into(), json!("32852"));
    let issues = vendor().map(s).expect_err("unknown key");
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].field, "liveAgentInboxId");
    assert!(issues[0].message.contains("liveAgentInboxId"));
    assert!(!issues[0].message.contains("CANARY"));
}

#[test]
fn masked_secret_is_never_kept() {
    let mut s = realistic();
    s.insert("apiKey".into(), json!("********"));
    let draft = vendor().map(s).expect("valid");
    assert_eq!(draft.properties.iter().find(|p| p.key == "apiKey").map(|p| &p.value), Some(&DraftValue::Masked));
}

#[test]
fn missing_secret_becomes_a_manual_step_not_an_error() {
    let mut s = realistic();
    s.shift_remove("apiKey");
    let draft = vendor().map(s).expect("missing secret is asked for");
    let api_key = draft.properties.iter().find(|p| p.key == "apiKey").expect("apiKey");
    assert_eq!(api_key.value, DraftValue::Missing);
    assert_eq!(api_key.class, PropertyClass::Secret);
    let steps = vendor().steps("Chatwoot Support", draft);
    assert!(steps.iter().any(|s| s.key == "secrets.apiKey" && s.kind == ManualStepKind::Secret("apiKey".into())));
}

#[test]
fn verify_requires_every_property() {
    let request = |properties: Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "Chatwoot Support".into(),
        properties: object(properties),
    };
    let complete = json!({"baseUrl": "https://app.chatwoot.com/api/v1", "accountId": "6607", "apiKey": "k"});
    assert!(provider().verify(&request(complete.clone())).is_empty());
    for key in ["baseUrl", "accountId", "apiKey"] {
        let mut properties = complete.clone();
        properties.as_object_mut().expect("object").shift_remove(key);
        let findings = provider().verify(&request(properties));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].message.contains(key), "{}", findings[0].message);
    }
    let masked = provider()
        .verify(&request(json!({"baseUrl": "https://app.chatwoot.com/api/v1", "accountId": "6607", "apiKey": "****"})));
    assert!(masked[0].message.contains("masked"));
}

#[test]
fn info_lists_the_pair_webhook_and_node_fields() {
    let info = provider().info();
    assert_eq!(info.name, "chatwoot");
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
    assert_eq!(info.pairs.len(), 1);
    let pair = &info.pairs[0];
    assert_eq!(pair.pair, MigrationPair::same("chatwoot"));
    assert_eq!(pair.webhook_path.as_deref(), Some("/handover/chatwoot"));
    assert!(pair.warnings.is_empty());
    assert_eq!(pair.node_fields, vec!["chatwootInboxId"]);
    assert_eq!(pair.mapping.len(), 5);
}
