//! Failpoints: named places where a test can make the process stop as if killed.
//!
//! `HANDOVER_MIGRATE_FAILPOINT=name[:N]` makes the N-th (default first) crossing of
//! `name` exit the process at once with status 86, without unwinding or cleanup, which is
//! what a kill or power loss looks like to the files on disk. Unset, a failpoint costs one
//! relaxed atomic load.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::error::Result;

/// Exit status of a process stopped at a failpoint.
pub const FAILPOINT_EXIT: i32 = 86;

static CONFIG: OnceLock<Option<(String, usize)>> = OnceLock::new();
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn config() -> &'static Option<(String, usize)> {
    CONFIG.get_or_init(|| {
        let spec = std::env::var("HANDOVER_MIGRATE_FAILPOINT").ok()?;
        let (name, nth) = match spec.rsplit_once(':') {
            Some((name, n)) => (name.to_string(), n.parse().unwrap_or(1)),
            None => (spec, 1),
        };
        Some((name, nth.max(1)))
    })
}

/// Cross the failpoint `name`. The `Result` lets call sites use `?`, so a later version
/// can inject errors instead of exits without touching them.
pub fn hit(name: &str) -> Result<()> {
    if let Some((wanted, nth)) = config() {
        if wanted == name || wanted == "*" {
            let seen = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
            if seen == *nth {
                eprintln!("failpoint {name} reached (crossing {seen}); stopping as if killed");
                std::process::exit(FAILPOINT_EXIT);
            }
        }
    }
    Ok(())
}
