//! `fleet rollback`: undo the most recent fleet run, project by project.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use handover_migrate_io::run::RunState;
use handover_migrate_io::Result;

use super::record::{self, FleetRun};
use super::{fill_skipped, Fleet, FleetOutcome, Member, ProjectOutcome, ProjectStatus, RunOptions};
use crate::context::{Context, Providers};

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
