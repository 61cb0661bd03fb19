//! The answers file, written by the tool: `answers template` (every entry the project still
//! needs, commented) and guided mode's offer to save what a person chose. Neither ever
//! writes a secret value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use handover_migrate_core::ManualStepKind;
use handover_migrate_io::fsio;
use handover_migrate_io::{Error, Result};

use super::{toml_key, toml_string, Answers, KEEP_LEGACY};
use crate::analysis::{Analysis, EndpointState, Group};
use crate::model::Project;
use crate::plan::{self, PlannedConflict};

/// Where guided mode saves answers when no `--answers FILE` was given.
pub const DEFAULT_ANSWERS_FILE: &str = "handover-migrate-answers.toml";

/// The key a group's answers go under: an entry already in the answers (any endpoint of
/// the group may key it), else the group's first endpoint.
pub fn group_key(group: &Group, answers: Option<&Answers>) -> String {
    answers
        .and_then(|a| a.providers.keys().find(|k| group.endpoints.contains(k)).cloned())
        .unwrap_or_else(|| group.anchor().to_string())
}

/// `secrets.apiKey`, `connections.oAuth2Connection`, `values.x` for an input step.
pub fn entry_key(kind: &ManualStepKind) -> Option<String> {
    match kind {
        ManualStepKind::Secret(p) => Some(format!("secrets.{}", toml_key(p))),
        ManualStepKind::Connection(p) => Some(format!("connections.{}", toml_key(p))),
        ManualStepKind::Value(p) => Some(format!("values.{}", toml_key(p))),
        ManualStepKind::Confirm | ManualStepKind::Reminder => None,
    }
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
                let _ = writeln!(out, "# (or set {})", super::secret_env_var(&key, property));
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

/// What a person chose in guided mode that may be saved: never secrets.
#[derive(Debug, Default)]
pub struct Chosen {
    /// Answers-table key → provider name (pinned so that later runs agree).
    pub names: BTreeMap<String, String>,
    /// Answers-table key → (`connections.x` / `values.x` entry, value).
    pub entries: BTreeMap<String, Vec<(String, String)>>,
    /// `[assign]` key → endpoint or `legacy`.
    pub assign: BTreeMap<String, String>,
    /// Answers-table keys whose secrets were typed (for the reminder comment only).
    pub secrets_typed: BTreeSet<String>,
}

impl Chosen {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.assign.is_empty() && self.secrets_typed.is_empty()
    }
}

/// Merge `chosen` into the answers file at `path` (created if missing), keeping everything
/// already in it, comments included. Secrets are never written.
pub fn save(path: &Path, chosen: &Chosen) -> Result<()> {
    use toml_edit::{value, DocumentMut, Item, Table};
    let existing = match fsio::entry(path)? {
        fsio::Entry::Missing => None,
        _ => Some(fsio::read_text(path)?),
    };
    let mut doc: DocumentMut = match &existing {
        // The parse error may quote a line holding a secret: report the position only.
        Some(text) => text.parse().map_err(|e: toml_edit::TomlError| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1).unwrap_or(0);
            Error::usage(format!(
                "cannot add to the answers file {}: it is not valid TOML (line {line}); fix it or choose another file",
                path.display()
            ))
        })?,
        None => {
            let mut doc = DocumentMut::new();
            doc.decor_mut().set_prefix(
                "# handover-migrate answers, saved by guided `apply`. Secrets are not saved: set\n\
                 # HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY> or type them when asked.\n\n",
            );
            doc
        }
    };
    let bad = |what: &str| {
        Error::usage(format!(
            "cannot add to the answers file {}: its `{what}` is not a table; fix it or choose another file",
            path.display()
        ))
    };
    let mut keys: BTreeSet<&String> = chosen.names.keys().collect();
    keys.extend(chosen.entries.keys());
    if !keys.is_empty() {
        let providers = doc.entry("providers").or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        });
        let providers = providers.as_table_mut().ok_or_else(|| bad("providers"))?;
        for key in keys {
            let table = providers.entry(key).or_insert_with(|| Item::Table(Table::new()));
            let table = table.as_table_mut().ok_or_else(|| bad(&format!("providers.{key}")))?;
            if let Some(name) = chosen.names.get(key) {
                if !table.contains_key("name") {
                    table.insert("name", value(name.as_str()));
                }
            }
            for (entry, text) in chosen.entries.get(key).into_iter().flatten() {
                let (section, property) = entry.split_once('.').unwrap_or(("values", entry.as_str()));
                let property = property.trim_matches('"');
                let sub = table.entry(section).or_insert_with(|| {
                    let mut sub = Table::new();
                    sub.set_dotted(true);
                    Item::Table(sub)
                });
                let sub = sub.as_table_like_mut().ok_or_else(|| bad(&format!("providers.{key}.{section}")))?;
                sub.insert(property, value(text.as_str()));
            }
        }
    }
    if !chosen.assign.is_empty() {
        let assign = doc.entry("assign").or_insert_with(|| Item::Table(Table::new()));
        let assign = assign.as_table_like_mut().ok_or_else(|| bad("assign"))?;
        for (key, target) in &chosen.assign {
            assign.insert(key, value(target.as_str()));
        }
    }
    fsio::write_atomic(path, doc.to_string().as_bytes(), 0o600)
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
