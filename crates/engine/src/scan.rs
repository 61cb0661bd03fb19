//! The inventory `scan` shows: per endpoint its legacy kind, state, provider, the flows
//! that reach it and its handover nodes; the plan's findings beside it.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::analysis::{Analysis, EndpointState, Resolution, Selector};
use crate::model::{Handover, Project};
use crate::plan::{self, Plan};
use crate::status::CleanedUp;

#[derive(Serialize)]
pub struct ScanReport {
    pub project: String,
    /// Present when the node selector key is not known: the scan ran read-only with every
    /// handover node counted as `legacy_nodes` (which of them are switched is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector_unknown: Option<SelectorUnknown>,
    pub endpoints: Vec<ScanEndpoint>,
    pub plan: Plan,
}

/// What a scan without the node selector key reports: the keys on handover nodes that look
/// like it, and how to find it.
#[derive(Clone, Debug, Serialize)]
pub struct SelectorUnknown {
    pub candidates: Vec<String>,
    pub advice: String,
}

/// Where an endpoint's handover settings stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    /// Legacy settings; its provider is still to be created.
    Legacy,
    /// Legacy settings, and a provider with them exists.
    Migrated,
    /// A legacy kind no installed provider migrates (a plugin could).
    UnsupportedKind,
    /// Legacy settings the provider cannot use (`settings_problems` of them; the plan lists them).
    InvalidSettings,
    NoHandoverSettings,
    /// A cleanup run removed its legacy settings (`cleaned_by` names it): migrated, done.
    CleanedUp,
}

impl EndpointStatus {
    /// How the terminal and the reports say it.
    pub fn describe(self, settings_problems: usize) -> String {
        match self {
            EndpointStatus::Legacy => "legacy".into(),
            EndpointStatus::Migrated => "migrated".into(),
            EndpointStatus::UnsupportedKind => "unsupported kind (install a plugin)".into(),
            EndpointStatus::InvalidSettings => format!("invalid settings ({settings_problems} problem(s), see plan)"),
            EndpointStatus::NoHandoverSettings => "no handover settings".into(),
            EndpointStatus::CleanedUp => "migrated and cleaned up".into(),
        }
    }
}

#[derive(Serialize)]
pub struct ScanEndpoint {
    pub name: String,
    pub kind: Option<String>,
    pub status: EndpointStatus,
    /// With `invalid_settings`: how many problems its settings have.
    pub settings_problems: usize,
    pub provider: Option<String>,
    pub flows: Vec<String>,
    pub legacy_nodes: usize,
    pub switched_nodes: usize,
    pub locales: Vec<String>,
    /// With `cleaned_up`: the cleanup run that removed its legacy settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaned_by: Option<String>,
}

/// Per endpoint: the flows that reach it, its Legacy and switched node counts and the
/// locales of its nodes, gathered in one pass over flows and nodes.
#[derive(Default)]
struct Reach {
    flows: Vec<usize>,
    legacy_nodes: usize,
    switched_nodes: usize,
    locales: BTreeSet<usize>,
}

pub fn build(project: &Project, analysis: &Analysis, history: &crate::status::History) -> ScanReport {
    let cleaned = crate::status::cleaned_up(project, analysis, history);
    ScanReport {
        project: project.root.display().to_string(),
        selector_unknown: None,
        endpoints: endpoints(project, analysis, &cleaned),
        plan: plan::build(project, analysis),
    }
}

/// The endpoint rows of a scan, given the endpoints a cleanup emptied
/// ([`crate::status::cleaned_up`]): `report` builds its plan and that list once and shares
/// them with this, rather than building a whole scan.
pub fn endpoints(project: &Project, analysis: &Analysis, cleaned: &[CleanedUp]) -> Vec<ScanEndpoint> {
    let cleaned: HashMap<&str, &CleanedUp> = cleaned.iter().map(|c| (c.endpoint.as_str(), c)).collect();
    let mut reach: Vec<Reach> = project.endpoints.iter().map(|_| Reach::default()).collect();
    for (flow, endpoints) in analysis.flow_endpoints.iter().enumerate() {
        for &endpoint in endpoints {
            reach[endpoint].flows.push(flow);
        }
    }
    for node in &analysis.nodes {
        let locale = project.flows[node.flow].charts[node.chart].locale;
        let legacy = node.selector == Selector::Legacy;
        let switched = matches!(node.resolution, Resolution::AlreadySwitched { .. });
        for &endpoint in analysis.endpoints_of(node) {
            let reach = &mut reach[endpoint];
            reach.legacy_nodes += usize::from(legacy);
            reach.switched_nodes += usize::from(switched);
            reach.locales.insert(locale);
        }
    }
    project
        .endpoints
        .iter()
        .zip(reach)
        .enumerate()
        .map(|(index, (endpoint, reach))| {
            let mut settings_problems = 0;
            let (kind, status, provider) = match (&endpoint.handover, &analysis.endpoint_states[index]) {
                (Handover::Legacy { kind, .. }, EndpointState::Grouped { group, .. }) => {
                    let group = &analysis.groups[*group];
                    let status =
                        if group.existing.is_some() { EndpointStatus::Migrated } else { EndpointStatus::Legacy };
                    (Some(kind.clone()), status, Some(group.name.clone()))
                }
                (Handover::Legacy { kind, .. }, EndpointState::Unsupported { .. }) => {
                    (Some(kind.clone()), EndpointStatus::UnsupportedKind, None)
                }
                (Handover::Legacy { kind, .. }, EndpointState::Invalid { issues, .. }) => {
                    settings_problems = issues.len();
                    (Some(kind.clone()), EndpointStatus::InvalidSettings, None)
                }
                (Handover::Nothing(kind), _) => (Some(kind.clone()), EndpointStatus::NoHandoverSettings, None),
                _ => (None, EndpointStatus::NoHandoverSettings, None),
            };
            let cleaned_up = cleaned.get(endpoint.name.as_str());
            let (status, provider) = match cleaned_up {
                Some(c) => (EndpointStatus::CleanedUp, c.provider.clone()),
                None => (status, provider),
            };
            let mut locales: Vec<String> =
                reach.locales.iter().map(|&locale| project.locales[locale].name.clone()).collect();
            locales.sort();
            ScanEndpoint {
                name: endpoint.name.clone(),
                kind,
                status,
                settings_problems,
                provider,
                flows: reach.flows.iter().map(|&flow| project.flows[flow].name.clone()).collect(),
                legacy_nodes: reach.legacy_nodes,
                switched_nodes: reach.switched_nodes,
                locales,
                cleaned_by: cleaned_up.and_then(|c| c.run.clone()),
            }
        })
        .collect()
}
