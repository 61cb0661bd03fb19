//! Loading dynamic plugins: Rust (abi_stable root module) and C (`handover-migrate-plugin.h`).
//!
//! Order of events for a library, each step failing with an error that names the file:
//!
//! 1. Open it (the library's own initialisers run here: that is the trust a plugin
//!    requires, which the lock file lets a team pin).
//! 2. Tell the kind by its exported symbols: `hm_contract_version` (C) or abi_stable's
//!    root-module header (Rust). Neither: not a handover-migrate plugin.
//! 3. Rust: abi_stable checks its own version and the root module's *layout* before any
//!    plugin function runs. C: the four functions must exist.
//! 4. Ask the contract version and check it ([`crate::discovery::check_contract`]) before any hook.
//! 5. Ask `info` and validate it.
//!
//! Libraries are never unloaded (unloading is unsound with thread-locals and is a no-op on
//! some platforms): handles are leaked for the life of the process.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};

use abi_stable::library::{lib_header_from_raw_library, LibraryError, RawLibrary};
use abi_stable::std_types::{RResult, RStr, RString};
use handover_migrate_core::plugin::{PluginModuleRef, ROOT_MODULE_SYMBOL};
use handover_migrate_core::protocol::PluginError;
use handover_migrate_core::ProviderInfo;

use crate::discovery::check_contract;
use crate::registry::{CallFailure, PluginFormat, Registered, Source, Transport};
use handover_migrate_io::{Error, Result};

/// The symbol that marks a C plugin.
pub const C_CONTRACT_SYMBOL: &str = "hm_contract_version";

fn not_a_plugin(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::failed(format!(
        "{} is not a handover-migrate plugin ({why}); it was not loaded. A plugin is a Rust cdylib built with \
         `handover_migrate_core::export_provider!`, a shared library implementing docs/handover-migrate-plugin.h, \
         or a .toml mapping file",
        path.display()
    ))
}

fn fix() -> String {
    format!(
        "rebuild the plugin against handover-migrate-core {} (contract {})",
        env!("CARGO_PKG_VERSION"),
        handover_migrate_core::CONTRACT_VERSION
    )
}

/// An opened, checked library: its entry point, what it says about itself and its kind.
pub struct Opened {
    pub transport: Box<dyn Transport>,
    pub info: ProviderInfo,
    pub format: PluginFormat,
    pub contract_version: String,
}

/// Load a shared library as a plugin (Rust or C, told apart by its symbols), in this process.
/// `path` names it in messages; the library is opened from `opened_as`, the checked copy of
/// its bytes ([`crate::trust::loadable_copy`]), never from `path` again.
pub fn load(path: &Path, opened_as: &Path, sha256: String) -> Result<Registered> {
    let opened = open_as(path, opened_as)?;
    let source = Source::File { path: path.to_path_buf(), sha256, format: opened.format };
    Ok(Registered::dynamic(opened.transport, opened.info, source))
}

/// Open a library, tell its kind, check its contract version (before any hook) and ask its
/// `info`. Used in process by [`load`] and by the plugin runner of an isolated plugin.
pub fn open(path: &Path) -> Result<Opened> {
    open_as(path, path)
}

/// [`open`] the library at `opened_as`, named `path` in messages.
pub fn open_as(path: &Path, opened_as: &Path) -> Result<Opened> {
    // SAFETY: opening a library runs its initialisers, which no check can precede; loading a
    // plugin means trusting it (the plugin lock file pins which files are trusted). The
    // handle is leaked below and never closed, so nothing obtained from it can dangle.
    let library = unsafe { libloading::Library::new(opened_as) }
        .map_err(|e| not_a_plugin(path, format!("it cannot be opened as a shared library: {e}")))?;
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    let exports = |name: &str| {
        let symbol = format!("{name}\0");
        // SAFETY: only the presence of the symbol is tested; the pointer is never used.
        unsafe { library.get::<*const c_void>(symbol.as_bytes()) }.is_ok()
    };
    if exports(C_CONTRACT_SYMBOL) {
        let plugin = CPlugin::bind(path, library)?;
        let contract_version = plugin.contract_version()?;
        check_contract(path, &contract_version)?;
        let info = plugin.info()?;
        Ok(Opened { transport: Box::new(plugin), info, format: PluginFormat::C, contract_version })
    } else if exports(ROOT_MODULE_SYMBOL) {
        let plugin = RustPlugin::bind(path, opened_as)?;
        let contract_version = plugin.contract_version();
        check_contract(path, &contract_version)?;
        let info = plugin.info()?;
        Ok(Opened { transport: Box::new(plugin), info, format: PluginFormat::Rust, contract_version })
    } else {
        Err(not_a_plugin(
            path,
            format!(
                "it exports neither `{C_CONTRACT_SYMBOL}` (a C plugin) nor abi_stable's root module `{ROOT_MODULE_SYMBOL}` \
                 (a Rust plugin)"
            ),
        ))
    }
}

