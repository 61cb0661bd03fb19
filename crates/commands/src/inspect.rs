//! The read-only commands: `scan`, `plan`, `report`, `answers template`, `providers`.

use std::path::Path;

use handover_migrate_core::{MigrationPair, PairInfo};
use handover_migrate_engine::answers::Answers;
use handover_migrate_engine::plan::{self, Plan};
use handover_migrate_engine::plan_saved::SavedPlan;
use handover_migrate_engine::questions;
use handover_migrate_engine::report::{self, Report, ReportInputs};
use handover_migrate_engine::scan::{self, ScanReport};
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::{Registered, Registry};

use crate::context::{Context, ProjectState};

/// `scan`: the inventory of the project. Without a node selector key it still runs
/// (read-only) and reports what is unknown. Its plan has a project state only when `state`
/// is shown.
pub fn scan(ctx: &Context, state: ProjectState) -> Result<ScanReport> {
    let (loaded, unknown) = ctx.load_inventory(state)?;
    let history = handover_migrate_engine::status::History::from_runs(&ctx.state().runs()?);
    let mut report = scan::build(&loaded.project, &loaded.analysis, &history);
    loaded.release();
    if unknown.is_some() {
        // The plan of a made-up key would show edits no run makes.
        report.plan.selector_key = String::new();
        report.plan.node_edits.clear();
    }
    report.selector_unknown = unknown;
    Ok(report)
}

/// `plan` (and `retarget --dry-run`): the change set, saved to `out` when given. The plan
/// has a project state when it is saved or `state` is shown; otherwise it is empty, and
/// such a plan must not be applied or compared (its digest binds no files).
pub fn plan(ctx: &Context, out: Option<&Path>, state: ProjectState) -> Result<Plan> {
    let loaded = if out.is_some() || state == ProjectState::Shown { ctx.load()? } else { ctx.load_read_only()? };
    let plan = plan::build(&loaded.project, &loaded.analysis);
    loaded.release();
    if let Some(out) = out {
        SavedPlan::write(&plan, out)?;
    }
    Ok(plan)
}

/// `report`: the migration report's data; `tool` names this binary and its version. It
/// shows no fingerprint and writes nothing in the project, so the clone is read unhashed.
pub fn report(ctx: &Context, tool: String) -> Result<Report> {
    let loaded = ctx.load_read_only()?;
    let inputs = ReportInputs { registry: &ctx.registry, runs: ctx.state().runs(), api: loaded.api.is_some(), tool };
    report::build(&loaded.project, &loaded.analysis, inputs)
}

/// `answers template`: every answer the project still needs, as commented TOML.
pub fn answers_template(ctx: &Context) -> Result<String> {
    let loaded = ctx.load()?;
    let answers = ctx.answers.as_deref().map(|path| Answers::load(Some(path))).transpose()?;
    Ok(questions::template(&loaded.project, &loaded.analysis, answers.as_ref()))
}

/// `providers show KIND [--to SERVICE]`: the provider and pair shown; an unknown kind or
/// pair is refused with the supported ones.
pub fn provider_pair<'r>(
    registry: &'r Registry,
    kind: &str,
    to: Option<&str>,
) -> Result<(&'r Registered, &'r PairInfo)> {
    let pair = match to {
        None => registry.default_pair(kind).ok_or_else(|| {
            Error::usage(format!(
                "no provider for legacy kind `{kind}`; known kinds: {}",
                registry.pairs().iter().map(|p| p.source_kind.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?,
        Some(service) => MigrationPair::new(kind, service),
    };
    registry.find(&pair).ok_or_else(|| {
        Error::usage(format!(
            "no installed provider migrates `{kind}` to `{}`. Supported pairs (legacy kind → service): {}",
            pair.target_service,
            registry.pairs_list()
        ))
    })
}

/// What guided mode asks with the answers in `ctx` (its `answers_override` when set).
pub fn questions(ctx: &Context) -> Result<questions::Questions> {
    let loaded = ctx.load()?;
    let answers = match &ctx.answers_override {
        Some(answers) => answers.clone(),
        None => Answers::load(ctx.answers.as_deref())?,
    };
    Ok(questions::questions(&loaded.project, &loaded.analysis, &answers))
}
