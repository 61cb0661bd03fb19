//! The offline store: a project directory as `cognigy clone` writes it, plus the
//! `handoverProviders/` folder this tool adds.
//!
//! Loading reads every endpoint, locale, flow and chart once, keeps only what the
//! migration needs (endpoint handover settings, the handover-relevant nodes, the flow
//! links) and a SHA-256 of every file read, and checks the input thoroughly: any problem
//! is reported with the file and field, and all problems are listed together.
//!
//! Every file is read, hashed and parsed once, flows on every core. Of a chart only an index
//! stays in memory, and each handover node's config as compact text (identical texts
//! shared; [`Project::handover_configs`] parses them again one chart at a time), so memory
//! grows with the number of nodes and distinct handover configs, not with the size of charts.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use handover_migrate_core::Object;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{relativize, Chart, Endpoint, Flow, Handover, Locale, Project, ProviderFile};
use crate::names::check_resource_name;
use handover_migrate_io::fsio::{self, sha256_hex, Entry};
use handover_migrate_io::{Error, Result};

mod chart;
pub(crate) use chart::parse_raw_chart;
use chart::{parse_chart_nodes, ConfigTexts};

pub const ENDPOINTS_DIR: &str = "endpoints";
pub const FLOWS_DIR: &str = "flows";
pub const PROVIDERS_DIR: &str = "handoverProviders";
pub const LOCALES_FILE: &str = "flows/locales.json";
pub const CONFIG_FILE: &str = "config.json";
pub const CHART_FILE: &str = "chart.json";

/// Node types the migration keeps (handover nodes, flow links, nodes it reports); every
/// other node is skipped unparsed.
pub const KEPT_NODE_TYPES: &[&str] = &[
    "handoverToAgent",
    "checkAgentAvailability",
    "executeFlow",
    "goTo",
    "handover",
    "question",
    "optionalQuestion",
    "handoverToHumanAgentTool",
];

/// Collects every input problem so the user can fix them all in one go.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }
    fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|e| self.push(e.message)).ok()
    }
}

fn rel(parts: &[&str]) -> String {
    parts.join("/")
}

/// Sorted names of the entries of a directory.
fn list_dir(root: &Path, rel_dir: &str) -> Result<Vec<String>> {
    Ok(list_dir_typed(root, rel_dir)?.into_iter().map(|(name, _)| name).collect())
}

/// Sorted names of the entries of a directory with their types, as the directory listing
/// gives them (no system call per entry on the usual file systems).
fn list_dir_typed(root: &Path, rel_dir: &str) -> Result<Vec<(String, Entry)>> {
    let path = root.join(rel_dir);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&path).map_err(|e| Error::io("list", &path, e))? {
        let entry = entry.map_err(|e| Error::io("list", &path, e))?;
        let kind = match entry.file_type() {
            Ok(t) if t.is_symlink() => Entry::Symlink,
            Ok(t) if t.is_dir() => Entry::Dir,
            Ok(t) if t.is_file() => Entry::File,
            Ok(_) => Entry::Other,
            Err(e) => return Err(Error::io("inspect", &entry.path(), e)),
        };
        match entry.file_name().into_string() {
            // Left by a run that was killed before it could rename it into place.
            Ok(name) if fsio::is_temp_file(&name) => {}
            Ok(name) => names.push((name, kind)),
            Err(raw) => {
                return Err(Error::failed(format!(
                    "{}: the entry {raw:?} is not valid UTF-8; rename it",
                    path.display()
                )))
            }
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(names)
}

fn require_dir(root: &Path, rel_dir: &str) -> Result<()> {
    dir_entry_is_dir(rel_dir, fsio::entry(&root.join(rel_dir))?)
}

/// [`require_dir`] for an entry whose type is known (from its directory's listing).
fn dir_entry_is_dir(rel_dir: &str, entry: Entry) -> Result<()> {
    match entry {
        Entry::Dir => Ok(()),
        Entry::Symlink => Err(Error::failed(format!(
            "{rel_dir} is a symbolic link; handover-migrate never follows links out of the project. Replace it with the directory itself"
        ))),
        Entry::Missing => Err(Error::failed(format!(
            "{rel_dir} is missing: the clone is incomplete; run `cognigy clone` again"
        ))),
        _ => Err(Error::failed(format!("{rel_dir} is not a directory; move it away or run `cognigy clone` again"))),
    }
}

struct Reader<'a> {
    root: &'a Path,
    /// Whether to hash what is read into `fingerprint` (see [`load_unhashed`]).
    hash: bool,
    fingerprint: BTreeMap<String, String>,
}

