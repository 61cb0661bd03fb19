//! Fixed data the simulator serves: the legacy `providerSettings` schema, the handover
//! service catalogue, and the node catalogue (read from a file generated from the official
//! client's bundled descriptors at test time, or a small one made up here).

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

/// One node type of the descriptor catalogue, in the order the catalogue lists it.
#[derive(Clone, Debug)]
pub struct CatalogueEntry {
    pub node_type: String,
    pub extension: String,
    /// `defaultLabel`, `summary`, `extensionImg`, `appearance` (required by the official
    /// client's `INodeDescriptor_2_0`), as served.
    pub meta: serde_json::Map<String, Value>,
    pub fields: Vec<Field>,
}

/// The extension of Cognigy's own nodes.
pub const BASIC_NODES: &str = "@cognigy/basic-nodes";

impl CatalogueEntry {
    pub fn new(node_type: &str, label: &str, fields: Vec<Field>) -> CatalogueEntry {
        CatalogueEntry {
            node_type: node_type.to_string(),
            extension: BASIC_NODES.to_string(),
            meta: default_meta(label),
            fields,
        }
    }
}

fn default_meta(label: &str) -> serde_json::Map<String, Value> {
    let Value::Object(meta) = json!({
        "defaultLabel": label,
        "summary": "",
        "extensionImg": "",
        "appearance": {},
    }) else {
        unreachable!()
    };
    meta
}

/// Reads a node catalogue file: a JSON list of `{type, fields, extension?, defaultLabel?,
/// summary?, appearance?}` (what `tests/npm-clone/gen-descriptors.cjs` writes from the
/// official client's bundled descriptors). Errors name the file and the entry.
pub fn load_catalogue(path: &std::path::Path) -> anyhow::Result<Vec<CatalogueEntry>> {
    use anyhow::{bail, Context};
    let text = std::fs::read_to_string(path).with_context(|| format!("reading --descriptors {}", path.display()))?;
    let list: Value =
        serde_json::from_str(&text).with_context(|| format!("--descriptors {}: not JSON", path.display()))?;
    let Value::Array(list) = list else {
        bail!("--descriptors {}: expected a JSON list of node descriptors", path.display());
    };
    let mut out: Vec<CatalogueEntry> = Vec::with_capacity(list.len());
    for (index, item) in list.into_iter().enumerate() {
        let Value::Object(mut item) = item else {
            bail!("--descriptors {}: entry {index} is not an object", path.display());
        };
        let Some(Value::String(node_type)) = item.remove("type") else {
            bail!("--descriptors {}: entry {index} has no string `type`", path.display());
        };
        let fields = match item.remove("fields") {
            None => Vec::new(),
            Some(Value::Array(fields)) => fields
                .into_iter()
                .map(|f| match f {
                    Value::Object(f) if f.get("key").is_some_and(Value::is_string) => Ok(f),
                    _ => Err(anyhow::anyhow!(
                        "--descriptors {}: a field of `{node_type}` is not an object with a string `key`",
                        path.display()
                    )),
                })
                .collect::<anyhow::Result<_>>()?,
            Some(_) => bail!("--descriptors {}: `fields` of `{node_type}` is not a list", path.display()),
        };
        let extension = match item.remove("extension") {
            Some(Value::String(extension)) => extension,
            _ => BASIC_NODES.to_string(),
        };
        let mut meta = default_meta(&node_type);
        for key in ["defaultLabel", "summary", "extensionImg", "appearance"] {
            if let Some(value) = item.remove(key) {
                meta.insert(key.to_string(), value);
            }
        }
        if out.iter().any(|e| e.node_type == node_type) {
            bail!("--descriptors {}: node type `{node_type}` is listed twice", path.display());
        }
        out.push(CatalogueEntry { node_type, extension, meta, fields });
    }
    Ok(out)
}

fn field(key: &str, kind: &str, default: Option<Value>) -> Field {
    let mut field = Field::new();
    field.insert("key".into(), Value::String(key.into()));
    field.insert("type".into(), Value::String(kind.into()));
    field.insert("label".into(), Value::String(key.into()));
    if let Some(default) = default {
        field.insert("defaultValue".into(), default);
    }
    field
}

