//! Writing to a tenant: journaled, resumable, with a concurrency check before each write.
//!
//! Order: create each provider and set its complete property list, then PATCH each node
//! (full merged config + `localeId`), then (cleanup) PATCH endpoints. Before each write the
//! resource is read again and compared with what the plan saw; a resource changed by
//! someone else is refused by name and the rest goes on. A create whose answer was lost is
//! never repeated blindly: the provider is looked up by name first.
//!
//! Providers are made one after the other (nodes point at them). The node and endpoint
//! writes are independent of each other, so a few run at once ([`map_ordered`]); each keeps
//! its own order: re-read and compare, backup, journal record (on disk), write, `Done`.
//! What was written and what was refused is reported in plan order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use handover_migrate_core::secret::looks_masked;
use serde_json::{json, Value};

use crate::client::{CallError, Client, Method};
use crate::pool::map_ordered;
use crate::selector::{self, ValueForm};
use crate::store::ApiIndex;
use handover_migrate_engine::analysis::{Analysis, EndpointState, Resolution};
use handover_migrate_engine::model::Project;
use handover_migrate_engine::verify::CleanupItem;
use handover_migrate_io::fsio::{self, sha256_hex, sha256_json};
use handover_migrate_io::journal::{ApiOp, Record, RunKind, SharedJournal};
use handover_migrate_io::run::{RunInfo, RunOutcome, StateDir, BACKUP_DIR};
use handover_migrate_io::{Error, Result};

/// One open API run. Its writes may run on several threads: the journal takes their records
/// with group commit, and backups are numbered from a counter, so no number is used twice.
struct ApiRun<'a> {
    client: &'a Client,
    index: &'a ApiIndex,
    journal: SharedJournal,
    run_dir: std::path::PathBuf,
    seq: AtomicUsize,
    written: Vec<String>,
    refused: Vec<String>,
}

/// What became of one independent write.
enum WriteOutcome {
    Written(String),
    /// Changed by someone else since it was read: left alone.
    Refused(String),
}

impl ApiRun<'_> {
    /// Append `record` to the journal (on disk when this returns).
    fn record(&self, record: Record) -> Result<()> {
        self.journal.append(record)
    }

    /// Append that a write landed, without waiting for the disk: a resumed run that lost
    /// it reads the resource again and finds the write there.
    fn record_done(&self, key: String) -> Result<()> {
        self.journal.append_lazy(Record::Done { path: key })
    }

    /// Keep what the independent writes did, in their order.
    fn note(&mut self, outcomes: Vec<WriteOutcome>) {
        for outcome in outcomes {
            match outcome {
                WriteOutcome::Written(what) => self.written.push(what),
                WriteOutcome::Refused(what) => self.refused.push(what),
            }
        }
    }

    /// Write a pre-image; its name is made durable by the journal's next sync, which comes
    /// before the record that names it is relied on (the write it announces is sent).
    fn backup(&self, value: &Value) -> Result<String> {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("{seq:06}.json");
        fsio::write_atomic_unsynced_name(
            &self.run_dir.join(BACKUP_DIR).join(&name),
            handover_migrate_io::fsio::to_cli_json(value).as_bytes(),
            0o600,
        )?;
        Ok(name)
    }

    fn scope(&self) -> Vec<(&'static str, String)> {
        vec![("projectId", self.index.project_id.clone())]
    }

    /// PATCH that may be repeated only after checking it did not land (`landed` reads back).
    fn patch_checked(&self, path: &str, body: &Value, landed: &dyn Fn() -> Result<bool>) -> Result<()> {
        handover_migrate_io::failpoint::hit("api:before_write")?;
        let mut attempt = 0;
        loop {
            match self.client.call(Method::Patch, path, &[], Some(body)) {
                Ok(_) => return Ok(()),
                Err(error @ (CallError::Ambiguous(_) | CallError::Status { .. }))
                    if attempt < self.client.max_retries()
                        && (matches!(error, CallError::Ambiguous(_))
                            || error.status().is_some_and(|s| s == 429 || s == 408 || s >= 500)) =>
                {
                    self.client.pause_after(&error, attempt);
                    attempt += 1;
                    if landed()? {
                        return Ok(());
                    }
                }
                Err(error) => return Err(error.into_error(&format!("PATCH {path}"))),
            }
        }
    }
}

