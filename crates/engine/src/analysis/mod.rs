//! Discovery and attribution: which endpoints have legacy settings, which providers they
//! become, and which Handover to Agent / Check Agent Availability node belongs to which.
//!
//! *Legacy* means "the provider of the endpoint the conversation came in through", so a
//! node belongs to every endpoint whose flow reaches the node's flow (directly via
//! `endpoint.flowId`, or through Execute Flow / Go To). A node reached from endpoints that
//! would give it different providers or different node defaults is a conflict: it is
//! never guessed, only answered.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::hash::Hasher;
use std::sync::Arc;

pub mod retarget;

use handover_migrate_core::secret::looks_masked;
use handover_migrate_core::validate::is_unset;
use handover_migrate_core::{
    DraftValue, FieldOutcome, HandoverNodeType, ManualStep, ManualStepKind, ManualStepsRequest, MapSettingsRequest,
    MigrationPair, NodeRewrite, NodeRewriteRequest, Object, PairInfo, PropertyClass, ProviderDraft, SettingsIssue,
    Severity, VerifyRequest,
};
use serde_json::Value;

use crate::answers::{secret_env_var, Answers, Secret, KEEP_LEGACY};
use crate::clone::{Chart, Handover, Node, Project};
use crate::names::{check_provider_name, derive_provider_name, unique_name};
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::registry::Registry;

/// How the run is scoped.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Node config key holding the selected provider.
    pub selector_key: String,
    /// Limit changes to these endpoints (attribution still uses the whole project).
    pub endpoint_filter: Vec<String>,
    /// `--to SERVICE`: endpoints whose legacy kind has a pair to this service migrate to it
    /// (a vendor switch); the others keep their kind's own service.
    pub target_service: Option<String>,
    /// `retarget`: re-point the nodes of one Handover Provider to another instead of
    /// migrating legacy endpoints.
    pub retarget: Option<Retarget>,
}

/// `retarget --from A --to B [--to-service S]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retarget {
    /// The provider the nodes point at now: its name or referenceId (API mode: or `_id`).
    pub from: String,
    /// The provider they move to: an existing one (name, referenceId or `_id`), or the name
    /// of a new one.
    pub to: String,
    /// The service of a new provider (its properties come from the answers file, under
    /// `[providers."<to>"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_service: Option<String>,
}

/// What an endpoint is, migration-wise.
#[derive(Debug, Clone)]
pub enum EndpointState {
    /// No legacy settings (`none`, `cognigy`, absent).
    NoHandover,
    /// A legacy kind no provider knows.
    Unsupported { kind: String },
    /// Settings a provider rejected.
    Invalid { kind: String, issues: Vec<SettingsIssue> },
    /// Member of [`Analysis::groups`].
    Grouped { group: usize, defaults: Object },
}

/// One new (or reused) Handover Provider and the endpoints behind it.
#[derive(Debug)]
pub struct Group {
    pub pair: MigrationPair,
    pub info: PairInfo,
    /// Endpoint names, sorted; the first is the anchor that answers are keyed by.
    pub endpoints: Vec<String>,
    pub draft: ProviderDraft,
    pub name: String,
    pub reference_id: String,
    /// Index of an existing provider file this group reuses.
    pub existing: Option<usize>,
    /// Properties in draft order; `None` where an answer is still missing.
    pub properties: Vec<ResolvedProperty>,
    pub steps: Vec<ResolvedStep>,
    /// True when a secret was masked and so the endpoint could not be compared with others.
    pub masked: bool,
    /// Reuses an existing provider whose secrets the API returned masked (not compared).
    pub reused_unverified: bool,
    /// What the provider's own checks say about answered values (apply refuses).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ResolvedProperty {
    pub key: String,
    pub class: PropertyClass,
    pub value: Option<Value>,
    pub source: ValueSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    Endpoint,
    Answers,
    Environment,
    Missing,
}

#[derive(Debug, Clone)]
pub struct ResolvedStep {
    pub step: ManualStep,
    /// Blocks apply until answered.
    pub blocking: bool,
    pub satisfied: bool,
    /// The answers-file entry that satisfies it (`[providers."X"] secrets.apiKey`).
    pub answers_entry: Option<String>,
}

impl Group {
    pub fn anchor(&self) -> &str {
        &self.endpoints[0]
    }

    pub fn is_complete(&self) -> bool {
        self.properties.iter().all(|p| p.value.is_some())
    }

    /// `{key: value}` of the complete property list.
    pub fn property_map(&self) -> Option<Object> {
        self.properties.iter().map(|p| p.value.clone().map(|v| (p.key.clone(), v))).collect()
    }
}

/// The provider selector of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    Legacy,
    Provider(String),
}

/// What happens to one node instance (a node in the chart of its own locale).
#[derive(Debug, Clone)]
pub enum Resolution {
    /// Switched to group's provider, with this endpoint's defaults (`None`: a retarget).
    Migrate {
        group: usize,
        endpoint: Option<usize>,
        switch: Arc<NodeSwitch>,
    },
    /// Already points at a provider (file index, `None` if no such provider exists).
    AlreadySwitched {
        provider: Option<usize>,
    },
    Conflict {
        reason: String,
    },
    /// An answer keeps it on Legacy.
    KeptLegacy,
    /// No endpoint reaches its flow.
    Orphan,
    /// Reached only from endpoints without handover settings.
    NoHandover,
    /// Reached from endpoints whose kind no provider supports (or whose settings are invalid).
    Unsupported {
        kinds: Vec<String>,
    },
    /// Outside `--endpoint`.
    OutOfScope,
    /// The endpoints' target services do not support this node type (e.g. Check Agent
    /// Availability with RingCentral Engage): Legacy never worked for it; left as it is.
    TypeNotSupported {
        services: Vec<String>,
    },
}

