//! Verify what a migration left, and plan the cleanup of legacy endpoint settings.
//!
//! An endpoint counts as *migrated* once a provider with its settings exists. Verify passes
//! when no node still depends on a migrated endpoint through Legacy, every switched node
//! points at an existing provider, and every provider passes its vendor's checks. Cleanup
//! removes an endpoint's legacy settings only when verify passes and nothing depends on
//! them any more.

use handover_migrate_core::{Severity, VerifyRequest};
use serde::Deserialize;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::analysis::{Analysis, EndpointState, Resolution, Selector};
use crate::jsonedit::{render_at, span_of, splice};
use crate::model::{Handover, Project};
use handover_migrate_io::fsio::sha256_hex;
use handover_migrate_io::run::FileChange;
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::registry::Registry;

#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    /// Endpoints whose provider exists.
    pub migrated_endpoints: Vec<String>,
    /// Nodes still on Legacy that depend on a migrated endpoint.
    pub remaining: Vec<String>,
    /// Nodes pointing at a provider that does not exist.
    pub dangling: Vec<String>,
    /// Vendor checks of provider files.
    pub provider_findings: Vec<String>,
    /// Endpoints with legacy settings not migrated yet (information only).
    pub not_migrated: Vec<String>,
    /// No endpoint is migrated: everything remains, which is not a pass (a CI gate must
    /// not pass on a project nobody migrated).
    pub nothing_migrated: bool,
    /// Why an endpoint is not migrated when an input is missing (a secret not supplied),
    /// with what supplies it.
    #[serde(default)]
    pub missing_inputs: Vec<String>,
    /// Endpoints whose legacy settings a cleanup run removed: migrated, and done.
    #[serde(default)]
    pub cleaned_up: Vec<crate::status::CleanedUp>,
}

impl VerifyReport {
    pub fn passed(&self) -> bool {
        !self.nothing_migrated
            && self.remaining.is_empty()
            && self.dangling.is_empty()
            && self.provider_findings.is_empty()
    }
}

fn node_label(project: &Project, analysis: &Analysis, node: &crate::analysis::HandoverNode) -> String {
    let flow = &project.flows[node.flow];
    let chart = &flow.charts[node.chart];
    let n = analysis.node(project, node);
    format!(
        "flow \"{}\", locale {}, {} node `{}` (\"{}\")",
        flow.name, project.locales[chart.locale].name, n.node_type, n.id, n.label
    )
}

/// `masked_on_read`: the store returns secrets masked (API mode), so a masked value there
/// stands for a secret the tenant holds and is not a finding.
pub fn verify(
    project: &Project,
    analysis: &Analysis,
    registry: &Registry,
    masked_on_read: bool,
    history: &crate::status::History,
) -> Result<VerifyReport> {
    verify_with(project, analysis, registry, masked_on_read, crate::status::cleaned_up(project, analysis, history))
}

/// [`verify`] given the endpoints a cleanup emptied ([`crate::status::cleaned_up`]), for
/// `report`, which computes that list once for its scan and verify sections.
pub fn verify_with(
    project: &Project,
    analysis: &Analysis,
    registry: &Registry,
    masked_on_read: bool,
    cleaned_up: Vec<crate::status::CleanedUp>,
) -> Result<VerifyReport> {
    let mut report = VerifyReport { cleaned_up, ..Default::default() };
    let migrated: Vec<bool> = analysis
        .endpoint_states
        .iter()
        .map(
            |state| matches!(state, EndpointState::Grouped { group, .. } if analysis.groups[*group].existing.is_some()),
        )
        .collect();
    for (index, endpoint) in project.endpoints.iter().enumerate() {
        if !analysis.in_filter(&endpoint.name) {
            continue;
        }
        if migrated[index] {
            report.migrated_endpoints.push(endpoint.name.clone());
        } else if matches!(endpoint.handover, Handover::Legacy { .. }) {
            report.not_migrated.push(endpoint.name.clone());
            if let EndpointState::Grouped { group, .. } = &analysis.endpoint_states[index] {
                for step in analysis.groups[*group].steps.iter().filter(|s| s.blocking && !s.satisfied) {
                    let Some(entry) = &step.answers_entry else { continue };
                    let or_env = step.env_var.as_ref().map(|v| format!("set {v}, or ")).unwrap_or_default();
                    report.missing_inputs.push(format!(
                        "{}: `{}` is not supplied and no provider holding it exists; {or_env}add to the answers file: {}",
                        endpoint.name,
                        step.step.key,
                        entry.replace('\n', " ")
                    ));
                }
            }
        }
    }
    // After cleanup an endpoint keeps no legacy settings to group by: nodes switched to a
    // provider show the migration then.
    report.nothing_migrated = report.migrated_endpoints.is_empty()
        && report.cleaned_up.is_empty()
        && !analysis.nodes.iter().any(|node| matches!(node.selector, Selector::Provider(_)));
    for node in &analysis.nodes {
        // Only the endpoints that reach the node's flow can make it depend on them.
        let depends_on_migrated = analysis.endpoints_of(node).iter().any(|&e| {
            migrated[e] && analysis.in_filter(&project.endpoints[e].name) && analysis.depends_on_reaching(node, e)
        });
        match (&node.selector, &node.resolution) {
            (Selector::Legacy, resolution) if depends_on_migrated => {
                let why = match resolution {
                    Resolution::Conflict { reason } => format!(" — conflict: {reason}"),
                    Resolution::KeptLegacy => " — kept on Legacy by the answers file".to_string(),
                    _ => String::new(),
                };
                report.remaining.push(format!("{} is still Legacy{why}", node_label(project, analysis, node)));
            }
            (Selector::Provider(reference), Resolution::AlreadySwitched { provider: None }) => {
                report.dangling.push(format!(
                    "{} points at provider `{reference}`, which does not exist",
                    node_label(project, analysis, node)
                ))
            }
            _ => {}
        }
    }
    for provider in &project.providers {
        let Some(pair) = registry.pair_for_service(&provider.service) else { continue };
        let Some((plugin, _)) = registry.find(&pair) else { continue };
        let mut properties = provider.properties.clone();
        if masked_on_read {
            for value in properties.values_mut() {
                if value.as_str().is_some_and(handover_migrate_core::secret::looks_masked) {
                    *value = Value::String("(held by the tenant)".into());
                }
            }
        }
        let findings = plugin.verify(&VerifyRequest { pair, provider_name: provider.name.clone(), properties })?;
        report.provider_findings.extend(
            findings
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| format!("{}: {}", provider.path, f.message)),
        );
    }
    Ok(report)
}

