//! API mode: the same migration against a Cognigy.AI tenant through its REST API.
//!
//! - [`client`]: HTTP with rate limiting, retries and problem details;
//! - [`pool`]: a few requests in flight at once under the client's rate budget;
//! - [`store`]: reads a project into the same model as a clone;
//! - [`apply`]: journaled writes and cleanup on the tenant;
//! - [`rollback()`]: an API run undone from its journal, a few restores at once;
//! - [`survey`]: `doctor`'s read-only look at a tenant (index reads only);
//! - [`selector`]: whether the tenant's provider selector holds `referenceId`s or `_id`s.

pub mod apply;
pub mod client;
pub mod pool;
mod rollback;
pub use rollback::rollback;
mod resolve;
pub mod selector;
pub mod store;
pub mod survey;

use serde_json::Value;

/// An API answer as an object (empty when it is not one).
pub(crate) fn store_object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(object) => object,
        _ => serde_json::Map::new(),
    }
}

/// Create a project snapshot (an asynchronous task) and wait for it; returns its id.
pub fn snapshot(client: &client::Client, project_id: &str) -> handover_migrate_io::Result<String> {
    use handover_migrate_io::Error;
    let body = serde_json::json!({
        "name": format!("handover-migrate {}", handover_migrate_io::run::now_id(handover_migrate_io::journal::RunKind::Apply)),
        "description": "Taken by handover-migrate before apply",
        "projectId": project_id,
    });
    let task = client
        .call(client::Method::Post, "/snapshots", &[], Some(&body))
        .map_err(|e| e.into_error("creating a snapshot (POST /snapshots)"))?
        .ok_or_else(|| Error::failed("creating a snapshot: the API answered without a task"))?;
    let task_id = task.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let state = client.get(&format!("/tasks/{task_id}"), &[])?;
        match state.get("status").and_then(Value::as_str) {
            Some("done") => {
                let id = state.pointer("/data/snapshotId").and_then(Value::as_str).unwrap_or(&task_id);
                return Ok(id.to_string());
            }
            Some("error") | Some("failed") => {
                return Err(Error::failed(format!("the snapshot task {task_id} failed; nothing was written")))
            }
            _ if std::time::Instant::now() > deadline => {
                return Err(Error::failed(format!(
                    "the snapshot task {task_id} did not finish in 10 minutes; nothing was written"
                )))
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(500)),
        }
    }
}
