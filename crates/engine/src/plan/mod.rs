//! The plan: the complete, secret-free change set of a run, and the file contents that
//! realise it.
//!
//! A plan is pure data derived from the project, the answers and the options. Saved with
//! `plan --out`, it carries the SHA-256 of every project file it was computed from and a
//! digest of itself; `apply --plan` recomputes the plan and refuses when the project
//! changed (stale) or the result differs, so what is applied is exactly what was reviewed.
//!
//! `writes` turns the plan into file contents, one pending write at a time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use handover_migrate_core::secret::REDACTED;
use handover_migrate_core::{FieldNote, ManualStepKind, MigrationPair, PropertyClass};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::{missing_answers, Analysis, EndpointState, NodeSwitch, Resolution, Retarget, Selector};
use crate::answers::{assign_snippet, toml_key, KEEP_LEGACY};
use crate::clone::PROVIDERS_DIR;
use crate::model::Project;
use handover_migrate_io::fsio::sha256_hex;
use handover_migrate_io::{Error, InputNeeded, Result};

mod writes;

pub use writes::{materialize, pending_writes, provider_path, PendingWrite};

pub const PLAN_FORMAT: &str = "handover-migrate-plan/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: String,
    pub selector_key: String,
    pub endpoint_filter: Vec<String>,
    /// SHA-256 of every project file the plan was computed from.
    pub project_state: Arc<BTreeMap<String, String>>,
    pub providers: Vec<PlannedProvider>,
    pub node_edits: Vec<PlannedNodeEdit>,
    pub conflicts: Vec<PlannedConflict>,
    /// Answers apply needs before it can run (answers-file entry, what it is).
    pub missing_answers: Vec<MissingAnswer>,
    /// Input the migration cannot use (invalid settings): apply refuses.
    pub errors: Vec<String>,
    pub notices: Vec<Notice>,
    pub warnings: Vec<String>,
    /// `--to SERVICE`: the service legacy kinds with such a pair migrate to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_service: Option<String>,
    /// `retarget`: the provider nodes move from and to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retarget: Option<Retarget>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedProvider {
    pub name: String,
    pub reference_id: String,
    pub pair: MigrationPair,
    /// `create` or `reuse`.
    pub action: ProviderAction,
    pub path: String,
    pub endpoints: Vec<String>,
    pub properties: Vec<PlannedProperty>,
    pub manual_steps: Vec<PlannedStep>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedProperty {
    pub key: String,
    pub class: PropertyClass,
    /// The value, or a fixed mask for secrets, or null when still missing.
    pub value: Value,
    pub source: crate::analysis::ValueSource,
}

/// What a manual step asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Secret,
    Connection,
    Value,
    Confirm,
    Reminder,
}

