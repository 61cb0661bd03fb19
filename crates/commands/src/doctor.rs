//! `doctor`: is this tenant (or clone) ready for an unattended `apply`? Strictly read-only:
//! on a tenant it reads indexes, a bounded sample of endpoints, the handover services and
//! providers and one flow's node descriptors (`handover_migrate_tenant::survey`), never a
//! chart, and writes nothing. Each finding names the flag or answers-file line that
//! resolves it. `--save-profile` keeps what it learned without secrets or customer content.

use std::collections::BTreeSet;

use handover_migrate_engine::analysis::selector_key_candidates;
use handover_migrate_engine::answers::{ProjectConfig, PROJECT_CONFIG_FILE};
use handover_migrate_engine::clone;
use handover_migrate_io::Result;
use handover_migrate_plugins::{Registry, Source};
use handover_migrate_tenant::client::{RateLimit, PAGE_LIMIT};
use handover_migrate_tenant::selector::{self, ValueForm};
use handover_migrate_tenant::store::SelectorDiscovery;
use handover_migrate_tenant::survey::{self, ReadFailure, Survey};
use serde::{Deserialize, Serialize};

use crate::context::{Context, Target};

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Info,
    Warning,
    /// `apply` needs a flag or an answer first (exit 3).
    NeedsInput,
    /// The tenant cannot be reached, refuses the key, or the key lacks a right (exit 1).
    Error,
}

/// One thing doctor checked.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// `access`, `rights`, `api_version`, `services`, `selector`, `secrets`, `snapshots`, `estimate`.
    pub check: &'static str,
    pub level: Level,
    pub message: String,
    /// The exact flag or answers-file line that resolves it.
    pub resolve: Option<String>,
}

/// A built-in or plugin pair compared with the tenant's service it targets.
#[derive(Clone, Debug, Serialize)]
pub struct PairCheck {
    /// `liveAgent → liveAgent`.
    pub pair: String,
    pub provider: String,
    /// Whether an endpoint read uses the pair's legacy kind (by default pair).
    pub used: bool,
    /// Properties the pair writes that the service does not have.
    pub missing_on_service: Vec<String>,
    /// Service properties the pair never sets.
    pub not_set_by_pair: Vec<String>,
}

/// A tenant's handover service and the pairs that target it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceProfile {
    pub name: String,
    pub property_keys: Vec<String>,
    pub secret_keys: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceCheck {
    #[serde(flatten)]
    pub service: ServiceProfile,
    pub pairs: Vec<PairCheck>,
}

/// What the selector discovery found.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SelectorProfile {
    /// The key apply will use (discovered, or from the flag / project config).
    pub key: Option<String>,
    /// Where it came from: `descriptors`, `flag`, `project-config`, or none.
    pub source: Option<String>,
    pub candidates: Vec<String>,
    pub field_type: Option<String>,
    /// `_id` or `referenceId`: what the field's options hold; `null` when its options are not listed.
    pub value_form: Option<String>,
}

/// The request estimate of a migration, from index reads only.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    pub endpoints: usize,
    pub flows: usize,
    pub locales: usize,
    /// Reads `apply` needs before writing, counted from the indexes (flows × locales node
    /// indexes, each endpoint, the index pages); handover nodes add one read and one write
    /// each, and each provider two writes, which only the charts can tell.
    pub requests: u64,
    /// `N/SECONDS` of the client's limiter.
    pub rate_limit: String,
    /// The time spent waiting for the rate limit alone, at least.
    pub minimum_seconds: u64,
    pub note: String,
}

/// Page sizes the API answered with.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Pages {
    /// The page size of an index read without `limit` (`null`: the index fit on one page).
    pub default: Option<usize>,
    /// The largest page seen.
    pub largest: usize,
}

