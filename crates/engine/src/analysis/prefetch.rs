//! The hook requests the analysis is about to make, sent ahead in batches to providers
//! that answer a batch faster than one request at a time (a plugin in a runner process:
//! one round trip between two processes instead of one per request). The provider
//! remembers the answers (hooks are pure), so the per-endpoint and per-node work that
//! follows finds them in memory. Nothing is decided here: a request sent ahead but never
//! made costs only time, and one not sent ahead is asked for when it is made.

use handover_migrate_core::protocol::hooks;

use super::*;

/// Requests per batch: bounds what is held in memory at once on a large project.
const BATCH: usize = 2048;

/// Collect requests and send them `BATCH` at a time.
struct Batcher<'a, Req> {
    registry: &'a Registry,
    hook: &'static str,
    pair_of: fn(&Req) -> &MigrationPair,
    requests: Vec<Req>,
}

impl<'a, Req: serde::Serialize> Batcher<'a, Req> {
    fn new(registry: &'a Registry, hook: &'static str, pair_of: fn(&Req) -> &MigrationPair) -> Self {
        Self { registry, hook, pair_of, requests: Vec::new() }
    }

    fn push(&mut self, request: Req) {
        self.requests.push(request);
        if self.requests.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.registry.prefetch(self.hook, &self.requests, self.pair_of);
        self.requests.clear();
    }
}

/// Every endpoint's `map_settings` request, as [`group_endpoints`] will make it.
pub(super) fn map_settings(project: &Project, registry: &Registry, options: &Options) {
    if !registry.prefetches() {
        return;
    }
    let mut batcher = Batcher::new(registry, hooks::MAP_SETTINGS, |r: &MapSettingsRequest| &r.pair);
    for endpoint in &project.endpoints {
        let Handover::Legacy { kind, settings } = &endpoint.handover else { continue };
        let Some(pair) = pair_for(registry, options, kind) else { continue };
        batcher.push(MapSettingsRequest { pair, endpoint: endpoint.name.clone(), settings: settings.clone() });
    }
    batcher.flush();
}

/// Every `rewrite_node` request [`resolve_nodes`] may make: for each Legacy node, the one
/// of its assigned endpoint, or those of the endpoints that reach its flow.
pub(super) fn rewrites(project: &Project, registry: &Registry, answers: &Answers, analysis: &Analysis) -> Result<()> {
    if !registry.prefetches() {
        return Ok(());
    }
    let endpoint_index = project.endpoint_index();
    let selector_key = analysis.options.selector_key.as_str();
    let mut batcher = Batcher::new(registry, hooks::REWRITE_NODE, |r: &NodeRewriteRequest| &r.pair);
    for_each_handover_node(project, |at, node_type, config| {
        if selector_of(config, selector_key) != Selector::Legacy {
            return Ok(());
        }
        let node = &project.flows[at.flow].charts[at.chart].nodes[at.node];
        let assigned = nodes::assignment(answers, project, node, at.flow).map(|(target, _)| target);
        let endpoints: Vec<usize> = match assigned {
            Some(KEEP_LEGACY) => return Ok(()),
            Some(target) => endpoint_index.get(target).copied().into_iter().collect(),
            None => analysis.flow_endpoints[at.flow].clone(),
        };
        // As resolve_nodes: a node none of whose endpoints is in scope asks nothing.
        if !endpoints.iter().any(|e| analysis.in_filter(&project.endpoints[*e].name)) {
            return Ok(());
        }
        for endpoint in endpoints {
            let EndpointState::Grouped { group, defaults } = &analysis.endpoint_states[endpoint] else { continue };
            let group = &analysis.groups[*group];
            if !group.info.node_types.contains(&node_type) {
                continue;
            }
            batcher.push(NodeRewriteRequest {
                pair: group.pair.clone(),
                node_type,
                config: config.clone(),
                endpoint_defaults: defaults.clone(),
            });
        }
        Ok(())
    })?;
    batcher.flush();
    Ok(())
}

/// The groups' `manual_steps` requests, as [`resolve_groups`](super::groups) makes them.
pub(super) fn manual_steps(registry: &Registry, requests: &[Option<ManualStepsRequest>]) {
    if !registry.prefetches() {
        return;
    }
    let requests: Vec<&ManualStepsRequest> = requests.iter().flatten().collect();
    registry.prefetch(hooks::MANUAL_STEPS, &requests, |r| &r.pair);
}
