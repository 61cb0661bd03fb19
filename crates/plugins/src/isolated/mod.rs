//! Native plugins in a separate process: the host's side of the plugin runner.
//!
//! An isolated plugin is loaded by a *runner*, a child process (the `handover-migrate` binary
//! started with [`RUNNER_ARG`], see the `handover-migrate-plugin-runner` crate) that
//! sandboxes itself, opens the library, checks its contract version, and then answers hook
//! calls over its standard input and output. The engine sees no difference: the runner is
//! one more [`Transport`](crate::registry::Transport) behind [`Registered`](crate::registry::Registered).
//!
//! The wire, [`PROTOCOL_VERSION`] 1: every message is a frame, a little-endian `u32`
//! length followed by that many bytes.
//!
//! 1. The runner speaks first with a [`Hello`] (JSON): the plugin's format, contract
//!    version, `info` and the sandbox the kernel enforced; or why it refused to load.
//! 2. Each call is a frame `hook` `\n` `request JSON` from the host, answered by a frame
//!    whose first byte says what follows: [`ANSWER_OK`] and the response JSON,
//!    [`ANSWER_PLUGIN_ERROR`] and a `{code, message}` object, or [`ANSWER_PROTOCOL`] and
//!    a description of how the plugin broke the C/Rust contract.
//!
//! What the host does not trust: anything the runner sends (a frame over
//! [`MAX_ANSWER_BYTES`], an unknown answer byte, a silent runner past the per-call timeout,
//! a runner that died) ends that plugin's calls with an error naming the file, the hook and
//! what happened, and the runner is killed. The runner's standard error is read but never
//! shown: a hostile plugin could print the secrets it was given into a CI log. The runner
//! gets an empty environment (no API key, no tokens) and dies with the host
//! (`PR_SET_PDEATHSIG`, and its standard input closing).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use handover_migrate_core::ProviderInfo;
use serde::{Deserialize, Serialize};

use handover_migrate_io::{Error, ErrorKind, Result};

/// The first argument that turns the `handover-migrate` binary into a plugin runner.
pub const RUNNER_ARG: &str = "__plugin-runner";
/// The version of the runner wire (frames, hello, answer bytes).
pub const PROTOCOL_VERSION: u32 = 1;
/// The largest answer a runner may send; a larger frame is refused unread.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// The largest request the runner accepts from the host.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024 * 1024;
/// Answer bytes.
pub const ANSWER_OK: u8 = b'O';
pub const ANSWER_PLUGIN_ERROR: u8 = b'E';
pub const ANSWER_PROTOCOL: u8 = b'P';

/// The per-call timeout by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The runner's address-space limit by default.
pub const DEFAULT_MEMORY_LIMIT_MIB: u64 = 2048;
/// How much of the runner's standard error is kept (to tell why it died).
const STDERR_TAIL_BYTES: usize = 16 * 1024;

/// How native plugins run.
#[derive(Clone, Debug, Default)]
pub enum Isolation {
    /// Loaded into this process (built-ins and declarative plugins always are).
    #[default]
    InProcess,
    /// Each in its own sandboxed runner process.
    Process(ProcessIsolation),
}

/// What the user asked for (flags; the user's configuration fills what they leave out).
#[derive(Clone, Debug, Default)]
pub struct IsolationChoice {
    /// `process` or `none`.
    pub mode: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub memory_limit_mib: Option<u64>,
    pub require_sandbox: bool,
}