fn parse_info(path: &Path, json: &str) -> Result<ProviderInfo> {
    serde_json::from_str(json).map_err(|e| {
        Error::failed(format!(
            "plugin {} returned malformed data from info: {e}; it was not loaded. Report this to its authors",
            path.display()
        ))
    })
}

fn plugin_error(text: &str) -> CallFailure {
    match serde_json::from_str::<PluginError>(text) {
        Ok(error) => CallFailure::Plugin(error),
        Err(_) => CallFailure::Protocol(format!("it reported an error that is not a {{code, message}} object: {text}")),
    }
}

fn failure_message(failure: CallFailure) -> String {
    match failure {
        CallFailure::Plugin(error) => error.to_string(),
        CallFailure::Protocol(problem) | CallFailure::Runner(problem) => problem,
    }
}

/// A Rust plugin: its checked abi_stable root module.
struct RustPlugin {
    path: PathBuf,
    module: PluginModuleRef,
}

impl RustPlugin {
    fn bind(path: &Path, opened_as: &Path) -> Result<Self> {
        let explain = |error: LibraryError| {
            let why = match &error {
                LibraryError::InvalidAbiHeader(_) => {
                    "it was built with an abi_stable version this host cannot load (this host uses abi_stable 0.11)"
                        .to_string()
                }
                LibraryError::AbiInstability(_) => {
                    format!("its root module does not have the layout this host expects:\n{error}\n")
                }
                LibraryError::IncompatibleVersionNumber { expected_version, actual_version, .. } => format!(
                    "its root module is version {actual_version}, this host expects one compatible with {expected_version}"
                ),
                other => other.to_string(),
            };
            Error::failed(format!(
                "plugin {} cannot be loaded as a Rust plugin: {why}; nothing of it ran. Fix: {}",
                path.display(),
                fix()
            ))
        };
        let raw = RawLibrary::load_at(opened_as).map_err(explain)?;
        let raw: &'static RawLibrary = Box::leak(Box::new(raw));
        // SAFETY: the header holds `'static` references into the library, which is leaked
        // just above and therefore never unloaded.
        let header = unsafe { lib_header_from_raw_library(raw) }.map_err(explain)?;
        // Checks abi_stable's version and the root module's layout before running the
        // plugin's (generated) root-module constructor.
        let module = header.init_root_module::<PluginModuleRef>().map_err(explain)?;
        Ok(Self { path: path.to_path_buf(), module })
    }

    fn contract_version(&self) -> String {
        (self.module.contract_version())().into_string()
    }

    fn info(&self) -> Result<ProviderInfo> {
        match (self.module.info())() {
            RResult::ROk(json) => parse_info(&self.path, json.as_str()),
            RResult::RErr(error) => Err(Error::failed(format!(
                "plugin {} failed in info: {}; it was not loaded",
                self.path.display(),
                failure_message(plugin_error(error.as_str()))
            ))),
        }
    }
}

impl Transport for RustPlugin {
    fn call(&self, hook: &str, request: &str) -> std::result::Result<String, CallFailure> {
        let result: RResult<RString, RString> = (self.module.call())(RStr::from(hook), RStr::from(request));
        match result {
            RResult::ROk(json) => Ok(json.into_string()),
            RResult::RErr(error) => Err(plugin_error(error.as_str())),
        }
    }
}