/// What a switch does to one node. Nodes copied between flows switch identically, so
/// equal switches are shared ([`Interner`]): the analysis of a large project stays an index.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NodeSwitch {
    pub rewrite: NodeRewrite,
    /// Vendor switches and retargets: the source's node fields the node sets that the
    /// target reads as they are (the rewrite lists the others).
    pub carried: Vec<String>,
    /// The node's current values of the fields the switch sets (the plan's "before").
    pub current: Object,
}

impl NodeSwitch {
    pub(crate) fn new(config: &Object, selector_key: &str, rewrite: NodeRewrite, carried: Vec<String>) -> NodeSwitch {
        let current = std::iter::once(selector_key)
            .chain(rewrite.set.keys().map(String::as_str))
            .filter_map(|key| config.get(key).map(|value| (key.to_string(), value.clone())))
            .collect();
        NodeSwitch { rewrite, carried, current }
    }
}

/// Shares equal values: one allocation per distinct value, however many nodes hold it.
pub(crate) struct Interner<T> {
    by_hash: HashMap<u64, Vec<Arc<T>>>,
}

impl<T: serde::Serialize + PartialEq> Interner<T> {
    pub fn new() -> Self {
        Interner { by_hash: HashMap::new() }
    }

    pub fn intern(&mut self, value: T) -> Arc<T> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        // Plain data always serializes; a failure would only cost sharing, not correctness.
        let _ = handover_migrate_io::fsio::feed_json(&value, |bytes| hasher.write(bytes));
        let bucket = self.by_hash.entry(hasher.finish()).or_default();
        if let Some(found) = bucket.iter().find(|known| ***known == value) {
            return Arc::clone(found);
        }
        let shared = Arc::new(value);
        bucket.push(Arc::clone(&shared));
        shared
    }
}

#[derive(Debug, Clone)]
pub struct HandoverNode {
    pub flow: usize,
    pub chart: usize,
    pub node: usize,
    pub node_type: HandoverNodeType,
    pub selector: Selector,
    pub resolution: Resolution,
}

/// A node the migration reports but never touches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutOfScope {
    pub flow: String,
    pub node_id: String,
    pub node_type: String,
    pub label: String,
    pub reason: String,
}

#[derive(Debug)]
pub struct Analysis {
    pub options: Options,
    pub endpoint_states: Vec<EndpointState>,
    pub groups: Vec<Group>,
    pub nodes: Vec<HandoverNode>,
    pub out_of_scope: Vec<OutOfScope>,
    /// Flows no endpoint reaches.
    pub orphan_flows: Vec<usize>,
    /// Endpoints whose `flowId` matches no flow.
    pub orphan_endpoints: Vec<usize>,
    /// Per flow, the endpoints that reach it.
    pub flow_endpoints: Vec<Vec<usize>>,
    pub warnings: Vec<String>,
}

impl Analysis {
    pub fn node<'p>(&self, project: &'p Project, node: &HandoverNode) -> &'p Node {
        &project.flows[node.flow].charts[node.chart].nodes[node.node]
    }

    /// Endpoint indices whose flows reach the node's flow.
    pub fn endpoints_of(&self, node: &HandoverNode) -> &[usize] {
        &self.flow_endpoints[node.flow]
    }

    pub fn in_filter(&self, endpoint: &str) -> bool {
        self.options.endpoint_filter.is_empty() || self.options.endpoint_filter.iter().any(|e| e == endpoint)
    }

    /// Whether `node` still depends, through Legacy, on `endpoint`'s legacy settings.
    pub fn depends_on(&self, node: &HandoverNode, endpoint: usize) -> bool {
        node.selector == Selector::Legacy
            && self.endpoints_of(node).contains(&endpoint)
            && match &self.endpoint_states[endpoint] {
                EndpointState::Grouped { group, .. } => self.groups[*group].info.node_types.contains(&node.node_type),
                EndpointState::NoHandover => false,
                _ => true,
            }
    }

    /// Groups the run creates or reuses (those with an endpoint inside the filter, and a
    /// retarget's target, which has no endpoint).
    pub fn groups_in_scope(&self) -> impl Iterator<Item = (usize, &Group)> {
        self.groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.endpoints.is_empty() || g.endpoints.iter().any(|e| self.in_filter(e)))
    }
}

/// Analyse a loaded project.
pub fn analyse(project: &Project, registry: &Registry, answers: &Answers, options: Options) -> Result<Analysis> {
    for name in &options.endpoint_filter {
        if project.endpoint(name).is_none() {
            let known: Vec<&str> = project.endpoints.iter().map(|e| e.name.as_str()).collect();
            return Err(Error::usage(format!(
                "--endpoint {name:?}: no such endpoint (endpoints: {})",
                known.join(", ")
            )));
        }
    }
    if let Some(service) = &options.target_service {
        check_target_service(project, registry, &options, service)?;
    }
    if options.retarget.is_some() {
        return retarget::analyse(project, registry, answers, options);
    }
    let (endpoint_states, mut groups) = group_endpoints(project, registry, answers, &options)?;
    resolve_groups(project, registry, answers, &mut groups)?;
    let (flow_endpoints, orphan_endpoints, warnings) = attribute_flows(project);
    let orphan_flows =
        (0..project.flows.len()).filter(|f| flow_endpoints[*f].is_empty() && has_handover_nodes(project, *f)).collect();
    let mut analysis = Analysis {
        options,
        endpoint_states,
        groups,
        nodes: Vec::new(),
        out_of_scope: find_out_of_scope(project),
        orphan_flows,
        orphan_endpoints,
        flow_endpoints,
        warnings: Vec::new(),
    };
    analysis.nodes = resolve_nodes(project, registry, answers, &analysis)?;
    finish_warnings(project, &mut analysis, warnings);
    Ok(analysis)
}