impl Isolation {
    /// The isolation of a run: flags first, then the user's configuration file, then the
    /// default (process isolation, with `runner` as the runner executable).
    pub fn choose(choice: &IsolationChoice, runner: impl FnOnce() -> std::io::Result<PathBuf>) -> Result<Self> {
        let config = UserPluginConfig::load()?;
        let mode = choice.mode.as_deref().or(config.isolation.as_deref()).unwrap_or("process");
        let require_sandbox = choice.require_sandbox || config.require_sandbox.unwrap_or(false);
        if mode == "none" {
            if require_sandbox {
                return Err(Error::usage(
                    "--require-sandbox asks for sandboxed plugins, but plugin isolation is `none` (plugins run in \
                     this process, unsandboxed): drop one of the two",
                ));
            }
            return Ok(Isolation::InProcess);
        }
        let timeout_seconds = choice.timeout_seconds.or(config.timeout_seconds).unwrap_or(DEFAULT_TIMEOUT.as_secs());
        if timeout_seconds == 0 {
            return Err(Error::usage("--plugin-timeout must be at least 1 second"));
        }
        let memory_limit_mib = choice.memory_limit_mib.or(config.memory_limit_mib).unwrap_or(DEFAULT_MEMORY_LIMIT_MIB);
        if memory_limit_mib < 64 {
            return Err(Error::usage("--plugin-memory-limit must be at least 64 MiB"));
        }
        let runner = runner().map_err(|e| {
            Error::failed(format!(
                "cannot find this program's own executable to run plugins in a separate process ({e}); run \
                 trusted plugins with --plugin-isolation none"
            ))
        })?;
        Ok(Isolation::Process(ProcessIsolation {
            runner,
            timeout: Duration::from_secs(timeout_seconds),
            memory_limit_mib,
            require_sandbox,
        }))
    }
}

/// Settings of process isolation.
#[derive(Clone, Debug)]
pub struct ProcessIsolation {
    /// The executable to start as the runner (with [`RUNNER_ARG`] first): the CLI passes
    /// its own executable; a benchmark passes a binary that dispatches the same way.
    pub runner: PathBuf,
    pub timeout: Duration,
    pub memory_limit_mib: u64,
    /// Refuse a plugin whose sandbox the kernel cannot fully enforce.
    pub require_sandbox: bool,
}

impl ProcessIsolation {
    pub fn new(runner: PathBuf) -> Self {
        Self { runner, timeout: DEFAULT_TIMEOUT, memory_limit_mib: DEFAULT_MEMORY_LIMIT_MIB, require_sandbox: false }
    }
}

/// The isolation part of the user's own configuration file,
/// `$XDG_CONFIG_HOME/handover-migrate/config.toml` (default `~/.config/…`), table
/// `[plugins]`. Never read from a project: a project must not be able to turn a
/// protection off for whoever runs the tool on it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UserPluginConfig {
    /// `process` or `none`.
    pub isolation: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub memory_limit_mib: Option<u64>,
    pub require_sandbox: Option<bool>,
}

impl UserPluginConfig {
    /// The user's configuration file, if `XDG_CONFIG_HOME` or `HOME` says where it is.
    pub fn path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| Path::new(&h).join(".config")))?;
        Some(base.join("handover-migrate").join("config.toml"))
    }

    /// Read the `[plugins]` table of the user's configuration (nothing when there is no file).
    pub fn load() -> Result<Self> {
        let Some(path) = Self::path() else { return Ok(Self::default()) };
        if !path.is_file() {
            return Ok(Self::default());
        }
        let text = handover_migrate_io::fsio::read_text(&path)?;
        Self::parse(&path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            plugins: Option<UserPluginConfig>,
        }
        let file: File = toml::from_str(text).map_err(|e| {
            Error::usage(format!(
                "{}: {e}. Its [plugins] table takes isolation = \"process\" | \"none\", timeout-seconds, \
                 memory-limit-mib and require-sandbox",
                path.display()
            ))
        })?;
        let config = file.plugins.unwrap_or_default();
        if let Some(mode) = &config.isolation {
            if mode != "process" && mode != "none" {
                return Err(Error::usage(format!(
                    "{}: [plugins] isolation = {mode:?}: expected \"process\" or \"none\"",
                    path.display()
                )));
            }
        }
        Ok(config)
    }
}

/// How far the kernel enforced one part of the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    Full,
    Partial,
    None,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Full => "full",
            Enforcement::Partial => "partial",
            Enforcement::None => "none",
        }
    }
}

/// What the runner's sandbox holds, as the runner found it after applying it to itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxState {
    /// Landlock: read its library and the dynamic loader's files, nothing else.
    pub filesystem: Enforcement,
    /// seccomp (no socket at all) and Landlock's TCP rules.
    pub network: Enforcement,
    /// Resource limits: address space, open files, no core dumps.
    pub limits: Enforcement,
    /// What this kernel lacks, one sentence each.
    pub missing: Vec<String>,
}

impl SandboxState {
    pub fn complete(&self) -> bool {
        [self.filesystem, self.network, self.limits].iter().all(|e| *e == Enforcement::Full)
    }

