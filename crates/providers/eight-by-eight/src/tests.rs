use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{HandoverNodeType, Object, ProviderMigration, VerifyRequest};
use serde_json::json;

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

fn cases() -> Cases {
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "8x8 Support",
        required: &["baseUrl", "apiTenant"],
        rejected: vec![
            ("baseUrl", json!("CANARY.8x8.com/chat-gateway/v1"), "absolute URL"),
            ("baseUrl", json!(true), "must be a string"),
            ("apiTenant", json!(format!("CANARY{}", "t".repeat(250))), "at most 255 characters"),
            ("apiTenant", json!(42), "must be a string"),
            ("forwardOnlyHandoverConversations", json!("CANARY"), "true or false"),
        ],
        secrets: &["apiKey"],
        asked_secrets: &["apiKey"],
        webhook: &["/handover/eightByEight"],
        reminders: &[],
        verify_complete: json!({"baseUrl": "https://api.8x8.com/chat-gateway/v1", "apiKey": "k", "apiTenant": "acme"}),
        verify_optional: &[],
        verify_required: &["baseUrl", "apiKey", "apiTenant"],
    }
}

handover_migrate_core::vendor_cases!(cases);

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
fn manual_steps_for_a_masked_api_key() {
    let mut s = realistic();
    s.insert("apiKey".into(), json!("********"));
    let steps = vendor().steps("8x8 Support", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
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
fn verify_checks_the_tenant_length() {
    let long_tenant = provider().verify(&VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "8x8 Support".into(),
        properties: object(
            json!({"baseUrl": "https://api.8x8.com/chat-gateway/v1", "apiKey": "k", "apiTenant": "t".repeat(256)}),
        ),
    });
    assert!(long_tenant[0].message.contains("255"));
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
