//! What the project still asks of a person, given the answers so far: the `answers template`
//! (every entry still needed, commented TOML) and guided mode's questions. Never a secret value.

use std::fmt::Write;

use handover_migrate_core::ManualStepKind;

use crate::analysis::{Analysis, EndpointState, Group};
use crate::answers::{entry_key, secret_env_var, toml_key, toml_string, Answers, KEEP_LEGACY};
use crate::model::Project;
use crate::plan::{self, PlannedConflict};

/// The key a group's answers go under: an entry already in the answers (any endpoint of
/// the group may key it), else the group's first endpoint.
pub fn group_key(group: &Group, answers: Option<&Answers>) -> String {
    answers
        .and_then(|a| a.providers.keys().find(|k| group.endpoints.contains(k)).cloned())
        .unwrap_or_else(|| group.anchor().to_string())
}

/// One choice of a conflict: the endpoint to follow and the provider that gives.
pub struct Choice {
    pub endpoint: String,
    pub provider: String,
}

/// A node in conflict, once for all its locales.
pub struct ConflictQuestion {
    /// The `[assign]` key: node referenceId (or `_id`).
    pub key: String,
    pub flow: String,
    pub node_id: String,
    pub label: String,
    pub locales: Vec<String>,
    pub reason: String,
    pub choices: Vec<Choice>,
}

/// The conflicts of a plan, one question per node.
pub fn conflict_questions(
    project: &Project,
    analysis: &Analysis,
    conflicts: &[PlannedConflict],
) -> Vec<ConflictQuestion> {
    let mut out: Vec<ConflictQuestion> = Vec::new();
    for conflict in conflicts {
        let key = if conflict.node_reference_id.is_empty() {
            conflict.node_id.clone()
        } else {
            conflict.node_reference_id.clone()
        };
        if let Some(existing) = out.iter_mut().find(|q| q.key == key) {
            existing.locales.push(conflict.locale.clone());
            continue;
        }
        let choices = conflict
            .endpoints
            .iter()
            .filter_map(|name| {
                let index = project.endpoints.iter().position(|e| &e.name == name)?;
                match &analysis.endpoint_states[index] {
                    EndpointState::Grouped { group, .. } => {
                        Some(Choice { endpoint: name.clone(), provider: analysis.groups[*group].name.clone() })
                    }
                    _ => None,
                }
            })
            .collect();
        out.push(ConflictQuestion {
            key,
            flow: conflict.flow.clone(),
            node_id: conflict.node_id.clone(),
            label: conflict.label.clone(),
            locales: vec![conflict.locale.clone()],
            reason: conflict.reason.clone(),
            choices,
        });
    }
    for question in &mut out {
        question.locales.sort();
        question.locales.dedup();
    }
    out
}

fn comment_lines(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "# {line}");
    }
}

