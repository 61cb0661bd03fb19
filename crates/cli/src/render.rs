//! Human-readable output. Secrets never reach this module: plans and reports already
//! carry them masked.

use crate::quote;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use handover_migrate_commands::plan::{FieldChange, NoticeKind, Plan, ProviderAction};
use handover_migrate_commands::scan::{EndpointStatus, ScanEndpoint, ScanReport};
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
    if !registry.unpinned.is_empty() {
        out.push_str("\nNot loaded: files in the per-user plugin directory that your pin file does not pin.\n");
        out.push_str("Review each, then pin it with the command shown:\n");
        for unpinned in &registry.unpinned {
            let _ = writeln!(out, "  {}\n    {}", unpinned.path.display(), unpinned.pin_command());
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
    let bidi = quote::bidi_warnings(names.chain(conflicts.iter().map(|(c, _)| c.label.as_str())));
    if !bidi.is_empty() {
        out.push_str("\nNames\n");
        out.push_str(&bidi);
    }
    out.push_str(&findings_text(&report.plan, None));
    out
}

/// How many items of each verify finding list the terminal shows (`--json`: all).
const VERIFY_ITEMS: usize = 20;

/// How many items of each finding list a summary shows (`--detail`: all).
const SUMMARY_ITEMS: usize = 5;

/// "  … +N more (`plan --detail` lists them all)" when `limit` cut `total` items.
fn more_line(out: &mut String, total: usize, limit: usize) {
    if total > limit {
        let _ = writeln!(out, "  … +{} more (`plan --detail` lists them all)", total - limit);
    }
}

/// Conflicts, errors, notices and warnings; `limit` items of each list (`None`: all).
fn findings_text(plan: &Plan, limit: Option<usize>) -> String {
    let mut out = String::new();
    let cap = limit.unwrap_or(usize::MAX);
    let conflicts = plan.conflicts_by_node();
    if !conflicts.is_empty() {
        let _ = writeln!(out, "\nConflicts ({} node(s))", conflicts.len());
        for (c, locales) in conflicts.iter().take(cap) {
            let _ = writeln!(
                out,
                "  ! flow \"{}\", node `{}` (\"{}\", locale(s) {}): {}",
                quote::inner(&c.flow),
                c.node_id,
                quote::inner(&c.label),
                locales.join(", "),
                quote::inner(&c.reason)
            );
            let _ = writeln!(out, "      answers file, [assign] table, one of:");
            for snippet in &c.resolve_with {
                let line = snippet.split_once('\n').map_or(snippet.as_str(), |(_, line)| line);
                let _ = writeln!(out, "        {line}");
            }
            if let Some((_, line)) = c.resolve_flow_with.split_once('\n') {
                let _ = writeln!(out, "      or for the whole flow: {line}");
            }
        }
        more_line(&mut out, conflicts.len(), cap);
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(out, "\nErrors ({})", plan.errors.len());
        for e in plan.errors.iter().take(cap) {
            let _ = writeln!(out, "  x {}", quote::inner(e));
        }
        more_line(&mut out, plan.errors.len(), cap);
    }
    let mut by_kind: BTreeMap<NoticeKind, Vec<&str>> = BTreeMap::new();
    for n in &plan.notices {
        by_kind.entry(n.kind).or_default().push(n.message.as_str());
    }
    for (kind, messages) in by_kind {
        let title = kind.title();
        if limit.is_some() {
            let _ = writeln!(out, "\n{title} ({})", messages.len());
        } else {
            let _ = writeln!(out, "\n{title}");
        }
        for m in messages.iter().take(cap) {
            let _ = writeln!(out, "  - {}", quote::inner(m));
        }
        more_line(&mut out, messages.len(), cap);
    }
    if !plan.warnings.is_empty() {
        out.push_str("\nWarnings\n");
        for w in plan.warnings.iter().take(cap) {
            let _ = writeln!(out, "  ! {}", quote::inner(w));
        }
        more_line(&mut out, plan.warnings.len(), cap);
    }
    out
}

/// How the plan is shown: a summary (counts, the summary table, capped findings, the
/// answers to add) or every detail (`plan --detail`: every property, step and node diff).
pub struct PlanView {
    pub detail: bool,
    /// The command that shows every detail (printed under a summary).
    pub detail_command: String,
}

/// `fmt::Write` onto a buffered stdout, or onto the pager when one runs; a closed output
/// (`| head`, a pager quit early) stops the output quietly.
pub struct Output {
    pager: Option<std::process::Child>,
    out: Box<dyn std::io::Write>,
}

impl std::fmt::Write for Output {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.out.write_all(text.as_bytes()).map_err(|_| std::fmt::Error)
    }
}

