//! Finding third-party provider files, checking their pins and loading them.
//!
//! Three kinds of plugin file, all ending up as a [`Registered`] provider:
//!
//! - **Rust** (`*.so`): a `cdylib` built with `handover_migrate_core::export_provider!`; an
//!   abi_stable root module (see [`crate::dynamic`]).
//! - **C** (`*.so`): any shared library implementing `docs/handover-migrate-plugin.h`.
//! - **Declarative** (`*.toml`, or `*.json` given by path): a mapping file that becomes a
//!   `SpecProvider` (see [`crate::declarative`]).
//!
//! Where plugins come from, in this order: every `--plugin PATH`, each entry of
//! `HANDOVER_MIGRATE_PLUGIN_PATH` (colon-separated), then the per-user directory
//! `$XDG_DATA_HOME/handover-migrate/plugins` (default `~/.local/share/handover-migrate/plugins`).
//! A path is a file, or a directory whose `*.so` and `*.toml` files are loaded (sorted by
//! name). The same file reached twice is loaded once.
//!
//! Trust is explicit. A file named by `--plugin` or `HANDOVER_MIGRATE_PLUGIN_PATH` loads; a
//! file in the per-user directory loads only when the user's pin file pins it (unpinned
//! ones are listed, with the command that pins them). The user's pin file
//! (`handover-migrate-plugins.lock` in the per-user directory) governs every plugin when it
//! exists; the project's pin file can only narrow that (a file it does not list, or lists
//! with another hash, is refused), never admit one. Before anything is loaded, the file and
//! its directories must pass ssh's `StrictModes` rule, and the bytes loaded are the bytes
//! hashed (see [`crate::trust`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use handover_migrate_core::protocol::ContractVersion;
use handover_migrate_core::ProviderInfo;

use handover_migrate_io::{Error, Result};

use crate::isolated::{self, Isolation};
use crate::pins::{PluginLock, LOCK_FILE};
use crate::registry::{PluginFormat, Registered, Source};
use crate::{declarative, dynamic, trust};

/// The environment variable holding extra plugin paths.
pub const PATH_ENV: &str = "HANDOVER_MIGRATE_PLUGIN_PATH";

/// Where to look for plugins and for the lock file that pins them.
#[derive(Clone, Debug, Default)]
pub struct PluginSources {
    /// `--plugin PATH`, in order. Each must exist.
    pub explicit: Vec<PathBuf>,
    /// `HANDOVER_MIGRATE_PLUGIN_PATH` entries. Missing entries are skipped with a warning.
    pub env_path: Vec<PathBuf>,
    /// The per-user plugin directory, if there is one (skipped when missing).
    pub user_dir: Option<PathBuf>,
    /// The user's pin file (it governs when it exists).
    pub user_lock: Option<PathBuf>,
    /// The project's pin file: it can only narrow what the user's allows.
    pub project_lock: Option<PathBuf>,
    /// How native (Rust and C) plugins run; declarative ones always run in process.
    pub isolation: Isolation,
}

impl PluginSources {
    /// The usual sources: `--plugin` paths, the environment variable, the per-user directory;
    /// the per-user pin file and the pin file of `project` (if given).
    pub fn discover(explicit: Vec<PathBuf>, project: Option<&Path>) -> Self {
        let env_path = std::env::var_os(PATH_ENV).map(|value| split_path_list(&value)).unwrap_or_default();
        let user_dir = user_plugin_dir();
        let user_lock = user_dir.as_ref().map(|dir| dir.join(LOCK_FILE));
        let project_lock = project.map(|project| project.join(LOCK_FILE));
        Self { explicit, env_path, user_dir, user_lock, project_lock, isolation: Isolation::InProcess }
    }

    /// Only these files, no environment, no per-user directory, no lock (tests, benchmarks).
    pub fn only(explicit: Vec<PathBuf>) -> Self {
        Self { explicit, ..Self::default() }
    }
}

/// `$XDG_DATA_HOME/handover-migrate/plugins`, or `$HOME/.local/share/handover-migrate/plugins`.
pub fn user_plugin_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| Path::new(&h).join(".local/share")))?;
    Some(data.join("handover-migrate").join("plugins"))
}

/// Split a `PATH`-style list (`:`-separated; empty entries ignored).
pub fn split_path_list(value: &OsString) -> Vec<PathBuf> {
    std::env::split_paths(value).filter(|p| !p.as_os_str().is_empty()).collect()
}

/// Where a candidate file was found, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Flag,
    Env,
    UserDir,
}

impl Origin {
    fn describe(self) -> &'static str {
        match self {
            Origin::Flag => "--plugin",
            Origin::Env => PATH_ENV,
            Origin::UserDir => "the per-user plugin directory",
        }
    }
}

