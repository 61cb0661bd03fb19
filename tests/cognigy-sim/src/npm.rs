//! Test-time access to Cognigy's official REST client (`tests/npm-clone`, locked to
//! `@cognigy/rest-api-client` 0.19.0 by its `package-lock.json`): installs it with `npm ci`
//! and derives from it, under `target/cognigy-sim-cache/`, the node catalogue
//! (`--descriptors`) and the client's request/response schemas. Nothing derived from the
//! package is committed (its licence is proprietary).
//!
//! Without node/npm these return `Ok(None)`, except under `CI=true`, where a missing tool is
//! an error: CI installs them (`.ci/run`), so a test never skips silently there.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The client version the lockfile pins.
pub const CLIENT_VERSION: &str = "0.19.0";

/// `tests/npm-clone`.
pub fn npm_clone_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../npm-clone")
}

/// `<target>/cognigy-sim-cache`.
pub fn cache_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("cognigy-sim-cache")
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether node and npm are there: `Ok(false)` on a developer machine without them (the
/// caller says it skipped), an error under `CI=true`.
pub fn tools_available(what: &str) -> Result<bool> {
    if available("node") && available("npm") {
        return Ok(true);
    }
    if on_ci() {
        bail!("{what} needs node and npm on PATH; CI must install them (.ci/run)");
    }
    eprintln!("SKIPPED {what}: `node`/`npm` not found on PATH");
    Ok(false)
}

/// Runs `command` to completion within `timeout`; its combined output on failure.
pub fn run(command: &mut Command, timeout: Duration) -> Result<String> {
    let logs = tempfile_dir()?;
    let out_path = logs.join("out");
    let out = std::fs::File::create(&out_path)?;
    let err = out.try_clone()?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{command:?} did not finish within {timeout:?}:\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&logs);
    if !status.success() {
        bail!("{command:?} failed ({status}):\n{output}");
    }
    Ok(output)
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "cognigy-sim-npm-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// An exclusive lock on the cache (test processes run in parallel; one installs at a time).
struct CacheLock(std::fs::File);

impl CacheLock {
    fn take() -> Result<CacheLock> {
        use std::os::fd::AsRawFd;
        let dir = cache_dir();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".lock"))
            .context("opening the cache lock")?;
        // SAFETY: flock on a file descriptor this struct owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            bail!("locking {}: {}", dir.display(), std::io::Error::last_os_error());
        }
        Ok(CacheLock(file))
    }
}

impl Drop for CacheLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above; closing the file would release it too.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

fn client_installed(dir: &Path) -> bool {
    let installed = dir.join("node_modules/@cognigy/rest-api-client/package.json");
    let typescript = dir.join("node_modules/typescript/package.json");
    let version = std::fs::read_to_string(installed)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|p| p["version"].as_str().map(str::to_string));
    version.as_deref() == Some(CLIENT_VERSION) && typescript.is_file()
}

/// `npm ci` in `tests/npm-clone` unless the locked client is already installed. `Ok(false)`
/// when node/npm are missing off CI.
pub fn ensure_client(what: &str) -> Result<bool> {
    if !tools_available(what)? {
        return Ok(false);
    }
    let dir = npm_clone_dir();
    if client_installed(&dir) {
        return Ok(true);
    }
    let _lock = CacheLock::take()?;
    if !client_installed(&dir) {
        run(
            Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"]).current_dir(&dir),
            Duration::from_secs(300),
        )?;
    }
    Ok(true)
}

/// Runs `script OUT` in `tests/npm-clone` unless OUT is newer than the script.
fn generated(what: &str, script: &str, file_name: &str) -> Result<Option<PathBuf>> {
    if !ensure_client(what)? {
        return Ok(None);
    }
    let dir = npm_clone_dir();
    let out = cache_dir().join(file_name);
    let fresh = |out: &Path| {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        matches!((modified(out), modified(&dir.join(script))), (Some(o), Some(s)) if o >= s)
    };
    if fresh(&out) {
        return Ok(Some(out));
    }
    let _lock = CacheLock::take()?;
    if !fresh(&out) {
        run(Command::new("node").arg(script).arg(&out).current_dir(&dir), Duration::from_secs(120))?;
    }
    Ok(Some(out))
}

/// The node catalogue of the official client (`gen-descriptors.cjs`), for `--descriptors`.
pub fn descriptors_file(what: &str) -> Result<Option<PathBuf>> {
    generated(what, "gen-descriptors.cjs", &format!("descriptors-rac-{CLIENT_VERSION}.json"))
}

/// The client's request/response schemas (`gen-client-types.cjs`).
pub fn client_types_file(what: &str) -> Result<Option<PathBuf>> {
    generated(what, "gen-client-types.cjs", &format!("client-types-rac-{CLIENT_VERSION}.json"))
}
