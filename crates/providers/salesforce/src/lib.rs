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
//!   after migration.
//!
//! ## `salesforce` → `salesforceMIAW` (`--to salesforceMIAW`)
//!
//! The successor, Messaging for In-App and Web, is set up differently (reference:
//! `providers.md` §4, §8). Nothing is dropped silently: every legacy key is carried, turned
//! into a manual step, or listed in the plan as having no counterpart.
//! - Carried: `organizationId` (required, as for the legacy pair).
//! - Manual steps (blocking until answered, `values.<key>`): `scrtUrl` (Base URL, the org's
//!   SCRT2 URL, absolute URL), `esDeveloperName` (Embedded Service Developer Name),
//!   `capabilitiesVersion` (Capabilities Version; Cognigy shows `1`) and
//!   `forwardUnknownEventsToFlow` (Forward Events to the Flow, true/false). MIAW's property
//!   keys are not documented: they are checked against the tenant's service in API mode.
//! - No counterpart (listed as notes): `baseUrl` (the legacy chat API's URL), `apiVersion`,
//!   `deploymentId`, `buttonId` (MIAW routes through Omni-Channel, not buttons),
//!   `forwardUnknownEventsToFlow` (MIAW forwards other events: decided anew above) and
//!   `forwardOnlyHandoverConversations`. Only `organizationId` is required of the legacy
//!   settings; the others are checked for their format when present.
//! - Node fields: `sendTranscriptAsFirstMessage` carries over (MIAW has "Send Transcript as
//!   first message"; its key is assumed to be the same); `buttonId` and
//!   `salesforcePrechatEntities` / `salesforcePrechatDetails` have no counterpart (left in
//!   the node, unused); every Handover to Agent node needs a person for its Conversation
//!   Routing Attributes (where button or pre-chat routing has to be re-created). Check Agent
//!   Availability stays unsupported.

