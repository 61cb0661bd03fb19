//! The files that realise a plan: new provider files and rewritten charts, listed first as
//! pending writes and computed one at a time, so a large run holds only a bounded batch of
//! new file contents in memory.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::analysis::{Analysis, Resolution, Selector};
use crate::clone::{CONFIG_FILE, PROVIDERS_DIR};
use crate::jsonedit::{render_at, span_of, splice};
use crate::model::Project;
use handover_migrate_io::fsio::{sha256_hex, to_cli_json};
use handover_migrate_io::run::FileChange;
use handover_migrate_io::{Error, Result};

pub fn provider_path(name: &str) -> String {
    format!("{PROVIDERS_DIR}/{name}/{CONFIG_FILE}")
}

/// One file the run writes, not yet computed (so that a large run holds only a bounded
/// batch of new file contents in memory).
#[derive(Debug, Clone)]
pub enum PendingWrite {
    /// A new provider file for this group.
    Provider(usize),
    /// A chart with the indices (into `Analysis::nodes`) of the nodes switched in it.
    Chart { flow: usize, chart: usize, nodes: Vec<usize> },
}

/// The files that realise the plan's providers and node edits: new provider files first,
/// then each chart once with all of its node edits.
///
/// `relink` (linking a clone to a tenant) maps provider referenceIds in the clone to what
/// the tenant's nodes hold for them (its referenceId, or `_id`): provider files whose id
/// changes are rewritten, nodes already pointing at an old id are re-pointed, and switched
/// nodes get the mapped value.
pub fn pending_writes(project: &Project, analysis: &Analysis, relink: &HashMap<String, String>) -> Vec<PendingWrite> {
    let mut writes: Vec<PendingWrite> = analysis
        .groups_in_scope()
        .filter(|(_, group)| match group.existing {
            None => group.is_complete(),
            Some(existing) => {
                let file = &project.providers[existing];
                file.reference_id != group.reference_id || (!group.id.is_empty() && file.id != group.id)
            }
        })
        .map(|(index, _)| PendingWrite::Provider(index))
        .collect();
    let mut by_chart: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (index, node) in analysis.nodes.iter().enumerate() {
        let relinked = matches!(&node.selector, Selector::Provider(old) if relink.contains_key(old));
        if matches!(node.resolution, Resolution::Migrate { .. }) || relinked {
            by_chart.entry((node.flow, node.chart)).or_default().push(index);
        }
    }
    writes.extend(by_chart.into_iter().map(|((flow, chart), nodes)| PendingWrite::Chart { flow, chart, nodes }));
    writes
}

/// The new content of one pending write.
pub fn materialize(
    project: &Project,
    analysis: &Analysis,
    relink: &HashMap<String, String>,
    write: &PendingWrite,
) -> Result<FileChange> {
    match write {
        PendingWrite::Provider(index) => {
            let group = &analysis.groups[*index];
            let before = match group.existing {
                Some(existing) => {
                    let path = &project.providers[existing].path;
                    Some(sha256_hex(project.read_unchanged(path)?.as_bytes()))
                }
                None => None,
            };
            let properties = group.property_map().unwrap_or_default();
            let mut document = serde_json::json!({
                "referenceId": group.reference_id,
                "name": group.name,
                "service": group.pair.target_service,
                "properties": properties.iter().map(|(key, value)| serde_json::json!({"key": key, "value": value})).collect::<Vec<_>>(),
            });
            if !group.id.is_empty() {
                document["_id"] = Value::String(group.id.clone());
            }
            Ok(FileChange {
                path: provider_path(&group.name),
                before,
                after: to_cli_json(&document).into_bytes(),
                // Provider files hold secrets.
                mode: 0o600,
                summary: format!("create provider \"{}\"", group.name),
            })
        }
        PendingWrite::Chart { flow, chart, nodes } => {
            let chart = &project.flows[*flow].charts[*chart];
            let text = project.read_unchanged(&chart.path)?;
            let hash = sha256_hex(text.as_bytes());
            let raw = crate::clone::parse_raw_chart(&text, &chart.path)?;
            // The chart's nodes by id (the first of a repeated id), not searched per edit.
            let mut raw_by_id: HashMap<&str, usize> = HashMap::with_capacity(raw.nodes.len());
            for (index, raw_node) in raw.nodes.iter().enumerate() {
                raw_by_id.entry(&*raw_node.id).or_insert(index);
            }
            let mut edits = Vec::new();
            for handover in nodes.iter().map(|i| &analysis.nodes[*i]) {
                let node = analysis.node(project, handover);
                let (reference, set) = match (&handover.resolution, &handover.selector) {
                    (Resolution::Migrate { group, switch, .. }, _) => {
                        let reference = &analysis.groups[*group].reference_id;
                        (relink.get(reference).unwrap_or(reference).clone(), Some(&switch.rewrite.set))
                    }
                    (_, Selector::Provider(old)) if relink.contains_key(old) => (relink[old].clone(), None),
                    _ => continue,
                };
                let Some(raw_node) = raw_by_id.get(&*node.id).map(|&i| &raw.nodes[i]) else { continue };
                let Some(raw_config) = raw_node.config else {
                    return Err(Error::failed(format!(
                        "{}: node `{}` has no config object to switch; open it once in Cognigy and clone again",
                        chart.path, node.id
                    )));
                };
                let span = span_of(&text, raw_config);
                let Ok(Value::Object(mut config)) = serde_json::from_str(raw_config.get()) else {
                    return Err(Error::failed(format!(
                        "{}: node `{}` has a config that is not a JSON object",
                        chart.path, node.id
                    )));
                };
                config.insert(analysis.options.selector_key.clone(), Value::String(reference));
                for (key, value) in set.into_iter().flatten() {
                    config.insert(key.clone(), value.clone());
                }
                let rendered = render_at(&text, &span, &Value::Object(config));
                edits.push((span, rendered));
            }
            let count = edits.len();
            let after = splice(&text, edits);
            Ok(FileChange {
                path: chart.path.clone(),
                before: Some(hash),
                after: after.into_bytes(),
                mode: 0o644,
                summary: format!("switch {count} node{} in {}", if count == 1 { "" } else { "s" }, chart.path),
            })
        }
    }
}
