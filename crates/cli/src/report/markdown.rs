use std::fmt::Write;

use super::html::diagram_columns;
use super::*;

// ---------------------------------------------------------------------------------------
// Markdown

/// Prose for Markdown: `code spans` kept as they are, everything else escaped so that
/// `<your endpoint URL>` or `escalate*Handover*` show literally.
fn md_text(text: &str) -> String {
    // Control and bidi characters quoted first: the report is often read on a terminal.
    let text = crate::quote::inner(text);
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::with_capacity(text.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && parts.len() % 2 == 1 {
            out.push_str(part);
            continue;
        }
        for c in part.chars() {
            if matches!(c, '\\' | '*' | '_' | '<' | '>' | '[' | ']') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.replace('\n', " ")
}

/// Escape text for a Markdown table cell.
fn md_cell(text: &str) -> String {
    md_text(text).replace('|', "\\|")
}

fn md_code(text: &str) -> String {
    let text = crate::quote::inner(text);
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn mermaid_id(prefix: &str, index: usize) -> String {
    format!("{prefix}{index}")
}

fn mermaid_label(text: &str) -> String {
    crate::quote::inner(text).replace('"', "#quot;")
}

pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Handover migration report\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Project | {} |", md_cell(&report.project));
    let _ = writeln!(out, "| Stage | **{}** |", md_cell(&report.stage));
    let verify = if !report.verify.applicable {
        "nothing to check yet (no endpoint migrated)".to_string()
    } else if report.verify.passed {
        "passed".to_string()
    } else {
        "work remains".to_string()
    };
    let _ = writeln!(out, "| Verify | {verify} |");
    let _ = writeln!(out, "| Node selector key | {} |", md_code(&report.selector_key));
    if !report.endpoint_filter.is_empty() {
        let _ = writeln!(out, "| Limited to endpoints | {} |", md_cell(&report.endpoint_filter.join(", ")));
    }
    let _ = writeln!(out, "| Generated | {} by {} |", report.generated_at, md_cell(&report.tool));
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n**{}** endpoint(s) with legacy handover settings · **{}** provider(s) to create, **{}** existing · \
         **{}** node(s) to switch, **{}** switched · **{}** conflict(s) · **{}** missing answer(s) · **{}** manual step(s) open\n",
        s.endpoints_with_legacy_settings,
        s.providers_to_create,
        s.providers_existing,
        s.nodes_to_switch,
        s.nodes_switched,
        s.conflicts,
        s.missing_answers,
        s.manual_steps_open
    );

    out.push_str("## Endpoint → provider → flow\n\n```mermaid\nflowchart LR\n");
    let (endpoints, providers, flows) = diagram_columns(report);
    for (i, e) in endpoints.iter().enumerate() {
        let _ = writeln!(out, "    {}[\"{}\"]", mermaid_id("e", i), mermaid_label(&e.name));
    }
    for (i, p) in providers.iter().enumerate() {
        let _ = writeln!(out, "    {}([\"{}\"])", mermaid_id("p", i), mermaid_label(p));
    }
    for (i, f) in flows.iter().enumerate() {
        let _ = writeln!(out, "    {}[/\"{}\"/]", mermaid_id("f", i), mermaid_label(f));
    }
    let provider_at = index_of(&providers);
    let flow_at = index_of(&flows);
    let mut endpoint_at = std::collections::HashMap::new();
    for (i, e) in endpoints.iter().enumerate() {
        endpoint_at.entry(e.name.as_str()).or_insert(i);
    }
    for link in &report.links.endpoint_provider {
        if let (Some(&e), Some(&p)) = (endpoint_at.get(link.endpoint.as_str()), provider_at.get(link.provider.as_str()))
        {
            let _ = writeln!(out, "    {} --> {}", mermaid_id("e", e), mermaid_id("p", p));
        }
    }
    for link in &report.links.provider_flow {
        if let (Some(&p), Some(&f)) = (provider_at.get(link.provider.as_str()), flow_at.get(link.flow.as_str())) {
            let arrow = if link.conflict { "-.->" } else { "-->" };
            let mut label = format!("{} node{}", link.nodes, if link.nodes == 1 { "" } else { "s" });
            if link.conflict {
                label.push_str(" in conflict");
            }
            let _ = writeln!(out, "    {} {arrow}|{label}| {}", mermaid_id("p", p), mermaid_id("f", f));
        }
    }
    out.push_str("```\n\n");

    out.push_str("## What was found\n\n| Kind | Endpoint | Status | Provider | Flows | Nodes (Legacy / switched) |\n|---|---|---|---|---|---|\n");
    for (kind, endpoints) in by_kind(&report.endpoints) {
        for e in endpoints {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} / {} |",
                md_code(&kind),
                md_cell(&e.name),
                md_cell(&e.status.describe(e.settings_problems)),
                md_cell(e.provider.as_deref().unwrap_or("—")),
                md_cell(&if e.flows.is_empty() { "—".to_string() } else { e.flows.join(", ") }),
                e.legacy_nodes,
                e.switched_nodes
            );
        }
    }

    out.push_str("\n## Handover Providers\n");
    if report.providers.is_empty() {
        out.push_str("\nNone.\n");
    }
    for p in &report.providers {
        let status = match (p.status.as_str(), &p.created_by_run) {
            ("created", Some(run)) => format!("created by run {}", md_code(run)),
            (status, _) => status.to_string(),
        };
        let _ = writeln!(
            out,
            "\n### {} ({status})\n\n{} · {} → {} · referenceId {} · endpoints: {}\n",
            md_cell(&p.name),
            md_cell(&p.display_name),
            md_code(&p.source_kind),
            md_code(&p.target_service),
            md_code(&p.reference_id),
            md_cell(&p.endpoints.join(", "))
        );
        out.push_str("| Property | Value | |\n|---|---|---|\n");
        for property in &p.properties {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                md_code(&property.key),
                md_cell(&property_value(property)),
                class_label(property.class)
            );
        }
        for note in &p.notes {
            let _ = writeln!(out, "\n> Note: {}", md_text(note));
        }
    }

    out.push_str("\n## Nodes\n\n");
    if report.nodes.is_empty() {
        out.push_str("No node to switch.\n");
    } else {
        out.push_str("| Flow | Locale | Node | Type | Provider selector | Other fields | Status |\n|---|---|---|---|---|---|---|\n");
        for n in &report.nodes {
            let before = n.before.as_deref().unwrap_or("(switched earlier)");
            let changes: Vec<String> = n
                .changes
                .iter()
                .map(|c| {
                    let before = c.before.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "(absent)".into());
                    format!("{}: {} → {}", md_code(&c.key), md_cell(&before), md_cell(&c.after.to_string()))
                })
                .collect();
            let status = match &n.run {
                Some(run) => format!("{} (run {})", n.status.as_str(), md_code(run)),
                None => n.status.as_str().to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} \"{}\" | {} | {} → **{}** ({}) | {} | {status} |",
                md_cell(&n.flow),
                md_cell(&n.locale),
                md_code(&n.node_id),
                md_cell(&n.label),
                md_code(&n.node_type),
                md_cell(before),
                md_cell(&n.provider),
                md_code(&n.after),
                if changes.is_empty() { "—".to_string() } else { changes.join("<br>") },
            );
        }
    }

    out.push_str("\n## Manual steps\n\n");
    for step in &report.manual_steps {
        let mark = if step.done { "x" } else { " " };
        let provider = step.provider.as_ref().map(|p| format!("**{}**: ", md_cell(p))).unwrap_or_default();
        let _ = writeln!(out, "- [{mark}] {provider}{}", md_text(&step.text));
        if let (false, Some(entry)) = (step.done, &step.answers_entry) {
            let _ = writeln!(out, "  - answers file: {}", md_code(entry));
        }
    }

    if !report.conflicts.is_empty() || !report.missing_answers.is_empty() || !report.errors.is_empty() {
        out.push_str("\n## Before it can be applied\n\n");
        for c in &report.conflicts {
            let _ = writeln!(
                out,
                "- Conflict: flow \"{}\", locale {}, node {} (\"{}\"): {}. Answer one of: {}",
                md_text(&c.flow),
                c.locale,
                md_code(&c.node_id),
                md_text(&c.label),
                md_text(&c.reason),
                c.resolve_with.iter().map(|l| md_code(l)).collect::<Vec<_>>().join(", ")
            );
        }
        for m in &report.missing_answers {
            let _ = writeln!(out, "- {}: {}", md_text(&m.prompt), md_code(&m.entry));
        }
        for e in &report.errors {
            let _ = writeln!(out, "- Error: {}", md_text(e));
        }
    }

    out.push_str("\n## Verify\n\n");
    let _ = writeln!(out, "**{verify}**\n");
    let v = &report.verify;
    let _ = writeln!(
        out,
        "- Migrated endpoints: {}",
        if v.migrated_endpoints.is_empty() { "none".into() } else { md_text(&v.migrated_endpoints.join(", ")) }
    );
    if !v.not_migrated.is_empty() {
        let _ = writeln!(out, "- Not migrated yet: {}", md_text(&v.not_migrated.join(", ")));
    }
    for (title, items) in [
        ("Still on Legacy", &v.remaining),
        ("Pointing at missing providers", &v.dangling),
        ("Provider checks", &v.provider_findings),
    ] {
        for item in items {
            let _ = writeln!(out, "- {title}: {}", md_text(item));
        }
    }

    if !report.warnings.is_empty() || !report.notices.is_empty() {
        out.push_str("\n## Warnings and notices\n\n");
        for w in &report.warnings {
            let _ = writeln!(out, "- ⚠ {}", md_text(w));
        }
        let mut kind = None;
        for n in &report.notices {
            if kind != Some(n.kind) {
                kind = Some(n.kind);
                let _ = writeln!(out, "\n{}:\n", n.kind.title());
            }
            let _ = writeln!(out, "- {}", md_text(&n.message));
        }
    }

    if !report.runs.is_empty() {
        out.push_str("\n## Runs\n\n| Run | Kind | State | Files |\n|---|---|---|---|\n");
        for r in &report.runs {
            let _ = writeln!(out, "| {} | {} | {:?} | {} |", md_code(&r.id), r.kind, r.state, r.files);
        }
    }
    out.push_str("\nSecrets are never shown: provider secrets appear as `••••••`.\n");
    out
}
