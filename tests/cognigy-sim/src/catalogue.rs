//! Fixed data the simulator serves: the legacy `providerSettings` schema, the handover
//! service catalogue and the node descriptors of Cognigy.AI 4.85 (from the official client).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::ids;

/// `handoverSettings.provider` values the legacy endpoint schema allows (model §1.2).
pub const LEGACY_PROVIDERS: &[&str] = &[
    "none",
    "chatwoot",
    "cognigy",
    "rce",
    "salesforce",
    "liveAgent",
    "genesysCloud",
    "genesysCloudOM",
    "eightByEight",
];

/// The union of all providers' `providerSettings` keys: the legacy schema's single
/// `additionalProperties: false` branch (model §1.3).
pub const PROVIDER_SETTINGS_KEYS: &[&str] = &[
    "accountId",
    "baseUrl",
    "apiKey",
    "apiTenant",
    "usePlatformToken",
    "forwardOnlyHandoverConversations",
    "getQueueUpdates",
    "apiAccessToken",
    "baseApiUrl",
    "realtimeAccessToken",
    "realtimeEndpointUrl",
    "webhookSecret",
    "agentCategoryId",
    "botCategoryId",
    "apiVersion",
    "organizationId",
    "deploymentId",
    "deploymentName",
    "clientId",
    "clientSecret",
    "buttonId",
    "forwardUnknownEventsToFlow",
    "liveAgentInboxId",
    "chatwootInboxId",
    "host",
    "oAuth2Connection",
    "queue",
    "queueId",
    "sendProfile",
    "sessionDuration",
];

/// `providerSettings` values that `--mask-secrets` masks on read.
pub const SECRET_SETTINGS_KEYS: &[&str] =
    &["apiKey", "apiAccessToken", "realtimeAccessToken", "webhookSecret", "clientSecret"];

/// What a masked secret reads as.
pub const MASK: &str = "********";

/// One property of a handover service.
#[derive(Clone, Debug)]
pub struct ServiceProperty {
    pub key: &'static str,
    pub label: &'static str,
    /// `text`, `toggle`, `number` or `connection`.
    pub kind: &'static str,
    pub required: bool,
    pub secret: bool,
}

impl ServiceProperty {
    /// The value a new provider starts with.
    pub fn default_value(&self) -> Value {
        match self.kind {
            "toggle" => Value::Bool(false),
            _ => Value::String(String::new()),
        }
    }
}

/// A handover service (the kind of a Handover Provider).
#[derive(Clone, Debug)]
pub struct Service {
    pub id: String,
    pub reference_id: String,
    pub name: &'static str,
    pub properties: Vec<ServiceProperty>,
}

impl Service {
    pub fn to_json(&self) -> Value {
        json!({
            "_id": self.id,
            "referenceId": self.reference_id,
            "name": self.name,
            "version": "1.0.0",
            "serviceUrl": format!("https://handover-services.sim.invalid/{}", self.name),
            "logoUrl": format!("https://handover-services.sim.invalid/{}/logo.svg", self.name),
            "properties": self.properties.iter().map(|p| json!({
                "key": p.key, "label": p.label, "type": p.kind, "required": p.required, "secret": p.secret
            })).collect::<Vec<_>>(),
        })
    }

    pub fn property(&self, key: &str) -> Option<&ServiceProperty> {
        self.properties.iter().find(|p| p.key == key)
    }
}

const fn prop(
    key: &'static str,
    label: &'static str,
    kind: &'static str,
    required: bool,
    secret: bool,
) -> ServiceProperty {
    ServiceProperty { key, label, kind, required, secret }
}

