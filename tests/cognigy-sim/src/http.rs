//! The routes of `docs/cognigy-api-contract.md`.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::catalogue::{self, MASK};
use crate::contract::{self, Schema};
use crate::model::{bump, now_ms, now_secs, str_of, Object, Project, Snapshot, Task};
use crate::problem::{ApiResult, Problem};
use crate::App;

type AppState = State<Arc<App>>;

/// Query parameters, last value wins.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<String>) -> Query {
        Query(
            raw.map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
                .unwrap_or_default(),
        )
    }
    /// Parses and checks the query against a route's schema.
    fn checked(raw: Option<String>, schema: &Schema) -> ApiResult<Query> {
        let query = Query::parse(raw);
        schema.check_query(&query.0)?;
        Ok(query)
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The API routes (mounted under `/new/v2.0` and `/v2.0`).
pub fn api_routes() -> Router<Arc<App>> {
    Router::new()
        .route("/endpoints", get(list_endpoints))
        .route("/endpoints/{id}", get(read_endpoint).patch(update_endpoint))
        .route("/locales", get(list_locales))
        .route("/flows", get(list_flows))
        .route("/flows/{id}/chart", get(read_chart))
        .route("/flows/{id}/chart/nodes", get(list_nodes))
        .route("/flows/{id}/chart/nodes/{nodeId}", get(read_node).patch(update_node))
        .route("/flows/{id}/chart/descriptors", get(list_descriptors))
        .route("/flows/{id}/intents/export", post(export_intents))
        .route("/handover/services", get(list_services))
        .route("/handover/providers", get(list_providers))
        .route("/handover/provider", post(create_provider))
        .route("/handover/provider/{id}", get(read_provider).patch(update_provider).delete(delete_provider))
        .route("/handover/providers/{id}", patch(update_provider))
        .route("/snapshots", post(create_snapshot))
        .route("/tasks/{id}", get(read_task))
}

fn parse_body(body: &Bytes) -> ApiResult<Object> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request("The request needs a JSON object body"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Problem::bad_request("The request body must be a JSON object")),
        Err(e) => Err(Problem::bad_request(format!("The request body is not valid JSON: {e}"))),
    }
}

fn not_allowed(key: &str) -> Problem {
    Problem::invalid(format!("Validation failed. Field {key} was not allowed"))
}

/// The page size when a request gives no `limit`, and the largest `limit` accepted.
pub const DEFAULT_PAGE: usize = 25;
pub const MAX_PAGE: usize = 100;

/// A cursor: the offset of a page's first item, written like a Mongo id (the client's
/// OpenAPI notes give `TMongoId` as the cursor's form). Opaque to clients.
fn cursor(offset: usize) -> String {
    format!("{offset:024x}")
}

fn parse_cursor(name: &str, text: &str) -> ApiResult<usize> {
    if text.len() == 24 {
        if let Ok(offset) = usize::from_str_radix(text, 16) {
            return Ok(offset);
        }
    }
    Err(Problem::bad_request(format!("{name} is not a cursor this API gave out: `{text}`")))
}

/// Cursor-based pagination of a full list, as `ICursorBasedPaginationReturnValue`:
/// `limit` (default 25, 1 to 100), `skip` (from 0), and the `next`/`previous` cursors of an
/// earlier page; answers `{items, total, nextCursor, previousCursor}` (a cursor is `null`
/// where there is no such page).
fn page(app: &App, query: &Query, items: Vec<Value>) -> ApiResult<Value> {
    let limit = match query.get("limit") {
        None | Some("") => app.options.default_page,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
            Ok(n) if n > MAX_PAGE as i64 => {
                return Err(Problem::bad_request(format!("limit must be at most {MAX_PAGE}, got {n}")));
            }
            _ => {
                return Err(Problem::bad_request(format!(
                    "limit must be an integer from 1 to {MAX_PAGE}, got `{text}`"
                )))
            }
        },
    };
    let skip = match query.get("skip") {
        None | Some("") => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| Problem::bad_request(format!("skip must be a non-negative integer, got `{text}`")))?,
    };
    let base = match (query.get("next"), query.get("previous")) {
        (Some(_), Some(_)) => return Err(Problem::bad_request("give next or previous, not both")),
        (Some(next), None) => parse_cursor("next", next)?,
        (None, Some(previous)) => parse_cursor("previous", previous)?.saturating_sub(limit),
        (None, None) => 0,
    };
    let total = items.len();
    let start = base.saturating_add(skip).min(total);
    let end = start.saturating_add(limit).min(total);
    let next = if end < total { Value::String(cursor(end)) } else { Value::Null };
    let previous = if start > 0 { Value::String(cursor(start)) } else { Value::Null };
    let items: Vec<Value> = items.into_iter().skip(start).take(end - start).collect();
    Ok(json!({"items": items, "total": total, "nextCursor": next, "previousCursor": previous}))
}