impl Reader<'_> {
    /// The text of a file, hashed as it is read (the only read of that file).
    fn text(&mut self, rel_path: &str) -> Result<String> {
        let text = fsio::read_text(&self.root.join(rel_path)).map_err(|e| relativize(e, self.root))?;
        if self.hash {
            self.fingerprint.insert(rel_path.to_string(), sha256_hex(text.as_bytes()));
        }
        Ok(text)
    }

    fn json_object(&mut self, rel_path: &str) -> Result<Object> {
        let text = self.text(rel_path)?;
        object_of(rel_path, &text)
    }
}

/// A document's fields read straight into `T` (no `Value` built) when it is an object of
/// the expected shape, as every file `cognigy clone` writes is; `None` sends the caller to
/// [`object_of`] and its checks, which name what is wrong (a missing or mistyped field,
/// another JSON type, a repeated key), so either way the result and every message are the
/// same.
fn typed<'a, T: Deserialize<'a>>(text: &'a str) -> Option<T> {
    // A struct also deserializes from a JSON array (positionally): objects only.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str(text).ok()
}

fn object_of(rel_path: &str, text: &str) -> Result<Object> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(Error::failed(format!(
            "{rel_path}: expected a JSON object, found {}",
            handover_migrate_core::validate::type_name(&other)
        ))),
        Err(e) => Err(json_error(rel_path, &e)),
    }
}

fn json_error(rel_path: &str, error: &serde_json::Error) -> Error {
    let what = if error.is_eof() { "is truncated or incomplete JSON" } else { "is not valid JSON" };
    Error::failed(format!(
        "{rel_path} {what} ({error}); restore it from your clone (e.g. `cognigy clone` again) or fix it by hand"
    ))
}

fn string_field(object: &Object, field: &str, rel_path: &str, required: bool) -> Result<String> {
    match object.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        None if !required => Ok(String::new()),
        None => Err(Error::failed(format!("{rel_path}: the field `{field}` is missing"))),
        Some(other) => Err(Error::failed(format!(
            "{rel_path}: the field `{field}` must be a string, found {}",
            handover_migrate_core::validate::type_name(other)
        ))),
    }
}

/// Check that `root` exists and looks like a `cognigy clone` directory.
pub fn check_root(root: &Path) -> Result<()> {
    match fsio::entry(root)? {
        Entry::Dir => {}
        Entry::Missing => {
            return Err(Error::usage(format!(
                "the project directory {} does not exist; pass the folder `cognigy clone` wrote (its agentDir)",
                root.display()
            )))
        }
        _ => {
            return Err(Error::usage(format!(
                "{} is not a directory; pass the folder `cognigy clone` wrote (its agentDir)",
                root.display()
            )))
        }
    }
    let has_endpoints = fsio::entry(&root.join(ENDPOINTS_DIR))? != Entry::Missing;
    let has_flows = fsio::entry(&root.join(FLOWS_DIR))? != Entry::Missing;
    if !has_endpoints && !has_flows {
        return Err(Error::failed(format!(
            "{} has neither an endpoints/ nor a flows/ folder: it does not look like a Cognigy CLI clone (an empty project?). \
             Point --project at the folder `cognigy clone` wrote",
            root.display()
        )));
    }
    Ok(())
}

/// Load and check a cloned project, with the SHA-256 of every file it read (the
/// fingerprint a plan records and every write checks).
pub fn load(root: &Path) -> Result<Project> {
    load_with(root, true)
}

/// [`load`] without the fingerprint, for a command that neither shows it nor writes
/// (`verify`): hashing every byte is a good part of a load. The project's fingerprint is
/// empty, so [`Project::read_unchanged`] refuses every file of it: nothing can be written
/// from such a project.
pub fn load_unhashed(root: &Path) -> Result<Project> {
    load_with(root, false)
}

