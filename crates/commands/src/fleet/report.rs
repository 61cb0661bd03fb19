//! `fleet scan` and `fleet report`: every project's report, as one table with totals.

use std::collections::BTreeMap;

use handover_migrate_engine::report::Report;
use handover_migrate_engine::scan::EndpointStatus;
use handover_migrate_io::run::RunState;
use handover_migrate_io::Result;
use serde::Serialize;

use super::{Fleet, Member, RunOptions};
use crate::context::Providers;

/// One row of the fleet table (`fleet scan`, `fleet report`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetRow {
    pub project: String,
    pub tenant: Option<String>,
    pub name: Option<String>,
    /// Endpoints with legacy settings, by legacy kind.
    pub endpoints_by_kind: BTreeMap<String, u64>,
    pub nodes_to_switch: u64,
    pub nodes_switched: u64,
    pub conflicts: u64,
    pub answers_needed: u64,
    pub stage: String,
    /// The most recent run (`<id> (<state>)`).
    pub last_run: Option<String>,
    /// Why the project could not be read.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetTotals {
    pub projects: u64,
    pub unreadable: u64,
    pub endpoints_by_kind: BTreeMap<String, u64>,
    pub nodes_to_switch: u64,
    pub nodes_switched: u64,
    pub conflicts: u64,
    pub answers_needed: u64,
}

/// One project's part of the fleet report.
#[derive(Serialize)]
pub struct ProjectReport {
    pub project: String,
    pub report: Option<Report>,
    pub error: Option<String>,
}

/// `fleet scan` / `fleet report`: the table, totals, and (report) each project's report.
#[derive(Serialize)]
pub struct FleetReport {
    pub fleet: String,
    pub rows: Vec<FleetRow>,
    pub totals: FleetTotals,
    pub projects: Vec<ProjectReport>,
    pub exit_code: u8,
}

fn row_of(fleet: &Fleet, member: &Member, report: &Report) -> FleetRow {
    let mut by_kind = BTreeMap::new();
    for endpoint in &report.endpoints {
        let legacy = matches!(
            endpoint.status,
            EndpointStatus::Legacy
                | EndpointStatus::Migrated
                | EndpointStatus::UnsupportedKind
                | EndpointStatus::InvalidSettings
        );
        if let (true, Some(kind)) = (legacy, &endpoint.kind) {
            *by_kind.entry(kind.clone()).or_insert(0) += 1;
        }
    }
    FleetRow {
        project: member.key.clone(),
        tenant: fleet.tenant_of(member).map(|t| t.name.clone()),
        name: member.name.clone(),
        endpoints_by_kind: by_kind,
        nodes_to_switch: report.summary.nodes_to_switch as u64,
        nodes_switched: report.summary.nodes_switched as u64,
        conflicts: report.summary.conflicts as u64,
        answers_needed: report.summary.missing_answers as u64,
        stage: report.stage.clone(),
        last_run: report.runs.last().map(|r| format!("{} ({})", r.id, serde_plain(&r.state))),
        error: None,
    }
}

fn serde_plain(state: &RunState) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// `fleet scan` (`with_reports` false) and `fleet report` (true): read every project.
pub fn report(fleet: &Fleet, options: RunOptions, tool: &str, with_reports: bool) -> Result<FleetReport> {
    let chosen = fleet.all();
    let work = |member: &Member| -> Result<Report> {
        let ctx = fleet.context(member, Providers::Load)?;
        crate::inspect::report(&ctx, tool.to_string())
    };
    let results = fleet.each(&chosen, options, &work, &|r| r.is_err());
    let mut rows = Vec::new();
    let mut projects = Vec::new();
    let mut totals = FleetTotals::default();
    for (member, result) in fleet.members.iter().zip(results) {
        let (row, report, error) = match result {
            Some(Ok(report)) => (row_of(fleet, member, &report), Some(report), None),
            Some(Err(error)) => {
                let row = FleetRow {
                    project: member.key.clone(),
                    tenant: fleet.tenant_of(member).map(|t| t.name.clone()),
                    name: member.name.clone(),
                    stage: "Unreadable".into(),
                    error: Some(error.message.clone()),
                    ..FleetRow::default()
                };
                (row, None, Some(error.message))
            }
            None => {
                let message = "not read: --fail-fast stopped the fleet".to_string();
                let row = FleetRow {
                    project: member.key.clone(),
                    stage: "Not read".into(),
                    error: Some(message.clone()),
                    ..FleetRow::default()
                };
                (row, None, Some(message))
            }
        };
        totals.projects += 1;
        totals.unreadable += u64::from(row.error.is_some());
        for (kind, n) in &row.endpoints_by_kind {
            *totals.endpoints_by_kind.entry(kind.clone()).or_insert(0) += n;
        }
        totals.nodes_to_switch += row.nodes_to_switch;
        totals.nodes_switched += row.nodes_switched;
        totals.conflicts += row.conflicts;
        totals.answers_needed += row.answers_needed;
        rows.push(row);
        projects.push(ProjectReport {
            project: member.key.clone(),
            report: if with_reports { report } else { None },
            error,
        });
    }
    // Read-only: 0 unless a project could not be read.
    let exit_code = if totals.unreadable > 0 { 1 } else { 0 };
    Ok(FleetReport { fleet: fleet.file.display().to_string(), rows, totals, projects, exit_code })
}
