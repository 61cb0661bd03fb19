//! The hook requests the analysis is about to make, sent ahead in batches to providers
//! that answer a batch faster than one request at a time (a plugin in a runner process:
//! one round trip between two processes instead of one per request). The provider
//! remembers the answers (hooks are pure), so the per-endpoint and per-node work that
//! follows finds them in memory. Nothing is decided here: a request sent ahead but never
//! made costs only time, and one not sent ahead is asked for when it is made.

use handover_migrate_core::protocol::hooks;

use super::*;

/// Endpoints per parallel pass: bounds the requests held in memory at once.
const ENDPOINTS_PER_PASS: usize = 2048;

/// A [`MapSettingsRequest`] of borrowed parts, serialized as the owned one.
#[derive(serde::Serialize)]
struct MapSettingsRequestRef<'a> {
    pair: &'a MigrationPair,
    endpoint: &'a str,
    settings: &'a Object,
}

/// Every endpoint's `map_settings` request, as [`group_endpoints`] will make it, serialized
/// on every core.
pub(super) fn map_settings(project: &Project, registry: &Registry, options: &Options) {
    if !registry.prefetches() {
        return;
    }
    for endpoints in project.endpoints.chunks(ENDPOINTS_PER_PASS) {
        let requests = crate::clone::parallel_map(endpoints, |endpoint| {
            let Handover::Legacy { kind, settings } = &endpoint.handover else { return None };
            let pair = pair_for(registry, options, kind)?;
            let request = MapSettingsRequestRef { pair: &pair, endpoint: &endpoint.name, settings };
            // One that does not serialize is left for the hook call to report.
            let json = serde_json::to_string(&request).ok()?;
            Some((pair, json))
        });
        let (pairs, jsons): (Vec<MigrationPair>, Vec<String>) = requests.into_iter().flatten().unzip();
        registry.prefetch_json(hooks::MAP_SETTINGS, pairs.iter().zip(jsons));
    }
}

/// A [`NodeRewriteRequest`] of borrowed parts: it serializes to the same JSON (the same
/// fields, in the same order), without copying a node's config per endpoint to send it.
#[derive(serde::Serialize)]
struct RewriteRequestRef<'a> {
    pair: &'a MigrationPair,
    node_type: HandoverNodeType,
    config: &'a Object,
    endpoint_defaults: &'a Object,
}

/// Charts per parallel pass: bounds the requests held in memory at once.
const CHARTS_PER_PASS: usize = 1024;

/// Every `rewrite_node` request [`resolve_nodes`] may make: for each Legacy node, the one
/// of its assigned endpoint, or those of the endpoints that reach its flow. Charts are
/// read and requests serialized on every core.
pub(super) fn rewrites(project: &Project, registry: &Registry, answers: &Answers, analysis: &Analysis) -> Result<()> {
    if !registry.prefetches() {
        return Ok(());
    }
    let endpoint_index = project.endpoint_index();
    let selector_key = analysis.options.selector_key.as_str();
    let requests_of =
        |at: nodes::NodeAt, node_type: HandoverNodeType, config: &mut Object| -> Result<Vec<(usize, String)>> {
            let config = &*config;
            if selector_of(config, selector_key) != Selector::Legacy {
                return Ok(Vec::new());
            }
            let node = &project.flows[at.flow].charts[at.chart].nodes[at.node];
            let assigned = nodes::assignment(answers, project, node, at.flow).map(|(target, _)| target);
            let endpoints: Vec<usize> = match assigned {
                Some(KEEP_LEGACY) => return Ok(Vec::new()),
                Some(target) => endpoint_index.get(target).copied().into_iter().collect(),
                None => analysis.flow_endpoints[at.flow].clone(),
            };
            // As resolve_nodes: a node none of whose endpoints is in scope asks nothing.
            if !endpoints.iter().any(|e| analysis.in_filter(&project.endpoints[*e].name)) {
                return Ok(Vec::new());
            }
            let mut requests = Vec::new();
            for endpoint in endpoints {
                let EndpointState::Grouped { group, defaults } = &analysis.endpoint_states[endpoint] else { continue };
                let group_info = &analysis.groups[*group];
                if !group_info.info.node_types.contains(&node_type) {
                    continue;
                }
                let request =
                    RewriteRequestRef { pair: &group_info.pair, node_type, config, endpoint_defaults: defaults };
                // One that does not serialize is left for the hook call to report.
                if let Ok(json) = serde_json::to_string(&request) {
                    requests.push((*group, json));
                }
            }
            Ok(requests)
        };
    for charts in handover_charts(project).chunks(CHARTS_PER_PASS) {
        let mut requests = Vec::new();
        for chart in par_handover_charts(project, charts, requests_of) {
            requests.extend(chart?.into_iter().flatten());
        }
        registry.prefetch_json(
            hooks::REWRITE_NODE,
            requests.into_iter().map(|(group, json)| (&analysis.groups[group].pair, json)),
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_rewrite_request_serializes_as_the_owned_one() {
        let config: Object =
            serde_json::from_str(r#"{"text": "hi", "liveAgentInboxId": "", "n": [1, {"a": null}]}"#).expect("config");
        let defaults: Object = serde_json::from_str(r#"{"liveAgentInboxId": "42"}"#).expect("defaults");
        let pair = MigrationPair::new("liveAgent", "salesforceMIAW");
        let owned = NodeRewriteRequest {
            pair: pair.clone(),
            node_type: HandoverNodeType::CheckAgentAvailability,
            config: config.clone(),
            endpoint_defaults: defaults.clone(),
        };
        let borrowed = RewriteRequestRef {
            pair: &pair,
            node_type: HandoverNodeType::CheckAgentAvailability,
            config: &config,
            endpoint_defaults: &defaults,
        };
        assert_eq!(serde_json::to_string(&borrowed).unwrap(), serde_json::to_string(&owned).unwrap());
        let owned =
            MapSettingsRequest { pair: pair.clone(), endpoint: "Web \"chat\"".into(), settings: config.clone() };
        let borrowed = MapSettingsRequestRef { pair: &pair, endpoint: "Web \"chat\"", settings: &config };
        assert_eq!(serde_json::to_string(&borrowed).unwrap(), serde_json::to_string(&owned).unwrap());
    }
}
