//! The data the [`crate::ProviderMigration`] trait speaks. All of it is serializable: it is
//! what crosses a plugin boundary as JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// JSON object, key order preserved.
pub type Object = Map<String, Value>;

/// A migration: from a legacy endpoint kind to a Handover Provider service.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MigrationPair {
    /// `handoverSettings.provider` of the endpoint, e.g. `liveAgent`.
    pub source_kind: String,
    /// The service of the new Handover Provider, e.g. `liveAgent`.
    pub target_service: String,
}

impl MigrationPair {
    pub fn new(source_kind: impl Into<String>, target_service: impl Into<String>) -> Self {
        Self { source_kind: source_kind.into(), target_service: target_service.into() }
    }

    /// The usual pair: a legacy kind to its own new service.
    pub fn same(kind: impl Into<String>) -> Self {
        let kind = kind.into();
        Self { target_service: kind.clone(), source_kind: kind }
    }
}

impl std::fmt::Display for MigrationPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} → {}", self.source_kind, self.target_service)
    }
}

/// Who a provider is and what it can migrate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// Short machine name, e.g. `live-agent`.
    pub name: String,
    /// The provider's own version.
    pub version: String,
    /// The [`crate::CONTRACT_VERSION`] it was built against.
    pub contract_version: String,
    pub pairs: Vec<PairInfo>,
}

/// What a provider says about one pair it supports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairInfo {
    pub pair: MigrationPair,
    /// Human name of the contact center, e.g. "Cognigy Live Agent".
    pub display_name: String,
    /// Path the contact center calls back on (`/handover/<type>`), if any.
    #[serde(default)]
    pub webhook_path: Option<String>,
    /// Where the vendor side itself changed (a retired API, a deprecated channel).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The mapping table, for `providers show` and the plan.
    #[serde(default)]
    pub mapping: Vec<MappingRow>,
    /// Node config keys the target service reads on Handover to Agent / Check Agent
    /// Availability (for a kind's own service: the vendor's node fields). In a vendor switch
    /// or retarget, a source node field listed here is reported as carried.
    #[serde(default)]
    pub node_fields: Vec<String>,
    /// The node types the target service supports (Check Agent Availability supports only
    /// some vendors). Nodes of other types are reported and left as they are.
    #[serde(default = "HandoverNodeType::all")]
    pub node_types: Vec<HandoverNodeType>,
}

impl PairInfo {
    /// Every property a provider of this pair can have (mapping rows whose destination is
    /// a property, including manual rows), in mapping order.
    pub fn target_properties(&self) -> impl Iterator<Item = (&str, &MappingRow)> {
        self.mapping.iter().filter_map(|row| match &row.destination {
            Destination::Property(key) => Some((key.as_str(), row)),
            _ => None,
        })
    }
}

/// What becomes of one node field when a node moves to another service (used by
/// [`crate::spec::PairSpec::node_rules`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFieldRule {
    /// The node config key (or, for a target field whose key is not documented, its UI label).
    pub field: String,
    pub outcome: FieldOutcome,
    /// Why, or what a person must do (shown in the plan).
    pub note: String,
    /// The node types the rule applies to (default: both).
    #[serde(default = "HandoverNodeType::all")]
    pub node_types: Vec<HandoverNodeType>,
    /// Report it on every node, even one that does not set the field (a target field with
    /// no source, e.g. MIAW's routing attributes). Otherwise only nodes that set it.
    #[serde(default)]
    pub always: bool,
}

/// See [`NodeFieldRule`]. A field the target reads under the same key is not a rule: it
/// is listed in the pair's `node_fields`, and the host reports it as carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOutcome {
    /// A person must fill it in by hand on the new provider's node section.
    NeedsPerson,
    /// The target has nothing like it; it stays in the node config, unused.
    NoCounterpart,
}

/// One legacy key and where it goes.
///
/// A row with an empty `legacy_key` (contract 1.1) is a property of the target service that
/// no legacy key feeds (a vendor switch, e.g. MIAW's Embedded Service Developer Name): a
/// person supplies it, and `required` is true.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingRow {
    pub legacy_key: String,
    pub destination: Destination,
    pub class: PropertyClass,
    pub required: bool,
    pub format: String,
    #[serde(default)]
    pub label: String,
}

/// Where a legacy `providerSettings` key ends up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "to", content = "key")]
pub enum Destination {
    /// A property of the new provider.
    Property(String),
    /// An endpoint-level default that belongs on nodes (e.g. a default inbox id): it does
    /// not split provider groups and is handed to `rewrite_node`.
    NodeDefault(String),
    /// A fixed or obsolete value that the new provider does not keep (documented why).
    Dropped(String),
}

/// How a provider property must be treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyClass {
    /// API keys, tokens, client and webhook secrets: never shown, logged or journaled.
    Secret,
    /// A reference to a Cognigy Connection (e.g. Genesys Cloud Authentication).
    ConnectionRef,
    Plain,
}

/// Input of [`crate::ProviderMigration::map_settings`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MapSettingsRequest {
    pub pair: MigrationPair,
    /// Endpoint name, for messages.
    pub endpoint: String,
    /// `handoverSettings.providerSettings` exactly as stored (absent = empty object).
    pub settings: Object,
}