/// What doctor found.
#[derive(Clone, Debug, Serialize)]
pub struct DoctorReport {
    /// `api` or `offline`.
    pub mode: &'static str,
    /// Whether `apply` can run unattended.
    pub ready: bool,
    pub findings: Vec<Finding>,
    pub services: Vec<ServiceCheck>,
    pub selector: SelectorProfile,
    /// Whether secrets read back masked (`null`: no secret was seen).
    pub secrets_masked: Option<bool>,
    /// Endpoints that run a snapshot.
    pub snapshot_pinned: Vec<String>,
    pub estimate: Option<Estimate>,
    pub pages: Pages,
    pub node_types: Vec<String>,
    /// Requests doctor itself sent.
    pub requests: u64,
}

impl DoctorReport {
    /// 0 ready, 3 answers or flags needed, 1 unreachable, refused key or missing rights.
    pub fn exit_code(&self) -> u8 {
        match self.findings.iter().map(|f| f.level).max() {
            Some(Level::Error) => 1,
            Some(Level::NeedsInput) => 3,
            _ => 0,
        }
    }

    fn push(&mut self, check: &'static str, level: Level, message: String, resolve: Option<String>) {
        self.findings.push(Finding { check, level, message, resolve });
    }

    /// The profile `--save-profile` writes: no secret, no customer content.
    pub fn profile(&self, tool: String) -> TenantProfile {
        TenantProfile {
            format: PROFILE_FORMAT.to_string(),
            tool,
            services: self.services.iter().map(|s| s.service.clone()).collect(),
            selector: SelectorProfile { candidates: self.selector.candidates.clone(), ..self.selector.clone() },
            secrets_masked: self.secrets_masked,
            pages: self.pages.clone(),
            node_types: self.node_types.clone(),
        }
    }
}

/// The format name of a tenant profile.
pub const PROFILE_FORMAT: &str = "handover-migrate/tenant-profile@1";

/// What `doctor --save-profile` writes and `cognigy-sim --profile` reads: service names and
/// property keys, the selector key and value form, masking, page sizes, node types.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TenantProfile {
    pub format: String,
    pub tool: String,
    pub services: Vec<ServiceProfile>,
    pub selector: SelectorProfile,
    pub secrets_masked: Option<bool>,
    pub pages: Pages,
    pub node_types: Vec<String>,
}

/// Where the answers for masked secrets go.
const SECRETS_RESOLVE: &str = "run `handover-migrate answers template --out answers.toml`, fill in its \
     `secrets.<key> = \"…\"` lines under each `[providers.\"NAME\"]`, and pass `--answers answers.toml`";

/// `doctor`.
pub fn doctor(ctx: &Context, rate_limit: Option<&str>) -> Result<DoctorReport> {
    let mut report = DoctorReport {
        mode: "offline",
        ready: false,
        findings: Vec::new(),
        services: Vec::new(),
        selector: SelectorProfile::default(),
        secrets_masked: None,
        snapshot_pinned: Vec::new(),
        estimate: None,
        pages: Pages::default(),
        node_types: Vec::new(),
        requests: 0,
    };
    match &ctx.target {
        Target::Clone(dir) => offline(ctx, dir, &mut report)?,
        Target::Api(api) | Target::Linked(_, api) => {
            report.mode = "api";
            let survey = survey::survey(&api.client, &api.project_id);
            report.requests = survey.requests;
            tenant(ctx, &survey, &api.project_id, rate_limit, &mut report)?;
        }
    }
    report.ready = report.exit_code() == 0;
    Ok(report)
}

