//! The simulated project: loaded from a clone directory (the layout `cognigy clone` writes,
//! plus `handoverProviders/`), held in memory, dumped back in the same layout.

use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::catalogue::Service;
use crate::ids;

pub type Object = Map<String, Value>;

/// The organisation every simulated resource belongs to.
pub const ORGANISATION_ID: &str = "5eb3f1a2c0ffee0000000001";

pub struct Locale {
    pub id: String,
    pub name: String,
    pub item: Object,
}

pub struct Endpoint {
    /// The full endpoint object, keys in their original order.
    pub item: Object,
}

impl Endpoint {
    pub fn id(&self) -> &str {
        str_of(&self.item, "_id")
    }
    pub fn name(&self) -> &str {
        str_of(&self.item, "name")
    }
}

pub struct Node {
    pub id: String,
    pub node_type: String,
    /// The node envelope, keys in the seed's order. `config` and `localeReference` stay
    /// as placeholders at their positions and are filled per locale on output.
    pub envelope: Object,
    /// One config per localization: locale `_id` → config, in creation order.
    pub configs: Vec<(String, Value)>,
    /// The locale `_id` of the node's primary localization.
    pub primary_locale: String,
    /// Seconds; bumped by every write to the node.
    pub last_changed: i64,
}

impl Node {
    pub fn config_in(&self, locale: &str) -> Option<&Value> {
        self.configs.iter().find(|(l, _)| l == locale).map(|(_, c)| c)
    }

    /// The localization a read with `preferredLocaleId = locale` sees.
    pub fn resolve<'a>(&'a self, locale: &'a str) -> (&'a str, &'a Value) {
        static EMPTY: Value = Value::Null;
        if let Some(config) = self.config_in(locale) {
            return (locale, config);
        }
        if let Some(config) = self.config_in(&self.primary_locale) {
            return (&self.primary_locale, config);
        }
        match self.configs.first() {
            Some((l, c)) => (l, c),
            None => (&self.primary_locale, &EMPTY),
        }
    }

    pub fn set_config(&mut self, locale: &str, config: Value) {
        match self.configs.iter_mut().find(|(l, _)| l == locale) {
            Some(slot) => slot.1 = config,
            None => self.configs.push((locale.to_string(), config)),
        }
    }

    /// The node as `chart.json` holds it for `locale`: the envelope with `localeReference`
    /// and `config` of the localization a read sees.
    pub fn for_locale(&self, locale: &str) -> Object {
        let (reference, config) = self.resolve(locale);
        let mut out = self.envelope.clone();
        out.insert("localeReference".into(), Value::String(reference.to_string()));
        out.insert("config".into(), normalise_config(config));
        out
    }

    /// The chart envelope (`GET …/chart`): no `config`, plus `preview`.
    pub fn chart_envelope(&self, locale: &str) -> Object {
        let (reference, _) = self.resolve(locale);
        let mut out = self.envelope.clone();
        out.shift_remove("config");
        out.insert("localeReference".into(), Value::String(reference.to_string()));
        out.insert("preview".into(), json!({}));
        out
    }

    /// The node index item (`GET …/chart/nodes`).
    pub fn index_item(&self, locale: &str) -> Object {
        let (reference, _) = self.resolve(locale);
        let mut out = Object::new();
        // `IChartNodeIndexItem_2_0`'s properties (all required there), then `localeReference`,
        // which the type does not list (an assumption: the tool does without it).
        for key in [
            "_id",
            "referenceId",
            "type",
            "label",
            "analyticsLabel",
            "comment",
            "commentColor",
            "isEntryPoint",
            "isDisabled",
            "extension",
        ] {
            match self.envelope.get(key) {
                Some(value) => out.insert(key.into(), value.clone()),
                None if matches!(key, "analyticsLabel" | "comment" | "commentColor") => {
                    out.insert(key.into(), Value::String(String::new()))
                }
                None => None,
            };
        }
        out.insert("localeReference".into(), Value::String(reference.to_string()));
        out
    }

    /// The node read (`GET …/chart/nodes/{id}`): envelope, config, preview, lastChanged.
    pub fn read(&self, locale: &str) -> Object {
        let mut out = self.for_locale(locale);
        out.insert("preview".into(), json!({}));
        out.insert("lastChanged".into(), json!(self.last_changed));
        out
    }
}

fn normalise_config(config: &Value) -> Value {
    match config {
        Value::Null => json!({}),
        other => other.clone(),
    }
}

pub struct Intents {
    pub locale: String,
    pub raw: Vec<u8>,
    pub value: Value,
}

pub struct Flow {
    /// The flow index item (`flows/<name>/config.json`).
    pub item: Object,
    /// The chart's top-level keys in the seed's order (`nodes` is filled on output).
    pub frame: Object,
    pub nodes: Vec<Node>,
    pub intents: Vec<Intents>,
}