/// Open (or resume) the run of `kind` in the state directory.
fn open_run<'a>(
    client: &'a Client,
    index: &'a ApiIndex,
    state: &StateDir,
    kind: RunKind,
    digest: &str,
    target: &str,
) -> Result<(ApiRun<'a>, Option<RunInfo>)> {
    let run = handover_migrate_io::run::open_run(state, kind, digest, Some(target))?;
    // A resumed run from before backups were written has none yet.
    let backups = run.dir.join(BACKUP_DIR);
    fsio::create_dirs(&backups, 0o700)?;
    let api_run = ApiRun {
        client,
        index,
        journal: SharedJournal::new(run.journal, Some(&backups))?,
        run_dir: run.dir,
        seq: AtomicUsize::new(run.seq),
        written: Vec::new(),
        refused: Vec::new(),
    };
    Ok((api_run, run.resumed))
}

fn finish(run: ApiRun, previous: Option<RunInfo>) -> Result<RunOutcome> {
    run.record(Record::End)?;
    let id = run.run_dir.file_name().map(|n| n.to_string_lossy().into_owned());
    if !run.refused.is_empty() {
        return Err(Error::failed(format!(
            "{} item(s) were changed on the tenant by someone else since they were read, and were left alone:\n{}\n\
             The rest was written (run {}). Review a new plan and run again for these",
            run.refused.len(),
            run.refused.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n"),
            id.unwrap_or_default()
        )));
    }
    Ok(RunOutcome { run_id: id, resumed: previous.is_some(), written: run.written })
}

