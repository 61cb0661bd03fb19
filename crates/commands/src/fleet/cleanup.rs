//! `fleet cleanup`: one confirmation for the fleet, then each project's cleanup through its
//! journal, recorded in a resumable fleet run.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use handover_migrate_io::journal::RunKind;
use handover_migrate_io::Result;

use super::apply::adopt_pending;
use super::record::{self, RecordEntry};
use super::{fill_skipped, Fleet, FleetOutcome, Member, ProjectOutcome, ProjectStatus, RunOptions};
use crate::context::Providers;

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
            run.mark_pending(&member.key);
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
        run.projects.insert(member.key.clone(), RecordEntry::recorded(outcome.status, outcome.run_id.clone()));
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
