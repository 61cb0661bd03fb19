//! Saving what a person chose in guided mode into the answers file, keeping what is already
//! in it (comments included). Secrets are never written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use handover_migrate_io::fsio;
use handover_migrate_io::{Error, Result};

/// Where guided mode saves answers when no `--answers FILE` was given.
pub const DEFAULT_ANSWERS_FILE: &str = "handover-migrate-answers.toml";

/// What a person chose in guided mode that may be saved: never secrets.
#[derive(Debug, Default)]
pub struct Chosen {
    /// Answers-table key → provider name (pinned so that later runs agree).
    pub names: BTreeMap<String, String>,
    /// Answers-table key → (`connections.x` / `values.x` entry, value).
    pub entries: BTreeMap<String, Vec<(String, String)>>,
    /// `[assign]` key → endpoint or `legacy`.
    pub assign: BTreeMap<String, String>,
    /// Answers-table keys whose secrets were typed (for the reminder comment only).
    pub secrets_typed: BTreeSet<String>,
}

impl Chosen {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.assign.is_empty() && self.secrets_typed.is_empty()
    }
}

/// Merge `chosen` into the answers file at `path` (created if missing), keeping everything
/// already in it, comments included. Secrets are never written.
pub fn save(path: &Path, chosen: &Chosen) -> Result<()> {
    use toml_edit::{value, DocumentMut, Item, Table};
    let existing = match fsio::entry(path)? {
        fsio::Entry::Missing => None,
        _ => Some(fsio::read_text(path)?),
    };
    let mut doc: DocumentMut = match &existing {
        // The parse error may quote a line holding a secret: report the position only.
        Some(text) => text.parse().map_err(|e: toml_edit::TomlError| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1).unwrap_or(0);
            Error::usage(format!(
                "cannot add to the answers file {}: it is not valid TOML (line {line}); fix it or choose another file",
                path.display()
            ))
        })?,
        None => {
            let mut doc = DocumentMut::new();
            doc.decor_mut().set_prefix(
                "# handover-migrate answers, saved by guided `apply`. Secrets are not saved: set\n\
                 # HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY> or type them when asked.\n\n",
            );
            doc
        }
    };
    let bad = |what: &str| {
        Error::usage(format!(
            "cannot add to the answers file {}: its `{what}` is not a table; fix it or choose another file",
            path.display()
        ))
    };
    let mut keys: BTreeSet<&String> = chosen.names.keys().collect();
    keys.extend(chosen.entries.keys());
    if !keys.is_empty() {
        let providers = doc.entry("providers").or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        });
        let providers = providers.as_table_mut().ok_or_else(|| bad("providers"))?;
        for key in keys {
            let table = providers.entry(key).or_insert_with(|| Item::Table(Table::new()));
            let table = table.as_table_mut().ok_or_else(|| bad(&format!("providers.{key}")))?;
            if let Some(name) = chosen.names.get(key) {
                if !table.contains_key("name") {
                    table.insert("name", value(name.as_str()));
                }
            }
            for (entry, text) in chosen.entries.get(key).into_iter().flatten() {
                let (section, property) = entry.split_once('.').unwrap_or(("values", entry.as_str()));
                let property = property.trim_matches('"');
                let sub = table.entry(section).or_insert_with(|| {
                    let mut sub = Table::new();
                    sub.set_dotted(true);
                    Item::Table(sub)
                });
                let sub = sub.as_table_like_mut().ok_or_else(|| bad(&format!("providers.{key}.{section}")))?;
                sub.insert(property, value(text.as_str()));
            }
        }
    }
    if !chosen.assign.is_empty() {
        let assign = doc.entry("assign").or_insert_with(|| Item::Table(Table::new()));
        let assign = assign.as_table_like_mut().ok_or_else(|| bad("assign"))?;
        for (key, target) in &chosen.assign {
            assign.insert(key, value(target.as_str()));
        }
    }
    fsio::write_atomic(path, doc.to_string().as_bytes(), 0o600)
}