    /// `filesystem full, network full, limits full` (+ what is missing).
    pub fn summary(&self) -> String {
        let mut text = format!(
            "filesystem {}, network {}, limits {}",
            self.filesystem.as_str(),
            self.network.as_str(),
            self.limits.as_str()
        );
        if !self.missing.is_empty() {
            text.push_str(&format!(" ({})", self.missing.join("; ")));
        }
        text
    }
}

/// How a provider runs, for `providers list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum IsolationState {
    InProcess,
    Process { sandbox: SandboxState },
}

impl IsolationState {
    pub fn label(&self) -> String {
        match self {
            IsolationState::InProcess => "in process".into(),
            IsolationState::Process { sandbox } => format!("separate process, sandbox: {}", sandbox.summary()),
        }
    }
}

/// The runner's first frame.
#[derive(Debug, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded: Option<Loaded>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refusal>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Loaded {
    pub format: String,
    pub contract_version: String,
    pub info: ProviderInfo,
    pub sandbox: SandboxState,
}

/// Why the runner did not load the library (the message names the file).
#[derive(Debug, Serialize, Deserialize)]
pub struct Refusal {
    pub usage: bool,
    pub message: String,
    /// Present when the refusal is about the sandbox (for the host's message).
    #[serde(default)]
    pub sandbox: Option<SandboxState>,
}

impl Refusal {
    pub fn from_error(error: &Error) -> Self {
        Self { usage: error.kind == ErrorKind::Usage, message: error.message.clone(), sandbox: None }
    }
}

/// Write one frame.
pub fn write_frame(out: &mut impl Write, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    push_frame(&mut buffer, parts)?;
    out.write_all(&buffer)?;
    out.flush()
}

/// Append one frame to `buffer` (a batch of requests is written at once).
pub fn push_frame(buffer: &mut Vec<u8>, parts: &[&[u8]]) -> std::io::Result<()> {
    let length: usize = parts.iter().map(|p| p.len()).sum();
    let length = u32::try_from(length)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a frame over 4 GiB"))?;
    buffer.reserve(4 + length as usize);
    buffer.extend_from_slice(&length.to_le_bytes());
    for part in parts {
        buffer.extend_from_slice(part);
    }
    Ok(())
}

/// Read one frame from a blocking reader (the runner's side); `None` at a clean end of input.
pub fn read_frame(input: &mut impl Read, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match input.read(&mut header[filled..])? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    }
    let length = u32::from_le_bytes(header) as usize;
    if length > max {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("a frame of {length} bytes")));
    }
    let mut payload = vec![0u8; length];
    input.read_exact(&mut payload)?;
    Ok(Some(payload))
}

mod host;
pub use host::load;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_oversized_frames_are_refused() {
        let mut wire = Vec::new();
        write_frame(&mut wire, &[b"map_settings", b"\n", b"{}"]).unwrap();
        write_frame(&mut wire, &[]).unwrap();
        let mut input = wire.as_slice();
        assert_eq!(read_frame(&mut input, 64).unwrap().unwrap(), b"map_settings\n{}");
        assert_eq!(read_frame(&mut input, 64).unwrap().unwrap(), b"");
        assert!(read_frame(&mut input, 64).unwrap().is_none());
        let mut big = Vec::new();
        write_frame(&mut big, &[&[0u8; 100]]).unwrap();
        assert!(read_frame(&mut big.as_slice(), 99).is_err());
    }

    #[test]
    fn the_user_config_takes_only_known_isolation_settings() {
        let path = Path::new("/home/u/.config/handover-migrate/config.toml");
        let config = UserPluginConfig::parse(path, "[plugins]\nisolation = \"none\"\ntimeout-seconds = 5\n").unwrap();
        assert_eq!(config.isolation.as_deref(), Some("none"));
        assert_eq!(config.timeout_seconds, Some(5));
        assert_eq!(UserPluginConfig::parse(path, "").unwrap(), UserPluginConfig::default());
        let error = UserPluginConfig::parse(path, "[plugins]\nisolation = \"off\"\n").unwrap_err();
        assert!(error.message.contains("config.toml") && error.message.contains("\"off\""), "{}", error.message);
        assert!(UserPluginConfig::parse(path, "[plugins]\ntimeout = 5\n").is_err());
    }
}