type ContractFn = unsafe extern "C" fn() -> *const c_char;
type InfoFn = unsafe extern "C" fn() -> *mut c_char;
type CallFn = unsafe extern "C" fn(*const c_char, *const c_char, *mut c_int) -> *mut c_char;
type FreeFn = unsafe extern "C" fn(*mut c_char);

/// A C plugin: the four functions of `docs/handover-migrate-plugin.h`.
struct CPlugin {
    path: PathBuf,
    contract_version: ContractFn,
    info: InfoFn,
    call: CallFn,
    free: FreeFn,
}

impl CPlugin {
    fn bind(path: &Path, library: &'static libloading::Library) -> Result<Self> {
        fn get<T: Copy>(path: &Path, library: &'static libloading::Library, name: &str) -> Result<T> {
            let symbol = format!("{name}\0");
            // SAFETY: the header declares each symbol with exactly the function type `T` it
            // is read as; the library is leaked, so the copied function pointer stays valid.
            unsafe { library.get::<T>(symbol.as_bytes()) }.map(|s| *s).map_err(|_| {
                Error::failed(format!(
                    "plugin {} exports `{C_CONTRACT_SYMBOL}` but not `{name}`: a C plugin implements all four \
                     functions of docs/handover-migrate-plugin.h; it was not loaded",
                    path.display()
                ))
            })
        }
        Ok(Self {
            path: path.to_path_buf(),
            contract_version: get(path, library, "hm_contract_version")?,
            info: get(path, library, "hm_info")?,
            call: get(path, library, "hm_call")?,
            free: get(path, library, "hm_free")?,
        })
    }

    fn contract_version(&self) -> Result<String> {
        // SAFETY: per the header, hm_contract_version returns a NUL-terminated static string
        // (never freed) or NULL.
        let version = unsafe { (self.contract_version)() };
        if version.is_null() {
            return Err(Error::failed(format!(
                "plugin {} returned no contract version (NULL); it was not loaded",
                self.path.display()
            )));
        }
        // SAFETY: non-NULL, NUL-terminated per the header; copied before anything else runs.
        let version = unsafe { CStr::from_ptr(version) };
        Ok(version.to_string_lossy().into_owned())
    }

    /// Copy a string the plugin returned and give it back to the plugin's `hm_free`.
    fn take(&self, pointer: *mut c_char) -> std::result::Result<String, String> {
        if pointer.is_null() {
            return Err("it returned NULL".into());
        }
        // SAFETY: a non-NULL return is a NUL-terminated string owned by the plugin until
        // passed to hm_free; it is copied here and freed exactly once just below.
        let text = unsafe { CStr::from_ptr(pointer) }.to_str().map(str::to_owned);
        // SAFETY: `pointer` came from this plugin and is freed once, with its own hm_free.
        unsafe { (self.free)(pointer) };
        text.map_err(|e| format!("it returned text that is not UTF-8 ({e})"))
    }

    fn info(&self) -> Result<ProviderInfo> {
        // SAFETY: per the header, hm_info takes nothing and returns a string to free or NULL.
        let pointer = unsafe { (self.info)() };
        let json = self.take(pointer).map_err(|problem| {
            Error::failed(format!("plugin {} failed in info: {problem}; it was not loaded", self.path.display()))
        })?;
        parse_info(&self.path, &json)
    }
}

impl Transport for CPlugin {
    fn call(&self, hook: &str, request: &str) -> std::result::Result<String, CallFailure> {
        let hook = CString::new(hook).map_err(|_| CallFailure::Protocol("the hook name holds a NUL byte".into()))?;
        let request = CString::new(request)
            .map_err(|_| CallFailure::Protocol("the request holds a NUL byte (JSON escapes them)".into()))?;
        let mut is_error: c_int = 0;
        // SAFETY: both inputs are NUL-terminated, UTF-8 and live across the call, as the
        // header requires; `is_error` is a valid out-pointer.
        let pointer = unsafe { (self.call)(hook.as_ptr(), request.as_ptr(), &mut is_error) };
        let text = self.take(pointer).map_err(CallFailure::Protocol)?;
        if is_error != 0 {
            Err(plugin_error(&text))
        } else {
            Ok(text)
        }
    }
}
