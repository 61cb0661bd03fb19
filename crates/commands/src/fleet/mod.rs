//! Fleet runs: every project of an organisation, on several tenants and in clone folders,
//! with the single-project commands run per project.
//!
//! - [`file`]: the fleet file → [`Fleet`] (tenants, members, per-project settings);
//! - the commands here run the single-project commands ([`crate::inspect`], [`crate::apply`],
//!   [`crate::verify`], [`crate::cleanup`], [`crate::rollback`]) on each member, tenants in
//!   parallel and several projects of a tenant in flight, all of a tenant's clients drawing
//!   from one rate budget;
//! - [`record`]: which project run each fleet run made, for resume and `fleet rollback`.
//!
//! A project that needs input or fails stays as it was (an interrupted run stays resumable
//! unless the caller asks for `rollback_failed`) and the others go on.

pub mod file;
pub mod record;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use handover_migrate_engine::plan::{Plan, ProviderAction};
use handover_migrate_engine::plan_saved::SavedPlan;
use handover_migrate_engine::report::Report;
use handover_migrate_engine::scan::EndpointStatus;
use handover_migrate_io::journal::RunKind;
use handover_migrate_io::run::RunState;
use handover_migrate_io::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

pub use file::{Fleet, FleetOptions, Member, ProjectSettings, Tenant};
pub use record::{FleetRun, RecordEntry};

use crate::context::{Context, Providers};

/// How a fleet command runs its projects.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Projects in flight per tenant (and for the clones).
    pub jobs: usize,
    /// Stop starting projects after the first that does not end well.
    pub fail_fast: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { jobs: 4, fail_fast: false }
    }
}

/// Where a project stands after a fleet command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// The command did its work.
    Done,
    /// Nothing to do.
    UpToDate,
    /// Answers or flags are needed; nothing was written.
    NeedsInput,
    /// Verify (or cleanup) found work left.
    WorkRemains,
    Failed,
    /// Not run: `--fail-fast` stopped the fleet, or the fleet was not confirmed.
    Skipped,
    RolledBack,
}

impl ProjectStatus {
    pub fn exit_code(self) -> u8 {
        match self {
            ProjectStatus::Failed => 1,
            ProjectStatus::NeedsInput => 3,
            ProjectStatus::WorkRemains => 4,
            _ => 0,
        }
    }

    fn of_error(error: &Error) -> Self {
        match error.kind {
            ErrorKind::Failed => ProjectStatus::Failed,
            // A missing selector key or a flag a project needs: input, like answers.
            ErrorKind::Usage | ErrorKind::NeedsInput => ProjectStatus::NeedsInput,
            ErrorKind::VerifyFailed => ProjectStatus::WorkRemains,
        }
    }

    fn ok(self) -> bool {
        matches!(self, ProjectStatus::Done | ProjectStatus::UpToDate | ProjectStatus::RolledBack)
    }
}

/// The fleet's exit code: the worst project decides, in the order 1 > 3 > 4 > 0.
pub fn exit_code<'a>(statuses: impl IntoIterator<Item = &'a ProjectStatus>) -> u8 {
    let rank = |code: u8| match code {
        1 => 3,
        3 => 2,
        4 => 1,
        _ => 0,
    };
    statuses.into_iter().map(|s| s.exit_code()).max_by_key(|c| rank(*c)).unwrap_or(0)
}

/// One project's result of a fleet command.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectOutcome {
    /// `<tenant>/<project id>`, or the clone path.
    pub project: String,
    pub tenant: Option<String>,
    pub name: Option<String>,
    pub status: ProjectStatus,
    pub exit_code: u8,
    /// What happened (the error's message when it did not end well).
    pub message: String,
    pub next_step: String,
    /// The project run this command made, resumed or rolled back.
    pub run_id: Option<String>,
    /// Command-specific counts (providers created, nodes switched, items removed, …).
    pub detail: BTreeMap<String, u64>,
}

/// The requests a tenant's projects sent, against its rate bound.
#[derive(Clone, Debug, Serialize)]
pub struct TenantUse {
    pub name: String,
    pub rate_limit: String,
    pub requests: u64,
    /// The least time those requests take under the limit.
    pub bound_seconds: f64,
}

/// A fleet command's outcome: per project, per tenant, the fleet run and the exit code.
#[derive(Debug, Serialize)]
pub struct FleetOutcome {
    pub fleet: String,
    pub command: String,
    /// The fleet run (apply, cleanup) or the one rolled back.
    pub fleet_run: Option<String>,
    /// A rerun that continued an interrupted fleet run.
    pub resumed: bool,
    pub confirmed: bool,
    pub projects: Vec<ProjectOutcome>,
    pub tenants: Vec<TenantUse>,
    pub wall_seconds: f64,
    /// The largest of the tenants' bounds: tenants run in parallel.
    pub bound_seconds: f64,
    pub exit_code: u8,
}

impl Fleet {
    fn context(&self, member: &Member, providers: Providers) -> Result<Context> {
        let mut ctx = Context::open(&self.options(member), providers)?;
        ctx.target_service = member.settings.to.clone();
        Ok(ctx)
    }