fn is_declarative(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "json"))
}

/// Files a directory contributes: `*.so` (the platform's library suffix) and `*.toml`, sorted.
fn directory_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read the plugin directory", dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the plugin directory", dir, e))?;
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if (extension == std::env::consts::DLL_EXTENSION || extension == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every plugin file, canonical and de-duplicated, with where it was found.
fn candidates(sources: &PluginSources) -> Result<Vec<(PathBuf, Origin)>> {
    fn add(found: &mut Vec<(PathBuf, Origin)>, path: &Path, origin: Origin) -> Result<()> {
        let canonical = std::fs::canonicalize(path)
            .map_err(|e| Error::usage(format!("plugin {} (from {}): {e}", path.display(), origin.describe())))?;
        if !found.iter().any(|(p, _)| *p == canonical) {
            found.push((canonical, origin));
        }
        Ok(())
    }
    fn walk(found: &mut Vec<(PathBuf, Origin)>, path: &Path, origin: Origin) -> Result<()> {
        if path.is_dir() {
            for file in directory_files(path)? {
                add(found, &file, origin)?;
            }
            Ok(())
        } else {
            add(found, path, origin)
        }
    }
    let mut found = Vec::new();
    for path in &sources.explicit {
        if !path.exists() {
            return Err(Error::usage(format!("--plugin {}: no such file or directory", path.display())));
        }
        walk(&mut found, path, Origin::Flag)?;
    }
    for path in &sources.env_path {
        if !path.exists() {
            tracing::warn!("{PATH_ENV} names {}, which does not exist; skipped", path.display());
            continue;
        }
        walk(&mut found, path, Origin::Env)?;
    }
    if let Some(dir) = &sources.user_dir {
        if dir.is_dir() {
            walk(&mut found, dir, Origin::UserDir)?;
        }
    }
    Ok(found)
}

/// A file in the per-user plugin directory that was not loaded because the user's pin file
/// does not pin it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpinned {
    pub path: PathBuf,
    /// The user's pin file the line goes into.
    pub lock: PathBuf,
}

impl Unpinned {
    /// The shell command that pins the file (after the user has reviewed it).
    pub fn pin_command(&self) -> String {
        format!("sha256sum {} >> {}", shell_quote(&self.path), shell_quote(&self.lock))
    }
}

fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c)) {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// What discovery found: the loaded plugins, and the per-user files it left alone.
#[derive(Default)]
pub struct Discovered {
    pub plugins: Vec<Registered>,
    pub unpinned: Vec<Unpinned>,
}

/// The user's pin file, if there is one, after the writer checks a plugin gets.
fn load_user_lock(path: &Path) -> Result<Option<PluginLock>> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("inspect the plugin pin file", path, e)),
        Ok(_) => {
            let canonical =
                std::fs::canonicalize(path).map_err(|e| Error::io("resolve the plugin pin file", path, e))?;
            let file = trust::open_checked(&canonical, "plugin pin file")?;
            let text = String::from_utf8(file.bytes)
                .map_err(|_| Error::usage(format!("plugin pin file {}: not UTF-8 text", path.display())))?;
            PluginLock::parse(&text, path).map(Some)
        }
    }
}

/// Discover, pin-check and load every plugin, in discovery order.
pub fn load_all(sources: &PluginSources) -> Result<Discovered> {
    let files = candidates(sources)?;
    if files.is_empty() {
        return Ok(Discovered::default());
    }
    let user_lock = match &sources.user_lock {
        Some(path) => load_user_lock(path)?,
        None => None,
    };
    // The project's pin file can only refuse, so it needs no writer check.
    let project_lock = match sources.project_lock.as_deref().filter(|p| p.is_file()) {
        Some(path) => Some(PluginLock::load(path)?),
        None => None,
    };
    let mut found = Discovered::default();
    for (path, origin) in files {
        if origin == Origin::UserDir && !user_lock.as_ref().is_some_and(|lock| lock.pins(&path)) {
            let unpinned = Unpinned {
                path: path.clone(),
                lock: sources.user_lock.clone().unwrap_or_else(|| PathBuf::from(LOCK_FILE)),
            };
            tracing::warn!(
                "plugin {} in the per-user plugin directory is not pinned, so it was not loaded; after reviewing \
                 it, pin it with: {}",
                path.display(),
                unpinned.pin_command()
            );
            found.unpinned.push(unpinned);
            continue;
        }
        let checked = trust::open_checked(&path, "plugin")?;
        let sha256 = checked.sha256.clone();
        for lock in user_lock.iter().chain(&project_lock) {
            lock.check(&path, &sha256)?;
        }
        tracing::info!("loading plugin {} (from {}, sha256 {sha256})", path.display(), origin.describe());
        let entry = if is_declarative(&path) {
            let provider = declarative::load(&path, &checked.bytes)?;
            let source = Source::File { path: path.clone(), sha256, format: PluginFormat::Declarative };
            Registered::native(Box::new(provider), source)
        } else {
            let load_path = trust::loadable_copy(&path, &checked.bytes)?;
            drop(checked);
            match &sources.isolation {
                Isolation::InProcess => dynamic::load(&path, &load_path, sha256)?,
                Isolation::Process(settings) => isolated::load(&path, &load_path, sha256, settings)?,
            }
        };
        check_info(&path, &entry.info)?;
        found.plugins.push(entry);
    }
    Ok(found)
}

