//! Chatwoot: legacy endpoint kind `chatwoot` → Handover Provider service `chatwoot`.
//!
//! Mapping (reference: `providers.md` §2, legacy schema `cognigy-model.md` §1.3):
//! - `baseUrl` (absolute URL), `accountId` and `apiKey` (secret) are required in the legacy
//!   schema and become provider properties under the same keys. A missing or masked API Key
//!   is asked for (`secrets.apiKey`); a missing Base URL or Account ID is an error.
//! - `chatwootInboxId` is the endpoint's default inbox. The Chatwoot documentation puts the
//!   Inbox ID on the node ("Chatwoot Settings"), not on the provider, so it does not split
//!   provider groups: it fills the `chatwootInboxId` of Handover to Agent and Check Agent
//!   Availability nodes that left it empty, which is what Legacy did at run time. A node's
//!   own inbox is kept.
//! - `forwardOnlyHandoverConversations` is fixed to `true` for Chatwoot and the new provider
//!   has no such setting: it is dropped with a note.
//! - Chatwoot calls Cognigy back on `/handover/chatwoot` (the API-channel inbox webhook);
//!   the URL is per provider type, so nothing should change, but the plan asks the user to
//!   confirm it.

use handover_migrate_core::spec::{field, property, Format, NodeFill, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "chatwoot";

/// Node config keys Chatwoot owns on Handover to Agent and Check Agent Availability.
pub const NODE_FIELDS: &[&str] = &["chatwootInboxId"];

pub fn pair_spec() -> PairSpec {
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "Chatwoot".into(),
        webhook_path: Some("/handover/chatwoot".into()),
        warnings: vec![],
        fields: vec![
            field("baseUrl", property("baseUrl"), PropertyClass::Plain, true, Format::Url, "Base URL"),
            field("accountId", property("accountId"), PropertyClass::Plain, true, Format::Text, "Account ID"),
            field("apiKey", property("apiKey"), PropertyClass::Secret, true, Format::Text, "API Key"),
            field(
                "chatwootInboxId",
                Destination::NodeDefault("chatwootInboxId".into()),
                PropertyClass::Plain,
                false,
                Format::Text,
                "Inbox ID (endpoint default)",
            ),
            field(
                "forwardOnlyHandoverConversations",
                Destination::Dropped("fixed to true for Chatwoot; the new provider has no such setting".into()),
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
            node_key: "chatwootInboxId".into(),
            default_key: "chatwootInboxId".into(),
            node_types: vec![HandoverNodeType::HandoverToAgent, HandoverNodeType::CheckAgentAvailability],
        }],
        reminders: vec![ReminderSpec {
            key: "confirm.webhook".into(),
            prompt: "Confirm the webhook of the Chatwoot API-channel inbox still points to <your endpoint \
                     URL>{webhook_path}; Cognigy documents no change to this URL after migration."
                .into(),
            confirm: true,
            when_true: None,
        }],
    }
}

/// The Chatwoot provider.
pub fn provider() -> SpecProvider {
    SpecProvider { name: "chatwoot".into(), version: env!("CARGO_PKG_VERSION").into(), specs: vec![pair_spec()] }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
