//! `fleet verify`: each project's verify.

use std::collections::BTreeMap;
use std::time::Instant;

use handover_migrate_io::Result;

use super::{fill_skipped, Fleet, FleetOutcome, Member, ProjectOutcome, ProjectStatus, RunOptions};
use crate::context::Providers;

/// `fleet verify`: each project's verify; 4 when any has work left.
pub fn verify(fleet: &Fleet, options: RunOptions) -> Result<FleetOutcome> {
    let started = Instant::now();
    let work = |member: &Member| -> ProjectOutcome {
        match fleet.context(member, Providers::Load).and_then(|ctx| crate::cleanup::verify(&ctx)) {
            Ok(report) => {
                // Nothing migrated while legacy endpoints remain: everything remains (4).
                let nothing = report.migrated_endpoints.is_empty() && !report.not_migrated.is_empty();
                let passed = report.passed() && !nothing;
                let (status, message, next) = if passed {
                    (ProjectStatus::Done, "verified".to_string(), "`fleet cleanup`".to_string())
                } else if nothing {
                    (
                        ProjectStatus::WorkRemains,
                        "nothing is migrated yet: every endpoint remains".to_string(),
                        "`fleet apply`".to_string(),
                    )
                } else {
                    let mut parts: Vec<String> = report.remaining.iter().take(3).cloned().collect();
                    parts.extend(report.dangling.iter().take(3).cloned());
                    parts.extend(report.provider_findings.iter().take(3).cloned());
                    (
                        ProjectStatus::WorkRemains,
                        parts.join("; "),
                        "rerun `fleet apply`, then `fleet verify`".to_string(),
                    )
                };
                let mut outcome = fleet.outcome(member, status, message, next);
                outcome.detail = BTreeMap::from([
                    ("migrated_endpoints".into(), report.migrated_endpoints.len() as u64),
                    ("remaining".into(), report.remaining.len() as u64),
                    ("dangling".into(), report.dangling.len() as u64),
                    ("provider_findings".into(), report.provider_findings.len() as u64),
                ]);
                outcome
            }
            Err(error) => fleet.failure(member, &error, "verify"),
        }
    };
    let results = fleet.each(&fleet.all(), options, &work, &|o| !o.status.ok());
    let projects = fill_skipped(fleet, &fleet.all(), results, "verify");
    Ok(fleet.finish("verify", started, projects))
}
