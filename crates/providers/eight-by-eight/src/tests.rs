use super::*;
use handover_migrate_core::testkit::{object, Vendor};
use handover_migrate_core::{
    DraftValue, HandoverNodeType, ManualStepKind, Object, ProviderMigration, Severity, VerifyRequest,
};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

/// The 8x8 example of `cognigy-model.md` §1.5, with the elided URL path filled in.
fn realistic() -> Object {
    object(json!({
        "baseUrl": "https://api.8x8.com/chat-gateway/v1",
        "apiKey": "CANARY-8x8-api-key",
        "apiTenant": "acme",
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
    let steps = vendor().steps("8x8 Support", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn clear_text_secrets_leave_only_the_webhook_confirmation() {
    let steps = vendor().steps("8x8 Support", vendor().map(realistic()).expect("valid"));
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].key, "confirm.webhook");
    assert_eq!(steps[0].kind, ManualStepKind::Confirm);
    assert!(steps[0].prompt.contains("/handover/eightByEight"), "{}", steps[0].prompt);
}

#[test]
fn node_rewrites_keep_the_nodes_own_fields_and_types() {
    let defaults = vendor().map(realistic()).expect("valid").node_defaults;
    assert!(defaults.is_empty());
    let config = json!({
        "text": "Connecting you to an agent",
        "eightByEightChannelId": "webchat-channel-01",
        "eightByEightQueueId": "1024",
        "eightByEightJSONProps": {
            "name": "{{input.data.name}}", "userId": null, "email": "{{input.data.email}}", "phone": null,
            "company": null, "caseId": null, "language": "en",
            "additionalProperties": [{"key": "Key name", "value": "Value from Cognigy"}]
        }
    });
    let case = vendor().node_case(config.clone(), HandoverNodeType::HandoverToAgent, &defaults);
    assert_eq!(case["after"], config, "nothing changes");
    insta::assert_json_snapshot!(case);
}

#[test]
fn each_required_field_is_named_when_missing() {
    vendor().assert_required(&realistic(), &["baseUrl", "apiTenant"]);
}

#[test]
fn format_rules_name_the_field() {
    let cases = [
        ("baseUrl", json!("CANARY.8x8.com/chat-gateway/v1"), "absolute URL"),
        ("baseUrl", json!(true), "must be a string"),
        ("apiTenant", json!(format!("CANARY{}", "t".repeat(250))), "at most 255 characters"),
        ("apiTenant", json!(42), "must be a string"),
        ("forwardOnlyHandoverConversations", json!("CANARY"), "true or false"),
    ];
    vendor().assert_rejected(&realistic(), &cases);
}

#[test]
fn a_tenant_of_exactly_255_characters_is_fine() {
    let mut s = realistic();
    // Counted in characters, not bytes.
    s.insert("apiTenant".into(), json!("ä".repeat(255)));
    let draft = vendor().map(s).expect("255 characters are allowed");
    assert!(draft.properties.iter().any(|p| p.key == "apiTenant"));
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("accountId".into(), json!("CANARY"));
    let issue = vendor().one_issue(s, "accountId");
    assert!(issue.message.contains("unknown key `accountId`"), "{}", issue.message);
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
    let steps = vendor().steps("8x8 Support", draft);
    assert!(steps.iter().any(|s| s.key == "secrets.apiKey" && s.kind == ManualStepKind::Secret("apiKey".into())));
}

#[test]
fn verify_requires_every_property() {
    let request = |properties: &Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "8x8 Support".into(),
        properties: object(properties.clone()),
    };
    let complete = json!({"baseUrl": "https://api.8x8.com/chat-gateway/v1", "apiKey": "k", "apiTenant": "acme"});
    assert!(provider().verify(&request(&complete)).is_empty());
    for key in ["baseUrl", "apiKey", "apiTenant"] {
        let mut properties = complete.clone();
        properties.as_object_mut().expect("object").shift_remove(key);
        let findings = provider().verify(&request(&properties));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].message.contains(key), "{}", findings[0].message);
    }
    let mut long_tenant = complete.clone();
    long_tenant["apiTenant"] = json!("t".repeat(256));
    assert!(provider().verify(&request(&long_tenant))[0].message.contains("255"));
}

#[test]
fn info_lists_the_pair_webhook_and_node_fields() {
    let info = provider().info();
    assert_eq!(info.name, "eight-by-eight");
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
    let pair = &info.pairs[0];
    assert_eq!(pair.pair, MigrationPair::same("eightByEight"));
    assert_eq!(pair.webhook_path.as_deref(), Some("/handover/eightByEight"));
    assert!(pair.warnings.is_empty());
    assert_eq!(pair.node_fields, NODE_FIELDS);
    assert_eq!(pair.mapping.len(), 4);
}
