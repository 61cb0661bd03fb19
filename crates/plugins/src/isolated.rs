//! Native plugins in a separate process: the host's side of the plugin runner.
//!
//! An isolated plugin is loaded by a *runner*, a child process (the `handover-migrate` binary
//! started with [`RUNNER_ARG`], see the `handover-migrate-plugin-runner` crate) that
//! sandboxes itself, opens the library, checks its contract version, and then answers hook
//! calls over its standard input and output. The engine sees no difference: the runner is
//! one more [`Transport`] behind [`Registered`].
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
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use handover_migrate_core::protocol::PluginError;
use handover_migrate_core::ProviderInfo;
use serde::{Deserialize, Serialize};

use handover_migrate_io::{Error, ErrorKind, Result};

use crate::discovery::check_contract;
use crate::registry::{CallFailure, PluginFormat, Registered, Source, Transport};

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
    let length: usize = parts.iter().map(|p| p.len()).sum();
    let length = u32::try_from(length)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a frame over 4 GiB"))?;
    let mut buffer = Vec::with_capacity(4 + length as usize);
    buffer.extend_from_slice(&length.to_le_bytes());
    for part in parts {
        buffer.extend_from_slice(part);
    }
    out.write_all(&buffer)?;
    out.flush()
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

/// Why reading from the runner failed.
enum ReadFailure {
    Timeout,
    Closed,
    Oversized(usize),
    Io(std::io::Error),
}

/// How long a reader spins on an empty pipe before it sleeps in `poll`: most answers come
/// within this, and waking from `poll` costs about as much as the answer itself.
const SPIN: Duration = Duration::from_micros(50);

/// Read exactly `buffer.len()` bytes before `deadline` from the runner's (non-blocking)
/// output: spin briefly, then poll, so a silent runner costs no thread and a slow one
/// cannot hold the host past its timeout.
fn read_until(stdout: &mut ChildStdout, buffer: &mut [u8], deadline: Instant) -> std::result::Result<(), ReadFailure> {
    let mut filled = 0;
    let mut spinning_since: Option<Instant> = None;
    while filled < buffer.len() {
        match stdout.read(&mut buffer[filled..]) {
            Ok(0) => return Err(ReadFailure::Closed),
            Ok(n) => {
                filled += n;
                spinning_since = None;
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(ReadFailure::Io(e)),
        }
        let since = *spinning_since.get_or_insert_with(Instant::now);
        if since.elapsed() < SPIN {
            std::hint::spin_loop();
            continue;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ReadFailure::Timeout);
        }
        let mut poll = libc::pollfd { fd: stdout.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let millis = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd, owned here, for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(ReadFailure::Io(error));
            }
        } else if ready == 0 {
            return Err(ReadFailure::Timeout);
        }
    }
    Ok(())
}

/// Make the host's end of the runner's output non-blocking (see [`read_until`]).
fn set_nonblocking(stdout: &ChildStdout) -> Result<()> {
    let fd = stdout.as_raw_fd();
    // SAFETY: fcntl on a descriptor this process owns, reading then setting its flags.
    let ok = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) == 0
    };
    if ok {
        Ok(())
    } else {
        Err(Error::failed(format!("cannot set up the plugin runner's pipe: {}", std::io::Error::last_os_error())))
    }
}

fn read_answer(stdout: &mut ChildStdout, deadline: Instant) -> std::result::Result<Vec<u8>, ReadFailure> {
    let mut header = [0u8; 4];
    read_until(stdout, &mut header, deadline)?;
    let length = u32::from_le_bytes(header) as usize;
    if length > MAX_ANSWER_BYTES {
        return Err(ReadFailure::Oversized(length));
    }
    let mut payload = vec![0u8; length];
    read_until(stdout, &mut payload, deadline)?;
    Ok(payload)
}

/// A live runner: its pipes and what it printed to standard error lately.
struct Live {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

/// One plugin's runner, reused across calls; calls to it are serialized.
struct Runner {
    plugin: PathBuf,
    timeout: Duration,
    memory_limit_mib: u64,
    /// `Err(why)` once the runner was stopped: every later call gets the same reason.
    state: Mutex<std::result::Result<Live, String>>,
}

fn describe_signal(signal: i32) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV, a segmentation fault",
        libc::SIGABRT => "SIGABRT, an abort",
        libc::SIGBUS => "SIGBUS, a bus error",
        libc::SIGILL => "SIGILL, an illegal instruction",
        libc::SIGFPE => "SIGFPE, an arithmetic fault",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSYS => "SIGSYS, a forbidden system call",
        libc::SIGXFSZ => "SIGXFSZ, a write to a file it may not write",
        libc::SIGPIPE => "SIGPIPE",
        _ => "",
    };
    if name.is_empty() {
        format!("signal {signal}")
    } else {
        format!("signal {signal}, {name}")
    }
}

