//! What every command needs: where the project lives (a clone, a tenant, or both), the
//! providers of this run, the state directory, and the loaded, analysed project.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use handover_migrate_core::secret::Secret;
use handover_migrate_engine::analysis::{self, selector_key_candidates, Analysis, Retarget};
use handover_migrate_engine::answers::{Answers, ProjectConfig, PROJECT_CONFIG_FILE};
use handover_migrate_engine::clone;
use handover_migrate_engine::model::Project;
use handover_migrate_engine::scan::SelectorUnknown;
use handover_migrate_io::lock::Lock;
use handover_migrate_io::run::{self, StateDir};
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::isolated::{Isolation, IsolationChoice};
use handover_migrate_plugins::Registry;
use handover_migrate_plugins::{PluginSources, Preference};
use handover_migrate_tenant::client::{ApiConfig, Client, RateBudget, RateLimit};
use handover_migrate_tenant::store::{ApiIndex, SelectorDiscovery};

/// What the command line chose: the project, the tenant, the providers, the answers.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--project DIR`: a clone directory.
    pub project: Option<PathBuf>,
    /// `--api-url … --project-id …`: a tenant.
    pub tenant: Option<TenantOptions>,
    pub state_dir: Option<PathBuf>,
    /// `--trust-state`: resume or roll back state this user's key does not vouch for.
    pub trust_state: bool,
    pub selector_key: Option<String>,
    pub endpoints: Vec<String>,
    pub answers: Option<PathBuf>,
    /// `--plugin PATH` (repeatable).
    pub plugins: Vec<PathBuf>,
    /// `--prefer-plugin KIND[=PATH]` (repeatable).
    pub prefer_plugin: Vec<String>,
    /// `--plugin-isolation`, `--plugin-timeout`, `--plugin-memory-limit`, `--require-sandbox`.
    pub isolation: IsolationChoice,
    /// Fleet runs: read secrets from variables scoped by this project only (see
    /// [`handover_migrate_engine::answers::scoped_secret_env_var`]).
    pub secret_scope: Option<String>,
}

impl Options {
    /// Without `--project` and `--api-url`: the current directory when it is a clone (as
    /// git finds its repository). Linked mode (clone + tenant) stays explicit.
    pub fn with_default_project(&self) -> Options {
        let mut options = self.clone();
        if options.project.is_none() && options.tenant.is_none() {
            options.project = std::env::current_dir().ok().filter(|cwd| clone::check_root(cwd).is_ok());
        }
        options
    }
}

/// How to reach a tenant.
#[derive(Clone, Debug, Default)]
pub struct TenantOptions {
    pub api_url: String,
    pub project_id: String,
    /// `--api-key-file`; without it the key comes from `api_key_env`.
    pub api_key_file: Option<PathBuf>,
    /// The variable holding the key (a fleet's `api-key-env`); `COGNIGY_API_KEY` when unset.
    pub api_key_env: Option<String>,
    pub ca_cert: Option<PathBuf>,
    /// `--rate-limit N/SECONDS`.
    pub rate_limit: Option<String>,
    /// A budget shared with the other projects of the tenant (fleet runs); its limit wins.
    pub budget: Option<std::sync::Arc<RateBudget>>,
    /// `--insecure-http`: plain http to a host that is not loopback (labs).
    pub insecure_http: bool,
}

/// Whether a command calls providers: commands that never do (rollback, purge, unlock)
/// load no plugin, so a broken or unpinned plugin never stands in the way of an undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Providers {
    Load,
    Skip,
}

/// The providers of this run: built-ins and plugins (the one place a registry is built).
pub fn registry(options: &Options) -> Result<Registry> {
    let options = &options.with_default_project();
    let prefer = options.prefer_plugin.iter().map(|p| Preference::parse(p)).collect::<Result<Vec<_>>>()?;
    let mut sources = PluginSources::discover(options.plugins.clone(), options.project.as_deref());
    // The runner of an isolated plugin is this very program, started in its runner mode.
    sources.isolation = Isolation::choose(&options.isolation, std::env::current_exe)?;
    handover_migrate_plugins::load_registry(handover_migrate_core::builtin_providers(), &sources, &prefer)
}