/// The new provider as mapped from one endpoint's legacy settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderDraft {
    pub properties: Vec<DraftProperty>,
    /// Endpoint-level defaults handed to node rewrites (see [`Destination::NodeDefault`]).
    #[serde(default)]
    pub node_defaults: Object,
    /// Notes for the plan about this mapping (never containing secret values).
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftProperty {
    pub key: String,
    pub class: PropertyClass,
    pub value: DraftValue,
}

/// A property value, or why it is not known yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "value")]
pub enum DraftValue {
    Known(Value),
    /// Not in the legacy settings: a person must supply it.
    Missing,
    /// Read back masked (e.g. `"****"`): a person must supply it; the mask is never written.
    Masked,
}

/// One problem with legacy settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsIssue {
    /// The `providerSettings` key (or `""` for the object as a whole).
    pub field: String,
    /// What is wrong and what to do, never quoting a secret value.
    pub message: String,
}

/// Input of [`crate::ProviderMigration::manual_steps`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManualStepsRequest {
    pub pair: MigrationPair,
    pub provider_name: String,
    pub draft: ProviderDraft,
}

/// Something a person must supply or do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManualStep {
    /// Stable key; for input steps it is the answers-file entry under the provider, e.g.
    /// `secrets.apiKey` or `connections.oAuth2Connection`.
    pub key: String,
    pub kind: ManualStepKind,
    /// What to do, in words a Cognigy engineer understands.
    pub prompt: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "property")]
pub enum ManualStepKind {
    /// A secret property value is needed (blocks until answered).
    Secret(String),
    /// A Connection reference is needed (blocks until answered).
    Connection(String),
    /// A plain property value is needed (blocks until answered).
    Value(String),
    /// Something to confirm or check; never blocks.
    Confirm,
    /// A reminder for after the migration; never blocks.
    Reminder,
}

impl ManualStepKind {
    /// The property this step supplies, for input steps.
    pub fn property(&self) -> Option<&str> {
        match self {
            Self::Secret(p) | Self::Connection(p) | Self::Value(p) => Some(p),
            Self::Confirm | Self::Reminder => None,
        }
    }
}

/// Node types the migration rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HandoverNodeType {
    #[serde(rename = "handoverToAgent")]
    HandoverToAgent,
    #[serde(rename = "checkAgentAvailability")]
    CheckAgentAvailability,
}

impl HandoverNodeType {
    pub fn from_type(node_type: &str) -> Option<Self> {
        match node_type {
            "handoverToAgent" => Some(Self::HandoverToAgent),
            "checkAgentAvailability" => Some(Self::CheckAgentAvailability),
            _ => None,
        }
    }

    /// Both node types (the default for a pair).
    pub fn all() -> Vec<Self> {
        vec![Self::HandoverToAgent, Self::CheckAgentAvailability]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HandoverToAgent => "handoverToAgent",
            Self::CheckAgentAvailability => "checkAgentAvailability",
        }
    }
}

/// Input of [`crate::ProviderMigration::rewrite_node`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeRewriteRequest {
    pub pair: MigrationPair,
    pub node_type: HandoverNodeType,
    /// The node's config in the locale being rewritten.
    pub config: Object,
    /// The node defaults of the endpoint the node is attributed to.
    pub endpoint_defaults: Object,
}

/// Field changes for one node (besides the selector, which the host sets).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeRewrite {
    /// Keys to set, with their new values (types as the node stores them).
    #[serde(default)]
    pub set: Object,
    /// Fields a person must fill in by hand (vendor switches).
    #[serde(default)]
    pub needs_person: Vec<FieldNote>,
    /// Fields with no counterpart in the target (vendor switches); left as they are.
    #[serde(default)]
    pub no_counterpart: Vec<FieldNote>,
}

impl NodeRewrite {
    /// Record a field that needs a person or has no counterpart.
    pub fn note(&mut self, outcome: FieldOutcome, field: impl Into<String>, note: impl Into<String>) {
        let entry = FieldNote { field: field.into(), note: note.into() };
        let list = match outcome {
            FieldOutcome::NeedsPerson => &mut self.needs_person,
            FieldOutcome::NoCounterpart => &mut self.no_counterpart,
        };
        if !list.iter().any(|f| f.field == entry.field) {
            list.push(entry);
        }
    }

    /// Whether a field is listed as needing a person or having no counterpart.
    pub fn lists(&self, field: &str) -> bool {
        self.needs_person.iter().chain(&self.no_counterpart).any(|f| f.field == field)
    }
}

/// Input of [`crate::ProviderMigration::retarget_node`] (contract 1.1): a node that points
/// at a Handover Provider of `source_service` moves to a provider of `pair.target_service`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RetargetNodeRequest {
    /// The pair of the provider the node moves to, as its plugin declares it.
    pub pair: MigrationPair,
    /// The service of the provider the node points at now (empty when that provider no
    /// longer exists).
    pub source_service: String,
    /// The node fields the source service's plugin owns (its `PairInfo::node_fields`);
    /// empty when no plugin knows the source service.
    pub source_node_fields: Vec<String>,
    pub node_type: HandoverNodeType,
    /// The node's config in the locale being rewritten.
    pub config: Object,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNote {
    pub field: String,
    pub note: String,
}

/// A provider as it exists after apply, for [`crate::ProviderMigration::verify`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VerifyRequest {
    pub pair: MigrationPair,
    pub provider_name: String,
    /// `properties` as `{key: value}`.
    pub properties: Object,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}
