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
//!   Genesys Cloud Open Messaging.
//!
//! ## `genesysCloud` → `genesysCloudOM` (`--to genesysCloudOM`)
//!
//! Open Messaging is a separate Genesys integration (reference: `providers.md` §5, §6).
//! Nothing is dropped silently: every legacy key is carried, turned into a manual step, or
//! listed in the plan as having no counterpart.
//! - Carried: `host` (the same bare domain; required) and `sendProfile` (Open Messaging's
//!   "Send Profile information").
//! - Manual steps (blocking until answered): `values.deploymentName` (the Open Messaging
//!   integration's name), `values.queue` (the queue's UUID, "Queue ID"), `values.clientId`,
//!   `secrets.clientSecret` (the OAuth client Open Messaging uses) and
//!   `secrets.webhookSecret` (the Outbound Notification Webhook's signature token).
//! - No counterpart (listed as notes): `organizationId`, `deploymentId` (the Guest Chat
//!   widget key), `queue` (a queue *name*; Open Messaging wants the UUID, asked for above),
//!   `queueId` (asked for again rather than assumed to be the same queue), `sessionDuration`
//!   (Guest Chat only), `oAuth2Connection` (Open Messaging uses its own OAuth client, not a
//!   Connection) and `forwardOnlyHandoverConversations`.
//! - Node fields: the Guest Chat node fields are Open Messaging's too (`genesys*` on Handover
//!   to Agent, `genesysCloud*` on Check Agent Availability): they carry over as they are.
//! - The plan asks to confirm the Open Messaging webhook (`/handover/genesysCloudOM`).

use handover_migrate_core::spec::{field, property, Format, ManualPropertySpec, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, HandoverNodeType, MigrationPair, PropertyClass};

pub const KIND: &str = "genesysCloud";

/// The successor service: Genesys Cloud Open Messaging.
pub use handover_migrate_genesys_cloud_om::KIND as OPEN_MESSAGING;

/// Node config keys Genesys owns: Handover to Agent (`genesysSettings`) and Check Agent
/// Availability (`genesysCloudSettings`). Guest Chat and Open Messaging nodes share them.
pub use handover_migrate_genesys_cloud_om::NODE_FIELDS;

pub fn pair_spec() -> PairSpec {
    use PropertyClass::{ConnectionRef, Plain};
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "Genesys Cloud Guest Chat".into(),
        webhook_path: None,
        warnings: vec![
            "Genesys deprecated Guest Chat (since 11 Jun 2025), which this provider uses. Consider Genesys Cloud Open \
             Messaging instead; it is a separate provider with its own Genesys-side setup (`--to genesysCloudOM` \
             migrates to it)."
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
        manual_properties: vec![],
        node_rules: vec![],
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

/// `genesysCloud` → `genesysCloudOM`: see the crate documentation.
pub fn open_messaging_pair_spec() -> PairSpec {
    let dropped = |why: &str| Destination::Dropped(why.into());
    let manual = |key: &str, class, label: &str, hint: &str| ManualPropertySpec {
        key: key.into(),
        class,
        format: Format::Text,
        label: label.into(),
        hint: hint.into(),
    };
    use PropertyClass::{ConnectionRef, Plain, Secret};
    PairSpec {
        pair: MigrationPair::new(KIND, OPEN_MESSAGING),
        display_name: handover_migrate_genesys_cloud_om::DISPLAY_NAME.into(),
        webhook_path: Some(handover_migrate_genesys_cloud_om::WEBHOOK_PATH.into()),
        warnings: vec![
            "Genesys Cloud Open Messaging is a separate Genesys integration: only the Host and Send Profile carry \
             over from Guest Chat; the Deployment Name, Queue ID and OAuth client credentials are entered by a \
             person, and the Open Messaging integration must exist in Genesys Cloud first."
                .into(),
        ],
        fields: vec![
            field("host", property("host"), Plain, true, Format::Host, "Host"),
            field(
                "organizationId",
                dropped("Open Messaging has no organization setting; the OAuth client belongs to the organization"),
                Plain,
                false,
                Format::Text,
                "Organization ID",
            ),
            field(
                "deploymentId",
                dropped(
                    "the Guest Chat widget deployment key; Open Messaging names its integration instead \
                     (values.deploymentName)",
                ),
                Plain,
                false,
                Format::Text,
                "Deployment ID",
            ),
            field(
                "queue",
                dropped("the Guest Chat queue's name; Open Messaging wants the queue's UUID (values.queue)"),
                Plain,
                false,
                Format::Text,
                "Queue",
            ),
            field(
                "queueId",
                dropped("asked for again as Open Messaging's Queue ID (values.queue) rather than assumed to be the same queue"),
                Plain,
                false,
                Format::Text,
                "Queue ID",
            ),
            field(
                "sessionDuration",
                dropped("Guest Chat only; Open Messaging has no session duration"),
                Plain,
                false,
                Format::Integer,
                "Session Duration (in minutes)",
            ),
            field("sendProfile", property("sendProfile"), Plain, false, Format::Bool, "Send Profile information"),
            field(
                "oAuth2Connection",
                dropped(
                    "Open Messaging authenticates with its own OAuth client (values.clientId, secrets.clientSecret), \
                     not a Connection",
                ),
                ConnectionRef,
                false,
                Format::Text,
                "Genesys Cloud Authentication",
            ),
            field(
                "forwardOnlyHandoverConversations",
                dropped("fixed to true for Genesys; the new provider has no such setting"),
                Plain,
                false,
                Format::Bool,
                "Forward only handover conversations",
            ),
        ],
        node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: HandoverNodeType::all(),
        manual_properties: vec![
            manual(
                "deploymentName",
                Plain,
                "Deployment Name",
                "It is the name of the Open Messaging integration in Genesys Cloud (Admin → Message → Platforms; no spaces)",
            ),
            manual(
                "queue",
                Plain,
                "Queue ID",
                "It is the UUID of the Genesys queue (from the queue's URL in Genesys Cloud Admin → Queues)",
            ),
            manual(
                "clientId",
                Plain,
                "Client ID",
                "It is the OAuth client (Client Credentials grant) Cognigy uses, from Genesys Cloud Admin → OAuth",
            ),
            manual("clientSecret", Secret, "Client Secret", "It is the secret of the same OAuth client"),
            manual(
                "webhookSecret",
                Secret,
                "Webhook Secret",
                "It is the Signature Secret Token of the Open Messaging integration's Outbound Notification Webhook",
            ),
        ],
        node_rules: vec![],
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "confirm.webhook".into(),
            prompt: "Confirm the Outbound Notification Webhook of the Genesys Open Messaging integration points to \
                     <your endpoint URL>{webhook_path} and that its Signature Secret Token matches the Webhook \
                     Secret of provider \"{provider}\"; then test a handover."
                .into(),
            confirm: true,
            when_true: None,
        }],
    }
}

/// The Genesys Cloud Guest Chat provider: its own service, and the switch to Open Messaging.
pub fn provider() -> SpecProvider {
    SpecProvider {
        name: "genesys-cloud".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        specs: vec![pair_spec(), open_messaging_pair_spec()],
    }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
