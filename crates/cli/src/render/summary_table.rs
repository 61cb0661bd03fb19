//! The plan's summary table: one row per provider, cut to fit the terminal.

use std::collections::HashMap;
use std::fmt::Write;

use crate::quote;
use handover_migrate_commands::plan::{Plan, ProviderAction};

use super::{fit_list, terminal_width};

/// How many rows the summary table shows before "+N more providers" (all with `--detail`).
const SUMMARY_ROWS: usize = 25;

/// Per provider: its endpoints, the flows and node edits it gets (each edit counted once, under
/// the provider it switches to, so the NODES column adds up to the node edits), and the manual
/// steps outstanding: the overview printed before the details. Cells are cut to fit the terminal.
pub(super) fn plan_summary_table(plan: &Plan, all_rows: bool) -> String {
    let index: HashMap<&str, usize> = plan.providers.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
    let mut flows: Vec<Vec<&str>> = vec![Vec::new(); plan.providers.len()];
    let mut nodes: Vec<usize> = vec![0; plan.providers.len()];
    for edit in &plan.node_edits {
        let Some(&i) = index.get(&*edit.provider) else { continue };
        nodes[i] += 1;
        // Edits of one flow are adjacent (the plan lists them flow by flow).
        if flows[i].last() != Some(&&*edit.flow) {
            flows[i].push(&edit.flow);
        }
    }
    let mut rows: Vec<[String; 5]> = Vec::new();
    let width = terminal_width();
    for (i, p) in plan.providers.iter().enumerate() {
        let answers = p.manual_steps.iter().filter(|s| s.blocking && !s.satisfied).count();
        let checks = p.manual_steps.iter().filter(|s| !s.blocking).count();
        let steps = match (answers, checks) {
            (0, 0) => "—".to_string(),
            (0, c) => format!("{c} to check"),
            (a, 0) => format!("{a} answer(s) needed"),
            (a, c) => format!("{a} answer(s) needed, {c} to check"),
        };
        let sign = if p.action == ProviderAction::Create { "+" } else { "=" };
        flows[i].sort_unstable();
        flows[i].dedup();
        let endpoints: Vec<&str> = p.endpoints.iter().map(String::as_str).collect();
        rows.push([
            format!("{sign} {}", quote::name(&p.name)),
            endpoints.iter().map(|e| quote::name(e)).collect::<Vec<_>>().join("\u{0}"),
            flows[i].iter().map(|f| quote::name(f)).collect::<Vec<_>>().join("\u{0}"),
            nodes[i].to_string(),
            steps,
        ]);
    }
    if rows.is_empty() {
        return String::new();
    }
    let shown = if all_rows { rows.len() } else { rows.len().min(SUMMARY_ROWS) };
    // Fixed columns first; the provider and the two lists share what is left of the line.
    let header = ["PROVIDER", "ENDPOINTS", "FLOWS", "NODES", "MANUAL STEPS"];
    let natural = |col: usize| {
        rows[..shown]
            .iter()
            // List cells are joined with NUL here and with ", " when shown.
            .map(|r| r[col].chars().count() + r[col].matches('\u{0}').count())
            .max()
            .unwrap_or(0)
            .max(header[col].chars().count())
    };
    let nodes_width = natural(3);
    let steps_width = natural(4);
    let budget = width.saturating_sub(2 + 4 * 2 + nodes_width + steps_width).max(30);
    let (provider_width, endpoints_width, flows_width) = if natural(0) + natural(1) + natural(2) <= budget {
        (natural(0), natural(1), natural(2))
    } else {
        let provider = natural(0).min((budget * 2 / 5).max(12));
        let remaining = budget.saturating_sub(provider);
        let endpoints = natural(1).min((remaining / 2).max(9));
        (provider, endpoints, remaining.saturating_sub(endpoints).max(5))
    };
    let cells: Vec<[String; 5]> = rows[..shown]
        .iter()
        .map(|r| {
            let list = |cell: &str, w: usize| {
                let items: Vec<&str> = if cell.is_empty() { Vec::new() } else { cell.split('\u{0}').collect() };
                fit_list(&items, w)
            };
            [
                fit_list(&[r[0].as_str()], provider_width),
                list(&r[1], endpoints_width),
                list(&r[2], flows_width),
                r[3].clone(),
                r[4].clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut text = String::from("  ");
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(width - cell.chars().count() + 2));
            }
        }
        text.trim_end().to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", crate::style::bold(&line(header)));
    for row in &cells {
        let _ = writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    if shown < rows.len() {
        let _ = writeln!(out, "  … +{} more provider(s) (`plan --detail` lists them all)", rows.len() - shown);
    }
    out
}
