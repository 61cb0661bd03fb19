//! Helpers for providers' unit tests (cargo feature `testkit`): call a hook for one pair
//! with JSON literals. Every vendor crate's tests use them.

use serde_json::Value;

use crate::{
    HandoverNodeType, ManualStep, ManualStepsRequest, MapSettingsRequest, MigrationPair, NodeRewrite,
    NodeRewriteRequest, Object, ProviderDraft, ProviderMigration, SettingsIssue,
};

/// A JSON object literal as an [`Object`].
pub fn object(value: Value) -> Object {
    match value {
        Value::Object(object) => object,
        other => panic!("expected a JSON object, got {other}"),
    }
}

/// `map_settings` for an endpoint named "Webchat Production".
pub fn map(
    provider: &dyn ProviderMigration,
    pair: MigrationPair,
    settings: Object,
) -> Result<ProviderDraft, Vec<SettingsIssue>> {
    provider.map_settings(&MapSettingsRequest { pair, endpoint: "Webchat Production".into(), settings })
}

/// `manual_steps` for a provider named `provider_name`.
pub fn steps(
    provider: &dyn ProviderMigration,
    pair: MigrationPair,
    provider_name: &str,
    draft: ProviderDraft,
) -> Vec<ManualStep> {
    provider.manual_steps(&ManualStepsRequest { pair, provider_name: provider_name.into(), draft })
}

/// Settings that must fail with exactly one issue, on `key`, whose message quotes no canary secret.
pub fn one_issue(provider: &dyn ProviderMigration, pair: MigrationPair, settings: Object, key: &str) -> SettingsIssue {
    let issues = map(provider, pair, settings).expect_err(key);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].field, key);
    assert!(!issues[0].message.contains("CANARY"), "a secret in a message: {}", issues[0].message);
    issues[0].clone()
}

/// `rewrite_node` for one node config.
pub fn rewrite(
    provider: &dyn ProviderMigration,
    pair: MigrationPair,
    node_type: HandoverNodeType,
    config: &Value,
    endpoint_defaults: &Object,
) -> NodeRewrite {
    provider
        .rewrite_node(&NodeRewriteRequest {
            pair,
            node_type,
            config: object(config.clone()),
            endpoint_defaults: endpoint_defaults.clone(),
        })
        .expect("rewrite")
}

/// A snapshot case: the node config, the rewrite, and the config once the rewrite is applied
/// (`after`).
pub fn node_case(
    provider: &dyn ProviderMigration,
    pair: MigrationPair,
    node_type: HandoverNodeType,
    config: Value,
    endpoint_defaults: &Object,
) -> Value {
    let rewrite = rewrite(provider, pair, node_type, &config, endpoint_defaults);
    let mut after = object(config.clone());
    after.extend(rewrite.set.clone());
    serde_json::json!({"node_type": node_type, "config": config, "rewrite": rewrite, "after": after})
}

/// Removing each of `keys` from `settings` fails with exactly one issue, on that key, saying
/// it is missing (see [`one_issue`]).
pub fn assert_required(provider: &dyn ProviderMigration, pair: &MigrationPair, settings: &Object, keys: &[&str]) {
    for key in keys {
        let mut without = settings.clone();
        without.shift_remove(*key);
        let issue = one_issue(provider, pair.clone(), without, key);
        assert!(issue.message.contains("missing"), "{key}: {}", issue.message);
    }
}

/// Each `(key, value, expected)`: `settings` with `key` set to `value` fails with exactly one
/// issue, on that key, whose message contains `expected` (see [`one_issue`]). Returns the
/// issues, for a vendor's own further checks.
pub fn assert_rejected(
    provider: &dyn ProviderMigration,
    pair: &MigrationPair,
    settings: &Object,
    cases: &[(&str, Value, &str)],
) -> Vec<SettingsIssue> {
    cases
        .iter()
        .map(|(key, value, expected)| {
            let mut with = settings.clone();
            with.insert((*key).to_string(), value.clone());
            let issue = one_issue(provider, pair.clone(), with, key);
            assert!(issue.message.contains(expected), "{key}: {}", issue.message);
            issue
        })
        .collect()
}
