//! Built-in providers, registered with `inventory` by each provider crate.
//!
//! `inventory` collects entries from crates *linked into the binary*; a provider crate
//! whose code the binary never references can be dropped by the linker and then silently
//! registers nothing. The binary therefore calls each built-in crate's `link()` once, and a
//! test asserts the expected set (see the CLI's `builtin` module).

use crate::ProviderMigration;

/// One built-in provider: a constructor, so each call gets a fresh instance.
pub struct BuiltinProvider {
    pub create: fn() -> Box<dyn ProviderMigration>,
}

inventory::collect!(BuiltinProvider);

/// All registered built-in providers, sorted by name (inventory's order is unspecified).
pub fn builtin_providers() -> Vec<Box<dyn ProviderMigration>> {
    let mut providers: Vec<Box<dyn ProviderMigration>> =
        inventory::iter::<BuiltinProvider>.into_iter().map(|entry| (entry.create)()).collect();
    providers.sort_by_cached_key(|p| p.info().name);
    providers
}

/// Register a built-in provider: `register_builtin!(constructor)`, where `constructor` is a
/// function returning a value that implements [`ProviderMigration`].
#[macro_export]
macro_rules! register_builtin {
    ($constructor:path) => {
        $crate::inventory::submit! {
            $crate::BuiltinProvider { create: || ::std::boxed::Box::new($constructor()) }
        }
    };
}

#[doc(hidden)]
pub use ::inventory;
