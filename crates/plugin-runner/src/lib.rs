//! The plugin runner: the process an isolated native plugin runs in.
//!
//! The `handover-migrate` binary becomes a runner when its first argument is
//! [`RUNNER_ARG`] ([`dispatch_if_runner`] is called at the very top of `main`, before any
//! argument parsing), so `cargo install` still yields one binary. The host side and the
//! wire are in `handover_migrate_plugins::isolated`.
//!
//! Order of events, each before the plugin's code can run:
//!
//! 1. Move the protocol's output to a private descriptor and point standard output at
//!    standard error, so that whatever a plugin prints cannot corrupt an answer.
//! 2. Sandbox itself (`sandbox::apply`): resource limits, Landlock (read the library and
//!    what the dynamic loader needs, nothing else), seccomp (no sockets).
//! 3. Open the library, tell its kind, check its contract version, ask its `info`
//!    (`handover_migrate_plugins::dynamic::open`), and say hello.
//! 4. Answer calls until the host closes standard input.

mod sandbox;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::os::fd::FromRawFd;
use std::path::PathBuf;

use handover_migrate_core::plugin::panic_message;
use handover_migrate_core::protocol::PluginError;
use handover_migrate_plugins::dynamic;
pub use handover_migrate_plugins::isolated::RUNNER_ARG;
use handover_migrate_plugins::isolated::{
    push_frame, read_frame, write_frame, Hello, Loaded, Refusal, ANSWER_OK, ANSWER_PLUGIN_ERROR, ANSWER_PROTOCOL,
    MAX_REQUEST_BYTES, PROTOCOL_VERSION,
};
use handover_migrate_plugins::registry::CallFailure;

/// If this process was started as a plugin runner, run as one and exit; otherwise return.
pub fn dispatch_if_runner() {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|first| first == RUNNER_ARG) {
        std::process::exit(run(args.collect()));
    }
}

struct Options {
    protocol: u32,
    memory_limit_mib: u64,
    require_sandbox: bool,
    library: PathBuf,
    /// `--opened-as PATH`: where the host's checked copy of the library's bytes is
    /// (`/proc/self/fd/N`, inherited); `library` then only names it in messages.
    opened_as: Option<PathBuf>,
}

fn parse(args: Vec<std::ffi::OsString>) -> Result<Options, String> {
    let mut options =
        Options { protocol: 0, memory_limit_mib: 0, require_sandbox: false, library: PathBuf::new(), opened_as: None };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        let mut number = |what: &str| -> Result<u64, String> {
            args.next().and_then(|v| v.to_str().and_then(|v| v.parse().ok())).ok_or(format!("{what} takes a number"))
        };
        match text.as_str() {
            "--protocol" => options.protocol = u32::try_from(number("--protocol")?).map_err(|e| e.to_string())?,
            "--memory-limit-mib" => options.memory_limit_mib = number("--memory-limit-mib")?,
            "--require-sandbox" => options.require_sandbox = true,
            "--opened-as" => {
                options.opened_as = Some(args.next().map(PathBuf::from).ok_or("no path after --opened-as")?)
            }
            "--" => {
                options.library = args.next().map(PathBuf::from).ok_or("no library after --")?;
                return Ok(options);
            }
            other => return Err(format!("unknown runner argument {other:?}")),
        }
    }
    Err("no library given".into())
}

