//! `report`: the engine's report data ([`Report`]) rendered as Markdown or as one
//! self-contained HTML file (inline CSS and SVG, no script, no external asset).

mod html;
mod markdown;

use std::collections::BTreeMap;

use handover_migrate_commands::plan::PlannedProperty;
use handover_migrate_commands::report::{NodeStatus, Report};
use handover_migrate_commands::scan::ScanEndpoint;
use handover_migrate_core::PropertyClass;
use serde_json::Value;

pub use html::html;
pub use markdown::markdown;

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
fn index_of(names: &[String]) -> std::collections::HashMap<&str, usize> {
    let mut index = std::collections::HashMap::with_capacity(names.len());
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