    fn outcome(&self, member: &Member, status: ProjectStatus, message: String, next_step: String) -> ProjectOutcome {
        // A fleet run reads secrets from variables scoped by project only: name those.
        let scoped = format!("HANDOVER_MIGRATE_SECRET_{}_<ENDPOINT>_<PROPERTY>", scope_word(&member.secret_scope));
        let message = message.replace("HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY>", &scoped);
        ProjectOutcome {
            project: member.key.clone(),
            tenant: self.tenant_of(member).map(|t| t.name.clone()),
            name: member.name.clone(),
            status,
            exit_code: status.exit_code(),
            message,
            next_step,
            run_id: None,
            detail: BTreeMap::new(),
        }
    }

    fn failure(&self, member: &Member, error: &Error, command: &str) -> ProjectOutcome {
        let status = ProjectStatus::of_error(error);
        let next = match status {
            ProjectStatus::NeedsInput => format!(
                "add what the message asks for (its answers file: [project.\"{}\"] answers; secrets: \
                 HANDOVER_MIGRATE_SECRET_{}_<ENDPOINT>_<PROPERTY>), then rerun `fleet {command}`",
                member.project_id.as_deref().unwrap_or(&member.key),
                scope_word(&member.secret_scope)
            ),
            ProjectStatus::WorkRemains => "rerun `fleet apply`, then `fleet verify`".to_string(),
            _ => {
                format!("fix the cause, then rerun `fleet {command}` (an interrupted run resumes) or `fleet rollback`")
            }
        };
        self.outcome(member, status, error.message.clone(), next)
    }

    fn tenant_use(&self) -> Vec<TenantUse> {
        self.tenants
            .iter()
            .map(|t| {
                let limit = t.budget.limit();
                let requests = t.budget.requests();
                TenantUse {
                    name: t.name.clone(),
                    rate_limit: format!("{}/{}", limit.requests, limit.window.as_secs_f64()),
                    requests,
                    bound_seconds: handover_migrate_tenant::client::rate_bound(limit, requests).as_secs_f64(),
                }
            })
            .collect()
    }

    fn finish(&self, command: &str, started: Instant, projects: Vec<ProjectOutcome>) -> FleetOutcome {
        let tenants = self.tenant_use();
        let bound = tenants.iter().map(|t| t.bound_seconds).fold(0.0, f64::max);
        FleetOutcome {
            fleet: self.file.display().to_string(),
            command: command.to_string(),
            fleet_run: None,
            resumed: false,
            confirmed: true,
            exit_code: exit_code(projects.iter().map(|p| &p.status)),
            projects,
            tenants,
            wall_seconds: started.elapsed().as_secs_f64(),
            bound_seconds: bound,
        }
    }

    /// Run `work` on the members `chosen` (indexes): tenants in parallel, `jobs` projects of
    /// each in flight. `Err` results end the fleet under `fail_fast`; members not started
    /// are `None`. Results come back in member order.
    fn each<T: Send>(
        &self,
        chosen: &[usize],
        options: RunOptions,
        work: &(dyn Fn(&Member) -> T + Sync),
        ended_badly: &(dyn Fn(&T) -> bool + Sync),
    ) -> Vec<Option<T>> {
        let results: Vec<Mutex<Option<T>>> = chosen.iter().map(|_| Mutex::new(None)).collect();
        let stop = AtomicBool::new(false);
        // One group per tenant, one for the clones.
        let mut groups: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
        for (slot, &m) in chosen.iter().enumerate() {
            groups.entry(self.members[m].tenant).or_default().push(slot);
        }
        std::thread::scope(|scope| {
            for slots in groups.values() {
                let next = std::sync::Arc::new(AtomicUsize::new(0));
                for _ in 0..options.jobs.max(1).min(slots.len()) {
                    let next = next.clone();
                    let (results, stop) = (&results, &stop);
                    scope.spawn(move || loop {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&slot) = slots.get(i) else { return };
                        let member = &self.members[chosen[slot]];
                        let result = contained(|| work(member));
                        let Some(result) = result else {
                            stop.store(options.fail_fast, Ordering::SeqCst);
                            continue;
                        };
                        if options.fail_fast && ended_badly(&result) {
                            stop.store(true, Ordering::SeqCst);
                        }
                        *results[slot].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                    });
                }
            }
        });
        results.into_iter().map(|r| r.into_inner().unwrap_or_else(|p| p.into_inner())).collect()
    }

    fn all(&self) -> Vec<usize> {
        (0..self.members.len()).collect()
    }

    fn skipped(&self, member: &Member, command: &str) -> ProjectOutcome {
        self.outcome(
            member,
            ProjectStatus::Skipped,
            "not run: --fail-fast stopped the fleet after a project that did not end well".into(),
            format!("rerun `fleet {command}`"),
        )
    }
}

/// A panic in one project's work is that project's failure, not the fleet's.
fn contained<T>(work: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(value) => Some(value),
        Err(panic) => {
            tracing::error!("a project's run panicked: {}", handover_migrate_core::plugin::panic_message(&*panic));
            None
        }
    }
}