impl StepKind {
    pub fn of(kind: &ManualStepKind) -> StepKind {
        match kind {
            ManualStepKind::Secret(_) => StepKind::Secret,
            ManualStepKind::Connection(_) => StepKind::Connection,
            ManualStepKind::Value(_) => StepKind::Value,
            ManualStepKind::Confirm => StepKind::Confirm,
            ManualStepKind::Reminder => StepKind::Reminder,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Secret => "secret",
            StepKind::Connection => "connection",
            StepKind::Value => "value",
            StepKind::Confirm => "confirm",
            StepKind::Reminder => "reminder",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedStep {
    pub key: String,
    pub kind: StepKind,
    pub prompt: String,
    pub blocking: bool,
    pub satisfied: bool,
    /// The answers-file entry that answers it: `[providers."X"]` and `secrets.apiKey = ""`
    /// on two lines (valid TOML as printed).
    pub answers_entry: Option<String>,
    /// A secret: the environment variable that can supply it instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_var: Option<String>,
}

/// One node switch. A large project has tens of thousands, mostly alike: values they
/// repeat (names, paths, endpoint lists, the changes themselves) are shared (`Arc`), so the
/// plan costs little more per node than its ids and label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedNodeEdit {
    pub flow: Arc<str>,
    pub locale: Arc<str>,
    pub path: Arc<str>,
    pub node_id: Arc<str>,
    pub node_reference_id: Arc<str>,
    pub node_type: Arc<str>,
    pub label: Arc<str>,
    pub provider: Arc<str>,
    pub endpoints: Arc<[String]>,
    pub changes: Arc<[FieldChange]>,
    /// Vendor switches and retargets: the source's node fields this node sets that carry
    /// over as they are.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub carried: Arc<[String]>,
    /// Fields a person must fill in by hand once the node points at the new provider.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub needs_person: Arc<[FieldNote]>,
    /// Fields the new provider has no counterpart for (left in the node, unused).
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub no_counterpart: Arc<[FieldNote]>,
}

/// The shared parts of the node edits of one switch to one provider.
#[derive(Clone)]
struct SharedEdit {
    provider: Arc<str>,
    changes: Arc<[FieldChange]>,
    carried: Arc<[String]>,
    needs_person: Arc<[FieldNote]>,
    no_counterpart: Arc<[FieldNote]>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub key: String,
    pub before: Option<Value>,
    pub after: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedConflict {
    pub flow: String,
    pub locale: String,
    pub node_id: String,
    pub node_reference_id: String,
    pub label: String,
    pub endpoints: Vec<String>,
    pub reason: String,
    /// Answers-file entries that resolve it (pick one): `[assign]` and `<node> = "<endpoint>"`
    /// on two lines (valid TOML as printed).
    pub resolve_with: Vec<String>,
    /// The entry that assigns the whole flow instead (its endpoint to fill in).
    #[serde(default)]
    pub resolve_flow_with: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MissingAnswer {
    /// `[providers."X"]` and `secrets.apiKey = ""` on two lines (valid TOML as printed).
    pub entry: String,
    pub prompt: String,
    /// A secret: the environment variable that can supply it instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_var: Option<String>,
}

/// What a notice is about: something the plan reports and leaves as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    // In the order of their names, as the plan has always listed them.
    DanglingSelector,
    InvalidSettings,
    KeptLegacy,
    NoHandover,
    NoSwitchPair,
    OrphanEndpoint,
    OrphanFlow,
    OutOfScope,
    TypeNotSupported,
    UnsupportedKind,
}

impl NoticeKind {
    /// The heading a renderer shows over notices of this kind (one place, so the terminal
    /// and the reports say the same).
    pub fn title(self) -> &'static str {
        match self {
            NoticeKind::OrphanFlow => "Orphan flows (no endpoint reaches them)",
            NoticeKind::OrphanEndpoint => "Orphan endpoints",
            NoticeKind::OutOfScope => "Out of scope (reported, not touched)",
            NoticeKind::UnsupportedKind => "Unsupported kinds",
            NoticeKind::InvalidSettings => "Invalid settings outside this run",
            NoticeKind::DanglingSelector => "Nodes pointing at missing providers",
            NoticeKind::KeptLegacy => "Kept on Legacy",
            NoticeKind::NoHandover => "Nodes without a handover endpoint",
            NoticeKind::TypeNotSupported => "Node types the provider does not support",
            NoticeKind::NoSwitchPair => "Endpoints --to does not switch (no such pair)",
        }
    }
}

/// Whether a provider is created or an existing one reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderAction {
    Create,
    Reuse,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub subject: String,
    pub message: String,
}

impl Plan {
    /// Nothing stops apply.
    pub fn is_applicable(&self) -> bool {
        self.conflicts.is_empty() && self.missing_answers.is_empty() && self.errors.is_empty()
    }

    pub fn has_changes(&self) -> bool {
        !self.node_edits.is_empty() || self.providers.iter().any(|p| p.action == ProviderAction::Create)
    }

    /// SHA-256 of the plan's canonical JSON.
    pub fn digest(&self) -> String {
        handover_migrate_io::fsio::sha256_json(self)
    }

    /// The conflicts once per node (a node has one conflict per locale; one answer
    /// resolves them all), with the locales they occur in.
    pub fn conflicts_by_node(&self) -> Vec<(&PlannedConflict, Vec<&str>)> {
        let mut out: Vec<(&PlannedConflict, Vec<&str>)> = Vec::new();
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for conflict in &self.conflicts {
            let key = (conflict.flow.as_str(), conflict.node_reference_id.as_str());
            let key = if conflict.node_reference_id.is_empty() {
                (conflict.flow.as_str(), conflict.node_id.as_str())
            } else {
                key
            };
            match seen.get(&key) {
                Some(&index) => out[index].1.push(&conflict.locale),
                None => {
                    seen.insert(key, out.len());
                    out.push((conflict, vec![&conflict.locale]));
                }
            }
        }
        out
    }