/// The pairs' warnings, reuse and snapshot notes, after the attribution warnings. Also the
/// last step of every analysis: the secrets it resolved are remembered for redaction.
pub(crate) fn finish_warnings(project: &Project, analysis: &mut Analysis, mut warnings: Vec<String>) {
    remember_secrets(&analysis.groups);
    for group in &analysis.groups {
        warnings
            .extend(group.info.warnings.iter().map(|w| format!("{} ({}): {w}", group.name, group.pair.source_kind)));
        if group.reused_unverified {
            warnings.push(format!(
                "provider \"{}\" is reused: it matches on every property, but the API returns its secrets masked, so they \
                 could not be compared; check them in Cognigy",
                group.name
            ));
        }
    }
    for endpoint in project.endpoints.iter().filter(|e| e.snapshot_pinned) {
        warnings.push(format!(
            "endpoint \"{}\" runs a snapshot (entrypoint `{}`), not the project: switching the project's flows does not \
             change what it runs, and cleaning it up would break its live handover. After the migration, create a new \
             snapshot and point the endpoint at it; cleanup skips it unless --force",
            endpoint.name, endpoint.entrypoint
        ));
    }
    warnings.dedup();
    analysis.warnings = warnings;
}

/// `--to SERVICE` must name a pair for at least one selected endpoint's legacy kind.
fn check_target_service(project: &Project, registry: &Registry, options: &Options, service: &str) -> Result<()> {
    let kinds: BTreeSet<&str> = project
        .endpoints
        .iter()
        .filter(|e| options.endpoint_filter.is_empty() || options.endpoint_filter.contains(&e.name))
        .filter_map(|e| match &e.handover {
            Handover::Legacy { kind, .. } => Some(kind.as_str()),
            _ => None,
        })
        .collect();
    if kinds.iter().any(|kind| registry.find(&MigrationPair::new(*kind, service)).is_some()) {
        return Ok(());
    }
    let what = if kinds.is_empty() {
        "any legacy endpoint of this run (none has legacy handover settings)".to_string()
    } else {
        let list: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
        format!("legacy kind{} {}", if kinds.len() == 1 { "" } else { "s" }, list.join(", "))
    };
    Err(Error::usage(format!(
        "--to {service}: no installed provider migrates {what} to `{service}`. Supported pairs (legacy kind → \
         service): {}. A plugin can add a pair (see docs/writing-a-plugin.md)",
        registry.pairs_list()
    )))
}

/// The pair an endpoint of `kind` migrates by: to `--to SERVICE` when such a pair exists,
/// else to its own service.
pub fn pair_for(registry: &Registry, options: &Options, kind: &str) -> Option<MigrationPair> {
    options
        .target_service
        .as_ref()
        .map(|service| MigrationPair::new(kind, service.as_str()))
        .filter(|pair| registry.find(pair).is_some())
        .or_else(|| registry.default_pair(kind))
}

/// Vendor switches and retargets: every source node field the node sets is accounted for.
/// Fields the rewrite lists stay as listed; a field the target reads too (or the rewrite
/// sets) is carried; any other is added to `no_counterpart`. Returns the carried fields.
pub(crate) fn account_node_fields(
    rewrite: &mut NodeRewrite,
    config: &Object,
    source_fields: &[String],
    target_fields: &[String],
    source: &str,
    target: &str,
) -> Vec<String> {
    let mut carried = Vec::new();
    for field in source_fields {
        if is_unset(config.get(field)) || rewrite.lists(field) {
            continue;
        }
        if target_fields.contains(field) || rewrite.set.contains_key(field) {
            carried.push(field.clone());
        } else {
            rewrite.note(
                FieldOutcome::NoCounterpart,
                field,
                format!("a {source} field; {target} does not read it (left in the node, unused)"),
            );
        }
    }
    carried
}

/// Check a provider's answered properties with its own `verify` before anything is written.
pub(crate) fn check_answered(registry: &Registry, group: &mut Group) -> Result<()> {
    let answered = group.properties.iter().any(|p| matches!(p.source, ValueSource::Answers | ValueSource::Environment));
    if group.existing.is_some() || !answered {
        return Ok(());
    }
    let (Some(properties), Some((provider, _))) = (group.property_map(), registry.find(&group.pair)) else {
        return Ok(());
    };
    let findings =
        provider.verify(&VerifyRequest { pair: group.pair.clone(), provider_name: group.name.clone(), properties })?;
    group.problems = findings.into_iter().filter(|f| f.severity == Severity::Error).map(|f| f.message).collect();
    Ok(())
}

pub(crate) fn has_handover_nodes(project: &Project, flow: usize) -> bool {
    project.flows[flow]
        .charts
        .iter()
        .flat_map(|c| &c.nodes)
        .any(|n| HandoverNodeType::from_type(&n.node_type).is_some())
}

