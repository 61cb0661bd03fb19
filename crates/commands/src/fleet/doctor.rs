//! `fleet doctor`: each project's doctor.

use std::collections::BTreeMap;
use std::time::Instant;

use handover_migrate_io::{InputNeeded, Result};

use super::{fill_skipped, Fleet, FleetOutcome, Member, ProjectOutcome, ProjectStatus, RunOptions};
use crate::context::Providers;

/// `fleet doctor`: each project's doctor; 0 only when every project can apply unattended.
pub fn doctor(fleet: &Fleet, options: RunOptions) -> Result<FleetOutcome> {
    let started = Instant::now();
    let work = |member: &Member| -> ProjectOutcome {
        let rate = fleet.tenant_of(member).map(|t| {
            let limit = t.budget.limit();
            format!("{}/{}", limit.requests, limit.window.as_secs_f64())
        });
        let result =
            fleet.context(member, Providers::Load).and_then(|ctx| crate::doctor::doctor(&ctx, rate.as_deref()));
        match result {
            Ok(report) => {
                let code = report.exit_code();
                let worst = report.findings.iter().max_by_key(|f| f.level);
                let message = match (code, worst) {
                    (0, _) | (_, None) => "ready: apply can run unattended".to_string(),
                    (_, Some(finding)) => finding.message.clone(),
                };
                let next = worst.and_then(|f| f.resolve.clone()).filter(|_| code != 0);
                let (status, next) = match code {
                    0 => (ProjectStatus::Done, "`fleet plan`".to_string()),
                    3 => (ProjectStatus::NeedsInput, next.unwrap_or_else(|| "see `doctor` in the project".into())),
                    _ => (ProjectStatus::Failed, next.unwrap_or_else(|| "see `doctor` in the project".into())),
                };
                let mut outcome = fleet.outcome(member, status, message, next);
                outcome.input_needed = report
                    .findings
                    .iter()
                    .filter(|f| f.level == crate::doctor::Level::NeedsInput)
                    .map(input_of_finding)
                    .collect();
                outcome.detail = BTreeMap::from([
                    ("findings".into(), report.findings.len() as u64),
                    (
                        "needs_input".into(),
                        report.findings.iter().filter(|f| f.level == crate::doctor::Level::NeedsInput).count() as u64,
                    ),
                    (
                        "errors".into(),
                        report.findings.iter().filter(|f| f.level == crate::doctor::Level::Error).count() as u64,
                    ),
                ]);
                outcome
            }
            Err(error) => fleet.failure(member, &error, "doctor"),
        }
    };
    let results = fleet.each(&fleet.all(), options, &work, &|o| !o.status.ok());
    let projects = fill_skipped(fleet, &fleet.all(), results, "doctor");
    Ok(fleet.finish("doctor", started, projects))
}

/// A doctor finding that needs input, in the form `plan` and `apply` list theirs: the flag
/// that resolves it when there is one, else the resolution in the prompt.
fn input_of_finding(finding: &crate::doctor::Finding) -> InputNeeded {
    let flag = finding.resolve.clone().filter(|r| r.starts_with("--"));
    let prompt = match (&finding.resolve, &flag) {
        (Some(resolve), None) => format!("{} ({resolve})", finding.message),
        _ => finding.message.clone(),
    };
    InputNeeded {
        what: if finding.check == "secrets" { "secret" } else { "value" }.to_string(),
        location: format!("doctor check `{}`", finding.check),
        prompt,
        answers_entry: None,
        env_var: None,
        flag,
    }
}
