//! The tenant reads of `doctor`: only index reads and a bounded sample of endpoints, never a
//! chart, and no write. What they find is returned as plain facts; judging them is the
//! commands crate's job.

use serde_json::Value;

use crate::client::{CallError, Client, Method};
use crate::store::{discover_selector, SelectorDiscovery};

/// At most this many endpoints are read in full (for their legacy kind, entrypoint and
/// masking); the rest are counted from the index.
pub const ENDPOINT_SAMPLE: usize = 150;

/// What the value of a masked secret reads as, on the routes that mask.
pub fn looks_masked(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.len() >= 3 && s.chars().all(|c| c == '*'))
}

/// Why a read failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadFailure {
    /// 401: the key is refused.
    Unauthorized(String),
    /// 403: the key's user lacks a right.
    Forbidden(String),
    /// 404 on a project-scoped route: no such project (or no access to it).
    NotFound(String),
    /// No answer, or another status.
    Failed(String),
}

impl ReadFailure {
    fn from_call(error: CallError, what: &str) -> ReadFailure {
        let message = format!(
            "{what}: {}",
            match &error {
                CallError::Status { message, .. } => message.clone(),
                CallError::Ambiguous(message) => format!("no answer from the API ({message})"),
            }
        );
        match error.status() {
            Some(401) => ReadFailure::Unauthorized(message),
            Some(403) => ReadFailure::Forbidden(message),
            Some(404) => ReadFailure::NotFound(message),
            _ => ReadFailure::Failed(message),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ReadFailure::Unauthorized(m)
            | ReadFailure::Forbidden(m)
            | ReadFailure::NotFound(m)
            | ReadFailure::Failed(m) => m,
        }
    }
}

/// One endpoint read in full.
#[derive(Clone, Debug)]
pub struct EndpointFacts {
    pub name: String,
    /// `handoverSettings.provider` (`""` when none).
    pub kind: String,
    pub entrypoint: String,
    pub snapshot_pinned: bool,
    /// `providerSettings` keys whose value reads masked.
    pub masked_keys: Vec<String>,
    /// `providerSettings` keys with a value.
    pub setting_keys: Vec<String>,
}

/// A handover service as listed.
#[derive(Clone, Debug)]
pub struct ServiceFacts {
    pub name: String,
    pub property_keys: Vec<String>,
    pub secret_keys: Vec<String>,
}

/// An existing Handover Provider as listed.
#[derive(Clone, Debug)]
pub struct ProviderFacts {
    pub name: String,
    pub id: String,
    pub reference_id: String,
    pub service: String,
    pub masked_keys: Vec<String>,
}

/// The selector field as the descriptors show it.
#[derive(Clone, Debug, Default)]
pub struct SelectorFacts {
    pub discovery: SelectorDiscovery,
    /// The field's `type` (when one field was found).
    pub field_type: Option<String>,
    /// The values its `params.options` list, when they are a list.
    pub option_values: Option<Vec<String>>,
}

/// Everything `doctor` learns from a tenant.
#[derive(Clone, Debug, Default)]
pub struct Survey {
    /// Set when the first read failed: nothing else was read.
    pub access: Option<ReadFailure>,
    pub endpoints_total: usize,
    pub endpoints: Vec<EndpointFacts>,
    pub flows_total: usize,
    pub first_flow: Option<String>,
    pub locales_total: usize,
    /// `None` when the services could not be read (see `failures`).
    pub services: Option<Vec<ServiceFacts>>,
    pub providers: Option<Vec<ProviderFacts>>,
    pub selector: Option<SelectorFacts>,
    /// Node types the descriptor index lists.
    pub node_types: Vec<String>,
    /// Reads that failed after access was granted (e.g. 403 on the handover routes).
    pub failures: Vec<ReadFailure>,
    /// The page size the API answers with when none is asked for, and the largest page seen.
    pub default_page: Option<usize>,
    pub largest_page: usize,
    /// Requests this survey sent.
    pub requests: u64,
}

fn str_of(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn total_of(page: &Value) -> usize {
    page.get("total").and_then(Value::as_u64).and_then(|t| usize::try_from(t).ok()).unwrap_or(0)
}

/// One GET whose failure is recorded, not returned.
fn read(client: &Client, path: &str, query: &[(&str, String)]) -> Result<Value, ReadFailure> {
    match client.call(Method::Get, path, query, None) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(ReadFailure::Failed(format!("GET {path}: the API answered with no content"))),
        Err(error) => Err(ReadFailure::from_call(error, &format!("GET {path}"))),
    }
}

