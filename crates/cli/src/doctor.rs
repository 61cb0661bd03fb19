//! `doctor`: prints what the commands crate's doctor found, as text or `--json`, and saves
//! the tenant profile (`--save-profile FILE`).

use std::fmt::Write as _;
use std::path::Path;

use handover_migrate_commands::doctor::{self, DoctorReport, Level};
use handover_migrate_commands::Result;

use crate::{context, print_json, Global};

pub fn run(global: &Global, save_profile: Option<&Path>) -> Result<u8> {
    let ctx = context(global)?;
    let report = doctor::doctor(&ctx, global.rate_limit.as_deref())?;
    if let Some(path) = save_profile {
        let profile = report.profile(format!("handover-migrate {}", crate::LONG_VERSION));
        let text = serde_json::to_string_pretty(&profile)
            .map_err(|e| handover_migrate_commands::Error::failed(format!("serializing the profile: {e}")))?;
        handover_migrate_commands::write_output(path, &format!("{text}\n"), 0o644)?;
        if !global.quiet && !global.json {
            eprintln!("Saved the tenant profile (no secrets, no customer content) to {}.", path.display());
        }
    }
    if global.json {
        print_json(&report);
    } else {
        print!("{}", text(&report));
    }
    Ok(report.exit_code())
}

fn mark(level: Level) -> &'static str {
    match level {
        Level::Ok => "ok",
        Level::Info => "info",
        Level::Warning => "warning",
        Level::NeedsInput => "needs input",
        Level::Error => "ERROR",
    }
}

pub fn text(report: &DoctorReport) -> String {
    let mut out = format!("handover-migrate doctor ({} mode, read-only)\n\n", report.mode);
    for finding in &report.findings {
        let _ = writeln!(out, "[{}] {}: {}", mark(finding.level), finding.check, finding.message);
        if let Some(resolve) = &finding.resolve {
            let _ = writeln!(out, "      fix: {resolve}");
        }
    }
    if !report.services.is_empty() {
        out.push_str("\nHandover services\n");
        for service in &report.services {
            let _ = writeln!(out, "  {}: {}", service.service.name, service.service.property_keys.join(", "));
            for pair in &service.pairs {
                let state = if pair.missing_on_service.is_empty() {
                    "matches".to_string()
                } else {
                    format!("missing on the service: {}", pair.missing_on_service.join(", "))
                };
                let _ = writeln!(
                    out,
                    "    {} ({}{}): {state}",
                    pair.pair,
                    pair.provider,
                    if pair.used { ", used" } else { "" }
                );
            }
        }
    }
    let selector = &report.selector;
    let _ = writeln!(
        out,
        "\nSelector: {} (from {}; field type {}; value form {})",
        selector.key.as_deref().unwrap_or("not set"),
        selector.source.as_deref().unwrap_or("nowhere"),
        selector.field_type.as_deref().unwrap_or("unknown"),
        selector.value_form.as_deref().unwrap_or("unknown")
    );
    let _ = writeln!(
        out,
        "Secrets read back masked: {}",
        match report.secrets_masked {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown (no secret seen)",
        }
    );
    if let Some(estimate) = &report.estimate {
        let _ = writeln!(
            out,
            "Estimate: about {} requests before writing at {}; at least {}s of rate-limit waits ({})",
            estimate.requests, estimate.rate_limit, estimate.minimum_seconds, estimate.note
        );
    }
    if report.mode == "api" {
        let _ = writeln!(out, "Doctor sent {} request(s) and wrote nothing.", report.requests);
    }
    let _ = writeln!(
        out,
        "\n{}",
        match report.exit_code() {
            0 => "Ready: apply can run unattended.",
            3 => "Not ready: apply needs the flags or answers above.",
            _ => "Not ready: the tenant cannot be used with this key (see the errors above).",
        }
    );
    out
}
