//! A plan's conflicts, errors, notices and warnings, shared by `scan` and `plan`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::quote;
use handover_migrate_commands::plan::{NoticeKind, Plan};

/// How many items of each verify finding list the terminal shows (`--json`: all).
pub(super) const VERIFY_ITEMS: usize = 20;

/// How many items of each finding list a summary shows (`--detail`: all).
pub(super) const SUMMARY_ITEMS: usize = 5;

/// "  … +N more (`plan --detail` lists them all)" when `limit` cut `total` items.
pub(super) fn more_line(out: &mut String, total: usize, limit: usize) {
    if total > limit {
        let _ = writeln!(out, "  … +{} more (`plan --detail` lists them all)", total - limit);
    }
}

/// Conflicts, errors, notices and warnings; `limit` items of each list (`None`: all).
pub(super) fn findings_text(plan: &Plan, limit: Option<usize>) -> String {
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
