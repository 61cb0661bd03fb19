//! Fleet runs: every project of an organisation, on several tenants and in clone folders,
//! with the single-project commands run per project.
//!
//! - [`mod@file`]: the fleet file → [`Fleet`] (tenants, members, per-project settings);
//! - one file per command (`report` for scan and report, `plan`, `apply`, `doctor`, `verify`,
//!   `cleanup`, `rollback`) runs the single-project commands ([`crate::inspect`],
//!   [`crate::apply()`], [`crate::verify`], [`crate::cleanup()`], [`crate::rollback`]) on each
//!   member, tenants in parallel and several projects of a tenant in flight, all of a
//!   tenant's clients drawing from one rate budget; this file has what they share (the
//!   outcome types, the per-tenant scheduler);
//! - [`record`]: which project run each fleet run made, for resume and `fleet rollback`.
//!
//! A project that needs input or fails stays as it was (an interrupted run stays resumable
//! unless the caller asks for `rollback_failed`) and the others go on.

mod apply;
mod cleanup;
mod doctor;
pub mod file;
mod plan;
pub mod record;
mod report;
mod rollback;
mod verify;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use handover_migrate_io::{Error, ErrorKind, InputNeeded, Result};
use serde::{Deserialize, Serialize};

pub use apply::{apply, ApplyOptions};
pub use cleanup::cleanup;
pub use doctor::doctor;
pub use file::{Fleet, FleetOptions, Member, ProjectSettings, Tenant};
pub use plan::{plan, plan_file_name};
pub use record::{FleetRun, RecordEntry};
pub use report::{report, FleetReport, FleetRow, FleetTotals, ProjectReport};
pub use rollback::{rollback, rollback_candidate};
pub use verify::verify;

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
    /// With `needs_input`: each input the project needs and what supplies it (its answers
    /// file, a variable scoped by project, a flag), as a single project's `error@1` lists.
    pub input_needed: Vec<InputNeeded>,
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
            input_needed: Vec::new(),
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
        let mut outcome = self.outcome(member, status, error.message.clone(), next);
        outcome.input_needed = error.input_needed.clone();
        outcome
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

fn fill_skipped(
    fleet: &Fleet,
    chosen: &[usize],
    results: Vec<Option<ProjectOutcome>>,
    command: &str,
) -> Vec<ProjectOutcome> {
    chosen.iter().zip(results).map(|(&m, r)| r.unwrap_or_else(|| fleet.skipped(&fleet.members[m], command))).collect()
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
