//! The endpoint → provider → flow diagram: its columns (shared with the Markdown report's
//! Mermaid chart) and the inline SVG of the HTML report. Drawn only while it fits
//! ([`super::diagram_fits`]), so no box is built per flow at scale.

use std::collections::HashMap;

use handover_migrate_commands::report::{EndpointLink, Report, ReportProvider};
use handover_migrate_commands::scan::ScanEndpoint;
use maud::{html, Markup};

use super::index_of;
use super::names::{shown, truncate, warning};

/// Endpoint column, provider column, flow column, ordered to keep lines from crossing.
pub(super) fn columns(report: &Report) -> (Vec<&ScanEndpoint>, Vec<&str>, Vec<&str>) {
    let providers: Vec<&str> = report.providers.iter().map(|p| p.name.as_str()).collect();
    let mut ranks: HashMap<&str, usize> = HashMap::with_capacity(providers.len());
    for (i, name) in providers.iter().enumerate() {
        ranks.entry(name).or_insert(i);
    }
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
    let mut flows: Vec<(usize, bool, &str)> = Vec::new();
    let mut flow_at: HashMap<&str, usize> = HashMap::new();
    for link in report.links.provider_flow.iter().filter(|l| !l.conflict) {
        let rank = provider_rank(&link.provider);
        match flow_at.get(link.flow.as_str()) {
            Some(&at) => flows[at].0 = flows[at].0.min(rank),
            None => {
                flow_at.insert(&link.flow, flows.len());
                flows.push((rank, false, &link.flow));
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
                flows.push((rank, true, &link.flow));
            }
        }
    }
    flows.sort();
    (endpoints.into_iter().map(|(_, e)| e).collect(), providers, flows.into_iter().map(|(_, _, f)| f).collect())
}

pub(super) const PALETTE: &[&str] =
    &["#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#0d9488"];

const BOX_W: f64 = 320.0;
const BOX_H: f64 = 48.0;
const GAP: f64 = 14.0;
const TOP: f64 = 44.0;
const XS: [f64; 3] = [10.0, 430.0, 850.0];

/// An SVG `<text>` line of a box: shortened, quoted like the terminal, ⚠ when flagged.
fn box_text(text: &str, max: usize) -> String {
    let shown = shown(text);
    let mut line = truncate(&shown, max).into_owned();
    if warning(text).is_some() {
        line.insert_str(0, "⚠ ");
    }
    line
}

/// One box: a rounded rectangle with a coloured accent, a title and a subtitle line.
fn node_box(class: &str, x: f64, y: f64, accent: &str, title: &str, subtitle: &str) -> Markup {
    let tooltip = match warning(title) {
        Some(reason) => format!("{}\n{subtitle}\n⚠ {reason}", shown(title)),
        None => format!("{}\n{subtitle}", shown(title)),
    };
    html! {
        g class=(format!("box {class}")) {
            title { (tooltip) }
            rect x=(format!("{x:.1}")) y=(format!("{y:.1}")) width=(BOX_W) height=(BOX_H) rx="8" {}
            rect.accent x=(format!("{x:.1}")) y=(format!("{y:.1}")) width="6" height=(BOX_H) rx="3" fill=(accent) {}
            text.t1 x=(format!("{:.1}", x + 16.0)) y=(format!("{:.1}", y + 20.0)) { (box_text(title, 39)) }
            text.t2 x=(format!("{:.1}", x + 16.0)) y=(format!("{:.1}", y + 38.0)) { (truncate(subtitle, 44)) }
        }
    }
}

fn curve(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    format!("M{x1:.1} {y1:.1} C{:.1} {y1:.1}, {:.1} {y2:.1}, {x2:.1} {y2:.1}", x1 + 60.0, x2 - 60.0)
}