/// The `<PROJECT>` of a secret variable name.
fn scope_word(scope: &str) -> String {
    scope.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

// ------------------------------------------------------------------- scan and report

/// One row of the fleet table (`fleet scan`, `fleet report`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetRow {
    pub project: String,
    pub tenant: Option<String>,
    pub name: Option<String>,
    /// Endpoints with legacy settings, by legacy kind.
    pub endpoints_by_kind: BTreeMap<String, u64>,
    pub nodes_to_switch: u64,
    pub nodes_switched: u64,
    pub conflicts: u64,
    pub answers_needed: u64,
    pub stage: String,
    /// The most recent run (`<id> (<state>)`).
    pub last_run: Option<String>,
    /// Why the project could not be read.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetTotals {
    pub projects: u64,
    pub unreadable: u64,
    pub endpoints_by_kind: BTreeMap<String, u64>,
    pub nodes_to_switch: u64,
    pub nodes_switched: u64,
    pub conflicts: u64,
    pub answers_needed: u64,
}

/// One project's part of the fleet report.
#[derive(Serialize)]
pub struct ProjectReport {
    pub project: String,
    pub report: Option<Report>,
    pub error: Option<String>,
}

/// `fleet scan` / `fleet report`: the table, totals, and (report) each project's report.
#[derive(Serialize)]
pub struct FleetReport {
    pub fleet: String,
    pub rows: Vec<FleetRow>,
    pub totals: FleetTotals,
    pub projects: Vec<ProjectReport>,
    pub exit_code: u8,
}

fn row_of(fleet: &Fleet, member: &Member, report: &Report) -> FleetRow {
    let mut by_kind = BTreeMap::new();
    for endpoint in &report.endpoints {
        let legacy = matches!(
            endpoint.status,
            EndpointStatus::Legacy
                | EndpointStatus::Migrated
                | EndpointStatus::UnsupportedKind
                | EndpointStatus::InvalidSettings
        );
        if let (true, Some(kind)) = (legacy, &endpoint.kind) {
            *by_kind.entry(kind.clone()).or_insert(0) += 1;
        }
    }
    FleetRow {
        project: member.key.clone(),
        tenant: fleet.tenant_of(member).map(|t| t.name.clone()),
        name: member.name.clone(),
        endpoints_by_kind: by_kind,
        nodes_to_switch: report.summary.nodes_to_switch as u64,
        nodes_switched: report.summary.nodes_switched as u64,
        conflicts: report.summary.conflicts as u64,
        answers_needed: report.summary.missing_answers as u64,
        stage: report.stage.clone(),
        last_run: report.runs.last().map(|r| format!("{} ({})", r.id, serde_plain(&r.state))),
        error: None,
    }
}

fn serde_plain(state: &RunState) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// `fleet scan` (`with_reports` false) and `fleet report` (true): read every project.
pub fn report(fleet: &Fleet, options: RunOptions, tool: &str, with_reports: bool) -> Result<FleetReport> {
    let chosen = fleet.all();
    let work = |member: &Member| -> Result<Report> {
        let ctx = fleet.context(member, Providers::Load)?;
        crate::inspect::report(&ctx, tool.to_string())
    };
    let results = fleet.each(&chosen, options, &work, &|r| r.is_err());
    let mut rows = Vec::new();
    let mut projects = Vec::new();
    let mut totals = FleetTotals::default();
    for (member, result) in fleet.members.iter().zip(results) {
        let (row, report, error) = match result {
            Some(Ok(report)) => (row_of(fleet, member, &report), Some(report), None),
            Some(Err(error)) => {
                let row = FleetRow {
                    project: member.key.clone(),
                    tenant: fleet.tenant_of(member).map(|t| t.name.clone()),
                    name: member.name.clone(),
                    stage: "Unreadable".into(),
                    error: Some(error.message.clone()),
                    ..FleetRow::default()
                };
                (row, None, Some(error.message))
            }
            None => {
                let message = "not read: --fail-fast stopped the fleet".to_string();
                let row = FleetRow {
                    project: member.key.clone(),
                    stage: "Not read".into(),
                    error: Some(message.clone()),
                    ..FleetRow::default()
                };
                (row, None, Some(message))
            }
        };
        totals.projects += 1;
        totals.unreadable += u64::from(row.error.is_some());
        for (kind, n) in &row.endpoints_by_kind {
            *totals.endpoints_by_kind.entry(kind.clone()).or_insert(0) += n;
        }
        totals.nodes_to_switch += row.nodes_to_switch;
        totals.nodes_switched += row.nodes_switched;
        totals.conflicts += row.conflicts;
        totals.answers_needed += row.answers_needed;
        rows.push(row);
        projects.push(ProjectReport {
            project: member.key.clone(),
            report: if with_reports { report } else { None },
            error,
        });
    }
    // Read-only: 0 unless a project could not be read.
    let exit_code = if totals.unreadable > 0 { 1 } else { 0 };
    Ok(FleetReport { fleet: fleet.file.display().to_string(), rows, totals, projects, exit_code })
}

// ------------------------------------------------------------------------------ plan

/// The file name of a member's saved plan in `fleet plan --out DIR`.
pub fn plan_file_name(member: &Member) -> String {
    let slug: String =
        member.key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let slug = slug.trim_matches('_');
    let short = &handover_migrate_io::fsio::sha256_hex(member.key.as_bytes())[..8];
    let tail: String = slug.chars().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{tail}-{short}.plan.json")
}

