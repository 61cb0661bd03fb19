//! Helpers for providers' unit tests (cargo feature `testkit`): a [`Vendor`] handle calls a
//! provider's hooks for one pair with JSON literals. Every vendor crate's tests use it.

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

/// A provider under test and the pair its hooks are called for.
pub struct Vendor {
    provider: Box<dyn ProviderMigration>,
    pair: MigrationPair,
}

impl Vendor {
    /// `provider` migrating `pair`.
    pub fn new(provider: impl ProviderMigration + 'static, pair: MigrationPair) -> Vendor {
        Vendor { provider: Box::new(provider), pair }
    }

    /// `provider` migrating `kind` to the same service.
    pub fn same(provider: impl ProviderMigration + 'static, kind: &str) -> Vendor {
        Vendor::new(provider, MigrationPair::same(kind))
    }

    /// The same provider for another of its pairs (a vendor switch).
    pub fn with_pair(self, pair: MigrationPair) -> Vendor {
        Vendor { pair, ..self }
    }

    /// The pair the hooks are called for.
    pub fn pair(&self) -> &MigrationPair {
        &self.pair
    }

    /// `map_settings` for an endpoint named "Webchat Production".
    pub fn map(&self, settings: Object) -> Result<ProviderDraft, Vec<SettingsIssue>> {
        self.provider.map_settings(&MapSettingsRequest {
            pair: self.pair.clone(),
            endpoint: "Webchat Production".into(),
            settings,
        })
    }

    /// `manual_steps` for a provider named `provider_name`.
    pub fn steps(&self, provider_name: &str, draft: ProviderDraft) -> Vec<ManualStep> {
        self.provider.manual_steps(&ManualStepsRequest {
            pair: self.pair.clone(),
            provider_name: provider_name.into(),
            draft,
        })
    }

    /// `rewrite_node` for one node config.
    pub fn rewrite(&self, config: &Value, node_type: HandoverNodeType, endpoint_defaults: &Object) -> NodeRewrite {
        self.provider
            .rewrite_node(&NodeRewriteRequest {
                pair: self.pair.clone(),
                node_type,
                config: object(config.clone()),
                endpoint_defaults: endpoint_defaults.clone(),
            })
            .expect("rewrite")
    }

    /// A snapshot case: the node config, the rewrite, and the config once the rewrite is
    /// applied (`after`).
    pub fn node_case(&self, config: Value, node_type: HandoverNodeType, endpoint_defaults: &Object) -> Value {
        let rewrite = self.rewrite(&config, node_type, endpoint_defaults);
        let mut after = object(config.clone());
        after.extend(rewrite.set.clone());
        serde_json::json!({"node_type": node_type, "config": config, "rewrite": rewrite, "after": after})
    }

    /// Settings that must fail with exactly one issue, on `key`, whose message quotes no
    /// canary secret.
    pub fn one_issue(&self, settings: Object, key: &str) -> SettingsIssue {
        let issues = self.map(settings).expect_err(key);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].field, key);
        assert!(!issues[0].message.contains("CANARY"), "a secret in a message: {}", issues[0].message);
        issues[0].clone()
    }

    /// Removing each of `keys` from `settings` fails with exactly one issue, on that key,
    /// saying it is missing (see [`Vendor::one_issue`]).
    pub fn assert_required(&self, settings: &Object, keys: &[&str]) {
        for key in keys {
            let mut without = settings.clone();
            without.shift_remove(*key);
            let issue = self.one_issue(without, key);
            assert!(issue.message.contains("missing"), "{key}: {}", issue.message);
        }
    }

    /// Each `(key, value, expected)`: `settings` with `key` set to `value` fails with exactly
    /// one issue, on that key, whose message contains `expected` (see
    /// [`Vendor::one_issue`]). Returns the issues, for a vendor's own further checks.
    pub fn assert_rejected(&self, settings: &Object, cases: &[(&str, Value, &str)]) -> Vec<SettingsIssue> {
        cases
            .iter()
            .map(|(key, value, expected)| {
                let mut with = settings.clone();
                with.insert((*key).to_string(), value.clone());
                let issue = self.one_issue(with, key);
                assert!(issue.message.contains(expected), "{key}: {}", issue.message);
                issue
            })
            .collect()
    }
}
