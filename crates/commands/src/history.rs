//! The run history of a state directory: `rollback`, `purge`, `unlock`.

use std::path::Path;

use handover_migrate_io::run::{self, RollbackOutcome};
use handover_migrate_io::{Error, Result};
use handover_migrate_tenant::store::ApiIndex;

use crate::context::Context;

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
            run::admit(&state, run)?;
            let index = ApiIndex { project_id: api.project_id.clone(), ..Default::default() };
            handover_migrate_tenant::rollback(&api.client, &index, run, force)
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

/// The run `rollback` would undo: `--run ID`, or the most recent run not rolled back.
/// `Ok(None)` when there is nothing to roll back; an unknown id is an error listing the runs.
pub fn rollback_candidate(ctx: &Context, run_id: Option<&str>) -> Result<Option<run::RunInfo>> {
    let state = ctx.state();
    let runs = state.runs()?;
    let found = match run_id {
        Some(id) => runs.iter().find(|r| r.id == id),
        None => runs.iter().rev().find(|r| r.state != run::RunState::RolledBack),
    };
    match (found, run_id) {
        (Some(run), _) => Ok(Some(run.clone())),
        (None, None) => Ok(None),
        (None, Some(id)) => Err(Error::usage(format!(
            "no run {id} in {}; runs: {}",
            state.path.display(),
            if runs.is_empty() {
                "none".to_string()
            } else {
                runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
            }
        ))),
    }
}

/// Remove a lock left by a killed run. Returns whether there was one.
pub fn unlock(ctx: &Context) -> Result<bool> {
    handover_migrate_io::lock::Lock::force_remove(&ctx.state().path)
}
