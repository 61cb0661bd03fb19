//! `providers list` and `providers show`.

use std::fmt::Write;

use handover_migrate_commands::{Registered, Registry};
use handover_migrate_core::{Destination, PairInfo, PropertyClass};
use serde_json::Value;

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