pub(crate) fn api_key(tenant: &TenantOptions) -> Result<Secret> {
    let variable = tenant.api_key_env.as_deref().unwrap_or("COGNIGY_API_KEY");
    let key = match &tenant.api_key_file {
        Some(path) => handover_migrate_io::fsio::read_text(path)?,
        None => std::env::var(variable).map_err(|_| {
            Error::usage(format!("API mode needs an API key: set {variable} or pass --api-key-file FILE"))
        })?,
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(Error::usage(format!("the API key is empty ({variable} or --api-key-file)")));
    }
    handover_migrate_core::secret::check_supplied(&key)
        .map_err(|why| Error::usage(format!("the API key ({variable} or --api-key-file) {why}")))?;
    Ok(Secret::new(key))
}

/// Where the project lives.
pub enum Target {
    /// A folder written by `cognigy clone`.
    Clone(PathBuf),
    /// A project on a Cognigy.AI tenant.
    Api(ApiTarget),
    /// A clone linked to its tenant: providers are created (or reused) on the tenant and
    /// their real ids written into the clone.
    Linked(PathBuf, ApiTarget),
}

impl Target {
    /// The clone directory (clone and linked targets).
    pub fn clone_dir(&self) -> Option<&PathBuf> {
        match self {
            Target::Clone(dir) | Target::Linked(dir, _) => Some(dir),
            Target::Api(_) => None,
        }
    }

    /// The tenant (API and linked targets).
    pub fn api(&self) -> Option<&ApiTarget> {
        match self {
            Target::Api(api) | Target::Linked(_, api) => Some(api),
            Target::Clone(_) => None,
        }
    }
}

pub struct ApiTarget {
    pub client: Client,
    pub base_url: String,
    pub project_id: String,
}

/// The key an inventory analyses with when the real one is unknown: no node has it, so every
/// node reads as Legacy (the inventory says the split is unknown). Never written anywhere.
const UNKNOWN_SELECTOR_KEY: &str = "\u{0}selector key unknown";

/// Everything a command needs besides its own flags.
pub struct Context {
    pub target: Target,
    pub state_dir: Option<PathBuf>,
    pub trust_state: bool,
    pub selector_key: Option<String>,
    pub endpoint_filter: Vec<String>,
    pub answers: Option<PathBuf>,
    /// Answers held in memory (guided mode: the file's, plus what a person typed); used
    /// instead of reading `answers`.
    pub answers_override: Option<Answers>,
    pub registry: Registry,
    /// `--to SERVICE` (scan, plan, apply, verify, cleanup): migrate to another service.
    pub target_service: Option<String>,
    /// `retarget`: re-point nodes from one provider to another.
    pub retarget: Option<Retarget>,
    /// Fleet runs: the project that scopes secret variables.
    pub secret_scope: Option<String>,
}

/// Whether a command's output shows the project state a plan is bound to (the SHA-256 of
/// every file read, `Plan::project_state`): `--json` documents and saved plans do; the text
/// views do not, and then a clone is read without hashing it (hashing every byte is a good
/// part of a load) and the secret-free state of its endpoint files is never computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectState {
    Shown,
    NotShown,
}

/// A loaded, analysed project.
pub struct Loaded {
    pub project: Project,
    pub analysis: Analysis,
    /// API ids and versions (API mode).
    pub api: Option<ApiIndex>,
}

/// Set by [`leave_loaded_to_exit`].
static LEAVE_TO_EXIT: AtomicBool = AtomicBool::new(false);

/// Leave what `scan`, `plan` and `verify` load to the process's exit instead of freeing it.
/// For a process that runs one such command and ends (the CLI): freeing a large project's
/// many small allocations one by one costs a few percent of the command's CPU time, on the
/// main thread, and gives back nothing the process still needs. A process that runs many
/// commands (fleet, tests, a library) keeps the default, freeing.
pub fn leave_loaded_to_exit() {
    LEAVE_TO_EXIT.store(true, Ordering::Relaxed);
}

impl Loaded {
    /// Free this, or leave it to the process's exit (see [`leave_loaded_to_exit`]). It holds
    /// only memory (no lock, file or connection), so not running its destructor loses nothing.
    pub(crate) fn release(self) {
        if LEAVE_TO_EXIT.load(Ordering::Relaxed) {
            std::mem::forget(self);
        }
    }
}