fn check_project(project: &Project, id: Option<&str>) -> ApiResult<()> {
    match id {
        Some(id) if id != project.project_id => Err(Problem::not_found(format!("Project {id} not found"))),
        _ => Ok(()),
    }
}

/// A required `projectId` (in a body or the query).
fn require_project(project: &Project, id: Option<&Value>) -> ApiResult<()> {
    match id {
        None | Some(Value::Null) => Err(Problem::missing("projectId is required")),
        Some(Value::String(id)) => check_project(project, Some(id)),
        Some(_) => Err(Problem::invalid("projectId must be a string")),
    }
}

/// The locale a `preferredLocaleId` / `localeId` names (default: the primary one).
fn locale_id(project: &Project, requested: Option<&str>) -> ApiResult<String> {
    match requested {
        None | Some("") => Ok(project.primary_locale.clone()),
        Some(id) => match project.locale(id) {
            Some(locale) => Ok(locale.id.clone()),
            None => Err(Problem::not_found(format!("Locale {id} not found"))),
        },
    }
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn mask_settings(app: &App, mut endpoint: Object) -> Object {
    if !app.options.mask_secrets {
        return endpoint;
    }
    if let Some(Value::Object(settings)) =
        endpoint.get_mut("handoverSettings").and_then(|h| h.get_mut("providerSettings"))
    {
        for key in catalogue::SECRET_SETTINGS_KEYS {
            if let Some(value) = settings.get_mut(*key) {
                if value.as_str().is_some_and(|s| !s.is_empty()) {
                    *value = Value::String(MASK.into());
                }
            }
        }
    }
    endpoint
}

fn mask_provider(app: &App, mut provider: Object) -> Object {
    if !app.options.mask_secrets {
        return provider;
    }
    let Some(service) = app.services.iter().find(|s| s.name == str_of(&provider, "service")).cloned() else {
        return provider;
    };
    if let Some(Value::Array(properties)) = provider.get_mut("properties") {
        for property in properties {
            let secret =
                property.get("key").and_then(Value::as_str).and_then(|k| service.property(k)).is_some_and(|p| p.secret);
            if let Some(value) = property.get_mut("value") {
                if secret && value.as_str().is_some_and(|s| !s.is_empty()) {
                    *value = Value::String(MASK.into());
                }
            }
        }
    }
    provider
}

// ---------------------------------------------------------------- endpoints

const ENDPOINT_INDEX_KEYS: &[&str] = &[
    "_id",
    "channel",
    "URLToken",
    "flowId",
    "localeId",
    "name",
    "createdAt",
    "lastChanged",
    "createdBy",
    "lastChangedBy",
    "overrideSnapshotConnections",
];

async fn list_endpoints(State(app): AppState, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::INDEX_ENDPOINTS)?;
    let project = app.project.lock().unwrap();
    check_project(&project, query.get("projectId"))?;
    let items = project
        .endpoints
        .iter()
        .map(|e| {
            let mut item = Object::new();
            for key in ENDPOINT_INDEX_KEYS {
                if let Some(value) = e.item.get(*key) {
                    item.insert((*key).into(), value.clone());
                }
            }
            Value::Object(item)
        })
        .collect();
    Ok(Json(page(&app, &query, items)?))
}

