//! Genesys Cloud Open Messaging: legacy endpoint kind `genesysCloudOM` → Handover Provider
//! service `genesysCloudOM`.
//!
//! Mapping (reference: `providers.md` §6, legacy schema `cognigy-model.md` §1.3): every
//! legacy key except `forwardOnlyHandoverConversations` becomes a provider property under
//! the same key.
//! - `host` (a bare domain such as `mypurecloud.com` or `cac1.pure.cloud`, checked as a host
//!   name), `deploymentName` (the Open Messaging integration name), `queue` (the queue's
//!   UUID; the UI label was renamed "Queue ID" in 4.99 but the key stayed), `clientId` and
//!   `clientSecret` are required by the legacy schema.
//! - `clientSecret` and `webhookSecret` (Genesys' "Outbound Notification Webhook Signature
//!   Secret Token") are secrets: copied when readable in clear text, otherwise asked for.
//!   `webhookSecret` is optional in the legacy schema: an endpoint without one migrates
//!   without one (nothing is asked); a masked one is asked for. `clientId` identifies the
//!   OAuth client but is not a secret: it is shown and copied like any ID.
//! - `sendProfile` ("Send Profile information") is an optional boolean property.
//! - `forwardOnlyHandoverConversations` is fixed to `true` for Genesys and the new provider
//!   has no such setting: it is dropped with a note.
//! - Genesys calls Cognigy back on `/handover/genesysCloudOM` (the Outbound Notification
//!   Webhook); the plan asks the user to confirm it and its signature token.
//! - Node fields (the same `genesys*` / `genesysCloud*` keys as Guest Chat) are kept as
//!   stored; no endpoint default feeds them.

use handover_migrate_core::spec::{field, property, Format, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "genesysCloudOM";

/// How the service is named in plans (also as the target of a switch from Guest Chat).
pub const DISPLAY_NAME: &str = "Genesys Cloud Open Messaging";

/// The Cognigy endpoint path the Open Messaging integration's webhook points to.
pub const WEBHOOK_PATH: &str = "/handover/genesysCloudOM";

/// Node config keys Genesys owns: Handover to Agent (`genesysSettings`) and Check Agent
/// Availability (`genesysCloudSettings`).
pub const NODE_FIELDS: &[&str] = &[
    "genesysLanguage",
    "genesysSkills",
    "genesysPriority",
    "genesysCustomAttributes",
    "genesysCloudSkills",
    "genesysCloudProfileSkills",
    "genesysCloudLanguageSkills",
];

pub fn pair_spec() -> PairSpec {
    use PropertyClass::{Plain, Secret};
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: DISPLAY_NAME.into(),
        webhook_path: Some(WEBHOOK_PATH.into()),
        warnings: vec![],
        fields: vec![
            field("host", property("host"), Plain, true, Format::Host, "Host"),
            field("deploymentName", property("deploymentName"), Plain, true, Format::Text, "Deployment Name"),
            field("queue", property("queue"), Plain, true, Format::Text, "Queue ID"),
            field("webhookSecret", property("webhookSecret"), Secret, false, Format::Text, "Webhook Secret"),
            field("clientId", property("clientId"), Plain, true, Format::Text, "Client ID"),
            field("clientSecret", property("clientSecret"), Secret, true, Format::Text, "Client Secret"),
            field("sendProfile", property("sendProfile"), Plain, false, Format::Bool, "Send Profile information"),
            field(
                "forwardOnlyHandoverConversations",
                Destination::Dropped("fixed to true for Genesys; the new provider has no such setting".into()),
                Plain,
                false,
                Format::Bool,
                "Forward only handover conversations",
            ),
        ],
        node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: HandoverNodeType::all(),
        manual_properties: vec![],
        node_rules: vec![],
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "confirm.webhook".into(),
            prompt: "Confirm the Outbound Notification Webhook of the Genesys Open Messaging integration still points \
                     to <your endpoint URL>{webhook_path} and, if it is signed, that its Signature Secret Token \
                     matches the Webhook Secret of provider \"{provider}\"; Cognigy documents no change to this URL after migration."
                .into(),
            confirm: true,
            when_true: None,
        }],
    }
}

/// The Genesys Cloud Open Messaging provider.
pub fn provider() -> SpecProvider {
    SpecProvider {
        name: "genesys-cloud-om".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        specs: vec![pair_spec()],
    }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
