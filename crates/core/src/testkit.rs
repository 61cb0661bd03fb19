//! Helpers for providers' unit tests (cargo feature `testkit`): a [`Vendor`] handle calls a
//! provider's hooks for one pair with JSON literals, and [`Cases`] with [`vendor_cases!`]
//! runs the test shapes every vendor shares over one vendor's data. Every vendor crate's
//! tests use them.

use serde_json::Value;

use crate::{
    HandoverNodeType, ManualStep, ManualStepKind, ManualStepsRequest, MapSettingsRequest, MigrationPair, NodeRewrite,
    NodeRewriteRequest, Object, ProviderDraft, ProviderMigration, SettingsIssue, Severity, VerifyRequest,
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

/// One vendor's data for the test shapes every vendor shares; [`vendor_cases!`] turns it
/// into that vendor's tests, so each vendor's test file holds only its data and the tests
/// that are its own.
pub struct Cases {
    pub vendor: Vendor,
    /// Valid legacy settings (secrets as `CANARY…` values, which no message may quote).
    pub settings: Object,
    /// The provider name manual steps are asked for.
    pub provider_name: &'static str,
    /// Each missing from `settings`: one issue on it, saying it is missing.
    pub required: &'static [&'static str],
    /// `(key, value, expected)`: `settings` with `key` set to `value` fails with one issue
    /// on `key` whose message contains `expected`.
    pub rejected: Vec<(&'static str, Value, &'static str)>,
    /// Every secret of the pair (the mapping's secret rows, exactly): masked, each is kept
    /// as masked, never as its value.
    pub secrets: &'static [&'static str],
    /// The secrets whose absence is asked for (a manual step), not an error.
    pub asked_secrets: &'static [&'static str],
    /// What the webhook confirmation, the one step of clear-text settings that is not a
    /// reminder, says; empty when the pair has no webhook (then no step asks to confirm one).
    pub webhook: &'static [&'static str],
    /// The keys of the reminders clear-text settings leave, in order (usually none).
    pub reminders: &'static [&'static str],
    /// Complete provider properties: `verify` finds nothing wrong, also without each of
    /// `verify_optional`, and without each of `verify_required` exactly one error naming it.
    pub verify_complete: Value,
    pub verify_optional: &'static [&'static str],
    pub verify_required: &'static [&'static str],
}

impl Cases {
    pub fn assert_required(&self) {
        self.vendor.assert_required(&self.settings, self.required);
    }

    pub fn assert_rejected(&self) {
        assert!(!self.rejected.is_empty(), "a vendor has format rules to test");
        self.vendor.assert_rejected(&self.settings, &self.rejected);
    }

    /// Masked secrets are never kept; missing ones that are asked for become manual steps.
    pub fn assert_secrets(&self) {
        let info = self.vendor.provider.info();
        let pair = info.pairs.iter().find(|p| p.pair == self.vendor.pair).expect("the pair is listed");
        let mut secret_rows: Vec<&str> = pair
            .mapping
            .iter()
            .filter(|row| row.class == crate::PropertyClass::Secret)
            .map(|row| row.legacy_key.as_str())
            .collect();
        secret_rows.sort_unstable();
        let mut secrets = self.secrets.to_vec();
        secrets.sort_unstable();
        assert_eq!(secrets, secret_rows, "the secrets listed are the pair's secret fields");
        for key in self.secrets {
            let mut settings = self.settings.clone();
            settings.insert((*key).to_string(), Value::String("********".into()));
            let draft = self.vendor.map(settings).expect("a masked secret is valid");
            let property = draft.properties.iter().find(|p| p.key == *key).expect(key);
            assert_eq!(property.value, crate::DraftValue::Masked, "{key}");
            assert_eq!(property.class, crate::PropertyClass::Secret, "{key}");
        }
        for key in self.asked_secrets {
            let mut settings = self.settings.clone();
            settings.shift_remove(*key);
            let draft = self.vendor.map(settings).expect("a missing secret is asked for");
            let property = draft.properties.iter().find(|p| p.key == *key).expect(key);
            assert_eq!(property.value, crate::DraftValue::Missing, "{key}");
            assert_eq!(property.class, crate::PropertyClass::Secret, "{key}");
            let steps = self.vendor.steps(self.provider_name, draft);
            assert!(
                steps
                    .iter()
                    .any(|s| s.key == format!("secrets.{key}") && s.kind == ManualStepKind::Secret((*key).into())),
                "{key}: {steps:?}"
            );
        }
    }

