//! The providers this run knows: built-ins and loaded plugins, looked up by pair.
//!
//! The engine never calls a provider directly: it goes through [`Registered`], whose hooks
//! are fallible and catch panics, so a failing provider becomes an error that names the
//! provider, where it came from and the hook, and the project is left unchanged. A
//! `Registered` is backed either by a native `Box<dyn ProviderMigration>` (built-ins and
//! declarative plugins) or by a dynamic plugin, whose hooks serialize the request, call
//! into the library and deserialize the response.
//!
//! [`Registry::add`] holds the duplicate-pair policy: a pair supplied twice is refused
//! unless the user prefers one explicitly ([`Preference`]). [`crate::load_registry`] is
//! the one place a run's registry is built.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use handover_migrate_core::protocol::{hooks, MapSettingsResponse, PluginError, RewriteNodeResponse};
use handover_migrate_core::{
    Finding, ManualStep, ManualStepsRequest, MapSettingsRequest, MigrationPair, NodeRewrite, NodeRewriteRequest,
    PairInfo, ProviderDraft, ProviderInfo, ProviderMigration, RetargetNodeRequest, SettingsIssue, VerifyRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use handover_migrate_io::{Error, Result};

use crate::isolated::{IsolationState, SandboxState};

/// Where a provider comes from, for `providers list` and error messages.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Source {
    BuiltIn,
    /// A plugin file: its canonical path and SHA-256 at load time.
    File {
        path: PathBuf,
        sha256: String,
        format: PluginFormat,
    },
}

/// What kind of plugin file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginFormat {
    /// A Rust `cdylib` exporting the abi_stable root module (`export_provider!`).
    Rust,
    /// A shared library implementing `docs/handover-migrate-plugin.h`.
    C,
    /// A TOML or JSON mapping file.
    Declarative,
}

impl PluginFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginFormat::Rust => "rust",
            PluginFormat::C => "c",
            PluginFormat::Declarative => "declarative",
        }
    }
}

/// A dynamic plugin's entry point: `call(hook, request_json)`.
pub trait Transport: Send + Sync {
    fn call(&self, hook: &str, request: &str) -> std::result::Result<String, CallFailure>;

    /// Whether answering many requests at once ([`Transport::call_many`]) saves anything
    /// over calling one by one: true for a runner process (one round trip between two
    /// processes instead of one per request), false in process.
    fn batches(&self) -> bool {
        false
    }

    /// Answer `requests` of one hook, in order, each as [`Transport::call`] would.
    fn call_many(&self, hook: &str, requests: &[&str]) -> Vec<std::result::Result<String, CallFailure>> {
        requests.iter().map(|request| self.call(hook, request)).collect()
    }
}

/// Why a plugin call produced no response.
#[derive(Debug)]
pub enum CallFailure {
    /// The plugin reported an error (a caught panic included).
    Plugin(PluginError),
    /// The plugin broke the protocol (no response, not UTF-8, an unparseable error).
    Protocol(String),
    /// An isolated plugin's process failed (crash, abort, timeout, memory limit, an answer
    /// too large or not of the runner protocol): what happened, for the error message.
    Runner(String),
}

pub(crate) enum Backend {
    Native(Box<dyn ProviderMigration>),
    /// A loaded library, with the answers it already gave: hooks are pure (the contract is
    /// data in, data out), so an identical request — common when nodes were copied between
    /// flows — is answered from memory instead of another JSON round trip.
    Dynamic(Box<dyn Transport>, Memo),
}

/// A plugin's answers by hook and request JSON. Keyed per hook so that a lookup borrows
/// the request instead of building a key: on a project whose requests are all distinct,
/// every call looks up once and misses.
#[derive(Default)]
pub(crate) struct Memo(std::sync::Mutex<std::collections::HashMap<String, std::collections::HashMap<String, String>>>);

/// One plugin's remembered answers, locked.
pub(crate) type MemoGuard<'a> =
    std::sync::MutexGuard<'a, std::collections::HashMap<String, std::collections::HashMap<String, String>>>;

