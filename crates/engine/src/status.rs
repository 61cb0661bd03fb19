//! Where a migration stands, from the project's content and its run history together: the
//! content decides what is migrated (providers present, nodes switched, endpoint settings);
//! the journals add which run did it, and which endpoints a cleanup emptied (their legacy
//! settings are gone from the content, so only the history can say they were migrated).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::{Analysis, Resolution};
use crate::model::{Handover, Project};
use handover_migrate_io::journal::{ApiOp, Record, RunKind};
use handover_migrate_io::run::{RunInfo, RunState};

/// What the journals of a state directory say (rolled-back runs do not count).
#[derive(Debug, Default)]
pub struct History {
    /// Endpoint file (or API path) → the cleanup run that removed its legacy settings.
    pub cleaned: BTreeMap<String, String>,
    /// Provider file (or API path) → the apply run that created it.
    pub created: BTreeMap<String, String>,
}

impl History {
    pub fn from_runs(runs: &[RunInfo]) -> History {
        let mut history = History::default();
        for run in runs.iter().filter(|r| r.state != RunState::RolledBack) {
            for record in &run.records {
                let (path, created) = match record {
                    Record::Write { path, before, .. } => (path, before.is_none()),
                    Record::ApiWrite { path, op, .. } => (path, matches!(op, ApiOp::CreateProvider { .. })),
                    _ => continue,
                };
                match run.kind {
                    RunKind::Cleanup => {
                        history.cleaned.insert(path.clone(), run.id.clone());
                    }
                    RunKind::Apply if created => {
                        history.created.insert(path.clone(), run.id.clone());
                    }
                    RunKind::Apply => {}
                }
            }
        }
        history
    }
}

/// An endpoint whose legacy settings a cleanup removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CleanedUp {
    pub endpoint: String,
    /// The cleanup run that removed them; `None` when the content alone says so (a fresh
    /// clone without the state directory: no legacy settings, its nodes on providers).
    pub run: Option<String>,
    /// The provider its nodes use now (the first, by name, when several).
    pub provider: Option<String>,
}

/// Endpoints without legacy settings that a cleanup emptied (inside the filter): named by a
/// cleanup run's journal, or, without one, by the content (no legacy settings, and every
/// handover node it reaches points at an existing provider).
pub fn cleaned_up(project: &Project, analysis: &Analysis, history: &History) -> Vec<CleanedUp> {
    let mut providers_of: Vec<Option<&str>> = vec![None; project.endpoints.len()];
    let mut all_switched: Vec<bool> = vec![true; project.endpoints.len()];
    for node in &analysis.nodes {
        let Resolution::AlreadySwitched { provider: Some(index) } = node.resolution else {
            for &endpoint in analysis.endpoints_of(node) {
                all_switched[endpoint] = false;
            }
            continue;
        };
        let name = project.providers[index].name.as_str();
        for &endpoint in analysis.endpoints_of(node) {
            let slot = &mut providers_of[endpoint];
            if slot.is_none_or(|current| name < current) {
                *slot = Some(name);
            }
        }
    }
    project
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e.handover, Handover::Legacy { .. }) && analysis.in_filter(&e.name))
        .filter_map(|(index, endpoint)| {
            let run = history.cleaned.get(&endpoint.path).cloned();
            // Content alone: handover set to "none" explicitly, and its nodes on providers.
            let by_content = matches!(&endpoint.handover, Handover::Nothing(kind) if kind == "none")
                && providers_of[index].is_some()
                && all_switched[index];
            (run.is_some() || by_content).then(|| CleanedUp {
                endpoint: endpoint.name.clone(),
                run,
                provider: providers_of[index].map(str::to_string),
            })
        })
        .collect()
}
