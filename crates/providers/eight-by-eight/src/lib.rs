//! 8x8: legacy endpoint kind `eightByEight` → Handover Provider service `eightByEight`.
//!
//! Mapping (reference: `providers.md` §7, legacy schema `cognigy-model.md` §1.3):
//! - `baseUrl` (the 8x8 server; absolute URL), `apiKey` (secret) and `apiTenant`
//!   ("8x8-Tenant", at most 255 characters) are required by the legacy schema and become
//!   provider properties under the same keys. The 8x8 documentation calls the tenant
//!   "mandatory if multiple tenants", but the legacy schema requires it, so an empty tenant
//!   is reported rather than guessed. A missing or masked API Key is asked for
//!   (`secrets.apiKey`).
//! - `forwardOnlyHandoverConversations` is fixed to `true` for 8x8 and the new provider has
//!   no such setting: it is dropped with a note.
//! - 8x8 calls Cognigy back on `/handover/eightByEight` (Chat Gateway v1.0); the plan asks
//!   the user to confirm it.
//! - Node fields (`eightByEightChannelId`, `eightByEightQueueId`, `eightByEightJSONProps`
//!   on Handover to Agent) are kept as stored, JSON type included; no endpoint default feeds
//!   them. Check Agent Availability does not support 8x8.

use handover_migrate_core::spec::{field, property, Format, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "eightByEight";

/// Node config keys 8x8 owns on Handover to Agent.
pub const NODE_FIELDS: &[&str] = &["eightByEightChannelId", "eightByEightQueueId", "eightByEightJSONProps"];

pub fn pair_spec() -> PairSpec {
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "8x8".into(),
        webhook_path: Some("/handover/eightByEight".into()),
        warnings: vec![],
        fields: vec![
            field("baseUrl", property("baseUrl"), PropertyClass::Plain, true, Format::Url, "Base URL"),
            field("apiKey", property("apiKey"), PropertyClass::Secret, true, Format::Text, "API Key"),
            field("apiTenant", property("apiTenant"), PropertyClass::Plain, true, Format::MaxLength(255), "8x8-Tenant"),
            field(
                "forwardOnlyHandoverConversations",
                Destination::Dropped("fixed to true for 8x8; the new provider has no such setting".into()),
                PropertyClass::Plain,
                false,
                Format::Bool,
                "Forward only handover conversations",
            ),
        ],
        node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: vec![HandoverNodeType::HandoverToAgent],
        manual_properties: vec![],
        node_rules: vec![],
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "confirm.webhook".into(),
            prompt: "Confirm the 8x8 Chat Gateway webhook still points to <your endpoint URL>{webhook_path}; Cognigy \
                     documents no change to this URL after migration."
                .into(),
            confirm: true,
            when_true: None,
        }],
    }
}

/// The 8x8 provider.
pub fn provider() -> SpecProvider {
    SpecProvider { name: "eight-by-eight".into(), version: env!("CARGO_PKG_VERSION").into(), specs: vec![pair_spec()] }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