fn load_with(root: &Path, hash: bool) -> Result<Project> {
    check_root(root)?;
    let has_endpoints = fsio::entry(&root.join(ENDPOINTS_DIR))? != Entry::Missing;
    let has_flows = fsio::entry(&root.join(FLOWS_DIR))? != Entry::Missing;
    let mut reader = Reader { root, hash, fingerprint: BTreeMap::new() };
    let mut problems = Problems::default();
    let locales = if has_flows { problems.take(load_locales(&mut reader)).unwrap_or_default() } else { Vec::new() };
    let endpoints = if has_endpoints { load_endpoints(&mut reader, &mut problems) } else { Vec::new() };
    let flows =
        if has_flows { load_flows(&mut reader, &locales, &ConfigTexts::default(), &mut problems) } else { Vec::new() };
    let providers = load_providers(&mut reader, &mut problems);
    if !problems.0.is_empty() {
        let count = problems.0.len();
        let list = problems.0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n");
        return Err(Error::failed(format!(
            "the project {} has {count} problem{}; nothing was changed:\n{list}",
            root.display(),
            if count == 1 { "" } else { "s" }
        )));
    }
    Ok(Project {
        root: root.to_path_buf(),
        endpoints,
        locales,
        flows,
        providers,
        fingerprint: Arc::new(reader.fingerprint),
    })
}

fn load_locales(reader: &mut Reader) -> Result<Vec<Locale>> {
    let text = reader.text(LOCALES_FILE)?;
    let items: Vec<Value> = serde_json::from_str(&text).map_err(|e| json_error(LOCALES_FILE, &e))?;
    let mut locales = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let where_ = format!("{LOCALES_FILE} item {index}");
        let object = item.as_object().ok_or_else(|| {
            Error::failed(format!("{where_}: expected an object; restore the file from `cognigy clone`"))
        })?;
        let locale = Locale {
            id: string_field(object, "_id", &where_, true)?,
            reference_id: string_field(object, "referenceId", &where_, false)?,
            name: string_field(object, "name", &where_, true)?,
        };
        if locales.iter().any(|l: &Locale| l.name == locale.name || l.id == locale.id) {
            return Err(Error::failed(format!(
                "{where_}: duplicate locale `{}`; restore the file from `cognigy clone`",
                locale.name
            )));
        }
        locales.push(locale);
    }
    if locales.is_empty() {
        return Err(Error::failed(format!(
            "{LOCALES_FILE} lists no locale; the clone is incomplete: run `cognigy clone` again"
        )));
    }
    Ok(locales)
}

fn load_endpoints(reader: &mut Reader, problems: &mut Problems) -> Vec<Endpoint> {
    let Some(()) = problems.take(require_dir(reader.root, ENDPOINTS_DIR)) else { return Vec::new() };
    let Some(dirs) = problems.take(list_dir(reader.root, ENDPOINTS_DIR)) else { return Vec::new() };
    // Read and parse on every core, then check in order.
    let loaded = parallel_map(&dirs, |dir| {
        let mut local = Reader { root: reader.root, hash: reader.hash, fingerprint: BTreeMap::new() };
        let rel_dir = rel(&[ENDPOINTS_DIR, dir]);
        let path = rel(&[&rel_dir, CONFIG_FILE]);
        let endpoint = require_dir(reader.root, &rel_dir).and_then(|()| load_endpoint(&mut local, &path));
        (path, endpoint, local.fingerprint)
    });
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (path, endpoint, fingerprint) in loaded {
        reader.fingerprint.extend(fingerprint);
        let Some(endpoint) = problems.take(endpoint) else { continue };
        if let Some(other) = seen.insert(endpoint.name.clone(), path.clone()) {
            problems.push(format!(
                "{path} and {other} both name an endpoint `{}`; endpoint names must be unique — rename one in Cognigy and clone again",
                endpoint.name
            ));
            continue;
        }
        endpoints.push(endpoint);
    }
    endpoints
}

/// What the migration reads of an endpoint file (see [`typed`]).
#[derive(Deserialize)]
struct EndpointDoc<'a> {
    #[serde(borrow)]
    name: JsonStr<'a>,
    #[serde(rename = "_id", borrow, default)]
    id: JsonStr<'a>,
    #[serde(rename = "flowId", borrow, default)]
    flow_id: JsonStr<'a>,
    #[serde(borrow, default)]
    entrypoint: JsonStr<'a>,
    #[serde(rename = "handoverSettings", borrow, default)]
    handover: Option<&'a RawValue>,
}