/// Map every endpoint's settings and group identical provider-level settings.
fn group_endpoints(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    options: &Options,
) -> Result<(Vec<EndpointState>, Vec<Group>)> {
    let mut states = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for endpoint in &project.endpoints {
        let Handover::Legacy { kind, settings } = &endpoint.handover else {
            states.push(EndpointState::NoHandover);
            continue;
        };
        let Some(pair) = pair_for(registry, options, kind) else {
            states.push(EndpointState::Unsupported { kind: kind.clone() });
            continue;
        };
        let Some((provider, info)) = registry.find(&pair) else {
            states.push(EndpointState::Unsupported { kind: kind.clone() });
            continue;
        };
        let request =
            MapSettingsRequest { pair: pair.clone(), endpoint: endpoint.name.clone(), settings: settings.clone() };
        let draft = match provider.map_settings(&request)? {
            Ok(draft) => draft,
            Err(issues) => {
                states.push(EndpointState::Invalid { kind: kind.clone(), issues });
                continue;
            }
        };
        let masked = draft.properties.iter().any(|p| p.value == DraftValue::Masked);
        // Group by the values the provider will get. A masked secret answered for this
        // endpoint is compared by its answer; one left unanswered cannot be compared, so
        // the endpoint gets a group of its own until it is answered. A value missing from
        // the settings (a secret the endpoint never had, a vendor switch's manual property)
        // is the group's to answer, once, and does not split it.
        let entries: Vec<(&str, &crate::answers::ProviderAnswers)> =
            answers.providers.get(&endpoint.name).map(|a| (endpoint.name.as_str(), a)).into_iter().collect();
        let resolved: Vec<(&String, Option<Value>)> = draft
            .properties
            .iter()
            .map(|p| match &p.value {
                DraftValue::Known(value) => (&p.key, Some(value.clone())),
                DraftValue::Missing => (&p.key, None),
                DraftValue::Masked => (&p.key, lookup_answer(&entries, &endpoint.name, &p.key, p.class).0),
            })
            .collect();
        let unanswered_mask = draft
            .properties
            .iter()
            .zip(&resolved)
            .any(|(p, (_, value))| p.value == DraftValue::Masked && value.is_none());
        let key = if unanswered_mask {
            format!("masked\u{0}{}", endpoint.name)
        } else {
            format!("{pair}\u{0}{}", serde_json::to_string(&resolved).unwrap_or_default())
        };
        let defaults = draft.node_defaults.clone();
        let group = match keys.iter().position(|k| *k == key) {
            Some(index) => {
                groups[index].endpoints.push(endpoint.name.clone());
                index
            }
            None => {
                keys.push(key);
                groups.push(Group {
                    pair,
                    info: info.clone(),
                    endpoints: vec![endpoint.name.clone()],
                    draft,
                    name: String::new(),
                    reference_id: String::new(),
                    existing: None,
                    properties: Vec::new(),
                    steps: Vec::new(),
                    masked,
                    reused_unverified: false,
                    problems: Vec::new(),
                });
                groups.len() - 1
            }
        };
        states.push(EndpointState::Grouped { group, defaults });
    }
    for group in &mut groups {
        group.endpoints.sort();
    }
    Ok((states, groups))
}

