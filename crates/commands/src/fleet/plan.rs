//! `fleet plan`: every project's plan, saved one file per project.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use handover_migrate_engine::plan::{Plan, ProviderAction};
use handover_migrate_io::{Error, Result};

use super::{fill_skipped, Fleet, FleetOutcome, Member, ProjectOutcome, ProjectStatus, RunOptions};
use crate::context::Providers;

/// The file name of a member's saved plan in `fleet plan --out DIR`.
pub fn plan_file_name(member: &Member) -> String {
    let slug: String =
        member.key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let slug = slug.trim_matches('_');
    let short = &handover_migrate_io::fsio::sha256_hex(member.key.as_bytes())[..8];
    let tail: String = slug.chars().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{tail}-{short}.plan.json")
}

pub(super) fn plan_detail(plan: &Plan) -> BTreeMap<String, u64> {
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
pub(super) fn plan_outcome(fleet: &Fleet, member: &Member, plan: &Plan, command: &str) -> ProjectOutcome {
    let (status, message, next) = if !plan.errors.is_empty() {
        (ProjectStatus::Failed, plan.errors.join("; "), "fix the project's settings the plan names".to_string())
    } else if !plan.is_applicable() {
        let error = plan.check_applicable().err().unwrap_or_else(|| Error::needs("", plan.input_needed()));
        let mut outcome = fleet.failure(member, &error, command);
        outcome.detail = plan_detail(plan);
        return outcome;
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
            crate::inspect::plan(&ctx, path.as_deref(), crate::context::ProjectState::Shown)
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