fn load_endpoint(reader: &mut Reader, path: &str) -> Result<Endpoint> {
    let text = reader.text(path)?;
    if let Some(doc) = typed::<EndpointDoc>(&text) {
        let name = doc.name.into_string();
        check_resource_name(&name).map_err(|why| Error::failed(format!("{path}: the endpoint name {name:?} {why}")))?;
        let settings = doc.handover.map(|raw| serde_json::from_str::<Value>(raw.get())).transpose();
        let settings = settings.map_err(|e| json_error(path, &e))?;
        return Ok(Endpoint {
            handover: handover_of(settings.as_ref(), path)?,
            entrypoint: doc.entrypoint.into_string(),
            snapshot_pinned: false,
            id: doc.id.into_string(),
            flow_id: doc.flow_id.into_string(),
            name,
            path: path.to_string(),
        });
    }
    let object = object_of(path, &text)?;
    let name = string_field(&object, "name", path, true)?;
    check_resource_name(&name).map_err(|why| Error::failed(format!("{path}: the endpoint name {name:?} {why}")))?;
    let handover = handover_of(object.get("handoverSettings"), path)?;
    Ok(Endpoint {
        entrypoint: string_field(&object, "entrypoint", path, false)?,
        // Known once the project id is known (API mode, or `project-id` in handover-migrate.toml).
        snapshot_pinned: false,
        id: string_field(&object, "_id", path, false)?,
        flow_id: string_field(&object, "flowId", path, false)?,
        name,
        path: path.to_string(),
        handover,
    })
}

/// An endpoint's `handoverSettings`, checked.
fn handover_of(settings: Option<&Value>, path: &str) -> Result<Handover> {
    Ok(match settings {
        None | Some(Value::Null) => Handover::Absent,
        Some(Value::Object(settings)) => {
            let where_ = format!("{path}: handoverSettings");
            let kind = string_field(settings, "provider", &where_, false)?;
            match settings.get("providerSettings") {
                _ if matches!(kind.as_str(), "" | "none" | "cognigy") => Handover::Nothing(kind),
                None | Some(Value::Null) => Handover::Legacy { kind, settings: Object::new() },
                Some(Value::Object(provider_settings)) => {
                    Handover::Legacy { kind, settings: provider_settings.clone() }
                }
                Some(other) => {
                    return Err(Error::failed(format!(
                        "{where_}.providerSettings must be an object, found {}",
                        handover_migrate_core::validate::type_name(other)
                    )))
                }
            }
        }
        Some(other) => {
            return Err(Error::failed(format!(
                "{path}: handoverSettings must be an object, found {}",
                handover_migrate_core::validate::type_name(other)
            )))
        }
    })
}

fn load_flows(reader: &mut Reader, locales: &[Locale], configs: &ConfigTexts, problems: &mut Problems) -> Vec<Flow> {
    let Some(()) = problems.take(require_dir(reader.root, FLOWS_DIR)) else { return Vec::new() };
    let Some(entries) = problems.take(list_dir_typed(reader.root, FLOWS_DIR)) else { return Vec::new() };
    let dirs: Vec<(String, Entry)> = entries
        .into_iter()
        .filter(|(e, _)| e != "locales.json")
        .map(|(e, kind)| (rel(&[FLOWS_DIR, &e]), kind))
        .collect();
    // Flows are independent: read and parse them on every core, then check them in order.
    let progress = handover_migrate_io::progress::phase("Reading flows", Some(dirs.len()));
    let loaded = parallel_map(&dirs, |(rel_dir, kind)| {
        let mut local = Reader { root: reader.root, hash: reader.hash, fingerprint: BTreeMap::new() };
        let flow = dir_entry_is_dir(rel_dir, *kind).and_then(|()| load_flow(&mut local, rel_dir, locales, configs));
        progress.inc();
        (flow, local.fingerprint)
    });
    drop(progress);
    let mut flows: Vec<Flow> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut references: HashMap<String, String> = HashMap::new();
    for ((rel_dir, _), (flow, fingerprint)) in dirs.iter().zip(loaded) {
        reader.fingerprint.extend(fingerprint);
        let Some(flow) = problems.take(flow) else { continue };
        let config = rel(&[rel_dir, CONFIG_FILE]);
        if let Some(other) = names.insert(flow.name.clone(), config.clone()) {
            problems.push(format!("{config} and {other} both name a flow `{}`; flow names must be unique", flow.name));
            continue;
        }
        if let Some(other) = references.insert(flow.reference_id.clone(), config.clone()) {
            problems.push(format!("{config} and {other} have the same referenceId `{}`", flow.reference_id));
            continue;
        }
        flows.push(flow);
    }
    flows
}

