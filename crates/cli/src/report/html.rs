use std::collections::HashMap;
use std::fmt::Write;

use super::*;

// ---------------------------------------------------------------------------------------
// HTML

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text whose `backticked` parts become `<code>`.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick: show the text as it is.
        return esc(text);
    }
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// Endpoint column, provider column, flow column, ordered to keep lines from crossing.
pub(super) fn diagram_columns(report: &Report) -> (Vec<&ScanEndpoint>, Vec<String>, Vec<String>) {
    let providers: Vec<String> = report.providers.iter().map(|p| p.name.clone()).collect();
    let ranks = index_of(&providers);
    let provider_rank = |name: &str| ranks.get(name).copied().unwrap_or(usize::MAX);
    let mut endpoint_rank: HashMap<&str, usize> = HashMap::new();
    for link in &report.links.endpoint_provider {
        let rank = endpoint_rank.entry(link.endpoint.as_str()).or_insert(usize::MAX);
        *rank = (*rank).min(provider_rank(&link.provider));
    }
    let mut endpoints: Vec<(usize, &ScanEndpoint)> = report
        .endpoints
        .iter()
        .filter(|e| e.kind.as_deref().is_some_and(|k| !matches!(k, "" | "none" | "cognigy")))
        .map(|e| (endpoint_rank.get(e.name.as_str()).copied().unwrap_or(usize::MAX), e))
        .collect();
    endpoints.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    // A flow sits level with the first provider that switches nodes in it; a flow reached
    // only through conflicts goes below the last provider involved.
    let mut flows: Vec<(usize, bool, String)> = Vec::new();
    let mut flow_at: HashMap<&str, usize> = HashMap::new();
    for link in report.links.provider_flow.iter().filter(|l| !l.conflict) {
        let rank = provider_rank(&link.provider);
        match flow_at.get(link.flow.as_str()) {
            Some(&at) => flows[at].0 = flows[at].0.min(rank),
            None => {
                flow_at.insert(&link.flow, flows.len());
                flows.push((rank, false, link.flow.clone()));
            }
        }
    }
    for link in report.links.provider_flow.iter().filter(|l| l.conflict) {
        let rank = provider_rank(&link.provider);
        match flow_at.get(link.flow.as_str()) {
            Some(&at) if flows[at].1 => flows[at].0 = flows[at].0.max(rank),
            Some(_) => {}
            None => {
                flow_at.insert(&link.flow, flows.len());
                flows.push((rank, true, link.flow.clone()));
            }
        }
    }
    flows.sort();
    (endpoints.into_iter().map(|(_, e)| e).collect(), providers, flows.into_iter().map(|(_, _, f)| f).collect())
}

