//! `cognigy-sim`: a local simulator of the Cognigy.AI REST API subset that `handover-migrate`
//! uses (`docs/cognigy-api-contract.md`), serving one project loaded from a clone directory.
//!
//! In-process use from a test:
//!
//! ```no_run
//! use cognigy_sim::{Options, Sim};
//! let sim = Sim::load("examples/acme-support", Options::new("KEY", "PROJECT")).unwrap();
//! let handle = sim.spawn().unwrap(); // own thread and runtime, 127.0.0.1:<ephemeral>
//! let api = handle.api_url(); // "http://127.0.0.1:PORT/new/v2.0"
//! // … run the tool against `api` …
//! let stats = handle.stats();
//! handle.dump("/tmp/out").unwrap();
//! ```

pub mod catalogue;
pub mod contract;
pub mod faults;
mod http;
pub mod ids;
pub mod model;
pub mod multi;
pub mod npm;
pub mod problem;
pub mod profile;
mod server;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

pub use faults::Faults;
pub use model::to_cli_json;

use catalogue::{Field, Service};
use faults::{FaultState, Stats};
use model::Project;

/// How the simulator behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// The only API key accepted.
    pub api_key: String,
    /// The id of the one project served.
    pub project_id: String,
    /// Expose the Handover Provider selector field in the node descriptors under this key.
    pub selector_key: Option<String>,
    /// Read secrets masked (`"********"`) from endpoints and providers.
    pub mask_secrets: bool,
    /// The node catalogue file (`--descriptors`); without it a small built-in one.
    pub descriptors: Option<PathBuf>,
    /// A second key whose user may read the project's flows, endpoints and locales but
    /// nothing about Handover Providers, and may write nothing (403).
    pub restricted_key: Option<String>,
    /// List the selector field's options (Legacy plus every provider) with this value
    /// form; without it the options are the name of a list the UI fills (`"handoverProviders"`).
    pub selector_options: Option<ValueForm>,
    /// The page size of an index read without `limit`.
    pub default_page: usize,
    /// A tenant profile (`handover-migrate doctor --save-profile`): its services, selector,
    /// masking, default page size and node types replace the simulator's own.
    pub profile: Option<PathBuf>,
    pub faults: Faults,
    /// Log every API request to stderr.
    pub log: bool,
}

impl Options {
    pub fn new(api_key: impl Into<String>, project_id: impl Into<String>) -> Options {
        Options {
            api_key: api_key.into(),
            project_id: project_id.into(),
            selector_key: None,
            mask_secrets: false,
            descriptors: None,
            restricted_key: None,
            selector_options: None,
            default_page: http::DEFAULT_PAGE,
            profile: None,
            faults: Faults::default(),
            log: false,
        }
    }

    pub fn selector_key(mut self, key: impl Into<String>) -> Options {
        self.selector_key = Some(key.into());
        self
    }

    pub fn mask_secrets(mut self, on: bool) -> Options {
        self.mask_secrets = on;
        self
    }

    pub fn descriptors(mut self, file: impl Into<PathBuf>) -> Options {
        self.descriptors = Some(file.into());
        self
    }

    pub fn restricted_key(mut self, key: impl Into<String>) -> Options {
        self.restricted_key = Some(key.into());
        self
    }

    pub fn selector_options(mut self, form: ValueForm) -> Options {
        self.selector_options = Some(form);
        self
    }

    pub fn profile(mut self, file: impl Into<PathBuf>) -> Options {
        self.profile = Some(file.into());
        self
    }

    pub fn faults(mut self, faults: Faults) -> Options {
        self.faults = faults;
        self
    }
}

/// What the selector's options hold for a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueForm {
    Id,
    ReferenceId,
}

impl std::str::FromStr for ValueForm {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "_id" | "id" => Ok(ValueForm::Id),
            "referenceId" | "reference-id" => Ok(ValueForm::ReferenceId),
            _ => Err(format!("expected _id or referenceId, got `{text}`")),
        }
    }
}

/// A node type's descriptor as served.
pub struct Descriptor {
    pub node_type: String,
    pub extension: String,
    /// `defaultLabel`, `summary`, `extensionImg`, `appearance`.
    pub meta: serde_json::Map<String, Value>,
    pub fields: Vec<Field>,
}

impl Descriptor {
    pub fn has_field(&self, key: &str) -> bool {
        self.fields.iter().any(|f| f.get("key").and_then(Value::as_str) == Some(key))
    }