fn plan_detail(plan: &Plan) -> BTreeMap<String, u64> {
    BTreeMap::from([
        (
            "providers_to_create".into(),
            plan.providers.iter().filter(|p| p.action == ProviderAction::Create).count() as u64,
        ),
        ("providers_reused".into(), plan.providers.iter().filter(|p| p.action == ProviderAction::Reuse).count() as u64),
        ("nodes_to_switch".into(), plan.node_edits.len() as u64),
        ("conflicts".into(), plan.conflicts.len() as u64),
        ("answers_needed".into(), plan.missing_answers.len() as u64),
        ("errors".into(), plan.errors.len() as u64),
    ])
}

/// One project's plan, as the fleet summary shows it.
fn plan_outcome(fleet: &Fleet, member: &Member, plan: &Plan, command: &str) -> ProjectOutcome {
    let (status, message, next) = if !plan.errors.is_empty() {
        (ProjectStatus::Failed, plan.errors.join("; "), "fix the project's settings the plan names".to_string())
    } else if !plan.is_applicable() {
        let message = plan.check_applicable().err().map(|e| e.message).unwrap_or_default();
        let next = fleet.failure(member, &Error::needs_input(""), command).next_step;
        (ProjectStatus::NeedsInput, message, next)
    } else if plan.has_changes() {
        (ProjectStatus::Done, "ready to apply".to_string(), "`fleet apply`".to_string())
    } else {
        (ProjectStatus::UpToDate, "nothing to change".to_string(), "`fleet verify`".to_string())
    };
    let mut outcome = fleet.outcome(member, status, message, next);
    outcome.detail = plan_detail(plan);
    outcome
}

/// `fleet plan [--out DIR]`: every project's plan, saved one file per project.
pub fn plan(fleet: &Fleet, options: RunOptions, out: Option<&Path>) -> Result<FleetOutcome> {
    let started = Instant::now();
    if let Some(dir) = out {
        handover_migrate_io::fsio::create_dirs(dir, 0o700)?;
    }
    let work = |member: &Member| -> ProjectOutcome {
        let result = fleet.context(member, Providers::Load).and_then(|ctx| {
            let path = out.map(|dir| dir.join(plan_file_name(member)));
            crate::inspect::plan(&ctx, path.as_deref())
        });
        match result {
            Ok(plan) => plan_outcome(fleet, member, &plan, "plan"),
            Err(error) => fleet.failure(member, &error, "plan"),
        }
    };
    let results = fleet.each(&fleet.all(), options, &work, &|o| !o.status.ok());
    let projects = fill_skipped(fleet, &fleet.all(), results, "plan");
    Ok(fleet.finish("plan", started, projects))
}

fn fill_skipped(
    fleet: &Fleet,
    chosen: &[usize],
    results: Vec<Option<ProjectOutcome>>,
    command: &str,
) -> Vec<ProjectOutcome> {
    chosen.iter().zip(results).map(|(&m, r)| r.unwrap_or_else(|| fleet.skipped(&fleet.members[m], command))).collect()
}

// ----------------------------------------------------------------------------- apply

/// `fleet apply` options besides [`RunOptions`].
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// `--plan DIR`: apply exactly the plans `fleet plan --out DIR` saved.
    pub plans: Option<PathBuf>,
    /// Roll back the interrupted run of a project that fails (default: leave it resumable).
    pub rollback_failed: bool,
}

