//! Several projects on one simulated tenant (one API key), for fleet runs: each project is
//! a [`Sim`] of its own; a request goes to the project its `projectId` (query or body)
//! names, or to the project that holds the endpoint, flow, provider, snapshot or task its
//! path names. `GET /projects` lists them. Resource ids must be unique across projects (as
//! on a real tenant); loading refuses projects that share one. The projects share one fault
//! state: the rate limit (per API key, as Cognigy's) and 429 bursts count the tenant's
//! requests, whichever project they are for.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::{ids, Options, Sim};

/// One project of a multi-project simulator.
pub struct Served {
    pub project_id: String,
    pub name: String,
    pub sim: Sim,
}

/// A tenant with several projects.
#[derive(Clone)]
pub struct MultiSim {
    projects: Arc<Vec<Served>>,
}

/// The project id of a seed folder: its `handover-migrate.toml` `project-id`, else the
/// folder name when it is an id, else an id derived from the name.
fn project_id_of(dir: &Path) -> String {
    let from_config = std::fs::read_to_string(dir.join("handover-migrate.toml")).ok().and_then(|text| {
        text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "project-id").then(|| value.trim().trim_matches('"').to_string())
        })
    });
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    from_config.unwrap_or_else(|| {
        if name.len() == 24 && name.chars().all(|c| c.is_ascii_hexdigit()) {
            name
        } else {
            ids::object_id(&format!("project:{name}"))
        }
    })
}

impl MultiSim {
    /// Every subdirectory of `dir` (a directory of clones) is a project; `options` holds
    /// the key and faults shared by all (its `project_id` is replaced per project).
    pub fn load_dir(dir: impl AsRef<Path>, options: Options) -> Result<MultiSim> {
        let dir = dir.as_ref();
        let mut seeds: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        seeds.sort();
        let seeds: Vec<(PathBuf, String)> = seeds
            .into_iter()
            .map(|p| {
                let id = project_id_of(&p);
                (p, id)
            })
            .collect();
        Self::load(&seeds, options)
    }

    /// One project per `(seed dir, project id)`.
    pub fn load(seeds: &[(PathBuf, String)], options: Options) -> Result<MultiSim> {
        if seeds.is_empty() {
            bail!("no projects to serve");
        }
        let mut projects = Vec::new();
        // One tenant, one API key: one rate budget and one fault state for all its projects.
        let faults = Arc::default();
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for (seed, project_id) in seeds {
            let mut options = options.clone();
            options.project_id = project_id.clone();
            // Each project draws its own created ids.
            options.faults.rng_seed = options.faults.rng_seed.wrapping_add(projects.len() as u64 * 7919);
            let sim = Sim::load_sharing(seed, options, Arc::clone(&faults))?;
            let name = seed.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| project_id.clone());
            let mut mine = sim.with_project(|p| resource_ids(p));
            mine.push(project_id.clone());
            mine.sort();
            mine.dedup();
            for id in mine {
                if let Some(other) = owner.insert(id.clone(), project_id.clone()) {
                    bail!(
                        "projects {other} and {project_id} ({}) share the id {id}: every project needs its own ids, \
                         as on a real tenant",
                        seed.display()
                    );
                }
            }
            projects.push(Served { project_id: project_id.clone(), name, sim });
        }
        Ok(MultiSim { projects: Arc::new(projects) })
    }

    pub fn projects(&self) -> &[Served] {
        &self.projects
    }

    /// The simulator of `project_id`.
    pub fn project(&self, project_id: &str) -> Option<&Sim> {
        self.projects.iter().find(|p| p.project_id == project_id).map(|p| &p.sim)
    }

    pub fn router(&self) -> Router {
        let routers: Vec<Router> = self.projects.iter().map(|p| p.sim.router()).collect();
        let state = Dispatch { multi: self.clone(), routers: Arc::new(routers) };
        Router::new()
            .route("/new/v2.0/projects", get(list_projects))
            .route("/v2.0/projects", get(list_projects))
            .route("/__sim/stats", get(stats))
            .route("/__sim/dump", post(dump))
            .fallback(dispatch)
            .with_state(state)
    }

    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        crate::server::serve(self.router(), listener, shutdown).await
    }

    /// Binds `127.0.0.1:0` and serves on a thread of its own until the handle is dropped.
    pub fn spawn(self) -> Result<MultiHandle> {
        let running = crate::server::Running::start(self.router())?;
        Ok(MultiHandle { running, multi: self })
    }

    /// Every project's stats, summed, and per project.
    pub fn stats(&self) -> Value {
        let mut total = serde_json::Map::new();
        let mut per = serde_json::Map::new();
        for served in self.projects.iter() {
            let stats = served.sim.stats();
            if let Value::Object(fields) = &stats {
                for (key, value) in fields {
                    if let Some(n) = value.as_u64() {
                        let sum = total.get(key).and_then(Value::as_u64).unwrap_or(0) + n;
                        total.insert(key.clone(), json!(sum));
                    }
                }
            }
            per.insert(served.project_id.clone(), stats);
        }
        total.insert("projects".into(), Value::Object(per));
        Value::Object(total)
    }

    /// Writes each project into `dir/<project id>/`; returns the number of files written.
    pub fn dump(&self, dir: impl AsRef<Path>) -> Result<usize> {
        let mut files = 0;
        for served in self.projects.iter() {
            files += served.sim.dump(dir.as_ref().join(&served.project_id))?;
        }
        Ok(files)
    }
}