/// The default state directory of a tenant project: `$XDG_STATE_HOME/handover-migrate/<host>/<project id>`.
fn default_api_state_dir(base_url: &str, project_id: &str) -> PathBuf {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{h}{}", u.port().map(|p| format!("-{p}")).unwrap_or_default())))
        .unwrap_or_else(|| "tenant".to_string());
    user_state_dir().join(host).join(project_id)
}

/// The per-user state directory: `$XDG_STATE_HOME/handover-migrate` (`~/.local/state/…`).
pub(crate) fn user_state_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("handover-migrate")
}

impl Context {
    /// The context of a command run with `options`.
    pub fn open(options: &Options, providers: Providers) -> Result<Context> {
        let options = &options.with_default_project();
        let registry = match providers {
            Providers::Load => registry(options)?,
            Providers::Skip => Registry::default(),
        };
        let tenant = match &options.tenant {
            Some(tenant) => {
                check_project_id(&tenant.project_id)?;
                let rate_limit: RateLimit = match &tenant.rate_limit {
                    Some(text) => text.parse().map_err(|e: String| Error::usage(format!("--rate-limit {e}")))?,
                    None => RateLimit::default(),
                };
                let client = Client::new(ApiConfig {
                    base_url: tenant.api_url.clone(),
                    api_key: api_key(tenant)?,
                    ca_cert: tenant.ca_cert.clone(),
                    rate_limit,
                    budget: tenant.budget.clone(),
                    max_retries: 6,
                    timeout: std::time::Duration::from_secs(60),
                    insecure_http: tenant.insecure_http,
                })?;
                Some(ApiTarget { client, base_url: tenant.api_url.clone(), project_id: tenant.project_id.clone() })
            }
            None => None,
        };
        let target = match (&options.project, tenant) {
            // Both: link the clone to its tenant (providers created there, real ids in the clone).
            (Some(dir), Some(tenant)) => Target::Linked(dir.clone(), tenant),
            (Some(dir), None) => Target::Clone(dir.clone()),
            (None, Some(tenant)) => Target::Api(tenant),
            (None, None) => {
                return Err(Error::usage(
                    "say which project: --project DIR (a folder `cognigy clone` wrote; the default is the current \
                 directory when it is one), or --api-url URL --project-id ID",
                ))
            }
        };
        Ok(Context {
            target,
            state_dir: options.state_dir.clone(),
            trust_state: options.trust_state,
            selector_key: options.selector_key.clone(),
            endpoint_filter: options.endpoints.clone(),
            answers: options.answers.clone(),
            answers_override: None,
            registry,
            target_service: None,
            retarget: None,
            secret_scope: options.secret_scope.clone(),
        })
    }

    pub fn state(&self) -> StateDir {
        let default = || match (&self.target.clone_dir(), &self.target.api()) {
            (Some(dir), _) => dir.join(".handover-migrate"),
            (None, Some(api)) => default_api_state_dir(&api.base_url, &api.project_id),
            (None, None) => PathBuf::from(".handover-migrate"),
        };
        StateDir { path: self.state_dir.clone().unwrap_or_else(default), trust_state: self.trust_state }
    }

    /// `api:<url>#<project>` for journals, `None` for a clone.
    pub(crate) fn target_label(&self) -> Option<String> {
        self.target.api().map(|api| format!("api:{}#{}", api.base_url, api.project_id))
    }

