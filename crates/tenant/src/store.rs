//! The API store: the same [`Project`] model as a clone, read from a tenant with the
//! fewest requests the migration needs.
//!
//! Reads: the endpoint index, then each endpoint (the index has no `handoverSettings`);
//! locales; the flow index; per flow and locale the chart node index; the full config only
//! of handover and Execute Flow / Go To nodes, and only in the locales they are localized
//! in; handover providers and services; one flow's node descriptors (to discover the
//! provider selector key). Every index is read in full, page by page (`Client::get_all`).
//! Resources are named by the path they would have in a clone, so
//! plans, journals and messages read the same in both modes.

use std::collections::{BTreeMap, HashMap};

use handover_migrate_core::{HandoverNodeType, Object};
use serde_json::Value;

use crate::client::Client;
use crate::pool::map_ordered;
use handover_migrate_engine::clone::{CHART_FILE, CONFIG_FILE};
use handover_migrate_engine::model::{Chart, Endpoint, Flow, Handover, Locale, Node, Project, ProviderFile};
use handover_migrate_io::fsio::sha256_json;
use handover_migrate_io::{Error, Result};

/// Node types whose config API mode reads (others are known by type from the index).
const API_CONFIG_TYPES: &[&str] = &["handoverToAgent", "checkAgentAvailability", "executeFlow", "goTo"];

/// A handover service (the `type` catalogue of providers).
#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub property_keys: Vec<String>,
}

/// API ids and versions behind the clone-style paths of a loaded project.
#[derive(Debug, Default)]
pub struct ApiIndex {
    pub project_id: String,
    /// Endpoint path → (`_id`, full object as read).
    pub endpoints: HashMap<String, (String, Object)>,
    /// (flow `_id`, node `_id`, locale `_id`) → SHA-256 of the config as read.
    pub node_versions: HashMap<(String, String, String), String>,
    /// Provider referenceId → provider `_id`.
    pub provider_ids: HashMap<String, String>,
    pub services: Vec<Service>,
    /// The selector field found in the node descriptors, or every candidate when that is ambiguous.
    pub selector: SelectorDiscovery,
    /// The descriptors of Handover to Agent and Check Agent Availability as read (their
    /// selector's options tell the value form, [`crate::selector`]).
    pub handover_descriptors: Vec<Value>,
    /// Linking a clone: the tenant's providers (the project's own are the clone's files).
    pub tenant_providers: Vec<ProviderFile>,
}

#[derive(Debug, Default, Clone)]
pub enum SelectorDiscovery {
    Found(String),
    Ambiguous(Vec<String>),
    #[default]
    NoFlows,
}

fn str_of(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn object(value: Value, what: &str) -> Result<Object> {
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(Error::failed(format!("{what}: the API did not answer with an object"))),
    }
}

pub fn endpoint_path(name: &str) -> String {
    format!("endpoints/{name}/{CONFIG_FILE}")
}

