//! The commands, as engine operations: each loads the project, analyses it and does one
//! job. The CLI adds flags, prompts and printing on top.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::{self, selector_key_candidates, Analysis, Options};
use crate::clone::{self, Project};
use crate::error::{Error, Result};
use crate::fsio;
use crate::journal::RunKind;
use crate::lock::Lock;
use crate::plan::{self, Plan};
use crate::registry::Registry;
use crate::run::{self, RollbackOutcome, RunOutcome, StateDir};
use crate::settings::{Answers, ProjectConfig, PROJECT_CONFIG_FILE};
use crate::verify::{self, CleanupItem, VerifyReport};

/// Everything a command needs besides its own flags.
pub struct Context {
    pub project: PathBuf,
    pub state_dir: Option<PathBuf>,
    pub selector_key: Option<String>,
    pub endpoint_filter: Vec<String>,
    pub answers: Option<PathBuf>,
    pub registry: Registry,
}

/// A loaded, analysed project.
pub struct Loaded {
    pub project: Project,
    pub analysis: Analysis,
}

impl Context {
    pub fn state(&self) -> StateDir {
        StateDir::new(self.state_dir.clone().unwrap_or_else(|| self.project.join(".handover-migrate")))
    }

    fn selector_key(&self, project: &Project) -> Result<String> {
        if let Some(key) = &self.selector_key {
            return check_selector_key(key);
        }
        if let Some(key) = ProjectConfig::load(&self.project)?.node_selector_key {
            return check_selector_key(&key);
        }
        let candidates = selector_key_candidates(project);
        let hint = if candidates.is_empty() {
            String::new()
        } else {
            format!("\nKeys on handover nodes in this project that look like it: {}", candidates.join(", "))
        };
        Err(Error::usage(format!(
            "the node selector key is not set. Cognigy's public docs do not show which Handover to Agent / Check Agent \
             Availability config key holds the chosen Handover Provider, so handover-migrate does not guess it.\n\
             To find it: in the Cognigy UI switch one node from Legacy to any provider, clone the project again and look \
             for the new key in that node's config (API mode reads it from the node descriptors).\n\
             Then pass --node-selector-key KEY, or put `node-selector-key = \"KEY\"` in {}{hint}",
            self.project.join(PROJECT_CONFIG_FILE).display()
        )))
    }

    /// Load and analyse the project.
    pub fn load(&self) -> Result<Loaded> {
        let project = clone::load(&self.project)?;
        let answers = Answers::load(self.answers.as_deref())?;
        let options =
            Options { selector_key: self.selector_key(&project)?, endpoint_filter: self.endpoint_filter.clone() };
        let analysis = analysis::analyse(&project, &self.registry, &answers, options)?;
        Ok(Loaded { project, analysis })
    }

    /// Take the project lock (creating the state directory), after checking that the
    /// project is a clone, so that nothing is ever created in a wrong directory.
    pub fn lock(&self, command: &str) -> Result<Lock> {
        clone::check_root(&self.project)?;
        let state = self.state();
        state.ensure()?;
        Lock::acquire(&state.path, command)
    }
}

fn check_selector_key(key: &str) -> Result<String> {
    if key.trim().is_empty() || key.chars().any(char::is_control) {
        return Err(Error::usage(format!("the node selector key {key:?} is not a usable config key")));
    }
    Ok(key.to_string())
}

/// A plan saved with `plan --out`, bound to the project state it was computed from.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub plan: Plan,
    pub digest: String,
}

impl SavedPlan {
    pub fn write(plan: &Plan, path: &Path) -> Result<()> {
        let saved = SavedPlan { digest: plan.digest(), plan: plan.clone() };
        let text = crate::jsonedit::to_cli_json(&saved) + "\n";
        fsio::write_atomic(path, text.as_bytes(), 0o644)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = fsio::read_text(path)?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
            Error::failed(format!(
                "the plan file {} is not a complete handover-migrate plan ({e}); it was truncated or edited. \
                 Create it again with `plan --out`",
                path.display()
            ))
        })?;
        if saved.plan.format != plan::PLAN_FORMAT {
            return Err(Error::failed(format!(
                "the plan file {} has format {:?}, this version reads {:?}; create it again with `plan --out`",
                path.display(),
                saved.plan.format,
                plan::PLAN_FORMAT
            )));
        }
        if saved.plan.digest() != saved.digest {
            return Err(Error::failed(format!(
                "the plan file {} was edited after it was saved (its digest does not match); create it again with `plan --out`",
                path.display()
            )));
        }
        Ok(saved)
    }

    /// Refuse when the project or the answers no longer give this plan.
    pub fn check_current(&self, current: &Plan, path: &Path) -> Result<()> {
        let saved = &self.plan.project_state;
        let now = &current.project_state;
        let mut changed: Vec<String> = saved
            .iter()
            .filter(|(file, hash)| now.get(*file) != Some(hash))
            .map(
                |(file, _)| {
                    if now.contains_key(file) {
                        format!("changed: {file}")
                    } else {
                        format!("removed: {file}")
                    }
                },
            )
            .collect();
        changed.extend(now.keys().filter(|f| !saved.contains_key(*f)).map(|f| format!("added: {f}")));
        if !changed.is_empty() {
            return Err(Error::failed(format!(
                "the saved plan {} is stale: the project changed since it was made:\n{}\nReview a new plan with `plan --out`",
                path.display(),
                changed.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n")
            )));
        }
        if current.selector_key != self.plan.selector_key || current.endpoint_filter != self.plan.endpoint_filter {
            return Err(Error::usage(format!(
                "the saved plan {} was made with --node-selector-key {:?} and --endpoint {:?}; pass the same",
                path.display(),
                self.plan.selector_key,
                self.plan.endpoint_filter
            )));
        }
        if current != &self.plan {
            return Err(Error::failed(format!(
                "the saved plan {} no longer matches what apply would do (the answers or the installed providers \
                 changed); review a new plan with `plan --out`",
                path.display()
            )));
        }
        Ok(())
    }
}