impl Output {
    /// Stdout, through a pager when stdout is a terminal (as git does): `$PAGER`, default
    /// `less -FRX` (which exits at once when the text fits the screen). Never when piped.
    pub fn paged() -> Output {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            let pager =
                std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "less -FRX".into());
            let mut words = pager.split_whitespace();
            if let Some(program) = words.next().filter(|p| *p != "cat") {
                // Run directly (not through a shell): a pager that is not installed fails
                // to start, and the text goes to stdout instead of nowhere.
                let child = std::process::Command::new(program)
                    .args(words)
                    .env("LESS", std::env::var("LESS").unwrap_or_else(|_| "FRX".into()))
                    .stdin(std::process::Stdio::piped())
                    .spawn();
                if let Ok(mut child) = child {
                    if let Some(stdin) = child.stdin.take() {
                        return Output { pager: Some(child), out: Box::new(std::io::BufWriter::new(stdin)) };
                    }
                }
            }
        }
        Output::stdout()
    }

    pub fn stdout() -> Output {
        Output { pager: None, out: Box::new(std::io::BufWriter::new(std::io::stdout())) }
    }

    /// Flush, and wait for the pager to be quit.
    pub fn finish(mut self) {
        let _ = self.out.flush();
        drop(self.out);
        if let Some(mut pager) = self.pager.take() {
            let _ = pager.wait();
        }
    }
}

/// Print the plan for a person, as it is produced: a large plan is never held as one string.
pub fn print_plan_text(plan: &Plan, view: &PlanView, paged: bool) {
    let mut out = if paged { Output::paged() } else { Output::stdout() };
    write_plan_text(plan, view, &mut out);
    out.finish();
}

/// The totals line: what the plan does, counted.
fn plan_totals(plan: &Plan) -> String {
    let creates = plan.providers.iter().filter(|p| p.action == ProviderAction::Create).count();
    let endpoints: usize = plan.providers.iter().map(|p| p.endpoints.len()).sum();
    let mut charts: HashSet<&str> = HashSet::new();
    let mut flows: HashSet<&str> = HashSet::new();
    for edit in &plan.node_edits {
        charts.insert(&edit.path);
        flows.insert(&edit.flow);
    }
    format!(
        "{creates} provider(s) to create, {} reused, for {endpoints} endpoint(s); {} node edit(s) in {} chart file(s) \
         of {} flow(s); {} conflict(s); {} missing answer(s).",
        plan.providers.len() - creates,
        plan.node_edits.len(),
        charts.len(),
        flows.len(),
        plan.conflicts_by_node().len(),
        plan.missing_answers.len()
    )
}

fn write_plan_text(plan: &Plan, view: &PlanView, out: &mut impl std::fmt::Write) {
    let _ = writeln!(out, "Plan (node selector key `{}`)", plan.selector_key);
    if !plan.endpoint_filter.is_empty() {
        let _ = writeln!(out, "Limited to endpoints: {}", plan.endpoint_filter.join(", "));
    }
    let _ = out.write_str(&crate::switch::plan_header(plan));
    let _ = writeln!(out, "{}", plan_totals(plan));
    let table = plan_summary_table(plan, view.detail);
    if !table.is_empty() {
        let _ = writeln!(out, "\nSummary");
        let _ = out.write_str(&table);
    }
    if view.detail {
        write_plan_details(plan, out);
    } else if !plan.missing_answers.is_empty() {
        let _ = writeln!(out, "\nAnswers needed ({})", plan.missing_answers.len());
        for missing in plan.missing_answers.iter().take(SUMMARY_ITEMS) {
            let _ = writeln!(out, "  ? {}", quote::inner(&missing.prompt));
        }
        let mut more = String::new();
        more_line(&mut more, plan.missing_answers.len(), SUMMARY_ITEMS);
        let _ = out.write_str(&more);
    }
    let names = plan
        .providers
        .iter()
        .map(|p| p.name.as_str())
        .chain(plan.providers.iter().flat_map(|p| p.endpoints.iter().map(String::as_str)));
    let edits = plan.node_edits.iter().flat_map(|e| [&*e.label, &*e.flow]);
    let bidi = quote::bidi_warnings(names.chain(edits));
    if !bidi.is_empty() {
        let _ = out.write_str("\nNames\n");
        let _ = out.write_str(&bidi);
    }
    let _ = out.write_str(&findings_text(plan, (!view.detail).then_some(SUMMARY_ITEMS)));
    let _ = writeln!(out, "\nSummary: {}", plan_totals(plan));
    let block = plan.answers_block();
    if !block.is_empty() {
        let _ = out.write_str(
            "Add to the answers file and pass it with --answers FILE (`handover-migrate answers template` writes one \
             with every entry explained):\n",
        );
        let lines: Vec<&str> = block.lines().collect();
        let cap = if view.detail { lines.len() } else { 20 };
        for line in lines.iter().take(cap) {
            let _ = writeln!(out, "  {}", quote::inner(line));
        }
        if lines.len() > cap {
            let _ = writeln!(
                out,
                "  # … +{} more lines: `handover-migrate answers template` lists them all",
                lines.len() - cap
            );
        }
    }
    if !view.detail {
        let _ = writeln!(out, "Every property, manual step and node change: {}", view.detail_command);
    }
}