fn resource_ids(project: &crate::model::Project) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    ids.extend(project.endpoints.iter().map(|e| e.id().to_string()));
    ids.extend(project.flows.iter().map(|f| f.id().to_string()));
    ids.extend(project.providers.iter().map(|p| p.id().to_string()));
    ids
}

#[derive(Clone)]
struct Dispatch {
    multi: MultiSim,
    routers: Arc<Vec<Router>>,
}

fn owns(project: &crate::model::Project, id: &str) -> bool {
    project.endpoints.iter().any(|e| e.id() == id)
        || project.flows.iter().any(|f| f.id() == id)
        || project.providers.iter().any(|p| p.id() == id)
        || project.snapshots.iter().any(|s| s.id == id)
        || project.tasks.iter().any(|t| t.id == id)
}

fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// The project a request is for: `projectId` in the query or body, else the owner of an id
/// in its path, else the first project (whose answer is then a 404 or a validation error).
async fn dispatch(State(state): State<Dispatch>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let mut wanted = query_value(parts.uri.query(), "projectId");
    if wanted.is_none() && !bytes.is_empty() {
        wanted = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("projectId").and_then(Value::as_str).map(str::to_string));
    }
    let projects = state.multi.projects();
    let index = match wanted {
        Some(id) => match projects.iter().position(|p| p.project_id == id) {
            Some(i) => i,
            None => {
                let body = json!({"status": 404, "title": "Not Found", "detail": format!("Project {id} not found")});
                return (axum::http::StatusCode::NOT_FOUND, Json(body)).into_response();
            }
        },
        None => {
            let segments: Vec<&str> = parts.uri.path().split('/').filter(|s| !s.is_empty()).collect();
            projects
                .iter()
                .position(|p| p.sim.with_project(|project| segments.iter().any(|s| owns(project, s))))
                .unwrap_or(0)
        }
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    match state.routers[index].clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn list_projects(State(state): State<Dispatch>, RawQuery(_query): RawQuery) -> Json<Value> {
    // A tenant holds few projects: one page.
    let items: Vec<Value> =
        state.multi.projects().iter().map(|p| json!({"_id": p.project_id, "name": p.name})).collect();
    let total = items.len();
    Json(json!({"items": items, "total": total, "nextCursor": null, "previousCursor": null}))
}

async fn stats(State(state): State<Dispatch>) -> Json<Value> {
    Json(state.multi.stats())
}

async fn dump(State(state): State<Dispatch>, RawQuery(query): RawQuery) -> Response {
    let Some(dir) = query_value(query.as_deref(), "dir").filter(|d| !d.is_empty()) else {
        return (axum::http::StatusCode::BAD_REQUEST, "dir is required").into_response();
    };
    match state.multi.dump(&dir) {
        Ok(files) => Json(json!({"dir": dir, "files": files})).into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, format!("dump failed: {e:#}")).into_response(),
    }
}

/// A multi-project simulator running on its own thread; stops when dropped.
pub struct MultiHandle {
    running: crate::server::Running,
    multi: MultiSim,
}

impl MultiHandle {
    pub fn addr(&self) -> std::net::SocketAddr {
        self.running.addr()
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn multi(&self) -> &MultiSim {
        &self.multi
    }

    pub fn stats(&self) -> Value {
        self.multi.stats()
    }

    pub fn dump(&self, dir: impl AsRef<Path>) -> Result<usize> {
        self.multi.dump(dir)
    }
}