/// The host's contract version check, shared by every plugin kind: one message naming the
/// file, both versions and the fix.
pub fn check_contract(path: &Path, plugin_version: &str) -> Result<()> {
    let host = ContractVersion::current();
    let fix = format!(
        "rebuild the plugin against handover-migrate-core {} (contract {host}), or use a handover-migrate \
         release whose contract is {plugin_version}",
        env!("CARGO_PKG_VERSION")
    );
    match ContractVersion::parse(plugin_version) {
        Some(plugin) if host.accepts(plugin) => Ok(()),
        Some(_) => Err(Error::failed(format!(
            "plugin {} was built against provider contract {plugin_version}, but this handover-migrate speaks \
             contract {host} (it accepts {}.0 to {host}); it was not loaded. Fix: {fix}",
            path.display(),
            host.major
        ))),
        None => Err(Error::failed(format!(
            "plugin {} reports provider contract {plugin_version:?}, which is not a MAJOR.MINOR version; this \
             handover-migrate speaks contract {host}. It was not loaded. Fix: {fix}",
            path.display()
        ))),
    }
}

/// What a plugin says about itself must be usable: a name, at least one pair, no pair twice.
fn check_info(path: &Path, info: &ProviderInfo) -> Result<()> {
    let problem = |what: String| {
        Err(Error::failed(format!(
            "plugin {} describes itself wrongly: {what}; it was not loaded. Report this to its authors",
            path.display()
        )))
    };
    if info.name.trim().is_empty() {
        return problem("its name is empty".into());
    }
    if info.pairs.is_empty() {
        return problem("it declares no migration pair (legacy kind → service)".into());
    }
    for (index, pair) in info.pairs.iter().enumerate() {
        let kinds = [&pair.pair.source_kind, &pair.pair.target_service];
        if kinds.iter().any(|k| k.trim().is_empty() || k.chars().any(|c| c.is_whitespace() || c.is_control())) {
            return problem(format!(
                "pair #{} has an empty or blank legacy kind or service ({})",
                index + 1,
                pair.pair
            ));
        }
        // The display name becomes part of provider folder names: the same rules as every
        // provider name, so `../../escaped` cannot write outside the project.
        if let Err(why) = handover_migrate_core::names::check_provider_name(&pair.display_name) {
            return problem(format!("the display name {:?} of {} {why}", pair.display_name, pair.pair));
        }
        if info.pairs[..index].iter().any(|p| p.pair == pair.pair) {
            return problem(format!("it declares {} twice", pair.pair));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_lists_split_on_colons_and_skip_empty_entries() {
        let list = split_path_list(&OsString::from("/a::/b/c.so:"));
        assert_eq!(list, [PathBuf::from("/a"), PathBuf::from("/b/c.so")]);
    }

    #[test]
    fn contract_mismatch_names_file_both_versions_and_the_fix() {
        let error = check_contract(Path::new("/p/libx.so"), "99.0").unwrap_err();
        for needle in ["/p/libx.so", "99.0", handover_migrate_core::CONTRACT_VERSION, "rebuild the plugin against"] {
            assert!(error.message.contains(needle), "{needle}: {}", error.message);
        }
        assert!(check_contract(Path::new("x"), handover_migrate_core::CONTRACT_VERSION).is_ok());
        assert!(check_contract(Path::new("x"), "banana").is_err());
    }

    #[test]
    fn directories_contribute_libraries_and_toml_files_sorted_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.toml", "a.so", "notes.txt", "c.json"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let sources = PluginSources {
            explicit: vec![dir.path().join("b.toml")],
            env_path: vec![dir.path().to_path_buf(), dir.path().join("missing")],
            ..Default::default()
        };
        let found: Vec<String> = candidates(&sources)
            .unwrap()
            .into_iter()
            .map(|(p, o)| format!("{}:{o:?}", p.file_name().unwrap().to_string_lossy()))
            .collect();
        assert_eq!(found, ["b.toml:Flag", "a.so:Env"]);
        let missing = PluginSources::only(vec![dir.path().join("nope.so")]);
        assert!(candidates(&missing).unwrap_err().message.contains("no such file"));
    }
}
