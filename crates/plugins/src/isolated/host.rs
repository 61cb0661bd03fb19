//! The host's side of a runner: start it, read its hello, send calls and read answers with
//! a deadline, and tell how it ended when it fails.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use handover_migrate_core::protocol::PluginError;

use handover_migrate_io::{Error, Result};

use super::*;
use crate::discovery::check_contract;
use crate::registry::{CallFailure, PluginFormat, Registered, Source, Transport};

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

/// The runner's output, read ahead: one read takes every answer already in the pipe (a
/// batch's answers arrive back to back).
struct Output {
    pipe: ChildStdout,
    /// Bytes read: `buffer[start..end]` is not consumed yet. Zeroed once, when it grows,
    /// never per read: the answers of a batch often arrive one pipe read each.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
}

/// How much one read asks the pipe for, at least.
const READ_CHUNK: usize = 64 * 1024;

impl Output {
    fn new(pipe: ChildStdout) -> Self {
        Self { pipe, buffer: vec![0; READ_CHUNK], start: 0, end: 0 }
    }

    /// The next answer frame's payload, before `deadline`.
    fn read_answer(&mut self, deadline: Instant) -> std::result::Result<&[u8], ReadFailure> {
        self.fill(4, deadline)?;
        let header = [0, 1, 2, 3].map(|i| self.buffer[self.start + i]);
        let length = u32::from_le_bytes(header) as usize;
        if length > MAX_ANSWER_BYTES {
            return Err(ReadFailure::Oversized(length));
        }
        self.fill(4 + length, deadline)?;
        let at = self.start + 4;
        self.start += 4 + length;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        // Still in the buffer: nothing reads into it before the next call.
        Ok(&self.buffer[at..at + length])
    }

    /// Have at least `want` unread bytes before `deadline`, reading the (non-blocking)
    /// pipe: spin briefly, then poll, so a silent runner costs no thread and a slow one
    /// cannot hold the host past its timeout.
    fn fill(&mut self, want: usize, deadline: Instant) -> std::result::Result<(), ReadFailure> {
        let mut spinning_since: Option<Instant> = None;
        while self.end - self.start < want {
            // Room for the whole frame and a chunk more after the unread bytes.
            if self.buffer.len() - self.start < want.max(READ_CHUNK) {
                self.buffer.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                if self.buffer.len() < want.max(READ_CHUNK) {
                    self.buffer.resize(want.max(READ_CHUNK), 0);
                }
            }
            let read = self.pipe.read(&mut self.buffer[self.end..]);
            match read {
                Ok(0) => return Err(ReadFailure::Closed),
                Ok(n) => {
                    self.end += n;
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
            let mut poll = libc::pollfd { fd: self.pipe.as_raw_fd(), events: libc::POLLIN, revents: 0 };
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
}

/// The capacity of the pipe to the runner, raised where the kernel lets us (a batch is
/// written a pipeful at a time); at least one page.
fn pipe_capacity(stdin: &ChildStdin) -> usize {
    const WANTED: libc::c_int = 1024 * 1024;
    let fd = stdin.as_raw_fd();
    // SAFETY: fcntl on a pipe descriptor this process owns; F_SETPIPE_SZ may fail (limits),
    // which leaves the pipe as it was.
    let size = unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, WANTED);
        libc::fcntl(fd, libc::F_GETPIPE_SZ)
    };
    usize::try_from(size).unwrap_or(0).max(4096)
}

/// Make the host's end of the runner's output non-blocking (see [`Output::fill`]).
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

/// A live runner: its pipes and what it printed to standard error lately.
struct Live {
    child: Child,
    stdin: ChildStdin,
    /// How many bytes of requests fit the pipe to the runner at once.
    pipe_capacity: usize,
    output: Output,
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
            Err(why) => return Err(already_stopped(why)),
        };
        if let Err(error) = write_frame(&mut live.stdin, &[hook.as_bytes(), b"\n", request.as_bytes()]) {
            return Err(self.fail(&mut state, |how| format!("sending the request failed ({error}); {how}")));
        }
        self.receive(&mut state)
    }