impl Flow {
    pub fn id(&self) -> &str {
        str_of(&self.item, "_id")
    }
    pub fn name(&self) -> &str {
        str_of(&self.item, "name")
    }
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.id == id)
    }

    /// `chart.json` for one locale.
    pub fn chart_for(&self, locale: &str) -> Value {
        let mut out = self.frame.clone();
        out.insert(
            "nodes".into(),
            Value::Array(self.nodes.iter().map(|n| Value::Object(n.for_locale(locale))).collect()),
        );
        Value::Object(out)
    }

    /// `GET …/chart` for one locale.
    pub fn chart_read(&self, locale: &str) -> Value {
        let mut out = self.frame.clone();
        out.insert(
            "nodes".into(),
            Value::Array(self.nodes.iter().map(|n| Value::Object(n.chart_envelope(locale))).collect()),
        );
        Value::Object(out)
    }
}

pub struct Provider {
    /// The provider object as served.
    pub item: Object,
}

impl Provider {
    pub fn id(&self) -> &str {
        str_of(&self.item, "_id")
    }
    pub fn name(&self) -> &str {
        str_of(&self.item, "name")
    }
    pub fn service(&self) -> &str {
        str_of(&self.item, "service")
    }
    /// The dump form (`handoverProviders/<name>/config.json`).
    pub fn file(&self) -> Value {
        json!({
            "referenceId": self.item.get("referenceId").cloned().unwrap_or(Value::Null),
            "name": self.name(),
            "service": self.service(),
            "properties": self.item.get("properties").cloned().unwrap_or(json!([])),
        })
    }
}

pub struct Snapshot {
    pub id: String,
    pub name: String,
    pub description: String,
}

pub struct Task {
    pub id: String,
    pub kind: String,
    pub snapshot_id: String,
    pub polls: u32,
}

pub struct Project {
    pub project_id: String,
    pub locales: Vec<Locale>,
    pub primary_locale: String,
    pub endpoints: Vec<Endpoint>,
    pub flows: Vec<Flow>,
    pub providers: Vec<Provider>,
    pub snapshots: Vec<Snapshot>,
    pub tasks: Vec<Task>,
    /// Counter behind generated ids.
    pub generated: u64,
    /// Seed for generated ids (`--rng-seed`).
    pub id_seed: u64,
}

pub fn str_of<'a>(object: &'a Object, key: &str) -> &'a str {
    object.get(key).and_then(Value::as_str).unwrap_or("")
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A new timestamp for a write: now, but always later than the previous one.
pub fn bump(previous: Option<&Value>, now: i64) -> i64 {
    let previous = previous.and_then(Value::as_i64).unwrap_or(i64::MIN + 1);
    now.max(previous + 1)
}

/// 4-space JSON without trailing newline: what `JSON.stringify(x, undefined, 4)` writes.
/// The same as `handover_migrate_io::fsio::to_cli_json`, kept apart on purpose: the
/// simulator stands in for Cognigy and must not depend on the crates it tests.
pub fn to_cli_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("serialising a JSON value cannot fail");
    out
}

fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn read_object(path: &Path) -> Result<Object> {
    match read_json(path)? {
        Value::Object(object) => Ok(object),
        _ => bail!("{}: expected a JSON object", path.display()),
    }
}

fn required_str(object: &Object, key: &str, path: &Path) -> Result<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{}: missing string `{key}`", path.display()))
}

/// Subdirectories of `dir`, sorted by name; none if `dir` does not exist.
fn subdirs(dir: &Path) -> Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn created_at(object: &Object) -> i64 {
    object.get("createdAt").and_then(Value::as_i64).unwrap_or(0)
}

