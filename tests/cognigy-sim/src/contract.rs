//! The request schemas the simulator enforces: query parameters of every route and bodies
//! of the writes. For the routes `@cognigy/rest-api-client` 0.19.0 has, they are the
//! properties of its request types (named here); `tests/npm_client.rs` checks them against
//! schemas generated from the client's `types/index.d.ts` at test time, so a request the
//! client's types refuse is refused here too. Routes the client does not have (handover
//! services and providers, from Cognigy.AI 4.97 on) keep the simulator's own assumptions.

use serde_json::{json, Map, Value};

use crate::problem::{ApiResult, Problem};

/// The JSON kind of a property (for a query parameter: the kind its text must parse as).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    /// A whole number (the types say `number`; `limit`/`skip` are whole).
    Number,
    Boolean,
    Object,
    Array,
    /// Anything (`any` in the types).
    Any,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::Any => "any",
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match self {
            Kind::String => value.is_string(),
            Kind::Number => value.is_number(),
            Kind::Boolean => value.is_boolean(),
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
            Kind::Any => true,
        }
    }
}

/// One property of a request schema.
#[derive(Clone, Copy, Debug)]
pub struct Property {
    pub key: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn opt(key: &'static str, kind: Kind) -> Property {
    Property { key, kind, required: false }
}

const fn req(key: &'static str, kind: Kind) -> Property {
    Property { key, kind, required: true }
}

/// A request schema: the client type it follows (None: the simulator's own) and its properties.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    pub client_type: Option<&'static str>,
    pub properties: &'static [Property],
}

/// `IRestPagination<T>`: the query of every index route.
const PAGINATION: [Property; 7] = [
    opt("filter", Kind::String),
    opt("query", Kind::Object),
    opt("next", Kind::String),
    opt("previous", Kind::String),
    opt("limit", Kind::Number),
    opt("skip", Kind::Number),
    opt("sort", Kind::Object),
];

macro_rules! with_pagination {
    ($($extra:expr),* $(,)?) => {
        &[PAGINATION[0], PAGINATION[1], PAGINATION[2], PAGINATION[3], PAGINATION[4], PAGINATION[5], PAGINATION[6], $($extra),*]
    };
}

/// `GET /endpoints`: `IIndexEndpointsRestData_2_0`.
pub const INDEX_ENDPOINTS: Schema = Schema {
    client_type: Some("IIndexEndpointsRestData_2_0"),
    properties: with_pagination!(opt("projectId", Kind::String)),
};
/// `GET /locales`: `IIndexLocalesRestData_2_0`.
pub const INDEX_LOCALES: Schema = Schema {
    client_type: Some("IIndexLocalesRestData_2_0"),
    properties: with_pagination!(opt("projectId", Kind::String)),
};
/// `GET /flows`: `IIndexFlowsRestData_2_0`.
pub const INDEX_FLOWS: Schema = Schema {
    client_type: Some("IIndexFlowsRestData_2_0"),
    properties: with_pagination!(
        opt("projectId", Kind::String),
        opt("includeFeedbackReport", Kind::Boolean),
        opt("preferredLocaleId", Kind::String),
    ),
};
/// `GET /flows/{id}/chart/nodes`: `IIndexChartNodesRestData_2_0` (less the path's
/// `resourceId`/`resourceType`) plus `preferredLocaleId`, which the client's type does not
/// list but handover-migrate sends (see [`EXTRA_QUERY`]).
pub const INDEX_CHART_NODES: Schema = Schema {
    client_type: Some("IIndexChartNodesRestData_2_0"),
    properties: with_pagination!(opt("preferredLocaleId", Kind::String)),
};
/// `GET /flows/{id}/chart/descriptors`: the client's `IIndexNodeDescriptorsRest_2_0` has only
/// the path's parameters, but its answer is cursor-paginated, so the pagination query applies.
pub const INDEX_NODE_DESCRIPTORS: Schema = Schema { client_type: None, properties: &PAGINATION };
/// `GET /flows/{id}/chart`, `GET /flows/{id}/chart/nodes/{nodeId}`: `IReadChartNodeRestDataQuery_2_0`.
pub const READ_CHART_NODE_QUERY: Schema = Schema {
    client_type: Some("IReadChartNodeRestDataQuery_2_0"),
    properties: &[opt("preferredLocaleId", Kind::String)],
};
/// `GET /tasks/{id}`: `IReadTaskRestDataQuery_2_0`.
pub const READ_TASK_QUERY: Schema =
    Schema { client_type: Some("IReadTaskRestDataQuery_2_0"), properties: &[opt("projectId", Kind::String)] };