impl Live {
    /// Kill the runner (if still running), reap it and say how it ended.
    fn stop(mut self, memory_limit_mib: u64) -> String {
        // SAFETY: plain syscalls on the child's own pid, which is not reaped yet (so not reused).
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let mut status: libc::c_int = 0;
        // SAFETY: zeroed rusage is a valid value; wait4 fills it and `status`.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: reaping our own child; std's Child is not used to wait afterwards.
        let reaped = unsafe { libc::wait4(self.child.id() as i32, &mut status, 0, &mut usage) };
        drop(self.stdin);
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let stderr = self.stderr_tail.lock().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default();
        let peak_mib = u64::try_from(usage.ru_maxrss).unwrap_or(0) / 1024;
        if stderr.contains("memory allocation of") {
            return format!("its process exceeded the memory limit of {memory_limit_mib} MiB and was stopped");
        }
        if stderr.contains("has overflowed its stack") {
            return "its process overflowed its stack and was stopped".into();
        }
        if reaped <= 0 {
            return "its process ended".into();
        }
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            if signal == libc::SIGKILL {
                return "its process was killed (SIGKILL)".into();
            }
            let crashed = format!("its process crashed ({})", describe_signal(signal));
            // A C library that finds malloc returning NULL typically aborts or crashes.
            if memory_limit_mib > 0 && peak_mib * 2 >= memory_limit_mib {
                return format!(
                    "{crashed} after using {peak_mib} MiB of its memory limit of {memory_limit_mib} MiB: most \
                     likely it ran out of memory (raise the limit with --plugin-memory-limit MIB)"
                );
            }
            return crashed;
        }
        format!("its process exited with status {}", libc::WEXITSTATUS(status))
    }
}

impl Runner {
    /// Stop the runner for `what` happened, remember why, and return the failure.
    fn fail(&self, state: &mut std::result::Result<Live, String>, what: impl FnOnce(String) -> String) -> CallFailure {
        let ended = std::mem::replace(state, Err(String::new()));
        let how = match ended {
            Ok(live) => live.stop(self.memory_limit_mib),
            Err(earlier) => earlier,
        };
        let why = what(how);
        *state = Err(why.clone());
        CallFailure::Runner(why)
    }

    fn failure_of(&self, state: &mut std::result::Result<Live, String>, failure: ReadFailure) -> CallFailure {
        match failure {
            ReadFailure::Timeout => {
                let seconds = self.timeout.as_secs_f64();
                self.fail(state, |_| {
                    format!(
                        "it did not answer within {seconds} s (a hang or an endless loop) and its process was \
                         stopped; if the plugin is only slow, raise the limit with --plugin-timeout SECONDS"
                    )
                })
            }
            ReadFailure::Oversized(length) => self.fail(state, |_| {
                format!(
                    "it answered with {length} bytes, over the limit of {MAX_ANSWER_BYTES} bytes, and its process \
                     was stopped"
                )
            }),
            ReadFailure::Closed => self.fail(state, |how| how),
            ReadFailure::Io(error) => self.fail(state, |how| format!("reading its answer failed ({error}); {how}")),
        }
    }
}

impl Transport for Runner {
    fn call(&self, hook: &str, request: &str) -> std::result::Result<String, CallFailure> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let live = match state.as_mut() {
            Ok(live) => live,
            Err(why) => return Err(CallFailure::Runner(format!("its process had already stopped: {why}"))),
        };
        if let Err(error) = write_frame(&mut live.stdin, &[hook.as_bytes(), b"\n", request.as_bytes()]) {
            return Err(self.fail(&mut state, |how| format!("sending the request failed ({error}); {how}")));
        }
        let deadline = Instant::now() + self.timeout;
        let answer = match read_answer(&mut live.stdout, deadline) {
            Ok(answer) => answer,
            Err(failure) => return Err(self.failure_of(&mut state, failure)),
        };
        let Some((&kind, body)) = answer.split_first() else {
            return Err(self.fail(&mut state, |_| "it sent an empty answer; its process was stopped".into()));
        };
        let text = match std::str::from_utf8(body) {
            Ok(text) => text.to_owned(),
            Err(_) => {
                return Err(self
                    .fail(&mut state, |_| "it answered with bytes that are not UTF-8; its process was stopped".into()))
            }
        };
        match kind {
            ANSWER_OK => Ok(text),
            ANSWER_PLUGIN_ERROR => Err(match serde_json::from_str::<PluginError>(&text) {
                Ok(error) => CallFailure::Plugin(error),
                Err(_) => CallFailure::Protocol(format!("it reported an error that is not a {{code, message}} object: {}", clip(&text))),
            }),
            ANSWER_PROTOCOL => Err(CallFailure::Protocol(clip(&text))),
            other => Err(self.fail(&mut state, |_| {
                format!("it sent an answer the runner protocol does not know (first byte {other:#04x}); its process was stopped")
            })),
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let state = std::mem::replace(self.state.get_mut().unwrap_or_else(|p| p.into_inner()), Err(String::new()));
        if let Ok(live) = state {
            live.stop(0);
        }
    }
}

/// At most a screenful of what a plugin sent, without control characters.
fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(500).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > 500 {
        clipped.push('…');
    }
    clipped
}