impl Project {
    /// Loads a clone directory.
    pub fn load(dir: &Path, project_id: &str, services: &[Service], id_seed: u64) -> Result<Project> {
        if !dir.is_dir() {
            bail!("seed directory {} does not exist", dir.display());
        }
        // Locales.
        let locales_path = dir.join("flows/locales.json");
        let locales = match read_json(&locales_path)? {
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(item) => Ok(Locale {
                        id: required_str(&item, "_id", &locales_path)?,
                        name: required_str(&item, "name", &locales_path)?,
                        item,
                    }),
                    _ => bail!("{}: every locale must be an object", locales_path.display()),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => bail!("{}: expected an array", locales_path.display()),
        };
        if locales.is_empty() {
            bail!("{}: the project has no locale", locales_path.display());
        }
        let primary_locale = locales
            .iter()
            .find(|l| l.item.get("primary") == Some(&Value::Bool(true)))
            .unwrap_or(&locales[0])
            .id
            .clone();

        // Endpoints.
        let mut endpoints = Vec::new();
        for name in subdirs(&dir.join("endpoints"))? {
            let path = dir.join("endpoints").join(&name).join("config.json");
            let item = read_object(&path)?;
            required_str(&item, "_id", &path)?;
            required_str(&item, "name", &path)?;
            endpoints.push((created_at(&item), name, Endpoint { item }));
        }
        endpoints.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let endpoints: Vec<Endpoint> = endpoints.into_iter().map(|(_, _, e)| e).collect();

        // Flows.
        let mut flows = Vec::new();
        for name in subdirs(&dir.join("flows"))? {
            let flow_dir = dir.join("flows").join(&name);
            let path = flow_dir.join("config.json");
            let item = read_object(&path)?;
            required_str(&item, "_id", &path)?;
            required_str(&item, "name", &path)?;
            let flow = load_flow(&flow_dir, item, &locales, &primary_locale)?;
            flows.push((created_at(&flow.item), name, flow));
        }
        flows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let flows: Vec<Flow> = flows.into_iter().map(|(_, _, f)| f).collect();

        // Handover providers.
        let mut providers: Vec<Provider> = Vec::new();
        for name in subdirs(&dir.join("handoverProviders"))? {
            let path = dir.join("handoverProviders").join(&name).join("config.json");
            let file = read_object(&path)?;
            let reference_id = required_str(&file, "referenceId", &path)?;
            let provider_name = required_str(&file, "name", &path)?;
            let service_name = required_str(&file, "service", &path)?;
            let service = services
                .iter()
                .find(|s| s.name == service_name)
                .ok_or_else(|| anyhow!("{}: unknown handover service `{service_name}`", path.display()))?;
            let properties = match file.get("properties") {
                None => json!([]),
                Some(Value::Array(items)) => Value::Array(items.clone()),
                Some(_) => bail!("{}: `properties` must be a list of {{key, value}}", path.display()),
            };
            if providers.iter().any(|p| p.name() == provider_name) {
                bail!("{}: a second provider named `{provider_name}`", path.display());
            }
            let created = 1_727_177_152_000i64;
            let Value::Object(item) = json!({
                "_id": ids::object_id(&format!("provider:{reference_id}")),
                "referenceId": reference_id,
                "organisationId": ORGANISATION_ID,
                "projectId": project_id,
                "serviceId": service.id,
                "service": service.name,
                "localeId": "",
                "name": provider_name,
                "createdAt": created,
                "lastChangedAt": created,
                "createdBy": ids::object_id("user:seed"),
                "lastChangedBy": ids::object_id("user:seed"),
                "properties": properties,
                "settings": {},
            }) else {
                unreachable!()
            };
            providers.push(Provider { item });
        }

        Ok(Project {
            project_id: project_id.to_string(),
            locales,
            primary_locale,
            endpoints,
            flows,
            providers,
            snapshots: Vec::new(),
            tasks: Vec::new(),
            generated: 0,
            id_seed,
        })
    }

    /// A fresh `(_id, referenceId)` pair.
    pub fn new_ids(&mut self, what: &str) -> (String, String) {
        self.generated += 1;
        let seed = format!("{what}:{}:{}", self.id_seed, self.generated);
        (ids::object_id(&seed), ids::uuid(&seed))
    }

    pub fn locale(&self, id: &str) -> Option<&Locale> {
        self.locales.iter().find(|l| l.id == id)
    }

    pub fn endpoint_mut(&mut self, id: &str) -> Option<&mut Endpoint> {
        self.endpoints.iter_mut().find(|e| e.id() == id)
    }

    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id() == id)
    }

    pub fn flow_mut(&mut self, id: &str) -> Option<&mut Flow> {
        self.flows.iter_mut().find(|f| f.id() == id)
    }

    pub fn provider_index(&self, id: &str) -> Option<usize> {
        self.providers.iter().position(|p| p.id() == id)
    }

    /// Writes the state in the clone layout under `dir`: `endpoints/`, `flows/` and, when
    /// there are providers, `handoverProviders/` are replaced; other files are left alone.
    /// Returns the number of files written.
    pub fn dump(&self, dir: &Path) -> Result<usize> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for sub in ["endpoints", "flows", "handoverProviders"] {
            let path = dir.join(sub);
            if path.exists() {
                fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
        let mut written = 0usize;
        let mut write = |path: &Path, bytes: &[u8]| -> Result<()> {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            }
            fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
            written += 1;
            Ok(())
        };
        fs::create_dir_all(dir.join("endpoints"))?;
        for endpoint in &self.endpoints {
            let endpoint_dir = dir.join("endpoints").join(endpoint.name());
            write(&endpoint_dir.join("config.json"), &to_cli_json(&Value::Object(endpoint.item.clone())))?;
            if let Some(source) =
                endpoint.item.get("transformer").and_then(|t| t.get("transformer")).and_then(Value::as_str)
            {
                write(&endpoint_dir.join("transformer.ts"), source.as_bytes())?;
            }
        }
        let locales: Vec<Value> = self.locales.iter().map(|l| Value::Object(l.item.clone())).collect();
        write(&dir.join("flows/locales.json"), &to_cli_json(&Value::Array(locales)))?;
        for flow in &self.flows {
            let flow_dir = dir.join("flows").join(flow.name());
            write(&flow_dir.join("config.json"), &to_cli_json(&Value::Object(flow.item.clone())))?;
            for locale in &self.locales {
                let locale_dir = flow_dir.join(&locale.name);
                write(&locale_dir.join("chart.json"), &to_cli_json(&flow.chart_for(&locale.id)))?;
                if let Some(intents) = flow.intents.iter().find(|i| i.locale == locale.id) {
                    write(&locale_dir.join("intents.json"), &intents.raw)?;
                }
            }
        }
        for provider in &self.providers {
            let path = dir.join("handoverProviders").join(provider.name()).join("config.json");
            write(&path, &to_cli_json(&provider.file()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
            }
        }
        Ok(written)
    }
}