/// Names, answers, manual steps and reuse of existing providers, per group.
fn resolve_groups(project: &Project, registry: &Registry, answers: &Answers, groups: &mut [Group]) -> Result<()> {
    // Which group each answers entry belongs to (any endpoint of a group may key it).
    // Several endpoints of one group may each have an entry (e.g. each answered its own
    // masked secret); they must agree.
    let mut answer_for: BTreeMap<usize, Vec<(&str, &crate::answers::ProviderAnswers)>> = BTreeMap::new();
    for (key, entry) in &answers.providers {
        match groups.iter().position(|g| g.endpoints.iter().any(|e| e == key)) {
            Some(index) => answer_for.entry(index).or_default().push((key.as_str(), entry)),
            // The answers of a retarget that created this provider: not the migration's.
            None if project.providers.iter().any(|p| p.name == *key) => {}
            None => {
                return Err(Error::usage(format!(
                    "answers file: [providers.\"{key}\"] names no endpoint with legacy handover settings; \
                     key provider answers by an endpoint name shown in `plan`"
                )))
            }
        }
    }
    let mut taken: Vec<String> = Vec::new();
    for (index, group) in groups.iter_mut().enumerate() {
        let entries = answer_for.remove(&index).unwrap_or_default();
        let answer_key = entries.first().map_or(group.anchor(), |(key, _)| *key).to_string();
        check_entries_agree(&entries, &group.endpoints)?;
        group.properties = group
            .draft
            .properties
            .iter()
            .map(|property| {
                let (value, source) = match &property.value {
                    DraftValue::Known(value) => (Some(value.clone()), ValueSource::Endpoint),
                    DraftValue::Missing | DraftValue::Masked => {
                        lookup_answer(&entries, &answer_key, &property.key, property.class)
                    }
                };
                ResolvedProperty { key: property.key.clone(), class: property.class, value, source }
            })
            .collect();
        // Reuse an existing provider with the same service and properties.
        if group.is_complete() {
            let matches: Vec<(usize, Sameness)> = project
                .providers
                .iter()
                .enumerate()
                .filter(|(_, p)| p.service == group.pair.target_service)
                .map(|(i, p)| (i, compare_properties(&p.properties, &group.properties)))
                .filter(|(_, same)| *same != Sameness::Different)
                .collect();
            let exact = matches.iter().find(|(_, same)| *same == Sameness::Same);
            if let Some((index, same)) = exact.or(matches.first()) {
                group.existing = Some(*index);
                group.reused_unverified = *same == Sameness::SameUnverifiedSecrets;
            }
        }
        let explicit = entries.iter().find_map(|(_, a)| a.name.clone());
        if let Some(name) = &explicit {
            check_provider_name(name).map_err(|why| {
                Error::usage(format!(
                    "answers file: [providers.\"{answer_key}\"] name = {name:?} {why}; choose another name"
                ))
            })?;
        }
        group.name = match (group.existing, explicit) {
            (Some(existing), _) => project.providers[existing].name.clone(),
            (None, Some(name)) => {
                if let Some(other) = project.providers.iter().find(|p| p.name.eq_ignore_ascii_case(&name)) {
                    return Err(Error::needs_input(format!(
                        "the provider name {name:?} (answers file, [providers.\"{answer_key}\"]) is already used by {} \
                         with other properties; choose another name there",
                        other.path
                    )));
                }
                if taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
                    return Err(Error::usage(format!(
                        "answers file: the provider name {name:?} is given to two providers; names must be unique"
                    )));
                }
                name
            }
            (None, None) => {
                let base = derive_provider_name(&group.info.display_name, group.anchor());
                unique_name(&base, &|candidate| {
                    taken.iter().any(|t| t.eq_ignore_ascii_case(candidate))
                        || project.providers.iter().any(|p| p.name.eq_ignore_ascii_case(candidate))
                })
            }
        };
        taken.push(group.name.clone());
        group.reference_id = match group.existing {
            Some(existing) => project.providers[existing].reference_id.clone(),
            None => mint_reference_id(project, group),
        };
        let Some((provider, _)) = registry.find(&group.pair) else { continue };
        let steps = provider.manual_steps(&ManualStepsRequest {
            pair: group.pair.clone(),
            provider_name: group.name.clone(),
            draft: group.draft.clone(),
        })?;
        group.steps = steps
            .into_iter()
            .map(|step| {
                let property = step.kind.property().map(str::to_string);
                let blocking = property.is_some();
                let satisfied =
                    property.as_ref().is_none_or(|p| group.properties.iter().any(|r| &r.key == p && r.value.is_some()));
                let answers_entry =
                    blocking.then(|| format!("[providers.{}] {}", crate::answers::toml_key(&answer_key), step.key));
                ResolvedStep { step, blocking, satisfied, answers_entry }
            })
            .collect();
        check_answered(registry, group)?;
    }
    Ok(())
}

/// Entries of one group must not contradict each other (name, or a value for one key).
fn check_entries_agree(entries: &[(&str, &crate::answers::ProviderAnswers)], endpoints: &[String]) -> Result<()> {
    let conflict = |what: &str| {
        Error::usage(format!(
            "answers file: the entries {} answer for one provider (endpoints {}) but give different {what}; make them agree",
            entries.iter().map(|(k, _)| format!("[providers.\"{k}\"]")).collect::<Vec<_>>().join(", "),
            endpoints.join(", ")
        ))
    };
    for (i, (_, a)) in entries.iter().enumerate() {
        for (_, b) in &entries[i + 1..] {
            if a.name.is_some() && b.name.is_some() && a.name != b.name {
                return Err(conflict("names"));
            }
            if a.secrets.iter().any(|(k, v)| b.secrets.get(k).is_some_and(|w| w != v)) {
                return Err(conflict("secrets"));
            }
            if a.connections.iter().any(|(k, v)| b.connections.get(k).is_some_and(|w| w != v)) {
                return Err(conflict("connections"));
            }
            if a.values.iter().any(|(k, v)| b.values.get(k).is_some_and(|w| w != v)) {
                return Err(conflict("values"));
            }
        }
    }
    Ok(())
}

pub(crate) fn lookup_answer(
    entries: &[(&str, &crate::answers::ProviderAnswers)],
    answer_key: &str,
    property: &str,
    class: PropertyClass,
) -> (Option<Value>, ValueSource) {
    let from_file = entries.iter().find_map(|(_, a)| match class {
        PropertyClass::Secret => a.secrets.get(property).map(|Secret(s)| Value::String(s.clone())),
        PropertyClass::ConnectionRef => a.connections.get(property).map(|s| Value::String(s.clone())),
        PropertyClass::Plain => a.values.get(property).and_then(|v| serde_json::to_value(v).ok()),
    });
    if let Some(value) = from_file.filter(|v| !is_unset(Some(v))) {
        return (Some(value), ValueSource::Answers);
    }
    if class == PropertyClass::Secret {
        if let Ok(value) = std::env::var(secret_env_var(answer_key, property)) {
            if !value.trim().is_empty() {
                return (Some(Value::String(value)), ValueSource::Environment);
            }
        }
    }
    (None, ValueSource::Missing)
}

/// Every secret value the groups resolved (read from endpoints, answered, or from the
/// environment) is masked from logs and messages from now on.
fn remember_secrets(groups: &[Group]) {
    let secrets = groups.iter().flat_map(|g| &g.properties).filter(|p| p.class == PropertyClass::Secret);
    for value in secrets.filter_map(|p| p.value.as_ref()) {
        if let Value::String(text) = value {
            handover_migrate_core::secret::remember(text);
        }
    }
}