fn offline(ctx: &Context, dir: &std::path::Path, report: &mut DoctorReport) -> Result<()> {
    let project = clone::load(dir)?;
    let config = ProjectConfig::load(dir)?;
    report.push(
        "access",
        Level::Ok,
        format!(
            "read the clone {}: {} endpoint(s), {} flow(s), {} locale(s)",
            dir.display(),
            project.endpoints.len(),
            project.flows.len(),
            project.locales.len()
        ),
        None,
    );
    report.push(
        "services",
        Level::Info,
        "the tenant's handover services are checked in API mode only (--api-url … --project-id …)".into(),
        None,
    );
    let candidates = selector_key_candidates(&project)?;
    report.selector.candidates = candidates.clone();
    let config_line = format!("`node-selector-key = \"KEY\"` in {}", dir.join(PROJECT_CONFIG_FILE).display());
    match (&ctx.selector_key, &config.node_selector_key) {
        (Some(key), _) => {
            report.selector.key = Some(key.clone());
            report.selector.source = Some("flag".into());
            report.push("selector", Level::Ok, format!("node selector key `{key}` (--node-selector-key)"), None);
        }
        (None, Some(key)) => {
            report.selector.key = Some(key.clone());
            report.selector.source = Some("project-config".into());
            report.push("selector", Level::Ok, format!("node selector key `{key}` ({PROJECT_CONFIG_FILE})"), None);
        }
        (None, None) => report.push(
            "selector",
            Level::NeedsInput,
            format!(
                "the node selector key is not set; keys on handover nodes that look like it: {}",
                if candidates.is_empty() { "none".into() } else { candidates.join(", ") }
            ),
            Some(format!("--node-selector-key KEY, or {config_line}")),
        ),
    }
    let mut masked = Vec::new();
    for endpoint in &project.endpoints {
        if let handover_migrate_engine::model::Handover::Legacy { settings, .. } = &endpoint.handover {
            for (key, value) in settings {
                if survey::looks_masked(value) {
                    masked.push(format!("{} ({key})", endpoint.name));
                }
            }
        }
    }
    secrets_finding(ctx, report, &masked, false);
    match &config.project_id {
        Some(project_id) => {
            let pinned: Vec<String> = project
                .endpoints
                .iter()
                .filter(|e| !e.entrypoint.is_empty() && &e.entrypoint != project_id)
                .map(|e| e.name.clone())
                .collect();
            pinned_findings(report, pinned);
        }
        None => report.push(
            "snapshots",
            Level::Info,
            "snapshot-pinned endpoints are found only when the project id is known".into(),
            Some(format!("`project-id = \"ID\"` in {}", dir.join(PROJECT_CONFIG_FILE).display())),
        ),
    }
    Ok(())
}

