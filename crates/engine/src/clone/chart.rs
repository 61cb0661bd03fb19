//! A chart's text to the index the migration keeps: the node envelopes borrowed from the
//! text, the few parsed configs, and each handover config as compact, shared text.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use handover_migrate_core::HandoverNodeType;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::{json_error, JsonStr, KEPT_NODE_TYPES, LOCALES_FILE};
use crate::model::{Locale, Node, NodeConfig};
use handover_migrate_io::{Error, Result};

/// Node types whose config is parsed at load, for the little the migration keeps of it.
const PARSED_AT_LOAD_TYPES: &[&str] = &["executeFlow", "goTo", "question", "optionalQuestion"];

/// The envelope of a chart node; `config` stays raw so that unrelated nodes cost nothing,
/// and strings point into the chart text (no allocation per node).
#[derive(Deserialize)]
pub(crate) struct RawNode<'a> {
    #[serde(rename = "_id", borrow)]
    pub id: JsonStr<'a>,
    #[serde(rename = "referenceId", borrow, default)]
    pub reference_id: JsonStr<'a>,
    #[serde(rename = "type", borrow)]
    pub node_type: JsonStr<'a>,
    #[serde(borrow, default)]
    pub label: Option<JsonStr<'a>>,
    #[serde(rename = "localeReference", borrow, default)]
    pub locale_reference: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    pub config: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct RawChart<'a> {
    #[serde(borrow)]
    pub nodes: Vec<RawNode<'a>>,
}

pub(crate) fn parse_raw_chart<'a>(text: &'a str, chart_path: &str) -> Result<RawChart<'a>> {
    // The fast path; the path-tracking parser runs only to explain an error.
    if let Ok(chart) = serde_json::from_str::<RawChart>(text) {
        return Ok(chart);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let chart: RawChart = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            json_error(chart_path, &inner)
        } else {
            Error::failed(format!(
                "{chart_path}: `{path}` is not as `cognigy clone` writes it ({inner}); clone the project again or fix the field"
            ))
        }
    })?;
    deserializer.end().map_err(|e| json_error(chart_path, &e))?;
    Ok(chart)
}

/// Handover node configs as compact text, one copy of each distinct text (nodes are often
/// copied between flows and locales). Shared by the threads that read flows.
#[derive(Default)]
pub(super) struct ConfigTexts(Mutex<HashSet<Arc<str>>>);

impl ConfigTexts {
    fn intern(&self, raw: &str) -> Arc<str> {
        let compact = compact_json(raw);
        let mut texts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = texts.get(compact.as_str()) {
            return known.clone();
        }
        let text: Arc<str> = compact.into();
        texts.insert(text.clone());
        text
    }
}

/// Valid JSON text without the whitespace between tokens (strings untouched).
fn compact_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in raw.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            in_string = c == '"';
            out.push(c);
        }
    }
    out.shrink_to_fit();
    out
}

pub(super) fn parse_chart_nodes(
    text: &str,
    chart_path: &str,
    locales: &[Locale],
    configs: &ConfigTexts,
) -> Result<Vec<Node>> {
    let chart = parse_raw_chart(text, chart_path)?;
    let mut ids = HashSet::new();
    let mut nodes = Vec::new();
    for raw in &chart.nodes {
        if !ids.insert(&*raw.id) {
            return Err(Error::failed(format!("{chart_path}: node `{}` appears twice", raw.id)));
        }
        let locale_reference = raw.locale_reference.as_deref().unwrap_or_default();
        let Some(locale) = locales.iter().position(|l| l.id == locale_reference) else {
            return Err(Error::failed(format!(
                "{chart_path}: node `{}` ({}) has localeReference `{locale_reference}`, which is no locale in {LOCALES_FILE}; \
                 clone the project again",
                raw.id, raw.node_type
            )));
        };
        // Only the nodes the migration looks at are kept, and of those only an index, so
        // memory grows with the number of handover nodes, not with the size of the flows.
        if !KEPT_NODE_TYPES.contains(&&*raw.node_type) {
            continue;
        }
        let not_an_object = || {
            Error::failed(format!(
                "{chart_path}: node `{}` ({}) has a config that is not a JSON object",
                raw.id, raw.node_type
            ))
        };
        let label = raw.label.as_deref().unwrap_or_default().to_string();
        let (id, reference_id, node_type) =
            (raw.id.to_string(), raw.reference_id.to_string(), raw.node_type.to_string());
        let node = match (HandoverNodeType::from_type(&node_type), raw.config) {
            // A raw value is valid JSON, so a leading brace makes it an object.
            (Some(_), Some(config)) if config.get().starts_with('{') => {
                let kept = NodeConfig::Text(configs.intern(config.get()));
                Node::indexed(id, reference_id, node_type, label, locale, None, kept)
            }
            (Some(_), Some(_)) => return Err(not_an_object()),
            (None, Some(config)) if PARSED_AT_LOAD_TYPES.contains(&node_type.as_str()) => {
                let Ok(Value::Object(config)) = serde_json::from_str::<Value>(config.get()) else {
                    return Err(not_an_object());
                };
                Node::from_parsed(id, reference_id, node_type, label, locale, Some(config))
            }
            (_, _) => Node::from_parsed(id, reference_id, node_type, label, locale, None),
        };
        // A Question node matters only when it escalates to a handover.
        if matches!(node.node_type.as_str(), "question" | "optionalQuestion") && !node.escalates_to_handover {
            continue;
        }
        nodes.push(node);
    }
    // Held for the whole run, one per chart: no spare capacity.
    nodes.shrink_to_fit();
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_json_drops_whitespace_between_tokens_only() {
        let raw = "{\n    \"a b\": [1, 2],\n    \"c\": \"x \\\" y\\\\\",\t\"d\": {}\n}";
        let compact = compact_json(raw);
        assert_eq!(compact, r#"{"a b":[1,2],"c":"x \" y\\","d":{}}"#);
        assert_eq!(serde_json::from_str::<Value>(&compact).unwrap(), serde_json::from_str::<Value>(raw).unwrap());
        let texts = ConfigTexts::default();
        assert!(Arc::ptr_eq(&texts.intern(raw), &texts.intern(&compact)), "identical configs are shared");
    }
}