/// How an existing provider compares with the one a group needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sameness {
    Different,
    Same,
    /// Same, except secrets that the API returned masked and so could not be compared.
    SameUnverifiedSecrets,
}

/// An existing provider matches when every wanted property is equal (a masked secret
/// cannot be compared and counts as equal, flagged) and every other property it has is unset.
/// Whether an existing provider's properties match the wanted ones (masked secrets count
/// as matching: the tenant holds them).
pub fn matches_properties(existing: &Object, wanted: &[ResolvedProperty]) -> bool {
    compare_properties(existing, wanted) != Sameness::Different
}

fn compare_properties(existing: &Object, wanted: &[ResolvedProperty]) -> Sameness {
    let mut unverified = false;
    for property in wanted {
        let Some(value) = &property.value else { return Sameness::Different };
        match existing.get(&property.key) {
            Some(found) if found == value => {}
            Some(Value::String(found)) if property.class == PropertyClass::Secret && looks_masked(found) => {
                unverified = true
            }
            _ => return Sameness::Different,
        }
    }
    let extra_set = existing.iter().any(|(key, value)| !wanted.iter().any(|p| &p.key == key) && !is_unset(Some(value)));
    match (extra_set, unverified) {
        (true, _) => Sameness::Different,
        (false, true) => Sameness::SameUnverifiedSecrets,
        (false, false) => Sameness::Same,
    }
}

/// A deterministic id, so that a rerun after a crash, or a saved plan, mints the same one.
fn mint_reference_id(project: &Project, group: &Group) -> String {
    let mut ids: Vec<&str> =
        group.endpoints.iter().filter_map(|name| project.endpoint(name)).map(|e| e.id.as_str()).collect();
    ids.sort();
    let seed = format!("handover-migrate\u{0}{}\u{0}{}\u{0}{}", group.pair.target_service, group.name, ids.join(","));
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).to_string()
}

/// Which endpoints reach which flow.
pub(crate) fn attribute_flows(project: &Project) -> (Vec<Vec<usize>>, Vec<usize>, Vec<String>) {
    let mut warnings = Vec::new();
    let flows = project.flow_index();
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); project.flows.len()];
    for (index, flow) in project.flows.iter().enumerate() {
        for node in flow.charts.iter().flat_map(|c| &c.nodes) {
            let Some(target) = node.link.as_deref() else { continue };
            match flows.get(target).copied() {
                Some(target) => {
                    edges[index].insert(target);
                }
                None => warnings.push(format!(
                    "flow \"{}\": {} node `{}` points at flow `{target}`, which is not in the project",
                    flow.name, node.node_type, node.id
                )),
            }
        }
    }
    warnings.sort();
    warnings.dedup();
    let mut flow_endpoints = vec![Vec::new(); project.flows.len()];
    let mut orphan_endpoints = Vec::new();
    for (endpoint_index, endpoint) in project.endpoints.iter().enumerate() {
        let Some(start) = flows.get(endpoint.flow_id.as_str()).copied() else {
            orphan_endpoints.push(endpoint_index);
            continue;
        };
        let mut seen = vec![false; project.flows.len()];
        let mut queue = VecDeque::from([start]);
        seen[start] = true;
        while let Some(flow) = queue.pop_front() {
            flow_endpoints[flow].push(endpoint_index);
            for &next in &edges[flow] {
                if !seen[next] {
                    seen[next] = true;
                    queue.push_back(next);
                }
            }
        }
    }
    (flow_endpoints, orphan_endpoints, warnings)
}

pub(crate) fn selector_of(config: &Object, key: &str) -> Selector {
    match config.get(key) {
        value if is_unset(value) => Selector::Legacy,
        Some(Value::String(s)) => Selector::Provider(s.clone()),
        Some(other) => Selector::Provider(other.to_string()),
        None => Selector::Legacy,
    }
}

/// Assignment answer for a node: by node referenceId, node _id, then flow name.
fn assignment<'a>(answers: &'a Answers, project: &Project, node: &Node, flow: usize) -> Option<(&'a str, String)> {
    [&*node.reference_id, &*node.id, project.flows[flow].name.as_str()]
        .into_iter()
        .filter(|k| !k.is_empty())
        .find_map(|key| answers.assign.get(key).map(|v| (v.as_str(), key.to_string())))
}

fn resolve_nodes(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    analysis: &Analysis,
) -> Result<Vec<HandoverNode>> {
    for (key, value) in &answers.assign {
        if value != KEEP_LEGACY && project.endpoint(value).is_none() {
            return Err(Error::usage(format!(
                "answers file: [assign] {} = {value:?}: no endpoint has that name (use an endpoint name, or \"{KEEP_LEGACY}\")",
                crate::answers::toml_key(key)
            )));
        }
    }
    let selector_key = analysis.options.selector_key.as_str();
    let mut nodes = Vec::with_capacity(handover_instance_count(project));
    let mut switches = Interner::new();
    for_each_handover_node(project, |at, node_type, config| {
        let node = &project.flows[at.flow].charts[at.chart].nodes[at.node];
        let selector = selector_of(config, selector_key);
        let resolution = match &selector {
            Selector::Provider(reference) => Resolution::AlreadySwitched {
                provider: project.providers.iter().position(|p| &p.reference_id == reference),
            },
            Selector::Legacy => {
                let node = LegacyNode { node, config, node_type, flow: at.flow };
                resolve_legacy_node(project, registry, answers, analysis, &node, &mut switches)?
            }
        };
        nodes.push(HandoverNode { flow: at.flow, chart: at.chart, node: at.node, node_type, selector, resolution });
        Ok(())
    })?;
    Ok(nodes)
}