impl Memo {
    /// The memo, locked; `None` if a panic poisoned it (then nothing is remembered).
    pub(crate) fn lock(&self) -> Option<MemoGuard<'_>> {
        self.0.lock().ok()
    }

    fn get(&self, hook: &str, request: &str) -> Option<String> {
        self.lock()?.get(hook)?.get(request).cloned()
    }

    fn insert(&self, hook: &str, request: String, response: String) {
        if let Some(mut memo) = self.lock() {
            remember(&mut memo, hook, request, response);
        }
    }
}

/// Keep `response` as the answer to `request` of `hook`, unless one is kept already.
pub(crate) fn remember(memo: &mut MemoGuard<'_>, hook: &str, request: String, response: String) {
    let answers = match memo.get_mut(hook) {
        Some(answers) => answers,
        None => memo.entry(hook.to_string()).or_default(),
    };
    answers.entry(request).or_insert(response);
}

/// A pair this provider took over from another one because the user preferred it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Replaced {
    pub pair: MigrationPair,
    /// [`Registered::source_label`] of the provider it replaced.
    pub replaced: String,
}

pub struct Registered {
    pub(crate) backend: Backend,
    pub info: ProviderInfo,
    pub source: Source,
    /// Pairs this provider serves in place of another one (`--prefer-plugin`).
    pub replaced: Vec<Replaced>,
    /// In this process, or in a sandboxed runner process (and how sandboxed).
    pub isolation: IsolationState,
}

impl Registered {
    /// A native provider (built-in, or a declarative plugin with `source`).
    pub fn native(provider: Box<dyn ProviderMigration>, source: Source) -> Self {
        Self {
            info: provider.info(),
            backend: Backend::Native(provider),
            source,
            replaced: Vec::new(),
            isolation: IsolationState::InProcess,
        }
    }

    pub(crate) fn dynamic(transport: Box<dyn Transport>, info: ProviderInfo, source: Source) -> Self {
        Self {
            backend: Backend::Dynamic(transport, Default::default()),
            info,
            source,
            replaced: Vec::new(),
            isolation: IsolationState::InProcess,
        }
    }

    /// A native plugin served by its own runner process.
    pub(crate) fn isolated(
        transport: Box<dyn Transport>,
        info: ProviderInfo,
        source: Source,
        sandbox: SandboxState,
    ) -> Self {
        Self { isolation: IsolationState::Process { sandbox }, ..Self::dynamic(transport, info, source) }
    }

    /// The one rendering of where a provider comes from: `built-in` or `<format> plugin <path>`.
    pub fn source_label(&self) -> String {
        source_label(&self.source)
    }

    /// SHA-256 of the plugin file (none for built-ins).
    pub fn sha256(&self) -> Option<&str> {
        match &self.source {
            Source::BuiltIn => None,
            Source::File { sha256, .. } => Some(sha256),
        }
    }

    /// The plugin file (none for built-ins).
    pub fn file(&self) -> Option<&Path> {
        match &self.source {
            Source::BuiltIn => None,
            Source::File { path, .. } => Some(path),
        }
    }

    fn who(&self) -> String {
        format!("provider `{}` ({})", self.info.name, self.source_label())
    }

    fn panicked(&self, hook: &str, detail: &str) -> Error {
        Error::failed(format!(
            "{} panicked in {hook}: {detail}; nothing was written. Report this to the provider's authors",
            self.who()
        ))
    }

    fn guarded<T>(&self, hook: &str, call: impl FnOnce() -> T) -> Result<T> {
        catch_unwind(AssertUnwindSafe(call))
            .map_err(|panic| self.panicked(hook, &handover_migrate_core::plugin::panic_message(panic.as_ref())))
    }

