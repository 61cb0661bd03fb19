//! The providers this run knows: built-ins (and, later, loaded plugins), looked up by pair.
//!
//! The engine never calls a provider's trait directly: it goes through [`Registered`],
//! whose hooks are fallible and catch panics, so a failing provider becomes an error that
//! names the provider and the hook, and the project is left unchanged.

use std::panic::{catch_unwind, AssertUnwindSafe};

use handover_migrate_core::{
    Finding, ManualStep, ManualStepsRequest, MapSettingsRequest, MigrationPair, NodeRewrite, NodeRewriteRequest,
    PairInfo, ProviderDraft, ProviderInfo, ProviderMigration, SettingsIssue, VerifyRequest,
};

use crate::error::{Error, Result};

/// Where a provider comes from, for `providers list`.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "path")]
pub enum Source {
    BuiltIn,
}

pub struct Registered {
    pub provider: Box<dyn ProviderMigration>,
    pub info: ProviderInfo,
    pub source: Source,
}

impl Registered {
    fn guarded<T>(&self, hook: &str, call: impl FnOnce(&dyn ProviderMigration) -> T) -> Result<T> {
        catch_unwind(AssertUnwindSafe(|| call(self.provider.as_ref()))).map_err(|panic| {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            Error::failed(format!(
                "provider `{}` ({}) panicked in {hook}: {detail}; nothing was written. Report this to the provider's authors",
                self.info.name,
                self.source_label()
            ))
        })
    }

    pub fn source_label(&self) -> String {
        match &self.source {
            Source::BuiltIn => "built-in".to_string(),
        }
    }

    pub fn map_settings(&self, request: &MapSettingsRequest) -> Result<Result<ProviderDraft, Vec<SettingsIssue>>> {
        self.guarded("map_settings", |p| p.map_settings(request))
    }

    pub fn manual_steps(&self, request: &ManualStepsRequest) -> Result<Vec<ManualStep>> {
        self.guarded("manual_steps", |p| p.manual_steps(request))
    }

    pub fn rewrite_node(&self, request: &NodeRewriteRequest) -> Result<NodeRewrite> {
        self.guarded("rewrite_node", |p| p.rewrite_node(request))?.map_err(|message| {
            Error::failed(format!("provider `{}` could not rewrite a node: {message}", self.info.name))
        })
    }

    pub fn verify(&self, request: &VerifyRequest) -> Result<Vec<Finding>> {
        self.guarded("verify", |p| p.verify(request))
    }
}

#[derive(Default)]
pub struct Registry {
    entries: Vec<Registered>,
}

impl Registry {
    /// Every built-in provider registered through `inventory`.
    pub fn builtin() -> Self {
        let entries = handover_migrate_core::builtin_providers()
            .into_iter()
            .map(|provider| Registered { info: provider.info(), provider, source: Source::BuiltIn })
            .collect();
        Self { entries }
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
}
