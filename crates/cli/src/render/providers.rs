//! `providers list` and `providers show`.

use std::fmt::Write;

use crate::quote;

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
                source.push_str(&format!(", preferred over {}", quote::name(&replaced.replaced)));
            }
            let _ = writeln!(
                out,
                "{:<16} {:<16} {:<32} {:<8} {source}",
                quote::name(&pair.pair.source_kind),
                quote::name(&pair.pair.target_service),
                quote::name(&pair.display_name),
                quote::name(&entry.info.version)
            );
        }
    }
    if !registry.unpinned.is_empty() {
        out.push_str("\nNot loaded: files in the per-user plugin directory that your pin file does not pin.\n");
        out.push_str("Review each, then pin it with the command shown:\n");
        for unpinned in &registry.unpinned {
            let path = unpinned.path.display().to_string();
            let _ = writeln!(out, "  {}\n    {}", quote::name(&path), quote::inner(&unpinned.pin_command()));
        }
    }
    out
}

pub fn provider_show(entry: &Registered, info: &PairInfo) -> String {
    // Everything here but the layout comes from a plugin: quoted like project names.
    let mut out = format!("{} ({})\n", quote::name(&info.display_name), quote::inner(&info.pair.to_string()));
    let _ = writeln!(
        out,
        "Provider `{}` {} from {}",
        quote::inner(&entry.info.name),
        quote::inner(&entry.info.version),
        quote::inner(&entry.source_label())
    );
    if let Some(sha256) = entry.sha256() {
        let _ = writeln!(out, "SHA-256 {sha256}");
    }
    if let Some(path) = &info.webhook_path {
        let _ = writeln!(out, "Webhook the contact center calls: <endpoint URL>{}", quote::inner(path));
    }
    out.push_str("\nLegacy key → destination\n");
    for row in &info.mapping {
        let destination = match &row.destination {
            Destination::Property(key) => format!("property `{}`", quote::inner(key)),
            Destination::NodeDefault(key) => format!("node default `{}`", quote::inner(key)),
            Destination::Dropped(why) => format!("not carried ({})", quote::inner(why)),
        };
        let class = match row.class {
            PropertyClass::Secret => ", secret",
            PropertyClass::ConnectionRef => ", connection reference",
            PropertyClass::Plain => "",
        };
        let required = if row.required { ", required" } else { "" };
        let legacy =
            if row.legacy_key.is_empty() { "(none: a person enters it)".into() } else { quote::name(&row.legacy_key) };
        let _ = writeln!(
            out,
            "  {legacy:<34} → {destination} [{}{class}{required}] {}",
            quote::inner(&row.format.to_string()),
            quote::inner(&row.label)
        );
    }
    if !info.node_fields.is_empty() {
        let fields: Vec<_> = info.node_fields.iter().map(|f| quote::name(f)).collect();
        let _ = writeln!(out, "\nNode fields owned by this vendor: {}", fields.join(", "));
    }
    for warning in &info.warnings {
        let _ = writeln!(out, "\nwarning: {}", quote::inner(warning));
    }
    let names = [info.display_name.as_str(), entry.info.name.as_str()];
    let labels = info.mapping.iter().map(|row| row.label.as_str());
    let flagged = quote::bidi_warnings(names.into_iter().chain(labels));
    if !flagged.is_empty() {
        out.push_str("\nNames\n");
        out.push_str(&flagged);
    }
    out
}
