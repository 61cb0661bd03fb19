use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{DraftValue, HandoverNodeType, Object};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

/// The RCE example of `cognigy-model.md` §1.5, with the elided IDs filled in.
fn realistic() -> Object {
    object(json!({
        "forwardOnlyHandoverConversations": true,
        "getQueueUpdates": false,
        "apiAccessToken": "CANARY-rce-api-access-token",
        "baseApiUrl": "https://acme.api.engagement.dimelo.com/1.0",
        "realtimeAccessToken": "CANARY-rce-realtime-token",
        "realtimeEndpointUrl": "https://acme.engagement.dimelo.com/realtime/5f0c2b7e9d1a4c0012345678",
        "webhookSecret": "CANARY-rce-webhook-secret",
        "botCategoryId": "5f1a2b3c4d5e6f7a8b9c0d1e",
        "agentCategoryId": "5f2b3c4d5e6f7a8b9c0d1e2f"
    }))
}

const SECRETS: [&str; 3] = ["apiAccessToken", "realtimeAccessToken", "webhookSecret"];

fn cases() -> Cases {
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "Engage Support",
        required: &[
            "forwardOnlyHandoverConversations",
            "botCategoryId",
            "agentCategoryId",
            "realtimeEndpointUrl",
            "baseApiUrl",
        ],
        rejected: vec![
            ("realtimeEndpointUrl", json!("ftp://CANARY.engagement.dimelo.com/realtime"), "absolute URL"),
            ("baseApiUrl", json!(443), "must be a string"),
            ("forwardOnlyHandoverConversations", json!("true"), "true or false"),
            ("getQueueUpdates", json!("CANARY"), "true or false"),
            ("botCategoryId", json!(5), "must be a string"),
        ],
        secrets: &SECRETS,
        asked_secrets: &SECRETS,
        webhook: &["/handover/rce", "Source Base URI", "Webhook URL", "Webhook Verification Token"],
        reminders: &[],
        verify_complete: Value::Object(realistic()),
        verify_optional: &["getQueueUpdates"],
        verify_required: &["forwardOnlyHandoverConversations", "botCategoryId", "baseApiUrl", "webhookSecret"],
    }
}

handover_migrate_core::vendor_cases!(cases);

#[test]
fn manual_steps_for_masked_and_missing_secrets() {
    let mut s = realistic();
    s.insert("apiAccessToken".into(), json!("********"));
    s.insert("realtimeAccessToken".into(), json!("<secret>"));
    s.shift_remove("webhookSecret");
    let steps = vendor().steps("Engage Support", vendor().map(s).expect("valid"));
    insta::assert_json_snapshot!(steps);
}

#[test]
fn node_rewrites_keep_the_nodes_own_fields() {
    let defaults = vendor().map(realistic()).expect("valid").node_defaults;
    assert!(defaults.is_empty());
    let config = json!({
        "text": "Connecting you to an agent",
        "additionalCategoryIds": ["5f3c4d5e6f7a8b9c0d1e2f30"],
        "sendResolveEvent": true
    });
    let case = vendor().node_case(config, HandoverNodeType::HandoverToAgent, &defaults);
    insta::assert_json_snapshot!(case);
}

#[test]
fn forward_only_is_a_real_toggle() {
    let mut s = realistic();
    s.insert("forwardOnlyHandoverConversations".into(), json!(false));
    let draft = vendor().map(s).expect("valid");
    let toggle = draft.properties.iter().find(|p| p.key == "forwardOnlyHandoverConversations").expect("carried");
    assert_eq!(toggle.value, DraftValue::Known(json!(false)));
    assert!(draft.notes.is_empty(), "{:?}", draft.notes);
}

#[test]
fn optional_queue_updates_may_be_absent() {
    let mut s = realistic();
    s.shift_remove("getQueueUpdates");
    let draft = vendor().map(s).expect("valid");
    assert!(draft.properties.iter().all(|p| p.key != "getQueueUpdates"));
}

#[test]
fn a_wrong_format_is_not_told_to_add_https() {
    for issue in vendor().assert_rejected(&realistic(), &cases().rejected) {
        assert!(!issue.message.contains("put https://"), "{}", issue.message);
    }
}

#[test]
fn a_url_without_scheme_is_an_error_that_says_to_add_https() {
    for key in URL_FIELDS {
        let mut s = realistic();
        s.insert(key.to_string(), json!("CANARY.api.engagement.dimelo.com"));
        let issue = vendor().one_issue(s, key);
        assert!(issue.message.contains(&format!("`{key}`")), "{}", issue.message);
        assert!(issue.message.contains("absolute URL"), "{}", issue.message);
        assert!(issue.message.contains("put https:// in front"), "{}", issue.message);
    }
    // With a path too, and never rewritten into the draft.
    let mut s = realistic();
    s.insert("baseApiUrl".into(), json!("cognigy.api.engagement.dimelo.com/1.0"));
    assert!(vendor().one_issue(s, "baseApiUrl").message.contains("put https:// in front"));
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("apiKey".into(), json!("CANARY-x"));
    let issue = vendor().one_issue(s, "apiKey");
    assert!(issue.message.contains("unknown key `apiKey`"), "{}", issue.message);
}

#[test]
fn info_lists_the_pair_webhook_and_node_fields() {
    let info = provider().info();
    assert_eq!(info.name, "rce");
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
    let pair = &info.pairs[0];
    assert_eq!(pair.pair, MigrationPair::same("rce"));
    assert_eq!(pair.webhook_path.as_deref(), Some("/handover/rce"));
    assert_eq!(pair.node_fields, vec!["additionalCategoryIds"]);
    assert_eq!(pair.mapping.len(), 9);
    assert!(pair
        .mapping
        .iter()
        .all(|row| row.destination == handover_migrate_core::Destination::Property(row.legacy_key.clone())));
}