    fn batches(&self) -> bool {
        true
    }

    /// Requests are written back to back, as many at a time as the pipe holds, then their
    /// answers read in order, each within the per-call timeout: one round trip for many
    /// requests, and the runner answers them without waiting for the host in between.
    /// Writing a chunk never waits: the runner has read every earlier request (each was
    /// answered) and the chunk fits the empty pipe, so the runner blocking on answers the
    /// host has not read yet cannot deadlock the two.
    fn call_many(&self, hook: &str, requests: &[&str]) -> Vec<std::result::Result<String, CallFailure>> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut results = Vec::with_capacity(requests.len());
        let mut next = 0;
        let mut buffer = Vec::new();
        while next < requests.len() {
            let live = match state.as_mut() {
                Ok(live) => live,
                Err(why) => {
                    let why = why.clone();
                    results.extend(requests[next..].iter().map(|_| Err(already_stopped(&why))));
                    break;
                }
            };
            buffer.clear();
            let mut end = next;
            let mut framed = Ok(());
            while end < requests.len() && framed.is_ok() {
                let size = 4 + hook.len() + 1 + requests[end].len();
                // A request larger than the pipe goes alone (as a single call would).
                if end > next && buffer.len() + size > live.pipe_capacity {
                    break;
                }
                framed = push_frame(&mut buffer, &[hook.as_bytes(), b"\n", requests[end].as_bytes()]);
                end += 1;
            }
            let sent = framed.and_then(|()| live.stdin.write_all(&buffer)).and_then(|()| live.stdin.flush());
            if let Err(error) = sent {
                let failure = self.fail(&mut state, |how| format!("sending the requests failed ({error}); {how}"));
                results.push(Err(failure));
                next += 1;
                continue;
            }
            for _ in next..end {
                results.push(self.receive(&mut state));
            }
            next = end;
        }
        results
    }
}

fn already_stopped(why: &str) -> CallFailure {
    CallFailure::Runner(format!("its process had already stopped: {why}"))
}

impl Runner {
    /// Read and decode the next answer, within the per-call timeout.
    fn receive(&self, state: &mut std::result::Result<Live, String>) -> std::result::Result<String, CallFailure> {
        let live = match state.as_mut() {
            Ok(live) => live,
            Err(why) => return Err(already_stopped(why)),
        };
        let deadline = Instant::now() + self.timeout;
        let decoded = match live.output.read_answer(deadline) {
            Ok(answer) => match answer.split_first() {
                None => Err("it sent an empty answer; its process was stopped"),
                Some((&kind, body)) => match std::str::from_utf8(body) {
                    Ok(text) => Ok((kind, text.to_owned())),
                    Err(_) => Err("it answered with bytes that are not UTF-8; its process was stopped"),
                },
            },
            Err(failure) => return Err(self.failure_of(state, failure)),
        };
        let (kind, text) = match decoded {
            Ok(decoded) => decoded,
            Err(why) => return Err(self.fail(state, |_| why.into())),
        };
        match kind {
            ANSWER_OK => Ok(text),
            ANSWER_PLUGIN_ERROR => Err(match serde_json::from_str::<PluginError>(&text) {
                Ok(error) => CallFailure::Plugin(error),
                Err(_) => CallFailure::Protocol(format!(
                    "it reported an error that is not a {{code, message}} object: {}",
                    clip(&text)
                )),
            }),
            ANSWER_PROTOCOL => Err(CallFailure::Protocol(clip(&text))),
            other => Err(self.fail(state, |_| {
                format!(
                    "it sent an answer the runner protocol does not know (first byte {other:#04x}); its process was \
                     stopped"
                )
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
        // A test build's failpoint setting reaches the runner too (nothing in a release build).
        .envs(handover_migrate_io::failpoint::inherited())
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
        state: Mutex::new(Ok(Live {
            child,
            pipe_capacity: pipe_capacity(&stdin),
            stdin,
            output: Output::new(stdout),
            stderr_tail,
            stderr_reader,
        })),
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
        let frame = live.output.read_answer(Instant::now() + self.timeout).map(<[u8]>::to_vec);
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