fn load_flow(flow_dir: &Path, item: Object, locales: &[Locale], primary_locale: &str) -> Result<Flow> {
    let last_changed =
        item.get("lastChanged").and_then(Value::as_i64).or_else(|| item.get("createdAt").and_then(Value::as_i64));
    // Charts in order: the primary locale's first, then the others in locale order.
    let mut ordered: Vec<&Locale> = locales.iter().filter(|l| l.id == primary_locale).collect();
    ordered.extend(locales.iter().filter(|l| l.id != primary_locale));
    let mut frame: Option<Object> = None;
    let mut nodes: Vec<Node> = Vec::new();
    // Per node: the config its first-seen (primary) chart shows, for its primary localization.
    let mut fallback: Vec<Value> = Vec::new();
    let mut intents = Vec::new();
    for locale in ordered {
        let locale_dir = flow_dir.join(&locale.name);
        let intents_path = locale_dir.join("intents.json");
        if intents_path.is_file() {
            let raw = fs::read(&intents_path).with_context(|| format!("reading {}", intents_path.display()))?;
            let value = serde_json::from_slice(&raw).with_context(|| format!("parsing {}", intents_path.display()))?;
            intents.push(Intents { locale: locale.id.clone(), raw, value });
        }
        let path = locale_dir.join("chart.json");
        if !path.is_file() {
            continue;
        }
        let mut chart = read_object(&path)?;
        let chart_nodes = match chart.get_mut("nodes").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => bail!("{}: `nodes` must be an array", path.display()),
        };
        if frame.is_none() {
            chart.insert("nodes".into(), Value::Null);
            frame = Some(chart);
        }
        for raw in chart_nodes {
            let Value::Object(mut envelope) = raw else { bail!("{}: every node must be an object", path.display()) };
            let id = required_str(&envelope, "_id", &path)?;
            let node_type = required_str(&envelope, "type", &path)?;
            let reference = envelope.get("localeReference").and_then(Value::as_str).unwrap_or(&locale.id).to_string();
            let config = envelope.get_mut("config").map(Value::take).unwrap_or(Value::Null);
            let index = match nodes.iter().position(|n| n.id == id) {
                Some(index) => index,
                None => {
                    if !envelope.contains_key("config") {
                        envelope.insert("config".into(), Value::Null);
                    }
                    if !envelope.contains_key("localeReference") {
                        // Where the CLI would have it: before `config`.
                        let at = envelope.keys().position(|k| k == "config").unwrap_or(envelope.len());
                        envelope.shift_insert(at, "localeReference".into(), Value::Null);
                    }
                    nodes.push(Node {
                        id,
                        node_type,
                        envelope,
                        configs: Vec::new(),
                        primary_locale: reference.clone(),
                        last_changed: last_changed.unwrap_or(0),
                    });
                    fallback.push(config.clone());
                    nodes.len() - 1
                }
            };
            let node = &mut nodes[index];
            if reference == locale.id && node.config_in(&locale.id).is_none() {
                node.configs.push((locale.id.clone(), config));
            }
        }
    }
    for (node, config) in nodes.iter_mut().zip(fallback) {
        if node.config_in(&node.primary_locale).is_none() {
            let primary = node.primary_locale.clone();
            node.configs.insert(0, (primary, config));
        }
    }
    let frame = frame.unwrap_or_else(|| {
        let Value::Object(frame) =
            json!({"_id": ids::object_id(&format!("chart:{}", str_of(&item, "_id"))), "nodes": null, "relations": []})
        else {
            unreachable!()
        };
        frame
    });
    Ok(Flow { item, frame, nodes, intents })
}