/// Where a node is: indices into flows, their charts and their nodes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeAt {
    pub flow: usize,
    pub chart: usize,
    pub node: usize,
}

/// How many node instances [`for_each_handover_node`] visits (to size what holds them).
pub(crate) fn handover_instance_count(project: &Project) -> usize {
    project
        .flows
        .iter()
        .flat_map(|f| &f.charts)
        .map(|chart| chart.nodes.iter().filter(|n| is_instance(n, chart)).count())
        .sum()
}

/// A Handover node in the chart of its own locale: a node's config belongs to a chart's
/// locale only when its localeReference says so.
fn is_instance(node: &Node, chart: &Chart) -> bool {
    node.locale == chart.locale && HandoverNodeType::from_type(&node.node_type).is_some()
}

/// `visit` every Handover to Agent / Check Agent Availability node instance (a node in the
/// chart of its own locale) with its config, one chart's configs in memory at a time.
pub(crate) fn for_each_handover_node(
    project: &Project,
    mut visit: impl FnMut(NodeAt, HandoverNodeType, &Object) -> Result<()>,
) -> Result<()> {
    for (flow_index, flow) in project.flows.iter().enumerate() {
        for (chart_index, chart) in flow.charts.iter().enumerate() {
            if !chart.nodes.iter().any(|n| is_instance(n, chart)) {
                continue;
            }
            let configs = project.handover_configs(flow_index, chart_index)?;
            for (node_index, (node, config)) in chart.nodes.iter().zip(&configs).enumerate() {
                let (Some(node_type), Some(config), true) =
                    (HandoverNodeType::from_type(&node.node_type), config, is_instance(node, chart))
                else {
                    continue;
                };
                visit(NodeAt { flow: flow_index, chart: chart_index, node: node_index }, node_type, config)?;
            }
        }
    }
    Ok(())
}

/// A Legacy handover node instance being resolved.
struct LegacyNode<'a> {
    node: &'a Node,
    config: &'a Object,
    node_type: HandoverNodeType,
    flow: usize,
}

