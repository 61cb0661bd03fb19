use super::*;
use handover_migrate_core::testkit::{object, Cases, Vendor};
use handover_migrate_core::{DraftValue, HandoverNodeType, ManualStepKind, Object, ProviderMigration, VerifyRequest};
use serde_json::{json, Value};

fn vendor() -> Vendor {
    Vendor::same(provider(), KIND)
}

/// The Salesforce example of `cognigy-model.md` §1.5 (API version from the Salesforce
/// provider doc; the base URL without `/chat/rest` as that doc asks).
fn realistic() -> Object {
    object(json!({
        "apiVersion": "52",
        "baseUrl": "https://d.la1-c2-fra.salesforceliveagent.com",
        "organizationId": "00D5g00000ABCDE",
        "deploymentId": "5725g000000ABCD",
        "buttonId": "5735g000000ABCD",
        "forwardOnlyHandoverConversations": true,
        "forwardUnknownEventsToFlow": false
    }))
}

const REQUIRED: [&str; 5] = ["baseUrl", "apiVersion", "organizationId", "deploymentId", "buttonId"];

fn cases() -> Cases {
    let mut verify_complete = realistic();
    verify_complete.shift_remove("forwardOnlyHandoverConversations");
    Cases {
        vendor: vendor(),
        settings: realistic(),
        provider_name: "Salesforce Support",
        required: &REQUIRED,
        rejected: vec![
            ("baseUrl", json!("CANARY.salesforceliveagent.com"), "absolute URL"),
            ("baseUrl", json!(["https://d.la1-c2-fra.salesforceliveagent.com"]), "must be a string"),
            ("apiVersion", json!(52), "must be a string"),
            ("forwardUnknownEventsToFlow", json!("CANARY"), "true or false"),
            ("forwardOnlyHandoverConversations", json!(1), "true or false"),
        ],
        // Salesforce holds IDs only (see `there_are_no_secrets`).
        secrets: &[],
        asked_secrets: &[],
        webhook: &[],
        reminders: &["check.chatApiRetired"],
        verify_complete: Value::Object(verify_complete),
        verify_optional: &[],
        verify_required: &REQUIRED,
    }
}

handover_migrate_core::vendor_cases!(cases);

#[test]
fn manual_steps_are_only_the_retirement_reminder() {
    let steps = vendor().steps("Salesforce Support", vendor().map(realistic()).expect("valid"));
    assert!(steps.iter().all(|s| s.kind.property().is_none()), "no input is ever needed: {steps:?}");
    insta::assert_json_snapshot!(steps);
}

#[test]
fn node_rewrites_keep_the_nodes_own_fields_and_types() {
    let defaults = vendor().map(realistic()).expect("valid").node_defaults;
    assert!(defaults.is_empty(), "the Button ID stays on the provider: {defaults:?}");
    let cases: Vec<Value> = [
        // The node's own Button ID overrides the provider's; JSON fields stored as strings.
        json!({
            "text": "Connecting you to an agent",
            "sendTranscriptAsFirstMessage": true,
            "buttonId": "5735g000000WXYZ",
            "salesforcePrechatEntities": "[]",
            "salesforcePrechatDetails": "[]"
        }),
        // No override: the provider's default Button ID applies; JSON fields stored as arrays.
        json!({
            "sendTranscriptAsFirstMessage": false,
            "buttonId": "",
            "salesforcePrechatEntities": [{"entityName": "Contact", "saveToTranscript": "contactId"}],
            "salesforcePrechatDetails": [{"label": "Email", "value": "{{input.data.email}}", "transcriptFields": ["Email__c"]}]
        }),
    ]
    .into_iter()
    .map(|config| {
        let case = vendor().node_case(config.clone(), HandoverNodeType::HandoverToAgent, &defaults);
        assert_eq!(case["after"], config, "nothing changes");
        case
    })
    .collect();
    insta::assert_json_snapshot!(cases);
}

#[test]
fn unknown_keys_are_errors() {
    let mut s = realistic();
    s.insert("deploymentName".into(), json!("CANARY"));
    let issue = vendor().one_issue(s, "deploymentName");
    assert!(issue.message.contains("unknown key `deploymentName`"), "{}", issue.message);
}

#[test]
fn there_are_no_secrets() {
    // Salesforce holds IDs only: nothing is masked or asked for, and a value that merely
    // looks masked in an ID field is plain data, kept as it is.
    assert!(pair_spec().fields.iter().all(|f| f.class == PropertyClass::Plain));
    let mut s = realistic();
    s.insert("deploymentId".into(), json!("********"));
    let draft = vendor().map(s).expect("valid");
    assert!(draft.properties.iter().all(|p| matches!(p.value, DraftValue::Known(_))));
}