/// Start a runner for `path`, wait for its hello and register the plugin it serves.
///
/// Call it from a thread that lives as long as the registry (the main thread): the runner's
/// `PR_SET_PDEATHSIG` fires when the thread that started it ends. `opened_as` is the checked
/// copy of the library's bytes ([`crate::trust::loadable_copy`], an inherited descriptor):
/// the runner loads that, and names the library by `path`.
pub fn load(path: &Path, opened_as: &Path, sha256: String, settings: &ProcessIsolation) -> Result<Registered> {
    let mut command = Command::new(&settings.runner);
    command
        .arg(RUNNER_ARG)
        .arg("--protocol")
        .arg(PROTOCOL_VERSION.to_string())
        .arg("--memory-limit-mib")
        .arg(settings.memory_limit_mib.to_string());
    if settings.require_sandbox {
        command.arg("--require-sandbox");
    }
    if opened_as != path {
        command.arg("--opened-as").arg(opened_as);
    }
    command
        .arg("--")
        .arg(path)
        // Nothing of the user's environment (API keys, tokens) reaches the plugin.
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec here.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    let mut child = command.spawn().map_err(|e| {
        Error::failed(format!(
            "cannot start the plugin runner {} for plugin {}: {e}. Run the plugin in process with \
             --plugin-isolation none if you trust it",
            settings.runner.display(),
            path.display()
        ))
    })?;
    let (Some(stdin), Some(stdout), Some(mut stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(Error::failed("the plugin runner's pipes were not set up"));
    };
    set_nonblocking(&stdout)?;
    let stderr_tail = Arc::new(Mutex::new(Vec::new()));
    let tail = Arc::clone(&stderr_tail);
    let stderr_reader = std::thread::Builder::new()
        .name("plugin-stderr".into())
        .spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut tail) = tail.lock() {
                    tail.extend_from_slice(&chunk[..n]);
                    let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
                    tail.drain(..excess);
                }
            }
        })
        .ok();
    let runner = Runner {
        plugin: path.to_path_buf(),
        timeout: settings.timeout,
        memory_limit_mib: settings.memory_limit_mib,
        state: Mutex::new(Ok(Live { child, stdin, stdout, stderr_tail, stderr_reader })),
    };
    let hello = runner.hello()?;
    let plugin = &runner.plugin;
    if hello.protocol != PROTOCOL_VERSION {
        return Err(Error::failed(format!(
            "the plugin runner for {} speaks runner protocol {}, this host {PROTOCOL_VERSION}; reinstall handover-migrate",
            plugin.display(),
            hello.protocol
        )));
    }
    let loaded = match (hello.loaded, hello.refused) {
        (_, Some(refusal)) => {
            let message = clip_lines(&refusal.message);
            return Err(if refusal.usage { Error::usage(message) } else { Error::failed(message) });
        }
        (Some(loaded), None) => loaded,
        (None, None) => {
            return Err(Error::failed(format!(
                "the plugin runner for {} said neither what it loaded nor why it refused",
                plugin.display()
            )))
        }
    };
    // The runner checked the contract before any hook; check again what it reports.
    check_contract(plugin, &loaded.contract_version)?;
    let format = match loaded.format.as_str() {
        "rust" => PluginFormat::Rust,
        "c" => PluginFormat::C,
        other => {
            return Err(Error::failed(format!(
                "the plugin runner for {} reports an unknown format {other:?}",
                plugin.display()
            )))
        }
    };
    warn_once_about(&loaded.sandbox);
    let source = Source::File { path: path.to_path_buf(), sha256, format };
    Ok(Registered::isolated(Box::new(runner), loaded.info, source, loaded.sandbox))
}

/// Like [`clip`], but keeping line breaks (error messages may span lines) and longer.
fn clip_lines(text: &str) -> String {
    text.chars().take(4000).filter(|c| *c == '\n' || !c.is_control()).collect()
}

impl Runner {
    fn hello(&self) -> Result<Hello> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let plugin = self.plugin.display().to_string();
        let live = match state.as_mut() {
            Ok(live) => live,
            Err(why) => return Err(Error::failed(format!("plugin {plugin}: {why}"))),
        };
        let frame = read_answer(&mut live.stdout, Instant::now() + self.timeout);
        let frame = match frame {
            Ok(frame) => frame,
            Err(failure) => {
                let why = match self.failure_of(&mut state, failure) {
                    CallFailure::Runner(why) | CallFailure::Protocol(why) => why,
                    CallFailure::Plugin(error) => error.to_string(),
                };
                return Err(Error::failed(format!(
                    "plugin {plugin} could not be loaded in its own process: {why}; it was not loaded"
                )));
            }
        };
        serde_json::from_slice(&frame).map_err(|e| {
            let _ = self.fail(&mut state, |how| how);
            Error::failed(format!(
                "plugin {plugin}: its runner's first message is not a runner hello ({e}); it was not loaded"
            ))
        })
    }
}

/// Say once per run what the kernel could not enforce.
fn warn_once_about(sandbox: &SandboxState) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    if !sandbox.complete() {
        WARNED.call_once(|| {
            tracing::warn!(
                "plugin sandbox incomplete on this kernel: {}; plugins still run in their own process \
                 (--require-sandbox refuses instead)",
                sandbox.summary()
            );
        });
    }
}

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
