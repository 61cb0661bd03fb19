//! `plan` as text: the summary, or every detail with `--detail`.

use std::collections::HashSet;
use std::fmt::Write;

use crate::quote;
use handover_migrate_commands::plan::{FieldChange, Plan, ProviderAction};
use handover_migrate_core::PropertyClass;
use serde_json::Value;

use super::findings::{findings_text, more_line, SUMMARY_ITEMS};
use super::output::Output;
use super::show;
use super::summary_table::plan_summary_table;

/// How the plan is shown: a summary (counts, the summary table, capped findings, the
/// answers to add) or every detail (`plan --detail`: every property, step and node diff).
pub struct PlanView {
    pub detail: bool,
    /// The command that shows every detail (printed under a summary).
    pub detail_command: String,
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
    let mut flagged = quote::bidi_warnings(names.chain(edits));
    flagged.push_str(&quote::lookalike_warnings("provider", plan.providers.iter().map(|p| p.name.as_str())));
    let endpoints = plan.providers.iter().flat_map(|p| p.endpoints.iter().map(String::as_str));
    flagged.push_str(&quote::lookalike_warnings("endpoint", endpoints));
    if !flagged.is_empty() {
        let _ = out.write_str("\nNames\n");
        let _ = out.write_str(&flagged);
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