fn tenant(
    ctx: &Context,
    survey: &Survey,
    project_id: &str,
    rate_limit: Option<&str>,
    report: &mut DoctorReport,
) -> Result<()> {
    if let Some(failure) = &survey.access {
        let (message, resolve) = match failure {
            ReadFailure::Unauthorized(m) => (
                format!("the tenant refuses the API key: {m}"),
                "set COGNIGY_API_KEY (or --api-key-file FILE) to a key of a user with access to the project"
                    .to_string(),
            ),
            ReadFailure::Forbidden(m) => (
                format!("the key's user has no access to project {project_id}: {m}"),
                format!("give the key's user a role in project {project_id} (Manage > Members), or use another key"),
            ),
            ReadFailure::NotFound(m) => (
                format!("project {project_id} was not found: {m}"),
                "--project-id ID (the id in the project's URL in the Cognigy UI)".to_string(),
            ),
            ReadFailure::Failed(m) => (
                format!("the tenant cannot be reached: {m}"),
                "--api-url URL (the API base URL, e.g. https://api-trial.cognigy.ai), --ca-cert FILE on premises"
                    .to_string(),
            ),
        };
        report.push("access", Level::Error, message, Some(resolve));
        return Ok(());
    }
    report.push(
        "access",
        Level::Ok,
        format!(
            "authenticated; project {project_id} readable: {} endpoint(s), {} flow(s), {} locale(s)",
            survey.endpoints_total, survey.flows_total, survey.locales_total
        ),
        None,
    );
    for failure in &survey.failures {
        let (level, resolve) = match failure {
            ReadFailure::Forbidden(_) | ReadFailure::Unauthorized(_) => (
                Level::Error,
                format!(
                    "give the key's user a role in project {project_id} that may manage Handover Providers, flows and \
                     endpoints (the migration creates providers and edits nodes and endpoints)"
                ),
            ),
            _ => (Level::Error, "run doctor again; if it persists, check the tenant's status".to_string()),
        };
        report.push(
            "rights",
            level,
            format!("insufficient rights or a failed read: {}", failure.message()),
            Some(resolve),
        );
    }
    if survey.failures.is_empty() {
        report.push(
            "rights",
            Level::Info,
            "every read apply needs is allowed; write rights cannot be checked without writing (apply stops at the \
             first refused write, journaled and resumable)"
                .into(),
            None,
        );
    }
    report.push(
        "api_version",
        Level::Info,
        match &survey.services {
            Some(_) => "the API does not expose its version on the routes handover-migrate uses; it serves Handover \
                        Providers (Cognigy.AI 4.97 or later)"
                .into(),
            None => "the API does not expose its version on the routes handover-migrate uses".into(),
        },
        None,
    );

    // Services against every pair that targets them.
    let used_kinds: BTreeSet<&str> =
        survey.endpoints.iter().map(|e| e.kind.as_str()).filter(|k| !matches!(*k, "" | "none" | "cognigy")).collect();
    if let Some(services) = &survey.services {
        services_findings(&ctx.registry, services, &used_kinds, report);
    }

    // Selector.
    selector_findings(ctx, survey, report);

    // Secrets.
    let mut masked: Vec<String> =
        survey.endpoints.iter().flat_map(|e| e.masked_keys.iter().map(move |k| format!("{} ({k})", e.name))).collect();
    let provider_masked = survey.providers.iter().flatten().any(|p| !p.masked_keys.is_empty());
    let secret_keys: BTreeSet<&str> =
        survey.services.iter().flatten().flat_map(|s| s.secret_keys.iter().map(String::as_str)).collect();
    let any_secret_seen =
        survey.endpoints.iter().any(|e| e.setting_keys.iter().any(|k| secret_keys.contains(k.as_str())));
    masked.sort();
    secrets_finding(ctx, report, &masked, provider_masked);
    if report.secrets_masked.is_none() && any_secret_seen {
        report.secrets_masked = Some(false);
    }

    pinned_findings(report, survey.endpoints.iter().filter(|e| e.snapshot_pinned).map(|e| e.name.clone()).collect());
    if survey.endpoints.len() < survey.endpoints_total {
        report.push(
            "snapshots",
            Level::Info,
            format!(
                "read {} of {} endpoints in full (kinds, masking, snapshots); `scan` reads them all",
                survey.endpoints.len(),
                survey.endpoints_total
            ),
            None,
        );
    }

    // Estimate, from the index totals only.
    let limit: RateLimit = match rate_limit {
        Some(text) => text.parse().unwrap_or_default(),
        None => RateLimit::default(),
    };
    let pages = |n: usize| n.div_ceil(PAGE_LIMIT).max(1) as u64;
    let (e, f, l) = (survey.endpoints_total, survey.flows_total, survey.locales_total);
    let requests = pages(e)
        + e as u64
        + pages(l)
        + pages(f)
        + (f as u64) * (l as u64)
        + pages(survey.services.as_ref().map_or(0, Vec::len))
        + pages(survey.providers.as_ref().map_or(0, Vec::len))
        + pages(survey.node_types.len());
    let window = limit.window.as_secs();
    let minimum_seconds = (requests.saturating_sub(1) / limit.requests as u64) * window;
    report.push(
        "estimate",
        Level::Info,
        format!(
            "a migration reads about {requests} requests before writing ({f} flow(s) × {l} locale(s) node \
             indexes, {e} endpoint(s)); at {}/{window}s that is at least {minimum_seconds}s of rate-limit waits, plus \
             one read and one write per handover node",
            limit.requests
        ),
        None,
    );
    report.estimate = Some(Estimate {
        endpoints: e,
        flows: f,
        locales: l,
        requests,
        rate_limit: format!("{}/{window}", limit.requests),
        minimum_seconds,
        note: "an estimate from index reads only: handover nodes add one read and one write each, providers two \
               writes each"
            .into(),
    });
    report.pages = Pages { default: survey.default_page, largest: survey.largest_page };
    report.node_types = survey.node_types.clone();
    Ok(())
}

