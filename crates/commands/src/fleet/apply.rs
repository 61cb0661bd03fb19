//! `fleet apply`: plan every project, one confirmation for the fleet, then each project's
//! apply through its own journal, recorded in a resumable fleet run. Confirmed in advance
//! (`--yes`), each project is planned and applied in one pass.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use handover_migrate_engine::plan_saved::SavedPlan;
use handover_migrate_io::journal::RunKind;
use handover_migrate_io::run::RunState;
use handover_migrate_io::{Error, Result};

use super::plan::{plan_detail, plan_file_name, plan_outcome};
use super::record::{self, FleetRun, RecordEntry};
use super::{Fleet, FleetOutcome, Member, ProjectOutcome, ProjectStatus, RunOptions};
use crate::context::{Context, Providers};

/// `fleet apply` options besides [`RunOptions`].
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// `--plan DIR`: apply exactly the plans `fleet plan --out DIR` saved.
    pub plans: Option<PathBuf>,
    /// Roll back the interrupted run of a project that fails (default: leave it resumable).
    pub rollback_failed: bool,
    /// Confirmed in advance (`--yes`): without `fail_fast`, each project is planned and
    /// applied in one pass, so a tenant's budget does not idle between the fleet's plan and
    /// apply phases; `confirm` is not called.
    pub confirmed: bool,
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
    if apply_options.confirmed && !options.fail_fast {
        let recording = Recording::start(fleet)?;
        let work = |member: &Member| -> ProjectOutcome {
            let planned = plan_member(fleet, member);
            match planned {
                (outcome, Some(digest)) if outcome.status == ProjectStatus::Done => {
                    recording.apply_member(member, Some(digest), apply_options)
                }
                (outcome, _) => outcome,
            }
        };
        let results = fleet.each(&all, options, &work, &|o| !o.status.ok());
        let projects = super::fill_skipped(fleet, &all, results, "apply");
        return recording.close(projects, started);
    }
    // 1. Plans, in parallel; nothing is written.
    let planned = fleet.each(&all, options, &|member: &Member| plan_member(fleet, member), &|(o, _)| !o.status.ok());
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
    let recording = Recording::start(fleet)?;
    let work = |member: &Member| -> ProjectOutcome {
        let index = fleet.members.iter().position(|m| std::ptr::eq(m, member)).unwrap_or(0);
        recording.apply_member(member, digests[index].clone(), apply_options)
    };
    let results = fleet.each(&ready, options, &work, &|o| !o.status.ok());
    let mut projects = summary;
    for (&m, result) in ready.iter().zip(results) {
        projects[m] = result.unwrap_or_else(|| fleet.skipped(&fleet.members[m], "apply"));
    }
    recording.close(projects, started)
}

/// A project's plan as the summary shows it, and its digest (what its apply must match).
fn plan_member(fleet: &Fleet, member: &Member) -> (ProjectOutcome, Option<String>) {
    let result = fleet
        .context(member, Providers::Load)
        .and_then(|ctx| crate::inspect::plan(&ctx, None, crate::context::ProjectState::Shown));
    match result {
        Ok(plan) => (plan_outcome(fleet, member, &plan, "apply"), Some(plan.digest())),
        Err(error) => (fleet.failure(member, &error, "apply"), None),
    }
}

/// The fleet run an apply records its project runs in (continued when a killed one is
/// unfinished), saved after every change so that a kill loses nothing.
struct Recording<'a> {
    fleet: &'a Fleet,
    run: Mutex<FleetRun>,
    resumed: bool,
}

impl<'a> Recording<'a> {
    fn start(fleet: &'a Fleet) -> Result<Self> {
        let (run, resumed) = record::continue_or_new(&fleet.state_dir, "apply")?;
        record::save(&fleet.state_dir, &run)?;
        Ok(Self { fleet, run: Mutex::new(run), resumed })
    }

    fn save_entry(&self, member: &Member, status: ProjectStatus, run_id: Option<String>) -> Result<()> {
        let mut run = self.run.lock().unwrap_or_else(|p| p.into_inner());
        let kept = run.projects.get(&member.key).and_then(|e| e.run_id.clone());
        run.projects.insert(member.key.clone(), RecordEntry::recorded(status, run_id.or(kept)));
        record::save(&self.fleet.state_dir, &run)
    }

    fn mark_pending(&self, member: &Member) -> Result<()> {
        let mut run = self.run.lock().unwrap_or_else(|p| p.into_inner());
        run.mark_pending(&member.key);
        record::save(&self.fleet.state_dir, &run)
    }

    /// Apply one project whose plan had the digest `shown` (or its saved plan).
    fn apply_member(&self, member: &Member, shown: Option<String>, apply_options: &ApplyOptions) -> ProjectOutcome {
        let fleet = self.fleet;
        if let Err(error) = self.mark_pending(member) {
            return fleet.failure(member, &error, "apply");
        }
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
                if let Err(error) = self.save_entry(member, ProjectStatus::Done, applied.run.run_id) {
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
                                let _ = self.save_entry(member, ProjectStatus::Failed, None);
                                return outcome;
                            }
                            Err(e) => outcome.message.push_str(&format!(" (its rollback failed too: {})", e.message)),
                        }
                    } else {
                        outcome.message.push_str(&format!(" (run {} is interrupted and resumable)", run_info.id));
                    }
                }
                let _ = self.save_entry(member, outcome.status, outcome.run_id.clone());
                outcome
            }
        }
    }

    /// Record the end state: projects up to date now count as finished; a project a killed
    /// fleet run had started has its run looked up in its own state.
    fn close(self, projects: Vec<ProjectOutcome>, started: Instant) -> Result<FleetOutcome> {
        let fleet = self.fleet;
        let mut run = self.run.into_inner().unwrap_or_else(|p| p.into_inner());
        adopt_pending(fleet, &mut run, RunKind::Apply);
        for (member, outcome) in fleet.members.iter().zip(&projects) {
            if outcome.status == ProjectStatus::UpToDate {
                run.projects.entry(member.key.clone()).or_insert(RecordEntry::recorded(ProjectStatus::UpToDate, None));
            }
        }
        run.finished = projects.iter().all(|o| o.status.ok());
        record::save(&fleet.state_dir, &run)?;
        let mut outcome = fleet.finish("apply", started, projects);
        outcome.fleet_run = Some(run.id);
        outcome.resumed = self.resumed;
        Ok(outcome)
    }
}

/// Entries a killed fleet run started but did not record: the project's most recent run of
/// `kind` made since the fleet run began (ids start with their UTC second) is this fleet
/// run's, to be rolled back with it.
pub(super) fn adopt_pending(fleet: &Fleet, run: &mut FleetRun, kind: RunKind) {
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