/// `f` over `items` on all cores (in order). Each item is small work (one flow), handed
/// out one at a time so that uneven flows balance.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len().max(1));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// What the migration reads of a flow's `config.json` (see [`typed`]).
#[derive(Deserialize)]
struct FlowDoc<'a> {
    #[serde(borrow)]
    name: JsonStr<'a>,
    #[serde(rename = "_id", borrow)]
    id: JsonStr<'a>,
    #[serde(rename = "referenceId", borrow)]
    reference_id: JsonStr<'a>,
}

fn check_flow_name(name: &str, config_path: &str) -> Result<()> {
    check_resource_name(name).map_err(|why| Error::failed(format!("{config_path}: the flow name {name:?} {why}")))
}

fn load_flow(reader: &mut Reader, rel_dir: &str, locales: &[Locale], configs: &ConfigTexts) -> Result<Flow> {
    let config_path = rel(&[rel_dir, CONFIG_FILE]);
    let text = reader.text(&config_path)?;
    let (name, id, reference_id) = match typed::<FlowDoc>(&text) {
        Some(doc) => {
            let name = doc.name.into_string();
            check_flow_name(&name, &config_path)?;
            (name, doc.id.into_string(), doc.reference_id.into_string())
        }
        None => {
            let config = object_of(&config_path, &text)?;
            let name = string_field(&config, "name", &config_path, true)?;
            check_flow_name(&name, &config_path)?;
            (
                name,
                string_field(&config, "_id", &config_path, true)?,
                string_field(&config, "referenceId", &config_path, true)?,
            )
        }
    };
    drop(text);
    let mut flow = Flow { id, reference_id, name, charts: Vec::new() };
    for (entry, kind) in list_dir_typed(reader.root, rel_dir)? {
        if entry == CONFIG_FILE {
            continue;
        }
        let locale_dir = rel(&[rel_dir, &entry]);
        match kind {
            Entry::Dir => {}
            // Skipping it would leave its handover nodes unseen: apply would switch the
            // others, and verify and cleanup would act as if there were no more.
            Entry::Symlink => {
                return Err(Error::failed(format!(
                    "{locale_dir} is a symbolic link; handover-migrate never follows links inside the project, and \
                     skipping it would leave its nodes unmigrated. Replace it with the folder itself"
                )))
            }
            _ => {
                tracing::debug!("skipping {locale_dir}: not a locale folder");
                continue;
            }
        }
        let Some(locale) = locales.iter().position(|l| l.name == entry) else {
            return Err(Error::failed(format!(
                "{locale_dir}: no locale named `{entry}` in {LOCALES_FILE}; clone the project again or remove the folder"
            )));
        };
        let chart_path = rel(&[&locale_dir, CHART_FILE]);
        // Inspected only when the read fails: one path lookup less per chart.
        let text = match reader.text(&chart_path) {
            Ok(text) => text,
            Err(_) if fsio::entry(&reader.root.join(&chart_path))? == Entry::Missing => {
                // `cognigy clone` writes a chart for every locale folder it makes; one missing
                // would leave that locale's handover nodes unseen (verify and cleanup would
                // then act as if there were no more).
                return Err(Error::failed(format!(
                    "{locale_dir} has no {CHART_FILE}; `cognigy clone` writes one in every locale folder. Clone the \
                     flow again, or remove the folder if the flow has no such locale"
                )));
            }
            Err(error) => return Err(error),
        };
        let nodes = parse_chart_nodes(&text, &chart_path, locales, configs)?;
        flow.charts.push(Chart { locale, path: chart_path, nodes });
    }
    flow.charts.shrink_to_fit();
    Ok(flow)
}

/// A JSON string borrowed from the text it was parsed from, or owned when it had escapes.
#[derive(Default)]
pub(crate) struct JsonStr<'a>(std::borrow::Cow<'a, str>);