/// `answers template`: every answer the project still needs (given `answers`, if any), as a
/// commented TOML file. Filling in its empty values and uncommenting one choice per
/// conflict resolves everything.
pub fn template(project: &Project, analysis: &Analysis, answers: Option<&Answers>) -> String {
    let plan = plan::build(project, analysis);
    let mut out = String::new();
    out.push_str(
        "# handover-migrate answers file.\n\
         # Fill in the empty values (\"\") and, for each conflict, uncomment one choice. Then:\n\
         #   handover-migrate apply --project DIR --answers THIS_FILE\n\
         # [providers.\"…\"] tables are keyed by an endpoint name (any endpoint of the provider).\n\
         # Uncomment `name = …` to choose a provider's name. Secrets can instead come from\n\
         # HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY> environment variables, or be typed when\n\
         # `apply` asks on a terminal; keep a file holding secrets out of version control.\n",
    );
    if answers.is_some() {
        out.push_str("# Generated with an answers file: only what it does not answer yet is listed.\n");
    }
    let _ = writeln!(out, "# Project: {}", project.root.display());
    for (_, group) in analysis.groups_in_scope() {
        let key = group_key(group, answers);
        out.push('\n');
        if let Some(existing) = group.existing {
            let _ = writeln!(
                out,
                "# Provider \"{}\" exists already ({}); endpoints {}: nothing to answer.",
                group.name,
                project.providers[existing].path,
                group.endpoints.join(", ")
            );
            continue;
        }
        let _ = writeln!(
            out,
            "# Provider \"{}\" ({} → {}), for endpoint(s) {}",
            group.name,
            group.pair.source_kind,
            group.pair.target_service,
            group.endpoints.join(", ")
        );
        let _ = writeln!(out, "[providers.{}]", toml_key(&key));
        let _ = writeln!(out, "# name = {}", toml_string(&group.name));
        for step in group.steps.iter().filter(|s| s.blocking && !s.satisfied) {
            let Some(entry) = entry_key(&step.step.kind) else { continue };
            comment_lines(&mut out, &step.step.prompt);
            if let ManualStepKind::Secret(property) = &step.step.kind {
                let _ = writeln!(out, "# (or set {})", secret_env_var(&key, property));
            }
            let _ = writeln!(out, "{entry} = \"\"");
        }
    }
    let conflicts = conflict_questions(project, analysis, &plan.conflicts);
    let orphans: Vec<&str> = analysis.orphan_flows.iter().map(|f| project.flows[*f].name.as_str()).collect();
    if !conflicts.is_empty() || !orphans.is_empty() {
        out.push_str("\n[assign]\n");
    }
    for question in &conflicts {
        let _ = writeln!(
            out,
            "\n# Conflict: flow \"{}\", node `{}` (\"{}\"), locale(s) {}:",
            question.flow,
            question.node_id,
            question.label,
            question.locales.join(", ")
        );
        comment_lines(&mut out, &question.reason);
        out.push_str("# Choose one (uncomment it):\n");
        let width = question.choices.iter().map(|c| c.endpoint.len()).max().unwrap_or(0).max(KEEP_LEGACY.len());
        for choice in &question.choices {
            let value = toml_string(&choice.endpoint);
            let _ = writeln!(
                out,
                "# {} = {value:<width$}  # → provider \"{}\"",
                toml_key(&question.key),
                choice.provider,
                width = width + 2
            );
        }
        let value = toml_string(KEEP_LEGACY);
        let _ =
            writeln!(out, "# {} = {value:<width$}  # leave it on Legacy", toml_key(&question.key), width = width + 2);
    }
    if !orphans.is_empty() {
        out.push_str(
            "\n# Optional: flows with handover nodes that no endpoint reaches stay on Legacy unless assigned\n\
             # to an endpoint whose provider they should use:\n",
        );
        for flow in orphans {
            let _ = writeln!(out, "# {} = \"<endpoint>\"", toml_key(flow));
        }
    }
    out
}

/// An answer a provider still needs: a secret, a connection or a value.
pub struct InputQuestion {
    /// The answers-table key (`[providers."<key>"]`).
    pub key: String,
    /// `secrets.apiKey`, `connections.x`, `values.x`.
    pub entry: String,
    pub provider: String,
    pub service: String,
    pub endpoints: Vec<String>,
    pub prompt: String,
    pub kind: ManualStepKind,
}

/// What guided mode asks, given the answers so far.
pub struct Questions {
    /// The project has settings no answer can fix (the plan lists them).
    pub blocked: bool,
    pub inputs: Vec<InputQuestion>,
    pub conflicts: Vec<ConflictQuestion>,
    /// Answers-table key → name of each provider this run creates (saved answers pin them).
    pub new_providers: Vec<(String, String)>,
}

/// Every question the project still raises with `answers`: provider inputs, then conflicts.
pub fn questions(project: &Project, analysis: &Analysis, answers: &Answers) -> Questions {
    let plan = plan::build(project, analysis);
    let mut inputs = Vec::new();
    let mut new_providers = Vec::new();
    for (_, group) in analysis.groups_in_scope() {
        let key = group_key(group, Some(answers));
        if group.existing.is_none() {
            new_providers.push((key.clone(), group.name.clone()));
        }
        for step in group.steps.iter().filter(|s| s.blocking && !s.satisfied) {
            let Some(entry) = entry_key(&step.step.kind) else { continue };
            inputs.push(InputQuestion {
                key: key.clone(),
                entry,
                provider: group.name.clone(),
                service: group.pair.target_service.clone(),
                endpoints: group.endpoints.clone(),
                prompt: step.step.prompt.clone(),
                kind: step.step.kind.clone(),
            });
        }
    }
    Questions {
        blocked: !plan.errors.is_empty(),
        inputs,
        conflicts: conflict_questions(project, analysis, &plan.conflicts),
        new_providers,
    }
}