/// Survey the project: index reads, the first `ENDPOINT_SAMPLE` endpoints, services,
/// providers and one flow's descriptors. Never reads a chart, never writes.
pub fn survey(client: &Client, project_id: &str) -> Survey {
    let before = client.requests();
    let mut survey = Survey::default();
    let scope = [("projectId", project_id.to_string())];
    // Access: the locale index, with the API's own default page size.
    match read(client, "/locales", &scope) {
        Ok(page) => {
            survey.locales_total = total_of(&page);
            survey.default_page =
                page.get("items").and_then(Value::as_array).map(Vec::len).filter(|n| *n < survey.locales_total);
        }
        Err(failure) => {
            survey.access = Some(failure);
            survey.requests = client.requests() - before;
            return survey;
        }
    }
    let mut limited = scope.to_vec();
    limited.push(("limit", "1".to_string()));
    match read(client, "/flows", &limited) {
        Ok(page) => {
            survey.flows_total = total_of(&page);
            survey.first_flow =
                page.get("items").and_then(Value::as_array).and_then(|i| i.first()).map(|f| str_of(f, "_id"));
        }
        Err(failure) => survey.failures.push(failure),
    }
    match client.get_all("/endpoints", &scope) {
        Ok(items) => {
            survey.endpoints_total = items.len();
            for item in items.iter().take(ENDPOINT_SAMPLE) {
                let id = str_of(item, "_id");
                match read(client, &format!("/endpoints/{id}"), &[]) {
                    Ok(full) => survey.endpoints.push(endpoint_facts(&full, project_id)),
                    Err(failure) => {
                        survey.failures.push(failure);
                        break;
                    }
                }
            }
        }
        Err(error) => survey.failures.push(ReadFailure::Failed(error.message)),
    }
    match read(client, "/handover/services", &[("limit", "1".to_string())]) {
        Ok(_) => match client.get_all("/handover/services", &[]) {
            Ok(items) => survey.services = Some(items.iter().map(service_facts).collect()),
            Err(error) => survey.failures.push(ReadFailure::Failed(error.message)),
        },
        Err(failure) => survey.failures.push(failure),
    }
    match read(client, "/handover/providers", &[("projectId", project_id.to_string()), ("limit", "1".to_string())]) {
        Ok(_) => match client.get_all("/handover/providers", &scope) {
            Ok(items) => survey.providers = Some(items.iter().map(provider_facts).collect()),
            Err(error) => survey.failures.push(ReadFailure::Failed(error.message)),
        },
        Err(failure) => survey.failures.push(failure),
    }
    if let Some(flow) = survey.first_flow.clone() {
        let path = format!("/flows/{flow}/chart/descriptors");
        match read(client, &path, &[("limit", "1".to_string())]) {
            Ok(_) => match client.get_all(&path, &[]) {
                Ok(items) => {
                    survey.node_types = items.iter().map(|d| str_of(d, "type")).filter(|t| !t.is_empty()).collect();
                    survey.selector = Some(selector_facts(&items));
                }
                Err(error) => survey.failures.push(ReadFailure::Failed(error.message)),
            },
            Err(failure) => survey.failures.push(failure),
        }
    }
    survey.largest_page = client.largest_page();
    survey.requests = client.requests() - before;
    survey
}

fn endpoint_facts(full: &Value, project_id: &str) -> EndpointFacts {
    let settings = full.pointer("/handoverSettings/providerSettings").and_then(Value::as_object);
    let entrypoint = str_of(full, "entrypoint");
    EndpointFacts {
        name: str_of(full, "name"),
        kind: full.pointer("/handoverSettings/provider").and_then(Value::as_str).unwrap_or_default().to_string(),
        snapshot_pinned: !entrypoint.is_empty() && entrypoint != project_id,
        entrypoint,
        masked_keys: settings.into_iter().flatten().filter(|(_, v)| looks_masked(v)).map(|(k, _)| k.clone()).collect(),
        setting_keys: settings
            .into_iter()
            .flatten()
            .filter(|(_, v)| !matches!(v, Value::Null) && v.as_str() != Some(""))
            .map(|(k, _)| k.clone())
            .collect(),
    }
}

fn service_facts(service: &Value) -> ServiceFacts {
    let properties = service.get("properties").and_then(Value::as_array).cloned().unwrap_or_default();
    ServiceFacts {
        name: str_of(service, "name"),
        property_keys: properties.iter().map(|p| str_of(p, "key")).filter(|k| !k.is_empty()).collect(),
        secret_keys: properties
            .iter()
            .filter(|p| p.get("secret").and_then(Value::as_bool) == Some(true))
            .map(|p| str_of(p, "key"))
            .collect(),
    }
}

fn provider_facts(provider: &Value) -> ProviderFacts {
    ProviderFacts {
        name: str_of(provider, "name"),
        id: str_of(provider, "_id"),
        reference_id: str_of(provider, "referenceId"),
        service: str_of(provider, "service"),
        masked_keys: provider
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p.get("value").is_some_and(looks_masked))
            .map(|p| str_of(p, "key"))
            .collect(),
    }
}

fn selector_facts(descriptors: &[Value]) -> SelectorFacts {
    let discovery = discover_selector(descriptors);
    let mut facts = SelectorFacts { discovery: discovery.clone(), ..SelectorFacts::default() };
    if let SelectorDiscovery::Found(key) = &discovery {
        let field = descriptors
            .iter()
            .filter(|d| d.get("type").and_then(Value::as_str) == Some("handoverToAgent"))
            .flat_map(|d| d.get("fields").and_then(Value::as_array).cloned().unwrap_or_default())
            .find(|f| f.get("key").and_then(Value::as_str) == Some(key.as_str()));
        if let Some(field) = field {
            facts.field_type = field.get("type").and_then(Value::as_str).map(str::to_string);
            facts.option_values = crate::selector::option_values(descriptors, key);
        }
    }
    facts
}
