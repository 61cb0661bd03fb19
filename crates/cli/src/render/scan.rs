//! `scan`: the read-only inventory.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::quote;
use handover_migrate_commands::scan::{EndpointStatus, ScanEndpoint, ScanReport};

use super::findings::findings_text;

pub fn scan_text(report: &ScanReport) -> String {
    let mut out = format!("Project {}\n", report.project);
    let legacy: usize = report
        .endpoints
        .iter()
        .filter(|e| {
            e.kind.is_some() && !matches!(e.status, EndpointStatus::NoHandoverSettings | EndpointStatus::CleanedUp)
        })
        .count();
    let cleaned = report.endpoints.iter().filter(|e| e.status == EndpointStatus::CleanedUp).count();
    let flows: std::collections::HashSet<&str> =
        report.endpoints.iter().flat_map(|e| e.flows.iter().map(String::as_str)).collect();
    let _ = writeln!(
        out,
        "{} endpoint(s), {legacy} with legacy handover settings, {cleaned} cleaned up; {} flow(s) reached from them; \
         {} conflict(s).",
        report.endpoints.len(),
        flows.len(),
        report.plan.conflicts_by_node().len()
    );
    if let Some(unknown) = &report.selector_unknown {
        let _ = writeln!(
            out,
            "\nUnknown: the node selector key (read-only inventory; which handover nodes are already switched is \
             unknown, so all are counted as Legacy).\n  Candidate keys seen on handover nodes: {}",
            if unknown.candidates.is_empty() { "none".to_string() } else { unknown.candidates.join(", ") }
        );
        for line in unknown.advice.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let mut by_kind: BTreeMap<String, Vec<&ScanEndpoint>> = BTreeMap::new();
    for endpoint in &report.endpoints {
        by_kind.entry(endpoint.kind.clone().unwrap_or_else(|| "none".into())).or_default().push(endpoint);
    }
    out.push_str("\nEndpoints by legacy kind\n");
    for (kind, endpoints) in &by_kind {
        let _ = writeln!(out, "  {kind} ({})", endpoints.len());
        for e in endpoints {
            let provider = e.provider.as_ref().map(|p| format!(" → \"{}\"", quote::inner(p))).unwrap_or_default();
            let run = e.cleaned_by.as_ref().map(|r| format!(" (run {r})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "    {}: {}{run}{provider}",
                quote::name(&e.name),
                e.status.describe(e.settings_problems)
            );
            if !e.flows.is_empty() {
                let _ = writeln!(
                    out,
                    "      flows: {}; handover nodes: {} Legacy, {} switched{}",
                    e.flows.iter().map(|f| quote::name(f)).collect::<Vec<_>>().join(", "),
                    e.legacy_nodes,
                    e.switched_nodes,
                    if e.locales.is_empty() { String::new() } else { format!(" (locales {})", e.locales.join(", ")) }
                );
            }
        }
    }
    let conflicts = report.plan.conflicts_by_node();
    let names = report
        .endpoints
        .iter()
        .flat_map(|e| std::iter::once(e.name.as_str()).chain(e.flows.iter().map(String::as_str)));
    let mut flagged = quote::bidi_warnings(names.chain(conflicts.iter().map(|(c, _)| c.label.as_str())));
    flagged.push_str(&quote::lookalike_warnings("endpoint", report.endpoints.iter().map(|e| e.name.as_str())));
    flagged.push_str(&quote::lookalike_warnings(
        "provider",
        report.endpoints.iter().filter_map(|e| e.provider.as_deref()),
    ));
    if !flagged.is_empty() {
        out.push_str("\nNames\n");
        out.push_str(&flagged);
    }
    out.push_str(&findings_text(&report.plan, None));
    out
}
