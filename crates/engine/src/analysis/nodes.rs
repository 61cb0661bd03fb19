//! Flows and nodes: which endpoints reach each flow (through Execute Flow / Go To), and
//! what becomes of each Handover node instance.

use super::*;

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

pub(crate) fn has_handover_nodes(project: &Project, flow: usize) -> bool {
    project.flows[flow]
        .charts
        .iter()
        .flat_map(|c| &c.nodes)
        .any(|n| HandoverNodeType::from_type(&n.node_type).is_some())
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
    // Which endpoint's walk last saw each flow (index + 1): one array for every walk, so that
    // a walk costs the flows it reaches, not every flow of the project.
    let mut seen_by = vec![0usize; project.flows.len()];
    let mut queue = VecDeque::new();
    for (endpoint_index, endpoint) in project.endpoints.iter().enumerate() {
        let Some(start) = flows.get(endpoint.flow_id.as_str()).copied() else {
            orphan_endpoints.push(endpoint_index);
            continue;
        };
        let walk = endpoint_index + 1;
        queue.clear();
        queue.push_back(start);
        seen_by[start] = walk;
        while let Some(flow) = queue.pop_front() {
            flow_endpoints[flow].push(endpoint_index);
            for &next in &edges[flow] {
                if seen_by[next] != walk {
                    seen_by[next] = walk;
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
pub(super) fn assignment<'a>(
    answers: &'a Answers,
    project: &Project,
    node: &Node,
    flow: usize,
) -> Option<(&'a str, String)> {
    [&*node.reference_id, &*node.id, project.flows[flow].name.as_str()]
        .into_iter()
        .filter(|k| !k.is_empty())
        .find_map(|key| answers.assign.get(key).map(|v| (v.as_str(), key.to_string())))
}

pub(super) fn resolve_nodes(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    analysis: &Analysis,
) -> Result<Vec<HandoverNode>> {
    let endpoint_index = project.endpoint_index();
    let provider_index = project.provider_index();
    for (key, value) in &answers.assign {
        if value != KEEP_LEGACY && !endpoint_index.contains_key(value.as_str()) {
            return Err(Error::usage(format!(
                "answers file: [assign] {} = {value:?}: no endpoint has that name (use an endpoint name, or \"{KEEP_LEGACY}\")",
                crate::answers::toml_key(key)
            )));
        }
    }
    let selector_key = analysis.options.selector_key.as_str();
    let switches = std::sync::Mutex::new(Interner::new());
    // Charts are independent here: resolve them on every core, in chart order.
    par_handover_nodes(project, |at, node_type, config| {
        let node = &project.flows[at.flow].charts[at.chart].nodes[at.node];
        let selector = selector_of(config, selector_key);
        let resolution = match &selector {
            Selector::Provider(reference) => {
                Resolution::AlreadySwitched { provider: provider_index.get(reference.as_str()).copied() }
            }
            Selector::Legacy => {
                let node = LegacyNode { node, config, node_type, flow: at.flow };
                resolve_legacy_node(project, registry, answers, analysis, &endpoint_index, node, &switches)?
            }
        };
        Ok(HandoverNode { flow: at.flow, chart: at.chart, node: at.node, node_type, selector, resolution })
    })
}

/// [`for_each_handover_node`] on every core: `resolve` each node instance with its config,
/// one chart's configs in memory per thread, the results in chart order. The first error
/// in that order is returned, as a sequential walk would.
fn par_handover_nodes(
    project: &Project,
    resolve: impl Fn(NodeAt, HandoverNodeType, &mut Object) -> Result<HandoverNode> + Sync,
) -> Result<Vec<HandoverNode>> {
    let mut nodes = Vec::with_capacity(handover_instance_count(project));
    for chart in par_handover_charts(project, &handover_charts(project), resolve) {
        nodes.extend(chart?);
    }
    Ok(nodes)
}

/// The charts (flow, chart) holding a Handover node instance, in order.
pub(crate) fn handover_charts(project: &Project) -> Vec<(usize, usize)> {
    project
        .flows
        .iter()
        .enumerate()
        .flat_map(|(f, flow)| flow.charts.iter().enumerate().map(move |(c, chart)| (f, c, chart)))
        .filter(|(_, _, chart)| chart.nodes.iter().any(|n| is_instance(n, chart)))
        .map(|(f, c, _)| (f, c))
        .collect()
}

/// `visit` every node instance of `charts` with its config, charts on every core; per
/// chart, the results of its nodes in node order (or the chart's first error). The config
/// is this walk's own copy, lent mutably so that a visit can move it into a request and back
/// instead of copying it; it is dropped after its visit.
pub(crate) fn par_handover_charts<R: Send>(
    project: &Project,
    charts: &[(usize, usize)],
    visit: impl Fn(NodeAt, HandoverNodeType, &mut Object) -> Result<R> + Sync,
) -> Vec<Result<Vec<R>>> {
    crate::clone::parallel_map(charts, |&(flow_index, chart_index)| -> Result<Vec<R>> {
        let chart = &project.flows[flow_index].charts[chart_index];
        let mut configs = project.handover_configs(flow_index, chart_index)?;
        let mut results = Vec::new();
        for (node_index, (node, config)) in chart.nodes.iter().zip(&mut configs).enumerate() {
            let (Some(node_type), Some(config), true) =
                (HandoverNodeType::from_type(&node.node_type), config, is_instance(node, chart))
            else {
                continue;
            };
            results.push(visit(NodeAt { flow: flow_index, chart: chart_index, node: node_index }, node_type, config)?);
        }
        Ok(results)
    })
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
    /// Moved into each endpoint's rewrite request and back (the provider call takes an owned
    /// request): a copy per node and endpoint was a good part of the analysis' allocations.
    config: &'a mut Object,
    node_type: HandoverNodeType,
    flow: usize,
}

fn resolve_legacy_node(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    analysis: &Analysis,
    endpoint_index: &HashMap<&str, usize>,
    legacy: LegacyNode,
    switches: &std::sync::Mutex<Interner<NodeSwitch>>,
) -> Result<Resolution> {
    let LegacyNode { node, config, node_type, flow } = legacy;
    let endpoints = analysis.flow_endpoints[flow].as_slice();
    let selector_key = analysis.options.selector_key.as_str();
    let rewrite_with = |request: &NodeRewriteRequest,
                        group: usize,
                        provider: &handover_migrate_plugins::registry::Registered,
                        info: &handover_migrate_core::PairInfo|
     -> Result<Option<(usize, NodeRewrite, Vec<String>)>> {
        let pair = &request.pair;
        let mut rewrite = provider.rewrite_node(request).map_err(|error| {
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
        Ok(Some((group, rewrite, carried)))
    };
    let rewrite_for = |endpoint: usize, config: &mut Object| -> Result<Option<(usize, NodeRewrite, Vec<String>)>> {
        let EndpointState::Grouped { group, defaults } = &analysis.endpoint_states[endpoint] else { return Ok(None) };
        let pair = &analysis.groups[*group].pair;
        let Some((provider, info)) = registry.find(pair) else { return Ok(None) };
        let mut request = NodeRewriteRequest {
            pair: pair.clone(),
            node_type,
            config: std::mem::take(config),
            endpoint_defaults: defaults.clone(),
        };
        let outcome = rewrite_with(&request, *group, provider, info);
        *config = std::mem::take(&mut request.config);
        outcome
    };
    let in_scope = |endpoint: usize| analysis.in_filter(&project.endpoints[endpoint].name);
    if let Some((target, key)) = assignment(answers, project, node, flow) {
        if target == KEEP_LEGACY {
            return Ok(Resolution::KeptLegacy);
        }
        let endpoint = endpoint_index.get(target).copied().unwrap_or_default();
        if !in_scope(endpoint) {
            return Ok(Resolution::OutOfScope);
        }
        return match rewrite_for(endpoint, config)? {
            Some((group, rewrite, carried)) => Ok(Resolution::Migrate {
                group,
                endpoint: Some(endpoint),
                switch: Interner::intern_shared(switches, NodeSwitch::new(config, selector_key, rewrite, carried)),
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
                if let Some((group, rewrite, carried)) = rewrite_for(endpoint, config)? {
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
        switch: Interner::intern_shared(switches, NodeSwitch::new(config, selector_key, first_rewrite, first_carried)),
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
