//! The providers this run knows: built-ins (and, later, loaded plugins), looked up by pair.

use handover_migrate_core::{MigrationPair, PairInfo, ProviderInfo, ProviderMigration};

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
    pub fn find(&self, pair: &MigrationPair) -> Option<(&dyn ProviderMigration, &PairInfo)> {
        self.entries.iter().find_map(|entry| {
            entry.info.pairs.iter().find(|p| &p.pair == pair).map(|info| (entry.provider.as_ref(), info))
        })
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