fn run(args: Vec<std::ffi::OsString>) -> i32 {
    let options = match parse(args) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("{RUNNER_ARG}: {problem} (this mode is started by handover-migrate itself)");
            return 2;
        }
    };
    // SAFETY: descriptors 1 and 2 belong to this process; F_DUPFD_CLOEXEC makes a new one
    // that only this function owns (wrapped in a File just below), and dup2 re-points 1.
    let mut protocol = unsafe {
        let private = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
        if private < 0 || libc::dup2(2, 1) < 0 {
            eprintln!("{RUNNER_ARG}: cannot set up its output: {}", std::io::Error::last_os_error());
            return 1;
        }
        File::from_raw_fd(private)
    };
    let hello = |loaded, refused| Hello { protocol: PROTOCOL_VERSION, loaded, refused };
    let say = |out: &mut File, hello: &Hello| {
        let json = serde_json::to_vec(hello).unwrap_or_default();
        write_frame(out, &[&json]).is_ok()
    };
    if options.protocol != PROTOCOL_VERSION {
        let refusal = Refusal {
            usage: false,
            message: format!(
                "the plugin runner speaks protocol {PROTOCOL_VERSION}, the host asked for {}",
                options.protocol
            ),
            sandbox: None,
        };
        say(&mut protocol, &hello(None, Some(refusal)));
        return 1;
    }
    let library = std::fs::canonicalize(&options.library).unwrap_or(options.library.clone());
    // The bytes the host checked and hashed, not the path again (which could have been
    // swapped). The copy is an in-memory file, which Landlock neither needs nor accepts a
    // rule for: the sandbox's rule stays on the library's path.
    let opened_as = options.opened_as.clone().unwrap_or_else(|| library.clone());
    let sandbox = sandbox::apply(&library, options.memory_limit_mib);
    if options.require_sandbox && !sandbox.complete() {
        let refusal = Refusal {
            usage: true,
            message: format!(
                "plugin {} was not loaded: --require-sandbox, but this kernel cannot fully sandbox it ({}). \
                 Run on a kernel with Landlock and seccomp, or drop --require-sandbox",
                library.display(),
                sandbox.summary()
            ),
            sandbox: Some(sandbox),
        };
        say(&mut protocol, &hello(None, Some(refusal)));
        return 1;
    }
    let opened = match dynamic::open_as(&library, &opened_as) {
        Ok(opened) => opened,
        Err(error) => {
            say(&mut protocol, &hello(None, Some(Refusal::from_error(&error))));
            return 1;
        }
    };
    let loaded = Loaded {
        format: opened.format.as_str().to_string(),
        contract_version: opened.contract_version,
        info: opened.info,
        sandbox,
    };
    if !say(&mut protocol, &hello(Some(loaded), None)) {
        return 1;
    }
    serve(opened.transport.as_ref(), &mut protocol)
}

/// Answer calls until the host closes standard input. Answers are flushed whenever no
/// further request is already read: a batch of requests the host wrote at once is
/// answered in few writes, and a lone request at once.
fn serve(transport: &dyn handover_migrate_plugins::registry::Transport, out: &mut File) -> i32 {
    let mut input = BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let mut frame_bytes = Vec::new();
    loop {
        let frame = match read_frame(&mut input, MAX_REQUEST_BYTES) {
            Ok(Some(frame)) => frame,
            Ok(None) => return 0,
            Err(error) => {
                eprintln!("{RUNNER_ARG}: reading a request failed: {error}");
                return 1;
            }
        };
        let answer = answer(transport, &frame);
        let error_json;
        let (kind, body) = match &answer {
            Ok(json) => (ANSWER_OK, json.as_bytes()),
            Err(CallFailure::Plugin(error)) => {
                error_json = serde_json::to_string(error).unwrap_or_default();
                (ANSWER_PLUGIN_ERROR, error_json.as_bytes())
            }
            Err(CallFailure::Protocol(problem) | CallFailure::Runner(problem)) => (ANSWER_PROTOCOL, problem.as_bytes()),
        };
        frame_bytes.clear();
        if push_frame(&mut frame_bytes, &[&[kind], body]).is_err() || out.write_all(&frame_bytes).is_err() {
            return 1;
        }
        if input.buffer().is_empty() && out.flush().is_err() {
            return 1;
        }
    }
}

fn answer(transport: &dyn handover_migrate_plugins::registry::Transport, frame: &[u8]) -> Result<String, CallFailure> {
    let text = std::str::from_utf8(frame).map_err(|_| CallFailure::Protocol("the request is not UTF-8".into()))?;
    let (hook, request) =
        text.split_once('\n').ok_or_else(|| CallFailure::Protocol("the request frame has no hook line".into()))?;
    // The in-process transports catch plugin panics themselves (abi_stable and the C
    // boundary); one that escapes still must not take the runner down silently.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| transport.call(hook, request))).unwrap_or_else(|panic| {
        let message = format!("panicked in {hook}: {}", panic_message(panic.as_ref()));
        Err(CallFailure::Plugin(PluginError::new(PluginError::PANIC, message)))
    })
}