    /// Everything apply still needs, for machines (the `input_needed` list of exit 3).
    pub fn input_needed(&self) -> Vec<InputNeeded> {
        let mut out: Vec<InputNeeded> = self
            .providers
            .iter()
            .flat_map(|p| p.manual_steps.iter().map(move |s| (p, s)))
            .filter(|(_, s)| s.blocking && !s.satisfied && s.answers_entry.is_some())
            .map(|(provider, step)| InputNeeded {
                what: step.kind.as_str().to_string(),
                location: format!("provider \"{}\" ({})", provider.name, step.key),
                prompt: step.prompt.clone(),
                answers_entry: step.answers_entry.clone(),
                env_var: step.env_var.clone(),
                flag: None,
            })
            .collect();
        for (conflict, locales) in self.conflicts_by_node() {
            out.push(InputNeeded {
                what: "conflict".into(),
                location: format!(
                    "flow \"{}\", node `{}` (\"{}\"), locale(s) {}",
                    conflict.flow,
                    conflict.node_id,
                    conflict.label,
                    locales.join(", ")
                ),
                prompt: format!("{}; choose the endpoint whose provider it uses, or \"legacy\"", conflict.reason),
                answers_entry: conflict.resolve_with.first().cloned(),
                env_var: None,
                flag: None,
            });
        }
        out
    }

