//! The commands, as engine operations: each loads the project, analyses it and does one
//! job. The CLI adds flags, prompts and printing on top.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::{self, selector_key_candidates, Analysis, Options, Retarget};
use crate::api::client::Client;
use crate::api::store::{ApiIndex, SelectorDiscovery};
use crate::clone::{self, Project};
use crate::error::{Error, Result};
use crate::fsio;
use crate::journal::RunKind;
use crate::lock::Lock;
use crate::plan::{self, Plan};
use crate::registry::Registry;
use crate::run::{self, RollbackOutcome, RunOutcome, StateDir};
use crate::settings::{Answers, ProjectConfig, PROJECT_CONFIG_FILE};
use crate::verify::{self, CleanupItem, VerifyReport};

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

/// Everything a command needs besides its own flags.
pub struct Context {
    pub target: Target,
    pub state_dir: Option<PathBuf>,
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
}

/// A loaded, analysed project.
pub struct Loaded {
    pub project: Project,
    pub analysis: Analysis,
    /// API ids and versions (API mode).
    pub api: Option<ApiIndex>,
}

/// The default state directory of a tenant project: `$XDG_STATE_HOME/handover-migrate/<host>/<project id>`.
fn default_api_state_dir(base_url: &str, project_id: &str) -> PathBuf {
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{h}{}", u.port().map(|p| format!("-{p}")).unwrap_or_default())))
        .unwrap_or_else(|| "tenant".to_string());
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("handover-migrate").join(host).join(project_id)
}

impl Context {
    pub fn state(&self) -> StateDir {
        let default = || match (&self.target.clone_dir(), &self.target.api()) {
            (Some(dir), _) => dir.join(".handover-migrate"),
            (None, Some(api)) => default_api_state_dir(&api.base_url, &api.project_id),
            (None, None) => PathBuf::from(".handover-migrate"),
        };
        StateDir::new(self.state_dir.clone().unwrap_or_else(default))
    }

    /// `api:<url>#<project>` for journals, `None` for a clone.
    fn target_label(&self) -> Option<String> {
        self.target.api().map(|api| format!("api:{}#{}", api.base_url, api.project_id))
    }