/// The endpoint → provider → flow diagram as inline SVG.
pub(super) fn svg(report: &Report) -> Markup {
    let (endpoints, providers, flows) = columns(report);
    let rows = endpoints.len().max(providers.len()).max(flows.len()).max(1);
    let height = TOP + rows as f64 * (BOX_H + GAP) + 10.0;
    // Centre shorter columns vertically.
    let offset = |n: usize| TOP + (rows - n.min(rows)) as f64 * (BOX_H + GAP) / 2.0;
    let y_of = |column: usize, index: usize| -> f64 {
        let n = [endpoints.len(), providers.len(), flows.len()][column];
        offset(n) + index as f64 * (BOX_H + GAP)
    };
    let provider_names: Vec<String> = providers.iter().map(|p| p.to_string()).collect();
    let provider_at = index_of(&provider_names);
    let mut flow_at: HashMap<&str, usize> = HashMap::with_capacity(flows.len());
    for (i, flow) in flows.iter().enumerate() {
        flow_at.entry(flow).or_insert(i);
    }
    let endpoint_at: HashMap<&str, usize> =
        endpoints.iter().enumerate().rev().map(|(i, e)| (e.name.as_str(), i)).collect();
    let color = |provider: &str| PALETTE[provider_at.get(provider).copied().unwrap_or(0) % PALETTE.len()];

    let mut first_link: HashMap<&str, &EndpointLink> = HashMap::new();
    for link in &report.links.endpoint_provider {
        first_link.entry(link.endpoint.as_str()).or_insert(link);
    }
    let report_provider: HashMap<&str, &ReportProvider> =
        report.providers.iter().rev().map(|p| (p.name.as_str(), p)).collect();
    let mut switched_in: HashMap<&str, usize> = HashMap::new();
    for node in &report.nodes {
        *switched_in.entry(node.flow.as_str()).or_default() += 1;
    }
    let mut conflicts_in: HashMap<&str, usize> = HashMap::new();
    for conflict in &report.conflicts {
        *conflicts_in.entry(conflict.flow.as_str()).or_default() += 1;
    }

    html! {
        svg id="diagram" class="diagram" xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 1180 {height:.0}"))
            width="1180" height=(format!("{height:.0}")) role="img"
            aria-label="Endpoints, the Handover Providers they become, and the flows whose nodes switch to them" {
            @for (x, title) in XS.iter().zip(["Endpoints (legacy settings)", "Handover Providers", "Flows (nodes switched)"]) {
                text.col x=(format!("{:.0}", x + 4.0)) y="24" { (title) }
            }
            // Edges first, under the boxes.
            @for link in &report.links.endpoint_provider {
                @if let (Some(&e), Some(&p)) = (endpoint_at.get(link.endpoint.as_str()), provider_at.get(link.provider.as_str())) {
                    path.edge d=(curve(XS[0] + BOX_W, y_of(0, e) + BOX_H / 2.0, XS[1], y_of(1, p) + BOX_H / 2.0))
                        stroke=(color(&link.provider)) {}
                }
            }
            @for link in &report.links.provider_flow {
                @if let (Some(&p), Some(&f)) = (provider_at.get(link.provider.as_str()), flow_at.get(link.flow.as_str())) {
                    path class=(if link.conflict { "edge conflict" } else { "edge" })
                        d=(curve(XS[1] + BOX_W, y_of(1, p) + BOX_H / 2.0, XS[2], y_of(2, f) + BOX_H / 2.0))
                        stroke=(if link.conflict { "#dc2626" } else { color(&link.provider) }) {
                        title {
                            (shown(&link.provider)) " → " (shown(&link.flow)) ": " (link.nodes) " node(s)"
                            @if link.conflict { " in conflict (needs an answer)" }
                        }
                    }
                }
            }
            @for (i, e) in endpoints.iter().enumerate() {
                @let (class, accent) = match first_link.get(e.name.as_str()) {
                    Some(link) => ("endpoint", color(&link.provider)),
                    None => ("endpoint unlinked", "#9ca3af"),
                };
                @let subtitle = format!("{} · {}", e.kind.as_deref().unwrap_or("none"), e.status.describe(e.settings_problems));
                (node_box(class, XS[0], y_of(0, i), accent, &e.name, &subtitle))
            }
            @for (i, name) in providers.iter().enumerate() {
                @if let Some(p) = report_provider.get(name) {
                    @let subtitle = format!("{} · {}", p.target_service, p.status.as_str());
                    (node_box("provider", XS[1], y_of(1, i), color(name), name, &subtitle))
                }
            }
            @for (i, flow) in flows.iter().enumerate() {
                @let switched = switched_in.get(flow).copied().unwrap_or_default();
                @let conflicts = conflicts_in.get(flow).copied().unwrap_or_default();
                @let subtitle = if conflicts > 0 {
                    format!("{switched} node(s) · {conflicts} in conflict")
                } else {
                    format!("{switched} node(s)")
                };
                @let (class, accent) = if conflicts > 0 { ("flow conflicted", "#dc2626") } else { ("flow", "#6b7280") };
                (node_box(class, XS[2], y_of(2, i), accent, flow, &subtitle))
            }
        }
    }
}
