//! Salesforce (Service Cloud chat over the legacy Live Agent chat API): legacy endpoint kind
//! `salesforce` → Handover Provider service `salesforce`.
//!
//! Mapping (reference: `providers.md` §4, legacy schema `cognigy-model.md` §1.3):
//! - `baseUrl` (the Chat API endpoint without `/chat/rest`; absolute URL), `apiVersion`,
//!   `organizationId`, `deploymentId` and `buttonId` are required by the legacy schema and
//!   become provider properties under the same keys. `apiVersion` stays a string (`"52"`).
//! - `forwardUnknownEventsToFlow` ("Forward Events to the Flow") is an optional boolean
//!   property.
//! - `buttonId` on the provider is the default Button ID. A Handover to Agent node's own
//!   `buttonId` overrides it, exactly as it overrode the endpoint's under Legacy, so the node
//!   value is kept as it is and an empty node value is **not** filled: the provider still
//!   holds the default, and filling it would freeze today's default into every node.
//! - `forwardOnlyHandoverConversations` is fixed to `true` for Salesforce and the new
//!   provider has no such setting: it is dropped with a note.
//! - No secrets (IDs only) and no inbound webhook (the connector polls Salesforce).
//! - Node fields are kept as stored, JSON type included (`salesforcePrechatEntities` /
//!   `salesforcePrechatDetails` may be the string `"[]"` or an array). Check Agent
//!   Availability does not support Salesforce.
//! - Salesforce removed the legacy chat API on 14 Feb 2026: the pair carries a warning that
//!   points to the Salesforce MIAW provider, and the plan reminds the user to test a handover
//!   after migration. There is no field mapping to MIAW (only the Organization ID carries
//!   over), so this crate does not offer that switch.

use handover_migrate_core::spec::{FieldSpec, Format, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "salesforce";

/// Node config keys Salesforce owns on Handover to Agent.
pub const NODE_FIELDS: &[&str] =
    &["sendTranscriptAsFirstMessage", "buttonId", "salesforcePrechatEntities", "salesforcePrechatDetails"];

pub fn pair_spec() -> PairSpec {
    let field = |legacy_key: &str, destination: Destination, required, format, label: &str| FieldSpec {
        legacy_key: legacy_key.into(),
        destination,
        class: PropertyClass::Plain,
        required,
        required_unless: None,
        format,
        label: label.into(),
    };
    let property = |key: &str| Destination::Property(key.into());
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "Salesforce (Service Cloud chat)".into(),
        webhook_path: None,
        warnings: vec![
            "Salesforce retired the legacy Live Agent chat API that this provider uses (removed on 14 Feb 2026), so \
             handovers through it stop working. Consider a Salesforce MIAW (Messaging for In-App and Web) handover \
             provider instead; it is set up by hand (only the Organization ID carries over)."
                .into(),
        ],
        fields: vec![
            field(
                "forwardUnknownEventsToFlow",
                property("forwardUnknownEventsToFlow"),
                false,
                Format::Bool,
                "Forward Events to the Flow",
            ),
            field("baseUrl", property("baseUrl"), true, Format::Url, "Live Agent Base URL"),
            field("apiVersion", property("apiVersion"), true, Format::Text, "API Version"),
            field("organizationId", property("organizationId"), true, Format::Text, "Organization ID"),
            field("deploymentId", property("deploymentId"), true, Format::Text, "Deployment ID"),
            field("buttonId", property("buttonId"), true, Format::Text, "Button ID"),
            field(
                "forwardOnlyHandoverConversations",
                Destination::Dropped("fixed to true for Salesforce; the new provider has no such setting".into()),
                false,
                Format::Bool,
                "Forward only handover conversations",
            ),
        ],
        node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: vec![HandoverNodeType::HandoverToAgent],
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "check.chatApiRetired".into(),
            prompt: "Salesforce removed the legacy Live Agent chat API on 14 Feb 2026: test a handover through \
                     provider \"{provider}\". If it fails, create a Salesforce MIAW provider by hand and point the \
                     Handover to Agent nodes at it."
                .into(),
            confirm: false,
            when_true: None,
        }],
    }
}

/// The Salesforce provider.
pub fn provider() -> SpecProvider {
    SpecProvider { name: "salesforce".into(), version: env!("CARGO_PKG_VERSION").into(), specs: vec![pair_spec()] }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