    /// Call a hook on either backend; `native` answers for a native provider, a dynamic
    /// plugin answers with `Resp` as JSON, converted by `from_response`.
    fn hook<Req, Resp, T>(
        &self,
        hook: &str,
        request: &Req,
        native: impl FnOnce(&dyn ProviderMigration) -> T,
        from_response: impl FnOnce(Resp) -> T,
    ) -> Result<T>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        self.hook_or(hook, request, native, from_response, None)
    }

    /// [`Self::hook`] for an optional hook: a dynamic plugin that answers
    /// [`PluginError::UNKNOWN_HOOK`] gets `unknown()` (the contract's default) instead.
    fn hook_or<Req, Resp, T>(
        &self,
        hook: &str,
        request: &Req,
        native: impl FnOnce(&dyn ProviderMigration) -> T,
        from_response: impl FnOnce(Resp) -> T,
        unknown: Option<&dyn Fn() -> T>,
    ) -> Result<T>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        let (transport, answers) = match &self.backend {
            Backend::Native(provider) => return self.guarded(hook, || native(provider.as_ref())),
            Backend::Dynamic(transport, answers) => (transport, answers),
        };
        let request = serde_json::to_string(request)
            .map_err(|e| Error::failed(format!("cannot serialize the {hook} request for {}: {e}", self.who())))?;
        let (response, fresh) = match answers.get(hook, &request) {
            Some(response) => (response, false),
            None => match self.guarded(hook, || transport.call(hook, &request))? {
                Ok(response) => (response, true),
                Err(failure) => return self.call_failed(hook, failure, unknown),
            },
        };
        let parsed: Resp = serde_json::from_str(&response).map_err(|e| {
            Error::failed(format!(
                "{} returned malformed data from {hook}: {e}; nothing was written. The plugin does not speak \
                 contract {} correctly: report this to its authors",
                self.who(),
                handover_migrate_core::CONTRACT_VERSION
            ))
        })?;
        if fresh {
            answers.insert(hook, request, response);
        }
        Ok(from_response(parsed))
    }

    /// The error for a call that produced no response, or the contract's default for an
    /// optional hook the plugin does not know.
    fn call_failed<T>(&self, hook: &str, failure: CallFailure, unknown: Option<&dyn Fn() -> T>) -> Result<T> {
        Err(match failure {
            CallFailure::Plugin(error) if error.code == PluginError::PANIC => self.panicked(hook, &error.message),
            CallFailure::Plugin(error) => {
                if let (true, Some(default)) = (error.code == PluginError::UNKNOWN_HOOK, unknown) {
                    return Ok(default());
                }
                Error::failed(format!(
                    "{} failed in {hook}: {} [{}]; nothing was written",
                    self.who(),
                    error.message,
                    error.code
                ))
            }
            CallFailure::Protocol(problem) => Error::failed(format!(
                "{} broke the plugin protocol in {hook}: {problem}; nothing was written",
                self.who()
            )),
            CallFailure::Runner(what) => Error::failed(format!(
                "{} failed in {hook}: {what}; nothing was written. Report this to the plugin's authors",
                self.who()
            )),
        })
    }

    pub fn map_settings(&self, request: &MapSettingsRequest) -> Result<Result<ProviderDraft, Vec<SettingsIssue>>> {
        self.hook(hooks::MAP_SETTINGS, request, |p| p.map_settings(request), |r: MapSettingsResponse| r.into())
    }

    pub fn manual_steps(&self, request: &ManualStepsRequest) -> Result<Vec<ManualStep>> {
        self.hook(hooks::MANUAL_STEPS, request, |p| p.manual_steps(request), |r: Vec<ManualStep>| r)
    }

    pub fn rewrite_node(&self, request: &NodeRewriteRequest) -> Result<NodeRewrite> {
        let result: std::result::Result<NodeRewrite, String> =
            self.hook(hooks::REWRITE_NODE, request, |p| p.rewrite_node(request), |r: RewriteNodeResponse| r.into())?;
        result.map_err(|message| {
            Error::failed(format!("provider `{}` could not rewrite a node: {message}", self.info.name))
        })
    }

    pub fn verify(&self, request: &VerifyRequest) -> Result<Vec<Finding>> {
        self.hook(hooks::VERIFY, request, |p| p.verify(request), |r: Vec<Finding>| r)
    }

    /// The optional `retarget_node` hook (contract 1.1). A plugin that does not know it
    /// (built against contract 1.0) gets the contract's default,
    /// [`handover_migrate_core::retarget_by_node_fields`], computed here from its pair info.
    pub fn retarget_node(&self, request: &RetargetNodeRequest) -> Result<NodeRewrite> {
        let default = || {
            let fields = self
                .info
                .pairs
                .iter()
                .find(|p| p.pair == request.pair)
                .map(|p| p.node_fields.clone())
                .unwrap_or_default();
            Ok(handover_migrate_core::retarget_by_node_fields(request, &fields))
        };
        let result: std::result::Result<NodeRewrite, String> = self.hook_or(
            hooks::RETARGET_NODE,
            request,
            |p| p.retarget_node(request),
            |r: RewriteNodeResponse| r.into(),
            Some(&default),
        )?;
        result.map_err(|message| {
            Error::failed(format!("provider `{}` could not retarget a node: {message}", self.info.name))
        })
    }
}

