use super::*;
use handover_migrate_core::testkit::{object, Vendor};
use handover_migrate_core::{DraftValue, HandoverNodeType, ManualStepKind, Object, Severity};
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

#[test]
fn maps_realistic_settings() {
    let draft = vendor().map(realistic()).expect("valid");
    insta::assert_json_snapshot!(draft);
}

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
fn clear_text_secrets_leave_only_the_webhook_confirmation() {
    let steps = vendor().steps("Engage Support", vendor().map(realistic()).expect("valid"));
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].key, "confirm.webhook");
    assert_eq!(steps[0].kind, ManualStepKind::Confirm);
    for expected in ["/handover/rce", "Source Base URI", "Webhook URL", "Webhook Verification Token"] {
        assert!(steps[0].prompt.contains(expected), "{expected}: {}", steps[0].prompt);
    }
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
fn each_required_field_is_named_when_missing() {
    vendor().assert_required(
        &realistic(),
        &["forwardOnlyHandoverConversations", "botCategoryId", "agentCategoryId", "realtimeEndpointUrl", "baseApiUrl"],
    );
}

#[test]
fn optional_queue_updates_may_be_absent() {
    let mut s = realistic();
    s.shift_remove("getQueueUpdates");
    let draft = vendor().map(s).expect("valid");
    assert!(draft.properties.iter().all(|p| p.key != "getQueueUpdates"));
}

#[test]
fn format_rules_name_the_field() {
    let cases = [
        ("realtimeEndpointUrl", json!("ftp://CANARY.engagement.dimelo.com/realtime"), "absolute URL"),
        ("baseApiUrl", json!(443), "must be a string"),
        ("forwardOnlyHandoverConversations", json!("true"), "true or false"),
        ("getQueueUpdates", json!("CANARY"), "true or false"),
        ("botCategoryId", json!(5), "must be a string"),
    ];
    for issue in vendor().assert_rejected(&realistic(), &cases) {
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
fn missing_secrets_become_manual_steps_not_errors() {
    for key in SECRETS {
        let mut s = realistic();
        s.shift_remove(key);
        let draft = vendor().map(s).expect("missing secret is asked for");
        assert_eq!(draft.properties.iter().find(|p| p.key == key).map(|p| &p.value), Some(&DraftValue::Missing));
        let steps = vendor().steps("Engage Support", draft);
        assert!(
            steps.iter().any(|s| s.key == format!("secrets.{key}") && s.kind == ManualStepKind::Secret(key.into())),
            "{steps:?}"
        );
    }
}

#[test]
fn verify_requires_every_required_property() {
    let request = |properties: &Value| VerifyRequest {
        pair: MigrationPair::same(KIND),
        provider_name: "Engage Support".into(),
        properties: object(properties.clone()),
    };
    let mut complete = Value::Object(realistic());
    assert!(provider().verify(&request(&complete)).is_empty());
    complete.as_object_mut().expect("object").shift_remove("getQueueUpdates");
    assert!(provider().verify(&request(&complete)).is_empty(), "getQueueUpdates is optional");
    for key in ["forwardOnlyHandoverConversations", "botCategoryId", "baseApiUrl", "webhookSecret"] {
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
