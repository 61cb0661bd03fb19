//! Name resolution, once per host rather than once per request.
//!
//! ureq resolves the host of every request before it looks for a pooled connection, and with
//! a timeout set (we always set one) its resolver starts a thread per lookup to bound
//! `getaddrinfo`. A migration makes tens of thousands of requests to one host over a handful
//! of kept-alive connections, so that was a thread and a read of the resolver's files per
//! request: most of the client's CPU time. The answer is kept for [`ADDRESS_TTL`]
//! (`getaddrinfo` does not tell the record's TTL; a minute is what resolvers that cannot know
//! usually assume), so a tenant that moves is followed within a minute.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a resolved address is used before the host is looked up again.
pub const ADDRESS_TTL: Duration = Duration::from_secs(60);

/// [`DefaultResolver`] behind a cache keyed by scheme and authority.
#[derive(Default)]
pub struct CachingResolver {
    lookup: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver").field("ttl", &ADDRESS_TTL).finish_non_exhaustive()
    }
}

impl CachingResolver {
    fn cached(&self, key: &str, now: Instant) -> Option<ResolvedSocketAddrs> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).filter(|(at, _)| now.duration_since(*at) < ADDRESS_TTL).map(|(_, addrs)| addrs.clone())
    }
}

impl Resolver for CachingResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // A URI without a scheme or host is the default resolver's to refuse, uncached.
        let Some(key) =
            uri.scheme_str().zip(uri.authority()).map(|(scheme, authority)| format!("{scheme}://{authority}"))
        else {
            return self.lookup.resolve(uri, config, timeout);
        };
        let now = Instant::now();
        if let Some(addrs) = self.cached(&key, now) {
            return Ok(addrs);
        }
        // Two workers may look the same host up at once at the start; both answers are good.
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, uri: &str) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let uri: Uri = uri.parse().unwrap();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::NotHappening,
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        resolver.resolve(&uri, &Config::default(), timeout)
    }

    #[test]
    fn a_host_is_looked_up_once_per_ttl_and_each_authority_on_its_own() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://127.0.0.1:8080/new/v2.0/flows").unwrap();
        assert_eq!(first.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["127.0.0.1:8080"]);
        assert_eq!(resolver.cache.lock().unwrap().len(), 1);
        // Same authority, another path: the cached answer.
        let again = resolve(&resolver, "http://127.0.0.1:8080/new/v2.0/endpoints").unwrap();
        assert_eq!(again.iter().collect::<Vec<_>>(), first.iter().collect::<Vec<_>>());
        assert_eq!(resolver.cache.lock().unwrap().len(), 1);
        // Another port is another authority.
        let other = resolve(&resolver, "http://127.0.0.1:9090/").unwrap();
        assert_eq!(other.iter().map(|a| a.port()).collect::<Vec<_>>(), [9090]);
        assert_eq!(resolver.cache.lock().unwrap().len(), 2);
        // An expired entry is looked up again (and refreshed).
        let stale = Instant::now().checked_sub(ADDRESS_TTL + Duration::from_secs(1)).unwrap();
        resolver.cache.lock().unwrap().get_mut("http://127.0.0.1:8080").unwrap().0 = stale;
        assert!(resolver.cached("http://127.0.0.1:8080", Instant::now()).is_none());
        resolve(&resolver, "http://127.0.0.1:8080/").unwrap();
        assert!(resolver.cached("http://127.0.0.1:8080", Instant::now()).is_some());
    }
}