/// The catalogue served without `--descriptors`: a small one made up here, with the two
/// handover node types' 4.85 config keys as the reference notes list them
/// (`cognigy-model.md` §3.3, §3.4) and a few other common node types. The seed's node types
/// and config keys are added to it when a project is loaded.
pub fn builtin_catalogue() -> Vec<CatalogueEntry> {
    let text = |k: &str| field(k, "cognigyText", None);
    let text_array = |k: &str| field(k, "cognigyTextArray", Some(json!([])));
    let toggle = |k: &str, on: bool| field(k, "toggle", Some(Value::Bool(on)));
    let number = |k: &str| field(k, "number", None);
    let handover = vec![
        text("text"),
        toggle("repeatHandoverMessage", false),
        text("cancelIntent"),
        text("quickReply"),
        field("resolveBehavior", "select", Some(json!("resetEntrypoint"))),
        toggle("sendResolveEvent", true),
        toggle("sendOnQueueEvent", false),
        toggle("sendOnActiveEvent", false),
        text("liveAgentInboxId"),
        text_array("liveAgentSkills"),
        text_array("liveAgentLanguages"),
        field("liveAgentPriority", "select", Some(json!("none"))),
        text("agentAssistInitMessage"),
        toggle("allowAgentInject", false),
        toggle("getQueuePosition", false),
        number("updateIntervalQueuePosition"),
        toggle("getEstimatedWaitTime", false),
        number("updateIntervalEstimatedWaitTime"),
        toggle("alternativeUpdate", false),
        number("maximumQueuePosition"),
        number("maximumEstimatedWaitTime"),
        text("alternativeText"),
        text("chatwootInboxId"),
        toggle("sendTranscriptAsFirstMessage", false),
        text("buttonId"),
        field("salesforcePrechatEntities", "json", Some(json!("[]"))),
        field("salesforcePrechatDetails", "json", Some(json!("[]"))),
        text("genesysLanguage"),
        text_array("genesysSkills"),
        text("genesysPriority"),
        field("genesysCustomAttributes", "json", Some(json!({}))),
        text("eightByEightChannelId"),
        text("eightByEightQueueId"),
        field("eightByEightJSONProps", "json", Some(json!({}))),
        text_array("additionalCategoryIds"),
    ];
    let check = vec![
        text("chatwootInboxId"),
        text("liveAgentInboxId"),
        text_array("liveAgentSkills"),
        text_array("liveAgentLanguages"),
        field("genesysCloudSkills", "textArray", Some(json!([]))),
        field("genesysCloudProfileSkills", "textArray", Some(json!([]))),
        field("genesysCloudLanguageSkills", "textArray", Some(json!([]))),
        field("storeLocation", "select", Some(json!("input"))),
        field("inputKey", "cognigyText", Some(json!("availableAgents"))),
        field("contextKey", "cognigyText", Some(json!("availableAgents"))),
        field("errorLogging", "select", Some(json!("none"))),
        toggle("abortOnError", false),
        field("logWarning", "description", None),
    ];
    vec![
        CatalogueEntry::new("start", "Start", vec![]),
        CatalogueEntry::new("end", "End", vec![]),
        CatalogueEntry::new("say", "Say", vec![field("say", "say", None)]),
        CatalogueEntry::new("question", "Question", vec![text("type")]),
        CatalogueEntry::new("code", "Code", vec![field("code", "typescript", None)]),
        CatalogueEntry::new("if", "If", vec![field("condition", "condition", None)]),
        CatalogueEntry::new("executeFlow", "Execute Flow", vec![field("flowNode", "flowNode", None)]),
        CatalogueEntry::new("goTo", "Go To", vec![field("flowNode", "flowNode", None)]),
        CatalogueEntry::new("handoverToAgent", "Handover to Agent", handover),
        CatalogueEntry::new("checkAgentAvailability", "Check Agent Availability", check),
        CatalogueEntry::new("closeHandover", "Close Handover", vec![]),
    ]
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
