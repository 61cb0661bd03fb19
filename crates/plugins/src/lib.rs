//! The providers a run knows, and where third-party ones come from.
//!
//! - [`registry`]: [`Registry`] of [`Registered`] providers, the only way the engine calls a
//!   provider (fallible, panic-catching hooks over a native provider or a plugin
//!   [`registry::Transport`]), with the duplicate-pair policy ([`Preference`]);
//! - [`discovery`]: where plugin files are found (`--plugin`, `HANDOVER_MIGRATE_PLUGIN_PATH`,
//!   the per-user directory) and the contract and identity checks before any plugin logic;
//! - [`pins`]: the `sha256sum`-format pin file;
//! - [`dynamic`]: Rust (abi_stable) and C libraries; [`declarative`]: TOML/JSON mapping files;
//! - [`isolated`]: native plugins in a sandboxed runner process; `prefetch`: many requests
//!   to such a plugin in one round trip ([`Registry::prefetch`]).
//!
//! The registry is the lower layer: discovery produces [`Registered`] providers and
//! [`load_registry`] adds them to a registry of built-ins; the registry knows nothing of files.

pub mod declarative;
pub mod discovery;
pub mod dynamic;
pub mod isolated;
pub mod pins;
mod prefetch;
pub mod registry;
pub mod trust;

pub use discovery::{PluginSources, Unpinned};
pub use registry::{Preference, Registered, Registry, Source};

use handover_migrate_core::ProviderMigration;
use handover_migrate_io::Result;

/// The registry of a run: `builtin` providers, then every plugin `sources` finds (in order:
/// `--plugin`, `HANDOVER_MIGRATE_PLUGIN_PATH`, the per-user directory), each checked against
/// the pin file when there is one. A pair supplied twice is an error naming both sources
/// unless a [`Preference`] picks one.
pub fn load_registry(
    builtin: Vec<Box<dyn ProviderMigration>>,
    sources: &PluginSources,
    prefer: &[Preference],
) -> Result<Registry> {
    let mut registry = Registry::from_builtin(builtin);
    let discovered = discovery::load_all(sources)?;
    for plugin in discovered.plugins {
        registry.add(plugin, prefer)?;
    }
    registry.unpinned = discovered.unpinned;
    registry.check_preferences(prefer)?;
    Ok(registry)
}