async fn read_endpoint(
    State(app): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    Query::checked(raw, &contract::NO_QUERY)?;
    let project = app.project.lock().unwrap();
    let endpoint = project
        .endpoints
        .iter()
        .find(|e| e.id() == id)
        .ok_or_else(|| Problem::not_found(format!("Endpoint {id} not found")))?;
    Ok(Json(Value::Object(mask_settings(&app, endpoint.item.clone()))))
}

async fn update_endpoint(State(app): AppState, Path(id): Path<String>, body: Bytes) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    contract::UPDATE_ENDPOINT.check_body(&body)?;
    let mut mask_written = false;
    if let Some(handover) = body.get("handoverSettings") {
        let Value::Object(handover) = handover else {
            return Err(Problem::invalid("Validation failed. handoverSettings must be an object"));
        };
        if let Some(provider) = handover.get("provider") {
            if !provider.as_str().is_some_and(|p| catalogue::LEGACY_PROVIDERS.contains(&p)) {
                return Err(Problem::invalid(format!(
                    "Validation failed. handoverSettings.provider must be one of {}",
                    catalogue::LEGACY_PROVIDERS.join(", ")
                )));
            }
        }
        match handover.get("providerSettings") {
            None => {}
            Some(Value::Object(settings)) => {
                for (key, value) in settings {
                    if !catalogue::PROVIDER_SETTINGS_KEYS.contains(&key.as_str()) {
                        return Err(not_allowed(key));
                    }
                    if catalogue::SECRET_SETTINGS_KEYS.contains(&key.as_str()) && value.as_str() == Some(MASK) {
                        mask_written = true;
                    }
                }
            }
            Some(_) => return Err(Problem::invalid("Validation failed. providerSettings must be an object")),
        }
    }
    let mut project = app.project.lock().unwrap();
    let endpoint = project.endpoint_mut(&id).ok_or_else(|| Problem::not_found(format!("Endpoint {id} not found")))?;
    for (key, value) in body {
        endpoint.item.insert(key, value);
    }
    let stamp = bump(endpoint.item.get("lastChanged"), now_secs());
    endpoint.item.insert("lastChanged".into(), json!(stamp));
    endpoint.item.insert("lastChangedBy".into(), json!(app.user_id));
    drop(project);
    if mask_written {
        app.stats.lock().unwrap().mask_writes += 1;
    }
    Ok(no_content())
}

// ---------------------------------------------------------------- locales and flows

async fn list_locales(State(app): AppState, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::INDEX_LOCALES)?;
    let project = app.project.lock().unwrap();
    check_project(&project, query.get("projectId"))?;
    let items = project.locales.iter().map(|l| Value::Object(l.item.clone())).collect();
    Ok(Json(page(&app, &query, items)?))
}

async fn list_flows(State(app): AppState, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::INDEX_FLOWS)?;
    let project = app.project.lock().unwrap();
    check_project(&project, query.get("projectId"))?;
    let items = project.flows.iter().map(|f| Value::Object(f.item.clone())).collect();
    Ok(Json(page(&app, &query, items)?))
}

fn flow_not_found(id: &str) -> Problem {
    Problem::not_found(format!("Flow {id} not found"))
}

async fn read_chart(State(app): AppState, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::READ_CHART_NODE_QUERY)?;
    let project = app.project.lock().unwrap();
    let flow = project.flow(&id).ok_or_else(|| flow_not_found(&id))?;
    let locale = locale_id(&project, query.get("preferredLocaleId"))?;
    Ok(Json(flow.chart_read(&locale)))
}

async fn list_nodes(State(app): AppState, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::INDEX_CHART_NODES)?;
    let project = app.project.lock().unwrap();
    let flow = project.flow(&id).ok_or_else(|| flow_not_found(&id))?;
    let locale = locale_id(&project, query.get("preferredLocaleId"))?;
    let items = flow.nodes.iter().map(|n| Value::Object(n.index_item(&locale))).collect();
    Ok(Json(page(&app, &query, items)?))
}

