//! Human-readable output. Secrets never reach this module: plans and reports already
//! carry them masked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use handover_migrate_commands::plan::{FieldChange, NoticeKind, Plan, ProviderAction};
use handover_migrate_commands::scan::{ScanEndpoint, ScanReport};
use handover_migrate_commands::{
    ApplyOutcome, CleanupItem, CleanupOutcome, Registered, Registry, RollbackOutcome, RunInfo, VerifyReport,
};
use handover_migrate_core::{Destination, PairInfo, PropertyClass};
use serde_json::Value;

fn show(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub fn providers_json(registry: &Registry) -> Value {
    Value::Array(
        registry
            .entries()
            .iter()
            .flat_map(|entry| {
                entry.info.pairs.iter().map(move |pair| {
                    let replaces: Vec<&str> =
                        entry.replaced.iter().filter(|r| r.pair == pair.pair).map(|r| r.replaced.as_str()).collect();
                    serde_json::json!({
                        "source_kind": pair.pair.source_kind,
                        "target_service": pair.pair.target_service,
                        "display_name": pair.display_name,
                        "provider": entry.info.name,
                        "version": entry.info.version,
                        "contract_version": entry.info.contract_version,
                        "source": entry.source,
                        "source_label": entry.source_label(),
                        "sha256": entry.sha256(),
                        "isolation": entry.isolation,
                        "preferred_over": replaces,
                    })
                })
            })
            .collect(),
    )
}

pub fn providers_list(registry: &Registry) -> String {
    let mut out = String::from("LEGACY KIND      TARGET SERVICE   NAME                             VERSION  SOURCE\n");
    for entry in registry.entries() {
        for pair in &entry.info.pairs {
            let mut source = entry.source_label();
            if let Some(sha256) = entry.sha256() {
                source.push_str(&format!(" (sha256 {sha256})"));
            }
            if let handover_migrate_commands::IsolationState::Process { .. } = entry.isolation {
                source.push_str(&format!(", {}", entry.isolation.label()));
            }
            for replaced in entry.replaced.iter().filter(|r| r.pair == pair.pair) {
                source.push_str(&format!(", preferred over {}", replaced.replaced));
            }
            let _ = writeln!(
                out,
                "{:<16} {:<16} {:<32} {:<8} {source}",
                pair.pair.source_kind, pair.pair.target_service, pair.display_name, entry.info.version
            );
        }
    }
    out
}

pub fn provider_show(entry: &Registered, info: &PairInfo) -> String {
    let mut out = format!("{} ({})\n", info.display_name, info.pair);
    let _ = writeln!(out, "Provider `{}` {} from {}", entry.info.name, entry.info.version, entry.source_label());
    if let Some(sha256) = entry.sha256() {
        let _ = writeln!(out, "SHA-256 {sha256}");
    }
    if let Some(path) = &info.webhook_path {
        let _ = writeln!(out, "Webhook the contact center calls: <endpoint URL>{path}");
    }
    out.push_str("\nLegacy key → destination\n");
    for row in &info.mapping {
        let destination = match &row.destination {
            Destination::Property(key) => format!("property `{key}`"),
            Destination::NodeDefault(key) => format!("node default `{key}`"),
            Destination::Dropped(why) => format!("not carried ({why})"),
        };
        let class = match row.class {
            PropertyClass::Secret => ", secret",
            PropertyClass::ConnectionRef => ", connection reference",
            PropertyClass::Plain => "",
        };
        let required = if row.required { ", required" } else { "" };
        let legacy = if row.legacy_key.is_empty() { "(none: a person enters it)" } else { row.legacy_key.as_str() };
        let _ = writeln!(out, "  {legacy:<34} → {destination} [{}{class}{required}] {}", row.format, row.label);
    }
    if !info.node_fields.is_empty() {
        let _ = writeln!(out, "\nNode fields owned by this vendor: {}", info.node_fields.join(", "));
    }
    for warning in &info.warnings {
        let _ = writeln!(out, "\nwarning: {warning}");
    }
    out
}

pub fn scan_text(report: &ScanReport) -> String {
    let mut out = format!("Project {}\n", report.project);
    let mut by_kind: BTreeMap<String, Vec<&ScanEndpoint>> = BTreeMap::new();
    for endpoint in &report.endpoints {
        by_kind.entry(endpoint.kind.clone().unwrap_or_else(|| "none".into())).or_default().push(endpoint);
    }
    out.push_str("\nEndpoints by legacy kind\n");
    for (kind, endpoints) in &by_kind {
        let _ = writeln!(out, "  {kind} ({})", endpoints.len());
        for e in endpoints {
            let provider = e.provider.as_ref().map(|p| format!(" → \"{p}\"")).unwrap_or_default();
            let _ = writeln!(out, "    {}: {}{provider}", e.name, e.status.describe(e.settings_problems));
            if !e.flows.is_empty() {
                let _ = writeln!(
                    out,
                    "      flows: {}; handover nodes: {} Legacy, {} switched{}",
                    e.flows.join(", "),
                    e.legacy_nodes,
                    e.switched_nodes,
                    if e.locales.is_empty() { String::new() } else { format!(" (locales {})", e.locales.join(", ")) }
                );
            }
        }
    }
    out.push_str(&findings_text(&report.plan));
    out
}

fn findings_text(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.conflicts.is_empty() {
        let _ = writeln!(out, "\nConflicts ({})", plan.conflicts.len());
        for c in &plan.conflicts {
            let _ = writeln!(
                out,
                "  ! flow \"{}\", locale {}, node `{}` (\"{}\"): {}",
                c.flow, c.locale, c.node_id, c.label, c.reason
            );
            for line in &c.resolve_with {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(out, "\nErrors ({})", plan.errors.len());
        for e in &plan.errors {
            let _ = writeln!(out, "  x {e}");
        }
    }
    let mut by_kind: BTreeMap<NoticeKind, Vec<&str>> = BTreeMap::new();
    for n in &plan.notices {
        by_kind.entry(n.kind).or_default().push(n.message.as_str());
    }
    for (kind, messages) in by_kind {
        let title = kind.title();
        let _ = writeln!(out, "\n{title}");
        for m in messages {
            let _ = writeln!(out, "  - {m}");
        }
    }
    if !plan.warnings.is_empty() {
        out.push_str("\nWarnings\n");
        for w in &plan.warnings {
            let _ = writeln!(out, "  ! {w}");
        }
    }
    out
}

/// Print the plan for a person, as it is produced: a large plan is never held as one string.
pub fn print_plan_text(plan: &Plan) {
    /// `fmt::Write` onto a buffered stdout; a closed stdout stops the output quietly.
    struct Stdout(std::io::BufWriter<std::io::StdoutLock<'static>>);
    impl std::fmt::Write for Stdout {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            std::io::Write::write_all(&mut self.0, text.as_bytes()).map_err(|_| std::fmt::Error)
        }
    }
    let mut out = Stdout(std::io::BufWriter::new(std::io::stdout().lock()));
    write_plan_text(plan, &mut out);
    let _ = std::io::Write::flush(&mut out.0);
}

fn write_plan_text(plan: &Plan, out: &mut impl std::fmt::Write) {
    let _ = writeln!(out, "Plan (node selector key `{}`)", plan.selector_key);
    if !plan.endpoint_filter.is_empty() {
        let _ = writeln!(out, "Limited to endpoints: {}", plan.endpoint_filter.join(", "));
    }
    let _ = out.write_str(&plan_summary_table(plan));
    let _ = out.write_str(&crate::switch::plan_header(plan));
    let _ = out.write_str("\nProviders\n");
    if plan.providers.is_empty() {
        let _ = out.write_str("  (none)\n");
    }
    for p in &plan.providers {
        let sign = if p.action == ProviderAction::Create {
            crate::style::green("+ create")
        } else {
            crate::style::dim("= reuse ")
        };
        let _ = writeln!(out, "  {sign} \"{}\" ({})  {}", p.name, p.pair, p.path);
        let endpoints = if p.endpoints.is_empty() { "none (retarget)".to_string() } else { p.endpoints.join(", ") };
        let _ = writeln!(out, "      referenceId {}; endpoints: {endpoints}", p.reference_id);
        for property in &p.properties {
            let value =
                if property.value.is_null() { "(missing: needs an answer)".to_string() } else { show(&property.value) };
            let class = match property.class {
                PropertyClass::Secret => " (secret)",
                PropertyClass::ConnectionRef => " (connection)",
                PropertyClass::Plain => "",
            };
            let _ = writeln!(out, "      {} = {value}{class}", property.key);
        }
        for note in &p.notes {
            let _ = writeln!(out, "      note: {note}");
        }
        for step in &p.manual_steps {
            let mark = match (step.blocking, step.satisfied) {
                (false, _) => " • ",
                (true, true) => "[x]",
                (true, false) => "[ ]",
            };
            let _ = writeln!(out, "      {mark} {}: {}", step.kind.as_str(), step.prompt);
            if let (false, Some(entry)) = (step.satisfied, &step.answers_entry) {
                let _ = writeln!(out, "          answers file: {entry}");
            }
        }
    }
    let charts: std::collections::BTreeSet<&str> = plan.node_edits.iter().map(|e| &*e.path).collect();
    let _ = writeln!(out, "\nNode edits ({} node(s) in {} chart file(s))", plan.node_edits.len(), charts.len());
    for edit in &plan.node_edits {
        let _ = writeln!(
            out,
            "  ~ {} node `{}` (\"{}\", {}) → \"{}\"",
            edit.path, edit.node_id, edit.label, edit.node_type, edit.provider
        );
        let _ = out.write_str(&node_diff_text(&edit.changes));
        let _ = out.write_str(&crate::switch::node_fields_text(edit));
    }
    let _ = out.write_str(&findings_text(plan));
    let creates = plan.providers.iter().filter(|p| p.action == ProviderAction::Create).count();
    let _ = writeln!(
        out,
        "\nSummary: {creates} provider(s) to create, {} reused, {} node edit(s), {} conflict(s), {} missing answer(s).",
        plan.providers.len() - creates,
        plan.node_edits.len(),
        plan.conflicts.len(),
        plan.missing_answers.len()
    );
    if !plan.missing_answers.is_empty() {
        let _ = out.write_str("Add to the answers file (--answers FILE):\n");
        for m in &plan.missing_answers {
            let _ = writeln!(out, "  {}   # {}", m.entry, m.prompt);
        }
    }
}

/// Endpoint → provider → flows and nodes affected, manual steps outstanding: the overview
/// printed before the details.
fn plan_summary_table(plan: &Plan) -> String {
    // One pass over the node edits: each endpoint's edit count and flows (in flow order).
    let mut by_endpoint: HashMap<&str, (usize, BTreeSet<&str>)> = HashMap::new();
    for edit in &plan.node_edits {
        for endpoint in edit.endpoints.iter() {
            let (count, flows) = by_endpoint.entry(endpoint.as_str()).or_default();
            *count += 1;
            flows.insert(&edit.flow);
        }
    }
    let mut rows: Vec<[String; 5]> = Vec::new();
    for p in &plan.providers {
        let answers = p.manual_steps.iter().filter(|s| s.blocking && !s.satisfied).count();
        let checks = p.manual_steps.iter().filter(|s| !s.blocking).count();
        let steps = match (answers, checks) {
            (0, 0) => "—".to_string(),
            (0, c) => format!("{c} to check"),
            (a, 0) => format!("{a} answer(s) needed"),
            (a, c) => format!("{a} answer(s) needed, {c} to check"),
        };
        let sign = if p.action == ProviderAction::Create { "+" } else { "=" };
        for endpoint in &p.endpoints {
            let (edits, flows) = by_endpoint.get(endpoint.as_str()).map_or((0, None), |(n, flows)| (*n, Some(flows)));
            rows.push([
                endpoint.clone(),
                format!("{sign} {}", p.name),
                match flows {
                    Some(flows) if !flows.is_empty() => flow_list(flows),
                    _ => "—".to_string(),
                },
                edits.to_string(),
                steps.clone(),
            ]);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let header = ["ENDPOINT", "PROVIDER", "FLOWS", "NODES", "MANUAL STEPS"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut text = String::from("  ");
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(width - cell.chars().count() + 2));
            }
        }
        text.trim_end().to_string()
    };
    let mut out = String::from("\nSummary\n");
    let _ = writeln!(out, "{}", crate::style::bold(&line(header)));
    for row in &rows {
        let text = line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
        let _ = writeln!(out, "{text}");
    }
    out
}

/// The flows of a summary row. A long list is cut short: every row is padded to the widest,
/// so one endpoint reaching thousands of flows would make the table endpoints × flows wide.
fn flow_list(flows: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 5;
    let mut text = flows.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if flows.len() > SHOWN {
        let _ = write!(text, " and {} more", flows.len() - SHOWN);
    }
    text
}

/// A node's field changes as a coloured diff: `+` added (green), `~` changed (yellow),
/// `-` removed (red).
fn node_diff_text(changes: &[FieldChange]) -> String {
    let mut out = String::new();
    for change in changes {
        let line = match (&change.before, &change.after) {
            (Some(before), Value::Null) => crate::style::red(&format!("- {}: {}", change.key, show(before))),
            (None, after) => crate::style::green(&format!("+ {}: {}", change.key, show(after))),
            (Some(before), after) => {
                crate::style::yellow(&format!("~ {}: {} → {}", change.key, show(before), show(after)))
            }
        };
        let _ = writeln!(out, "      {line}");
    }
    out
}

pub fn apply_text(outcome: &ApplyOutcome) -> String {
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
            for path in &outcome.run.written {
                let _ = writeln!(out, "  {path}");
            }
            out.push_str("Next: `verify`, test your flows, then `cleanup`. `rollback` undoes this run.\n");
        }
    }
    out
}