/// The service catalogue: one per legacy kind (name = the kind) plus `salesforceMIAW`.
/// Property keys are the legacy `providerSettings` keys the built-in providers map to
/// provider properties (`providers/*/src/lib.rs`); MIAW's are those of the built-in
/// `salesforce` → `salesforceMIAW` pair (made up: MIAW has no legacy kind and no documented keys).
pub fn services() -> Vec<Service> {
    let table: Vec<(&'static str, Vec<ServiceProperty>)> = vec![
        (
            "liveAgent",
            vec![
                prop("usePlatformToken", "Handover to pre-configured Live Agent account", "toggle", false, false),
                prop("baseUrl", "Base URL", "text", false, false),
                prop("accountId", "Account ID", "text", false, false),
                prop("apiKey", "API Key", "text", false, true),
            ],
        ),
        (
            "chatwoot",
            vec![
                prop("baseUrl", "Base URL", "text", true, false),
                prop("accountId", "Account ID", "text", true, false),
                prop("apiKey", "API Key", "text", true, true),
            ],
        ),
        (
            "rce",
            vec![
                prop("forwardOnlyHandoverConversations", "Forward Only Handover Conversations", "toggle", true, false),
                prop("getQueueUpdates", "Get Queue Updates", "toggle", false, false),
                prop("apiAccessToken", "API Access Token", "text", true, true),
                prop("botCategoryId", "Bot Category ID", "text", true, false),
                prop("agentCategoryId", "Agent Category ID", "text", true, false),
                prop("realtimeAccessToken", "Realtime Access Token", "text", true, true),
                prop("realtimeEndpointUrl", "Realtime Endpoint URL", "text", true, false),
                prop("webhookSecret", "Webhook Secret", "text", true, true),
                prop("baseApiUrl", "Base API URL", "text", true, false),
            ],
        ),
        (
            "salesforce",
            vec![
                prop("forwardUnknownEventsToFlow", "Forward Events to the Flow", "toggle", false, false),
                prop("baseUrl", "Live Agent Base URL", "text", true, false),
                prop("apiVersion", "API Version", "text", true, false),
                prop("organizationId", "Organization ID", "text", true, false),
                prop("deploymentId", "Deployment ID", "text", true, false),
                prop("buttonId", "Button ID", "text", true, false),
            ],
        ),
        (
            "genesysCloud",
            vec![
                prop("host", "Host", "text", true, false),
                prop("organizationId", "Organization ID", "text", true, false),
                prop("deploymentId", "Deployment ID", "text", true, false),
                prop("queue", "Queue", "text", true, false),
                prop("queueId", "Queue ID", "text", true, false),
                prop("sessionDuration", "Session Duration (in minutes)", "number", false, false),
                prop("sendProfile", "Send Profile", "toggle", false, false),
                prop("oAuth2Connection", "Genesys Cloud Authentication", "connection", true, false),
            ],
        ),
        (
            "genesysCloudOM",
            vec![
                prop("host", "Host", "text", true, false),
                prop("deploymentName", "Deployment Name", "text", true, false),
                prop("queue", "Queue ID", "text", true, false),
                prop("webhookSecret", "Webhook Secret", "text", false, true),
                prop("clientId", "Client ID", "text", true, false),
                prop("clientSecret", "Client Secret", "text", true, true),
                prop("sendProfile", "Send Profile information", "toggle", false, false),
            ],
        ),
        (
            "eightByEight",
            vec![
                prop("baseUrl", "Base URL", "text", true, false),
                prop("apiKey", "API Key", "text", true, true),
                prop("apiTenant", "8x8-Tenant", "text", true, false),
            ],
        ),
        (
            // The keys of `providers/salesforce`'s `salesforce` → `salesforceMIAW` pair (the
            // real ones are not documented; labels from the MIAW provider doc).
            "salesforceMIAW",
            vec![
                prop("forwardUnknownEventsToFlow", "Forward Events to the Flow", "toggle", false, false),
                prop("scrtUrl", "Base URL", "text", true, false),
                prop("organizationId", "Organization ID", "text", true, false),
                prop("esDeveloperName", "Embedded Service Developer Name", "text", true, false),
                prop("capabilitiesVersion", "Capabilities Version", "text", true, false),
            ],
        ),
    ];
    table
        .into_iter()
        .map(|(name, properties)| Service {
            id: ids::object_id(&format!("service:{name}")),
            reference_id: ids::uuid(&format!("service:{name}")),
            name,
            properties,
        })
        .collect()
}

/// One node descriptor field as served.
pub type Field = serde_json::Map<String, Value>;

/// The node descriptors of Cognigy.AI 4.85, by node type, as `@cognigy/rest-api-client`
/// 0.19.0 ships them (generated by `tests/npm-clone/gen-descriptors.cjs`).
pub fn reference_descriptors() -> BTreeMap<String, Vec<Field>> {
    let text = include_str!("descriptors-rac-0.19.0.json");
    let list: Vec<Value> = serde_json::from_str(text).expect("bundled descriptors are valid JSON");
    let mut out = BTreeMap::new();
    for item in list {
        let Value::Object(mut item) = item else { continue };
        let Some(Value::String(node_type)) = item.remove("type") else { continue };
        let fields = match item.remove("fields") {
            Some(Value::Array(fields)) => fields
                .into_iter()
                .filter_map(|f| match f {
                    Value::Object(f) => Some(f),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        out.insert(node_type, fields);
    }
    out
}

/// The descriptor field type guessed from a value seen in a seed config.
pub fn field_type_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "cognigyText",
        Value::Bool(_) => "toggle",
        Value::Number(_) => "number",
        Value::Array(items) if items.iter().all(Value::is_string) => "cognigyTextArray",
        _ => "json",
    }
}

/// The node types whose descriptors carry the Handover Provider selector.
pub const SELECTOR_NODE_TYPES: &[&str] = &["handoverToAgent", "checkAgentAvailability"];

/// The selector field served under `--selector-key`.
pub fn selector_field(key: &str) -> Field {
    let Value::Object(field) = json!({
        "key": key,
        "type": "select",
        "label": "Handover Provider",
        "defaultValue": "",
        "params": {"options": "handoverProviders"},
    }) else {
        unreachable!()
    };
    field
}