#[test]
fn optional_forward_events_toggle_is_carried_when_set() {
    let draft = vendor().map(realistic()).expect("valid");
    let toggle = draft.properties.iter().find(|p| p.key == "forwardUnknownEventsToFlow").expect("carried");
    assert_eq!(toggle.value, DraftValue::Known(json!(false)));
    let mut s = realistic();
    s.shift_remove("forwardUnknownEventsToFlow");
    assert!(vendor().map(s).expect("valid").properties.iter().all(|p| p.key != "forwardUnknownEventsToFlow"));
}

#[test]
fn info_warns_about_the_retired_api_and_has_no_webhook() {
    let info = provider().info();
    assert_eq!(info.name, "salesforce");
    assert_eq!(info.contract_version, handover_migrate_core::CONTRACT_VERSION);
    let pair = &info.pairs[0];
    assert_eq!(pair.pair, MigrationPair::same("salesforce"));
    assert_eq!(pair.webhook_path, None);
    assert_eq!(pair.warnings.len(), 1);
    assert!(pair.warnings[0].contains("14 Feb 2026") && pair.warnings[0].contains("MIAW"), "{}", pair.warnings[0]);
    assert_eq!(pair.node_fields, NODE_FIELDS);
    assert_eq!(pair.mapping.len(), 7);
    let steps = vendor().steps("Salesforce Support", vendor().map(realistic()).expect("valid"));
    assert!(steps.iter().all(|s| s.kind == ManualStepKind::Reminder && !s.prompt.contains("/handover/")));
}

// ---------------------------------------------------------------- salesforce → salesforceMIAW

fn miaw() -> Vendor {
    vendor().with_pair(MigrationPair::new(KIND, MIAW))
}

const MIAW_MANUAL: [&str; 4] = ["scrtUrl", "esDeveloperName", "capabilitiesVersion", "forwardUnknownEventsToFlow"];

#[test]
fn miaw_carries_only_the_organization_id_and_notes_every_other_key() {
    let draft = miaw().map(realistic()).expect("valid");
    let known: Vec<&str> =
        draft.properties.iter().filter(|p| matches!(p.value, DraftValue::Known(_))).map(|p| p.key.as_str()).collect();
    assert_eq!(known, ["organizationId"]);
    let missing: Vec<&str> =
        draft.properties.iter().filter(|p| p.value == DraftValue::Missing).map(|p| p.key.as_str()).collect();
    assert_eq!(missing, MIAW_MANUAL);
    // Nothing silently dropped: every other legacy key present is named in a note.
    for key in realistic().keys().filter(|k| *k != "organizationId") {
        assert!(draft.notes.iter().any(|n| n.starts_with(&format!("`{key}`"))), "{key}: {:?}", draft.notes);
    }
    insta::assert_json_snapshot!(draft);
}

#[test]
fn miaw_manual_steps_ask_for_each_new_property() {
    let draft = miaw().map(realistic()).expect("valid");
    let steps = miaw().steps("Salesforce MIAW - Webchat Production", draft);
    let inputs: Vec<&str> = steps.iter().filter(|s| s.kind.property().is_some()).map(|s| s.key.as_str()).collect();
    let expected: Vec<String> = MIAW_MANUAL.iter().map(|k| format!("values.{k}")).collect();
    assert_eq!(inputs, expected);
    assert!(steps.iter().all(|s| s.prompt.contains("Salesforce MIAW - Webchat Production")), "{steps:?}");
    insta::assert_json_snapshot!(steps);
}

#[test]
fn miaw_needs_only_the_organization_id_of_the_legacy_settings() {
    let only_org = object(json!({"organizationId": "00D5g00000ABCDE"}));
    assert!(miaw().map(only_org).is_ok());
    let issue = miaw().map(object(json!({"baseUrl": "https://x.example"}))).expect_err("org id is required");
    assert_eq!(issue[0].field, "organizationId");
    let mut bad = realistic();
    bad.insert("baseUrl".into(), json!("not a url"));
    assert_eq!(miaw().map(bad).expect_err("format still checked")[0].field, "baseUrl");
}