pub fn verify_text(report: &VerifyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Migrated endpoints: {}",
        if report.migrated_endpoints.is_empty() { "none".into() } else { report.migrated_endpoints.join(", ") }
    );
    if !report.not_migrated.is_empty() {
        let _ = writeln!(out, "Not migrated yet: {}", report.not_migrated.join(", "));
    }
    for (title, items) in [
        ("Still on Legacy", &report.remaining),
        ("Pointing at missing providers", &report.dangling),
        ("Provider checks", &report.provider_findings),
    ] {
        if !items.is_empty() {
            let _ = writeln!(out, "{title} ({}):", items.len());
            for item in items {
                let _ = writeln!(out, "  - {item}");
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
    let mut out = String::from("Cleanup\n");
    for item in items {
        match &item.refused {
            None => {
                let _ = writeln!(
                    out,
                    "  - {} ({}): handoverSettings.provider \"{}\" → \"none\", remove providerSettings ({}); agentAssistSettings kept",
                    item.endpoint,
                    item.path,
                    item.kind,
                    item.removed_keys.join(", ")
                );
            }
            Some(reason) => {
                let _ = writeln!(out, "  x {} refused: {reason}", item.endpoint);
            }
        }
    }
    out
}

pub fn cleanup_text(outcome: &CleanupOutcome) -> String {
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
            for path in &run.written {
                let _ = writeln!(out, "  {path}");
            }
            out.push_str("`rollback` restores them (the backups are kept until `purge`).\n");
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
    for path in run.changed_files() {
        let _ = writeln!(out, "  {path}");
    }
    out
}

pub fn rollback_text(outcome: &RollbackOutcome) -> String {
    let mut out = format!("Rolled back run {}.\n", outcome.run_id.as_deref().unwrap_or("-"));
    for path in &outcome.restored {
        let _ = writeln!(out, "  restored {path}");
    }
    for path in &outcome.removed {
        let _ = writeln!(out, "  removed {path}");
    }
    out
}
