//! Progress of the long phases (reading a project, writing files, API calls), reported to
//! whoever listens. The engine reports; the CLI draws (progress bars on a terminal).
//!
//! Like `tracing`'s global subscriber, a listener is installed once per process; with none
//! installed every report is a no-op. Phases report per file, flow or request, never per
//! node, so listening costs nothing measurable on the hot paths.

use std::sync::OnceLock;

/// Something that shows progress. Called from several threads at once (flows load in
/// parallel), so implementations synchronise themselves.
pub trait Progress: Send + Sync {
    /// A phase starts: what it does in a few words ("Reading flows"), and how many steps
    /// it has when that is known.
    fn start(&self, label: &str, total: Option<u64>);
    /// `steps` more steps of the current phase are done.
    fn advance(&self, steps: u64);
    /// The current phase is over (finished or abandoned by an error).
    fn finish(&self);
}

static LISTENER: OnceLock<Box<dyn Progress>> = OnceLock::new();

/// Install the process's progress listener. Returns false when one was installed already.
pub fn install(listener: Box<dyn Progress>) -> bool {
    LISTENER.set(listener).is_ok()
}

/// One phase in progress; ends when dropped.
pub struct Phase {
    listener: Option<&'static dyn Progress>,
}

/// Start a phase (a no-op without a listener).
pub fn phase(label: &str, total: Option<usize>) -> Phase {
    let listener = LISTENER.get().map(|l| l.as_ref());
    if let Some(listener) = listener {
        listener.start(label, total.map(|t| t as u64));
    }
    Phase { listener }
}

impl Phase {
    /// One more step done.
    pub fn inc(&self) {
        if let Some(listener) = self.listener {
            listener.advance(1);
        }
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(listener) = self.listener {
            listener.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_without_a_listener_do_nothing() {
        let phase = phase("Reading flows", Some(3));
        phase.inc();
        drop(phase);
    }
}