async fn read_node(
    State(app): AppState,
    Path((id, node_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::READ_CHART_NODE_QUERY)?;
    let project = app.project.lock().unwrap();
    let flow = project.flow(&id).ok_or_else(|| flow_not_found(&id))?;
    let locale = locale_id(&project, query.get("preferredLocaleId"))?;
    let node = flow.node(&node_id).ok_or_else(|| Problem::not_found(format!("Node {node_id} not found")))?;
    Ok(Json(Value::Object(node.read(&locale))))
}

async fn update_node(
    State(app): AppState,
    Path((id, node_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    contract::UPDATE_CHART_NODE.check_body(&body)?;
    let mut project = app.project.lock().unwrap();
    let locale = match body.get("localeId") {
        None | Some(Value::Null) => locale_id(&project, None)?,
        Some(Value::String(id)) => locale_id(&project, Some(id))?,
        Some(_) => return Err(Problem::invalid("Validation failed. Field localeId must be a string")),
    };
    let flow = project.flow_mut(&id).ok_or_else(|| flow_not_found(&id))?;
    let node = flow.node_mut(&node_id).ok_or_else(|| Problem::not_found(format!("Node {node_id} not found")))?;
    if let Some(config) = body.get("config") {
        let Value::Object(config) = config else {
            return Err(Problem::invalid("Node config validation failed: config must be an object"));
        };
        let descriptor = app.descriptors.get(&node.node_type);
        for key in config.keys() {
            if !descriptor.is_some_and(|d| d.has_field(key)) {
                return Err(Problem::invalid(format!("Node config validation failed: unknown field {key}")));
            }
        }
        node.set_config(&locale, Value::Object(config.clone()));
    }
    for key in ["label", "comment", "commentColor", "analyticsLabel", "isDisabled", "isEntryPoint"] {
        if let Some(value) = body.get(key) {
            node.envelope.insert(key.into(), value.clone());
        }
    }
    node.last_changed = bump(Some(&json!(node.last_changed)), now_secs());
    Ok(no_content())
}

async fn list_descriptors(
    State(app): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::INDEX_NODE_DESCRIPTORS)?;
    let project = app.project.lock().unwrap();
    project.flow(&id).ok_or_else(|| flow_not_found(&id))?;
    let mut items: Vec<Value> = app.descriptors.list.iter().map(crate::Descriptor::to_json).collect();
    if let (Some(key), Some(form)) = (&app.options.selector_key, app.options.selector_options) {
        // The options a tenant lists for the selector: Legacy, then every provider.
        let mut options = vec![json!({"label": "Legacy", "value": ""})];
        for provider in &project.providers {
            let value = match form {
                crate::ValueForm::Id => str_of(&provider.item, "_id"),
                crate::ValueForm::ReferenceId => str_of(&provider.item, "referenceId"),
            };
            options.push(json!({"label": provider.name(), "value": value}));
        }
        for item in
            items.iter_mut().filter(|d| d["type"].as_str().is_some_and(|t| catalogue::SELECTOR_NODE_TYPES.contains(&t)))
        {
            for field in item["fields"].as_array_mut().into_iter().flatten() {
                if field["key"] == key.as_str() {
                    field["params"] = json!({"options": options.clone()});
                }
            }
        }
    }
    Ok(Json(page(&app, &query, items)?))
}

async fn export_intents(State(app): AppState, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    let body = parse_body(&body)?;
    contract::EXPORT_INTENTS.check_body(&body)?;
    let project = app.project.lock().unwrap();
    let flow = project.flow(&id).ok_or_else(|| flow_not_found(&id))?;
    match body.get("format").and_then(Value::as_str) {
        Some("json") => {}
        Some(other) => return Err(Problem::invalid(format!("cognigy-sim exports intents as json only, not {other}"))),
        None => return Err(Problem::missing("format is required")),
    }
    let locale = match body.get("localeId").and_then(Value::as_str) {
        Some(id) => locale_id(&project, Some(id))?,
        None => return Err(Problem::missing("localeId is required")),
    };
    let intents = flow.intents.iter().find(|i| i.locale == locale).map(|i| i.value.clone()).unwrap_or(json!([]));
    Ok(Json(intents))
}

// ---------------------------------------------------------------- handover services and providers

async fn list_services(State(app): AppState, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::HANDOVER_INDEX)?;
    let items = app.services.iter().map(|s| s.to_json()).collect();
    Ok(Json(page(&app, &query, items)?))
}

async fn list_providers(State(app): AppState, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::checked(raw, &contract::HANDOVER_INDEX)?;
    let project = app.project.lock().unwrap();
    check_project(&project, query.get("projectId"))?;
    let items = project.providers.iter().map(|p| Value::Object(mask_provider(&app, p.item.clone()))).collect();
    Ok(Json(page(&app, &query, items)?))
}

fn provider_not_found(id: &str) -> Problem {
    Problem::not_found(format!("Handover provider {id} not found"))
}

fn required_name(body: &Object) -> ApiResult<Option<String>> {
    match body.get("name") {
        None => Ok(None),
        Some(Value::String(name)) if !name.trim().is_empty() => Ok(Some(name.clone())),
        Some(_) => Err(Problem::invalid("Validation failed. name must be a non-empty string")),
    }
}

async fn create_provider(State(app): AppState, body: Bytes) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    contract::CREATE_PROVIDER.check_body(&body)?;
    let mut project = app.project.lock().unwrap();
    require_project(&project, body.get("projectId"))?;
    let name = required_name(&body)?.ok_or_else(|| Problem::missing("name is required"))?;
    let service_id =
        body.get("serviceId").and_then(Value::as_str).ok_or_else(|| Problem::missing("serviceId is required"))?;
    let service = app
        .services
        .iter()
        .find(|s| s.id == service_id)
        .ok_or_else(|| Problem::invalid(format!("Handover service {service_id} not found")))?;
    if project.providers.iter().any(|p| p.name() == name) {
        return Err(Problem::conflict(format!("A handover provider named \"{name}\" already exists")));
    }
    let (id, reference_id) = project.new_ids("provider");
    let now = now_ms();
    let properties: Vec<Value> =
        service.properties.iter().map(|p| json!({"key": p.key, "value": p.default_value()})).collect();
    let Value::Object(item) = json!({
        "_id": id,
        "referenceId": reference_id,
        "organisationId": crate::model::ORGANISATION_ID,
        "projectId": project.project_id,
        "serviceId": service.id,
        "service": service.name,
        "localeId": "",
        "name": name,
        "createdAt": now,
        "lastChangedAt": now,
        "createdBy": app.user_id,
        "lastChangedBy": app.user_id,
        "properties": properties,
        "settings": {},
    }) else {
        unreachable!()
    };
    project.providers.push(crate::model::Provider { item: item.clone() });
    Ok((StatusCode::CREATED, Json(Value::Object(mask_provider(&app, item)))).into_response())
}

