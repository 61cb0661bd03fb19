//! Helpers for testing a provider, shared by every vendor crate's unit tests
//! (cargo feature `testkit`): call each hook for one pair with JSON literals.

use serde_json::Value;

use crate::{
    Finding, HandoverNodeType, ManualStep, ManualStepsRequest, MapSettingsRequest, MigrationPair, NodeRewrite,
    NodeRewriteRequest, Object, ProviderDraft, ProviderMigration, SettingsIssue, VerifyRequest,
};

/// A JSON object literal as an [`Object`].
pub fn object(value: Value) -> Object {
    match value {
        Value::Object(object) => object,
        other => panic!("expected a JSON object, got {other}"),
    }
}

/// One provider and one of its pairs, under test.
pub struct Harness<P: ProviderMigration> {
    pub provider: P,
    pub pair: MigrationPair,
}

impl<P: ProviderMigration> Harness<P> {
    pub fn new(provider: P, pair: MigrationPair) -> Self {
        Self { provider, pair }
    }

    pub fn map(&self, settings: Object) -> Result<ProviderDraft, Vec<SettingsIssue>> {
        self.provider.map_settings(&MapSettingsRequest {
            pair: self.pair.clone(),
            endpoint: "Webchat Production".into(),
            settings,
        })
    }

    /// Map settings that must fail with exactly one issue, on `key`, not quoting a canary.
    pub fn one_issue(&self, settings: Object, key: &str) -> SettingsIssue {
        let issues = self.map(settings).expect_err(key);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].field, key);
        assert!(!issues[0].message.contains("CANARY"), "a secret in a message: {}", issues[0].message);
        issues[0].clone()
    }

    pub fn steps(&self, draft: ProviderDraft) -> Vec<ManualStep> {
        self.provider.manual_steps(&ManualStepsRequest {
            pair: self.pair.clone(),
            provider_name: "Provider Under Test".into(),
            draft,
        })
    }

    pub fn rewrite(&self, node_type: HandoverNodeType, config: Object, endpoint_defaults: Object) -> NodeRewrite {
        self.provider
            .rewrite_node(&NodeRewriteRequest { pair: self.pair.clone(), node_type, config, endpoint_defaults })
            .expect("rewrite")
    }

    pub fn verify(&self, properties: Object) -> Vec<Finding> {
        self.provider.verify(&VerifyRequest {
            pair: self.pair.clone(),
            provider_name: "Provider Under Test".into(),
            properties,
        })
    }
}