fn resolve_legacy_node(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    analysis: &Analysis,
    legacy: &LegacyNode,
    switches: &mut Interner<NodeSwitch>,
) -> Result<Resolution> {
    let LegacyNode { node, config, node_type, flow } = *legacy;
    let endpoints = analysis.flow_endpoints[flow].as_slice();
    let selector_key = analysis.options.selector_key.as_str();
    let rewrite_for = |endpoint: usize| -> Result<Option<(usize, NodeRewrite, Vec<String>)>> {
        let EndpointState::Grouped { group, defaults } = &analysis.endpoint_states[endpoint] else { return Ok(None) };
        let pair = &analysis.groups[*group].pair;
        let Some((provider, info)) = registry.find(pair) else { return Ok(None) };
        let request = NodeRewriteRequest {
            pair: pair.clone(),
            node_type,
            config: config.clone(),
            endpoint_defaults: defaults.clone(),
        };
        let mut rewrite = provider.rewrite_node(&request).map_err(|error| {
            Error::failed(format!("{} (node `{}` in flow \"{}\")", error.message, node.id, project.flows[flow].name))
        })?;
        // A vendor switch accounts for every node field of the legacy kind's own vendor.
        let carried = if pair.source_kind == pair.target_service {
            Vec::new()
        } else {
            let source_fields = registry
                .default_pair(&pair.source_kind)
                .and_then(|own| registry.find(&own).map(|(_, own)| own.node_fields.clone()))
                .unwrap_or_default();
            account_node_fields(
                &mut rewrite,
                &request.config,
                &source_fields,
                &info.node_fields,
                &pair.source_kind,
                &pair.target_service,
            )
        };
        Ok(Some((*group, rewrite, carried)))
    };
    let in_scope = |endpoint: usize| analysis.in_filter(&project.endpoints[endpoint].name);
    if let Some((target, key)) = assignment(answers, project, node, flow) {
        if target == KEEP_LEGACY {
            return Ok(Resolution::KeptLegacy);
        }
        let endpoint = project.endpoints.iter().position(|e| e.name == target).unwrap_or_default();
        if !in_scope(endpoint) {
            return Ok(Resolution::OutOfScope);
        }
        return match rewrite_for(endpoint)? {
            Some((group, rewrite, carried)) => Ok(Resolution::Migrate {
                group,
                endpoint: Some(endpoint),
                switch: switches.intern(NodeSwitch::new(config, selector_key, rewrite, carried)),
            }),
            None => Err(Error::usage(format!(
                "answers file: [assign] {} = {target:?}: that endpoint has no legacy handover settings a provider can migrate",
                crate::answers::toml_key(&key)
            ))),
        };
    }
    if endpoints.is_empty() {
        return Ok(Resolution::Orphan);
    }
    if !endpoints.iter().any(|e| in_scope(*e)) {
        return Ok(Resolution::OutOfScope);
    }
    let mut candidates: Vec<(usize, usize, NodeRewrite, Vec<String>)> = Vec::new();
    let mut unsupported: Vec<String> = Vec::new();
    let mut type_not_supported: BTreeSet<String> = BTreeSet::new();
    for &endpoint in endpoints {
        match &analysis.endpoint_states[endpoint] {
            EndpointState::NoHandover => {}
            EndpointState::Grouped { group, .. } if !analysis.groups[*group].info.node_types.contains(&node_type) => {
                type_not_supported.insert(analysis.groups[*group].info.display_name.clone());
            }
            EndpointState::Unsupported { kind } | EndpointState::Invalid { kind, .. } => {
                unsupported.push(format!("{} ({kind})", project.endpoints[endpoint].name))
            }
            EndpointState::Grouped { .. } => {
                if let Some((group, rewrite, carried)) = rewrite_for(endpoint)? {
                    candidates.push((endpoint, group, rewrite, carried));
                }
            }
        }
    }
    let names = |list: &[(usize, usize, NodeRewrite, Vec<String>)]| {
        list.iter().map(|(e, ..)| format!("\"{}\"", project.endpoints[*e].name)).collect::<Vec<_>>().join(", ")
    };
    if candidates.is_empty() {
        return Ok(if !unsupported.is_empty() {
            Resolution::Unsupported { kinds: unsupported }
        } else if !type_not_supported.is_empty() {
            Resolution::TypeNotSupported { services: type_not_supported.into_iter().collect() }
        } else if unsupported.is_empty() {
            Resolution::NoHandover
        } else {
            Resolution::Unsupported { kinds: unsupported }
        });
    }
    if !unsupported.is_empty() {
        return Ok(Resolution::Conflict {
            reason: format!(
                "also reached from {} whose settings cannot be migrated; switching it would change handover for those conversations",
                unsupported.join(", ")
            ),
        });
    }
    let (first_endpoint, first_group, first_rewrite, first_carried) = candidates[0].clone();
    if candidates.iter().any(|(_, group, ..)| *group != first_group) {
        let providers: BTreeSet<&str> = candidates.iter().map(|(_, g, ..)| analysis.groups[*g].name.as_str()).collect();
        return Ok(Resolution::Conflict {
            reason: format!(
                "reached from endpoints {} with different handover settings (providers {})",
                names(&candidates),
                providers.into_iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    if candidates.iter().any(|(_, _, rewrite, _)| *rewrite != first_rewrite) {
        let fields: BTreeSet<&String> = candidates.iter().flat_map(|(_, _, r, _)| r.set.keys()).collect();
        return Ok(Resolution::Conflict {
            reason: format!(
                "reached from endpoints {} that share a provider but give this node different defaults ({})",
                names(&candidates),
                fields.into_iter().map(String::as_str).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    Ok(Resolution::Migrate {
        group: first_group,
        endpoint: Some(first_endpoint),
        switch: switches.intern(NodeSwitch::new(config, selector_key, first_rewrite, first_carried)),
    })
}

/// Nodes with handover behaviour the migration does not rewrite: reported, never touched.
pub(crate) fn find_out_of_scope(project: &Project) -> Vec<OutOfScope> {
    let mut found: BTreeMap<(usize, String), OutOfScope> = BTreeMap::new();
    for (flow_index, flow) in project.flows.iter().enumerate() {
        for node in flow.charts.iter().flat_map(|c| &c.nodes) {
            let reason = match node.node_type.as_str() {
                "handover" => {
                    Some("deprecated v1 Handover node: replace it with Handover to Agent by hand".to_string())
                }
                "handoverToHumanAgentTool" => Some(
                    "AI Agent handover tool: whether it has a provider selector is not documented; check it by hand"
                        .into(),
                ),
                "question" | "optionalQuestion" if node.escalates_to_handover => Some(
                    "escalates to a handover (escalate*Handover* keys); whether these have a provider selector is not \
                     documented: check it by hand"
                        .to_string(),
                ),
                _ => None,
            };
            if let Some(reason) = reason {
                found.entry((flow_index, node.id.to_string())).or_insert_with(|| OutOfScope {
                    flow: flow.name.clone(),
                    node_id: node.id.to_string(),
                    node_type: node.node_type.clone(),
                    label: node.label.to_string(),
                    reason,
                });
            }
        }
    }
    found.into_values().collect()
}

/// Config keys on handover nodes that look like a provider selector: the hint shown when
/// the selector key is not configured.
pub fn selector_key_candidates(project: &Project) -> Result<Vec<String>> {
    let mut candidates = BTreeSet::new();
    for_each_handover_node(project, |_, _, config| {
        for (key, value) in config {
            let lower = key.to_ascii_lowercase();
            if lower.contains("provider") && value.is_string() && !is_unset(Some(value)) {
                candidates.insert(key.clone());
            }
        }
        Ok(())
    })?;
    Ok(candidates.into_iter().collect())
}

/// Every blocking manual step of groups in scope, as answers-file lines.
pub fn missing_answers(analysis: &Analysis) -> Vec<(String, String)> {
    analysis
        .groups_in_scope()
        .flat_map(|(_, g)| &g.steps)
        .filter(|s| s.blocking && !s.satisfied)
        .filter_map(|s| s.answers_entry.clone().map(|entry| (entry, s.step.prompt.clone())))
        .collect()
}

/// Kinds of steps, for display.
pub fn step_kind_name(kind: &ManualStepKind) -> &'static str {
    match kind {
        ManualStepKind::Secret(_) => "secret",
        ManualStepKind::Connection(_) => "connection",
        ManualStepKind::Value(_) => "value",
        ManualStepKind::Confirm => "confirm",
        ManualStepKind::Reminder => "reminder",
    }
}