async fn read_provider(
    State(app): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    Query::checked(raw, &contract::PROJECT_QUERY)?;
    let project = app.project.lock().unwrap();
    let index = project.provider_index(&id).ok_or_else(|| provider_not_found(&id))?;
    Ok(Json(Value::Object(mask_provider(&app, project.providers[index].item.clone()))))
}

async fn update_provider(State(app): AppState, Path(id): Path<String>, body: Bytes) -> ApiResult<Response> {
    let body = parse_body(&body)?;
    contract::UPDATE_PROVIDER.check_body(&body)?;
    let mut project = app.project.lock().unwrap();
    require_project(&project, body.get("projectId"))?;
    let index = project.provider_index(&id).ok_or_else(|| provider_not_found(&id))?;
    let name = required_name(&body)?;
    if let Some(name) = &name {
        if project.providers.iter().enumerate().any(|(i, p)| i != index && p.name() == name) {
            return Err(Problem::conflict(format!("A handover provider named \"{name}\" already exists")));
        }
    }
    let service_name = project.providers[index].service().to_string();
    let service = app.services.iter().find(|s| s.name == service_name);
    let mut mask_written = false;
    let properties = match body.get("properties") {
        None => None,
        Some(Value::Array(items)) => {
            let mut seen = Vec::new();
            for item in items {
                let key = item
                    .as_object()
                    .filter(|o| o.keys().all(|k| k == "key" || k == "value") && o.contains_key("value"))
                    .and_then(|o| o.get("key"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Problem::invalid("Validation failed. Every property must be {\"key\", \"value\"}")
                    })?;
                let Some(property) = service.and_then(|s| s.property(key)) else {
                    return Err(Problem::invalid(format!(
                        "Validation failed. Property {key} is not a property of handover service {service_name}"
                    )));
                };
                if seen.contains(&key) {
                    return Err(Problem::invalid(format!("Validation failed. Property {key} appears twice")));
                }
                seen.push(key);
                if property.secret && item.get("value").and_then(Value::as_str) == Some(MASK) {
                    mask_written = true;
                }
            }
            Some(Value::Array(items.clone()))
        }
        Some(_) => return Err(Problem::invalid("Validation failed. properties must be a list")),
    };
    let item = &mut project.providers[index].item;
    if let Some(name) = name {
        item.insert("name".into(), Value::String(name));
    }
    if let Some(properties) = properties {
        item.insert("properties".into(), properties);
    }
    let stamp = bump(item.get("lastChangedAt"), now_ms());
    item.insert("lastChangedAt".into(), json!(stamp));
    item.insert("lastChangedBy".into(), json!(app.user_id));
    drop(project);
    if mask_written {
        app.stats.lock().unwrap().mask_writes += 1;
    }
    Ok(no_content())
}

