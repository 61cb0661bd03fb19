//! Logging to stderr that never carries a secret, whatever `RUST_LOG` says.
//!
//! Two walls, because one missed target is enough to leak:
//! - HTTP and TLS internals (request/response dumps with the `X-API-Key` header and bodies
//!   holding endpoint secrets, sometimes as hex dumps no redaction can recognise) are
//!   filtered out: the user's `RUST_LOG` is applied first, then [`HTTP_INTERNALS`], and a
//!   per-layer filter enforces the same limits against any more specific directive.
//! - Every line written is redacted of every secret this process knows
//!   ([`handover_migrate_core::secret::redact`]: API key, answered secrets, secrets read from
//!   endpoints) before it reaches stderr.

use std::io::{IsTerminal, Write};

use handover_migrate_core::secret::redact;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Library targets that log HTTP requests, responses or TLS records, and the most they may
/// log. `ureq` and `ureq_proto` dump headers (the API key) and bodies (endpoint secrets).
const HTTP_INTERNALS: &[(&str, LevelFilter)] = &[
    ("ureq", LevelFilter::OFF),
    ("ureq_proto", LevelFilter::OFF),
    ("hyper", LevelFilter::OFF),
    ("hyper_util", LevelFilter::OFF),
    ("h2", LevelFilter::OFF),
    ("reqwest", LevelFilter::OFF),
    ("rustls", LevelFilter::INFO),
];

/// The most `target` may log: the limit of the HTTP internal it belongs to, if any.
fn internal_limit(target: &str) -> Option<LevelFilter> {
    HTTP_INTERNALS.iter().find_map(|(name, limit)| {
        let inside = target == *name || target.strip_prefix(name).is_some_and(|rest| rest.starts_with("::"));
        inside.then_some(*limit)
    })
}

/// The filter directives: the user's (`RUST_LOG`, else the `-v`/`-q` level), then the
/// limits on HTTP internals, which so win over a user's `ureq=trace` or bare `trace`.
pub fn directives(user: Option<&str>, level: &str) -> String {
    let mut directives = user.map(str::to_string).unwrap_or_else(|| format!("handover_migrate={level}"));
    for (target, limit) in HTTP_INTERNALS {
        directives.push_str(&format!(",{target}={}", limit.to_string().to_ascii_lowercase()));
    }
    directives
}

pub fn init(quiet: bool, verbose: u8) {
    let level = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let user = std::env::var("RUST_LOG").ok();
    let filter = tracing_subscriber::EnvFilter::new(directives(user.as_deref(), level));
    // A directive more specific than `ureq=off` (e.g. `ureq::unit=trace`) would win inside
    // the EnvFilter; this filter does not negotiate.
    let walls = tracing_subscriber::filter::filter_fn(|meta| {
        internal_limit(meta.target()).is_none_or(|limit| *meta.level() <= limit)
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(RedactingStderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(walls);
    let _ = tracing_subscriber::registry().with(filter).with(layer).try_init();
}

/// Hands out one [`RedactedLine`] per event.
struct RedactingStderr;

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = RedactedLine;
    fn make_writer(&'a self) -> RedactedLine {
        RedactedLine(Vec::new())
    }
}

/// One formatted event, collected whole so that no secret is split across two writes, and
/// written to stderr redacted when the formatter is done with it.
struct RedactedLine(Vec<u8>);

impl Write for RedactedLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.0);
        let _ = std::io::stderr().lock().write_all(redact(&text).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_internals_are_limited_after_the_users_directives() {
        let directives = directives(Some("trace,ureq=trace"), "warn");
        assert!(directives.starts_with("trace,ureq=trace,"), "{directives}");
        assert!(directives.contains(",ureq=off,ureq_proto=off"), "{directives}");
        assert!(directives.contains(",rustls=info"), "{directives}");
        assert_eq!(internal_limit("ureq::unit"), Some(LevelFilter::OFF));
        assert_eq!(internal_limit("ureq_proto::client::flow"), Some(LevelFilter::OFF));
        assert_eq!(internal_limit("rustls::conn"), Some(LevelFilter::INFO));
        assert_eq!(internal_limit("ureqx"), None);
        assert_eq!(internal_limit("handover_migrate_tenant::client"), None);
    }
}
