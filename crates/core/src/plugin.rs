//! The Rust plugin boundary (cargo feature `plugin`): an `abi_stable` root module and the
//! [`export_provider!`](crate::export_provider) macro that exports a [`ProviderMigration`]
//! from a `cdylib`.
//!
//! The root module is a *prefix type*: the host checks its layout (and abi_stable's own
//! version) before running any plugin code, and later contract versions may append fields
//! after the last one without breaking plugins that were already built. Data crosses the
//! boundary as JSON (see [`crate::protocol`]); every exported function catches panics and
//! turns them into an error value, because unwinding out of an `extern "C"` function aborts.
//!
//! A plugin crate:
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! handover-migrate-core = { version = "0.1", features = ["plugin"] }
//! ```
//!
//! ```ignore
//! fn provider() -> MyProvider { MyProvider::default() }
//! handover_migrate_core::export_provider!(provider);
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};

#[doc(hidden)]
pub use abi_stable;
use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RResult, RStr, RString};
use abi_stable::StableAbi;

use crate::protocol::{dispatch, PluginError};
use crate::ProviderMigration;

/// The root module every Rust plugin exports.
///
/// Version 1 (contract 1.x) ends at `call`. Fields added later go after it and are read
/// as optional by hosts, so plugins built now keep loading.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModuleRef, prefix_fields = PluginModulePrefix)))]
#[sabi(missing_field(panic))]
pub struct PluginModule {
    /// The [`crate::CONTRACT_VERSION`] the plugin was built against.
    pub contract_version: extern "C" fn() -> RString,
    /// [`crate::ProviderInfo`] as JSON, or a [`PluginError`] as JSON.
    pub info: extern "C" fn() -> RResult<RString, RString>,
    /// `call(hook, request_json)`: the response as JSON, or a [`PluginError`] as JSON.
    #[sabi(last_prefix_field)]
    pub call: extern "C" fn(RStr<'_>, RStr<'_>) -> RResult<RString, RString>,
}

impl RootModule for PluginModuleRef {
    abi_stable::declare_root_module_statics! {PluginModuleRef}
    const BASE_NAME: &'static str = "handover_migrate_plugin";
    const NAME: &'static str = "handover-migrate provider plugin";
    /// The version of the *root module*, not of the contract: abi_stable refuses a library
    /// whose minor version is older than the host's, which would refuse every plugin built
    /// before a new prefix field was added. It therefore stays `1.0.0`; the contract version
    /// is checked by the host itself (see [`crate::protocol::ContractVersion::accepts`]).
    const VERSION_STRINGS: VersionStrings = VersionStrings { version: RStr::from_str("1.0.0") };
}

/// The exported symbol abi_stable looks for (`abi_stable::library::ROOT_MODULE_LOADER_NAME`),
/// spelled out because `#[export_root_module]` would make every plugin depend on abi_stable
/// by name. A unit test keeps it in step.
#[doc(hidden)]
pub const ROOT_MODULE_SYMBOL: &str = "_1as_0lib_1header_0root_bmodule_bloader";

/// The message a caught panic carried (`panic!` with a literal or a formatted string).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

/// Run `f` with panics caught, as the body of an exported function.
fn guarded(f: impl FnOnce() -> Result<String, PluginError>) -> RResult<RString, RString> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(json)) => RResult::ROk(json.into()),
        Ok(Err(error)) => RResult::RErr(error.to_json().into()),
        Err(panic) => {
            RResult::RErr(PluginError::new(PluginError::PANIC, panic_message(panic.as_ref())).to_json().into())
        }
    }
}

/// Body of the exported `info`.
#[doc(hidden)]
pub fn __info(provider: fn() -> &'static dyn ProviderMigration) -> RResult<RString, RString> {
    guarded(|| {
        serde_json::to_string(&provider().info())
            .map_err(|e| PluginError::new(PluginError::FAILED, format!("info does not serialize: {e}")))
    })
}

/// Body of the exported `call`; `filter` post-processes successful responses (identity
/// outside the host's own tests).
#[doc(hidden)]
pub fn __call(
    provider: fn() -> &'static dyn ProviderMigration,
    hook: RStr<'_>,
    request: RStr<'_>,
    filter: fn(&str, String) -> String,
) -> RResult<RString, RString> {
    let hook = hook.as_str();
    guarded(|| dispatch(provider(), hook, request.as_str()).map(|json| filter(hook, json)))
}

#[doc(hidden)]
pub fn __identity(_hook: &str, json: String) -> String {
    json
}