use handover_migrate_core::spec::{self, property, Format, ManualPropertySpec, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::{Destination, FieldOutcome, HandoverNodeType, MigrationPair, NodeFieldRule, PropertyClass};

pub const KIND: &str = "salesforce";

/// The successor service: Salesforce Messaging for In-App and Web.
pub const MIAW: &str = "salesforceMIAW";

/// Node config keys MIAW reads that legacy Salesforce nodes have too.
pub const MIAW_NODE_FIELDS: &[&str] = &["sendTranscriptAsFirstMessage"];

/// Node config keys Salesforce owns on Handover to Agent.
pub const NODE_FIELDS: &[&str] =
    &["sendTranscriptAsFirstMessage", "buttonId", "salesforcePrechatEntities", "salesforcePrechatDetails"];

pub fn pair_spec() -> PairSpec {
    // Salesforce settings hold no secrets.
    let field = |legacy_key: &str, destination: Destination, required, format, label: &str| {
        spec::field(legacy_key, destination, PropertyClass::Plain, required, format, label)
    };
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "Salesforce (Service Cloud chat)".into(),
        webhook_path: None,
        warnings: vec![
            "Salesforce retired the legacy Live Agent chat API that this provider uses (removed on 14 Feb 2026), so \
             handovers through it stop working. Consider a Salesforce MIAW (Messaging for In-App and Web) handover \
             provider instead: `--to salesforceMIAW` migrates to it (only the Organization ID carries over; the \
             rest becomes manual steps)."
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
        manual_properties: vec![],
        node_rules: vec![],
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

/// `salesforce` → `salesforceMIAW`: see the crate documentation.
pub fn miaw_pair_spec() -> PairSpec {
    // Salesforce settings hold no secrets.
    let field = |legacy_key: &str, destination: Destination, required, format, label: &str| {
        spec::field(legacy_key, destination, PropertyClass::Plain, required, format, label)
    };
    let dropped = |why: &str| Destination::Dropped(why.into());
    let manual = |key: &str, format, label: &str, hint: &str| ManualPropertySpec {
        key: key.into(),
        class: PropertyClass::Plain,
        format,
        label: label.into(),
        hint: hint.into(),
    };
    let no_counterpart = |field: &str, note: &str| NodeFieldRule {
        field: field.into(),
        outcome: FieldOutcome::NoCounterpart,
        note: note.into(),
        node_types: vec![HandoverNodeType::HandoverToAgent],
        always: false,
    };
    PairSpec {
        pair: MigrationPair::new(KIND, MIAW),
        display_name: "Salesforce MIAW".into(),
        webhook_path: None,
        warnings: vec![
            "Salesforce MIAW (Messaging for In-App and Web) is set up differently from the retired legacy chat API: \
             only the Organization ID carries over; the Base URL, Embedded Service Developer Name, Capabilities \
             Version and Forward Events setting are entered by a person, and button or pre-chat routing is \
             re-created as Conversation Routing Attributes on the nodes."
                .into(),
        ],
        fields: vec![
            field(
                "forwardUnknownEventsToFlow",
                dropped(
                    "MIAW forwards other events than the legacy chat API, so its Forward Events to the Flow is \
                     decided anew (values.forwardUnknownEventsToFlow)",
                ),
                false,
                Format::Bool,
                "Forward Events to the Flow",
            ),
            field(
                "baseUrl",
                dropped(
                    "the legacy Live Agent chat API URL; MIAW connects through the org's SCRT2 URL instead \
                     (values.scrtUrl)",
                ),
                false,
                Format::Url,
                "Live Agent Base URL",
            ),
            field(
                "apiVersion",
                dropped("the legacy chat API version; MIAW has none (its Capabilities Version is another setting)"),
                false,
                Format::Text,
                "API Version",
            ),
            field(
                "organizationId",
                Destination::Property("organizationId".into()),
                true,
                Format::Text,
                "Organization ID",
            ),
            field(
                "deploymentId",
                dropped(
                    "the legacy chat deployment; MIAW uses an Embedded Service deployment, named by its developer \
                     name (values.esDeveloperName)",
                ),
                false,
                Format::Text,
                "Deployment ID",
            ),
            field(
                "buttonId",
                dropped(
                    "MIAW routes through Omni-Channel flows, not chat buttons; re-create button routing as \
                     Conversation Routing Attributes on the nodes",
                ),
                false,
                Format::Text,
                "Button ID",
            ),
            field(
                "forwardOnlyHandoverConversations",
                dropped("fixed to true for Salesforce; the MIAW provider has no such setting"),
                false,
                Format::Bool,
                "Forward only handover conversations",
            ),
        ],
        node_fields: MIAW_NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: vec![HandoverNodeType::HandoverToAgent],
        manual_properties: vec![
            manual(
                "scrtUrl",
                Format::Url,
                "Base URL",
                "It is the SCRT2 URL of the Salesforce org (Setup → Embedded Service Deployments → the MIAW \
                 deployment → Code Snippet), e.g. https://acme.my.salesforce-scrt.com",
            ),
            manual(
                "esDeveloperName",
                Format::Text,
                "Embedded Service Developer Name",
                "It is the API name of the Messaging for In-App and Web deployment (Setup → Embedded Service \
                 Deployments)",
            ),
            manual("capabilitiesVersion", Format::Text, "Capabilities Version", "Cognigy's documentation shows \"1\""),
            manual(
                "forwardUnknownEventsToFlow",
                Format::Bool,
                "Forward Events to the Flow",
                "Answer true or false: MIAW forwards other events than the legacy chat API, so the legacy setting \
                 is not copied",
            ),
        ],
        node_rules: vec![
            no_counterpart(
                "buttonId",
                "MIAW has no chat buttons; routing goes through the Omni-Channel flow or the Conversation Routing \
                 Attributes",
            ),
            no_counterpart(
                "salesforcePrechatEntities",
                "MIAW has no pre-chat entities; pass what routing needs as Conversation Routing Attributes",
            ),
            no_counterpart(
                "salesforcePrechatDetails",
                "MIAW has no pre-chat details; pass what routing needs as Conversation Routing Attributes",
            ),
            NodeFieldRule {
                field: "Conversation Routing Attributes".into(),
                outcome: FieldOutcome::NeedsPerson,
                note: "MIAW routes with a JSON of routing attributes (\"language\" overrides the locale); where this \
                       node chose a button or sent pre-chat details, re-create that routing here (key not documented: \
                       set it in the Cognigy UI)"
                    .into(),
                node_types: vec![HandoverNodeType::HandoverToAgent],
                always: true,
            },
        ],
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "check.miawSetup".into(),
            prompt: "Before switching the nodes, set up Messaging for In-App and Web in Salesforce (an Embedded \
                     Service deployment routed by an Omni-Channel flow), then test a handover through provider \
                     \"{provider}\"."
                .into(),
            confirm: false,
            when_true: None,
        }],
    }
}

/// The Salesforce provider: its own service, and the switch to Salesforce MIAW.
pub fn provider() -> SpecProvider {
    SpecProvider {
        name: "salesforce".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        specs: vec![pair_spec(), miaw_pair_spec()],
    }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
