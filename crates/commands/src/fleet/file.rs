//! The fleet file (TOML): tenants and their projects, clone folders, per-project settings;
//! resolved into the fleet's members.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use handover_migrate_engine::answers::ProjectConfig;
use handover_migrate_io::fsio::{self, Entry};
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::isolated::IsolationChoice;
use handover_migrate_tenant::client::{ApiConfig, Client, RateBudget, RateLimit};
use serde::Deserialize;

use crate::context::{Options, TenantOptions};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    #[serde(default)]
    tenant: Vec<TenantEntry>,
    #[serde(default)]
    clones: Vec<ClonesEntry>,
    #[serde(default)]
    project: BTreeMap<String, ProjectSettings>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TenantEntry {
    name: String,
    api_url: String,
    api_key_env: Option<String>,
    api_key_file: Option<PathBuf>,
    ca_cert: Option<PathBuf>,
    projects: ProjectsEntry,
    rate_limit: Option<String>,
    /// Plain http to a host that is not loopback (labs), as `--insecure-http`.
    #[serde(default)]
    insecure_http: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ProjectsEntry {
    Word(String),
    List(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClonesEntry {
    path: String,
}

/// `[project."<id or clone path>"]`: what a single run would take as flags.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectSettings {
    /// `--answers FILE` (relative to the fleet file).
    pub answers: Option<PathBuf>,
    /// `--endpoint NAME` (a staged rollout).
    #[serde(default)]
    pub endpoint: Vec<String>,
    /// `--to SERVICE` (a vendor switch).
    pub to: Option<String>,
    /// `--node-selector-key KEY`.
    pub node_selector_key: Option<String>,
}

/// A tenant of the fleet: one API key, one rate budget for all its projects.
pub struct Tenant {
    pub name: String,
    pub api_url: String,
    api_key_env: Option<String>,
    api_key_file: Option<PathBuf>,
    ca_cert: Option<PathBuf>,
    insecure_http: bool,
    pub budget: Arc<RateBudget>,
}

/// One project of the fleet: on a tenant, or a clone folder.
pub struct Member {
    /// How output and the fleet record name it: `<tenant>/<project id>`, or the clone path.
    pub key: String,
    /// The project's name on the tenant (API members), when known.
    pub name: Option<String>,
    /// Index into [`Fleet::tenants`] (API members).
    pub tenant: Option<usize>,
    pub project_id: Option<String>,
    pub clone: Option<PathBuf>,
    pub settings: ProjectSettings,
    /// The `<PROJECT>` of its secret variables.
    pub secret_scope: String,
}

/// A resolved fleet file.
pub struct Fleet {
    pub file: PathBuf,
    pub tenants: Vec<Tenant>,
    pub members: Vec<Member>,
    /// Where the fleet record lives (`--state-dir`, or the per-user state directory).
    pub state_dir: PathBuf,
    /// `--plugin` and `--prefer-plugin` of the command line, for every project.
    pub plugins: Vec<PathBuf>,
    pub prefer_plugin: Vec<String>,
    pub isolation: IsolationChoice,
    pub trust_state: bool,
}

/// What the command line adds to the fleet file.
#[derive(Clone, Debug, Default)]
pub struct FleetOptions {
    pub file: PathBuf,
    /// `--state-dir`: where the fleet record lives.
    pub state_dir: Option<PathBuf>,
    pub plugins: Vec<PathBuf>,
    pub prefer_plugin: Vec<String>,
    /// `--plugin-isolation` and its limits, for every project.
    pub isolation: IsolationChoice,
    /// `--trust-state`, for every project (after a person reviewed what it would touch).
    pub trust_state: bool,
}

fn bad(file: &Path, what: impl std::fmt::Display) -> Error {
    Error::usage(format!("fleet file {}: {what}", file.display()))
}

impl Fleet {
    /// Read and resolve the fleet file: tenants (listing their projects when `projects =
    /// "all"`), clone paths and globs, per-project settings. Nothing is written.
    pub fn open(options: &FleetOptions) -> Result<Fleet> {
        let file = &options.file;
        let text = fsio::read_text(file)?;
        let parsed: FleetFile = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| format!(" (line {})", text[..s.start].matches('\n').count() + 1));
            bad(file, format!("{}{}", e.message().trim(), line.unwrap_or_default()))
        })?;
        let base = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };

        let mut tenants = Vec::new();
        let mut members: Vec<Member> = Vec::new();
        for entry in &parsed.tenant {
            check_tenant_name(file, &entry.name)?;
            if tenants.iter().any(|t: &Tenant| t.name == entry.name) {
                return Err(bad(
                    file,
                    format!("two [[tenant]] entries are named {:?}; names must be unique", entry.name),
                ));
            }
            let limit: RateLimit = match &entry.rate_limit {
                Some(text) => {
                    text.parse().map_err(|e: String| bad(file, format!("[[tenant]] {}: rate-limit {e}", entry.name)))?
                }
                None => RateLimit::default(),
            };
            if entry.api_key_env.is_some() && entry.api_key_file.is_some() {
                return Err(bad(
                    file,
                    format!("[[tenant]] {}: give api-key-env or api-key-file, not both", entry.name),
                ));
            }
            let tenant = Tenant {
                name: entry.name.clone(),
                api_url: entry.api_url.clone(),
                api_key_env: entry.api_key_env.clone(),
                api_key_file: entry.api_key_file.as_deref().map(resolve),
                ca_cert: entry.ca_cert.as_deref().map(resolve),
                insecure_http: entry.insecure_http,
                budget: RateBudget::new(limit),
            };
            let index = tenants.len();
            let projects: Vec<(String, Option<String>)> = match &entry.projects {
                ProjectsEntry::Word(word) if word == "all" => {
                    let client = tenant.client()?;
                    handover_migrate_tenant::store::list_projects(&client)
                        .map_err(|e| Error { message: format!("tenant {}: {}", tenant.name, e.message), ..e })?
                        .into_iter()
                        .map(|(id, name)| (id, Some(name)))
                        .collect()
                }
                ProjectsEntry::Word(word) => {
                    return Err(bad(
                        file,
                        format!("[[tenant]] {}: projects = {word:?}; use \"all\" or a list of project ids", entry.name),
                    ))
                }
                ProjectsEntry::List(ids) => ids.iter().map(|id| (id.clone(), None)).collect(),
            };
            for (id, name) in projects {
                let key = format!("{}/{id}", tenant.name);
                if members.iter().any(|m| m.key == key) {
                    continue;
                }
                members.push(Member {
                    key,
                    name,
                    tenant: Some(index),
                    project_id: Some(id.clone()),
                    clone: None,
                    settings: ProjectSettings::default(),
                    secret_scope: id,
                });
            }
            tenants.push(tenant);
        }
        let mut clones = Vec::new();
        for entry in &parsed.clones {
            let found = expand(&base, &entry.path)?;
            if found.is_empty() {
                return Err(bad(file, format!("[[clones]] path = {:?} matches no directory", entry.path)));
            }
            clones.extend(found);
        }
        clones.sort();
        clones.dedup();
        for dir in clones {
            let key = dir.display().to_string();
            let scope = ProjectConfig::load(&dir)
                .ok()
                .and_then(|c| c.project_id)
                .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| key.clone());
            members.push(Member {
                key,
                name: None,
                tenant: None,
                project_id: None,
                clone: Some(dir),
                settings: ProjectSettings::default(),
                secret_scope: scope,
            });
        }
        for (name, settings) in &parsed.project {
            let as_path = std::fs::canonicalize(resolve(Path::new(name))).ok();
            let mut matched = false;
            for member in &mut members {
                let hit = member.project_id.as_deref() == Some(name.as_str())
                    || member.key == *name
                    || (as_path.is_some()
                        && member.clone.as_ref().and_then(|c| std::fs::canonicalize(c).ok()) == as_path);
                if hit {
                    let mut settings = settings.clone();
                    settings.answers = settings.answers.as_deref().map(resolve);
                    member.settings = settings;
                    matched = true;
                }
            }
            if !matched {
                return Err(bad(
                    file,
                    format!(
                        "[project.{name:?}] names no project of the fleet (a project id of a tenant, or a clone path); \
                         the fleet's projects: {}",
                        members.iter().map(|m| m.key.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        if members.is_empty() {
            return Err(bad(file, "no projects: add [[tenant]] entries with projects, or [[clones]] paths"));
        }
        let state_dir = match &options.state_dir {
            Some(dir) => dir.clone(),
            None => {
                let canonical = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
                let digest = fsio::sha256_hex(canonical.to_string_lossy().as_bytes());
                let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let stem: String =
                    stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
                crate::context::user_state_dir().join("fleets").join(format!("{stem}-{}", &digest[..12]))
            }
        };
        Ok(Fleet {
            file: file.clone(),
            tenants,
            members,
            state_dir,
            plugins: options.plugins.clone(),
            prefer_plugin: options.prefer_plugin.clone(),
            isolation: options.isolation.clone(),
            trust_state: options.trust_state,
        })
    }

    /// The options of a single run on `member`: state where a single run keeps it, secrets
    /// scoped by the project, the tenant's shared budget.
    pub fn options(&self, member: &Member) -> Options {
        let tenant = member.tenant.map(|t| &self.tenants[t]).map(|tenant| TenantOptions {
            api_url: tenant.api_url.clone(),
            project_id: member.project_id.clone().unwrap_or_default(),
            api_key_file: tenant.api_key_file.clone(),
            api_key_env: tenant.api_key_env.clone(),
            ca_cert: tenant.ca_cert.clone(),
            rate_limit: None,
            budget: Some(tenant.budget.clone()),
            insecure_http: tenant.insecure_http,
        });
        Options {
            project: member.clone.clone(),
            tenant,
            state_dir: None,
            trust_state: self.trust_state,
            selector_key: member.settings.node_selector_key.clone(),
            endpoints: member.settings.endpoint.clone(),
            answers: member.settings.answers.clone(),
            plugins: self.plugins.clone(),
            prefer_plugin: self.prefer_plugin.clone(),
            secret_scope: Some(member.secret_scope.clone()),
            isolation: self.isolation.clone(),
        }
    }

    pub fn tenant_of(&self, member: &Member) -> Option<&Tenant> {
        member.tenant.map(|t| &self.tenants[t])
    }
}

impl Tenant {
    /// A client on the tenant's shared budget.
    fn client(&self) -> Result<Client> {
        let options = TenantOptions {
            api_url: self.api_url.clone(),
            api_key_file: self.api_key_file.clone(),
            api_key_env: self.api_key_env.clone(),
            ..Default::default()
        };
        let key = crate::context::api_key(&options)
            .map_err(|e| Error { message: format!("tenant {}: {}", self.name, e.message), ..e })?;
        Client::new(ApiConfig {
            base_url: self.api_url.clone(),
            api_key: key,
            ca_cert: self.ca_cert.clone(),
            rate_limit: self.budget.limit(),
            budget: Some(self.budget.clone()),
            max_retries: 6,
            timeout: std::time::Duration::from_secs(60),
            insecure_http: self.insecure_http,
        })
    }
}

/// A tenant's name labels output and state: a plain word.
fn check_tenant_name(file: &Path, name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok && name != "." && name != ".." {
        Ok(())
    } else {
        Err(bad(file, format!("[[tenant]] name = {name:?}: use letters, digits, `-`, `_` or `.`")))
    }
}

/// The directories a `[[clones]] path` names: a path, or a pattern with `*` and `?` in any
/// component (relative to the fleet file).
fn expand(base: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let pattern_path = Path::new(pattern);
    let mut current: Vec<PathBuf> =
        vec![if pattern_path.is_absolute() { PathBuf::from("/") } else { base.to_path_buf() }];
    for component in pattern_path.components() {
        use std::path::Component;
        let part = match component {
            Component::RootDir | Component::Prefix(_) => continue,
            Component::CurDir => continue,
            Component::ParentDir => {
                current = current.into_iter().map(|p| p.join("..")).collect();
                continue;
            }
            Component::Normal(part) => part.to_string_lossy().into_owned(),
        };
        let mut next = Vec::new();
        for dir in &current {
            if !part.contains(['*', '?']) {
                next.push(dir.join(&part));
                continue;
            }
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && wildcard(&part, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        current = next;
    }
    let mut dirs = Vec::new();
    for path in current {
        if fsio::entry(&path)? == Entry::Dir {
            dirs.push(path);
        }
    }
    Ok(dirs)
}

/// `*` (any run) and `?` (one character) matching.
fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(wildcard("*", "brand-a"));
        assert!(wildcard("brand-*", "brand-a"));
        assert!(wildcard("b?and-*a", "brand-xa"));
        assert!(!wildcard("brand-*", "other"));
        assert!(!wildcard("a?", "a"));
    }

    #[test]
    fn a_fleet_file_resolves_clones_globs_and_project_settings() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["brand-a", "brand-b", "other"] {
            std::fs::create_dir_all(dir.path().join("clones").join(name).join("endpoints")).unwrap();
        }
        std::fs::write(dir.path().join("clones/notes.txt"), "").unwrap();
        let file = dir.path().join("fleet.toml");
        std::fs::write(
            &file,
            "[[clones]]\npath = \"clones/brand-*\"\n[[clones]]\npath = \"clones/brand-a\"\n\
             [project.\"clones/brand-b\"]\nanswers = \"answers/b.toml\"\nto = \"salesforceMIAW\"\n",
        )
        .unwrap();
        let fleet = Fleet::open(&FleetOptions { file: file.clone(), ..Default::default() }).unwrap();
        let names: Vec<_> = fleet.members.iter().map(|m| m.secret_scope.as_str()).collect();
        assert_eq!(names, ["brand-a", "brand-b"]);
        assert_eq!(fleet.members[1].settings.to.as_deref(), Some("salesforceMIAW"));
        assert_eq!(fleet.members[1].settings.answers, Some(dir.path().join("answers/b.toml")));

        std::fs::write(&file, "[[clones]]\npath = \"clones/*\"\n[project.\"nope\"]\nto = \"x\"\n").unwrap();
        let err = Fleet::open(&FleetOptions { file: file.clone(), ..Default::default() }).err().unwrap();
        assert!(err.message.contains("[project.\"nope\"] names no project"), "{}", err.message);

        std::fs::write(&file, "[[tenant]]\nname = \"eu\"\napi-url = \"http://x\"\nprojects = \"some\"\n").unwrap();
        let err = Fleet::open(&FleetOptions { file: file.clone(), ..Default::default() }).err().unwrap();
        assert!(err.message.contains("use \"all\" or a list"), "{}", err.message);

        std::fs::write(&file, "[[tenant]]\nname = \"eu\"\napi-url = \"http://x\"\nprojects = []\nbogus = 1\n").unwrap();
        let err = Fleet::open(&FleetOptions { file, ..Default::default() }).err().unwrap();
        assert!(err.message.contains("bogus"), "{}", err.message);
    }
}
