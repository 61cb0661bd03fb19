//! Vendor switches and retargets on the command line: `--to SERVICE` (scan, plan, apply,
//! verify, cleanup), `retarget --from A --to B [--to-service S]`, `providers show KIND --to S`,
//! and their lines in the plan. The engine does the work (`analysis`, `retarget`); a retarget
//! is planned, applied, journaled and rolled back exactly like a migration.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;
use handover_migrate_commands::plan::{Plan, PlannedNodeEdit};
use handover_migrate_commands::{Context, Result, Retarget};

use crate::{context, Global};

#[derive(Args, Clone, Debug, Default)]
pub struct SwitchTo {
    /// Migrate legacy endpoints to this Handover Provider service instead of their kind's own
    /// (a vendor switch, e.g. salesforceMIAW or genesysCloudOM); kinds without such a pair keep
    /// their own service. See `providers list` for the pairs.
    #[arg(long = "to", value_name = "SERVICE")]
    pub to: Option<String>,
}

impl SwitchTo {
    /// The command's context with `--to` applied.
    pub fn context(&self, global: &Global) -> Result<Context> {
        let mut ctx = context(global)?;
        ctx.target_service = self.to.clone();
        Ok(ctx)
    }
}

#[derive(Args, Debug)]
pub struct RetargetArgs {
    /// The provider the nodes point at now: its name or referenceId (API mode: or its id).
    #[arg(long, value_name = "PROVIDER")]
    pub from: String,
    /// The provider to point them at: an existing one (name, referenceId or id), or the name
    /// of a new one (with --to-service).
    #[arg(long, value_name = "PROVIDER")]
    pub to: String,
    /// Create the --to provider with this service; its properties come from the answers file,
    /// under [providers."<its name>"] (values.*, secrets.*, connections.*).
    #[arg(long, value_name = "SERVICE")]
    pub to_service: Option<String>,
    /// Show the plan only; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: save the plan, bound to the project state.
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub out: Option<PathBuf>,
    /// Apply a plan saved with `retarget … --dry-run --out FILE` (refused if the project changed since).
    #[arg(long, value_name = "FILE", conflicts_with = "dry_run")]
    pub plan: Option<PathBuf>,
    /// Confirm without asking (scripts, CI); without a terminal and without it, the command
    /// refuses with exit 3.
    #[arg(long)]
    pub yes: bool,
}

/// `retarget`: like `plan` with --dry-run, like `apply` without.
pub fn retarget(global: &Global, args: &RetargetArgs) -> Result<u8> {
    let mut ctx = context(global)?;
    ctx.retarget = Some(Retarget { from: args.from.clone(), to: args.to.clone(), to_service: args.to_service.clone() });
    if args.dry_run {
        let mut words = vec!["retarget", "--from", args.from.as_str(), "--to", args.to.as_str()];
        if let Some(service) = &args.to_service {
            words.extend(["--to-service", service.as_str()]);
        }
        return crate::show_plan(global, &ctx, args.out.as_deref(), &words, false);
    }
    crate::run_apply(global, &ctx, args.plan.as_deref(), false, "Re-point these nodes?")?;
    Ok(0)
}

/// The plan's first lines for a vendor switch or a retarget (empty otherwise).
pub fn plan_header(plan: &Plan) -> String {
    let mut out = String::new();
    if let Some(service) = &plan.target_service {
        let _ = writeln!(
            out,
            "Vendor switch (--to {service}): legacy kinds with a pair to `{service}` migrate to it; others keep their own service"
        );
    }
    if let Some(retarget) = &plan.retarget {
        let _ = writeln!(
            out,
            "Retarget: nodes that use provider {:?} move to {:?}{}",
            retarget.from,
            retarget.to,
            retarget.to_service.as_ref().map(|s| format!(" (a new {s} provider)")).unwrap_or_default()
        );
    }
    out
}

/// Per node of a vendor switch or retarget: what carried over, what needs a person, what
/// has no counterpart (empty for a kind's own service).
pub fn node_fields_text(edit: &PlannedNodeEdit) -> String {
    let mut out = String::new();
    if !edit.carried.is_empty() {
        let _ = writeln!(out, "      = carried over: {}", edit.carried.join(", "));
    }
    for field in edit.needs_person.iter() {
        let _ = writeln!(out, "      ! needs a person: {}: {}", field.field, field.note);
    }
    for field in edit.no_counterpart.iter() {
        let _ = writeln!(out, "      - no counterpart: {}: {}", field.field, field.note);
    }
    out
}