    fn selector_key(&self, project: &Project, api: Option<&ApiIndex>) -> Result<String> {
        if let Some(key) = &self.selector_key {
            return check_selector_key(key);
        }
        let clone_dir = self.target.clone_dir();
        if let Some(dir) = clone_dir {
            if let Some(key) = ProjectConfig::load(dir)?.node_selector_key {
                return check_selector_key(&key);
            }
        }
        match api.map(|a| &a.selector) {
            Some(SelectorDiscovery::Found(key)) => return Ok(key.clone()),
            Some(SelectorDiscovery::Ambiguous(candidates)) => {
                return Err(Error::usage(format!(
                    "the tenant's node descriptors do not show unambiguously which Handover to Agent / Check Agent \
                     Availability field selects the Handover Provider, so no node will be written. Candidate fields: {}. \
                     Pass --node-selector-key KEY once you know it (switch one node by hand in the UI and read its config)",
                    if candidates.is_empty() { "none".to_string() } else { candidates.join(", ") }
                )))
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
        Err(Error::usage(format!(
            "the node selector key is not set. Cognigy's public docs do not show which Handover to Agent / Check Agent \
             Availability config key holds the chosen Handover Provider, so handover-migrate does not guess it.\n\
             To find it: in the Cognigy UI switch one node from Legacy to any provider, clone the project again and look \
             for the new key in that node's config (API mode reads it from the node descriptors).\n\
             Then pass --node-selector-key KEY{config_hint}{hint}"
        )))
    }

    /// Load and analyse the project.
    pub fn load(&self) -> Result<Loaded> {
        let (project, api) = match &self.target {
            Target::Clone(dir) => {
                let mut project = clone::load(dir)?;
                if let Some(project_id) = ProjectConfig::load(dir)?.project_id {
                    for endpoint in &mut project.endpoints {
                        endpoint.snapshot_pinned = !endpoint.entrypoint.is_empty() && endpoint.entrypoint != project_id;
                    }
                }
                (project, None)
            }
            Target::Linked(dir, api) => {
                let project = clone::load(dir)?;
                let mut index = ApiIndex { project_id: api.project_id.clone(), ..ApiIndex::default() };
                let (tenant, _) = crate::api::store::load_providers(&api.client, &api.project_id, &mut index)?;
                index.tenant_providers = tenant;
                (project, Some(index))
            }
            Target::Api(api) => {
                let (mut project, index) = crate::api::store::load(&api.client, &api.project_id)?;
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
        let loaded_answers;
        let answers = match &self.answers_override {
            Some(answers) => answers,
            None => {
                loaded_answers = Answers::load(self.answers.as_deref())?;
                &loaded_answers
            }
        };
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
        let options = Options {
            selector_key: self.selector_key(&project, api.as_ref())?,
            endpoint_filter: self.endpoint_filter.clone(),
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
        Ok(Loaded { project, analysis, api })
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

fn check_selector_key(key: &str) -> Result<String> {
    if key.trim().is_empty() || key.chars().any(char::is_control) {
        return Err(Error::usage(format!(
            "the node selector key {key:?} (--node-selector-key or {PROJECT_CONFIG_FILE}) is not a usable config key: \
             it is empty or has control characters; copy the key from a node switched by hand in the Cognigy UI"
        )));
    }
    Ok(key.to_string())
}

/// A plan saved with `plan --out`, bound to the project state it was computed from.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub plan: Plan,
    pub digest: String,
}

impl SavedPlan {
    pub fn write(plan: &Plan, path: &Path) -> Result<()> {
        /// [`SavedPlan`]'s layout, borrowing the plan.
        #[derive(serde::Serialize)]
        struct Saving<'a> {
            plan: &'a Plan,
            digest: String,
        }
        let text = crate::jsonedit::to_cli_json(&Saving { plan, digest: plan.digest() }) + "\n";
        fsio::write_atomic(path, text.as_bytes(), 0o644)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = fsio::read_text(path)?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
            Error::failed(format!(
                "the plan file {} is not a complete handover-migrate plan ({e}); it was truncated or edited. \
                 Create it again with `plan --out`",
                path.display()
            ))
        })?;
        if saved.plan.format != plan::PLAN_FORMAT {
            return Err(Error::failed(format!(
                "the plan file {} has format {:?}, this version reads {:?}; create it again with `plan --out`",
                path.display(),
                saved.plan.format,
                plan::PLAN_FORMAT
            )));
        }
        if saved.plan.digest() != saved.digest {
            return Err(Error::failed(format!(
                "the plan file {} was edited after it was saved (its digest does not match); create it again with `plan --out`",
                path.display()
            )));
        }
        Ok(saved)
    }

    /// Refuse, before anything is read, a plan made by another kind of run (`--to`,
    /// `retarget`) than this one.
    pub fn check_mode(&self, path: &Path, ctx: &Context) -> Result<()> {
        let same_retarget = match (&self.plan.retarget, &ctx.retarget) {
            // API mode stores referenceIds where the user may have named ids: compare loosely.
            (Some(saved), Some(now)) => saved.to_service == now.to_service,
            (saved, now) => saved.is_none() && now.is_none(),
        };
        if self.plan.target_service != ctx.target_service || !same_retarget {
            return Err(self.other_mode(path, &describe_mode(&ctx.target_service, ctx.retarget.as_ref())));
        }
        Ok(())
    }

    fn other_mode(&self, path: &Path, now: &str) -> Error {
        Error::usage(format!(
            "the saved plan {} was made with {}, this run has {now}; run the same command to apply it",
            path.display(),
            describe_mode(&self.plan.target_service, self.plan.retarget.as_ref())
        ))
    }

    /// Refuse when the project or the answers no longer give this plan.
    pub fn check_current(&self, current: &Plan, path: &Path) -> Result<()> {
        let saved = &self.plan.project_state;
        let now = &current.project_state;
        let mut changed: Vec<String> = saved
            .iter()
            .filter(|(file, hash)| now.get(*file) != Some(hash))
            .map(
                |(file, _)| {
                    if now.contains_key(file) {
                        format!("changed: {file}")
                    } else {
                        format!("removed: {file}")
                    }
                },
            )
            .collect();
        changed.extend(now.keys().filter(|f| !saved.contains_key(*f)).map(|f| format!("added: {f}")));
        if !changed.is_empty() {
            return Err(Error::failed(format!(
                "the saved plan {} is stale: the project changed since it was made:\n{}\nReview a new plan with `plan --out`",
                path.display(),
                changed.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n")
            )));
        }
        if current.selector_key != self.plan.selector_key || current.endpoint_filter != self.plan.endpoint_filter {
            return Err(Error::usage(format!(
                "the saved plan {} was made with --node-selector-key {:?} and --endpoint {:?}; pass the same",
                path.display(),
                self.plan.selector_key,
                self.plan.endpoint_filter
            )));
        }
        if current.target_service != self.plan.target_service || current.retarget != self.plan.retarget {
            return Err(self.other_mode(path, &describe_mode(&current.target_service, current.retarget.as_ref())));
        }
        if current != &self.plan {
            return Err(Error::failed(format!(
                "the saved plan {} no longer matches what apply would do (the answers or the installed providers \
                 changed); review a new plan with `plan --out`",
                path.display()
            )));
        }
        Ok(())
    }
}

fn describe_mode(target_service: &Option<String>, retarget: Option<&Retarget>) -> String {
    match (target_service, retarget) {
        (_, Some(r)) => format!(
            "`retarget --from {:?} --to {:?}{}`",
            r.from,
            r.to,
            r.to_service.as_ref().map(|s| format!(" --to-service {s}")).unwrap_or_default()
        ),
        (Some(service), None) => format!("`--to {service}`"),
        (None, None) => "neither --to nor retarget".to_string(),
    }
}

/// Apply: under the lock, recompute, check, and write through the journal.
pub fn apply(
    ctx: &Context,
    saved: Option<(&SavedPlan, &Path)>,
    snapshot: bool,
    confirm: &mut dyn FnMut(&Plan) -> Result<bool>,
) -> Result<ApplyOutcome> {
    if let Some((saved, path)) = saved {
        saved.check_mode(path, ctx)?;
    }
    let _lock = ctx.lock("apply")?;
    let mut loaded = ctx.load()?;
    let plan = plan::build(&loaded.project, &loaded.analysis);
    if let Some((saved, path)) = saved {
        saved.check_current(&plan, path)?;
    }
    plan.check_applicable()?;
    let digest = plan.digest();
    if let Target::Linked(dir, api) = &ctx.target {
        return apply_linked(ctx, dir, api, &mut loaded, plan, &digest, confirm);
    }
    if !plan.has_changes() {
        let root = loaded.project.root.clone();
        let outcome = run::execute(&root, &ctx.state(), RunKind::Apply, &digest, 0, &mut |_| unreachable_change())?;
        return Ok(ApplyOutcome { plan, run: outcome, confirmed: true, snapshot: None });
    }
    if !confirm(&plan)? {
        let run = RunOutcome { run_id: None, resumed: false, written: vec![] };
        return Ok(ApplyOutcome { plan, run, confirmed: false, snapshot: None });
    }
    let (run, snapshot_id) = match (&ctx.target, &loaded.api) {
        (Target::Clone(dir), _) => {
            if snapshot {
                return Err(Error::usage(
                    "--snapshot needs API mode (--api-url, --project-id): a clone has no snapshots",
                ));
            }
            let relink = HashMap::new();
            let writes = plan::pending_writes(&loaded.project, &loaded.analysis, &relink);
            let mut change = |i: usize| plan::materialize(&loaded.project, &loaded.analysis, &relink, &writes[i]);
            (run::execute(dir, &ctx.state(), RunKind::Apply, &digest, writes.len(), &mut change)?, None)
        }
        (Target::Api(api), Some(index)) => {
            let snapshot_id = if snapshot { Some(crate::api::snapshot(&api.client, &api.project_id)?) } else { None };
            let label = ctx.target_label().unwrap_or_default();
            let outcome = crate::api::apply::apply(
                &api.client,
                &loaded.project,
                &loaded.analysis,
                index,
                &ctx.state(),
                &digest,
                &label,
            )?;
            (outcome, snapshot_id)
        }
        (Target::Api(_), None) | (Target::Linked(..), _) => {
            return Err(Error::failed("internal: API mode loaded no API index"))
        }
    };
    Ok(ApplyOutcome { plan, run, confirmed: true, snapshot: snapshot_id })
}

/// Linking a clone: providers on the tenant first (an API run), then the clone written
/// with the tenant's ids (a clone run). `rollback` undoes them one at a time.
fn apply_linked(
    ctx: &Context,
    dir: &Path,
    api: &ApiTarget,
    loaded: &mut Loaded,
    plan: Plan,
    digest: &str,
    confirm: &mut dyn FnMut(&Plan) -> Result<bool>,
) -> Result<ApplyOutcome> {
    let index = loaded.api.as_ref().ok_or_else(|| Error::failed("internal: linking loaded no tenant"))?;
    if !confirm(&plan)? {
        let run = RunOutcome { run_id: None, resumed: false, written: vec![] };
        return Ok(ApplyOutcome { plan, run, confirmed: false, snapshot: None });
    }
    let label = ctx.target_label().unwrap_or_default();
    let (api_run, real) = crate::api::apply::link_providers(
        &api.client,
        &loaded.analysis,
        index,
        &index.tenant_providers,
        &ctx.state(),
        digest,
        &label,
    )?;
    let mut relink = HashMap::new();
    for (group, reference) in real {
        let old = std::mem::replace(&mut loaded.analysis.groups[group].reference_id, reference.clone());
        if old != reference {
            relink.insert(old, reference);
        }
    }
    let writes = plan::pending_writes(&loaded.project, &loaded.analysis, &relink);
    let mut change = |i: usize| plan::materialize(&loaded.project, &loaded.analysis, &relink, &writes[i]);
    let mut run = run::execute(dir, &ctx.state(), RunKind::Apply, digest, writes.len(), &mut change)?;
    if let Some(api_run) = api_run {
        let mut written = api_run.written;
        written.append(&mut run.written);
        run.written = written;
        run.run_id = run.run_id.or(api_run.run_id);
    }
    Ok(ApplyOutcome { plan, run, confirmed: true, snapshot: None })
}

#[derive(Debug, Serialize)]
pub struct ApplyOutcome {
    pub plan: Plan,
    pub run: RunOutcome,
    pub confirmed: bool,
    /// The project snapshot taken before writing (`--snapshot`).
    pub snapshot: Option<String>,
}

pub fn verify(ctx: &Context) -> Result<VerifyReport> {
    let loaded = ctx.load()?;
    verify::verify(&loaded.project, &loaded.analysis, &ctx.registry, ctx.target.clone_dir().is_none())
}

#[derive(Debug, Serialize)]
pub struct CleanupOutcome {
    pub items: Vec<CleanupItem>,
    pub run: Option<RunOutcome>,
    pub dry_run: bool,
    pub confirmed: bool,
}

/// Cleanup: verify must pass; then, per eligible endpoint, remove its legacy settings.
pub fn cleanup(
    ctx: &Context,
    dry_run: bool,
    force: bool,
    confirm: &mut dyn FnMut(&[CleanupItem]) -> Result<bool>,
) -> Result<CleanupOutcome> {
    let _lock = if dry_run { None } else { Some(ctx.lock("cleanup")?) };
    // An interrupted apply must be finished or rolled back before anything is cleaned up.
    run::check_previous_runs(&ctx.state(), RunKind::Cleanup)?;
    let loaded = ctx.load()?;
    let report = verify::verify(&loaded.project, &loaded.analysis, &ctx.registry, ctx.target.clone_dir().is_none())?;
    if !report.dangling.is_empty() || !report.provider_findings.is_empty() {
        let problems: Vec<String> =
            report.dangling.iter().chain(&report.provider_findings).map(|p| format!("  - {p}")).collect();
        return Err(Error::verify_failed(format!(
            "cleanup needs `verify` to pass first; nothing was removed:\n{}",
            problems.join("\n")
        )));
    }
    let items = verify::cleanup_items(&loaded.project, &loaded.analysis, force);
    let eligible: Vec<&CleanupItem> = items.iter().filter(|i| i.refused.is_none()).collect();
    if dry_run || eligible.is_empty() {
        return Ok(CleanupOutcome { items, run: None, dry_run, confirmed: false });
    }
    if !confirm(&items)? {
        return Ok(CleanupOutcome { items, run: None, dry_run, confirmed: false });
    }
    let run = match (&ctx.target, &loaded.api) {
        (Target::Clone(dir) | Target::Linked(dir, _), _) => {
            let digest = crate::fsio::sha256_hex(
                eligible.iter().map(|i| i.path.as_str()).collect::<Vec<_>>().join("\n").as_bytes(),
            );
            let mut change = |i: usize| verify::cleanup_change(&loaded.project, eligible[i]);
            run::execute(dir, &ctx.state(), RunKind::Cleanup, &digest, eligible.len(), &mut change)?
        }
        (Target::Api(api), Some(index)) => crate::api::apply::cleanup(
            &api.client,
            &loaded.project,
            &loaded.analysis,
            index,
            &ctx.state(),
            &eligible,
            &ctx.target_label().unwrap_or_default(),
        )?,
        (Target::Api(_), None) => return Err(Error::failed("API mode loaded no API index")),
    };
    Ok(CleanupOutcome { items, run: Some(run), dry_run, confirmed: true })
}

pub fn rollback(ctx: &Context, run_id: Option<&str>, force: bool) -> Result<RollbackOutcome> {
    let _lock = ctx.lock("rollback")?;
    let state = ctx.state();
    let runs = state.runs()?;
    let chosen = match run_id {
        Some(id) => runs.iter().find(|r| r.id == id),
        None => runs.iter().rev().find(|r| r.state != run::RunState::RolledBack),
    };
    match (chosen, ctx.target.api(), ctx.target.clone_dir()) {
        (Some(run), Some(api), _) if run.target.is_some() => {
            if run.target != ctx.target_label() {
                return Err(Error::usage(format!(
                    "run {} was made against {}; point --api-url/--project-id there",
                    run.id,
                    run.target.as_deref().unwrap_or_default()
                )));
            }
            if run.purged {
                return Err(Error::failed(format!(
                    "run {} cannot be rolled back: its backups were deleted by `purge`",
                    run.id
                )));
            }
            if run.state == run::RunState::RolledBack {
                return Err(Error::failed(format!(
                    "run {} is already rolled back; `rollback` without --run undoes the most recent run not rolled back",
                    run.id
                )));
            }
            let index = ApiIndex { project_id: api.project_id.clone(), ..Default::default() };
            crate::api::apply::rollback(&api.client, &index, run, force)
        }
        (Some(run), None, _) if run.target.is_some() => Err(Error::usage(format!(
            "run {} was made against {}; pass --api-url and --project-id to roll it back",
            run.id,
            run.target.as_deref().unwrap_or_default()
        ))),
        (_, _, Some(dir)) => run::rollback(dir, &state, run_id, force),
        (Some(run), _, None) => Err(Error::usage(format!(
            "run {} was made on a clone directory; pass --project DIR to roll it back",
            run.id
        ))),
        (None, _, None) => run::rollback(Path::new("."), &state, run_id, force),
    }
}

pub fn purge(ctx: &Context) -> Result<Vec<String>> {
    let _lock = ctx.lock("purge")?;
    run::purge(&ctx.state())
}

/// The change producer of a run with no changes is never called.
fn unreachable_change() -> Result<plan::FileChange> {
    Err(Error::failed("internal: a run with no changes asked for one"))
}
