//! `report`: the engine's report data ([`Report`]) rendered as Markdown or as one
//! self-contained HTML file (inline CSS and SVG, no script, no external asset).
//!
//! Both renderers stay readable and small at any size: past the limits below, per-flow and
//! per-node detail collapses into counts and a pointer to `plan --detail` (or the JSON
//! report), so a document grows with the number of endpoints and providers only, one row
//! each. Names from the project go through [`names`]: quoted like the terminal output and
//! flagged when they hold characters that make them read as something else.

mod diagram;
mod html;
mod markdown;
mod names;

use std::collections::{BTreeMap, HashMap};

use handover_migrate_commands::plan::PlannedProperty;
use handover_migrate_commands::report::{FlowLink, Report, ReportStep};
use handover_migrate_commands::scan::ScanEndpoint;
use handover_migrate_core::PropertyClass;
use serde_json::Value;

pub use html::html;
pub use markdown::markdown;

/// Past this many boxes and links the diagram is left out (the tables say the same).
const DIAGRAM_LIMIT: usize = 120;
/// Past this many providers they are listed one line each (no property tables), and their
/// manual steps are grouped by what they ask.
const PROVIDER_CARDS: usize = 40;
/// Past this many nodes the node table shows counts per provider and flow.
const NODE_ROWS: usize = 300;
/// Rows of the per-provider-and-flow count table, and of other long lists (conflicts,
/// answers, notices) before "+N more".
const COUNT_ROWS: usize = 100;
/// Names in one table cell before "+N more".
const CELL_NAMES: usize = 3;
/// Names in one line of prose (verify's lists) before "+N more".
const LINE_NAMES: usize = 50;

fn property_value(property: &PlannedProperty) -> String {
    match (&property.value, property.class) {
        (Value::Null, _) => "(missing: needs an answer)".to_string(),
        (_, PropertyClass::Secret) => handover_migrate_core::secret::REDACTED.to_string(),
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

fn class_label(class: PropertyClass) -> &'static str {
    match class {
        PropertyClass::Secret => "secret",
        PropertyClass::ConnectionRef => "connection",
        PropertyClass::Plain => "",
    }
}

/// Position of each name in `names` (the first, if repeated), for lookups in loops.
fn index_of(names: &[String]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        index.entry(name.as_str()).or_insert(i);
    }
    index
}

fn by_kind(endpoints: &[ScanEndpoint]) -> BTreeMap<String, Vec<&ScanEndpoint>> {
    let mut out: BTreeMap<String, Vec<&ScanEndpoint>> = BTreeMap::new();
    for e in endpoints {
        out.entry(e.kind.clone().filter(|k| !k.is_empty()).unwrap_or_else(|| "none".into())).or_default().push(e);
    }
    out
}

/// At most `max` of `names`, and how many more there are.
fn first_names(names: &[String], max: usize) -> (&[String], usize) {
    let shown = names.len().min(max);
    (&names[..shown], names.len() - shown)
}

/// Whether the diagram is drawn (else a note says why not).
fn diagram_fits(report: &Report) -> bool {
    report.endpoints.len() + report.providers.len() + report.links.provider_flow.len() <= DIAGRAM_LIMIT
}

/// Whether each provider gets its own card/section with its properties.
fn provider_cards(report: &Report) -> bool {
    report.providers.len() <= PROVIDER_CARDS
}

/// Whether every node gets its own row.
fn node_rows(report: &Report) -> bool {
    report.nodes.len() <= NODE_ROWS
}

/// The provider → flow links without conflict (what the collapsed node table counts).
fn switch_links(report: &Report) -> impl Iterator<Item = &FlowLink> {
    report.links.provider_flow.iter().filter(|l| !l.conflict)
}

/// Manual steps as shown: one per step while providers are few; past [`PROVIDER_CARDS`],
/// the per-provider steps that ask the same thing (the provider's name aside) become one
/// step naming how many providers it concerns.
struct StepLine<'a> {
    /// The first step of the group (its text, with the provider's name, when alone).
    step: &'a ReportStep,
    /// Text with the provider's name replaced by `<provider>`, when grouped.
    grouped_text: Option<String>,
    /// Providers the step concerns (one unless grouped).
    providers: Vec<&'a str>,
    done: usize,
}

impl StepLine<'_> {
    fn count(&self) -> usize {
        self.providers.len().max(1)
    }

    fn all_done(&self) -> bool {
        self.done == self.count()
    }
}

fn step_lines(report: &Report) -> Vec<StepLine<'_>> {
    let group = !provider_cards(report);
    let mut lines: Vec<StepLine> = Vec::new();
    let mut group_at: HashMap<String, usize> = HashMap::new();
    for step in &report.manual_steps {
        let done = usize::from(step.done);
        let Some(provider) = step.provider.as_deref().filter(|_| group) else {
            lines.push(StepLine {
                step,
                grouped_text: None,
                providers: step.provider.as_deref().into_iter().collect(),
                done,
            });
            continue;
        };
        let text = step.text.replace(&format!("\"{provider}\""), "<provider>").replace(provider, "<provider>");
        match group_at.get(&text) {
            Some(&at) => {
                lines[at].providers.push(provider);
                lines[at].done += done;
            }
            None => {
                group_at.insert(text.clone(), lines.len());
                lines.push(StepLine { step, grouped_text: Some(text), providers: vec![provider], done });
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_names_says_how_many_are_left_out() {
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(first_names(&names, 3), (&names[..3], 1));
        assert_eq!(first_names(&names, 9), (&names[..], 0));
    }
}