#[test]
fn miaw_accepts_every_legacy_key_and_accounts_for_every_node_field() {
    let legacy: Vec<String> = pair_spec().fields.iter().map(|f| f.legacy_key.clone()).collect();
    let switch: Vec<String> = miaw_pair_spec().fields.iter().map(|f| f.legacy_key.clone()).collect();
    assert_eq!(legacy, switch, "a legacy key MIAW does not know would be refused as unknown");
    let spec = miaw_pair_spec();
    for field in NODE_FIELDS {
        let ruled = spec.node_rules.iter().any(|r| r.field == *field);
        assert!(ruled || spec.node_fields.iter().any(|f| f == field), "{field} is neither carried nor ruled");
    }
}

#[test]
fn miaw_node_rewrites_list_fields_without_counterpart_and_routing_for_a_person() {
    let cases: Vec<Value> = [
        json!({
            "text": "Connecting you to an agent",
            "sendTranscriptAsFirstMessage": true,
            "buttonId": "5735g000000WXYZ",
            "salesforcePrechatEntities": "[]",
            "salesforcePrechatDetails": [{"label": "Email", "value": "{{input.data.email}}"}]
        }),
        json!({"sendTranscriptAsFirstMessage": false, "buttonId": "", "salesforcePrechatDetails": ""}),
    ]
    .into_iter()
    .map(|config| {
        let rewrite = miaw().rewrite(&config, HandoverNodeType::HandoverToAgent, &Object::new());
        assert!(rewrite.set.is_empty(), "nothing is written besides the selector");
        assert_eq!(rewrite.needs_person.len(), 1, "routing attributes on every node");
        json!({"config": config, "rewrite": rewrite})
    })
    .collect();
    assert_eq!(cases[1]["rewrite"]["no_counterpart"], json!([]), "unset fields are not listed");
    insta::assert_json_snapshot!(cases);
}

#[test]
fn miaw_verify_checks_the_manual_properties() {
    let request = |properties: Value| VerifyRequest {
        pair: miaw().pair().clone(),
        provider_name: "MIAW".into(),
        properties: object(properties),
    };
    let complete = json!({"organizationId": "00D", "scrtUrl": "https://acme.my.salesforce-scrt.com",
                          "esDeveloperName": "Acme_Web", "capabilitiesVersion": "1", "forwardUnknownEventsToFlow": false});
    assert!(provider().verify(&request(complete.clone())).is_empty());
    let mut missing = complete.clone();
    missing.as_object_mut().unwrap().shift_remove("esDeveloperName");
    let findings = provider().verify(&request(missing));
    assert!(findings.len() == 1 && findings[0].message.contains("required property `esDeveloperName`"), "{findings:?}");
    let mut bad = complete;
    bad["scrtUrl"] = json!("acme.my.salesforce-scrt.com");
    bad["forwardUnknownEventsToFlow"] = json!("yes");
    let findings = provider().verify(&request(bad));
    assert_eq!(findings.len(), 2, "{findings:?}");
}

#[test]
fn miaw_retarget_from_a_salesforce_provider_uses_the_rules() {
    let request = |source: &str| handover_migrate_core::RetargetNodeRequest {
        pair: miaw().pair().clone(),
        source_service: source.into(),
        source_node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_type: HandoverNodeType::HandoverToAgent,
        config: object(json!({"buttonId": "573", "sendTranscriptAsFirstMessage": true})),
    };
    let from_salesforce = provider().retarget_node(&request(KIND)).expect("retarget");
    assert_eq!(from_salesforce.no_counterpart[0].field, "buttonId");
    assert_eq!(from_salesforce.needs_person[0].field, "Conversation Routing Attributes");
    // From another service: fields compared by key (MIAW reads the transcript toggle).
    let from_other = provider().retarget_node(&request("somethingElse")).expect("retarget");
    let fields: Vec<&str> = from_other.no_counterpart.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["buttonId"]);
}

#[test]
fn info_declares_both_pairs_with_manual_rows() {
    let info = provider().info();
    let pairs: Vec<String> = info.pairs.iter().map(|p| p.pair.to_string()).collect();
    assert_eq!(pairs, ["salesforce → salesforce", "salesforce → salesforceMIAW"]);
    let miaw = &info.pairs[1];
    let manual: Vec<&str> = miaw
        .mapping
        .iter()
        .filter(|row| row.legacy_key.is_empty())
        .map(|row| match &row.destination {
            Destination::Property(key) => key.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(manual, MIAW_MANUAL);
    assert_eq!(miaw.node_types, [HandoverNodeType::HandoverToAgent]);
}
