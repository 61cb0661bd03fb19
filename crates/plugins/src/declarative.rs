//! Declarative plugins: a TOML (or JSON) file in the shape of core's `SpecProvider`, plus
//! the contract version it was written for. No code runs: the file becomes a
//! `SpecProvider`, exactly like most built-ins. See `examples/plugins/example-desk.toml`.
//!
//! ```toml
//! name = "example-desk"
//! version = "1.0.0"
//! contract_version = "1.0"
//!
//! [[specs]]
//! display_name = "Example Desk"
//! pair = { source_kind = "exampleDesk", target_service = "exampleDesk" }
//! node_fields = ["exampleDeskQueue"]
//!
//! [[specs.fields]]
//! legacy_key = "baseUrl"
//! destination = { to = "property", key = "baseUrl" }
//! class = "plain"
//! required = true
//! format = { type = "url" }
//! label = "Base URL"
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use handover_migrate_core::spec::{Format, PairSpec, SpecProvider};
use handover_migrate_core::Destination;
use serde::Deserialize;

use crate::discovery::check_contract;
use handover_migrate_io::{Error, Result};

/// The file: a `SpecProvider` and the contract version it targets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    name: String,
    version: String,
    /// Checked (from [`VersionOnly`]) before the rest is read.
    #[allow(dead_code)]
    contract_version: String,
    specs: Vec<PairSpec>,
}