    /// Clear-text settings ask for nothing: they leave the reminders listed and one step
    /// confirming the webhook (when there is one).
    pub fn assert_webhook_confirmation(&self) {
        let draft = self.vendor.map(self.settings.clone()).expect("valid");
        let steps = self.vendor.steps(self.provider_name, draft);
        let (reminders, others): (Vec<&ManualStep>, Vec<&ManualStep>) =
            steps.iter().partition(|s| s.kind == ManualStepKind::Reminder);
        let reminder_keys: Vec<&str> = reminders.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(reminder_keys, self.reminders, "{steps:?}");
        if self.webhook.is_empty() {
            assert!(others.is_empty(), "no webhook to confirm, nothing to ask: {steps:?}");
            return;
        }
        assert_eq!(others.len(), 1, "{steps:?}");
        assert_eq!(others[0].key, "confirm.webhook");
        assert_eq!(others[0].kind, ManualStepKind::Confirm);
        for expected in self.webhook {
            assert!(others[0].prompt.contains(expected), "{expected}: {}", others[0].prompt);
        }
    }

    pub fn assert_verify(&self) {
        let verify = |properties: &Value| {
            self.vendor.provider.verify(&VerifyRequest {
                pair: self.vendor.pair.clone(),
                provider_name: self.provider_name.into(),
                properties: object(properties.clone()),
            })
        };
        let findings = verify(&self.verify_complete);
        assert!(findings.is_empty(), "complete properties: {findings:?}");
        for key in self.verify_optional {
            let mut properties = self.verify_complete.clone();
            properties.as_object_mut().expect("object").shift_remove(*key);
            let findings = verify(&properties);
            assert!(findings.is_empty(), "{key} is optional: {findings:?}");
        }
        assert!(!self.verify_required.is_empty(), "a provider has required properties");
        for key in self.verify_required {
            let mut properties = self.verify_complete.clone();
            properties.as_object_mut().expect("object").shift_remove(*key);
            let findings = verify(&properties);
            assert_eq!(findings.len(), 1, "{key}: {findings:?}");
            assert_eq!(findings[0].severity, Severity::Error);
            assert!(findings[0].message.contains(key), "{}", findings[0].message);
            assert!(!findings[0].message.contains("CANARY"), "a secret in a message: {}", findings[0].message);
        }
    }
}

/// The tests every vendor shares, over the [`Cases`] that `$cases()` returns: the draft's
/// snapshot, required fields, format rules, secrets (masked and missing), the webhook
/// confirmation, `verify`. The vendor crate needs `insta` as a dev-dependency.
#[macro_export]
macro_rules! vendor_cases {
    ($cases:path) => {
        /// The draft of the valid settings, as reviewed in its snapshot (the vendor crate's
        /// `src/snapshots`: the snapshot is named after this test and the vendor's module).
        #[test]
        fn maps_realistic_settings() {
            let cases = $cases();
            let draft = cases.vendor.map(cases.settings).expect("valid");
            insta::assert_json_snapshot!(draft);
        }

        #[test]
        fn each_required_field_is_named_when_missing() {
            $cases().assert_required();
        }

        #[test]
        fn format_rules_name_the_field() {
            $cases().assert_rejected();
        }

        #[test]
        fn masked_secrets_are_never_kept_and_missing_ones_are_asked_for() {
            $cases().assert_secrets();
        }

        #[test]
        fn clear_text_settings_leave_only_the_webhook_confirmation() {
            $cases().assert_webhook_confirmation();
        }

        #[test]
        fn verify_requires_every_required_property() {
            $cases().assert_verify();
        }
    };
}