    fn selector_key(&self, project: &Project, api: Option<&ApiIndex>) -> Result<Result<String, SelectorUnknown>> {
        if let Some(key) = &self.selector_key {
            return check_selector_key(key).map(Ok);
        }
        let clone_dir = self.target.clone_dir();
        if let Some(dir) = clone_dir {
            if let Some(key) = ProjectConfig::load(dir)?.node_selector_key {
                return check_selector_key(&key).map(Ok);
            }
        }
        match api.map(|a| &a.selector) {
            Some(SelectorDiscovery::Found(key)) => return Ok(Ok(key.clone())),
            Some(SelectorDiscovery::Ambiguous(candidates)) => {
                return Ok(Err(SelectorUnknown {
                    candidates: candidates.clone(),
                    advice: format!(
                        "the tenant's node descriptors do not show unambiguously which Handover to Agent / Check Agent \
                         Availability field selects the Handover Provider, so no node will be written. Candidate fields: \
                         {}. Pass --node-selector-key KEY once you know it (switch one node by hand in the UI and read \
                         its config; if the project has no Handover Provider yet, create one in the UI first)",
                        if candidates.is_empty() { "none".to_string() } else { candidates.join(", ") }
                    ),
                }))
            }
            Some(SelectorDiscovery::NoFlows) | None => {}
        }
        let candidates = selector_key_candidates(project)?;
        let hint = if candidates.is_empty() {
            String::new()
        } else {
            format!("\nKeys on handover nodes in this project that look like it: {}", candidates.join(", "))
        };
        let config_hint = match clone_dir {
            Some(dir) => {
                format!(", or put `node-selector-key = \"KEY\"` in {}", dir.join(PROJECT_CONFIG_FILE).display())
            }
            None => String::new(),
        };
        Ok(Err(SelectorUnknown {
            candidates,
            advice: format!(
                "the node selector key is not set. Cognigy's public docs do not show which Handover to Agent / Check \
                 Agent Availability config key holds the chosen Handover Provider, so handover-migrate does not guess it.\n\
                 To find it:\n\
                 - the project has a Handover Provider: in the Cognigy UI switch one Handover to Agent node from Legacy \
                 to it, run `cognigy clone` again and look for the new key in that node's config (switch it back \
                 afterwards);\n\
                 - it has none yet: create one in the UI first (any vendor; delete it afterwards), then do the above;\n\
                 - or ask the tenant: `handover-migrate doctor --api-url URL --project-id ID` shows the key (API mode \
                 reads it from the node descriptors).\n\
                 Then pass --node-selector-key KEY{config_hint}{hint}"
            ),
        }))
    }

    /// Load and analyse the project for an inventory (`scan`): without a selector key it is
    /// still analysed, read-only, every node counted as Legacy, and what is unknown returned.
    /// A clone is hashed only when `state` is shown.
    pub fn load_inventory(&self, state: ProjectState) -> Result<(Loaded, Option<SelectorUnknown>)> {
        self.load_with(true, state == ProjectState::Shown)
    }

    /// Load and analyse the project.
    pub fn load(&self) -> Result<Loaded> {
        self.load_with(false, true).map(|(loaded, _)| loaded)
    }

    /// [`Context::load`] for a command that only reads and shows no fingerprint (`verify`,
    /// `report`): a clone is read without hashing it, so nothing can be written from what it
    /// returns.
    pub fn load_read_only(&self) -> Result<Loaded> {
        self.load_with(false, false).map(|(loaded, _)| loaded)
    }