/// Check every property the plan writes exists on its service, before any write.
pub fn check_services(analysis: &Analysis, index: &ApiIndex, groups: &[usize]) -> Result<HashMap<String, String>> {
    let mut service_ids = HashMap::new();
    for group in groups.iter().map(|g| &analysis.groups[*g]) {
        let service = index.services.iter().find(|s| s.name == group.pair.target_service).ok_or_else(|| {
            Error::failed(format!(
                "the tenant has no handover service named `{}` (for provider \"{}\"); services: {}. Nothing was written",
                group.pair.target_service,
                group.name,
                index.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let unknown: Vec<&str> = group
            .properties
            .iter()
            .map(|p| p.key.as_str())
            .filter(|k| !service.property_keys.iter().any(|s| s == k))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::failed(format!(
                "provider \"{}\": the tenant's `{}` service has no propert{} {}; its properties are: {}. \
                 The provider plugin and this Cognigy version disagree; nothing was written",
                group.name,
                service.name,
                if unknown.len() == 1 { "y" } else { "ies" },
                unknown.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                service.property_keys.join(", ")
            )));
        }
        service_ids.insert(group.name.clone(), service.id.clone());
    }
    Ok(service_ids)
}

/// Apply: create providers, then switch nodes.
pub fn apply(
    client: &Client,
    project: &Project,
    analysis: &Analysis,
    index: &ApiIndex,
    state: &StateDir,
    digest: &str,
    target: &str,
) -> Result<RunOutcome> {
    let to_create: Vec<usize> =
        analysis.groups_in_scope().filter(|(_, g)| g.existing.is_none() && g.is_complete()).map(|(i, _)| i).collect();
    let service_ids = check_services(analysis, index, &to_create)?;
    let (mut run, previous) = open_run(client, index, state, RunKind::Apply, digest, target)?;
    let made = ensure_providers(&mut run, analysis, index, previous.as_ref(), &service_ids, &to_create)?;
    // Minted (planned) referenceId → the tenant's real (`_id`, referenceId).
    let real_ids: HashMap<String, (String, String)> =
        made.iter().map(|(g, found)| (analysis.groups[*g].reference_id.clone(), found.clone())).collect();
    let switches = analysis.nodes.iter().filter(|n| matches!(n.resolution, Resolution::Migrate { .. })).count();
    let form = if switches == 0 {
        ValueForm::ReferenceId
    } else {
        let flow = project.flows.first().map(|f| f.id.as_str());
        value_form(client, index, &analysis.options.selector_key, flow, &made)?
    };
    let progress = handover_migrate_io::progress::phase("Writing to the API", Some(made.len() + switches));
    made.iter().for_each(|_| progress.inc());
    let migrations: Vec<_> = analysis
        .nodes
        .iter()
        .filter_map(|handover| match &handover.resolution {
            Resolution::Migrate { group, switch, .. } => Some((handover, *group, switch)),
            _ => None,
        })
        .collect();
    let outcomes = map_ordered(client.concurrency(), migrations, |(handover, group, switch)| {
        let flow = &project.flows[handover.flow];
        let chart = &flow.charts[handover.chart];
        let node = analysis.node(project, handover);
        let locale = &project.locales[chart.locale];
        let group = &analysis.groups[group];
        // The provider as the tenant's selector names it: a made one by what the create
        // answered, an existing one by the ids the tenant listed.
        let reference = match real_ids.get(&group.reference_id) {
            Some((id, reference)) => form.value_of(id, reference).to_string(),
            None => match (form, index.provider_ids.get(&group.reference_id)) {
                (ValueForm::Id, Some(id)) => id.clone(),
                _ => group.reference_id.clone(),
            },
        };
        let node_path = format!("/flows/{}/chart/nodes/{}", flow.id, node.id);
        let read_config = |client: &Client| -> Result<Value> {
            let current = client.get(&node_path, &[("preferredLocaleId", locale.id.clone())])?;
            Ok(current.get("config").cloned().unwrap_or(Value::Null))
        };
        let expected = index.node_versions.get(&(flow.id.clone(), node.id.to_string(), locale.id.clone()));
        let current = read_config(client)?;
        progress.inc();
        if Some(&sha256_json(&current)) != expected {
            return Ok(WriteOutcome::Refused(format!(
                "flow \"{}\", locale {}, node `{}` (\"{}\")",
                flow.name, locale.name, node.id, node.label
            )));
        }
        let backup = run.backup(&current)?;
        // The config as analysed: the version check above says the tenant's is unchanged.
        let mut config = current.as_object().cloned().unwrap_or_default();
        config.insert(analysis.options.selector_key.clone(), Value::String(reference));
        for (key, value) in &switch.rewrite.set {
            config.insert(key.clone(), value.clone());
        }
        let new_config = Value::Object(config);
        run.record(Record::ApiWrite {
            key: format!("node:{}/{}/{}", flow.id, node.id, locale.id),
            path: chart.path.clone(),
            op: ApiOp::PatchNode {
                flow_id: flow.id.clone(),
                node_id: node.id.to_string(),
                locale_id: locale.id.clone(),
            },
            before: expected.cloned(),
            after: sha256_json(&new_config),
            backup: Some(backup),
            summary: format!("switch node `{}` in {}", node.id, chart.path),
        })?;
        let body = json!({"config": new_config, "localeId": locale.id});
        run.patch_checked(&node_path, &body, &|| Ok(read_config(client)? == new_config))?;
        run.record_done(format!("node:{}/{}/{}", flow.id, node.id, locale.id))?;
        Ok(WriteOutcome::Written(format!("{} node {}", chart.path, node.id)))
    })?;
    run.note(outcomes);
    finish(run, previous)
}

/// The value form the tenant's selector holds ([`crate::selector`]): judged by the options
/// read at load against the providers the tenant listed; when those name none and the
/// options are a list, read again once the providers of this run exist. Nothing to judge
/// by: the referenceId, with a warning.
fn value_form(
    client: &Client,
    index: &ApiIndex,
    key: &str,
    flow: Option<&str>,
    made: &HashMap<usize, (String, String)>,
) -> Result<ValueForm> {
    let providers = index
        .provider_ids
        .iter()
        .map(|(reference, id)| (id.as_str(), reference.as_str()))
        .chain(made.values().map(|(id, reference)| (id.as_str(), reference.as_str())));
    let listed = selector::option_values(&index.handover_descriptors, key);
    if let Some(form) = listed.as_ref().and_then(|values| selector::form_of(values, providers.clone())) {
        tracing::info!("the selector's options hold provider {}s", form.as_str());
        return Ok(form);
    }
    if let (Some(_), Some(flow), false) = (&listed, flow, made.is_empty()) {
        if let Some(form) = selector::discover(client, flow, key, providers)? {
            tracing::info!(
                "the selector's options hold provider {}s (read after creating the providers)",
                form.as_str()
            );
            return Ok(form);
        }
    }
    selector::warn_undetermined(key, listed.is_some());
    Ok(ValueForm::ReferenceId)
}

/// Create (or, after an interrupted run, find) each provider of `groups` and set its
/// complete property list. Returns group index → (`_id`, `referenceId`).
fn ensure_providers(
    run: &mut ApiRun,
    analysis: &Analysis,
    index: &ApiIndex,
    previous: Option<&RunInfo>,
    service_ids: &HashMap<String, String>,
    groups: &[usize],
) -> Result<HashMap<usize, (String, String)>> {
    let mut created: HashMap<String, (String, String)> = HashMap::new();
    for record in previous.iter().flat_map(|r| &r.records) {
        if let Record::ApiCreated { key, id, reference_id } = record {
            created.insert(key.clone(), (id.clone(), reference_id.clone()));
        }
    }
    let mut made = HashMap::new();
    for &index_of_group in groups {
        let group = &analysis.groups[index_of_group];
        let Some(properties) = group.property_map() else { continue };
        let key = format!("provider:{}", group.name);
        let path = handover_migrate_engine::plan::provider_path(&group.name);
        let intended = previous.iter().flat_map(|r| &r.records).any(
            |r| matches!(r, Record::ApiWrite { op: ApiOp::CreateProvider { name, .. }, .. } if name == &group.name),
        );
        let found_earlier = match (created.get(&key), intended) {
            (Some(found), _) => Some(found.clone()),
            // The interrupted run sent the create but did not see the answer: look first.
            (None, true) => find_provider_by_name(run, &group.name)?.map(|p| {
                (
                    p.get("_id").and_then(Value::as_str).unwrap_or_default().to_string(),
                    p.get("referenceId").and_then(Value::as_str).unwrap_or_default().to_string(),
                )
            }),
            (None, false) => None,
        };
        let (id, reference_id) = match found_earlier {
            Some(found) => found,
            None => {
                let service_id = service_ids.get(&group.name).cloned().unwrap_or_default();
                run.record(Record::ApiWrite {
                    key: key.clone(),
                    path: path.clone(),
                    op: ApiOp::CreateProvider { name: group.name.clone(), service_id: service_id.clone() },
                    before: None,
                    after: sha256_json(&(&group.name, &service_id)),
                    backup: None,
                    summary: format!("create provider \"{}\"", group.name),
                })?;
                let body = json!({"projectId": index.project_id, "name": group.name, "serviceId": service_id});
                let provider = create_provider(run, &body, &group.name)?;
                let found = (
                    provider.get("_id").and_then(Value::as_str).unwrap_or_default().to_string(),
                    provider.get("referenceId").and_then(Value::as_str).unwrap_or_default().to_string(),
                );
                run.record(Record::ApiCreated {
                    key: key.clone(),
                    id: found.0.clone(),
                    reference_id: found.1.clone(),
                })?;
                found
            }
        };
        let list: Vec<Value> = properties.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
        let body = json!({"projectId": index.project_id, "properties": list});
        run.record(Record::ApiWrite {
            key: format!("{key}:properties"),
            path: path.clone(),
            op: ApiOp::SetProviderProperties { provider_id: id.clone() },
            before: None,
            after: sha256_json(&list),
            backup: None,
            summary: format!("set the properties of provider \"{}\"", group.name),
        })?;
        set_properties(run, &id, &body)?;
        run.record(Record::Done { path: key })?;
        run.written.push(path);
        made.insert(index_of_group, (id, reference_id));
    }
    Ok(made)
}

/// What linking a clone to a tenant settled.
pub struct Linked {
    /// The API run (absent when nothing had to be created).
    pub run: Option<RunOutcome>,
    /// Group index → the tenant's (`_id`, `referenceId`).
    pub providers: HashMap<usize, (String, String)>,
    /// What the tenant's selector holds for a provider ([`crate::selector`]).
    pub form: ValueForm,
}

/// Linking a clone: make sure every provider of the run exists on the tenant (reusing one
/// with the same service and properties, else creating it), then learn from the tenant's
/// node descriptors what its selector holds for a provider.
pub fn link_providers(
    client: &Client,
    analysis: &Analysis,
    index: &ApiIndex,
    tenant: &[handover_migrate_engine::model::ProviderFile],
    state: &StateDir,
    digest: &str,
    target: &str,
) -> Result<Linked> {
    let mut real: HashMap<usize, (String, String)> = HashMap::new();
    let mut to_create = Vec::new();
    for (group_index, group) in analysis.groups_in_scope().filter(|(_, g)| g.is_complete()) {
        let found = tenant.iter().find(|p| {
            p.service == group.pair.target_service
                && handover_migrate_engine::analysis::matches_properties(&p.properties, &group.properties)
        });
        match found {
            Some(provider) => {
                real.insert(group_index, (provider.id.clone(), provider.reference_id.clone()));
            }
            None => to_create.push(group_index),
        }
    }
    let run = if to_create.is_empty() {
        None
    } else {
        let service_ids = check_services(analysis, index, &to_create)?;
        let (mut run, previous) = open_run(client, index, state, RunKind::Apply, digest, target)?;
        let made = ensure_providers(&mut run, analysis, index, previous.as_ref(), &service_ids, &to_create)?;
        real.extend(made);
        Some(finish(run, previous)?)
    };
    let form = linked_value_form(client, index, &analysis.options.selector_key, tenant, &real)?;
    Ok(Linked { run, providers: real, form })
}

/// The value form for a linked clone: the clone has no descriptors, so read those of the
/// tenant's first flow (after the providers exist) and judge them by every provider known.
fn linked_value_form(
    client: &Client,
    index: &ApiIndex,
    key: &str,
    tenant: &[handover_migrate_engine::model::ProviderFile],
    real: &HashMap<usize, (String, String)>,
) -> Result<ValueForm> {
    let page = client.get("/flows", &[("projectId", index.project_id.clone()), ("limit", "1".to_string())])?;
    let flow = page.pointer("/items/0/_id").and_then(Value::as_str).map(str::to_string);
    let Some(flow) = flow else {
        tracing::warn!("the tenant's project has no flow to read node descriptors from");
        selector::warn_undetermined(key, false);
        return Ok(ValueForm::ReferenceId);
    };
    let descriptors = client.get_all(&format!("/flows/{flow}/chart/descriptors"), &[])?;
    let listed = selector::option_values(&descriptors, key);
    let providers = tenant
        .iter()
        .map(|p| (p.id.as_str(), p.reference_id.as_str()))
        .chain(real.values().map(|(id, reference)| (id.as_str(), reference.as_str())));
    match listed.as_ref().and_then(|values| selector::form_of(values, providers)) {
        Some(form) => {
            tracing::info!("the selector's options hold provider {}s", form.as_str());
            Ok(form)
        }
        None => {
            selector::warn_undetermined(key, listed.is_some());
            Ok(ValueForm::ReferenceId)
        }
    }
}

fn create_provider(run: &ApiRun, body: &Value, name: &str) -> Result<Value> {
    handover_migrate_io::failpoint::hit("api:before_write")?;
    let mut attempt = 0;
    loop {
        match run.client.call(Method::Post, "/handover/provider", &[], Some(body)) {
            Ok(Some(provider)) => return Ok(provider),
            Ok(None) => {
                return Err(Error::failed(format!(
                    "creating provider \"{name}\": the API answered without the provider"
                )))
            }
            Err(error) if attempt < run.client.max_retries() && error.status().is_none_or(|s| s == 429 || s >= 500) => {
                // The create may have landed: look before repeating it.
                run.client.pause_after(&error, attempt);
                attempt += 1;
                if let Some(found) = find_provider_by_name(run, name)? {
                    return Ok(found);
                }
            }
            Err(error) => return Err(error.into_error(&format!("creating provider \"{name}\""))),
        }
    }
}

fn find_provider_by_name(run: &ApiRun, name: &str) -> Result<Option<Value>> {
    Ok(run
        .client
        .get_all("/handover/providers", &run.scope())?
        .into_iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name)))
}