/// `fleet apply`: plan every project, show the summary (`confirm` gets it, once for the
/// fleet), then apply each applicable project through its own journal.
pub fn apply(
    fleet: &Fleet,
    options: RunOptions,
    apply_options: &ApplyOptions,
    confirm: &mut dyn FnMut(&[ProjectOutcome]) -> Result<bool>,
) -> Result<FleetOutcome> {
    let started = Instant::now();
    let all = fleet.all();
    // 1. Plans, in parallel; nothing is written.
    let planned = fleet.each(
        &all,
        options,
        &|member: &Member| -> (ProjectOutcome, Option<String>) {
            let result = fleet.context(member, Providers::Load).and_then(|ctx| crate::inspect::plan(&ctx, None));
            match result {
                Ok(plan) => (plan_outcome(fleet, member, &plan, "apply"), Some(plan.digest())),
                Err(error) => (fleet.failure(member, &error, "apply"), None),
            }
        },
        &|(o, _)| !o.status.ok(),
    );
    let mut summary = Vec::new();
    let mut digests = Vec::new();
    for (&m, result) in all.iter().zip(planned) {
        let (outcome, digest) = result.unwrap_or_else(|| (fleet.skipped(&fleet.members[m], "apply"), None));
        summary.push(outcome);
        digests.push(digest);
    }
    let ready: Vec<usize> = all.iter().copied().filter(|&m| summary[m].status == ProjectStatus::Done).collect();
    if options.fail_fast && summary.iter().any(|o| !o.status.ok()) {
        let mut outcome = fleet.finish("apply", started, summary);
        outcome.confirmed = false;
        return Ok(outcome);
    }
    if !ready.is_empty() && !confirm(&summary)? {
        let mut outcome = fleet.finish("apply", started, summary);
        outcome.confirmed = false;
        return Ok(outcome);
    }
    // 2. The fleet run: continue an unfinished one, or start one.
    let (run, resumed) = record::continue_or_new(&fleet.state_dir, "apply")?;
    let run = Mutex::new(run);
    record::save(&fleet.state_dir, &run.lock().unwrap_or_else(|p| p.into_inner()))?;
    let save_entry = |member: &Member, status: ProjectStatus, run_id: Option<String>| -> Result<()> {
        let mut run = run.lock().unwrap_or_else(|p| p.into_inner());
        let kept = run.projects.get(&member.key).and_then(|e| e.run_id.clone());
        run.projects.insert(
            member.key.clone(),
            RecordEntry { status, run_id: run_id.or(kept), rolled_back: false, pending: false },
        );
        record::save(&fleet.state_dir, &run)
    };
    let mark_pending = |member: &Member| -> Result<()> {
        let mut run = run.lock().unwrap_or_else(|p| p.into_inner());
        let entry = run.projects.entry(member.key.clone()).or_insert(RecordEntry {
            status: ProjectStatus::Skipped,
            run_id: None,
            rolled_back: false,
            pending: false,
        });
        entry.pending = true;
        record::save(&fleet.state_dir, &run)
    };
    let work = |member: &Member| -> ProjectOutcome {
        if let Err(error) = mark_pending(member) {
            return fleet.failure(member, &error, "apply");
        }
        let index = fleet.members.iter().position(|m| std::ptr::eq(m, member)).unwrap_or(0);
        let shown = digests[index].clone();
        let ctx = match fleet.context(member, Providers::Load) {
            Ok(ctx) => ctx,
            Err(error) => return fleet.failure(member, &error, "apply"),
        };
        let saved = match &apply_options.plans {
            Some(dir) => {
                let path = dir.join(plan_file_name(member));
                match SavedPlan::read(&path) {
                    Ok(saved) => Some((saved, path)),
                    Err(error) => {
                        let error = Error::failed(format!(
                            "no usable saved plan for this project ({}): {}; `fleet plan --out {}` writes one per project",
                            path.display(),
                            error.message,
                            dir.display()
                        ));
                        return fleet.failure(member, &error, "apply");
                    }
                }
            }
            None => None,
        };
        let result = crate::apply::apply(&ctx, saved.as_ref().map(|(s, p)| (s, p.as_path())), false, &mut |plan| {
            // Exactly what the summary showed, or nothing (a saved plan is checked by apply).
            Ok(saved.is_some() || Some(plan.digest()) == shown)
        });
        match result {
            Ok(applied) if !applied.confirmed => {
                let error = Error::failed(
                    "the project changed between the summary and its turn; nothing was written to it".to_string(),
                );
                fleet.failure(member, &error, "apply")
            }
            Ok(applied) => {
                let mut outcome = fleet.outcome(
                    member,
                    ProjectStatus::Done,
                    format!(
                        "{} written{}",
                        applied.run.written.len(),
                        if applied.run.resumed { " (resumed an interrupted run)" } else { "" }
                    ),
                    "`fleet verify`".to_string(),
                );
                outcome.detail = plan_detail(&applied.plan);
                outcome.detail.insert("written".into(), applied.run.written.len() as u64);
                outcome.run_id = applied.run.run_id.clone();
                if let Err(error) = save_entry(member, ProjectStatus::Done, applied.run.run_id) {
                    return fleet.failure(member, &error, "apply");
                }
                outcome
            }
            Err(error) => {
                let mut outcome = fleet.failure(member, &error, "apply");
                // A run this apply left interrupted: resumable, or rolled back on request.
                let interrupted = crate::history::rollback_candidate(&ctx, None)
                    .ok()
                    .flatten()
                    .filter(|r| r.state == RunState::Interrupted);
                if let Some(run_info) = interrupted {
                    outcome.run_id = Some(run_info.id.clone());
                    if apply_options.rollback_failed {
                        let undo = Context::open(&fleet.options(member), Providers::Skip)
                            .and_then(|c| crate::history::rollback(&c, Some(&run_info.id), false));
                        match undo {
                            Ok(_) => {
                                outcome
                                    .message
                                    .push_str(&format!(" (run {} rolled back: --rollback-failed)", run_info.id));
                                outcome.next_step = "fix the cause, then rerun `fleet apply`".to_string();
                                let _ = save_entry(member, ProjectStatus::Failed, None);
                                return outcome;
                            }
                            Err(e) => outcome.message.push_str(&format!(" (its rollback failed too: {})", e.message)),
                        }
                    } else {
                        outcome.message.push_str(&format!(" (run {} is interrupted and resumable)", run_info.id));
                    }
                }
                let _ = save_entry(member, outcome.status, outcome.run_id.clone());
                outcome
            }
        }
    };
    let results = fleet.each(&ready, options, &work, &|o| !o.status.ok());
    let mut projects = summary;
    for (&m, result) in ready.iter().zip(results) {
        projects[m] = result.unwrap_or_else(|| fleet.skipped(&fleet.members[m], "apply"));
    }
    // Projects up to date now count as finished in the record; a project a killed fleet
    // run had started has its run looked up in its own state.
    let mut run = run.into_inner().unwrap_or_else(|p| p.into_inner());
    adopt_pending(fleet, &mut run, RunKind::Apply);
    for (member, outcome) in fleet.members.iter().zip(&projects) {
        if outcome.status == ProjectStatus::UpToDate {
            run.projects.entry(member.key.clone()).or_insert(RecordEntry {
                status: ProjectStatus::UpToDate,
                run_id: None,
                rolled_back: false,
                pending: false,
            });
        }
    }
    run.finished = projects.iter().all(|o| o.status.ok());
    record::save(&fleet.state_dir, &run)?;
    let mut outcome = fleet.finish("apply", started, projects);
    outcome.fleet_run = Some(run.id);
    outcome.resumed = resumed;
    Ok(outcome)
}