/// Reads without a query in the client (`readEndpoint`): nothing.
pub const NO_QUERY: Schema = Schema { client_type: None, properties: &[] };
/// Handover routes (not in the 0.19.0 client): pagination and `projectId`.
pub const HANDOVER_INDEX: Schema =
    Schema { client_type: None, properties: with_pagination!(opt("projectId", Kind::String)) };
pub const PROJECT_QUERY: Schema = Schema { client_type: None, properties: &[opt("projectId", Kind::String)] };

/// Query parameters accepted on every route beyond its type: `api_key` authenticates.
pub const EXTRA_QUERY: &[&str] = &["api_key"];

/// `PATCH /endpoints/{id}`: `IUpdateEndpointRestDataBody_2_0` = `Partial<Omit<IEndpoint_2_0,
/// keyof IEntityMeta | "URLToken">>`.
pub const UPDATE_ENDPOINT: Schema = Schema {
    client_type: Some("IUpdateEndpointRestDataBody_2_0"),
    properties: &[
        opt("active", Kind::Boolean),
        opt("channel", Kind::String),
        opt("dashbotApikey", Kind::String),
        opt("dashbotPlatform", Kind::String),
        opt("disableInputSanitization", Kind::Boolean),
        opt("entrypoint", Kind::String),
        opt("fileStorageSettings", Kind::Object),
        opt("flowId", Kind::String),
        opt("foreignId", Kind::String),
        opt("handoverSettings", Kind::Object),
        opt("localeId", Kind::String),
        opt("maskAnalytics", Kind::Boolean),
        opt("maskIPAddress", Kind::Boolean),
        opt("maskLogging", Kind::Boolean),
        opt("name", Kind::String),
        opt("nluConnectorId", Kind::String),
        opt("orgDataPrivacySettings", Kind::Object),
        opt("overrideSnapshotConnections", Kind::Boolean),
        opt("settings", Kind::Object),
        opt("transformer", Kind::Object),
        opt("translationSettings", Kind::Object),
        opt("useAnalytics", Kind::Boolean),
        opt("useContactProfiles", Kind::Boolean),
        opt("useConversations", Kind::Boolean),
        opt("useDashbotAnalytics", Kind::Boolean),
    ],
};

/// `PATCH /flows/{id}/chart/nodes/{nodeId}`: `IUpdateChartNodeRestDataBody_2_0`.
pub const UPDATE_CHART_NODE: Schema = Schema {
    client_type: Some("IUpdateChartNodeRestDataBody_2_0"),
    properties: &[
        opt("localeId", Kind::String),
        opt("label", Kind::String),
        opt("analyticsLabel", Kind::String),
        opt("comment", Kind::String),
        opt("commentColor", Kind::String),
        opt("isEntryPoint", Kind::Boolean),
        opt("isDisabled", Kind::Boolean),
        opt("preview", Kind::Any),
        opt("config", Kind::Any),
    ],
};

/// `POST /flows/{id}/intents/export`: `IExportIntentsRestDataBody_2_0`.
pub const EXPORT_INTENTS: Schema = Schema {
    client_type: Some("IExportIntentsRestDataBody_2_0"),
    properties: &[req("localeId", Kind::String), req("format", Kind::String)],
};