/// Every provider's properties and manual steps and every node's diff (`plan --detail`).
fn write_plan_details(plan: &Plan, out: &mut impl std::fmt::Write) {
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
        let _ = writeln!(out, "  {sign} \"{}\" ({})  {}", quote::inner(&p.name), p.pair, quote::name(&p.path));
        let endpoints = if p.endpoints.is_empty() {
            "none (retarget)".to_string()
        } else {
            p.endpoints.iter().map(|e| quote::name(e)).collect::<Vec<_>>().join(", ")
        };
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
            let _ = writeln!(out, "      note: {}", quote::inner(note));
        }
        for step in &p.manual_steps {
            let mark = match (step.blocking, step.satisfied) {
                (false, _) => " • ",
                (true, true) => "[x]",
                (true, false) => "[ ]",
            };
            let _ = writeln!(out, "      {mark} {}: {}", step.kind.as_str(), quote::inner(&step.prompt));
            if let (false, Some(entry)) = (step.satisfied, &step.answers_entry) {
                let _ = writeln!(out, "          answers file: {}", quote::inner(&entry.replace('\n', " + ")));
                if let Some(var) = &step.env_var {
                    let _ = writeln!(out, "          or set {var}");
                }
            }
        }
    }
    let charts: std::collections::BTreeSet<&str> = plan.node_edits.iter().map(|e| &*e.path).collect();
    let _ = writeln!(out, "\nNode edits ({} node(s) in {} chart file(s))", plan.node_edits.len(), charts.len());
    for edit in &plan.node_edits {
        let _ = writeln!(
            out,
            "  ~ {} node `{}` (\"{}\", {}) → \"{}\"",
            quote::name(&edit.path),
            edit.node_id,
            quote::inner(&edit.label),
            edit.node_type,
            quote::inner(&edit.provider)
        );
        let _ = out.write_str(&node_diff_text(&edit.changes));
        let _ = out.write_str(&crate::switch::node_fields_text(edit));
    }
}

/// The width tables fit: `COLUMNS`, else the terminal's, else 120 (piped output).
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 40)
        .or_else(|| console::Term::stdout().size_checked().map(|(_, cols)| usize::from(cols)))
        .unwrap_or(120)
        .max(40)
}

/// `items` joined with ", ", cut to `width` characters with "+N more" for what is left out.
pub fn fit_list(items: &[&str], width: usize) -> String {
    if items.is_empty() {
        return "—".to_string();
    }
    let whole = items.join(", ");
    if whole.chars().count() <= width {
        return whole;
    }
    let mut out = String::new();
    for (shown, item) in items.iter().enumerate() {
        let rest = items.len() - shown;
        let more = if rest > 1 { format!(" +{} more", rest - 1) } else { String::new() };
        let separator = if shown == 0 { "" } else { ", " };
        let candidate = out.chars().count() + separator.len() + item.chars().count() + more.chars().count();
        if candidate > width && shown > 0 {
            return format!("{out} +{rest} more");
        }
        if candidate > width {
            // Even the first item does not fit: cut it.
            let keep = width.saturating_sub(more.chars().count() + 1).max(1);
            let cut: String = item.chars().take(keep).collect();
            return format!("{cut}…{more}");
        }
        out.push_str(separator);
        out.push_str(item);
    }
    out
}

/// How many rows the summary table shows before "+N more providers" (all with `--detail`).
const SUMMARY_ROWS: usize = 25;

/// Per provider: its endpoints, the flows and node edits it gets (each edit counted once, under
/// the provider it switches to, so the NODES column adds up to the node edits), and the manual
/// steps outstanding: the overview printed before the details. Cells are cut to fit the terminal.
fn plan_summary_table(plan: &Plan, all_rows: bool) -> String {
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
