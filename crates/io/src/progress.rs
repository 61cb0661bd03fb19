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
    use std::sync::{Arc, Mutex};
    use std::thread::ThreadId;

    /// Every call, with the thread that made it: tests of other modules run in the same
    /// process (under `cargo test`) and may report phases of their own meanwhile.
    struct Recorder(Arc<Mutex<Vec<(ThreadId, String)>>>);

    impl Recorder {
        fn record(&self, event: String) {
            self.0.lock().expect("recorder").push((std::thread::current().id(), event));
        }
    }

    impl Progress for Recorder {
        fn start(&self, label: &str, total: Option<u64>) {
            self.record(format!("start {label} {total:?}"));
        }
        fn advance(&self, steps: u64) {
            self.record(format!("advance {steps}"));
        }
        fn finish(&self) {
            self.record("finish".into());
        }
    }

    // The only test that installs a listener: the process has none until it does.
    #[test]
    fn a_phase_reports_only_to_a_listener_installed_before_it_started() {
        let before = phase("Before any listener", Some(2));
        assert!(before.listener.is_none(), "no listener installed yet, so the phase holds none");

        let events = Arc::new(Mutex::new(Vec::new()));
        assert!(install(Box::new(Recorder(events.clone()))));
        assert!(!install(Box::new(Recorder(Arc::default()))), "a listener is installed once per process");

        // A phase started without a listener stays silent after one is installed.
        before.inc();
        drop(before);
        let reading = phase("Reading flows", Some(3));
        reading.inc();
        reading.inc();
        drop(reading);
        let unsized_phase = phase("Writing files", None);
        drop(unsized_phase);

        let me = std::thread::current().id();
        let mine: Vec<String> = events
            .lock()
            .expect("recorder")
            .iter()
            .filter(|(thread, _)| *thread == me)
            .map(|(_, e)| e.clone())
            .collect();
        assert_eq!(
            mine,
            ["start Reading flows Some(3)", "advance 1", "advance 1", "finish", "start Writing files None", "finish"]
        );
    }
}