/// `POST /snapshots`: `ICreateSnapshotRestDataBody_2_0`.
pub const CREATE_SNAPSHOT: Schema = Schema {
    client_type: Some("ICreateSnapshotRestDataBody_2_0"),
    properties: &[
        req("description", Kind::String),
        req("name", Kind::String),
        req("projectId", Kind::String),
        opt("hash", Kind::String),
        opt("isPackaged", Kind::Boolean),
    ],
};

/// `POST /handover/provider` (the simulator's own).
pub const CREATE_PROVIDER: Schema = Schema {
    client_type: None,
    properties: &[req("projectId", Kind::String), req("name", Kind::String), req("serviceId", Kind::String)],
};

/// `PATCH /handover/provider(s)/{id}` (the simulator's own).
pub const UPDATE_PROVIDER: Schema = Schema {
    client_type: None,
    properties: &[req("projectId", Kind::String), opt("name", Kind::String), opt("properties", Kind::Array)],
};

/// Every schema that follows a client type (for the test that compares them).
pub const CLIENT_SCHEMAS: &[Schema] = &[
    INDEX_ENDPOINTS,
    INDEX_LOCALES,
    INDEX_FLOWS,
    INDEX_CHART_NODES,
    READ_CHART_NODE_QUERY,
    READ_TASK_QUERY,
    UPDATE_ENDPOINT,
    UPDATE_CHART_NODE,
    EXPORT_INTENTS,
    CREATE_SNAPSHOT,
];

/// Properties a schema has beyond its client type, on purpose (each one documented above).
pub const EXTRA_PROPERTIES: &[(&str, &str)] = &[("IIndexChartNodesRestData_2_0", "preferredLocaleId")];

impl Schema {
    fn property(&self, key: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.key == key)
    }

    /// Checks query parameters (last value wins): every key known, whole numbers where the
    /// schema says number, `true`/`false` for booleans.
    pub fn check_query(&self, pairs: &[(String, String)]) -> ApiResult<()> {
        for (key, value) in pairs {
            if EXTRA_QUERY.contains(&key.as_str()) {
                continue;
            }
            let Some(property) = self.property(key) else {
                return Err(Problem::bad_request(format!("Validation failed. Query parameter {key} was not allowed")));
            };
            let ok = match property.kind {
                Kind::Number => value.parse::<i64>().is_ok(),
                Kind::Boolean => value == "true" || value == "false",
                _ => true,
            };
            if !ok {
                return Err(Problem::bad_request(format!(
                    "Validation failed. Query parameter {key} must be a {}, got `{value}`",
                    property.kind.name()
                )));
            }
        }
        Ok(())
    }

    /// Checks a JSON object body: every key known and of its kind, required keys present.
    pub fn check_body(&self, body: &Map<String, Value>) -> ApiResult<()> {
        for (key, value) in body {
            let Some(property) = self.property(key) else {
                return Err(Problem::invalid(format!("Validation failed. Field {key} was not allowed")));
            };
            if !property.kind.accepts(value) {
                return Err(Problem::invalid(format!(
                    "Validation failed. Field {key} must be a {}",
                    property.kind.name()
                )));
            }
        }
        if let Some(missing) = self.properties.iter().find(|p| p.required && !body.contains_key(p.key)) {
            return Err(Problem::missing(format!("{} is required", missing.key)));
        }
        Ok(())
    }

    /// The schema in the form `tests/npm-clone/gen-client-types.cjs` writes:
    /// `{"properties": {key: {"kinds": [...]}}, "required": [...]}`.
    pub fn to_json(&self) -> Value {
        let mut properties = Map::new();
        let mut required: Vec<&str> = Vec::new();
        for property in self.properties {
            let kind = match property.kind {
                // The types say `number`; the simulator wants whole numbers.
                Kind::Number => "number",
                other => other.name(),
            };
            properties.insert(property.key.to_string(), json!({"kinds": [kind]}));
            if property.required {
                required.push(property.key);
            }
        }
        required.sort_unstable();
        json!({"properties": properties, "required": required})
    }
}