fn services_findings(
    registry: &Registry,
    services: &[survey::ServiceFacts],
    used_kinds: &BTreeSet<&str>,
    report: &mut DoctorReport,
) {
    for service in services {
        let mut pairs = Vec::new();
        for entry in registry.entries() {
            for info in entry.info.pairs.iter().filter(|p| p.pair.target_service == service.name) {
                let keys: Vec<&str> = info.target_properties().map(|(k, _)| k).collect();
                let used = used_kinds.contains(info.pair.source_kind.as_str())
                    && registry.default_pair(&info.pair.source_kind).as_ref() == Some(&info.pair);
                let missing: Vec<String> = keys
                    .iter()
                    .filter(|k| !service.property_keys.iter().any(|s| s == *k))
                    .map(|k| k.to_string())
                    .collect();
                let not_set: Vec<String> =
                    service.property_keys.iter().filter(|s| !keys.contains(&s.as_str())).cloned().collect();
                let provider = match &entry.source {
                    Source::BuiltIn => format!("built-in {}", entry.info.name),
                    Source::File { path, .. } => format!("plugin {} ({})", entry.info.name, path.display()),
                };
                if !missing.is_empty() {
                    report.push(
                        "services",
                        if used { Level::NeedsInput } else { Level::Warning },
                        format!(
                            "{provider}'s pair {} writes propert{} {} that the tenant's `{}` service does not have (its \
                             properties: {}){}",
                            info.pair,
                            if missing.len() == 1 { "y" } else { "ies" },
                            missing.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                            service.name,
                            service.property_keys.join(", "),
                            if used { "; an endpoint of this kind would fail to migrate" } else { "" }
                        ),
                        Some(format!(
                            "--plugin FILE with a `{}` → `{}` pair that writes the tenant's keys (see `handover-migrate \
                             providers show {}`), and --prefer-plugin {}",
                            info.pair.source_kind, service.name, info.pair.source_kind, info.pair.source_kind
                        )),
                    );
                }
                pairs.push(PairCheck {
                    pair: info.pair.to_string(),
                    provider,
                    used,
                    missing_on_service: missing,
                    not_set_by_pair: not_set,
                });
            }
        }
        report.services.push(ServiceCheck {
            service: ServiceProfile {
                name: service.name.clone(),
                property_keys: service.property_keys.clone(),
                secret_keys: service.secret_keys.clone(),
            },
            pairs,
        });
    }
    for kind in used_kinds {
        let Some(pair) = registry.default_pair(kind) else {
            report.push(
                "services",
                Level::NeedsInput,
                format!("endpoints of legacy kind `{kind}` have no installed provider"),
                Some(format!("--plugin FILE providing `{kind}` (pairs installed: {})", registry.pairs_list())),
            );
            continue;
        };
        if !services.iter().any(|s| s.name == pair.target_service) {
            report.push(
                "services",
                Level::NeedsInput,
                format!("the tenant has no `{}` handover service for endpoints of kind `{kind}`", pair.target_service),
                Some(format!(
                    "--to SERVICE with one of: {}",
                    services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                )),
            );
        }
    }
    if !report.findings.iter().any(|f| f.check == "services") {
        report.push(
            "services",
            Level::Ok,
            format!(
                "{} handover service(s); every pair that targets them writes only their properties",
                services.len()
            ),
            None,
        );
    }
}

