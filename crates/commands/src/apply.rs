//! `apply` (and `retarget`, which is applied the same way): recompute under the lock, check
//! a saved plan, and write through the journal: offline, on the tenant, or both (linked).

use std::collections::HashMap;
use std::path::Path;

use handover_migrate_engine::plan::{self, Plan};
use handover_migrate_engine::plan_saved::SavedPlan;
use handover_migrate_io::journal::RunKind;
use handover_migrate_io::run::{self, RunOutcome};
use handover_migrate_io::{Error, Result};
use serde::Serialize;

use handover_migrate_tenant::selector::ValueForm;

use crate::context::{ApiTarget, Context, Loaded, Target};

/// Apply: under the lock, recompute, check, and write through the journal.
pub fn apply(
    ctx: &Context,
    saved: Option<(&SavedPlan, &Path)>,
    snapshot: bool,
    confirm: &mut dyn FnMut(&Plan) -> Result<bool>,
) -> Result<ApplyOutcome> {
    if let Some((saved, path)) = saved {
        saved.check_mode(path, &ctx.target_service, ctx.retarget.as_ref())?;
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
            let snapshot_id =
                if snapshot { Some(handover_migrate_tenant::snapshot(&api.client, &api.project_id)?) } else { None };
            let label = ctx.target_label().unwrap_or_default();
            let outcome = handover_migrate_tenant::apply::apply(
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
    let linked = handover_migrate_tenant::apply::link_providers(
        &api.client,
        &loaded.analysis,
        index,
        &index.tenant_providers,
        &ctx.state(),
        digest,
        &label,
    )?;
    // Nodes get what the tenant's selector holds for the provider: its referenceId, or its
    // `_id` on a tenant whose options hold those (then nodes holding the referenceId move too).
    let mut relink = HashMap::new();
    for (group, (id, reference)) in linked.providers {
        let value = linked.form.value_of(&id, &reference).to_string();
        if linked.form == ValueForm::Id {
            loaded.analysis.groups[group].id.clone_from(&id);
        }
        let old = std::mem::replace(&mut loaded.analysis.groups[group].reference_id, reference.clone());
        if old != value {
            relink.insert(old, value.clone());
        }
        if reference != value {
            relink.insert(reference, value);
        }
    }
    let api_run = linked.run;
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

/// The change producer of a run with no changes is never called.
fn unreachable_change() -> Result<run::FileChange> {
    Err(Error::failed("internal: a run with no changes asked for one"))
}