/// Just the version, read first so a file for a newer contract fails on the version, not
/// on a field this host does not know.
#[derive(Debug, Deserialize)]
struct VersionOnly {
    contract_version: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
struct JsonVersionOnly {
    contract_version: Option<serde_json::Value>,
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// `line L, column C` of a byte offset.
fn position(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

fn syntax_error(path: &Path, text: &str, error: toml::de::Error) -> Error {
    let at = error.span().map(|span| format!(" at {}", position(text, span.start))).unwrap_or_default();
    Error::usage(format!(
        "declarative plugin {}{at}: {}; it was not loaded",
        path.display(),
        error.message().trim_end()
    ))
}

fn json_error(path: &Path, error: serde_json::Error) -> Error {
    Error::usage(format!(
        "declarative plugin {} at line {}, column {}: {error}; it was not loaded",
        path.display(),
        error.line(),
        error.column()
    ))
}

/// Read, version-check and validate a declarative plugin.
pub fn load(path: &Path, bytes: &[u8]) -> Result<SpecProvider> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::usage(format!("declarative plugin {} is not UTF-8 text ({e}); it was not loaded", path.display()))
    })?;
    let version = if is_json(path) {
        let header: JsonVersionOnly = serde_json::from_str(text).map_err(|e| json_error(path, e))?;
        header.contract_version.map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
    } else {
        let header: VersionOnly = toml::from_str(text).map_err(|e| syntax_error(path, text, e))?;
        header.contract_version.map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
    };
    let Some(version) = version else {
        return Err(Error::usage(format!(
            "declarative plugin {} has no `contract_version`; add `contract_version = \"{}\"` (the provider \
             contract it was written for); it was not loaded",
            path.display(),
            handover_migrate_core::CONTRACT_VERSION
        )));
    };
    check_contract(path, &version)?;
    let file: SpecFile = if is_json(path) {
        serde_json::from_str(text).map_err(|e| json_error(path, e))?
    } else {
        toml::from_str(text).map_err(|e| syntax_error(path, text, e))?
    };
    validate(&file).map_err(|problem| {
        Error::usage(format!("declarative plugin {}: {problem}; it was not loaded", path.display()))
    })?;
    Ok(SpecProvider { name: file.name, version: file.version, specs: file.specs })
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// What serde cannot check: the table must make sense as a whole.
fn validate(file: &SpecFile) -> std::result::Result<(), String> {
    if file.name.trim().is_empty() {
        return Err("`name` is empty".into());
    }
    if file.version.trim().is_empty() {
        return Err("`version` is empty".into());
    }
    if file.specs.is_empty() {
        return Err("it has no `[[specs]]`: describe at least one legacy kind".into());
    }
    let mut pairs = BTreeSet::new();
    for (index, spec) in file.specs.iter().enumerate() {
        let at = format!("[[specs]] #{} ({})", index + 1, spec.pair);
        let fail = |what: String| Err(format!("{at}: {what}"));
        if !is_identifier(&spec.pair.source_kind) || !is_identifier(&spec.pair.target_service) {
            return fail("`pair.source_kind` and `pair.target_service` must be non-empty, without spaces".into());
        }
        if !pairs.insert(spec.pair.clone()) {
            return fail("this pair is described twice".into());
        }
        if spec.display_name.trim().is_empty() {
            return fail("`display_name` is empty".into());
        }
        if spec.webhook_path.as_deref().is_some_and(|p| !p.starts_with('/')) {
            return fail("`webhook_path` must start with `/` (it is appended to the endpoint URL)".into());
        }
        if spec.node_types.is_empty() {
            return fail("`node_types` is empty: list the node types the service supports, or leave it out".into());
        }
        let mut legacy = BTreeSet::new();
        let mut properties = BTreeSet::new();
        let mut node_defaults = BTreeSet::new();
        for (number, field) in spec.fields.iter().enumerate() {
            let field_at = format!("[[specs.fields]] #{} (`{}`)", number + 1, field.legacy_key);
            if !is_identifier(&field.legacy_key) {
                return fail(format!("{field_at}: `legacy_key` must be non-empty, without spaces"));
            }
            if !legacy.insert(field.legacy_key.as_str()) {
                return fail(format!("{field_at}: legacy key `{}` is listed twice", field.legacy_key));
            }
            if field.label.trim().is_empty() {
                return fail(format!("{field_at}: `label` is empty (it is what prompts call the field)"));
            }
            match &field.destination {
                Destination::Property(key) if !is_identifier(key) => {
                    return fail(format!("{field_at}: the destination property key is empty"));
                }
                Destination::Property(key) if !properties.insert(key.as_str()) => {
                    return fail(format!("{field_at}: property `{key}` is the destination of two fields"));
                }
                Destination::NodeDefault(key) if !is_identifier(key) => {
                    return fail(format!("{field_at}: the node default key is empty"));
                }
                Destination::NodeDefault(key) => {
                    node_defaults.insert(key.as_str());
                }
                Destination::Dropped(why) if why.trim().is_empty() => {
                    return fail(format!("{field_at}: say why the field is dropped (`key` of a dropped destination)"));
                }
                _ => {}
            }
            if let Format::MaxLength(0) = field.format {
                return fail(format!("{field_at}: `max_length` of 0 allows no value"));
            }
            if let Some(toggle) = &field.required_unless {
                let is_bool = spec.fields.iter().any(|f| &f.legacy_key == toggle && f.format == Format::Bool);
                if !is_bool {
                    return fail(format!(
                        "{field_at}: `required_unless = \"{toggle}\"` must name another field with format `bool`"
                    ));
                }
            }
        }
        for fill in &spec.node_fills {
            if !node_defaults.contains(fill.default_key.as_str()) {
                return fail(format!(
                    "[[specs.node_fills]] `{}`: `default_key = \"{}\"` is not the key of any field with destination \
                     `node_default` (known: {})",
                    fill.node_key,
                    fill.default_key,
                    node_defaults.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
            if !spec.node_fields.contains(&fill.node_key) {
                return fail(format!(
                    "[[specs.node_fills]] `{}`: the node field must also be listed in `node_fields`",
                    fill.node_key
                ));
            }
        }
        for manual in &spec.manual_properties {
            let manual_at = format!("[[specs.manual_properties]] `{}`", manual.key);
            if !is_identifier(&manual.key) {
                return fail(format!("{manual_at}: `key` must be non-empty, without spaces"));
            }
            if !properties.insert(manual.key.as_str()) {
                return fail(format!(
                    "{manual_at}: property `{}` is already the destination of a field or another manual property",
                    manual.key
                ));
            }
            if manual.label.trim().is_empty() {
                return fail(format!("{manual_at}: `label` is empty (it is what prompts call the property)"));
            }
        }
        for rule in &spec.node_rules {
            if rule.field.trim().is_empty() || rule.note.trim().is_empty() {
                return fail("[[specs.node_rules]]: `field` and `note` must be non-empty".into());
            }
            if rule.node_types.is_empty() {
                return fail(format!("[[specs.node_rules]] `{}`: `node_types` is empty", rule.field));
            }
        }
        let mut reminders = BTreeSet::new();
        for reminder in &spec.reminders {
            if !is_identifier(&reminder.key) || !reminders.insert(reminder.key.as_str()) {
                return fail(format!("[[specs.reminders]] `{}`: keys must be non-empty and unique", reminder.key));
            }
            if let Some(toggle) = &reminder.when_true {
                if !legacy.contains(toggle.as_str()) {
                    return fail(format!(
                        "[[specs.reminders]] `{}`: `when_true = \"{toggle}\"` is not a legacy key of this spec",
                        reminder.key
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plugins/example-desk.toml"))
            .unwrap()
    }

    fn load_text(name: &str, text: &str) -> Result<SpecProvider> {
        load(Path::new(name), text.as_bytes())
    }

    #[test]
    fn the_bundled_example_loads() {
        let provider = load_text("example-desk.toml", &example()).unwrap();
        assert_eq!(provider.specs[0].pair.source_kind, "exampleDesk");
    }

    #[test]
    fn syntax_and_shape_errors_name_the_file_and_the_position() {
        let error = load_text("d.toml", "contract_version = \"1.0\"\nname = \n").unwrap_err();
        assert!(error.message.contains("d.toml at line 2"), "{}", error.message);
        let typo = example().replace("node_fields =", "node_feilds =");
        let error = load_text("d.toml", &typo).unwrap_err();
        assert!(error.message.contains("node_feilds") && error.message.contains("line "), "{}", error.message);
        let error = load_text("d.json", "{\"contract_version\": \"1.0\", \"name\": 3}").unwrap_err();
        assert!(error.message.contains("d.json at line 1"), "{}", error.message);
    }

    #[test]
    fn the_contract_version_is_checked_first() {
        let error = load_text("d.toml", "contract_version = \"2.0\"\nsome_future_field = 1\n").unwrap_err();
        assert!(error.message.contains("contract 2.0") && error.message.contains("rebuild"), "{}", error.message);
        let error = load_text("d.toml", "name = \"x\"\n").unwrap_err();
        assert!(error.message.contains("no `contract_version`"), "{}", error.message);
    }

    #[test]
    fn the_bundled_vendor_switch_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plugins/chatwoot-to-live-agent.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let provider = load_text("chatwoot-to-live-agent.toml", &text).unwrap();
        let spec = &provider.specs[0];
        assert_eq!(spec.pair, handover_migrate_core::MigrationPair::new("chatwoot", "liveAgent"));
        assert_eq!(spec.manual_properties.len(), 3);
        assert_eq!(spec.node_rules.len(), 2);
        // This host reads a file that says 1.0 by the same rules; a 1.0 host refuses a 1.1
        // file on its version before it meets a field it does not know.
        let old = text.replace("contract_version = \"1.1\"", "contract_version = \"1.0\"");
        assert!(load_text("old.toml", &old).is_ok());
        let twice =
            format!("{text}\n[[specs.manual_properties]]\nkey = \"apiKey\"\nclass = \"secret\"\nlabel = \"Again\"\n");
        let error = load_text("d.toml", &twice).unwrap_err();
        assert!(error.message.contains("already the destination"), "{}", error.message);
    }

    #[test]
    fn semantic_mistakes_are_named() {
        for (from, to, expect) in [
            ("default_key = \"defaultQueue\"", "default_key = \"nope\"", "is not the key of any field"),
            ("legacy_key = \"tenant\"", "legacy_key = \"baseUrl\"", "listed twice"),
            ("webhook_path = \"/handover/exampledesk\"", "webhook_path = \"handover\"", "must start with `/`"),
            ("name = \"example-desk\"", "name = \"\"", "`name` is empty"),
        ] {
            let text = example().replacen(from, to, 1);
            assert_ne!(text, example(), "{from}");
            let error = load_text("d.toml", &text).unwrap_err();
            assert!(error.message.contains(expect), "{from}: {}", error.message);
        }
    }
}