const PALETTE: &[&str] = &["#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#0d9488"];

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The endpoint → provider → flow diagram as inline SVG.
fn svg_diagram(report: &Report) -> String {
    let (endpoints, providers, flows) = diagram_columns(report);
    const W: f64 = 320.0;
    const H: f64 = 48.0;
    const GAP: f64 = 14.0;
    const TOP: f64 = 44.0;
    let xs = [10.0, 430.0, 850.0];
    let rows = endpoints.len().max(providers.len()).max(flows.len()).max(1);
    let height = TOP + rows as f64 * (H + GAP) + 10.0;
    // Centre shorter columns vertically.
    let offset = |n: usize| TOP + (rows - n.min(rows)) as f64 * (H + GAP) / 2.0;
    let y_of = |column: usize, index: usize| -> f64 {
        let n = [endpoints.len(), providers.len(), flows.len()][column];
        offset(n) + index as f64 * (H + GAP)
    };
    let provider_at = index_of(&providers);
    let flow_at = index_of(&flows);
    let endpoint_at: HashMap<&str, usize> =
        endpoints.iter().enumerate().rev().map(|(i, e)| (e.name.as_str(), i)).collect();
    let color = |provider: &str| PALETTE[provider_at.get(provider).copied().unwrap_or(0) % PALETTE.len()];
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg id=\"diagram\" class=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1180 {height:.0}\" \
         width=\"1180\" height=\"{height:.0}\" role=\"img\" aria-label=\"Endpoints, the Handover Providers they become, and the flows whose nodes switch to them\">"
    );
    for (x, title) in xs.iter().zip(["Endpoints (legacy settings)", "Handover Providers", "Flows (nodes switched)"]) {
        let _ = write!(out, "<text class=\"col\" x=\"{:.0}\" y=\"24\">{}</text>", x + 4.0, esc(title));
    }
    // Edges first, under the boxes.
    for link in &report.links.endpoint_provider {
        let (Some(&e), Some(&p)) = (endpoint_at.get(link.endpoint.as_str()), provider_at.get(link.provider.as_str()))
        else {
            continue;
        };
        let (x1, y1, x2, y2) = (xs[0] + W, y_of(0, e) + H / 2.0, xs[1], y_of(1, p) + H / 2.0);
        let _ = write!(
            out,
            "<path class=\"edge\" d=\"M{x1:.1} {y1:.1} C{:.1} {y1:.1}, {:.1} {y2:.1}, {x2:.1} {y2:.1}\" stroke=\"{}\"/>",
            x1 + 60.0,
            x2 - 60.0,
            color(&link.provider)
        );
    }
    for link in &report.links.provider_flow {
        let (Some(&p), Some(&f)) = (provider_at.get(link.provider.as_str()), flow_at.get(link.flow.as_str())) else {
            continue;
        };
        let (x1, y1, x2, y2) = (xs[1] + W, y_of(1, p) + H / 2.0, xs[2], y_of(2, f) + H / 2.0);
        let (class, stroke) =
            if link.conflict { ("edge conflict", "#dc2626") } else { ("edge", color(&link.provider)) };
        let _ = write!(
            out,
            "<path class=\"{class}\" d=\"M{x1:.1} {y1:.1} C{:.1} {y1:.1}, {:.1} {y2:.1}, {x2:.1} {y2:.1}\" stroke=\"{stroke}\"><title>{}</title></path>",
            x1 + 60.0,
            x2 - 60.0,
            esc(&format!(
                "{} → {}: {} node(s){}",
                link.provider,
                link.flow,
                link.nodes,
                if link.conflict { " in conflict (needs an answer)" } else { "" }
            ))
        );
    }
    let mut node_box = |class: &str, x: f64, y: f64, accent: &str, title: &str, subtitle: &str| {
        let _ = write!(
            out,
            "<g class=\"box {class}\"><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{W:.0}\" height=\"{H:.0}\" rx=\"8\"/>\
             <rect class=\"accent\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"6\" height=\"{H:.0}\" rx=\"3\" fill=\"{accent}\"/>\
             <text class=\"t1\" x=\"{:.1}\" y=\"{:.1}\">{}</text><text class=\"t2\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            esc(&format!("{title}\n{subtitle}")),
            x + 16.0,
            y + 20.0,
            esc(&truncate(title, 39)),
            x + 16.0,
            y + 38.0,
            esc(&truncate(subtitle, 44))
        );
    };
    let mut first_link: HashMap<&str, &handover_migrate_commands::report::EndpointLink> = HashMap::new();
    for link in &report.links.endpoint_provider {
        first_link.entry(link.endpoint.as_str()).or_insert(link);
    }
    let report_provider: HashMap<&str, &handover_migrate_commands::report::ReportProvider> =
        report.providers.iter().rev().map(|p| (p.name.as_str(), p)).collect();
    let mut switched_in: HashMap<&str, usize> = HashMap::new();
    for node in &report.nodes {
        *switched_in.entry(node.flow.as_str()).or_default() += 1;
    }
    let mut conflicts_in: HashMap<&str, usize> = HashMap::new();
    for conflict in &report.conflicts {
        *conflicts_in.entry(conflict.flow.as_str()).or_default() += 1;
    }
    for (i, e) in endpoints.iter().enumerate() {
        let provider = first_link.get(e.name.as_str());
        let (class, accent) = match provider {
            Some(link) => ("endpoint", color(&link.provider)),
            None => ("endpoint unlinked", "#9ca3af"),
        };
        let subtitle = format!("{} · {}", e.kind.as_deref().unwrap_or("none"), e.status.describe(e.settings_problems));
        node_box(class, xs[0], y_of(0, i), accent, &e.name, &subtitle);
    }
    for (i, name) in providers.iter().enumerate() {
        let Some(p) = report_provider.get(name.as_str()) else { continue };
        let subtitle = format!("{} · {}", p.target_service, p.status.as_str());
        node_box("provider", xs[1], y_of(1, i), color(name), name, &subtitle);
    }
    for (i, flow) in flows.iter().enumerate() {
        let switched = switched_in.get(flow.as_str()).copied().unwrap_or_default();
        let conflicts = conflicts_in.get(flow.as_str()).copied().unwrap_or_default();
        let mut subtitle = format!("{switched} node(s)");
        if conflicts > 0 {
            subtitle.push_str(&format!(" · {conflicts} in conflict"));
        }
        let class = if conflicts > 0 { "flow conflicted" } else { "flow" };
        let accent = if conflicts > 0 { "#dc2626" } else { "#6b7280" };
        node_box(class, xs[2], y_of(2, i), accent, flow, &subtitle);
    }
    out.push_str("</svg>");
    out
}