    /// The descriptor as the descriptor index serves it (`INodeDescriptor_2_0`).
    pub fn to_json(&self) -> Value {
        let mut item = serde_json::Map::new();
        item.insert("type".into(), Value::String(self.node_type.clone()));
        item.insert("extension".into(), Value::String(self.extension.clone()));
        for (key, value) in &self.meta {
            item.insert(key.clone(), value.clone());
        }
        item.insert("fields".into(), Value::Array(self.fields.iter().cloned().map(Value::Object).collect()));
        Value::Object(item)
    }
}

/// The node catalogue as served, in catalogue order.
#[derive(Default)]
pub struct Descriptors {
    pub list: Vec<Descriptor>,
    by_type: BTreeMap<String, usize>,
}

impl Descriptors {
    pub fn get(&self, node_type: &str) -> Option<&Descriptor> {
        self.by_type.get(node_type).map(|&i| &self.list[i])
    }

    fn get_mut(&mut self, node_type: &str) -> Option<&mut Descriptor> {
        self.by_type.get(node_type).map(|&i| &mut self.list[i])
    }

    fn push(&mut self, descriptor: Descriptor) {
        if !self.by_type.contains_key(&descriptor.node_type) {
            self.by_type.insert(descriptor.node_type.clone(), self.list.len());
            self.list.push(descriptor);
        }
    }
}

/// Shared server state.
pub struct App {
    pub options: Options,
    pub services: Vec<Service>,
    pub descriptors: Descriptors,
    pub project: Mutex<Project>,
    pub stats: Mutex<Stats>,
    /// Shared by every project of a tenant ([`multi::MultiSim`]): Cognigy limits requests
    /// per API key (and client), not per project, so one rate budget, one 429 burst counter.
    pub faults: Arc<Mutex<FaultState>>,
    /// The user behind the API key (`createdBy` / `lastChangedBy` of writes).
    pub user_id: String,
}

/// A loaded simulator, ready to serve.
#[derive(Clone)]
pub struct Sim {
    app: Arc<App>,
}

impl Sim {
    /// Loads `seed_dir` (a `cognigy clone` directory, `handoverProviders/` included if present).
    pub fn load(seed_dir: impl AsRef<Path>, options: Options) -> Result<Sim> {
        Self::load_sharing(seed_dir.as_ref(), options, Arc::default())
    }

    /// [`Sim::load`] with the fault state (rate buckets, bursts) of the tenant it is part of.
    pub(crate) fn load_sharing(seed_dir: &Path, mut options: Options, faults: Arc<Mutex<FaultState>>) -> Result<Sim> {
        let profile = options.profile.as_deref().map(profile::Profile::load).transpose()?;
        let services = match &profile {
            Some(profile) => profile.services(),
            None => catalogue::services(),
        };
        if let Some(profile) = &profile {
            profile.apply(&mut options);
        }
        let project = Project::load(seed_dir, &options.project_id, &services, options.faults.rng_seed)
            .with_context(|| format!("loading seed {}", seed_dir.display()))?;
        let mut catalogue = match &options.descriptors {
            Some(file) => catalogue::load_catalogue(file)?,
            None => catalogue::builtin_catalogue(),
        };
        if let Some(profile) = &profile {
            profile.extend_catalogue(&mut catalogue);
        }
        let descriptors = descriptors(catalogue, &project, options.selector_key.as_deref());
        let user_id = ids::object_id(&format!("user:{}", options.api_key));
        Ok(Sim {
            app: Arc::new(App {
                options,
                services,
                descriptors,
                project: Mutex::new(project),
                stats: Mutex::new(Stats::default()),
                faults,
                user_id,
            }),
        })
    }

    /// The axum router (API under `/new/v2.0` and `/v2.0`, plus `/__sim/*`). Served through
    /// anything but [`Sim::serve`], connection resets degrade to 502 answers.
    pub fn router(&self) -> Router {
        let api = http::api_routes()
            .fallback(http::not_found_route)
            .method_not_allowed_fallback(http::method_not_allowed)
            .layer(axum::middleware::from_fn_with_state(self.app.clone(), faults::gate));
        Router::new()
            .route("/__sim/stats", get(http::sim_stats).delete(http::sim_reset_stats))
            .route("/__sim/dump", post(http::sim_dump))
            .nest("/new/v2.0", api.clone())
            .nest("/v2.0", api)
            .fallback(http::not_found_route)
            .with_state(self.app.clone())
    }

