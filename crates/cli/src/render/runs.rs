//! The outcome of runs: `apply`, `verify`, `cleanup`, `rollback`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::quote;
use handover_migrate_commands::{ApplyOutcome, CleanupItem, CleanupOutcome, RollbackOutcome, RunInfo, VerifyReport};

use super::findings::{SUMMARY_ITEMS, VERIFY_ITEMS};
use super::{fit_list, terminal_width};

/// The commands to run after an apply, as they can be pasted.
pub struct Next {
    pub verify: String,
    pub cleanup: String,
    pub rollback: String,
}

/// How many written files a run's outcome lists (the journal holds them all).
const WRITTEN_ITEMS: usize = 20;

/// The files a run wrote: the first [`WRITTEN_ITEMS`], then how many more.
fn write_paths(out: &mut String, paths: &[String]) {
    for path in paths.iter().take(WRITTEN_ITEMS) {
        let _ = writeln!(out, "  {}", quote::name(path));
    }
    if paths.len() > WRITTEN_ITEMS {
        let _ = writeln!(out, "  … +{} more (`--json` lists every one)", paths.len() - WRITTEN_ITEMS);
    }
}

pub fn apply_text(outcome: &ApplyOutcome, next: &Next) -> String {
    let mut out = String::new();
    match &outcome.run.run_id {
        None => out.push_str("Nothing to change: the project is already migrated as planned.\n"),
        Some(id) if outcome.run.written.is_empty() => {
            let _ = writeln!(out, "Finished the interrupted run {id}; nothing more to change.");
        }
        Some(id) => {
            let _ = writeln!(
                out,
                "{} run {id}: wrote {} file(s).",
                if outcome.run.resumed { "Resumed" } else { "Applied" },
                outcome.run.written.len()
            );
            write_paths(&mut out, &outcome.run.written);
            let _ = writeln!(
                out,
                "Next: check it, test your flows, then remove the legacy settings:\n  {}\n  {}\nUndo this run: {}",
                next.verify, next.cleanup, next.rollback
            );
        }
    }
    out
}

pub fn verify_text(report: &VerifyReport) -> String {
    let mut out = String::new();
    let width = terminal_width().saturating_sub(30).max(40);
    let names = |list: &[String]| {
        let quoted: Vec<String> = list.iter().map(|n| quote::name(n).to_string()).collect();
        fit_list(&quoted.iter().map(String::as_str).collect::<Vec<_>>(), width)
    };
    let migrated = report.migrated_endpoints.len() + report.cleaned_up.len();
    let _ = writeln!(
        out,
        "{migrated} endpoint(s) migrated ({} cleaned up), {} not migrated yet; {} node(s) still on Legacy, {} pointing \
         at missing providers, {} provider finding(s).",
        report.cleaned_up.len(),
        report.not_migrated.len(),
        report.remaining.len(),
        report.dangling.len(),
        report.provider_findings.len()
    );
    if !report.migrated_endpoints.is_empty() {
        let _ = writeln!(out, "Migrated: {}", names(&report.migrated_endpoints));
    }
    if !report.cleaned_up.is_empty() {
        let mut by_run: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
        for c in &report.cleaned_up {
            by_run.entry(c.run.as_deref()).or_default().push(&c.endpoint);
        }
        for (run, endpoints) in by_run {
            let by = match run {
                Some(run) => format!("by run {run}"),
                None => "(no legacy settings left, nodes on providers; no run of this state directory)".to_string(),
            };
            let _ = writeln!(out, "Cleaned up {by}: {}", fit_list(&endpoints, width));
        }
    }
    if !report.not_migrated.is_empty() {
        let _ = writeln!(out, "Not migrated yet: {}", names(&report.not_migrated));
    }
    for line in report.missing_inputs.iter().take(SUMMARY_ITEMS) {
        let _ = writeln!(out, "  ? {}", quote::inner(line));
    }
    if report.missing_inputs.len() > SUMMARY_ITEMS {
        let _ = writeln!(out, "  … +{} more (`--json` lists them all)", report.missing_inputs.len() - SUMMARY_ITEMS);
    }
    for (title, items) in [
        ("Still on Legacy", &report.remaining),
        ("Pointing at missing providers", &report.dangling),
        ("Provider checks", &report.provider_findings),
    ] {
        if !items.is_empty() {
            let _ = writeln!(out, "{title} ({}):", items.len());
            for item in items.iter().take(VERIFY_ITEMS) {
                let _ = writeln!(out, "  - {}", quote::inner(item));
            }
            if items.len() > VERIFY_ITEMS {
                let _ = writeln!(out, "  … +{} more (`--json` lists them all)", items.len() - VERIFY_ITEMS);
            }
        }
    }
    out.push_str(if report.passed() {
        "verify: passed\n"
    } else if report.nothing_migrated {
        "verify: nothing was migrated — every endpoint's legacy handover settings remain; run `apply` first\n"
    } else {
        "verify: work remains\n"
    });
    out
}