/// Load a project through the API.
pub fn load(client: &Client, project_id: &str) -> Result<(Project, ApiIndex)> {
    let scope = [("projectId", project_id.to_string())];
    let mut index = ApiIndex { project_id: project_id.to_string(), ..ApiIndex::default() };
    let mut fingerprint = BTreeMap::new();

    let mut endpoints = Vec::new();
    let listed = client.get_all("/endpoints", &scope)?;
    let progress = handover_migrate_io::progress::phase("Reading endpoints", Some(listed.len()));
    let read = map_ordered(client.concurrency(), listed, |item| {
        let id = str_of(&item, "_id");
        let full = object(client.get(&format!("/endpoints/{id}"), &[])?, &format!("endpoint {id}"))?;
        progress.inc();
        Ok((id, full))
    })?;
    for (id, full) in read {
        let name = full.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let path = endpoint_path(&name);
        if index.endpoints.contains_key(&path) {
            return Err(Error::failed(format!(
                "two endpoints are named `{name}`; endpoint names must be unique — rename one in Cognigy"
            )));
        }
        fingerprint.insert(path.clone(), sha256_json(&full));
        let entrypoint = full.get("entrypoint").and_then(Value::as_str).unwrap_or_default().to_string();
        endpoints.push(Endpoint {
            snapshot_pinned: !entrypoint.is_empty() && entrypoint != project_id,
            entrypoint,
            handover: handover_of(&full, &path)?,
            name,
            path: path.clone(),
            id: id.clone(),
            flow_id: full.get("flowId").and_then(Value::as_str).unwrap_or_default().to_string(),
        });
        index.endpoints.insert(path, (id, full));
    }

    let locales: Vec<Locale> = client
        .get_all("/locales", &scope)?
        .iter()
        .map(|l| Locale { id: str_of(l, "_id"), reference_id: str_of(l, "referenceId"), name: str_of(l, "name") })
        .collect();

    drop(progress);
    let listed = client.get_all("/flows", &scope)?;
    let progress = handover_migrate_io::progress::phase("Reading flows", Some(listed.len()));
    // Flows are read side by side; their charts, versions and fingerprints are put together
    // in the flow index's order, as a read of one flow after the other would.
    let read = map_ordered(client.concurrency(), listed, |item| {
        let flow = read_flow(client, &item, &locales)?;
        progress.inc();
        Ok(flow)
    })?;
    let mut flows = Vec::with_capacity(read.len());
    for FlowRead { flow, fingerprints, versions } in read {
        fingerprint.extend(fingerprints);
        index.node_versions.extend(versions);
        flows.push(flow);
    }
    drop(progress);

    let (providers, provider_fingerprints) = load_providers(client, project_id, &mut index)?;
    fingerprint.extend(provider_fingerprints);

    index.selector = match flows.first() {
        Some(flow) => {
            let descriptors = client.get_all(&format!("/flows/{}/chart/descriptors", flow.id), &[])?;
            let selector = discover_selector(&descriptors);
            index.handover_descriptors = descriptors
                .into_iter()
                .filter(|d| {
                    d.get("type").and_then(Value::as_str).is_some_and(|t| HandoverNodeType::from_type(t).is_some())
                })
                .collect();
            selector
        }
        None => SelectorDiscovery::NoFlows,
    };

    let project = Project {
        root: std::path::PathBuf::from(format!("api:{project_id}")),
        endpoints,
        locales,
        flows,
        providers,
        fingerprint: std::sync::Arc::new(fingerprint),
    };
    Ok((project, index))
}

/// One flow as read: its charts, a fingerprint per chart, and the version of each node
/// config read, keyed (flow `_id`, node `_id`, locale `_id`).
struct FlowRead {
    flow: Flow,
    fingerprints: Vec<(String, String)>,
    versions: Vec<((String, String, String), String)>,
}