/// See [`Registered::source_label`].
pub fn source_label(source: &Source) -> String {
    match source {
        Source::BuiltIn => "built-in".to_string(),
        Source::File { path, format, .. } => format!("{} plugin {}", format.as_str(), path.display()),
    }
}

#[derive(Default)]
pub struct Registry {
    entries: Vec<Registered>,
    /// Files in the per-user plugin directory left unloaded because nothing pins them.
    pub unpinned: Vec<crate::discovery::Unpinned>,
}

impl Registry {
    /// Every built-in provider registered through `inventory`, and nothing else.
    pub fn builtin() -> Self {
        Self::from_builtin(handover_migrate_core::builtin_providers())
    }

    pub fn from_builtin(builtin: Vec<Box<dyn ProviderMigration>>) -> Self {
        let entries = builtin.into_iter().map(|p| Registered::native(p, Source::BuiltIn)).collect();
        Self { entries, unpinned: Vec::new() }
    }

    /// Add one provider, resolving pairs another provider already supplies.
    pub fn add(&mut self, mut new: Registered, prefer: &[Preference]) -> Result<()> {
        let pairs: Vec<MigrationPair> = new.info.pairs.iter().map(|p| p.pair.clone()).collect();
        for pair in pairs {
            let Some(owner) = self.entries.iter().position(|e| e.info.pairs.iter().any(|p| p.pair == pair)) else {
                continue;
            };
            let preference = prefer.iter().find(|p| p.kind == pair.source_kind);
            let new_wins = match preference {
                None => {
                    return Err(Error::usage(format!(
                        "{} is supplied twice: by {} and by {}. A plugin may not silently replace another \
                         provider's kind: remove one of them, or choose explicitly with --prefer-plugin {}{}",
                        describe_pair(&pair),
                        self.entries[owner].source_label(),
                        new.source_label(),
                        pair.source_kind,
                        if self.entries[owner].file().is_some() {
                            "=PATH (PATH being the plugin file to use)".to_string()
                        } else {
                            String::new()
                        }
                    )));
                }
                Some(preference) => preference.picks(&new, &self.entries[owner], &pair)?,
            };
            let (winner, loser_label) = if new_wins {
                let label = self.entries[owner].source_label();
                self.entries[owner].info.pairs.retain(|p| p.pair != pair);
                (&mut new, label)
            } else {
                let label = new.source_label();
                new.info.pairs.retain(|p| p.pair != pair);
                (&mut self.entries[owner], label)
            };
            winner.replaced.push(Replaced { pair: pair.clone(), replaced: loser_label });
        }
        // A built-in left without pairs stays out of the way; so does a plugin.
        self.entries.retain(|e| !e.info.pairs.is_empty());
        if !new.info.pairs.is_empty() {
            self.entries.push(new);
        }
        Ok(())
    }

    /// Every preference must name a loaded plugin that supplies its kind.
    pub fn check_preferences(&self, prefer: &[Preference]) -> Result<()> {
        for preference in prefer {
            let served = self.entries.iter().any(|e| {
                e.file().is_some_and(|file| preference.file.as_deref().is_none_or(|want| want == file))
                    && e.info.pairs.iter().any(|p| p.pair.source_kind == preference.kind)
            });
            if !served {
                return Err(Error::usage(format!(
                    "--prefer-plugin {preference}: no loaded plugin{} supplies legacy kind `{}`; load it with \
                     --plugin PATH (loaded plugins: {})",
                    preference.file.as_ref().map(|f| format!(" at {}", f.display())).unwrap_or_default(),
                    preference.kind,
                    self.plugin_files_list()
                )));
            }
        }
        Ok(())
    }

    fn plugin_files_list(&self) -> String {
        let files: Vec<String> =
            self.entries.iter().filter_map(|e| e.file()).map(|f| f.display().to_string()).collect();
        if files.is_empty() {
            "none".into()
        } else {
            files.join(", ")
        }
    }

