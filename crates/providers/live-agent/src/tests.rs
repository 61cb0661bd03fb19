use super::*;
use handover_migrate_core::testkit::{object, Vendor};
use handover_migrate_core::{DraftValue, ManualStepKind, Object, ProviderMigration, Severity, VerifyRequest};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

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
fn maps_realistic_settings() {
    let draft = vendor().map(realistic()).expect("valid");
    insta::assert_json_snapshot!(draft);
}

#[test]
fn each_required_field_is_named_when_missing() {
    let required = ["baseUrl", "accountId"];
    vendor().assert_required(&realistic(), &required);
}

#[test]
fn missing_secret_becomes_a_manual_step_not_an_error() {
    let mut s = realistic();
    s.shift_remove("apiKey");
    let draft = vendor().map(s).expect("missing secret is asked for");
    let api_key = draft.properties.iter().find(|p| p.key == "apiKey").expect("apiKey");
    assert_eq!(api_key.value, DraftValue::Missing);
    let steps = vendor().steps("LA", draft);
    assert!(steps.iter().any(|s| s.key == "secrets.apiKey" && s.kind == ManualStepKind::Secret("apiKey".into())));
}

#[test]
fn masked_secret_is_never_kept() {
    let mut s = realistic();
    s.insert("apiKey".into(), json!("********"));
    let draft = vendor().map(s).expect("valid");
    assert_eq!(draft.properties.iter().find(|p| p.key == "apiKey").map(|p| &p.value), Some(&DraftValue::Masked));
}

#[test]
fn platform_token_lifts_the_requirements() {
    let draft = vendor()
        .map(object(json!({"usePlatformToken": true, "forwardOnlyHandoverConversations": true})))
        .expect("pre-configured account needs no URL or key");
    assert!(draft.properties.iter().all(|p| p.key == "usePlatformToken"), "{draft:?}");
}

#[test]
fn format_rules_name_the_field() {
    let cases = [
        ("baseUrl", json!("liveagent.example.com/api/v1"), "absolute URL"),
        ("baseUrl", json!(5), "must be a string"),
        ("usePlatformToken", json!("yes"), "true or false"),
        ("accountId", json!(2), "must be a string"),
    ];
    vendor().assert_rejected(&realistic(), &cases);
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
fn verify_requires_properties_unless_pre_configured() {
    let request = |properties: Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "LA".into(),
        properties: object(properties),
    };
    let ok = provider().verify(&request(
        json!({"usePlatformToken": false, "baseUrl": "https://x.example/api/v1", "accountId": "2", "apiKey": "k"}),
    ));
    assert!(ok.is_empty(), "{ok:?}");
    let missing = provider()
        .verify(&request(json!({"usePlatformToken": false, "baseUrl": "https://x.example/api/v1", "accountId": "2"})));
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].severity, Severity::Error);
    assert!(missing[0].message.contains("apiKey"));
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
