//! `verify` and `cleanup`: what is left, and removing the legacy settings of endpoints
//! whose nodes are all migrated.

use handover_migrate_engine::status::History;
use handover_migrate_engine::verify::{self, CleanupItem, VerifyReport};
use handover_migrate_io::journal::RunKind;
use handover_migrate_io::run::{self, RunOutcome};
use handover_migrate_io::{Error, Result};
use serde::Serialize;

use crate::context::{Context, Target};

pub fn verify(ctx: &Context) -> Result<VerifyReport> {
    let loaded = ctx.load_read_only()?;
    let history = History::from_runs(&ctx.state().runs()?);
    let report =
        verify::verify(&loaded.project, &loaded.analysis, &ctx.registry, ctx.target.clone_dir().is_none(), &history);
    loaded.release();
    report
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
    let history = History::from_runs(&ctx.state().runs()?);
    let report =
        verify::verify(&loaded.project, &loaded.analysis, &ctx.registry, ctx.target.clone_dir().is_none(), &history)?;
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
            let digest = handover_migrate_io::fsio::sha256_hex(
                eligible.iter().map(|i| i.path.as_str()).collect::<Vec<_>>().join("\n").as_bytes(),
            );
            let mut change = |i: usize| verify::cleanup_change(&loaded.project, eligible[i]);
            run::execute(dir, &ctx.state(), RunKind::Cleanup, &digest, eligible.len(), &mut change)?
        }
        (Target::Api(api), Some(index)) => handover_migrate_tenant::apply::cleanup(
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