fn selector_findings(ctx: &Context, survey: &Survey, report: &mut DoctorReport) {
    let Some(facts) = &survey.selector else {
        if survey.flows_total == 0 {
            report.push("selector", Level::Info, "the project has no flow, so no node to switch".into(), None);
        }
        return;
    };
    report.selector.field_type = facts.field_type.clone();
    let flag = ctx.selector_key.clone();
    match (&facts.discovery, flag) {
        (SelectorDiscovery::Found(key), flag) => {
            report.selector.candidates = vec![key.clone()];
            match flag {
                Some(flag) if &flag != key => {
                    report.selector.key = Some(flag.clone());
                    report.selector.source = Some("flag".into());
                    report.push(
                        "selector",
                        Level::Warning,
                        format!("--node-selector-key {flag} differs from the descriptors' selector field `{key}`"),
                        Some(format!("--node-selector-key {key}, or drop the flag")),
                    );
                }
                _ => {
                    report.selector.key = Some(key.clone());
                    report.selector.source = Some("descriptors".into());
                    report.push(
                        "selector",
                        Level::Ok,
                        format!(
                            "node selector field `{key}` ({}) on Handover to Agent and Check Agent Availability",
                            facts.field_type.as_deref().unwrap_or("type unknown")
                        ),
                        None,
                    );
                }
            }
        }
        (SelectorDiscovery::Ambiguous(candidates), Some(flag)) => {
            report.selector.candidates = candidates.clone();
            report.selector.key = Some(flag.clone());
            report.selector.source = Some("flag".into());
            report.push("selector", Level::Ok, format!("node selector key `{flag}` (--node-selector-key)"), None);
        }
        (SelectorDiscovery::Ambiguous(candidates), None) => {
            report.selector.candidates = candidates.clone();
            report.push(
                "selector",
                Level::NeedsInput,
                format!(
                    "the node descriptors show no single Handover Provider selector field; candidates: {}",
                    if candidates.is_empty() { "none".to_string() } else { candidates.join(", ") }
                ),
                Some(
                    "--node-selector-key KEY (switch one node from Legacy to a provider in the Cognigy UI and read \
                     the new key in its config)"
                        .into(),
                ),
            );
        }
        (SelectorDiscovery::NoFlows, _) => {}
    }
    // The value form: what the field's options hold.
    let providers = survey.providers.as_deref().unwrap_or_default();
    let form = facts.option_values.as_ref().and_then(|values| {
        selector::form_of(values, providers.iter().map(|p| (p.id.as_str(), p.reference_id.as_str())))
    });
    report.selector.value_form = form.map(|form| form.as_str().to_string());
    match form {
        Some(ValueForm::Id) => report.push(
            "selector",
            Level::Info,
            "the selector's options hold provider `_id`s: apply (API and linked modes) writes each provider's `_id` \
             into the nodes it switches; offline apply cannot know this and writes the referenceId"
                .into(),
            None,
        ),
        Some(ValueForm::ReferenceId) => {}
        None if report.selector.key.is_some() => report.push(
            "selector",
            Level::Info,
            if facts.option_values.is_some() {
                "the selector's options name none of the tenant's Handover Providers, so their value form (`_id` or \
                 `referenceId`) is not known yet: apply reads them again after creating its providers, and writes \
                 the provider's referenceId (with a warning) if they still name none"
                    .to_string()
            } else {
                "the selector's options are not listed in the descriptors, so their value form (`_id` or \
                 `referenceId`) is not known; apply writes the provider's referenceId, with a warning"
                    .to_string()
            },
            None,
        ),
        None => {}
    }
}

fn secrets_finding(ctx: &Context, report: &mut DoctorReport, masked_endpoints: &[String], provider_masked: bool) {
    if masked_endpoints.is_empty() && !provider_masked {
        return;
    }
    report.secrets_masked = Some(true);
    if masked_endpoints.is_empty() {
        report.push(
            "secrets",
            Level::Info,
            "existing providers' secrets read back masked: reused providers cannot be compared on their secrets".into(),
            None,
        );
        return;
    }
    let list = masked_endpoints.join(", ");
    match &ctx.answers {
        Some(file) => report.push(
            "secrets",
            Level::Warning,
            format!(
                "secrets read back masked from {} endpoint setting(s): {list}; apply takes them from {} (`plan` names \
                 any that are missing)",
                masked_endpoints.len(),
                file.display()
            ),
            None,
        ),
        None => report.push(
            "secrets",
            Level::NeedsInput,
            format!("secrets read back masked from {} endpoint setting(s): {list}", masked_endpoints.len()),
            Some(SECRETS_RESOLVE.to_string()),
        ),
    }
}

fn pinned_findings(report: &mut DoctorReport, pinned: Vec<String>) {
    for name in &pinned {
        report.push(
            "snapshots",
            Level::Warning,
            format!(
                "endpoint \"{name}\" runs a snapshot, not the project: switching flows does not change what it runs"
            ),
            Some(
                "after apply, create a snapshot and point the endpoint at it; `cleanup` skips it unless --force".into(),
            ),
        );
    }
    report.snapshot_pinned = pinned;
}
