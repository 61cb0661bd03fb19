//! A plan saved with `plan --out`: bound to the project state and the mode of the run it
//! was computed for, so that `apply --plan` does exactly what was reviewed or refuses.

use std::path::Path;

use handover_migrate_io::fsio;
use handover_migrate_io::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::analysis::Retarget;
use crate::plan::{self, Plan};

/// A plan saved with `plan --out`, bound to the project state it was computed from.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub plan: Plan,
    pub digest: String,
}

impl SavedPlan {
    pub fn write(plan: &Plan, path: &Path) -> Result<()> {
        /// [`SavedPlan`]'s layout, borrowing the plan.
        #[derive(serde::Serialize)]
        struct Saving<'a> {
            plan: &'a Plan,
            digest: String,
        }
        let text = fsio::to_cli_json(&Saving { plan, digest: plan.digest() }) + "\n";
        // Owner-only, also when it replaces a plan file others could read.
        if fsio::entry(path)? == fsio::Entry::File {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io("restrict", path, e))?;
        }
        fsio::write_atomic(path, text.as_bytes(), 0o600)
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

    /// Refuse, before anything is read, a plan made by another kind of run (`--to`,
    /// `retarget`) than this one.
    pub fn check_mode(&self, path: &Path, target_service: &Option<String>, retarget: Option<&Retarget>) -> Result<()> {
        let same_retarget = match (&self.plan.retarget, retarget) {
            // API mode stores referenceIds where the user may have named ids: compare loosely.
            (Some(saved), Some(now)) => saved.to_service == now.to_service,
            (saved, now) => saved.is_none() && now.is_none(),
        };
        if &self.plan.target_service != target_service || !same_retarget {
            return Err(self.other_mode(path, &describe_mode(target_service, retarget)));
        }
        Ok(())
    }

    fn other_mode(&self, path: &Path, now: &str) -> Error {
        Error::usage(format!(
            "the saved plan {} was made with {}, this run has {now}; run the same command to apply it",
            path.display(),
            describe_mode(&self.plan.target_service, self.plan.retarget.as_ref())
        ))
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
        if current.target_service != self.plan.target_service || current.retarget != self.plan.retarget {
            return Err(self.other_mode(path, &describe_mode(&current.target_service, current.retarget.as_ref())));
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

fn describe_mode(target_service: &Option<String>, retarget: Option<&Retarget>) -> String {
    match (target_service, retarget) {
        (_, Some(r)) => format!(
            "`retarget --from {:?} --to {:?}{}`",
            r.from,
            r.to,
            r.to_service.as_ref().map(|s| format!(" --to-service {s}")).unwrap_or_default()
        ),
        (Some(service), None) => format!("`--to {service}`"),
        (None, None) => "neither --to nor retarget".to_string(),
    }
}
