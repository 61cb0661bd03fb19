//! The data of a migration report for a change ticket: what was found, created and switched,
//! manual steps, verify status, the runs of the state directory. The CLI renders it as
//! Markdown or as one HTML file.
//!
//! Everything in it comes from the plan, the scan, verify and the run journals, which carry
//! secrets masked, so no secret can reach a report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use handover_migrate_core::validate::is_unset;
use handover_migrate_io::journal::{ApiOp, Record, RunKind};
use handover_migrate_io::run::{RunInfo, RunState};
use handover_migrate_io::Result;
use handover_migrate_plugins::Registry;
use serde::Serialize;
use serde_json::Value;

use crate::analysis::{Analysis, Resolution, Selector};
use crate::model::Project;
use crate::plan::{self, FieldChange, MissingAnswer, Notice, PlannedConflict, PlannedProperty, ProviderAction};
use crate::scan::{self, ScanEndpoint};

/// Where a provider of the migration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ProviderStatus {
    #[serde(rename = "to create")]
    ToCreate,
    /// Created by a run of this state directory.
    #[serde(rename = "created")]
    Created,
    /// There before (made by hand, by the UI's Migrate button, or by a run whose history is gone).
    #[serde(rename = "exists")]
    Exists,
}

/// Where a node of the migration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NodeStatus {
    #[serde(rename = "to switch")]
    ToSwitch,
    #[serde(rename = "switched")]
    Switched,
}

impl ProviderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderStatus::ToCreate => "to create",
            ProviderStatus::Created => "created",
            ProviderStatus::Exists => "exists",
        }
    }
}

impl NodeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::ToSwitch => "to switch",
            NodeStatus::Switched => "switched",
        }
    }
}

#[derive(Serialize)]
pub struct Report {
    pub tool: String,
    /// UTC, RFC 3339 (`SOURCE_DATE_EPOCH` is honoured for reproducible reports).
    pub generated_at: String,
    pub project: String,
    pub selector_key: String,
    pub endpoint_filter: Vec<String>,
    /// One line: where the migration stands.
    pub stage: String,
    pub summary: Summary,
    pub endpoints: Vec<ScanEndpoint>,
    pub providers: Vec<ReportProvider>,
    pub nodes: Vec<ReportNode>,
    pub manual_steps: Vec<ReportStep>,
    pub conflicts: Vec<PlannedConflict>,
    pub missing_answers: Vec<MissingAnswer>,
    pub errors: Vec<String>,
    pub verify: ReportVerify,
    pub runs: Vec<ReportRun>,
    pub warnings: Vec<String>,
    pub notices: Vec<Notice>,
    /// The endpoint → provider → flow relationships the diagram shows.
    pub links: Links,
}

#[derive(Default, Serialize)]
pub struct Summary {
    pub endpoints_with_legacy_settings: usize,
    pub providers_to_create: usize,
    pub providers_existing: usize,
    pub nodes_to_switch: usize,
    pub nodes_switched: usize,
    pub conflicts: usize,
    pub missing_answers: usize,
    pub manual_steps_open: usize,
}

#[derive(Serialize)]
pub struct ReportProvider {
    pub name: String,
    pub display_name: String,
    pub source_kind: String,
    pub target_service: String,
    pub reference_id: String,
    /// `to create`, `created` (by a run of this tool) or `exists`.
    pub status: ProviderStatus,
    pub created_by_run: Option<String>,
    pub path: String,
    pub endpoints: Vec<String>,
    /// Secrets masked.
    pub properties: Vec<PlannedProperty>,
    pub notes: Vec<String>,
}

#[derive(Serialize)]
pub struct ReportNode {
    pub flow: String,
    pub locale: String,
    pub node_id: String,
    pub node_reference_id: String,
    pub label: String,
    pub node_type: String,
    pub endpoints: Vec<String>,
    pub provider: String,
    /// `to switch` or `switched`.
    pub status: NodeStatus,
    /// The selector before: `Legacy`, or `null` when the node was switched before any run
    /// this report knows of.
    pub before: Option<String>,
    /// The selector after: the provider's referenceId.
    pub after: String,
    /// Other node fields the provider's rewrite changes (to switch only).
    pub changes: Vec<FieldChange>,
    pub run: Option<String>,
}

