//! Rolling an API run back from its journal: every node and endpoint it wrote to its
//! pre-image, then the providers it created deleted.
//!
//! The restores are independent of each other, so a few run at once ([`map_ordered`]), each
//! with its own order: read the resource, compare with what the run wrote, write the backup
//! back, journal record. Providers are deleted after every node is restored (until then a
//! node may still point at one), one after the other. What was restored, and what someone
//! else changed since, is reported in the journal's order (newest write first).

use std::collections::{HashMap, HashSet};

use handover_migrate_core::secret::looks_masked;
use serde_json::{json, Value};

use crate::client::{CallError, Client, Method};
use crate::pool::map_ordered;
use crate::store::ApiIndex;
use handover_migrate_io::fsio::{self, sha256_json};
use handover_migrate_io::journal::{ApiOp, Journal, Record, SharedJournal};
use handover_migrate_io::run::{RollbackOutcome, RunInfo, RunState, BACKUP_DIR, JOURNAL_FILE};
use handover_migrate_io::{Error, Result};

/// What became of one resource the run wrote.
enum Restore {
    /// Written back to its pre-image.
    Restored(String),
    /// Already as it was before the run (an earlier rollback, or the write never landed).
    AlreadyOriginal,
    /// Changed by someone else after the run: left alone unless forced.
    Foreign(String),
}

/// Roll back an API run from its journal: nodes and endpoints to their pre-images, then
/// delete the providers it created.
pub fn rollback(client: &Client, index: &ApiIndex, run: &RunInfo, force: bool) -> Result<RollbackOutcome> {
    let journal = SharedJournal::new(Journal::open(&run.dir.join(JOURNAL_FILE))?, None)?;
    // The first write of each resource holds its original (pre-image) backup.
    let mut writes: Vec<&Record> = Vec::new();
    let mut seen: HashSet<&String> = HashSet::new();
    let mut created: HashMap<&String, &String> = HashMap::new();
    for record in &run.records {
        match record {
            Record::ApiWrite { key, .. } if seen.insert(key) => writes.push(record),
            Record::ApiCreated { key, id, .. } => {
                created.insert(key, id);
            }
            _ => {}
        }
    }
    if run.state != RunState::RollbackInterrupted {
        journal.append(Record::RollbackBegin)?;
    }
    let mut outcome = RollbackOutcome {
        run_id: Some(run.id.clone()),
        kind: Some(run.kind),
        restored: Vec::new(),
        removed: Vec::new(),
    };
    let (providers, resources): (Vec<&Record>, Vec<&Record>) = writes
        .into_iter()
        .rev()
        .partition(|record| matches!(record, Record::ApiWrite { op: ApiOp::CreateProvider { .. }, .. }));
    let restores =
        map_ordered(client.concurrency(), resources, |record| restore(client, &journal, run, record, force))?;
    let mut foreign = Vec::new();
    for restore in restores {
        match restore {
            Restore::Restored(what) => outcome.restored.push(what),
            Restore::AlreadyOriginal => {}
            Restore::Foreign(what) => foreign.push(what),
        }
    }
    for record in providers {
        let Record::ApiWrite { key, path, op: ApiOp::CreateProvider { name, .. }, .. } = record else { continue };
        handover_migrate_io::failpoint::hit("api:before_write")?;
        let id = match created.get(key) {
            Some(id) => Some((*id).clone()),
            None => client
                .get_all("/handover/providers", &[("projectId", index.project_id.clone())])?
                .into_iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .and_then(|p| p.get("_id").and_then(Value::as_str).map(str::to_string)),
        };
        if let Some(id) = id {
            match client.call(
                Method::Delete,
                &format!("/handover/provider/{id}"),
                &[("projectId", index.project_id.clone())],
                None,
            ) {
                Ok(_) | Err(CallError::Status { status: 404, .. }) => {}
                Err(error) => return Err(error.into_error(&format!("DELETE /handover/provider/{id}"))),
            }
            outcome.removed.push(path.clone());
        }
        journal.append(Record::Restored { path: key.clone() })?;
    }
    if !foreign.is_empty() {
        return Err(Error::failed(format!(
            "run {}: these were changed on the tenant by someone else after the run, and were left as they are:\n{}\n\
             Use `rollback --force` to overwrite them with the originals",
            run.id,
            foreign.iter().map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n")
        )));
    }
    journal.append(Record::RollbackEnd)?;
    Ok(outcome)
}

/// Put one node or endpoint the run wrote back to its pre-image.
fn restore(client: &Client, journal: &SharedJournal, run: &RunInfo, record: &Record, force: bool) -> Result<Restore> {
    let Record::ApiWrite { key, path, op, before, after, backup, .. } = record else {
        return Ok(Restore::AlreadyOriginal);
    };
    handover_migrate_io::failpoint::hit("api:before_write")?;
    let read_backup = || -> Result<Value> {
        let name = backup.as_ref().ok_or_else(|| Error::failed(format!("run {}: no backup for {key}", run.id)))?;
        let text = fsio::read_text(&run.dir.join(BACKUP_DIR).join(name))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::failed(format!("run {}: backup {name} is damaged ({e})", run.id)))
    };
    // The resource's path, the field the run changed, the body that restores it, and how to name it.
    let (resource, query, field, what) = match op {
        ApiOp::PatchNode { flow_id, node_id, locale_id } => (
            format!("/flows/{flow_id}/chart/nodes/{node_id}"),
            vec![("preferredLocaleId", locale_id.clone())],
            "config",
            format!("{path} node {node_id}"),
        ),
        ApiOp::PatchEndpoint { endpoint_id } => {
            (format!("/endpoints/{endpoint_id}"), Vec::new(), "handoverSettings", path.clone())
        }
        // A provider's properties go with it (it is deleted afterwards).
        ApiOp::SetProviderProperties { .. } | ApiOp::CreateProvider { .. } => {
            journal.append(Record::Restored { path: key.clone() })?;
            return Ok(Restore::AlreadyOriginal);
        }
    };
    let current = client.get(&resource, &query)?;
    let current_hash = sha256_json(&current.get(field).cloned().unwrap_or(Value::Null));
    if Some(&current_hash) == before.as_ref() {
        journal.append(Record::Restored { path: key.clone() })?;
        return Ok(Restore::AlreadyOriginal);
    }
    if &current_hash != after && !force {
        return Ok(Restore::Foreign(what));
    }
    let original = read_backup()?;
    let body = match op {
        ApiOp::PatchNode { locale_id, .. } => json!({"config": original, "localeId": locale_id}),
        _ => {
            if contains_mask(&original) {
                return Err(Error::failed(format!(
                    "{path}: its backup holds masked secrets; refusing to write a mask back"
                )));
            }
            json!({"handoverSettings": original})
        }
    };
    client.call(Method::Patch, &resource, &[], Some(&body)).map_err(|e| e.into_error(&format!("PATCH {resource}")))?;
    journal.append(Record::Restored { path: key.clone() })?;
    Ok(Restore::Restored(what))
}

fn contains_mask(value: &Value) -> bool {
    match value {
        Value::String(s) => looks_masked(s),
        Value::Array(items) => items.iter().any(contains_mask),
        Value::Object(map) => map.values().any(contains_mask),
        _ => false,
    }
}