/// Read one flow of the flow index in every locale: the chart's node index, and the full
/// config of the nodes the migration needs, in the locale they are localized in.
fn read_flow(client: &Client, item: &Value, locales: &[Locale]) -> Result<FlowRead> {
    let flow_id = str_of(item, "_id");
    let name = str_of(item, "name");
    let mut flow =
        Flow { name: name.clone(), id: flow_id.clone(), reference_id: str_of(item, "referenceId"), charts: Vec::new() };
    let mut fingerprints = Vec::with_capacity(locales.len());
    let mut node_versions = Vec::new();
    for (locale_index, locale) in locales.iter().enumerate() {
        let chart_path = format!("flows/{name}/{}/{CHART_FILE}", locale.name);
        let items =
            client.get_all(&format!("/flows/{flow_id}/chart/nodes"), &[("preferredLocaleId", locale.id.clone())])?;
        let mut nodes = Vec::new();
        let mut versions = Vec::new();
        for node in items {
            let node_id = str_of(&node, "_id");
            let node_type = str_of(&node, "type");
            let listed_locale = node.get("localeReference").and_then(Value::as_str).map(str::to_string);
            let wants_config = API_CONFIG_TYPES.contains(&node_type.as_str())
                && listed_locale.as_ref().is_none_or(|l| *l == locale.id);
            let (config, locale_reference) = if wants_config {
                let full = client.get(
                    &format!("/flows/{flow_id}/chart/nodes/{node_id}"),
                    &[("preferredLocaleId", locale.id.clone())],
                )?;
                let config = match full.get("config") {
                    Some(Value::Object(config)) => config.clone(),
                    _ => Object::new(),
                };
                let reference = full.get("localeReference").and_then(Value::as_str).unwrap_or(&locale.id).to_string();
                (Some(config), reference)
            } else {
                (None, listed_locale.unwrap_or_default())
            };
            // A node whose config was not read is only used for its type: its locale does not matter.
            let Some(node_locale) = locales.iter().position(|l| l.id == locale_reference).or(if config.is_none() {
                Some(locale_index)
            } else {
                None
            }) else {
                return Err(Error::failed(format!(
                    "{chart_path}: node `{node_id}` has localeReference `{locale_reference}`, which is no locale of the project"
                )));
            };
            if let (Some(config), true) = (&config, node_locale == locale_index) {
                let version = sha256_json(config);
                versions.push((node_id.clone(), version.clone()));
                node_versions.push(((flow_id.clone(), node_id.clone(), locale.id.clone()), version));
            }
            nodes.push(Node::from_parsed(
                node_id,
                str_of(&node, "referenceId"),
                node_type,
                str_of(&node, "label"),
                node_locale,
                config,
            ));
        }
        fingerprints.push((chart_path.clone(), sha256_json(&versions)));
        flow.charts.push(Chart { locale: locale_index, path: chart_path, nodes });
    }
    Ok(FlowRead { flow, fingerprints, versions: node_versions })
}

/// The tenant's handover providers and services (filling `index`), with a fingerprint per
/// provider. Linking a clone reads only these.
pub fn load_providers(
    client: &Client,
    project_id: &str,
    index: &mut ApiIndex,
) -> Result<(Vec<ProviderFile>, BTreeMap<String, String>)> {
    let scope = [("projectId", project_id.to_string())];
    let mut fingerprint = BTreeMap::new();
    let mut providers = Vec::new();
    for item in client.get_all("/handover/providers", &scope)? {
        let name = str_of(&item, "name");
        let path = format!("handoverProviders/{name}/{CONFIG_FILE}");
        let mut properties = Object::new();
        for property in item.get("properties").and_then(Value::as_array).into_iter().flatten() {
            if let Some(key) = property.get("key").and_then(Value::as_str) {
                properties.insert(key.to_string(), property.get("value").cloned().unwrap_or(Value::Null));
            }
        }
        fingerprint.insert(path.clone(), sha256_json(&item));
        let reference_id = str_of(&item, "referenceId");
        let id = str_of(&item, "_id");
        index.provider_ids.insert(reference_id.clone(), id.clone());
        providers.push(ProviderFile { path, reference_id, id, name, service: str_of(&item, "service"), properties });
    }
    index.services = client
        .get_all("/handover/services", &[])?
        .iter()
        .map(|s| Service {
            id: str_of(s, "_id"),
            name: str_of(s, "name"),
            property_keys: s
                .get("properties")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("key").and_then(Value::as_str).map(str::to_string))
                .collect(),
        })
        .collect();
    for provider in &mut providers {
        // Providers name their service by id on some versions: resolve it to the name.
        if let Some(service) = index.services.iter().find(|s| s.id == provider.service) {
            provider.service = service.name.clone();
        }
    }
    Ok((providers, fingerprint))
}