/// Entries a killed fleet run started but did not record: the project's most recent run of
/// `kind` made since the fleet run began (ids start with their UTC second) is this fleet
/// run's, to be rolled back with it.
fn adopt_pending(fleet: &Fleet, run: &mut FleetRun, kind: RunKind) {
    let since: String = run.id.chars().take(16).collect();
    for member in &fleet.members {
        let Some(entry) = run.projects.get_mut(&member.key) else { continue };
        if !entry.pending {
            continue;
        }
        entry.pending = false;
        if entry.run_id.is_some() {
            continue;
        }
        let found = Context::open(&fleet.options(member), Providers::Skip).and_then(|ctx| ctx.state().runs());
        if let Ok(runs) = found {
            let made = runs.iter().rev().find(|r| {
                r.kind == kind && r.state != RunState::RolledBack && r.id.chars().take(16).collect::<String>() >= since
            });
            if let Some(made) = made {
                entry.run_id = Some(made.id.clone());
                if entry.status == ProjectStatus::Skipped {
                    entry.status = ProjectStatus::Done;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------- doctor

/// `fleet doctor`: each project's doctor; 0 only when every project can apply unattended.
pub fn doctor(fleet: &Fleet, options: RunOptions) -> Result<FleetOutcome> {
    let started = Instant::now();
    let work = |member: &Member| -> ProjectOutcome {
        let rate = fleet.tenant_of(member).map(|t| {
            let limit = t.budget.limit();
            format!("{}/{}", limit.requests, limit.window.as_secs_f64())
        });
        let result =
            fleet.context(member, Providers::Load).and_then(|ctx| crate::doctor::doctor(&ctx, rate.as_deref()));
        match result {
            Ok(report) => {
                let code = report.exit_code();
                let worst = report.findings.iter().max_by_key(|f| f.level);
                let message = match (code, worst) {
                    (0, _) | (_, None) => "ready: apply can run unattended".to_string(),
                    (_, Some(finding)) => finding.message.clone(),
                };
                let next = worst.and_then(|f| f.resolve.clone()).filter(|_| code != 0);
                let (status, next) = match code {
                    0 => (ProjectStatus::Done, "`fleet plan`".to_string()),
                    3 => (ProjectStatus::NeedsInput, next.unwrap_or_else(|| "see `doctor` in the project".into())),
                    _ => (ProjectStatus::Failed, next.unwrap_or_else(|| "see `doctor` in the project".into())),
                };
                let mut outcome = fleet.outcome(member, status, message, next);
                outcome.detail = BTreeMap::from([
                    ("findings".into(), report.findings.len() as u64),
                    (
                        "needs_input".into(),
                        report.findings.iter().filter(|f| f.level == crate::doctor::Level::NeedsInput).count() as u64,
                    ),
                    (
                        "errors".into(),
                        report.findings.iter().filter(|f| f.level == crate::doctor::Level::Error).count() as u64,
                    ),
                ]);
                outcome
            }
            Err(error) => fleet.failure(member, &error, "doctor"),
        }
    };
    let results = fleet.each(&fleet.all(), options, &work, &|o| !o.status.ok());
    let projects = fill_skipped(fleet, &fleet.all(), results, "doctor");
    Ok(fleet.finish("doctor", started, projects))
}

// ---------------------------------------------------------------------------- verify

/// `fleet verify`: each project's verify; 4 when any has work left.
pub fn verify(fleet: &Fleet, options: RunOptions) -> Result<FleetOutcome> {
    let started = Instant::now();
    let work = |member: &Member| -> ProjectOutcome {
        match fleet.context(member, Providers::Load).and_then(|ctx| crate::cleanup::verify(&ctx)) {
            Ok(report) => {
                // Nothing migrated while legacy endpoints remain: everything remains (4).
                let nothing = report.migrated_endpoints.is_empty() && !report.not_migrated.is_empty();
                let passed = report.passed() && !nothing;
                let (status, message, next) = if passed {
                    (ProjectStatus::Done, "verified".to_string(), "`fleet cleanup`".to_string())
                } else if nothing {
                    (
                        ProjectStatus::WorkRemains,
                        "nothing is migrated yet: every endpoint remains".to_string(),
                        "`fleet apply`".to_string(),
                    )
                } else {
                    let mut parts: Vec<String> = report.remaining.iter().take(3).cloned().collect();
                    parts.extend(report.dangling.iter().take(3).cloned());
                    parts.extend(report.provider_findings.iter().take(3).cloned());
                    (
                        ProjectStatus::WorkRemains,
                        parts.join("; "),
                        "rerun `fleet apply`, then `fleet verify`".to_string(),
                    )
                };
                let mut outcome = fleet.outcome(member, status, message, next);
                outcome.detail = BTreeMap::from([
                    ("migrated_endpoints".into(), report.migrated_endpoints.len() as u64),
                    ("remaining".into(), report.remaining.len() as u64),
                    ("dangling".into(), report.dangling.len() as u64),
                    ("provider_findings".into(), report.provider_findings.len() as u64),
                ]);
                outcome
            }
            Err(error) => fleet.failure(member, &error, "verify"),
        }
    };
    let results = fleet.each(&fleet.all(), options, &work, &|o| !o.status.ok());
    let projects = fill_skipped(fleet, &fleet.all(), results, "verify");
    Ok(fleet.finish("verify", started, projects))
}

// --------------------------------------------------------------------------- cleanup

/// `fleet cleanup`: what each project would remove (the summary `confirm` gets, once), then
/// each project's cleanup through its journal. `dry_run` stops after the summary.
pub fn cleanup(
    fleet: &Fleet,
    options: RunOptions,
    dry_run: bool,
    force: bool,
    confirm: &mut dyn FnMut(&[ProjectOutcome]) -> Result<bool>,
) -> Result<FleetOutcome> {
    let started = Instant::now();
    let all = fleet.all();
    let preview = |member: &Member| -> ProjectOutcome {
        let result = fleet
            .context(member, Providers::Load)
            .and_then(|ctx| crate::cleanup::cleanup(&ctx, true, force, &mut |_| Ok(false)));
        match result {
            Ok(found) => {
                let eligible = found.items.iter().filter(|i| i.refused.is_none()).count();
                let refused = found.items.len() - eligible;
                let (status, message, next) = if eligible > 0 {
                    (ProjectStatus::Done, format!("{eligible} endpoint(s) to clean up"), "`fleet cleanup`".to_string())
                } else if refused > 0 {
                    (
                        ProjectStatus::WorkRemains,
                        format!("{refused} endpoint(s) not eligible (see `cleanup --dry-run` in the project)"),
                        "migrate their nodes (`fleet apply`), or `--force` for snapshot-pinned endpoints".to_string(),
                    )
                } else {
                    (ProjectStatus::UpToDate, "nothing to clean up".to_string(), "none".to_string())
                };
                let mut outcome = fleet.outcome(member, status, message, next);
                outcome.detail =
                    BTreeMap::from([("eligible".into(), eligible as u64), ("refused".into(), refused as u64)]);
                outcome
            }
            Err(error) => fleet.failure(member, &error, "cleanup"),
        }
    };
    let previews = fleet.each(&all, options, &preview, &|o| !o.status.ok());
    let summary = fill_skipped(fleet, &all, previews, "cleanup");
    let ready: Vec<usize> = all.iter().copied().filter(|&m| summary[m].status == ProjectStatus::Done).collect();
    let stop_here = dry_run || (options.fail_fast && summary.iter().any(|o| !o.status.ok()));
    if stop_here || ready.is_empty() || !confirm(&summary)? {
        let mut outcome = fleet.finish("cleanup", started, summary);
        outcome.confirmed = false;
        return Ok(outcome);
    }
    let (run, resumed) = record::continue_or_new(&fleet.state_dir, "cleanup")?;
    let run = Mutex::new(run);
    record::save(&fleet.state_dir, &run.lock().unwrap_or_else(|p| p.into_inner()))?;
    let work = |member: &Member| -> ProjectOutcome {
        {
            let mut run = run.lock().unwrap_or_else(|p| p.into_inner());
            let entry = run.projects.entry(member.key.clone()).or_insert(RecordEntry {
                status: ProjectStatus::Skipped,
                run_id: None,
                rolled_back: false,
                pending: false,
            });
            entry.pending = true;
            if let Err(error) = record::save(&fleet.state_dir, &run) {
                return fleet.failure(member, &error, "cleanup");
            }
        }
        let result = fleet
            .context(member, Providers::Load)
            .and_then(|ctx| crate::cleanup::cleanup(&ctx, false, force, &mut |_| Ok(true)));
        let outcome = match result {
            Ok(done) => {
                let run_id = done.run.as_ref().and_then(|r| r.run_id.clone());
                let removed = done.run.as_ref().map_or(0, |r| r.written.len());
                let mut outcome = fleet.outcome(
                    member,
                    ProjectStatus::Done,
                    format!("{removed} file(s)/resource(s) changed"),
                    "none (`fleet rollback` restores the legacy settings)".to_string(),
                );
                outcome.run_id = run_id;
                outcome.detail.insert("written".into(), removed as u64);
                outcome
            }
            Err(error) => fleet.failure(member, &error, "cleanup"),
        };
        let mut run = run.lock().unwrap_or_else(|p| p.into_inner());
        run.projects.insert(
            member.key.clone(),
            RecordEntry { status: outcome.status, run_id: outcome.run_id.clone(), rolled_back: false, pending: false },
        );
        if let Err(error) = record::save(&fleet.state_dir, &run) {
            return fleet.failure(member, &error, "cleanup");
        }
        outcome
    };
    let results = fleet.each(&ready, options, &work, &|o| !o.status.ok());
    let mut projects = summary;
    for (&m, result) in ready.iter().zip(results) {
        projects[m] = result.unwrap_or_else(|| fleet.skipped(&fleet.members[m], "cleanup"));
    }
    let mut run = run.into_inner().unwrap_or_else(|p| p.into_inner());
    adopt_pending(fleet, &mut run, RunKind::Cleanup);
    run.finished = projects.iter().all(|o| o.status.ok());
    record::save(&fleet.state_dir, &run)?;
    let mut outcome = fleet.finish("cleanup", started, projects);
    outcome.fleet_run = Some(run.id);
    outcome.resumed = resumed;
    Ok(outcome)
}

// -------------------------------------------------------------------------- rollback

/// The fleet run `fleet rollback` would undo: the most recent one with project runs left.
pub fn rollback_candidate(fleet: &Fleet) -> Result<Option<FleetRun>> {
    Ok(record::load_all(&fleet.state_dir)?.into_iter().rev().find(FleetRun::undoable))
}

/// `fleet rollback`: undo the most recent fleet run, project by project (each project's
/// own rollback, with its checks); `confirm` gets the fleet run first.
pub fn rollback(
    fleet: &Fleet,
    options: RunOptions,
    force: bool,
    confirm: &mut dyn FnMut(&FleetRun) -> Result<bool>,
) -> Result<FleetOutcome> {
    let started = Instant::now();
    let Some(run) = rollback_candidate(fleet)? else {
        let mut outcome = fleet.finish("rollback", started, Vec::new());
        outcome.confirmed = false;
        return Ok(outcome);
    };
    if !confirm(&run)? {
        let mut outcome = fleet.finish("rollback", started, Vec::new());
        outcome.fleet_run = Some(run.id);
        outcome.confirmed = false;
        return Ok(outcome);
    }
    let chosen: Vec<usize> = fleet
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| run.projects.get(&m.key).is_some_and(|e| e.run_id.is_some() && !e.rolled_back))
        .map(|(i, _)| i)
        .collect();
    let shared = Mutex::new(run.clone());
    let work = |member: &Member| -> ProjectOutcome {
        let run_id = shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .projects
            .get(&member.key)
            .and_then(|e| e.run_id.clone())
            .unwrap_or_default();
        let result = Context::open(&fleet.options(member), Providers::Skip).and_then(|ctx| {
            match crate::history::rollback_candidate(&ctx, Some(&run_id))? {
                Some(info) if info.state == RunState::RolledBack => Ok(None),
                _ => crate::history::rollback(&ctx, Some(&run_id), force).map(Some),
            }
        });
        let mut outcome = match result {
            Ok(undone) => {
                let mut outcome = fleet.outcome(
                    member,
                    ProjectStatus::RolledBack,
                    match &undone {
                        Some(u) => format!(
                            "run {run_id} rolled back: {} restored, {} removed",
                            u.restored.len(),
                            u.removed.len()
                        ),
                        None => format!("run {run_id} was already rolled back"),
                    },
                    "none".to_string(),
                );
                if let Some(u) = undone {
                    outcome.detail = BTreeMap::from([
                        ("restored".into(), u.restored.len() as u64),
                        ("removed".into(), u.removed.len() as u64),
                    ]);
                }
                let mut run = shared.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(entry) = run.projects.get_mut(&member.key) {
                    entry.rolled_back = true;
                }
                if let Err(error) = record::save(&fleet.state_dir, &run) {
                    return fleet.failure(member, &error, "rollback");
                }
                outcome
            }
            Err(error) => fleet.failure(member, &error, "rollback"),
        };
        outcome.run_id = Some(run_id);
        outcome
    };
    let results = fleet.each(&chosen, options, &work, &|o| !o.status.ok());
    let projects = fill_skipped(fleet, &chosen, results, "rollback");
    let mut run = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    run.rolled_back = run.projects.values().all(|e| e.run_id.is_none() || e.rolled_back);
    record::save(&fleet.state_dir, &run)?;
    let mut outcome = fleet.finish("rollback", started, projects);
    outcome.fleet_run = Some(run.id);
    Ok(outcome)
}

/// How long `requests` take at least under every tenant's limit: the fleet's bound.
pub fn bound(fleet: &Fleet) -> Duration {
    Duration::from_secs_f64(fleet.tenant_use().iter().map(|t| t.bound_seconds).fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_project_decides_the_exit_code() {
        use ProjectStatus::*;
        assert_eq!(exit_code(&[Done, UpToDate]), 0);
        assert_eq!(exit_code(&[Done, WorkRemains]), 4);
        assert_eq!(exit_code(&[WorkRemains, NeedsInput, Done]), 3);
        assert_eq!(exit_code(&[NeedsInput, Failed, WorkRemains]), 1);
        assert_eq!(exit_code(&[]), 0);
    }
}
