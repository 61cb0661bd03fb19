//! Failpoints: named places where a test can make the process fail as a crash, a full
//! disk or a slow disk would.
//!
//! `HANDOVER_MIGRATE_FAILPOINT=name[:N][:action]`, at the N-th (default first) crossing
//! of `name` (`*` matches every failpoint):
//! - `exit` (default): exit at once with status 86, without unwinding or cleanup, which is
//!   what a kill or power loss looks like to the files on disk;
//! - `error`: fail that step with a simulated "No space left on device";
//! - `sleep=MS`: pause, to hold the lock while a test starts a second run.
//!
//! Unset, a failpoint costs one initialised `OnceLock` read. Failpoints exist only in
//! builds with the `failpoints` feature (the CLI's tests enable it through a
//! dev-dependency): in a release binary `HANDOVER_MIGRATE_FAILPOINT` does nothing.

#[cfg(feature = "failpoints")]
use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(feature = "failpoints")]
use std::sync::OnceLock;

#[cfg(feature = "failpoints")]
use crate::error::Error;
use crate::error::Result;

/// Exit status of a process stopped at a failpoint.
pub const FAILPOINT_EXIT: i32 = 86;

#[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Exit,
    Error,
    Sleep(u64),
}

#[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
struct Config {
    name: String,
    nth: usize,
    action: Action,
}

#[cfg(feature = "failpoints")]
static CONFIG: OnceLock<Option<Config>> = OnceLock::new();
#[cfg(feature = "failpoints")]
static COUNT: AtomicUsize = AtomicUsize::new(0);

#[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
/// Failpoint names contain `:` themselves, so the options are taken from the right.
fn parse(spec: &str) -> Option<Config> {
    let mut parts: Vec<&str> = spec.split(':').collect();
    let mut config = Config { name: String::new(), nth: 1, action: Action::Exit };
    while let Some(last) = parts.last().copied() {
        if let Ok(n) = last.parse::<usize>() {
            config.nth = n.max(1);
        } else if last == "error" {
            config.action = Action::Error;
        } else if last == "exit" {
            config.action = Action::Exit;
        } else if let Some(ms) = last.strip_prefix("sleep=").and_then(|ms| ms.parse().ok()) {
            config.action = Action::Sleep(ms);
        } else {
            break;
        }
        parts.pop();
    }
    config.name = parts.join(":");
    (!config.name.is_empty()).then_some(config)
}

/// The failpoint setting for a child process started with an empty environment (the
/// plugin runner), so that a test can reach failpoints in it too; `None` without the
/// `failpoints` feature or when no failpoint is set.
#[cfg(not(feature = "failpoints"))]
pub fn inherited() -> Option<(&'static str, String)> {
    None
}

/// See the other `inherited`.
#[cfg(feature = "failpoints")]
pub fn inherited() -> Option<(&'static str, String)> {
    std::env::var(VARIABLE).ok().map(|value| (VARIABLE, value))
}

#[cfg(feature = "failpoints")]
const VARIABLE: &str = "HANDOVER_MIGRATE_FAILPOINT";

/// Cross the failpoint `name` (a no-op without the `failpoints` feature).
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) -> Result<()> {
    Ok(())
}

/// Cross the failpoint `name`.
#[cfg(feature = "failpoints")]
pub fn hit(name: &str) -> Result<()> {
    let config = CONFIG.get_or_init(|| std::env::var(VARIABLE).ok().and_then(|s| parse(&s)));
    let Some(config) = config else { return Ok(()) };
    if config.name != name && config.name != "*" {
        return Ok(());
    }
    let seen = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    if seen != config.nth {
        return Ok(());
    }
    match config.action {
        Action::Exit => {
            eprintln!("failpoint {name} reached (crossing {seen}); stopping as if killed");
            std::process::exit(FAILPOINT_EXIT);
        }
        Action::Error => Err(Error::failed(format!(
            "failpoint {name}: simulated write failure: No space left on device (os error 28)"
        ))),
        Action::Sleep(ms) => {
            std::thread::sleep(std::time::Duration::from_millis(ms.min(60_000)));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(parse("a"), Some(Config { name: "a".into(), nth: 1, action: Action::Exit }));
        assert_eq!(parse("a:3"), Some(Config { name: "a".into(), nth: 3, action: Action::Exit }));
        assert_eq!(parse("a:2:error"), Some(Config { name: "a".into(), nth: 2, action: Action::Error }));
        assert_eq!(parse("a:sleep=500"), Some(Config { name: "a".into(), nth: 1, action: Action::Sleep(500) }));
        assert_eq!(parse(""), None);
        assert_eq!(
            parse("write_atomic:before:4:error"),
            Some(Config { name: "write_atomic:before".into(), nth: 4, action: Action::Error })
        );
    }
}