fn handover_of(full: &Object, path: &str) -> Result<Handover> {
    Ok(match full.get("handoverSettings") {
        None | Some(Value::Null) => Handover::Absent,
        Some(Value::Object(settings)) => {
            let kind = settings.get("provider").and_then(Value::as_str).unwrap_or_default().to_string();
            match settings.get("providerSettings") {
                _ if matches!(kind.as_str(), "" | "none" | "cognigy") => Handover::Nothing(kind),
                Some(Value::Object(provider_settings)) => {
                    Handover::Legacy { kind, settings: provider_settings.clone() }
                }
                _ => Handover::Legacy { kind, settings: Object::new() },
            }
        }
        Some(_) => {
            return Err(Error::failed(format!(
                "{path}: handoverSettings is not an object; open the endpoint in Cognigy and save its handover settings again"
            )))
        }
    })
}

/// Find the field that selects the handover provider: present on both Handover to Agent
/// and Check Agent Availability, named or labelled "provider".
/// `descriptors` are the items of every page of the descriptor index.
pub fn discover_selector(items: &[Value]) -> SelectorDiscovery {
    let fields_of = |node_type: HandoverNodeType| -> Vec<(String, String)> {
        items
            .iter()
            .filter(|d| d.get("type").and_then(Value::as_str) == Some(node_type.as_str()))
            .flat_map(|d| d.get("fields").and_then(Value::as_array).cloned().unwrap_or_default())
            .map(|f| (str_of(&f, "key"), str_of(&f, "label")))
            .collect()
    };
    let handover = fields_of(HandoverNodeType::HandoverToAgent);
    let check = fields_of(HandoverNodeType::CheckAgentAvailability);
    let mentions_provider = |(key, label): &(String, String)| {
        key.to_ascii_lowercase().contains("provider") || label.to_ascii_lowercase().contains("provider")
    };
    let candidates: Vec<String> = handover
        .iter()
        .filter(|field| mentions_provider(field) && check.iter().any(|(k, _)| k == &field.0))
        .map(|(key, _)| key.clone())
        .collect();
    match candidates.as_slice() {
        [only] => SelectorDiscovery::Found(only.clone()),
        _ => {
            let mut all: Vec<String> =
                handover.iter().filter(|f| mentions_provider(f)).map(|(k, _)| k.clone()).collect();
            all.extend(candidates);
            all.sort();
            all.dedup();
            SelectorDiscovery::Ambiguous(all)
        }
    }
}

/// The projects the API key can see (`GET /projects`, every page): `(id, name)`.
pub fn list_projects(client: &Client) -> Result<Vec<(String, String)>> {
    let listed = client.get_all("/projects", &[])?;
    let mut projects = Vec::with_capacity(listed.len());
    for item in &listed {
        let id = item.get("_id").and_then(Value::as_str).unwrap_or_default();
        if id.is_empty() {
            return Err(handover_migrate_io::Error::failed(
                "listing projects (GET /projects): an item has no `_id`; the tenant's answer is not a project index",
            ));
        }
        let name = item.get("name").and_then(Value::as_str).unwrap_or(id);
        projects.push((id.to_string(), name.to_string()));
    }
    Ok(projects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selector_is_found_only_when_unambiguous() {
        let descriptors = |extra: Value| {
            vec![
                json!({"type": "handoverToAgent", "fields": [{"key": "text", "label": "Text"}, {"key": "hp", "label": "Handover Provider"}, extra]}),
                json!({"type": "checkAgentAvailability", "fields": [{"key": "hp", "label": "Handover Provider"}]}),
            ]
        };
        assert!(
            matches!(discover_selector(&descriptors(json!({"key": "x", "label": "X"}))), SelectorDiscovery::Found(k) if k == "hp")
        );
        match discover_selector(&[]) {
            SelectorDiscovery::Ambiguous(c) => assert!(c.is_empty()),
            other => panic!("{other:?}"),
        }
        let two = [
            json!({"type": "handoverToAgent", "fields": [{"key": "providerA", "label": ""}, {"key": "providerB", "label": ""}]}),
            json!({"type": "checkAgentAvailability", "fields": [{"key": "providerA", "label": ""}, {"key": "providerB", "label": ""}]}),
        ];
        assert!(matches!(discover_selector(&two), SelectorDiscovery::Ambiguous(c) if c == ["providerA", "providerB"]));
    }
}
