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