pub fn cleanup_items_text(items: &[CleanupItem]) -> String {
    let refused = items.iter().filter(|i| i.refused.is_some()).count();
    let mut out = format!("Cleanup: {} endpoint(s) can be cleaned up, {refused} refused\n", items.len() - refused);
    for item in items.iter().take(WRITTEN_ITEMS) {
        match &item.refused {
            None => {
                let _ = writeln!(
                    out,
                    "  - {} ({}): handoverSettings.provider \"{}\" → \"none\", remove providerSettings ({}); agentAssistSettings kept",
                    quote::name(&item.endpoint),
                    quote::name(&item.path),
                    item.kind,
                    item.removed_keys.join(", ")
                );
            }
            Some(reason) => {
                let _ = writeln!(out, "  x {} refused: {}", quote::name(&item.endpoint), quote::inner(reason));
            }
        }
    }
    if items.len() > WRITTEN_ITEMS {
        let _ = writeln!(out, "  … +{} more (`--json` lists them all)", items.len() - WRITTEN_ITEMS);
    }
    out
}

pub fn cleanup_text(outcome: &CleanupOutcome, rollback: &str) -> String {
    let mut out = String::new();
    if outcome.dry_run {
        out.push_str(&cleanup_items_text(&outcome.items));
        out.push_str("Dry run: nothing was changed.\n");
        return out;
    }
    if outcome.items.is_empty() {
        out.push_str("No endpoint has legacy handover settings: nothing to clean up.\n");
        return out;
    }
    match &outcome.run {
        Some(run) => {
            let _ = writeln!(
                out,
                "Cleaned up {} endpoint file(s) in run {}:",
                run.written.len(),
                run.run_id.as_deref().unwrap_or("-")
            );
            write_paths(&mut out, &run.written);
            let _ = writeln!(out, "Undo it (the backups are kept until `purge`): {rollback}");
        }
        None if outcome.items.iter().all(|i| i.refused.is_some()) => {
            out.push_str(&cleanup_items_text(&outcome.items));
            out.push_str("No endpoint can be cleaned up yet.\n");
        }
        None => out.push_str("Nothing was changed.\n"),
    }
    out
}

pub fn rollback_preview(run: &RunInfo) -> String {
    let mut out = format!("Run {} ({}, {:?}) changed:\n", run.id, run.kind.as_str(), run.state);
    write_paths(&mut out, &run.changed_files());
    out
}

pub fn rollback_text(outcome: &RollbackOutcome) -> String {
    let mut out = format!("Rolled back run {}.\n", outcome.run_id.as_deref().unwrap_or("-"));
    let _ = writeln!(
        out,
        "  restored {} file(s), removed {} file(s) it had created",
        outcome.restored.len(),
        outcome.removed.len()
    );
    let shown: Vec<String> = outcome
        .restored
        .iter()
        .map(|p| format!("restored {p}"))
        .chain(outcome.removed.iter().map(|p| format!("removed {p}")))
        .collect();
    write_paths(&mut out, &shown);
    out
}