/// An endpoint cleanup would change, or why it will not.
#[derive(Debug, Serialize)]
pub struct CleanupItem {
    pub endpoint: String,
    pub path: String,
    /// `providerSettings` keys removed (values never shown).
    pub removed_keys: Vec<String>,
    pub kind: String,
    /// `None`: eligible. `Some(reason)`: refused.
    pub refused: Option<String>,
}

/// Per endpoint with legacy settings (inside the filter): eligible or refused with a reason.
/// `force_pinned` lets cleanup touch endpoints that run a snapshot.
pub fn cleanup_items(project: &Project, analysis: &Analysis, force_pinned: bool) -> Vec<CleanupItem> {
    // Per endpoint, the nodes that still depend on it through Legacy: one pass over the nodes
    // and the endpoints reaching each, not every node for every endpoint.
    let mut legacy_nodes: Vec<Vec<usize>> = vec![Vec::new(); project.endpoints.len()];
    for (node_index, node) in analysis.nodes.iter().enumerate() {
        for &endpoint in analysis.endpoints_of(node) {
            if analysis.depends_on_reaching(node, endpoint) {
                legacy_nodes[endpoint].push(node_index);
            }
        }
    }
    let mut items = Vec::new();
    for (index, endpoint) in project.endpoints.iter().enumerate() {
        let Handover::Legacy { kind, settings } = &endpoint.handover else { continue };
        if !analysis.in_filter(&endpoint.name) {
            continue;
        }
        let refused = match &analysis.endpoint_states[index] {
            _ if endpoint.snapshot_pinned && !force_pinned => Some(format!(
                "it runs snapshot `{}`, whose frozen flows still use Legacy: cleaning it up would break its live handover. \
                 Point it at a new snapshot first, or pass --force",
                endpoint.entrypoint
            )),
            EndpointState::Unsupported { .. } => {
                Some(format!("no installed provider supports kind `{kind}`; it is never cleaned up"))
            }
            EndpointState::Invalid { .. } => Some("its legacy settings are invalid (see `plan`)".to_string()),
            EndpointState::NoHandover => None,
            EndpointState::Grouped { group, .. } if analysis.groups[*group].existing.is_none() => {
                Some(
                    "not migrated yet: no provider with its settings exists (run `apply`; after a vendor switch, pass \
                     the same `--to SERVICE` and answers)"
                        .to_string(),
                )
            }
            EndpointState::Grouped { .. } => {
                let legacy: Vec<String> =
                    legacy_nodes[index].iter().map(|&n| node_label(project, analysis, &analysis.nodes[n])).collect();
                (!legacy.is_empty()).then(|| {
                    format!(
                        "{} node{} still use{} Legacy through this endpoint: {}",
                        legacy.len(),
                        if legacy.len() == 1 { "" } else { "s" },
                        if legacy.len() == 1 { "s" } else { "" },
                        legacy.join("; ")
                    )
                })
            }
        };
        items.push(CleanupItem {
            endpoint: endpoint.name.clone(),
            path: endpoint.path.clone(),
            removed_keys: settings.keys().cloned().collect(),
            kind: kind.clone(),
            refused,
        });
    }
    items
}

#[derive(Deserialize)]
struct RawEndpoint<'a> {
    #[serde(rename = "handoverSettings", borrow)]
    handover_settings: &'a RawValue,
}

/// The endpoint file with `provider` set to `"none"` and `providerSettings` removed;
/// `agentAssistSettings` and every other byte stay as they were.
pub fn cleanup_change(project: &Project, item: &CleanupItem) -> Result<FileChange> {
    let text = project.read_unchanged(&item.path)?;
    let hash = sha256_hex(text.as_bytes());
    let raw: RawEndpoint = serde_json::from_str(&text)
        .map_err(|e| Error::failed(format!("{}: cannot locate handoverSettings ({e})", item.path)))?;
    let span = span_of(&text, raw.handover_settings);
    let mut settings: serde_json::Map<String, Value> = serde_json::from_str(raw.handover_settings.get())
        .map_err(|e| Error::failed(format!("{}: handoverSettings is not an object ({e})", item.path)))?;
    settings.insert("provider".to_string(), Value::String("none".to_string()));
    settings.shift_remove("providerSettings");
    let rendered = render_at(&text, &span, &Value::Object(settings));
    Ok(FileChange {
        path: item.path.clone(),
        before: Some(hash),
        after: splice(&text, vec![(span, rendered)]).into_bytes(),
        mode: 0o644,
        summary: format!("remove legacy {} settings from endpoint \"{}\"", item.kind, item.endpoint),
    })
}