#[derive(Serialize)]
pub struct ReportStep {
    /// The provider it belongs to, or `null` for project-wide steps.
    pub provider: Option<String>,
    pub text: String,
    pub done: bool,
    /// The answers-file entry that supplies it (input steps).
    pub answers_entry: Option<String>,
}

#[derive(Serialize)]
pub struct ReportVerify {
    pub passed: bool,
    /// False while no endpoint is migrated (verify then has nothing to check).
    pub applicable: bool,
    pub migrated_endpoints: Vec<String>,
    pub not_migrated: Vec<String>,
    pub remaining: Vec<String>,
    pub dangling: Vec<String>,
    pub provider_findings: Vec<String>,
}

#[derive(Serialize)]
pub struct ReportRun {
    pub id: String,
    pub kind: String,
    pub state: RunState,
    pub files: usize,
}

#[derive(Default, Serialize)]
pub struct Links {
    pub endpoint_provider: Vec<EndpointLink>,
    pub provider_flow: Vec<FlowLink>,
}

#[derive(Serialize)]
pub struct EndpointLink {
    pub endpoint: String,
    pub provider: String,
}

#[derive(Serialize)]
pub struct FlowLink {
    pub provider: String,
    pub flow: String,
    pub nodes: usize,
    /// A conflict: the node is reached through this provider's endpoints among others and
    /// waits for an answer.
    pub conflict: bool,
}

/// A node's provider selector as a person reads it: unset (absent, null, blank) is Legacy.
fn show_selector(value: &Option<Value>) -> String {
    match value {
        _ if is_unset(value.as_ref()) => "Legacy".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "Legacy".to_string(),
    }
}

/// What a report is built from besides the project: the providers of this run, the run
/// history of the state directory (or why it could not be read), and who made the report.
pub struct ReportInputs<'a> {
    pub registry: &'a Registry,
    pub runs: Result<Vec<RunInfo>>,
    /// True in API mode: providers live on the tenant.
    pub api: bool,
    /// `handover-migrate <version>`.
    pub tool: String,
}