    fn load_with(&self, inventory: bool, hashed: bool) -> Result<(Loaded, Option<SelectorUnknown>)> {
        let load_clone = |dir: &std::path::Path| if hashed { clone::load(dir) } else { clone::load_unhashed(dir) };
        let (project, api) = match &self.target {
            Target::Clone(dir) => {
                let mut project = load_clone(dir)?;
                if let Some(project_id) = ProjectConfig::load(dir)?.project_id {
                    for endpoint in &mut project.endpoints {
                        endpoint.snapshot_pinned = !endpoint.entrypoint.is_empty() && endpoint.entrypoint != project_id;
                    }
                }
                (project, None)
            }
            Target::Linked(dir, api) => {
                let mut project = load_clone(dir)?;
                let mut index = ApiIndex { project_id: api.project_id.clone(), ..ApiIndex::default() };
                let (tenant, _) =
                    handover_migrate_tenant::store::load_providers(&api.client, &api.project_id, &mut index)?;
                // The clone's providers by the tenant's `_id` too, as nodes may hold it.
                for provider in project.providers.iter_mut().filter(|p| p.id.is_empty()) {
                    if let Some(id) = index.provider_ids.get(&provider.reference_id) {
                        provider.id.clone_from(id);
                    }
                }
                index.tenant_providers = tenant;
                (project, Some(index))
            }
            Target::Api(api) => {
                let (mut project, index) = handover_migrate_tenant::store::load(&api.client, &api.project_id)?;
                // Providers a killed apply created (maybe without their properties yet) are
                // that run's to finish, not existing providers to avoid or reuse.
                let ours = run::interrupted_api_creations(&self.state())?;
                project.providers.retain(|p| {
                    let id = index.provider_ids.get(&p.reference_id);
                    !ours.iter().any(|(name, created)| created.as_ref().map_or(&p.name == name, |c| Some(c) == id))
                });
                (project, Some(index))
            }
        };
        let mut answers = match &self.answers_override {
            Some(answers) => answers.clone(),
            None => Answers::load(self.answers.as_deref())?,
        };
        answers.secret_scope = self.secret_scope.clone();
        let answers = &answers;
        let mut retarget = self.retarget.clone();
        if let Some(index) = &api {
            check_tenant_services(self, index)?;
            if let Some(retarget) = &mut retarget {
                // API mode also names providers by `_id`: the analysis knows referenceIds.
                for key in [&mut retarget.from, &mut retarget.to] {
                    if let Some((reference, _)) = index.provider_ids.iter().find(|(_, id)| *id == key) {
                        *key = reference.clone();
                    }
                }
            }
        }
        let (selector_key, unknown) = match self.selector_key(&project, api.as_ref())? {
            Ok(key) => (key, None),
            Err(unknown) if inventory => (UNKNOWN_SELECTOR_KEY.to_string(), Some(unknown)),
            Err(unknown) => return Err(Error::usage(unknown.advice)),
        };
        let options = analysis::Options {
            selector_key,
            endpoint_filter: self.endpoint_filter.clone().into(),
            target_service: self.target_service.clone(),
            retarget,
        };
        tracing::info!(
            "read {}: {} endpoint(s), {} flow(s), {} locale(s), {} existing provider(s)",
            project.root.display(),
            project.endpoints.len(),
            project.flows.len(),
            project.locales.len(),
            project.providers.len()
        );
        let analysis = analysis::analyse(&project, &self.registry, answers, options)?;
        tracing::info!(
            "analysed: {} provider group(s), {} handover node instance(s), {} orphan flow(s)",
            analysis.groups.len(),
            analysis.nodes.len(),
            analysis.orphan_flows.len()
        );
        Ok((Loaded { project, analysis, api }, unknown))
    }

    /// Take the project lock (creating the state directory), after checking that a clone
    /// target is a clone, so that nothing is ever created in a wrong directory.
    pub fn lock(&self, command: &str) -> Result<Lock> {
        if let Some(dir) = self.target.clone_dir() {
            clone::check_root(dir)?;
        }
        let state = self.state();
        state.ensure()?;
        Lock::acquire(&state.path, command)
    }
}

/// API mode: a service named by `--to` or `retarget --to-service` must be one of the
/// tenant's handover services.
fn check_tenant_services(ctx: &Context, index: &ApiIndex) -> Result<()> {
    let wanted = ctx
        .target_service
        .iter()
        .map(|s| ("--to", s))
        .chain(ctx.retarget.iter().filter_map(|r| r.to_service.as_ref().map(|s| ("--to-service", s))));
    for (flag, service) in wanted {
        if !index.services.iter().any(|s| &s.name == service) {
            return Err(Error::usage(format!(
                "{flag} {service}: the tenant has no handover service named `{service}`; its services: {}. \
                 Nothing was written",
                index.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(())
}

/// A project id names a folder of the per-user state directory: a path (`/`, `..`) or a
/// control character would put state somewhere else, so it is refused before anything is
/// created. (Cognigy's ids are 24 hex digits; this only keeps the folder a folder.)
fn check_project_id(id: &str) -> Result<()> {
    let bad = id.is_empty()
        || id == "."
        || id == ".."
        || id.contains(['/', '\\'])
        || id.contains("..")
        || id.chars().any(char::is_control);
    if bad {
        return Err(Error::usage(format!(
            "--project-id {id:?} is not a project id (it is empty, or holds a path or a control character); copy the \
             id from the project's URL in the Cognigy UI. Nothing was created"
        )));
    }
    Ok(())
}

fn check_selector_key(key: &str) -> Result<String> {
    if key.trim().is_empty() || key.chars().any(char::is_control) {
        return Err(Error::usage(format!(
            "the node selector key {key:?} (--node-selector-key or {PROJECT_CONFIG_FILE}) is not a usable config key: \
             it is empty or has control characters; copy the key from a node switched by hand in the Cognigy UI"
        )));
    }
    Ok(key.to_string())
}