    /// The entries to add to the answers file, grouped under their tables: valid TOML as
    /// printed (each conflict's line holds its first choice, the others in a comment).
    pub fn answers_block(&self) -> String {
        let mut tables: Vec<(String, Vec<String>)> = Vec::new();
        let mut add = |snippet: &str, comment: String| {
            let (header, line) = snippet.split_once('\n').unwrap_or(("", snippet));
            let line = if comment.is_empty() { line.to_string() } else { format!("{line}  # {comment}") };
            match tables.iter_mut().find(|(h, _)| h == header) {
                Some((_, lines)) => lines.push(line),
                None => tables.push((header.to_string(), vec![line])),
            }
        };
        for missing in &self.missing_answers {
            let comment = missing.env_var.as_ref().map(|v| format!("or set {v}")).unwrap_or_default();
            add(&missing.entry, comment);
        }
        for (conflict, _) in self.conflicts_by_node() {
            let Some(first) = conflict.resolve_with.first() else { continue };
            let choices: Vec<&str> =
                conflict.resolve_with.iter().filter_map(|s| s.split_once(" = ").map(|(_, value)| value)).collect();
            add(first, format!("flow \"{}\", \"{}\": one of {}", conflict.flow, conflict.label, choices.join(", ")));
        }
        let mut out = String::new();
        for (header, lines) in tables {
            out.push_str(&header);
            out.push('\n');
            for line in lines {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// Refuse with the exact reason when apply cannot run.
    pub fn check_applicable(&self) -> Result<()> {
        if !self.errors.is_empty() {
            return Err(Error::failed(format!(
                "the project has input apply cannot use; nothing was written:\n{}",
                self.errors.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n")
            )));
        }
        let mut lines = Vec::new();
        for (conflict, locales) in self.conflicts_by_node() {
            lines.push(format!(
                "  - conflict: flow \"{}\", node `{}` (\"{}\", locale(s) {}): {}",
                conflict.flow,
                conflict.node_id,
                conflict.label,
                locales.join(", "),
                conflict.reason,
            ));
        }
        for missing in &self.missing_answers {
            lines.push(format!("  - {}", missing.prompt));
        }
        if lines.is_empty() {
            return Ok(());
        }
        let block: String = self.answers_block().lines().map(|l| format!("    {l}\n")).collect();
        Err(Error::needs(
            format!(
                "apply needs answers first; nothing was written:\n{}\nAdd to the answers file and pass it with \
                 --answers FILE (`handover-migrate answers template --out FILE` writes one with every entry explained; \
                 on a terminal, `apply` asks instead):\n{block}",
                lines.join("\n")
            ),
            self.input_needed(),
        ))
    }
}

/// Prefix of a project-state entry bound by a file's secret-free form.
pub const MASKED_PREFIX: &str = "masked:";

/// The project state a plan is bound to: each file's SHA-256, except for the files of a
/// clone that hold secrets (endpoints, provider files), which are bound by the SHA-256 of
/// their secret-free form (every secret value the analysis knows replaced by a mask): a
/// saved plan must not let anyone test guesses of a secret offline, and a plan made on a
/// laptop still applies in CI. (A tenant's answers already come with secrets masked.)
fn secret_free_state(project: &Project) -> std::sync::Arc<std::collections::BTreeMap<String, String>> {
    let holds_secrets = |path: &str| {
        path.starts_with(&format!("{}/", crate::clone::ENDPOINTS_DIR))
            || path.starts_with(&format!("{}/", crate::clone::PROVIDERS_DIR))
    };
    if !project.root.is_dir() || !project.fingerprint.keys().any(|p| holds_secrets(p)) {
        return project.fingerprint.clone();
    }
    let masked = |path: &str| match project.read_unchanged(path) {
        Ok(text) => {
            format!("{MASKED_PREFIX}{}", sha256_hex(handover_migrate_core::secret::redact(&text).as_bytes()))
        }
        // Changed since it was read: a state no saved plan matches.
        Err(_) => format!("{MASKED_PREFIX}changed"),
    };
    // One read of each such file again (thousands of endpoints): on every core.
    let secret_files: Vec<&str> = project.fingerprint.keys().map(String::as_str).filter(|p| holds_secrets(p)).collect();
    let mut masked = crate::clone::parallel_map(&secret_files, |path| masked(path)).into_iter();
    std::sync::Arc::new(
        project
            .fingerprint
            .iter()
            .map(|(path, hash)| {
                let state = if holds_secrets(path) { masked.next().unwrap_or_default() } else { hash.clone() };
                (path.clone(), state)
            })
            .collect(),
    )
}

/// Build the plan from an analysis.
pub fn build(project: &Project, analysis: &Analysis) -> Plan {
    let mut plan = Plan {
        format: PLAN_FORMAT.to_string(),
        selector_key: analysis.options.selector_key.clone(),
        endpoint_filter: analysis.options.endpoint_filter.names().to_vec(),
        project_state: secret_free_state(project),
        providers: Vec::new(),
        node_edits: Vec::new(),
        conflicts: Vec::new(),
        missing_answers: missing_answers(analysis)
            .into_iter()
            .map(|step| MissingAnswer {
                entry: step.answers_entry.clone().unwrap_or_default(),
                prompt: step.step.prompt.clone(),
                env_var: step.env_var.clone(),
            })
            .collect(),
        errors: Vec::new(),
        notices: Vec::new(),
        warnings: analysis.warnings.clone(),
        target_service: analysis.options.target_service.clone(),
        retarget: analysis.options.retarget.clone(),
    };
    for (_, group) in analysis.groups_in_scope() {
        plan.providers.push(PlannedProvider {
            name: group.name.clone(),
            reference_id: group.reference_id.clone(),
            pair: group.pair.clone(),
            action: if group.existing.is_some() { ProviderAction::Reuse } else { ProviderAction::Create },
            path: match group.existing {
                Some(existing) => project.providers[existing].path.clone(),
                None => provider_path(&group.name),
            },
            endpoints: group.endpoints.clone(),
            properties: group
                .properties
                .iter()
                .map(|p| PlannedProperty {
                    key: p.key.clone(),
                    class: p.class,
                    value: match (&p.value, p.class) {
                        (None, _) => Value::Null,
                        (Some(_), PropertyClass::Secret) => Value::String(REDACTED.to_string()),
                        (Some(value), _) => value.clone(),
                    },
                    source: p.source,
                })
                .collect(),
            manual_steps: group
                .steps
                .iter()
                .map(|s| PlannedStep {
                    key: s.step.key.clone(),
                    kind: StepKind::of(&s.step.kind),
                    prompt: s.step.prompt.clone(),
                    blocking: s.blocking,
                    satisfied: s.satisfied,
                    answers_entry: s.answers_entry.clone(),
                    env_var: s.env_var.clone(),
                })
                .collect(),
            notes: group.draft.notes.clone(),
        });
        plan.errors.extend(group.problems.iter().map(|p| format!("answers file: {p}")));
    }
    for (index, state) in analysis.endpoint_states.iter().enumerate() {
        let endpoint = &project.endpoints[index];
        match state {
            EndpointState::Invalid { kind, issues } => {
                for issue in issues {
                    let message = format!(
                        "{} (endpoint \"{}\", {kind}): providerSettings.{}: {}",
                        endpoint.path, endpoint.name, issue.field, issue.message
                    );
                    if analysis.in_filter(&endpoint.name) {
                        plan.errors.push(message);
                    } else {
                        plan.notices.push(notice(NoticeKind::InvalidSettings, &endpoint.name, message));
                    }
                }
            }
            EndpointState::Unsupported { kind } => plan.notices.push(notice(
                NoticeKind::UnsupportedKind,
                &endpoint.name,
                format!(
                    "endpoint \"{}\" uses legacy kind `{kind}`, which no installed provider supports; its nodes stay Legacy \
                     and it is never cleaned up. Install a plugin for `{kind}` to migrate it",
                    endpoint.name
                ),
            )),
            EndpointState::Grouped { group, .. } => {
                let pair = &analysis.groups[*group].pair;
                let wanted = analysis.options.target_service.as_ref().filter(|s| **s != pair.target_service);
                if let (Some(service), true) = (wanted, analysis.in_filter(&endpoint.name)) {
                    plan.notices.push(notice(
                        NoticeKind::NoSwitchPair,
                        &endpoint.name,
                        format!(
                            "endpoint \"{}\" ({}): no installed provider migrates `{}` to `{service}`, so it migrates \
                             to `{}` as usual (name the endpoints to switch with --endpoint to leave it out of this run)",
                            endpoint.name, pair.source_kind, pair.source_kind, pair.target_service
                        ),
                    ));
                }
            }
            EndpointState::NoHandover => {}
        }
    }
    for &index in &analysis.orphan_endpoints {
        let endpoint = &project.endpoints[index];
        plan.notices.push(notice(
            NoticeKind::OrphanEndpoint,
            &endpoint.name,
            format!(
                "endpoint \"{}\" points at flow `{}`, which is not in the project",
                endpoint.name, endpoint.flow_id
            ),
        ));
    }
    for &flow in &analysis.orphan_flows {
        let name = &project.flows[flow].name;
        plan.notices.push(notice(
            NoticeKind::OrphanFlow,
            name,
            format!(
                "flow \"{name}\" has handover nodes but no endpoint reaches it; its nodes stay Legacy unless assigned \
                 in the answers file's [assign] table: {} = \"<endpoint>\"",
                toml_key(name)
            ),
        ));
    }
    for item in &analysis.out_of_scope {
        plan.notices.push(notice(
            NoticeKind::OutOfScope,
            &item.flow,
            format!(
                "flow \"{}\", {} node `{}` (\"{}\"): {}",
                item.flow, item.node_type, item.node_id, item.label, item.reason
            ),
        ));
    }
    let mut strings: HashSet<Arc<str>> = HashSet::new();
    let mut share = |text: &str| -> Arc<str> {
        if let Some(shared) = strings.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        strings.insert(Arc::clone(&shared));
        shared
    };
    let mut endpoint_lists: HashMap<usize, Arc<[String]>> = HashMap::new();
    let mut shared_edits: HashMap<(usize, *const NodeSwitch), SharedEdit> = HashMap::new();
    plan.node_edits
        .reserve_exact(analysis.nodes.iter().filter(|n| matches!(n.resolution, Resolution::Migrate { .. })).count());
    for handover in &analysis.nodes {
        let flow = &project.flows[handover.flow];
        let chart = &flow.charts[handover.chart];
        let node = analysis.node(project, handover);
        let locale = &project.locales[chart.locale].name;
        let endpoint_names = || -> Vec<String> {
            analysis.endpoints_of(handover).iter().map(|e| project.endpoints[*e].name.clone()).collect()
        };
        let subject = format!("{} / {locale} / {}", flow.name, node.id);
        match &handover.resolution {
            Resolution::Migrate { group, switch, .. } => {
                let shared = shared_edits.entry((*group, Arc::as_ptr(switch))).or_insert_with(|| {
                    let NodeSwitch { rewrite, carried, current } = &**switch;
                    let group = &analysis.groups[*group];
                    let changes = std::iter::once(FieldChange {
                        key: plan.selector_key.clone(),
                        before: current.get(&plan.selector_key).cloned(),
                        after: Value::String(group.reference_id.clone()),
                    })
                    .chain(rewrite.set.iter().map(|(key, value)| FieldChange {
                        key: key.clone(),
                        before: current.get(key).cloned(),
                        after: value.clone(),
                    }))
                    .collect();
                    SharedEdit {
                        provider: Arc::from(group.name.as_str()),
                        changes,
                        carried: Arc::from(carried.as_slice()),
                        needs_person: Arc::from(rewrite.needs_person.as_slice()),
                        no_counterpart: Arc::from(rewrite.no_counterpart.as_slice()),
                    }
                });
                let SharedEdit { provider, changes, carried, needs_person, no_counterpart } = shared.clone();
                plan.node_edits.push(PlannedNodeEdit {
                    flow: share(&flow.name),
                    locale: share(locale),
                    path: share(&chart.path),
                    node_id: node.id.clone(),
                    node_reference_id: node.reference_id.clone(),
                    node_type: share(&node.node_type),
                    label: node.label.clone(),
                    provider,
                    endpoints: Arc::clone(
                        endpoint_lists.entry(handover.flow).or_insert_with(|| Arc::from(endpoint_names())),
                    ),
                    changes,
                    carried,
                    needs_person,
                    no_counterpart,
                });
            }
            Resolution::Conflict { reason } => {
                // The key `[assign]` takes: the node's referenceId, else its `_id`.
                let assign_key = if node.reference_id.is_empty() { &*node.id } else { &*node.reference_id };
                let mut resolve_with: Vec<String> = analysis
                    .endpoints_of(handover)
                    .iter()
                    .filter(|e| matches!(analysis.endpoint_states[**e], EndpointState::Grouped { .. }))
                    .map(|e| assign_snippet(assign_key, &project.endpoints[*e].name))
                    .collect();
                resolve_with.push(assign_snippet(assign_key, KEEP_LEGACY));
                plan.conflicts.push(PlannedConflict {
                    flow: flow.name.clone(),
                    locale: locale.clone(),
                    node_id: node.id.to_string(),
                    node_reference_id: node.reference_id.to_string(),
                    label: node.label.to_string(),
                    endpoints: endpoint_names(),
                    reason: reason.clone(),
                    resolve_with,
                    resolve_flow_with: assign_snippet(&flow.name, "<endpoint>"),
                });
            }
            Resolution::AlreadySwitched { provider: None } => {
                let Selector::Provider(reference) = &handover.selector else { continue };
                plan.notices.push(notice(
                    NoticeKind::DanglingSelector,
                    &subject,
                    format!(
                        "flow \"{}\", locale {locale}, node `{}` points at provider `{reference}`, which is not in {PROVIDERS_DIR}/",
                        flow.name, node.id
                    ),
                ));
            }
            Resolution::AlreadySwitched { provider: Some(_) } | Resolution::OutOfScope | Resolution::Orphan => {}
            Resolution::KeptLegacy => plan.notices.push(notice(
                NoticeKind::KeptLegacy,
                &subject,
                format!("flow \"{}\", locale {locale}, node `{}` stays Legacy (answers file)", flow.name, node.id),
            )),
            Resolution::NoHandover => plan.notices.push(notice(
                NoticeKind::NoHandover,
                &subject,
                format!(
                    "flow \"{}\", locale {locale}, node `{}` is reached only from endpoints without handover settings; left as it is",
                    flow.name, node.id
                ),
            )),
            Resolution::TypeNotSupported { services } => plan.notices.push(notice(
                NoticeKind::TypeNotSupported,
                &subject,
                format!(
                    "flow \"{}\", locale {locale}, {} node `{}`: {} do(es) not support this node type; left as it is",
                    flow.name,
                    node.node_type,
                    node.id,
                    services.join(", ")
                ),
            )),
            Resolution::Unsupported { kinds } => plan.notices.push(notice(
                NoticeKind::UnsupportedKind,
                &subject,
                format!(
                    "flow \"{}\", locale {locale}, node `{}` stays Legacy: reached from {}",
                    flow.name,
                    node.id,
                    kinds.join(", ")
                ),
            )),
        }
    }
    plan.notices.sort();
    plan.notices.dedup();
    plan
}

fn notice(kind: NoticeKind, subject: &str, message: String) -> Notice {
    Notice { kind, subject: subject.to_string(), message }
}