/// Apply: under the lock, recompute, check, and write through the journal.
pub fn apply(
    ctx: &Context,
    saved: Option<(&SavedPlan, &Path)>,
    confirm: &mut dyn FnMut(&Plan) -> Result<bool>,
) -> Result<ApplyOutcome> {
    let _lock = ctx.lock("apply")?;
    let loaded = ctx.load()?;
    let plan = plan::build(&loaded.project, &loaded.analysis);
    if let Some((saved, path)) = saved {
        saved.check_current(&plan, path)?;
    }
    plan.check_applicable()?;
    let changes = plan::file_changes(&loaded.project, &loaded.analysis)?;
    if changes.is_empty() {
        let outcome = run::execute(&ctx.project, &ctx.state(), RunKind::Apply, &plan.digest(), &changes)?;
        return Ok(ApplyOutcome { plan, run: outcome, confirmed: true });
    }
    if !confirm(&plan)? {
        return Ok(ApplyOutcome {
            plan,
            run: RunOutcome { run_id: None, resumed: false, written: vec![] },
            confirmed: false,
        });
    }
    let outcome = run::execute(&ctx.project, &ctx.state(), RunKind::Apply, &plan.digest(), &changes)?;
    Ok(ApplyOutcome { plan, run: outcome, confirmed: true })
}

#[derive(Debug, Serialize)]
pub struct ApplyOutcome {
    pub plan: Plan,
    pub run: RunOutcome,
    pub confirmed: bool,
}

pub fn verify(ctx: &Context) -> Result<VerifyReport> {
    let loaded = ctx.load()?;
    verify::verify(&loaded.project, &loaded.analysis, &ctx.registry)
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
    confirm: &mut dyn FnMut(&[CleanupItem]) -> Result<bool>,
) -> Result<CleanupOutcome> {
    let _lock = if dry_run { None } else { Some(ctx.lock("cleanup")?) };
    let loaded = ctx.load()?;
    let report = verify::verify(&loaded.project, &loaded.analysis, &ctx.registry)?;
    if !report.dangling.is_empty() || !report.provider_findings.is_empty() {
        let problems: Vec<String> =
            report.dangling.iter().chain(&report.provider_findings).map(|p| format!("  - {p}")).collect();
        return Err(Error::verify_failed(format!(
            "cleanup needs `verify` to pass first; nothing was removed:\n{}",
            problems.join("\n")
        )));
    }
    let items = verify::cleanup_items(&loaded.project, &loaded.analysis);
    let eligible: Vec<&CleanupItem> = items.iter().filter(|i| i.refused.is_none()).collect();
    if dry_run || eligible.is_empty() {
        return Ok(CleanupOutcome { items, run: None, dry_run, confirmed: false });
    }
    if !confirm(&items)? {
        return Ok(CleanupOutcome { items, run: None, dry_run, confirmed: false });
    }
    let changes =
        eligible.iter().map(|item| verify::cleanup_change(&loaded.project, item)).collect::<Result<Vec<_>>>()?;
    let digest =
        crate::fsio::sha256_hex(changes.iter().map(|c| c.path.as_str()).collect::<Vec<_>>().join("\n").as_bytes());
    let run = run::execute(&ctx.project, &ctx.state(), RunKind::Cleanup, &digest, &changes)?;
    Ok(CleanupOutcome { items, run: Some(run), dry_run, confirmed: true })
}

pub fn rollback(ctx: &Context, run_id: Option<&str>, force: bool) -> Result<RollbackOutcome> {
    let _lock = ctx.lock("rollback")?;
    run::rollback(&ctx.project, &ctx.state(), run_id, force)
}

pub fn purge(ctx: &Context) -> Result<Vec<String>> {
    let _lock = ctx.lock("purge")?;
    run::purge(&ctx.state())
}
