//! The Markdown report (with a Mermaid diagram while it fits). Names and prose from the
//! project are quoted like the terminal output and escaped so that they stay text: no
//! emphasis, link, raw HTML or entity can come from a name.

use std::fmt::Write;

use handover_migrate_commands::report::Report;

use super::names::{is_quoted, prose, shown, warning};
use super::*;

/// Markdown punctuation that could start emphasis, a link, raw HTML, an entity or a code
/// span: escaped with a backslash wherever project text is shown as text.
fn needs_escape(c: char) -> bool {
    matches!(c, '\\' | '*' | '_' | '<' | '>' | '[' | ']' | '&' | '~' | '`')
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        if needs_escape(c) {
            out.push('\\');
        }
        out.push(c);
    }
}

fn flag_into(out: &mut String, text: &str) {
    if let Some(reason) = warning(text) {
        let _ = write!(out, " ⚠ ({reason})");
    }
}

/// Prose for Markdown: `code spans` kept as they are, everything else escaped so that
/// `<your endpoint URL>` or `escalate*Handover*` show literally; control and bidi
/// characters quoted first (the report is often read on a terminal), then flagged.
fn md_text(text: &str) -> String {
    let quoted = prose(text);
    let parts: Vec<&str> = quoted.split('`').collect();
    let mut out = String::with_capacity(quoted.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && parts.len() % 2 == 1 {
            out.push_str(part);
        } else {
            for c in part.chars() {
                if needs_escape(c) && c != '`' {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    flag_into(&mut out, text);
    out.replace('\n', " ")
}

/// A name from the project: quoted like the terminal output, every Markdown character
/// escaped, flagged when it may not read as what it is.
fn md_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, &shown(text));
    flag_into(&mut out, text);
    out
}

/// A name in a table cell.
fn md_name_cell(text: &str) -> String {
    md_name(text).replace('|', "\\|")
}

/// Names in a table cell, at most `max` then "+N more".
fn md_names_cell(names: &[String], max: usize) -> String {
    let (shown, more) = first_names(names, max);
    if shown.is_empty() {
        return "—".to_string();
    }
    let mut out = shown.iter().map(|n| md_name_cell(n)).collect::<Vec<_>>().join(", ");
    if more > 0 {
        let _ = write!(out, " +{more} more");
    }
    out
}

/// Escape prose for a Markdown table cell.
fn md_cell(text: &str) -> String {
    md_text(text).replace('|', "\\|")
}

/// A code span holding `text` literally: fenced with more backticks than it holds in a row.
fn md_code(raw: &str) -> String {
    let text = prose(raw);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    let mut out = format!("{fence}{pad}{text}{pad}{fence}");
    flag_into(&mut out, raw);
    out
}

/// A code span in a table cell (GFM reads `\|` as `|` there).
fn md_code_cell(text: &str) -> String {
    md_code(text).replace('|', "\\|")
}

/// A Mermaid label: quoted like the terminal output, then every character Mermaid could
/// read as markup or an entity written as an entity code.
fn mermaid_label(text: &str) -> String {
    let mut out = String::new();
    if warning(text).is_some() {
        out.push_str("⚠ ");
    }
    for c in shown(text).chars() {
        match c {
            '"' | '<' | '>' | '&' | '#' | '`' | '|' | '\\' | '[' | ']' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// "… +N more …" under a list cut at its limit.
fn more(out: &mut String, hidden: usize, what: &str, whence: &str) {
    if hidden > 0 {
        let _ = writeln!(out, "\n… +{hidden} more {what} (`{whence}` lists every one).");
    }
}

fn diagram(out: &mut String, report: &Report) {
    out.push_str("## Endpoint → provider → flow\n\n");
    if !diagram_fits(report) {
        let _ = writeln!(
            out,
            "The diagram is left out at this size ({} endpoints, {} providers, {} provider → flow links); the \
             tables below list each.\n",
            report.endpoints.len(),
            report.providers.len(),
            report.links.provider_flow.len()
        );
        return;
    }
    out.push_str("```mermaid\nflowchart LR\n");
    let (endpoints, providers, flows) = super::diagram::columns(report);
    let mut endpoint_at = HashMap::new();
    for (i, e) in endpoints.iter().enumerate() {
        let _ = writeln!(out, "    e{i}[\"{}\"]", mermaid_label(&e.name));
        endpoint_at.entry(e.name.as_str()).or_insert(i);
    }
    let mut provider_at = HashMap::new();
    for (i, p) in providers.iter().enumerate() {
        let _ = writeln!(out, "    p{i}([\"{}\"])", mermaid_label(p));
        provider_at.entry(*p).or_insert(i);
    }
    let mut flow_at = HashMap::new();
    for (i, f) in flows.iter().enumerate() {
        let _ = writeln!(out, "    f{i}[/\"{}\"/]", mermaid_label(f));
        flow_at.entry(*f).or_insert(i);
    }
    for link in &report.links.endpoint_provider {
        if let (Some(e), Some(p)) = (endpoint_at.get(link.endpoint.as_str()), provider_at.get(link.provider.as_str())) {
            let _ = writeln!(out, "    e{e} --> p{p}");
        }
    }
    for link in &report.links.provider_flow {
        if let (Some(p), Some(f)) = (provider_at.get(link.provider.as_str()), flow_at.get(link.flow.as_str())) {
            let arrow = if link.conflict { "-.->" } else { "-->" };
            let plural = if link.nodes == 1 { "" } else { "s" };
            let conflict = if link.conflict { " in conflict" } else { "" };
            let _ = writeln!(out, "    p{p} {arrow}|{} node{plural}{conflict}| f{f}", link.nodes);
        }
    }
    out.push_str("```\n\n");
}

fn providers(out: &mut String, report: &Report) {
    out.push_str("\n## Handover Providers\n");
    if report.providers.is_empty() {
        out.push_str("\nNone.\n");
        return;
    }
    if !provider_cards(report) {
        out.push_str("\n| Provider | Service | Endpoints | Status |\n|---|---|---|---|\n");
        for p in &report.providers {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_name_cell(&p.name),
                md_code_cell(&p.target_service),
                md_names_cell(&p.endpoints, CELL_NAMES),
                p.status.as_str()
            );
        }
        out.push_str("\nEach provider's properties: `handover-migrate plan --detail`.\n");
        return;
    }
    for p in &report.providers {
        let status = match (p.status.as_str(), &p.created_by_run) {
            ("created", Some(run)) => format!("created by run {}", md_code(run)),
            (status, _) => status.to_string(),
        };
        let _ = writeln!(
            out,
            "\n### {} ({status})\n\n{} · {} → {} · referenceId {} · endpoints: {}\n",
            md_name(&p.name),
            md_name(&p.display_name),
            md_code(&p.source_kind),
            md_code(&p.target_service),
            md_code(&p.reference_id),
            md_names_cell(&p.endpoints, LINE_NAMES)
        );
        out.push_str("| Property | Value | |\n|---|---|---|\n");
        for property in &p.properties {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                md_code_cell(&property.key),
                md_name_cell(&property_value(property)),
                class_label(property.class)
            );
        }
        for note in &p.notes {
            let _ = writeln!(out, "\n> Note: {}", md_text(note));
        }
    }
}

fn nodes(out: &mut String, report: &Report) {
    out.push_str("\n## Nodes\n\n");
    if report.nodes.is_empty() {
        out.push_str("No node to switch.\n");
        return;
    }
    if !node_rows(report) {
        let links: Vec<_> = switch_links(report).collect();
        let _ = writeln!(
            out,
            "{} node(s): {} to switch, {} switched. Per provider and flow (every node: `handover-migrate plan \
             --detail`, or `report --json`):\n\n| Provider | Flow | Nodes |\n|---|---|---|",
            report.nodes.len(),
            report.summary.nodes_to_switch,
            report.summary.nodes_switched
        );
        for link in links.iter().take(COUNT_ROWS) {
            let _ =
                writeln!(out, "| {} | {} | {} |", md_name_cell(&link.provider), md_name_cell(&link.flow), link.nodes);
        }
        more(out, links.len().saturating_sub(COUNT_ROWS), "provider → flow rows", "handover-migrate report --json");
        return;
    }
    out.push_str(
        "| Flow | Locale | Node | Type | Provider selector | Other fields | Status |\n|---|---|---|---|---|---|---|\n",
    );
    for n in &report.nodes {
        let before = n.before.as_deref().unwrap_or("(switched earlier)");
        let changes: Vec<String> = n
            .changes
            .iter()
            .map(|c| {
                let before = c.before.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "(absent)".into());
                format!("{}: {} → {}", md_code_cell(&c.key), md_name_cell(&before), md_name_cell(&c.after.to_string()))
            })
            .collect();
        let status = match &n.run {
            Some(run) => format!("{} (run {})", n.status.as_str(), md_code_cell(run)),
            None => n.status.as_str().to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {} | {} → **{}** ({}) | {} | {status} |",
            md_name_cell(&n.flow),
            md_name_cell(&n.locale),
            md_code_cell(&n.node_id),
            if is_quoted(&n.label) { md_name_cell(&n.label) } else { format!("\"{}\"", md_name_cell(&n.label)) },
            md_code_cell(&n.node_type),
            md_name_cell(before),
            md_name_cell(&n.provider),
            md_code_cell(&n.after),
            if changes.is_empty() { "—".to_string() } else { changes.join("<br>") },
        );
    }
}

fn manual_steps(out: &mut String, report: &Report) {
    out.push_str("\n## Manual steps\n\n");
    for line in step_lines(report) {
        let mark = if line.all_done() { "x" } else { " " };
        match &line.grouped_text {
            Some(text) => {
                let providers: Vec<String> = line.providers.iter().map(|p| p.to_string()).collect();
                let _ = writeln!(
                    out,
                    "- [{mark}] **{} provider(s)**: {}\n  - for {} · {} of {} done",
                    providers.len(),
                    md_text(text),
                    md_names_cell(&providers, CELL_NAMES),
                    line.done,
                    line.count()
                );
                if line.step.answers_entry.is_some() && !line.all_done() {
                    out.push_str("  - answers file entries: `handover-migrate answers template`\n");
                }
            }
            None => {
                let provider = line.providers.first().map(|p| format!("**{}**: ", md_name(p))).unwrap_or_default();
                let _ = writeln!(out, "- [{mark}] {provider}{}", md_text(&line.step.text));
                if let (false, Some(entry)) = (line.step.done, &line.step.answers_entry) {
                    let _ = writeln!(out, "  - answers file: {}", md_code(entry));
                }
            }
        }
    }
}

fn blocking(out: &mut String, report: &Report) {
    if report.conflicts.is_empty() && report.missing_answers.is_empty() && report.errors.is_empty() {
        return;
    }
    out.push_str("\n## Before it can be applied\n\n");
    for c in report.conflicts.iter().take(COUNT_ROWS) {
        let _ = writeln!(
            out,
            "- Conflict: flow \"{}\", locale {}, node {} (\"{}\"): {}. Answer one of: {}",
            md_name(&c.flow),
            md_name(&c.locale),
            md_code(&c.node_id),
            md_name(&c.label),
            md_text(&c.reason),
            c.resolve_with.iter().map(|l| md_code(l)).collect::<Vec<_>>().join(", ")
        );
    }
    for m in report.missing_answers.iter().take(COUNT_ROWS) {
        let _ = writeln!(out, "- {}: {}", md_text(&m.prompt), md_code(&m.entry));
    }
    for e in report.errors.iter().take(COUNT_ROWS) {
        let _ = writeln!(out, "- Error: {}", md_text(e));
    }
    let template = "handover-migrate answers template";
    more(out, report.conflicts.len().saturating_sub(COUNT_ROWS), "conflict(s)", template);
    more(out, report.missing_answers.len().saturating_sub(COUNT_ROWS), "answer(s)", template);
    more(out, report.errors.len().saturating_sub(COUNT_ROWS), "error(s)", "handover-migrate plan");
}

fn verify(out: &mut String, report: &Report, verdict: &str) {
    out.push_str("\n## Verify\n\n");
    let _ = writeln!(out, "**{verdict}**\n");
    let v = &report.verify;
    let names = |names: &[String]| {
        let (shown, more) = first_names(names, LINE_NAMES);
        let mut text = shown.iter().map(|n| md_name(n)).collect::<Vec<_>>().join(", ");
        if more > 0 {
            let _ = write!(text, " +{more} more");
        }
        text
    };
    let migrated = if v.migrated_endpoints.is_empty() { "none".to_string() } else { names(&v.migrated_endpoints) };
    let _ = writeln!(out, "- Migrated endpoints: {migrated}");
    if !v.not_migrated.is_empty() {
        let _ = writeln!(out, "- Not migrated yet: {}", names(&v.not_migrated));
    }
    for (title, items) in [
        ("Still on Legacy", &v.remaining),
        ("Pointing at missing providers", &v.dangling),
        ("Provider checks", &v.provider_findings),
    ] {
        for item in items.iter().take(COUNT_ROWS) {
            let _ = writeln!(out, "- {title}: {}", md_text(item));
        }
        if items.len() > COUNT_ROWS {
            let _ = writeln!(
                out,
                "- {title}: +{} more (`handover-migrate verify` lists every one)",
                items.len() - COUNT_ROWS
            );
        }
    }
}

fn warnings(out: &mut String, report: &Report) {
    if report.warnings.is_empty() && report.notices.is_empty() {
        return;
    }
    out.push_str("\n## Warnings and notices\n\n");
    for w in report.warnings.iter().take(COUNT_ROWS) {
        let _ = writeln!(out, "- ⚠ {}", md_text(w));
    }
    let mut kind = None;
    for n in report.notices.iter().take(COUNT_ROWS) {
        if kind != Some(n.kind) {
            kind = Some(n.kind);
            let _ = writeln!(out, "\n{}:\n", n.kind.title());
        }
        let _ = writeln!(out, "- {}", md_text(&n.message));
    }
    let json = "handover-migrate report --json";
    more(out, report.warnings.len().saturating_sub(COUNT_ROWS), "warning(s)", json);
    more(out, report.notices.len().saturating_sub(COUNT_ROWS), "notice(s)", json);
}

pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Handover migration report\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Project | {} |", md_name_cell(&report.project));
    let _ = writeln!(out, "| Stage | **{}** |", md_cell(&report.stage));
    let verdict = if !report.verify.applicable {
        "nothing to check yet (no endpoint migrated)"
    } else if report.verify.passed {
        "passed"
    } else {
        "work remains"
    };
    let _ = writeln!(out, "| Verify | {verdict} |");
    let _ = writeln!(out, "| Node selector key | {} |", md_code_cell(&report.selector_key));
    if !report.endpoint_filter.is_empty() {
        let _ = writeln!(out, "| Limited to endpoints | {} |", md_names_cell(&report.endpoint_filter, LINE_NAMES));
    }
    let _ = writeln!(out, "| Generated | {} by {} |", md_cell(&report.generated_at), md_cell(&report.tool));
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

    diagram(&mut out, report);

    out.push_str("## What was found\n\n| Kind | Endpoint | Status | Provider | Flows | Nodes (Legacy / switched) |\n|---|---|---|---|---|---|\n");
    for (kind, endpoints) in by_kind(&report.endpoints) {
        for e in endpoints {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} / {} |",
                md_code_cell(&kind),
                md_name_cell(&e.name),
                md_cell(&e.status.describe(e.settings_problems)),
                e.provider.as_deref().map(md_name_cell).unwrap_or_else(|| "—".to_string()),
                md_names_cell(&e.flows, CELL_NAMES),
                e.legacy_nodes,
                e.switched_nodes
            );
        }
    }

    providers(&mut out, report);
    nodes(&mut out, report);
    manual_steps(&mut out, report);
    blocking(&mut out, report);
    verify(&mut out, report, verdict);
    warnings(&mut out, report);

    if !report.runs.is_empty() {
        out.push_str("\n## Runs\n\n| Run | Kind | State | Files |\n|---|---|---|---|\n");
        for r in &report.runs {
            let _ = writeln!(out, "| {} | {} | {:?} | {} |", md_code_cell(&r.id), md_cell(&r.kind), r.state, r.files);
        }
    }
    out.push_str("\nSecrets are never shown: provider secrets appear as `••••••`.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_text_in_markdown() {
        assert_eq!(md_name("[x](javascript:alert(1))"), "\\[x\\](javascript:alert(1))");
        assert_eq!(md_name("</script><img onerror=x>"), "\\</script\\>\\<img onerror=x\\>");
        assert_eq!(md_name("&#x202E;"), "\\&#x202E;");
        assert_eq!(md_name_cell("a|b"), "a\\|b");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(mermaid_label("a\"<b>"), "a#34;#60;b#62;");
        assert!(md_name("x\u{202E}y")
            .ends_with("⚠ (contains bidirectional control characters: it may display differently from what it is)"));
    }
}
