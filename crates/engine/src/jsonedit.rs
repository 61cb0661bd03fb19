//! Edit JSON text in place: replace one value and leave every other byte as it was.
//!
//! Cognigy CLI clones are `JSON.stringify(x, undefined, 4)`. Re-serializing a whole file
//! would risk changing bytes nobody meant to change (number spelling, escapes), so the
//! engine locates a value's exact byte span with a borrowed [`RawValue`] and splices the
//! new value in, formatted to match the surrounding indentation.

use std::ops::Range;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Byte range of a raw value borrowed from `text`.
pub fn span_of(text: &str, raw: &RawValue) -> Range<usize> {
    let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
    start..start + raw.get().len()
}

/// Serialize `value` to sit at `span` in `text`, where `span` currently holds `original`:
/// multi-line values get the indentation of the line they start on, one-line values stay
/// on one line.
pub fn render_at(text: &str, span: &Range<usize>, value: &Value) -> String {
    let original = &text[span.clone()];
    if !original.contains('\n') {
        return serde_json::to_string(value).unwrap_or_default();
    }
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let base: String = text[line_start..span.start].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let unit = indent_unit(original, &base);
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    if value.serialize(&mut serializer).is_err() {
        return serde_json::to_string(value).unwrap_or_default();
    }
    let pretty = String::from_utf8(out).unwrap_or_default();
    pretty.replace('\n', &format!("\n{base}"))
}

/// The indentation step used inside `original` (4 spaces unless it shows otherwise).
fn indent_unit(original: &str, base: &str) -> String {
    original
        .split('\n')
        .nth(1)
        .map(|line| line.chars().take_while(|c| *c == ' ' || *c == '\t').collect::<String>())
        .and_then(|inner| inner.strip_prefix(base).map(str::to_string))
        .filter(|unit| !unit.is_empty())
        .unwrap_or_else(|| "    ".to_string())
}

/// Apply non-overlapping replacements to `text`.
pub fn splice(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(text.len() + edits.iter().map(|(_, s)| s.len()).sum::<usize>());
    let mut cursor = 0;
    for (range, replacement) in edits {
        out.push_str(&text[cursor..range.start]);
        out.push_str(&replacement);
        cursor = range.end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Doc<'a> {
        #[serde(borrow)]
        config: &'a RawValue,
    }

    #[test]
    fn splice_keeps_other_bytes_and_indentation() {
        let text = "{\n    \"a\": 1.50,\n    \"config\": {\n        \"x\": \"\\u00e9\",\n        \"y\": []\n    },\n    \"z\": 2\n}";
        let doc: Doc = serde_json::from_str(text).unwrap();
        let span = span_of(text, doc.config);
        let mut config: serde_json::Map<String, Value> = serde_json::from_str(doc.config.get()).unwrap();
        config.insert("sel".into(), json!("id-1"));
        let replacement = render_at(text, &span, &Value::Object(config));
        let out = splice(text, vec![(span, replacement)]);
        assert_eq!(
            out,
            "{\n    \"a\": 1.50,\n    \"config\": {\n        \"x\": \"é\",\n        \"y\": [],\n        \"sel\": \"id-1\"\n    },\n    \"z\": 2\n}"
        );
    }

    #[test]
    fn one_line_values_stay_on_one_line() {
        let text = r#"{"config":{"x":1}}"#;
        let doc: Doc = serde_json::from_str(text).unwrap();
        let span = span_of(text, doc.config);
        let out = splice(text, vec![(span.clone(), render_at(text, &span, &json!({"x": 2})))]);
        assert_eq!(out, r#"{"config":{"x":2}}"#);
    }
}