async fn delete_provider(State(app): AppState, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let query = Query::checked(raw, &contract::PROJECT_QUERY)?;
    let mut project = app.project.lock().unwrap();
    require_project(&project, query.get("projectId").map(|p| Value::String(p.to_string())).as_ref())?;
    let index = project.provider_index(&id).ok_or_else(|| provider_not_found(&id))?;
    project.providers.remove(index);
    Ok(no_content())
}

// ---------------------------------------------------------------- snapshots and tasks

async fn create_snapshot(State(app): AppState, body: Bytes) -> ApiResult<Json<Value>> {
    let body = parse_body(&body)?;
    contract::CREATE_SNAPSHOT.check_body(&body)?;
    let mut project = app.project.lock().unwrap();
    require_project(&project, body.get("projectId"))?;
    let name = required_name(&body)?.ok_or_else(|| Problem::missing("name is required"))?;
    let description = match body.get("description") {
        None => String::new(),
        Some(Value::String(d)) => d.clone(),
        Some(_) => return Err(Problem::invalid("Validation failed. description must be a string")),
    };
    let (snapshot_id, _) = project.new_ids("snapshot");
    let (task_id, _) = project.new_ids("task");
    project.snapshots.push(Snapshot { id: snapshot_id.clone(), name, description });
    project.tasks.push(Task { id: task_id.clone(), kind: "createSnapshot".into(), snapshot_id, polls: 0 });
    Ok(Json(json!({"_id": task_id, "status": "queued", "type": "createSnapshot"})))
}

async fn read_task(State(app): AppState, Path(id): Path<String>, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    Query::checked(raw, &contract::READ_TASK_QUERY)?;
    let mut project = app.project.lock().unwrap();
    let task = project
        .tasks
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(|| Problem::not_found(format!("Task {id} not found")))?;
    task.polls += 1;
    let status = if task.polls <= 1 { "active" } else { "done" };
    Ok(Json(json!({"_id": task.id, "status": status, "type": task.kind, "data": {"snapshotId": task.snapshot_id}})))
}

// ---------------------------------------------------------------- simulator-only routes

pub async fn sim_stats(State(app): AppState) -> Json<Value> {
    Json(app.stats.lock().unwrap().to_json())
}

pub async fn sim_reset_stats(State(app): AppState) -> Response {
    *app.stats.lock().unwrap() = Default::default();
    no_content()
}

pub async fn sim_dump(State(app): AppState, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let query = Query::parse(raw);
    let dir = query.get("dir").filter(|d| !d.is_empty()).ok_or_else(|| Problem::missing("dir is required"))?;
    let dir = PathBuf::from(dir);
    let project = app.project.lock().unwrap();
    let files = project
        .dump(&dir)
        .map_err(|e| Problem::status(StatusCode::INTERNAL_SERVER_ERROR, format!("dump failed: {e:#}")))?;
    Ok(Json(json!({"dir": dir, "files": files})))
}

pub async fn not_found_route() -> Problem {
    Problem::not_found("No such route")
}

pub async fn method_not_allowed() -> Problem {
    Problem::status(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed on this route")
}
