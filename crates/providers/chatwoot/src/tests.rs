use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{Object, ProviderMigration, VerifyRequest};
use serde_json::json;

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

fn cases() -> Cases {
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "Chatwoot Support",
        required: &["baseUrl", "accountId"],
        rejected: vec![
            ("baseUrl", json!("  "), "missing"),
            ("accountId", json!("  "), "missing"),
            ("baseUrl", json!("CANARY.chatwoot.example/api/v1"), "absolute URL"),
            ("baseUrl", json!(5), "must be a string"),
            ("accountId", json!(6607), "must be a string"),
            ("chatwootInboxId", json!(5446), "must be a string"),
            ("forwardOnlyHandoverConversations", json!("CANARY"), "true or false"),
        ],
        secrets: &["apiKey"],
        asked_secrets: &["apiKey"],
        webhook: &["/handover/chatwoot"],
        reminders: &[],
        verify_complete: json!({"baseUrl": "https://app.chatwoot.com/api/v1", "accountId": "6607", "apiKey": "k"}),
        verify_optional: &[],
        verify_required: &["baseUrl", "accountId", "apiKey"],
    }
}

handover_migrate_core::vendor_cases!(cases);

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
fn manual_steps_for_a_masked_api_key() {
    let mut s = realistic();
    s.insert("apiKey".into(), json!("********"));
    let steps = vendor().steps("Chatwoot Support", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
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
fn verify_names_a_masked_api_key() {
    let masked = provider().verify(&VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "Chatwoot Support".into(),
        properties: object(
            json!({"baseUrl": "https://app.chatwoot.com/api/v1", "accountId": "6607", "apiKey": "****"}),
        ),
    });
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