/// Collect the report of an analysed project.
///
/// One pass of each kind feeds every section: the plan is built once (the scan section
/// takes only its endpoint rows, [`scan::endpoints`], not a second plan), and the endpoints
/// a cleanup emptied are found once for the scan and verify sections. The plan's project
/// state is not shown, so `report` loads the project without hashing it (see
/// `Context::load_read_only`), which also leaves that state empty instead of re-reading
/// and re-hashing every endpoint and provider file.
pub fn build(project: &Project, analysis: &Analysis, inputs: ReportInputs) -> Result<Report> {
    let plan = plan::build(project, analysis);
    let mut history_warning = None;
    // A damaged journal must not keep the report from being written: say so instead.
    let runs_info = inputs.runs.unwrap_or_else(|error| {
        history_warning = Some(format!("the run history could not be read: {}", error.message));
        Vec::new()
    });
    let history = crate::status::History::from_runs(&runs_info);
    let cleaned = crate::status::cleaned_up(project, analysis, &history);
    let scan_endpoints = scan::endpoints(project, analysis, &cleaned);
    let verify = crate::verify::verify_with(project, analysis, inputs.registry, inputs.api, cleaned)?;
    // What the runs of this state directory did (rolled-back runs no longer count).
    let mut created_by: BTreeMap<String, String> = BTreeMap::new();
    let mut written_by: BTreeMap<String, String> = BTreeMap::new();
    for run in runs_info.iter().filter(|r| r.kind == RunKind::Apply && r.state != RunState::RolledBack) {
        for record in &run.records {
            match record {
                Record::Write { path, before, .. } => {
                    if before.is_none() {
                        created_by.insert(path.clone(), run.id.clone());
                    }
                    written_by.insert(path.clone(), run.id.clone());
                }
                Record::ApiWrite { path, op, .. } => {
                    if matches!(op, ApiOp::CreateProvider { .. }) {
                        created_by.insert(path.clone(), run.id.clone());
                    }
                    written_by.insert(path.clone(), run.id.clone());
                }
                _ => {}
            }
        }
    }
    let runs = runs_info
        .iter()
        .map(|r| ReportRun {
            id: r.id.clone(),
            kind: r.kind.as_str().to_string(),
            state: r.state,
            files: r.changed_count(),
        })
        .collect();

    let mut providers: Vec<ReportProvider> = plan
        .providers
        .iter()
        .map(|p| {
            let created_by_run =
                if p.action == ProviderAction::Create { None } else { created_by.get(&p.path).cloned() };
            let status = match (p.action, &created_by_run) {
                (ProviderAction::Create, _) => ProviderStatus::ToCreate,
                (_, Some(_)) => ProviderStatus::Created,
                _ => ProviderStatus::Exists,
            };
            ReportProvider {
                name: p.name.clone(),
                display_name: inputs
                    .registry
                    .find(&p.pair)
                    .map(|(_, info)| info.display_name.clone())
                    .unwrap_or_else(|| p.pair.target_service.clone()),
                source_kind: p.pair.source_kind.clone(),
                target_service: p.pair.target_service.clone(),
                reference_id: p.reference_id.clone(),
                status,
                created_by_run,
                path: p.path.clone(),
                endpoints: p.endpoints.clone(),
                properties: p.properties.clone(),
                notes: p.notes.clone(),
            }
        })
        .collect();

    // Providers of cleaned-up endpoints: no longer in the plan (their endpoints have no legacy
    // settings left), still the migration's. Indexed, not searched: a cleanup can empty
    // thousands of endpoints of thousands of providers.
    let mut provider_at: HashMap<String, usize> = HashMap::with_capacity(providers.len());
    for (i, p) in providers.iter().enumerate() {
        provider_at.entry(p.name.clone()).or_insert(i);
    }
    let mut project_provider: HashMap<&str, &crate::model::ProviderFile> = HashMap::new();
    for p in &project.providers {
        project_provider.entry(p.name.as_str()).or_insert(p);
    }
    // Per provider of the report, the endpoints it lists (to add each cleaned one once).
    let mut listed: HashMap<usize, std::collections::HashSet<String>> = HashMap::new();
    for cleaned in &verify.cleaned_up {
        let Some(name) = &cleaned.provider else { continue };
        if let Some(&at) = provider_at.get(name) {
            let known = &mut providers[at];
            let endpoints = listed.entry(at).or_insert_with(|| known.endpoints.iter().cloned().collect());
            if endpoints.insert(cleaned.endpoint.clone()) {
                known.endpoints.push(cleaned.endpoint.clone());
            }
            continue;
        }
        let Some(provider) = project_provider.get(name.as_str()) else { continue };
        let pair = inputs.registry.pair_for_service(&provider.service);
        let created_by_run = created_by.get(&provider.path).cloned();
        providers.push(ReportProvider {
            name: provider.name.clone(),
            display_name: pair
                .as_ref()
                .and_then(|pair| inputs.registry.find(pair))
                .map(|(_, info)| info.display_name.clone())
                .unwrap_or_else(|| provider.service.clone()),
            source_kind: pair.as_ref().map(|p| p.source_kind.clone()).unwrap_or_default(),
            target_service: provider.service.clone(),
            reference_id: provider.reference_id.clone(),
            status: if created_by_run.is_some() { ProviderStatus::Created } else { ProviderStatus::Exists },
            created_by_run,
            path: provider.path.clone(),
            endpoints: vec![cleaned.endpoint.clone()],
            // Its properties are not shown: they are no longer compared with any endpoint.
            properties: Vec::new(),
            notes: Vec::new(),
        });
        provider_at.insert(name.clone(), providers.len() - 1);
    }

    let mut nodes: Vec<ReportNode> = plan
        .node_edits
        .iter()
        .map(|edit| {
            let (selector, rest) = match edit.changes.split_first() {
                Some((first, rest)) => (Some(first), rest.to_vec()),
                None => (None, Vec::new()),
            };
            ReportNode {
                flow: edit.flow.to_string(),
                locale: edit.locale.to_string(),
                node_id: edit.node_id.to_string(),
                node_reference_id: edit.node_reference_id.to_string(),
                label: edit.label.to_string(),
                node_type: edit.node_type.to_string(),
                endpoints: edit.endpoints.to_vec(),
                provider: edit.provider.to_string(),
                status: NodeStatus::ToSwitch,
                before: Some(show_selector(&selector.and_then(|c| c.before.clone()))),
                after: selector.map(|c| show_selector(&Some(c.after.clone()))).unwrap_or_default(),
                changes: rest,
                run: None,
            }
        })
        .collect();
    // Nodes already pointing at one of this migration's providers.
    let ours: BTreeMap<&str, &str> = providers.iter().map(|p| (p.reference_id.as_str(), p.name.as_str())).collect();
    for handover in &analysis.nodes {
        let (Resolution::AlreadySwitched { provider: Some(_) }, Selector::Provider(reference)) =
            (&handover.resolution, &handover.selector)
        else {
            continue;
        };
        let Some(provider) = ours.get(reference.as_str()) else { continue };
        let flow = &project.flows[handover.flow];
        let chart = &flow.charts[handover.chart];
        let node = analysis.node(project, handover);
        let run = written_by.get(&chart.path).cloned();
        nodes.push(ReportNode {
            flow: flow.name.clone(),
            locale: project.locales[chart.locale].name.clone(),
            node_id: node.id.to_string(),
            node_reference_id: node.reference_id.to_string(),
            label: node.label.to_string(),
            node_type: node.node_type.clone(),
            endpoints: analysis.endpoints_of(handover).iter().map(|e| project.endpoints[*e].name.clone()).collect(),
            provider: provider.to_string(),
            status: NodeStatus::Switched,
            before: run.as_ref().map(|_| "Legacy".to_string()),
            after: reference.clone(),
            changes: Vec::new(),
            run,
        });
    }
    nodes.sort_by(|a, b| (&a.flow, &a.locale, &a.node_id).cmp(&(&b.flow, &b.locale, &b.node_id)));

    let mut manual_steps = Vec::new();
    for p in &plan.providers {
        for step in &p.manual_steps {
            manual_steps.push(ReportStep {
                provider: Some(p.name.clone()),
                text: step.prompt.clone(),
                done: step.blocking && step.satisfied,
                answers_entry: step.answers_entry.clone(),
            });
        }
    }
    for item in &analysis.out_of_scope {
        manual_steps.push(ReportStep {
            provider: None,
            text: format!(
                "Flow \"{}\", {} node `{}` (\"{}\"): {}",
                item.flow, item.node_type, item.node_id, item.label, item.reason
            ),
            done: false,
            answers_entry: None,
        });
    }
    let cleaned_up = !verify.cleaned_up.is_empty();
    let migrated = !verify.migrated_endpoints.is_empty() || cleaned_up;
    manual_steps.push(ReportStep {
        provider: None,
        text: "`handover-migrate verify` passes".into(),
        done: migrated && verify.passed() && plan.node_edits.is_empty(),
        answers_entry: None,
    });
    manual_steps.push(ReportStep {
        provider: None,
        text: "Test a handover through every migrated endpoint (and Check Agent Availability where used)".into(),
        done: false,
        answers_entry: None,
    });
    manual_steps.push(ReportStep {
        provider: None,
        text: "Then remove the legacy settings with `handover-migrate cleanup` (`rollback` undoes it)".into(),
        // Done when a cleanup ran and no migrated endpoint keeps legacy settings.
        done: cleaned_up && verify.migrated_endpoints.is_empty(),
        answers_entry: None,
    });

    let mut links = Links::default();
    for p in &providers {
        for endpoint in &p.endpoints {
            links.endpoint_provider.push(EndpointLink { endpoint: endpoint.clone(), provider: p.name.clone() });
        }
    }
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for node in &nodes {
        *counts.entry((node.provider.clone(), node.flow.clone())).or_default() += 1;
    }
    for ((provider, flow), count) in counts {
        links.provider_flow.push(FlowLink { provider, flow, nodes: count, conflict: false });
    }
    // Indexed, not searched: a project can have thousands of conflicts and providers.
    let mut providers_of_endpoint: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &plan.providers {
        for endpoint in &p.endpoints {
            providers_of_endpoint.entry(endpoint.as_str()).or_default().push(p.name.as_str());
        }
    }
    let mut conflicts_per_flow: HashMap<&str, usize> = HashMap::new();
    let mut conflict_links: BTreeSet<(&str, &str)> = BTreeSet::new();
    for conflict in &plan.conflicts {
        *conflicts_per_flow.entry(conflict.flow.as_str()).or_default() += 1;
        for endpoint in &conflict.endpoints {
            for provider in providers_of_endpoint.get(endpoint.as_str()).into_iter().flatten() {
                conflict_links.insert((provider, conflict.flow.as_str()));
            }
        }
    }
    for (provider, flow) in conflict_links {
        let count = conflicts_per_flow.get(flow).copied().unwrap_or_default();
        links.provider_flow.push(FlowLink {
            provider: provider.to_string(),
            flow: flow.to_string(),
            nodes: count,
            conflict: true,
        });
    }

    let summary = Summary {
        endpoints_with_legacy_settings: scan_endpoints
            .iter()
            .filter(|e| e.provider.is_some() && e.status != scan::EndpointStatus::CleanedUp)
            .count(),
        providers_to_create: providers.iter().filter(|p| p.status == ProviderStatus::ToCreate).count(),
        providers_existing: providers.iter().filter(|p| p.status != ProviderStatus::ToCreate).count(),
        nodes_to_switch: nodes.iter().filter(|n| n.status == NodeStatus::ToSwitch).count(),
        nodes_switched: nodes.iter().filter(|n| n.status == NodeStatus::Switched).count(),
        conflicts: plan.conflicts.len(),
        missing_answers: plan.missing_answers.len(),
        manual_steps_open: manual_steps.iter().filter(|s| !s.done).count(),
    };
    let stage = if !plan.errors.is_empty() {
        "Blocked: the project has settings the migration cannot use".to_string()
    } else if !plan.conflicts.is_empty() || !plan.missing_answers.is_empty() {
        "Needs answers before it can be applied".to_string()
    } else if plan.has_changes() {
        if written_by.is_empty() { "Planned, not applied yet" } else { "Partly applied" }.to_string()
    } else if cleaned_up && verify.migrated_endpoints.is_empty() && verify.passed() {
        "Migrated, verified and cleaned up".to_string()
    } else if migrated && verify.passed() {
        "Applied and verified".to_string()
    } else if migrated {
        "Applied; verify found work left".to_string()
    } else {
        "Nothing to migrate".to_string()
    };

    // Offline, "created" means a file in the clone: say so plainly.
    let offline_note = (!inputs.api && !providers.iter().all(|p| p.status == ProviderStatus::ToCreate)).then(|| {
        "offline run: the providers exist only as local files in this clone (handoverProviders/) until they reach \
         the tenant: link the clone with `handover-migrate apply --project DIR --api-url URL --project-id ID`, or \
         restore the clone with the Cognigy CLI"
            .to_string()
    });
    Ok(Report {
        tool: inputs.tool,
        generated_at: utc_now(),
        project: project.root.display().to_string(),
        selector_key: plan.selector_key.clone(),
        endpoint_filter: plan.endpoint_filter.clone(),
        stage,
        summary,
        endpoints: scan_endpoints,
        providers,
        nodes,
        manual_steps,
        conflicts: plan.conflicts.clone(),
        missing_answers: plan.missing_answers.clone(),
        errors: plan.errors.clone(),
        verify: ReportVerify {
            passed: verify.passed(),
            applicable: migrated,
            migrated_endpoints: verify.migrated_endpoints.clone(),
            not_migrated: verify.not_migrated.clone(),
            remaining: verify.remaining.clone(),
            dangling: verify.dangling.clone(),
            provider_findings: verify.provider_findings.clone(),
        },
        runs,
        warnings: plan.warnings.iter().cloned().chain(history_warning).chain(offline_note).collect(),
        notices: plan.notices.clone(),
        links,
    })
}

/// Now (or `SOURCE_DATE_EPOCH`) as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
        });
    handover_migrate_io::run::utc_text(secs, "%Y-%m-%dT%H:%M:%SZ")
}
