//! Genesys Cloud Guest Chat: legacy endpoint kind `genesysCloud` → Handover Provider service
//! `genesysCloud`.
//!
//! Mapping (reference: `providers.md` §5, legacy schema `cognigy-model.md` §1.3):
//! - `host`, `organizationId`, `deploymentId`, `queue` (the queue's name) and `queueId` are
//!   required by the legacy schema and become provider properties under the same keys.
//!   `host` is a bare domain such as `mypurecloud.de` (no scheme, no `apps.`/`login.`), not
//!   a URL, and is checked as a host name.
//! - `sessionDuration` (whole number, minutes) and `sendProfile` (boolean) are optional
//!   properties.
//! - `oAuth2Connection` is a reference to the Cognigy Connection holding the Genesys OAuth
//!   client ("Genesys Cloud Authentication"). The legacy schema leaves it optional, but the
//!   new provider needs it and Cognigy's own Migrate button does not carry it over, so it is
//!   required here: when the endpoint has none, the user is asked to pick a Connection
//!   (`connections.oAuth2Connection`) instead of the migration failing. The value (the
//!   Connection's id) is copied as it is; nothing checks that the Connection exists or has
//!   the right type (that type is not documented).
//! - `forwardOnlyHandoverConversations` is fixed to `true` for Genesys and the new provider
//!   has no such setting: it is dropped with a note.
//! - No secrets of its own and no inbound webhook (Guest Chat uses a WebSocket); the plan
//!   reminds the user to check the authentication Connection works after migration.
//! - Node fields (Handover to Agent `genesys*`, Check Agent Availability `genesysCloud*`)
//!   are kept as stored; no endpoint default feeds them.
//! - Genesys deprecated Guest Chat on 11 Jun 2025: the pair carries a warning pointing to
//!   Genesys Cloud Open Messaging, which is a different setup (no field mapping), so this
//!   crate does not offer that switch.

use handover_migrate_core::spec::{FieldSpec, Format, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "genesysCloud";

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
    let field = |legacy_key: &str, destination: Destination, class, required, format, label: &str| FieldSpec {
        legacy_key: legacy_key.into(),
        destination,
        class,
        required,
        required_unless: None,
        format,
        label: label.into(),
    };
    let property = |key: &str| Destination::Property(key.into());
    use PropertyClass::{ConnectionRef, Plain};
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "Genesys Cloud Guest Chat".into(),
        webhook_path: None,
        warnings: vec![
            "Genesys deprecated Guest Chat (since 11 Jun 2025), which this provider uses. Consider Genesys Cloud Open \
             Messaging instead; it is a separate provider with its own Genesys-side setup."
                .into(),
        ],
        fields: vec![
            field("host", property("host"), Plain, true, Format::Host, "Host"),
            field("organizationId", property("organizationId"), Plain, true, Format::Text, "Organization ID"),
            field("deploymentId", property("deploymentId"), Plain, true, Format::Text, "Deployment ID"),
            field("queue", property("queue"), Plain, true, Format::Text, "Queue"),
            field("queueId", property("queueId"), Plain, true, Format::Text, "Queue ID"),
            field(
                "sessionDuration",
                property("sessionDuration"),
                Plain,
                false,
                Format::Integer,
                "Session Duration (in minutes)",
            ),
            field("sendProfile", property("sendProfile"), Plain, false, Format::Bool, "Send Profile"),
            field(
                "oAuth2Connection",
                property("oAuth2Connection"),
                ConnectionRef,
                true,
                Format::Text,
                "Genesys Cloud Authentication",
            ),
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
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "check.authenticationConnection".into(),
            prompt: "After migration, open provider \"{provider}\" in Cognigy and check that its Genesys Cloud \
                     Authentication field names the right Connection and that the Connection's OAuth client still \
                     works (test a handover). Guest Chat uses a WebSocket, so there is no webhook to check."
                .into(),
            confirm: false,
            when_true: None,
        }],
    }
}

/// The Genesys Cloud Guest Chat provider.
pub fn provider() -> SpecProvider {
    SpecProvider { name: "genesys-cloud".into(), version: env!("CARGO_PKG_VERSION").into(), specs: vec![pair_spec()] }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
