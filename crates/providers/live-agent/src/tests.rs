use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{Object, ProviderMigration, VerifyRequest};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

fn cases() -> Cases {
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "LA",
        required: &["baseUrl", "accountId"],
        rejected: vec![
            ("baseUrl", json!("liveagent.example.com/api/v1"), "absolute URL"),
            ("baseUrl", json!(5), "must be a string"),
            ("usePlatformToken", json!("yes"), "true or false"),
            ("accountId", json!(2), "must be a string"),
        ],
        secrets: &["apiKey"],
        asked_secrets: &["apiKey"],
        webhook: &["/handover/liveagent"],
        reminders: &["check.preconfiguredAccount"],
        verify_complete: json!({"usePlatformToken": false, "baseUrl": "https://x.example/api/v1", "accountId": "2", "apiKey": "k"}),
        verify_optional: &[],
        verify_required: &["baseUrl", "accountId", "apiKey"],
    }
}

handover_migrate_core::vendor_cases!(cases);

fn realistic() -> Object {
    object(json!({
        "usePlatformToken": false,
        "baseUrl": "https://liveagent-trial.cognigy.ai/api/v1",
        "accountId": "2",
        "apiKey": "CANARY-la-secret",
        "liveAgentInboxId": "32852",
        "forwardOnlyHandoverConversations": true
    }))
}

#[test]
fn platform_token_lifts_the_requirements() {
    let draft = vendor()
        .map(object(json!({"usePlatformToken": true, "forwardOnlyHandoverConversations": true})))
        .expect("pre-configured account needs no URL or key");
    assert!(draft.properties.iter().all(|p| p.key == "usePlatformToken"), "{draft:?}");
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("chatwootInboxId".into(), json!("1"));
    let issues = vendor().map(s).expect_err("unknown key");
    assert_eq!(issues[0].field, "chatwootInboxId");
}

#[test]
fn empty_inbox_is_filled_from_the_endpoint_default_and_overrides_are_kept() {
    let draft = vendor().map(realistic()).expect("valid");
    let rewrite = |config: Value, node_type| vendor().rewrite(&config, node_type, &draft.node_defaults);
    let filled =
        rewrite(json!({"liveAgentInboxId": "", "liveAgentSkills": ["billing"]}), HandoverNodeType::HandoverToAgent);
    assert_eq!(filled.set.get("liveAgentInboxId"), Some(&json!("32852")));
    assert_eq!(filled.set.len(), 1);
    let absent = rewrite(json!({}), HandoverNodeType::CheckAgentAvailability);
    assert_eq!(absent.set.get("liveAgentInboxId"), Some(&json!("32852")));
    let own = rewrite(json!({"liveAgentInboxId": "40001"}), HandoverNodeType::HandoverToAgent);
    assert!(own.set.is_empty());
}

#[test]
fn verify_names_masked_secrets_and_a_pre_configured_account_needs_nothing() {
    let request = |properties: Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "LA".into(),
        properties: object(properties),
    };
    let masked =
        provider().verify(&request(json!({"baseUrl": "https://x.example/api/v1", "accountId": "2", "apiKey": "****"})));
    assert!(masked[0].message.contains("masked"));
    assert!(provider().verify(&request(json!({"usePlatformToken": true}))).is_empty());
}

#[test]
fn info_lists_the_pair_and_webhook() {
    let info = provider().info();
    assert_eq!(info.pairs.len(), 1);
    assert_eq!(info.pairs[0].pair, MigrationPair::same("liveAgent"));
    assert_eq!(info.pairs[0].webhook_path.as_deref(), Some("/handover/liveagent"));
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
}