    /// Serves on `listener` until `shutdown` resolves.
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        server::serve(self.router(), listener, shutdown).await
    }

    /// Serves on `listener` for ever.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.serve_with_shutdown(listener, std::future::pending()).await
    }

    /// Binds `127.0.0.1:0` and serves on a thread of its own (with its own runtime) until the
    /// handle is dropped. Works from sync and async tests alike.
    pub fn spawn(self) -> Result<SimHandle> {
        let running = server::Running::start(self.router())?;
        Ok(SimHandle { running, sim: self })
    }

    /// `GET /__sim/stats` without HTTP.
    pub fn stats(&self) -> Value {
        self.app.stats.lock().unwrap().to_json()
    }

    /// `DELETE /__sim/stats` without HTTP.
    pub fn reset_stats(&self) {
        *self.app.stats.lock().unwrap() = Stats::default();
    }

    /// `POST /__sim/dump` without HTTP; returns the number of files written.
    pub fn dump(&self, dir: impl AsRef<Path>) -> Result<usize> {
        self.app.project.lock().unwrap().dump(dir.as_ref())
    }

    /// Runs `f` on the project state (e.g. to make a concurrent edit from a test).
    pub fn with_project<T>(&self, f: impl FnOnce(&mut Project) -> T) -> T {
        f(&mut self.app.project.lock().unwrap())
    }
}

/// A simulator running on its own thread; stops when dropped.
pub struct SimHandle {
    running: server::Running,
    sim: Sim,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// `http://127.0.0.1:PORT/new/v2.0`
    pub fn api_url(&self) -> String {
        format!("{}/new/v2.0", self.base_url())
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    pub fn stats(&self) -> Value {
        self.sim.stats()
    }

    pub fn dump(&self, dir: impl AsRef<Path>) -> Result<usize> {
        self.sim.dump(dir)
    }

    /// Stops serving and waits for the server thread.
    pub fn shutdown(mut self) {
        self.running.stop();
    }
}

/// The catalogue's descriptors (in its order), then every other node type of the project;
/// each with the config keys seen in the seed added as fields, and (with a selector key) the
/// Handover Provider selector field on the two handover node types.
fn descriptors(
    catalogue: Vec<catalogue::CatalogueEntry>,
    project: &Project,
    selector_key: Option<&str>,
) -> Descriptors {
    let mut out = Descriptors::default();
    for entry in catalogue {
        out.push(Descriptor {
            node_type: entry.node_type,
            extension: entry.extension,
            meta: entry.meta,
            fields: entry.fields,
        });
    }
    let add_type = |out: &mut Descriptors, node_type: &str, extension: &str| {
        out.push(Descriptor {
            node_type: node_type.to_string(),
            extension: extension.to_string(),
            meta: serde_json::Map::from_iter([
                ("defaultLabel".to_string(), Value::String(node_type.to_string())),
                ("summary".to_string(), Value::String(String::new())),
                ("extensionImg".to_string(), Value::String(String::new())),
                ("appearance".to_string(), Value::Object(serde_json::Map::new())),
            ]),
            fields: Vec::new(),
        });
    };
    for node_type in catalogue::SELECTOR_NODE_TYPES {
        add_type(&mut out, node_type, catalogue::BASIC_NODES);
    }
    for flow in &project.flows {
        for node in &flow.nodes {
            let extension = node.envelope.get("extension").and_then(Value::as_str).unwrap_or(catalogue::BASIC_NODES);
            add_type(&mut out, &node.node_type, extension);
            let descriptor = out.get_mut(&node.node_type).expect("just added");
            for (_, config) in &node.configs {
                for (key, value) in config.as_object().into_iter().flatten() {
                    if !descriptor.has_field(key) {
                        let mut field = Field::new();
                        field.insert("key".into(), Value::String(key.clone()));
                        field.insert("type".into(), Value::String(catalogue::field_type_of(value).into()));
                        field.insert("label".into(), Value::String(key.clone()));
                        descriptor.fields.push(field);
                    }
                }
            }
        }
    }
    if let Some(key) = selector_key {
        for node_type in catalogue::SELECTOR_NODE_TYPES {
            let descriptor = out.get_mut(node_type).expect("added above");
            descriptor.fields.retain(|f| f.get("key").and_then(Value::as_str) != Some(key));
            descriptor.fields.push(catalogue::selector_field(key));
        }
    }
    out
}