fn set_properties(run: &ApiRun, id: &str, body: &Value) -> Result<()> {
    // The full list replaces the old one, so repeating it is safe.
    let path = format!("/handover/providers/{id}");
    handover_migrate_io::failpoint::hit("api:before_write")?;
    let mut attempt = 0;
    loop {
        match run.client.call(Method::Patch, &path, &[], Some(body)) {
            Ok(_) => return Ok(()),
            Err(CallError::Status { status: 404, .. }) => {
                // Older API versions name the route in the singular.
                return run
                    .client
                    .call(Method::Patch, &format!("/handover/provider/{id}"), &[], Some(body))
                    .map(|_| ())
                    .map_err(|e| e.into_error(&format!("PATCH /handover/provider/{id}")));
            }
            Err(error) if attempt < run.client.max_retries() && error.status().is_none_or(|s| s == 429 || s >= 500) => {
                run.client.pause_after(&error, attempt);
                attempt += 1;
            }
            Err(error) => return Err(error.into_error(&format!("PATCH {path}"))),
        }
    }
}

/// Cleanup through the API: set `provider` to `"none"` and drop `providerSettings`,
/// keeping `agentAssistSettings` and everything else.
pub fn cleanup(
    client: &Client,
    project: &Project,
    analysis: &Analysis,
    index: &ApiIndex,
    state: &StateDir,
    items: &[&CleanupItem],
    target: &str,
) -> Result<RunOutcome> {
    let digest = sha256_hex(items.iter().map(|i| i.path.as_str()).collect::<Vec<_>>().join("\n").as_bytes());
    let (mut run, previous) = open_run(client, index, state, RunKind::Cleanup, &digest, target)?;
    let progress = handover_migrate_io::progress::phase("Cleaning up through the API", Some(items.len()));
    let outcomes = map_ordered(client.concurrency(), items.to_vec(), |item| {
        let Some((id, _)) = index.endpoints.get(&item.path) else {
            progress.inc();
            return Ok(None);
        };
        let endpoint_path = format!("/endpoints/{id}");
        let current = super::store_object(client.get(&endpoint_path, &[])?);
        progress.inc();
        if Some(&sha256_json(&current)) != project.fingerprint.get(&item.path) {
            return Ok(Some(WriteOutcome::Refused(format!("endpoint \"{}\"", item.endpoint))));
        }
        let before = current.get("handoverSettings").cloned().unwrap_or(Value::Null);
        let Some(restorable) = restorable_settings(project, analysis, &item.endpoint, &before) else {
            return Ok(Some(WriteOutcome::Refused(format!(
                "endpoint \"{}\": the API returns its secrets masked, so a backup could not restore them; give them \
                 in the answers file ([providers.\"{}\"] secrets.…) so that cleanup stays reversible",
                item.endpoint, item.endpoint
            ))));
        };
        let mut after = before.as_object().cloned().unwrap_or_default();
        after.insert("provider".into(), Value::String("none".into()));
        after.shift_remove("providerSettings");
        let after = Value::Object(after);
        let backup = run.backup(&restorable)?;
        let key = format!("endpoint:{id}");
        run.record(Record::ApiWrite {
            key: key.clone(),
            path: item.path.clone(),
            op: ApiOp::PatchEndpoint { endpoint_id: id.clone() },
            before: Some(sha256_json(&before)),
            after: sha256_json(&after),
            backup: Some(backup),
            summary: format!("remove legacy settings from endpoint \"{}\"", item.endpoint),
        })?;
        let body = json!({"handoverSettings": after});
        run.patch_checked(&endpoint_path, &body, &|| {
            Ok(super::store_object(client.get(&endpoint_path, &[])?).get("handoverSettings") == Some(&after))
        })?;
        run.record_done(key)?;
        Ok(Some(WriteOutcome::Written(item.path.clone())))
    })?;
    run.note(outcomes.into_iter().flatten().collect());
    finish(run, previous)
}

/// The endpoint's `handoverSettings` as a backup that can really be written back: masked
/// secrets are replaced by the answers' values, or `None` when an answer is missing.
fn restorable_settings(project: &Project, analysis: &Analysis, endpoint: &str, settings: &Value) -> Option<Value> {
    let mut settings = settings.clone();
    let index = project.endpoints.iter().position(|e| e.name == endpoint)?;
    let group = match &analysis.endpoint_states[index] {
        EndpointState::Grouped { group, .. } => Some(&analysis.groups[*group]),
        _ => None,
    };
    let provider_settings = settings.get_mut("providerSettings").and_then(Value::as_object_mut);
    for (key, value) in provider_settings.into_iter().flatten() {
        if value.as_str().is_some_and(looks_masked) {
            let answer = group?.properties.iter().find(|p| &p.key == key).and_then(|p| p.value.clone())?;
            *value = answer;
        }
    }
    Some(settings)
}