    pub fn entries(&self) -> &[Registered] {
        &self.entries
    }

    /// The provider and pair description for a pair.
    pub fn find(&self, pair: &MigrationPair) -> Option<(&Registered, &PairInfo)> {
        self.entries
            .iter()
            .find_map(|entry| entry.info.pairs.iter().find(|p| &p.pair == pair).map(|info| (entry, info)))
    }

    /// The default pair for a legacy kind: to its own service.
    pub fn default_pair(&self, kind: &str) -> Option<MigrationPair> {
        let pair = MigrationPair::same(kind);
        self.find(&pair).map(|_| pair)
    }

    /// The pair whose target is `service` (to verify an existing provider file).
    pub fn pair_for_service(&self, service: &str) -> Option<MigrationPair> {
        let same = MigrationPair::same(service);
        if self.find(&same).is_some() {
            return Some(same);
        }
        self.entries
            .iter()
            .flat_map(|e| &e.info.pairs)
            .find(|p| p.pair.target_service == service)
            .map(|p| p.pair.clone())
    }

    /// Every supported pair, sorted.
    pub fn pairs(&self) -> Vec<MigrationPair> {
        let mut pairs: Vec<_> = self.entries.iter().flat_map(|e| e.info.pairs.iter().map(|p| p.pair.clone())).collect();
        pairs.sort();
        pairs
    }

    /// The supported pairs as one line (`chatwoot → chatwoot, salesforce → salesforceMIAW, …`),
    /// for refusals.
    pub fn pairs_list(&self) -> String {
        let pairs: Vec<String> = self.pairs().iter().map(ToString::to_string).collect();
        if pairs.is_empty() {
            "none".into()
        } else {
            pairs.join(", ")
        }
    }

    /// Every target service some pair migrates to, sorted.
    pub fn target_services(&self) -> Vec<String> {
        let mut services: Vec<String> = self.pairs().into_iter().map(|p| p.target_service).collect();
        services.sort();
        services.dedup();
        services
    }
}

fn describe_pair(pair: &MigrationPair) -> String {
    if pair.source_kind == pair.target_service {
        format!("legacy kind `{}`", pair.source_kind)
    } else {
        format!("legacy kind `{}` (→ service `{}`)", pair.source_kind, pair.target_service)
    }
}

/// `--prefer-plugin KIND` or `--prefer-plugin KIND=PATH`: when a plugin supplies a legacy
/// kind another provider supplies too, use the plugin (the one at PATH, if given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preference {
    pub kind: String,
    pub file: Option<PathBuf>,
}

impl Preference {
    pub fn parse(text: &str) -> Result<Self> {
        let (kind, file) = match text.split_once('=') {
            Some((kind, file)) => (kind.trim(), Some(file.trim())),
            None => (text.trim(), None),
        };
        if kind.is_empty() || file.is_some_and(str::is_empty) {
            return Err(Error::usage(format!("--prefer-plugin {text:?}: expected KIND or KIND=PATH")));
        }
        let file = file.map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| PathBuf::from(f)));
        Ok(Self { kind: kind.to_string(), file })
    }

    /// Whether `new` (a plugin being added) wins `pair` over `owner`, which already has it.
    fn picks(&self, new: &Registered, owner: &Registered, pair: &handover_migrate_core::MigrationPair) -> Result<bool> {
        match &self.file {
            Some(want) if new.file() == Some(want.as_path()) => Ok(true),
            Some(want) if owner.file() == Some(want.as_path()) => Ok(false),
            Some(want) => Err(Error::usage(format!(
                "--prefer-plugin {self}: legacy kind `{}` is supplied by {} and by {}, neither of which is {}",
                pair.source_kind,
                owner.source_label(),
                new.source_label(),
                want.display()
            ))),
            None if owner.file().is_none() => Ok(true),
            None => Err(Error::usage(format!(
                "--prefer-plugin {self}: legacy kind `{}` is supplied by two plugins, {} and {}; name the one to \
                 use with --prefer-plugin {}=PATH",
                pair.source_kind,
                owner.source_label(),
                new.source_label(),
                pair.source_kind
            ))),
        }
    }
}

