//! Many requests to a plugin in few round trips: [`Registry::prefetch`].
//!
//! A plugin in a runner process answers over a pipe, and one request at a time costs two
//! process wake-ups per call. Hooks are pure (data in, data out), and a loaded plugin's
//! answers are remembered by request anyway, so a caller that knows which requests it is
//! about to make can send them ahead in batches: the hook calls that follow find their
//! answers in memory. Nothing is decided here. A failed or missing answer is simply not
//! remembered: the hook call that needs it asks again and reports the failure the usual
//! way (naming the provider, its file and the hook).

use std::collections::{HashMap, HashSet};

use handover_migrate_core::MigrationPair;
use serde::Serialize;

use crate::registry::{remember, Backend, Registered, Registry};

impl Registry {
    /// Whether any provider answers a batch faster than one request at a time (a plugin in
    /// a runner process): only then is collecting requests ahead worth its cost.
    pub fn prefetches(&self) -> bool {
        self.entries().iter().any(Registered::batches)
    }

    /// Send `requests` of `hook` ahead to the providers of their pairs that batch, and
    /// remember the answers for the hook calls that follow. Requests already answered, or
    /// repeated within `requests`, are sent once.
    pub fn prefetch<Req: Serialize>(&self, hook: &str, requests: &[Req], pair_of: impl Fn(&Req) -> &MigrationPair) {
        // Serialized exactly as the hook call will (the memo's key); one that does not
        // serialize is left for that call to report.
        let serialized =
            requests.iter().filter_map(|request| Some((pair_of(request), serde_json::to_string(request).ok()?)));
        self.prefetch_json(hook, serialized);
    }

    /// [`Self::prefetch`] for requests the caller serialized itself (on several cores, or
    /// from borrowed parts): each must be the JSON the hook call will serialize, byte for
    /// byte, or its answer is never found.
    pub fn prefetch_json<'a>(&self, hook: &str, requests: impl IntoIterator<Item = (&'a MigrationPair, String)>) {
        let mut by_provider: HashMap<usize, Vec<String>> = HashMap::new();
        for (pair, json) in requests {
            let Some(index) =
                self.entries().iter().position(|e| e.batches() && e.info.pairs.iter().any(|p| &p.pair == pair))
            else {
                continue;
            };
            by_provider.entry(index).or_default().push(json);
        }
        for (index, requests) in by_provider {
            self.entries()[index].prefetch(hook, requests);
        }
    }
}

impl Registered {
    fn batches(&self) -> bool {
        matches!(&self.backend, Backend::Dynamic(transport, _) if transport.batches())
    }

    fn prefetch(&self, hook: &str, requests: Vec<String>) {
        let Backend::Dynamic(transport, answers) = &self.backend else { return };
        let keep: Vec<bool> = {
            let Some(memo) = answers.lock() else { return };
            let known = memo.get(hook);
            let mut seen = HashSet::new();
            requests
                .iter()
                .map(|request| !known.is_some_and(|known| known.contains_key(request)) && seen.insert(request.as_str()))
                .collect()
        };
        let wanted: Vec<String> =
            requests.into_iter().zip(keep).filter_map(|(request, keep)| keep.then_some(request)).collect();
        if wanted.is_empty() {
            return;
        }
        let refs: Vec<&str> = wanted.iter().map(String::as_str).collect();
        // A panic here is the transport's own bug; the hook calls that follow report it.
        let Ok(results) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| transport.call_many(hook, &refs)))
        else {
            return;
        };
        drop(refs);
        let Some(mut memo) = answers.lock() else { return };
        for (request, result) in wanted.into_iter().zip(results) {
            if let Ok(response) = result {
                remember(&mut memo, hook, request, response);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use handover_migrate_core::{ProviderInfo, VerifyRequest};

    use super::*;
    use crate::registry::{CallFailure, PluginFormat, Source, Transport};

    /// Answers `[]` to everything, but fails `bad` requests; counts calls and batches.
    struct Counting {
        calls: Arc<AtomicUsize>,
        batches: Arc<AtomicUsize>,
    }
    impl Transport for Counting {
        fn call(&self, _hook: &str, request: &str) -> Result<String, CallFailure> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if request.contains("bad") {
                return Err(CallFailure::Runner("it crashed".into()));
            }
            Ok("[]".into())
        }
        fn batches(&self) -> bool {
            true
        }
        fn call_many(&self, hook: &str, requests: &[&str]) -> Vec<Result<String, CallFailure>> {
            self.batches.fetch_add(1, Ordering::SeqCst);
            requests.iter().map(|r| self.call(hook, r)).collect()
        }
    }

    #[test]
    fn prefetched_answers_are_remembered_and_failures_left_to_the_call() {
        let (calls, batches) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let pair = MigrationPair::same("k");
        let mut pair_info = handover_migrate_live_agent::pair_spec().info();
        pair_info.pair = pair.clone();
        let info = ProviderInfo {
            name: "batching".into(),
            version: "1".into(),
            contract_version: "1.0".into(),
            pairs: vec![pair_info],
        };
        let source = Source::File { path: "/p/libb.so".into(), sha256: "2".repeat(64), format: PluginFormat::Rust };
        let transport = Counting { calls: calls.clone(), batches: batches.clone() };
        let mut registry = Registry::default();
        registry.add(Registered::dynamic(Box::new(transport), info, source), &[]).unwrap();
        assert!(registry.prefetches());

        let request = |name: &str| VerifyRequest {
            pair: pair.clone(),
            provider_name: name.into(),
            properties: Default::default(),
        };
        let requests = [request("a"), request("b"), request("a"), request("bad")];
        registry.prefetch("verify", &requests, |r| &r.pair);
        assert_eq!((batches.load(Ordering::SeqCst), calls.load(Ordering::SeqCst)), (1, 3), "a repeat is sent once");
        let (provider, _) = registry.find(&pair).unwrap();
        provider.verify(&request("a")).unwrap();
        provider.verify(&request("b")).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3, "prefetched answers come from memory");
        let error = provider.verify(&request("bad")).unwrap_err();
        assert!(error.message.contains("failed in verify: it crashed"), "{}", error.message);
        registry.prefetch("verify", &requests, |r| &r.pair);
        assert_eq!(batches.load(Ordering::SeqCst), 2);
        assert_eq!(calls.load(Ordering::SeqCst), 5, "only the unanswered one is asked again");
    }
}
