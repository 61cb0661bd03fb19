//! Cognigy Live Agent: legacy endpoint kind `liveAgent` → Handover Provider service `liveAgent`.
//!
//! Mapping (reference: `providers.md` §1): `baseUrl`, `accountId`, `apiKey` (secret) and
//! `usePlatformToken` become provider properties under the same keys. The first three are
//! required unless `usePlatformToken` is on ("Handover to pre-configured Live Agent
//! account"). `liveAgentInboxId` is the endpoint's default inbox: no Live Agent provider
//! field holds it, so it does not split provider groups and instead fills the
//! `liveAgentInboxId` of nodes that left it empty, which is what Legacy did at run time.
//! `forwardOnlyHandoverConversations` is fixed to `true` for Live Agent and is not carried.

use handover_migrate_core::spec::{self, property, FieldSpec, Format, NodeFill, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "liveAgent";

/// Node config keys Live Agent owns on Handover to Agent and Check Agent Availability.
pub const NODE_FIELDS: &[&str] = &[
    "liveAgentInboxId",
    "liveAgentSkills",
    "liveAgentLanguages",
    "liveAgentPriority",
    "agentAssistInitMessage",
    "allowAgentInject",
    "getQueuePosition",
    "updateIntervalQueuePosition",
    "getEstimatedWaitTime",
    "updateIntervalEstimatedWaitTime",
    "alternativeUpdate",
    "maximumQueuePosition",
    "maximumEstimatedWaitTime",
    "alternativeText",
];

pub fn pair_spec() -> PairSpec {
    // Base URL, account and key are not needed with the pre-configured account.
    let field = |legacy_key: &str, destination: Destination, class, required: bool, format, label: &str| FieldSpec {
        required_unless: required.then(|| "usePlatformToken".to_string()),
        ..spec::field(legacy_key, destination, class, required, format, label)
    };
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "Cognigy Live Agent".into(),
        webhook_path: Some("/handover/liveagent".into()),
        warnings: vec![],
        fields: vec![
            field(
                "usePlatformToken",
                property("usePlatformToken"),
                PropertyClass::Plain,
                false,
                Format::Bool,
                "Handover to pre-configured Live Agent account",
            ),
            field("baseUrl", property("baseUrl"), PropertyClass::Plain, true, Format::Url, "Base URL"),
            field("accountId", property("accountId"), PropertyClass::Plain, true, Format::Text, "Account ID"),
            field("apiKey", property("apiKey"), PropertyClass::Secret, true, Format::Text, "API Key"),
            field(
                "liveAgentInboxId",
                Destination::NodeDefault("liveAgentInboxId".into()),
                PropertyClass::Plain,
                false,
                Format::Text,
                "Inbox ID (endpoint default)",
            ),
            field(
                "forwardOnlyHandoverConversations",
                Destination::Dropped("fixed to true for Live Agent; the new provider has no such setting".into()),
                PropertyClass::Plain,
                false,
                Format::Bool,
                "Forward only handover conversations",
            ),
        ],
        node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: HandoverNodeType::all(),
        manual_properties: vec![],
        node_rules: vec![],
        node_fills: vec![NodeFill {
            node_key: "liveAgentInboxId".into(),
            default_key: "liveAgentInboxId".into(),
            node_types: vec![HandoverNodeType::HandoverToAgent, HandoverNodeType::CheckAgentAvailability],
        }],
        reminders: vec![
            ReminderSpec {
                key: "check.preconfiguredAccount".into(),
                prompt: "After migration, open provider \"{provider}\" in Cognigy and check the \"Handover to \
                         pre-configured Live Agent account\" toggle matches the endpoint (Cognigy 2025.18's Migrate \
                         button could save the pre-configured account instead of the manual one)."
                    .into(),
                confirm: false,
                when_true: None,
            },
            ReminderSpec {
                key: "confirm.webhook".into(),
                prompt: "Confirm Live Agent still reaches Cognigy at <your endpoint URL>{webhook_path}; Cognigy \
                         documents no change to this URL after migration."
                    .into(),
                confirm: true,
                when_true: None,
            },
        ],
    }
}

/// The Live Agent provider.
pub fn provider() -> SpecProvider {
    SpecProvider { name: "live-agent".into(), version: env!("CARGO_PKG_VERSION").into(), specs: vec![pair_spec()] }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
