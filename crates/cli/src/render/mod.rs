//! Human-readable output. Secrets never reach this module: plans and reports already
//! carry them masked.

mod findings;
mod output;
mod plan;
mod providers;
mod runs;
mod scan;
mod summary_table;

pub use output::Output;
pub use plan::{print_plan_text, PlanView};
pub use providers::{provider_show, providers_json, providers_list};
pub use runs::{apply_text, cleanup_items_text, cleanup_text, rollback_preview, rollback_text, verify_text, Next};
pub use scan::scan_text;

use serde_json::Value;

pub(super) fn show(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
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
