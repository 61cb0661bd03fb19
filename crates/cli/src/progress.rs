//! Progress bars on stderr for the engine's long phases (see `handover_migrate_commands::progress`).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use handover_migrate_commands::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `1234/s`: steps per second, whole.
fn rate(state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(out, "{:.0}/s", state.per_sec());
}

/// Draws one bar per phase on stderr.
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn start(&self, label: &str, total: Option<u64>) {
        let bar = match total {
            Some(total) => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "{prefix:>20.bold} [{bar:32}] {pos}/{len} {rate:.dim} {elapsed_precise:.dim} (eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", rate)
                .progress_chars("=> ");
                bar.with_style(style)
            }
            None => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template("{prefix:>20.bold} {spinner} {pos} {rate:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner())
                    .with_key("rate", rate);
                bar.with_style(style)
            }
        };
        bar.set_prefix(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut current) = self.current.lock() {
            if let Some(old) = current.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn advance(&self, steps: u64) {
        if let Ok(current) = self.current.lock() {
            if let Some(bar) = current.as_ref() {
                bar.inc(steps);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock() {
            if let Some(bar) = current.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// Show progress bars when stderr is a terminal and nothing asked for quiet or
/// machine-readable output (with `-v` the log lines are the progress).
pub fn install(json: bool, quiet: bool, verbose: u8) {
    if json || quiet || verbose > 0 || !std::io::stderr().is_terminal() {
        return;
    }
    handover_migrate_commands::progress::install(Box::new(Bars { current: Mutex::new(None) }));
}
