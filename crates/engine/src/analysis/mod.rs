//! Discovery and attribution: which endpoints have legacy settings, which providers they
//! become, and which Handover to Agent / Check Agent Availability node belongs to which.
//!
//! *Legacy* means "the provider of the endpoint the conversation came in through", so a
//! node belongs to every endpoint whose flow reaches the node's flow (directly via
//! `endpoint.flowId`, or through Execute Flow / Go To). A node reached from endpoints that
//! would give it different providers or different node defaults is a conflict: it is
//! never guessed, only answered.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::Hasher;
use std::sync::Arc;

mod groups;
mod nodes;
mod prefetch;
pub mod retarget;

pub(crate) use groups::{check_answered, lookup_answer};
use groups::{check_target_service, group_endpoints, resolve_groups};
pub use groups::{matches_properties, pair_for};
use nodes::resolve_nodes;
pub(crate) use nodes::{
    account_node_fields, attribute_flows, find_out_of_scope, for_each_handover_node, handover_charts,
    handover_instance_count, has_handover_nodes, par_handover_charts, selector_of,
};

use handover_migrate_core::secret::looks_masked;
use handover_migrate_core::validate::is_unset;
use handover_migrate_core::{
    DraftValue, FieldOutcome, HandoverNodeType, ManualStep, ManualStepKind, ManualStepsRequest, MapSettingsRequest,
    MigrationPair, NodeRewrite, NodeRewriteRequest, Object, PairInfo, PropertyClass, ProviderDraft, SettingsIssue,
    Severity, VerifyRequest,
};
use serde_json::Value;

use crate::answers::{secret_env_var_for, Answers, Secret, KEEP_LEGACY};
use crate::model::{Chart, Handover, Node, Project};
use crate::names::{check_provider_name, derive_provider_name, name_key, unique_name};
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::registry::Registry;

/// How the run is scoped.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Node config key holding the selected provider.
    pub selector_key: String,
    /// Limit changes to these endpoints (attribution still uses the whole project).
    pub endpoint_filter: EndpointFilter,
    /// `--to SERVICE`: endpoints whose legacy kind has a pair to this service migrate to it
    /// (a vendor switch); the others keep their kind's own service.
    pub target_service: Option<String>,
    /// `retarget`: re-point the nodes of one Handover Provider to another instead of
    /// migrating legacy endpoints.
    pub retarget: Option<Retarget>,
}

/// The `--endpoint` names, in the order given (plans and reports show them so), with a set
/// for lookups: every endpoint is tested against the filter, and a long filter must not make
/// that endpoints × filter.
#[derive(Clone, Debug, Default)]
pub struct EndpointFilter {
    names: Vec<String>,
    lookup: std::collections::HashSet<String>,
}

impl EndpointFilter {
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `endpoint` is in scope: an empty filter takes every endpoint.
    pub fn admits(&self, endpoint: &str) -> bool {
        self.names.is_empty() || self.lookup.contains(endpoint)
    }
}

impl From<Vec<String>> for EndpointFilter {
    fn from(names: Vec<String>) -> Self {
        let lookup = names.iter().cloned().collect();
        EndpointFilter { names, lookup }
    }
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
    /// The tenant's `_id` of the provider, once linking a clone learned it (written into the
    /// provider file, where nodes of a tenant whose selector holds `_id`s find it); else empty.
    pub id: String,
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
    /// The existing provider holds it (a secret a run was given once, not supplied again).
    Provider,
    Missing,
}

#[derive(Debug, Clone)]
pub struct ResolvedStep {
    pub step: ManualStep,
    /// Blocks apply until answered.
    pub blocking: bool,
    pub satisfied: bool,
    /// The answers-file entry that satisfies it (`[providers."X"]` + `secrets.apiKey = ""`).
    pub answers_entry: Option<String>,
    /// A secret's environment variable (`HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY>`).
    pub env_var: Option<String>,
}

impl Group {
    /// A group of `endpoints` migrating with `pair`, before it is named, answered and
    /// matched with an existing provider (`resolve_groups`, or a retarget's target).
    pub fn new(pair: MigrationPair, info: PairInfo, endpoints: Vec<String>, draft: ProviderDraft) -> Group {
        Group {
            pair,
            info,
            endpoints,
            draft,
            name: String::new(),
            reference_id: String::new(),
            id: String::new(),
            existing: None,
            properties: Vec::new(),
            steps: Vec::new(),
            masked: false,
            reused_unverified: false,
            problems: Vec::new(),
        }
    }

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
/// equal switches are shared (an interner): the analysis of a large project stays an index.
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
        let hash = Self::hash(&value);
        self.intern_hashed(hash, value)
    }

    /// [`Self::intern`] from several threads: the value is hashed outside the lock.
    pub fn intern_shared(shared: &std::sync::Mutex<Self>, value: T) -> Arc<T> {
        let hash = Self::hash(&value);
        shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner).intern_hashed(hash, value)
    }

    fn hash(value: &T) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        // Plain data always serializes; a failure would only cost sharing, not correctness.
        let _ = handover_migrate_io::fsio::feed_json(value, |bytes| hasher.write(bytes));
        hasher.finish()
    }

    fn intern_hashed(&mut self, hash: u64, value: T) -> Arc<T> {
        let bucket = self.by_hash.entry(hash).or_default();
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
        self.options.endpoint_filter.admits(endpoint)
    }

    /// Whether `node` still depends, through Legacy, on `endpoint`'s legacy settings.
    pub fn depends_on(&self, node: &HandoverNode, endpoint: usize) -> bool {
        self.endpoints_of(node).contains(&endpoint) && self.depends_on_reaching(node, endpoint)
    }

    /// [`Self::depends_on`] for an endpoint already known to reach the node's flow (one of
    /// [`Self::endpoints_of`]), without searching that list again.
    pub fn depends_on_reaching(&self, node: &HandoverNode, endpoint: usize) -> bool {
        node.selector == Selector::Legacy
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
    let endpoint_index = project.endpoint_index();
    for name in options.endpoint_filter.names() {
        if !endpoint_index.contains_key(name.as_str()) {
            let known: Vec<&str> = project.endpoints.iter().map(|e| e.name.as_str()).collect();
            return Err(Error::usage(format!(
                "--endpoint {name:?}: no such endpoint (endpoints: {})",
                known.join(", ")
            )));
        }
    }
    crate::answers::check_secret_env_collisions(
        project.endpoints.iter().map(|e| e.name.as_str()),
        answers.secret_scope.as_deref(),
        &crate::answers::set_secret_env_vars(),
    )?;
    if let Some(service) = &options.target_service {
        check_target_service(project, registry, &options, service)?;
    }
    if options.retarget.is_some() {
        return retarget::analyse(project, registry, answers, options);
    }
    prefetch::map_settings(project, registry, &options);
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
    prefetch::rewrites(project, registry, answers, &analysis)?;
    analysis.nodes = resolve_nodes(project, registry, answers, &analysis)?;
    finish_warnings(project, &mut analysis, warnings);
    Ok(analysis)
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

/// Every blocking manual step of groups in scope, as answers-file entries.
pub fn missing_answers(analysis: &Analysis) -> Vec<&ResolvedStep> {
    analysis
        .groups_in_scope()
        .flat_map(|(_, g)| &g.steps)
        .filter(|s| s.blocking && !s.satisfied && s.answers_entry.is_some())
        .collect()
}