impl fmt::Display for Preference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}={}", self.kind, file.display()),
            None => f.write_str(&self.kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handover_migrate_core::spec::SpecProvider;

    fn spec_provider(name: &str, kinds: &[&str]) -> Box<dyn ProviderMigration> {
        let mut specs = Vec::new();
        for kind in kinds {
            let mut spec = handover_migrate_live_agent::pair_spec();
            spec.pair = MigrationPair::same(*kind);
            specs.push(spec);
        }
        Box::new(SpecProvider { name: name.into(), version: "1".into(), specs })
    }

    fn file_source(name: &str) -> Source {
        Source::File {
            path: PathBuf::from(format!("/plugins/{name}.toml")),
            sha256: "0".repeat(64),
            format: PluginFormat::Declarative,
        }
    }

    fn registry() -> Registry {
        Registry::from_builtin(vec![spec_provider("built", &["liveAgent", "chatwoot"])])
    }

    #[test]
    fn a_duplicate_pair_is_refused_naming_both_sources() {
        let mut registry = registry();
        let plugin = Registered::native(spec_provider("mine", &["liveAgent"]), file_source("mine"));
        let error = registry.add(plugin, &[]).expect_err("refused");
        assert!(error.message.contains("built-in"), "{}", error.message);
        assert!(error.message.contains("/plugins/mine.toml"), "{}", error.message);
        assert!(error.message.contains("--prefer-plugin liveAgent"), "{}", error.message);
    }

    #[test]
    fn a_preferred_plugin_takes_only_the_preferred_pair() {
        let mut registry = registry();
        let plugin = Registered::native(spec_provider("mine", &["liveAgent", "newKind"]), file_source("mine"));
        registry.add(plugin, &[Preference::parse("liveAgent").unwrap()]).unwrap();
        let (owner, _) = registry.find(&MigrationPair::same("liveAgent")).unwrap();
        assert_eq!(owner.info.name, "mine");
        assert_eq!(owner.replaced[0].replaced, "built-in");
        assert_eq!(registry.find(&MigrationPair::same("chatwoot")).unwrap().0.info.name, "built");
        assert_eq!(registry.find(&MigrationPair::same("newKind")).unwrap().0.info.name, "mine");
    }

    #[test]
    fn two_plugins_for_one_kind_need_the_file_named() {
        let mut registry = registry();
        let a = Registered::native(spec_provider("a", &["x"]), file_source("a"));
        let b = Registered::native(spec_provider("b", &["x"]), file_source("b"));
        registry.add(a, &[]).unwrap();
        let error = registry.add(b, &[Preference::parse("x").unwrap()]).expect_err("ambiguous");
        assert!(
            error.message.contains("/plugins/a.toml") && error.message.contains("/plugins/b.toml"),
            "{}",
            error.message
        );

        let mut registry = self::registry();
        let a = Registered::native(spec_provider("a", &["x"]), file_source("a"));
        let b = Registered::native(spec_provider("b", &["x"]), file_source("b"));
        let prefer = [Preference::parse("x=/plugins/a.toml").unwrap()];
        registry.add(a, &prefer).unwrap();
        registry.add(b, &prefer).unwrap();
        assert_eq!(registry.find(&MigrationPair::same("x")).unwrap().0.info.name, "a");
        registry.check_preferences(&prefer).unwrap();
    }

    #[test]
    fn a_preference_nothing_serves_is_an_error() {
        let registry = registry();
        let error = registry.check_preferences(&[Preference::parse("liveAgent").unwrap()]).unwrap_err();
        assert!(error.message.contains("no loaded plugin"), "{}", error.message);
    }

    #[test]
    fn native_panics_become_errors_naming_provider_source_and_hook() {
        struct Boom;
        impl ProviderMigration for Boom {
            fn info(&self) -> ProviderInfo {
                ProviderInfo { name: "boom".into(), version: "1".into(), contract_version: "1.0".into(), pairs: vec![] }
            }
            fn map_settings(&self, _: &MapSettingsRequest) -> std::result::Result<ProviderDraft, Vec<SettingsIssue>> {
                panic!("kaboom")
            }
            fn manual_steps(&self, _: &ManualStepsRequest) -> Vec<ManualStep> {
                vec![]
            }
            fn rewrite_node(&self, _: &NodeRewriteRequest) -> std::result::Result<NodeRewrite, String> {
                Ok(NodeRewrite::default())
            }
            fn verify(&self, _: &VerifyRequest) -> Vec<Finding> {
                vec![]
            }
        }
        let entry = Registered::native(Box::new(Boom), file_source("boom"));
        let request =
            MapSettingsRequest { pair: MigrationPair::same("k"), endpoint: "e".into(), settings: Default::default() };
        let error = entry.map_settings(&request).unwrap_err();
        assert!(error.message.contains("kaboom") && error.message.contains("map_settings"), "{}", error.message);
        assert!(error.message.contains("declarative plugin /plugins/boom.toml"), "{}", error.message);
    }

    struct Scripted(&'static str);
    impl Transport for Scripted {
        fn call(&self, _hook: &str, _request: &str) -> std::result::Result<String, CallFailure> {
            match self.0 {
                "panic" => Err(CallFailure::Plugin(PluginError::new(PluginError::PANIC, "panicked in verify: oops"))),
                "protocol" => Err(CallFailure::Protocol("returned NULL".into())),
                "unknown" => Err(CallFailure::Plugin(PluginError::new(PluginError::UNKNOWN_HOOK, "no such hook"))),
                other => Ok(other.to_string()),
            }
        }
    }

    fn dynamic(script: &'static str) -> Registered {
        let info =
            ProviderInfo { name: "dyn".into(), version: "1".into(), contract_version: "1.0".into(), pairs: vec![] };
        let source = Source::File { path: "/p/libdyn.so".into(), sha256: "1".repeat(64), format: PluginFormat::C };
        Registered::dynamic(Box::new(Scripted(script)), info, source)
    }

    #[test]
    fn a_plugin_without_the_optional_retarget_hook_gets_the_default() {
        let request = RetargetNodeRequest {
            pair: MigrationPair::same("k"),
            source_service: "other".into(),
            source_node_fields: vec!["otherQueue".into()],
            node_type: handover_migrate_core::HandoverNodeType::HandoverToAgent,
            config: serde_json::from_str(r#"{"otherQueue": "7"}"#).unwrap(),
        };
        let rewrite = dynamic("unknown").retarget_node(&request).unwrap();
        assert_eq!(rewrite.no_counterpart[0].field, "otherQueue");
        // A required hook a plugin does not know stays an error.
        let verify =
            VerifyRequest { pair: MigrationPair::same("k"), provider_name: "n".into(), properties: Default::default() };
        let error = dynamic("unknown").verify(&verify).unwrap_err();
        assert!(
            error.message.contains("failed in verify") && error.message.contains("unknown_hook"),
            "{}",
            error.message
        );
        // A plugin that knows it answers for itself.
        let answer = r#"{"ok": {"set": {"q": 1}, "needs_person": [], "no_counterpart": []}}"#;
        assert_eq!(dynamic(answer).retarget_node(&request).unwrap().set["q"], 1);
    }

    #[test]
    fn dynamic_hooks_deserialize_answers_and_name_the_file_on_failure() {
        let request =
            VerifyRequest { pair: MigrationPair::same("k"), provider_name: "n".into(), properties: Default::default() };
        assert_eq!(dynamic(r#"[{"severity":"warning","message":"m"}]"#).verify(&request).unwrap().len(), 1);
        for (script, expect) in [
            ("panic", "panicked in verify"),
            ("protocol", "broke the plugin protocol in verify: returned NULL"),
            ("{\"not\": \"a list\"}", "returned malformed data from verify"),
        ] {
            let error = dynamic(script).verify(&request).unwrap_err();
            assert!(error.message.contains(expect), "{script}: {}", error.message);
            assert!(error.message.contains("c plugin /p/libdyn.so"), "{}", error.message);
        }
    }

    #[test]
    fn preference_parses_kind_and_optional_file() {
        assert_eq!(Preference::parse("liveAgent").unwrap(), Preference { kind: "liveAgent".into(), file: None });
        let p = Preference::parse("x=/no/such/file.so").unwrap();
        assert_eq!(p.file.as_deref(), Some(std::path::Path::new("/no/such/file.so")));
        assert_eq!(p.to_string(), "x=/no/such/file.so");
        assert!(Preference::parse("").is_err());
        assert!(Preference::parse("x=").is_err());
    }
}