impl JsonStr<'_> {
    fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl std::ops::Deref for JsonStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonStr<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(JsonStr(std::borrow::Cow::Borrowed(text)))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> std::result::Result<Self::Value, E> {
                Ok(JsonStr(std::borrow::Cow::Owned(text.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> std::result::Result<Self::Value, E> {
                Ok(JsonStr(std::borrow::Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

fn load_providers(reader: &mut Reader, problems: &mut Problems) -> Vec<ProviderFile> {
    if fsio::entry(&reader.root.join(PROVIDERS_DIR)).ok() == Some(Entry::Missing) {
        return Vec::new();
    }
    let Some(()) = problems.take(require_dir(reader.root, PROVIDERS_DIR)) else { return Vec::new() };
    let Some(dirs) = problems.take(list_dir(reader.root, PROVIDERS_DIR)) else { return Vec::new() };
    let mut providers: Vec<ProviderFile> = Vec::new();
    for dir in dirs {
        let rel_dir = rel(&[PROVIDERS_DIR, &dir]);
        if problems.take(require_dir(reader.root, &rel_dir)).is_none() {
            continue;
        }
        let path = rel(&[&rel_dir, CONFIG_FILE]);
        // A folder a killed run created before its file landed: nothing to load.
        if fsio::entry(&reader.root.join(&path)).ok() == Some(Entry::Missing)
            && list_dir(reader.root, &rel_dir).is_ok_and(|entries| entries.is_empty())
        {
            tracing::warn!("{rel_dir} is empty (left by an interrupted run?); ignoring it");
            continue;
        }
        let Some(provider) = problems.take(load_provider(reader, &path)) else { continue };
        if let Some(other) =
            providers.iter().find(|p| p.name == provider.name || p.reference_id == provider.reference_id)
        {
            problems.push(format!("{path} and {} describe the same provider (name or referenceId)", other.path));
            continue;
        }
        providers.push(provider);
    }
    providers
}

fn load_provider(reader: &mut Reader, path: &str) -> Result<ProviderFile> {
    let object = reader.json_object(path)?;
    let mut properties = Object::new();
    match object.get("properties") {
        None => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                let entry = item.as_object().ok_or_else(|| {
                    Error::failed(format!("{path}: properties[{index}] must be an object {{\"key\", \"value\"}}"))
                })?;
                let key = string_field(entry, "key", &format!("{path}: properties[{index}]"), true)?;
                properties.insert(key, entry.get("value").cloned().unwrap_or(Value::Null));
            }
        }
        Some(_) => return Err(Error::failed(format!("{path}: properties must be a list of {{\"key\", \"value\"}}"))),
    }
    Ok(ProviderFile {
        path: path.to_string(),
        reference_id: string_field(&object, "referenceId", path, true)?,
        id: string_field(&object, "_id", path, false)?,
        name: string_field(&object, "name", path, true)?,
        service: string_field(&object, "service", path, true)?,
        properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Node, NodeConfig};

    fn example_copy() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme-support");
        let status = std::process::Command::new("cp").arg("-r").arg(&example).arg(dir.path()).status().unwrap();
        assert!(status.success());
        dir
    }

    #[test]
    fn handover_configs_come_from_the_one_read_of_each_chart() {
        let dir = example_copy();
        let root = dir.path().join("acme-support");
        let project = load(&root).unwrap();
        let mut checked = 0;
        for (f, flow) in project.flows.iter().enumerate() {
            for (c, chart) in flow.charts.iter().enumerate() {
                let on_disk: Value =
                    serde_json::from_str(&std::fs::read_to_string(root.join(&chart.path)).unwrap()).unwrap();
                // The file is not read again: configs come from what load kept.
                std::fs::remove_file(root.join(&chart.path)).unwrap();
                let configs = project.handover_configs(f, c).unwrap();
                for (node, config) in chart.nodes.iter().zip(&configs) {
                    let expected = on_disk["nodes"].as_array().unwrap().iter().find(|n| n["_id"] == *node.id).unwrap();
                    match &node.config {
                        NodeConfig::Text(_) => {
                            assert_eq!(config.as_ref(), expected["config"].as_object(), "{}", node.id);
                            checked += 1;
                        }
                        NodeConfig::NotKept => assert!(config.is_none()),
                        NodeConfig::Inline(_) => panic!("a clone keeps no parsed config"),
                    }
                }
            }
        }
        assert!(checked > 0, "the example has handover nodes");
    }

    #[test]
    fn only_an_index_of_the_nodes_is_kept() {
        let dir = example_copy();
        let project = load(&dir.path().join("acme-support")).unwrap();
        let nodes: Vec<&Node> = project.flows.iter().flat_map(|f| &f.charts).flat_map(|c| &c.nodes).collect();
        assert!(nodes.iter().all(|n| KEPT_NODE_TYPES.contains(&n.node_type.as_str())));
        assert!(nodes.iter().all(|n| !matches!(n.config, NodeConfig::Inline(_))), "configs are kept as text");
        let links: Vec<&str> = nodes.iter().filter_map(|n| n.link.as_deref()).collect();
        assert!(!links.is_empty(), "Execute Flow targets are kept");
        assert!(links.iter().all(|target| project.flow_by_ref(target).is_some()), "{links:?}");
    }
}