const CSS: &str = r#"
:root { --fg:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; --ok:#15803d; --warn:#b45309; --bad:#b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1220px; margin: 0 auto; padding: 28px 24px 48px; }
header { border-bottom: 1px solid var(--line); padding-bottom: 16px; margin-bottom: 20px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0; }
.sub { color: var(--muted); margin: 0; }
code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; background: #f3f4f6; padding: 1px 5px; border-radius: 4px; }
.stage { display: inline-block; margin-top: 12px; font-weight: 600; padding: 4px 12px; border-radius: 999px; background: #eef2ff; color: #3730a3; }
.badge { display: inline-block; white-space: nowrap; font-size: 12px; font-weight: 600; padding: 2px 10px; border-radius: 999px; margin-left: 8px; }
.ok { background: #dcfce7; color: var(--ok); } .warn { background: #fef3c7; color: var(--warn); } .bad { background: #fee2e2; color: var(--bad); } .muted { background: #f3f4f6; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; background: var(--bg); }
.card .n { font-size: 26px; font-weight: 700; } .card .l { color: var(--muted); font-size: 12.5px; }
.diagram { width: 100%; height: auto; background: var(--bg); border: 1px solid var(--line); border-radius: 10px; }
.diagram .col { font-size: 13px; font-weight: 700; fill: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.diagram .box rect { fill: #fff; stroke: #d1d5db; }
.diagram .box rect.accent { stroke: none; }
.diagram .box.unlinked rect:first-of-type { fill: #f3f4f6; stroke-dasharray: 4 3; }
.diagram .box.conflicted rect:first-of-type { stroke: #dc2626; }
.diagram .t1 { font-size: 13px; font-weight: 600; fill: var(--fg); }
.diagram .t2 { font-size: 12px; fill: var(--muted); }
.diagram .edge { fill: none; stroke-width: 2.5; opacity: .75; }
.diagram .edge.conflict { stroke-dasharray: 6 4; opacity: .9; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: var(--bg); }
tr.kind td { background: #f3f4f6; font-weight: 600; }
.providers { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; }
.provider { border: 1px solid var(--line); border-left: 6px solid var(--c, #2563eb); border-radius: 10px; padding: 12px 14px; }
.provider .meta { color: var(--muted); font-size: 12.5px; margin: 2px 0 8px; }
.provider td, .provider th { padding: 4px 6px; font-size: 13px; }
.secret { letter-spacing: .1em; color: var(--muted); }
.missing { color: var(--bad); font-weight: 600; }
.note { color: var(--muted); font-size: 12.5px; margin: 6px 0 0; }
.legacy { color: var(--warn); font-weight: 600; }
.arrow { color: var(--muted); padding: 0 4px; }
.after { color: var(--ok); font-weight: 600; }
.chg { font-size: 12.5px; }
ul.steps { list-style: none; padding: 0; margin: 0; }
ul.steps li { padding: 7px 4px; border-bottom: 1px solid var(--line); display: flex; gap: 10px; align-items: flex-start; }
ul.steps input { margin-top: 3px; width: 16px; height: 16px; }
ul.steps .who { font-weight: 600; }
ul.steps .entry { display: block; color: var(--muted); font-size: 12.5px; }
ul.plain { padding-left: 20px; }
.warnings li { margin: 4px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print { .diagram { border: none; } h2 { break-after: avoid; } .provider, tr { break-inside: avoid; } }
"#;

/// Past this many boxes and links the diagram is left out.
const DIAGRAM_LIMIT: usize = 120;
/// Past this many providers they are listed one line each (no property tables).
const PROVIDER_CARDS: usize = 40;
/// Past this many nodes the node table shows counts per provider and flow.
const NODE_ROWS: usize = 300;
/// Rows of the per-provider-and-flow count table.
const COUNT_ROWS: usize = 100;
/// Names in one cell before "+N more".
const CELL_NAMES: usize = 3;

/// `names` joined, at most [`CELL_NAMES`] of them, then "+N more".
fn names_cell(names: &[String]) -> String {
    if names.is_empty() {
        return "—".to_string();
    }
    let mut text = names.iter().take(CELL_NAMES).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > CELL_NAMES {
        text.push_str(&format!(" +{} more", names.len() - CELL_NAMES));
    }
    text
}

pub fn html(report: &Report) -> String {
    let mut out = String::new();
    let title = format!("Handover migration report — {}", report.project);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    let (verify_class, verify_text) = if !report.verify.applicable {
        ("muted", "Verify: nothing migrated yet")
    } else if report.verify.passed {
        ("ok", "Verify: passed")
    } else {
        ("bad", "Verify: work remains")
    };
    let _ = writeln!(
        out,
        "<header><h1>Handover migration report</h1>\
         <p class=\"sub\">Project <code>{}</code> · node selector key <code>{}</code>{} · generated {} by {}</p>\
         <span class=\"stage\" id=\"stage\">{}</span><span class=\"badge {verify_class}\" id=\"verify-status\">{verify_text}</span>{}{}</header>",
        esc(&report.project),
        esc(&report.selector_key),
        if report.endpoint_filter.is_empty() {
            String::new()
        } else {
            format!(" · limited to {}", esc(&report.endpoint_filter.join(", ")))
        },
        esc(&report.generated_at),
        esc(&report.tool),
        esc(&report.stage),
        if report.summary.conflicts > 0 {
            format!("<span class=\"badge bad\">{} conflict(s)</span>", report.summary.conflicts)
        } else {
            String::new()
        },
        if report.summary.missing_answers > 0 {
            format!("<span class=\"badge warn\">{} answer(s) missing</span>", report.summary.missing_answers)
        } else {
            String::new()
        },
    );
    let s = &report.summary;
    out.push_str("<section class=\"cards\">");
    for (n, label) in [
        (s.endpoints_with_legacy_settings, "endpoints with legacy settings"),
        (s.providers_to_create, "providers to create"),
        (s.providers_existing, "providers existing"),
        (s.nodes_to_switch, "nodes to switch"),
        (s.nodes_switched, "nodes switched"),
        (s.manual_steps_open, "manual steps open"),
    ] {
        let _ = write!(out, "<div class=\"card\"><div class=\"n\">{n}</div><div class=\"l\">{label}</div></div>");
    }
    out.push_str("</section>\n");

    out.push_str("<section><h2>Endpoint → provider → flow</h2>");
    let boxes = report.endpoints.len() + report.providers.len() + report.links.provider_flow.len();
    if boxes > DIAGRAM_LIMIT {
        // Past a readable size a diagram is a wall of lines: the tables below say the same.
        let _ = write!(
            out,
            "<p class=\"note\">The diagram is left out at this size ({} endpoints, {} providers, {} provider → flow \
             links); the tables below list each.</p>",
            report.endpoints.len(),
            report.providers.len(),
            report.links.provider_flow.len()
        );
    } else {
        out.push_str(&svg_diagram(report));
    }
    out.push_str("</section>\n");

    out.push_str(
        "<section id=\"found\"><h2>What was found</h2><table><thead><tr><th>Endpoint</th><th>Status</th><th>Provider</th>\
         <th>Flows</th><th>Legacy / switched nodes</th><th>Locales</th></tr></thead><tbody>",
    );
    for (kind, endpoints) in by_kind(&report.endpoints) {
        let _ = write!(
            out,
            "<tr class=\"kind\"><td colspan=\"6\"><code>{}</code> · {} endpoint(s)</td></tr>",
            esc(&kind),
            endpoints.len()
        );
        for e in endpoints {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>",
                esc(&e.name),
                esc(&e.status.describe(e.settings_problems)),
                esc(e.provider.as_deref().unwrap_or("—")),
                esc(&names_cell(&e.flows)),
                e.legacy_nodes,
                e.switched_nodes,
                esc(&e.locales.join(", "))
            );
        }
    }
    out.push_str("</tbody></table></section>\n");

    out.push_str("<section id=\"providers\"><h2>Handover Providers</h2>");
    if report.providers.is_empty() {
        out.push_str("<p>None.</p>");
    }
    if report.providers.len() > PROVIDER_CARDS {
        out.push_str(
            "<table><thead><tr><th>Provider</th><th>Service</th><th>Endpoints</th><th>Status</th></tr></thead><tbody>",
        );
        for p in &report.providers {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&p.name),
                esc(&p.target_service),
                esc(&names_cell(&p.endpoints)),
                esc(p.status.as_str())
            );
        }
        out.push_str("</tbody></table><p class=\"note\">Each provider's properties: <code>handover-migrate plan --detail</code>.</p>");
    }
    out.push_str("<div class=\"providers\">");
    let cards = if report.providers.len() > PROVIDER_CARDS { &[][..] } else { &report.providers[..] };
    for (i, p) in cards.iter().enumerate() {
        let badge = match p.status.as_str() {
            "to create" => "<span class=\"badge warn\">to create</span>".to_string(),
            "created" => format!(
                "<span class=\"badge ok\">created{}</span>",
                p.created_by_run.as_ref().map(|r| format!(" by run {}", esc(r))).unwrap_or_default()
            ),
            other => format!("<span class=\"badge muted\">{}</span>", esc(other)),
        };
        let _ = write!(
            out,
            "<div class=\"provider\" style=\"--c:{}\"><h3>{}{badge}</h3><div class=\"meta\">{} · <code>{}</code> → <code>{}</code><br>\
             referenceId <code>{}</code><br>endpoints: {}</div><table><tbody>",
            PALETTE[i % PALETTE.len()],
            esc(&p.name),
            esc(&p.display_name),
            esc(&p.source_kind),
            esc(&p.target_service),
            esc(&p.reference_id),
            esc(&p.endpoints.join(", "))
        );
        for property in &p.properties {
            let value = property_value(property);
            let class = match (&property.value, property.class) {
                (Value::Null, _) => "missing",
                (_, PropertyClass::Secret) => "secret",
                _ => "",
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"{class}\">{}</td><td>{}</td></tr>",
                esc(&property.key),
                esc(&value),
                class_label(property.class)
            );
        }
        out.push_str("</tbody></table>");
        for note in &p.notes {
            let _ = write!(out, "<p class=\"note\">{}</p>", inline(note));
        }
        out.push_str("</div>");
    }
    out.push_str("</div></section>\n");

    out.push_str("<section id=\"nodes\"><h2>Nodes</h2>");
    if report.nodes.is_empty() {
        out.push_str("<p>No node to switch.</p>");
    } else if report.nodes.len() > NODE_ROWS {
        let _ = write!(
            out,
            "<p>{} node(s): {} to switch, {} switched. Per provider and flow (every node: \
             <code>handover-migrate plan --detail</code>, or <code>report --format md</code>):</p>\
             <table><thead><tr><th>Provider</th><th>Flow</th><th>Nodes</th></tr></thead><tbody>",
            report.nodes.len(),
            report.summary.nodes_to_switch,
            report.summary.nodes_switched
        );
        let links: Vec<_> = report.links.provider_flow.iter().filter(|l| !l.conflict).collect();
        for link in links.iter().take(COUNT_ROWS) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&link.provider),
                esc(&link.flow),
                link.nodes
            );
        }
        out.push_str("</tbody></table>");
        if links.len() > COUNT_ROWS {
            let _ = write!(out, "<p class=\"note\">… +{} more provider → flow rows.</p>", links.len() - COUNT_ROWS);
        }
    } else {
        out.push_str(
            "<table><thead><tr><th>Flow</th><th>Locale</th><th>Node</th><th>Provider selector</th><th>Other fields</th>\
             <th>Status</th></tr></thead><tbody>",
        );
        for n in &report.nodes {
            let before = match &n.before {
                Some(b) if b == "Legacy" => "<span class=\"legacy\">Legacy</span>".to_string(),
                Some(b) => format!("<code>{}</code>", esc(b)),
                None => "<span class=\"muted\">switched earlier</span>".to_string(),
            };
            let changes: Vec<String> = n
                .changes
                .iter()
                .map(|c| {
                    let before = c.before.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "(absent)".into());
                    format!(
                        "<div class=\"chg\"><code>{}</code> {}<span class=\"arrow\">→</span>{}</div>",
                        esc(&c.key),
                        esc(&before),
                        esc(&c.after.to_string())
                    )
                })
                .collect();
            let status = match &n.run {
                Some(run) => {
                    format!("<span class=\"badge ok\">{}</span><br><code>{}</code>", esc(n.status.as_str()), esc(run))
                }
                None if n.status == NodeStatus::Switched => "<span class=\"badge ok\">switched</span>".to_string(),
                None => format!("<span class=\"badge warn\">{}</span>", esc(n.status.as_str())),
            };
            let _ = write!(
                out,
                "<tr id=\"node-{}-{}\"><td>{}</td><td>{}</td><td><code>{}</code><br>\"{}\" · {}</td>\
                 <td>{before}<span class=\"arrow\">→</span><span class=\"after\">{}</span><br><code>{}</code></td><td>{}</td><td>{status}</td></tr>",
                esc(&n.node_id),
                esc(&n.locale),
                esc(&n.flow),
                esc(&n.locale),
                esc(&n.node_id),
                esc(&n.label),
                esc(&n.node_type),
                esc(&n.provider),
                esc(&n.after),
                if changes.is_empty() { "—".to_string() } else { changes.join("") },
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"manual-steps\"><h2>Manual steps</h2><ul class=\"steps\">");
    for (i, step) in report.manual_steps.iter().enumerate() {
        let _ = write!(
            out,
            "<li><input type=\"checkbox\" id=\"step-{i}\"{}><label for=\"step-{i}\">{}{}{}</label></li>",
            if step.done { " checked" } else { "" },
            step.provider.as_ref().map(|p| format!("<span class=\"who\">{}</span>: ", esc(p))).unwrap_or_default(),
            inline(&step.text),
            match (step.done, &step.answers_entry) {
                (false, Some(entry)) =>
                    format!("<span class=\"entry\">answers file: <code>{}</code></span>", esc(entry)),
                _ => String::new(),
            }
        );
    }
    out.push_str("</ul></section>\n");

    if !report.conflicts.is_empty() || !report.missing_answers.is_empty() || !report.errors.is_empty() {
        out.push_str("<section id=\"blocking\"><h2>Before it can be applied</h2><ul class=\"plain\">");
        for c in &report.conflicts {
            let _ = write!(
                out,
                "<li><span class=\"badge bad\">conflict</span> flow \"{}\", locale {}, node <code>{}</code> (\"{}\"): {}<br>answer one of: {}</li>",
                esc(&c.flow),
                esc(&c.locale),
                esc(&c.node_id),
                esc(&c.label),
                inline(&c.reason),
                c.resolve_with.iter().map(|l| format!("<code>{}</code>", esc(l))).collect::<Vec<_>>().join(" ")
            );
        }
        for m in &report.missing_answers {
            let _ = write!(
                out,
                "<li><span class=\"badge warn\">answer</span> {} <code>{}</code></li>",
                esc(&m.prompt),
                esc(&m.entry)
            );
        }
        for e in &report.errors {
            let _ = write!(out, "<li><span class=\"badge bad\">error</span> {}</li>", esc(e));
        }
        out.push_str("</ul></section>\n");
    }

    let v = &report.verify;
    let _ = write!(
        out,
        "<section id=\"verify\"><h2>Verify</h2><p><span class=\"badge {verify_class}\">{verify_text}</span></p><ul class=\"plain\">\
         <li>Migrated endpoints: {}</li>",
        esc(&if v.migrated_endpoints.is_empty() { "none".to_string() } else { v.migrated_endpoints.join(", ") })
    );
    if !v.not_migrated.is_empty() {
        let _ = write!(out, "<li>Not migrated yet: {}</li>", esc(&v.not_migrated.join(", ")));
    }
    for (title, items) in [
        ("Still on Legacy", &v.remaining),
        ("Pointing at missing providers", &v.dangling),
        ("Provider checks", &v.provider_findings),
    ] {
        for item in items {
            let _ = write!(out, "<li>{title}: {}</li>", inline(item));
        }
    }
    out.push_str("</ul></section>\n");

    if !report.warnings.is_empty() || !report.notices.is_empty() {
        out.push_str("<section id=\"warnings\"><h2>Warnings and notices</h2><ul class=\"plain warnings\">");
        for w in &report.warnings {
            let _ = write!(out, "<li><span class=\"badge warn\">warning</span> {}</li>", inline(w));
        }
        for n in &report.notices {
            let _ = write!(
                out,
                "<li><span class=\"badge muted\">{}</span> {}</li>",
                esc(n.kind.title()),
                inline(&n.message)
            );
        }
        out.push_str("</ul></section>\n");
    }

    if !report.runs.is_empty() {
        out.push_str("<section id=\"runs\"><h2>Runs</h2><table><thead><tr><th>Run</th><th>Kind</th><th>State</th><th>Files</th></tr></thead><tbody>");
        for r in &report.runs {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{:?}</td><td>{}</td></tr>",
                esc(&r.id),
                esc(&r.kind),
                r.state,
                r.files
            );
        }
        out.push_str("</tbody></table></section>\n");
    }
    let _ = write!(
        out,
        "<footer>Generated by {} · secrets are never shown (••••••) · this file needs no network and no script.</footer>\n</main>\n</body>\n</html>\n",
        esc(&report.tool)
    );
    out
}