/// Export a [`ProviderMigration`] from a `cdylib` as a handover-migrate plugin:
/// `export_provider!(constructor)`, where `constructor` is a function returning a value
/// that implements the trait. It is called once, on first use, inside the panic guard.
///
/// The crate must depend on `handover-migrate-core` with the `plugin` feature and be built
/// with `crate-type = ["cdylib"]` and the default `panic = "unwind"`.
#[macro_export]
macro_rules! export_provider {
    ($constructor:path) => {
        $crate::export_provider!(@with $constructor, $crate::CONTRACT_VERSION, $crate::plugin::__identity);
    };
    // Test-only knobs (the host's own tests build deliberately broken plugins with them).
    (@with $constructor:path, $contract_version:expr, $filter:path) => {
        #[doc(hidden)]
        fn __handover_migrate_plugin_provider() -> &'static dyn $crate::ProviderMigration {
            static PROVIDER: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::ProviderMigration>> =
                ::std::sync::OnceLock::new();
            PROVIDER.get_or_init(|| ::std::boxed::Box::new($constructor())).as_ref()
        }

        #[doc(hidden)]
        extern "C" fn __handover_migrate_plugin_contract_version() -> $crate::plugin::abi_stable::std_types::RString {
            $crate::plugin::abi_stable::std_types::RString::from($contract_version)
        }

        #[doc(hidden)]
        extern "C" fn __handover_migrate_plugin_info() -> $crate::plugin::abi_stable::std_types::RResult<
            $crate::plugin::abi_stable::std_types::RString,
            $crate::plugin::abi_stable::std_types::RString,
        > {
            $crate::plugin::__info(__handover_migrate_plugin_provider)
        }

        #[doc(hidden)]
        extern "C" fn __handover_migrate_plugin_call(
            hook: $crate::plugin::abi_stable::std_types::RStr<'_>,
            request: $crate::plugin::abi_stable::std_types::RStr<'_>,
        ) -> $crate::plugin::abi_stable::std_types::RResult<
            $crate::plugin::abi_stable::std_types::RString,
            $crate::plugin::abi_stable::std_types::RString,
        > {
            $crate::plugin::__call(__handover_migrate_plugin_provider, hook, request, $filter)
        }

        #[doc(hidden)]
        fn __handover_migrate_plugin_root_module() -> $crate::plugin::PluginModuleRef {
            <$crate::plugin::PluginModule as $crate::plugin::abi_stable::prefix_type::PrefixTypeTrait>::leak_into_prefix(
                $crate::plugin::PluginModule {
                    contract_version: __handover_migrate_plugin_contract_version,
                    info: __handover_migrate_plugin_info,
                    call: __handover_migrate_plugin_call,
                },
            )
        }

        #[doc(hidden)]
        extern "C" fn __handover_migrate_plugin_erased_root_module(
        ) -> $crate::plugin::abi_stable::library::RootModuleResult {
            $crate::plugin::abi_stable::library::__call_root_module_loader(__handover_migrate_plugin_root_module)
        }

        /// The library header abi_stable reads first: abi_stable's version and the root
        /// module's layout, checked by the host before any function of the plugin runs.
        #[doc(hidden)]
        #[no_mangle]
        #[allow(non_upper_case_globals)]
        pub static _1as_0lib_1header_0root_bmodule_bloader: $crate::plugin::abi_stable::library::LibHeader = {
            // SAFETY: the constructor returns the `PluginModuleRef` built above, erased by
            // abi_stable's own loader helper, which is what `from_constructor` requires.
            unsafe {
                $crate::plugin::abi_stable::library::LibHeader::from_constructor::<$crate::plugin::PluginModuleRef>(
                    __handover_migrate_plugin_erased_root_module,
                    $crate::plugin::abi_stable::library::CheckTypeLayout::Yes,
                )
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_module_symbol_is_abi_stables() {
        assert_eq!(ROOT_MODULE_SYMBOL, abi_stable::library::ROOT_MODULE_LOADER_NAME);
    }

    struct Panics;
    impl ProviderMigration for Panics {
        fn info(&self) -> crate::ProviderInfo {
            panic!("info exploded")
        }
        fn map_settings(
            &self,
            _: &crate::MapSettingsRequest,
        ) -> Result<crate::ProviderDraft, Vec<crate::SettingsIssue>> {
            panic!("map exploded")
        }
        fn manual_steps(&self, _: &crate::ManualStepsRequest) -> Vec<crate::ManualStep> {
            vec![]
        }
        fn rewrite_node(&self, _: &crate::NodeRewriteRequest) -> Result<crate::NodeRewrite, String> {
            Ok(Default::default())
        }
        fn verify(&self, _: &crate::VerifyRequest) -> Vec<crate::Finding> {
            vec![]
        }
    }

    fn panics() -> &'static dyn ProviderMigration {
        &Panics
    }

    #[test]
    fn panics_become_error_values() {
        let RResult::RErr(error) = __info(panics) else { panic!("expected an error") };
        let error: PluginError = serde_json::from_str(error.as_str()).unwrap();
        assert_eq!(error.code, PluginError::PANIC);
        assert!(error.message.contains("info exploded"), "{error:?}");

        let request =
            serde_json::json!({"pair": {"source_kind": "k", "target_service": "k"}, "endpoint": "e", "settings": {}});
        let request = request.to_string();
        let result = __call(panics, RStr::from("map_settings"), RStr::from(request.as_str()), __identity);
        let RResult::RErr(error) = result else { panic!("expected an error") };
        assert!(error.as_str().contains("map exploded"), "{error}");
    }
}
