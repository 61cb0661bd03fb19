//! A small, disciplined HTTP client for the Cognigy REST API.
//!
//! - `X-API-Key` authentication; no body on GET.
//! - A client-side limit of N requests per sliding window (default 1,000 per 5 minutes,
//!   the shared-SaaS limit), so the tool never trips the tenant's limiter.
//! - Retries with exponential backoff, honouring `Retry-After`, on 429, 5xx, timeouts and
//!   connection errors — for idempotent methods only. A POST or PATCH that fails
//!   ambiguously is reported as [`CallError::Ambiguous`] so the caller can look before
//!   repeating it.
//! - Errors carry the server's problem details (`title`, `detail`, `traceId`).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use handover_migrate_core::secret::Secret;
use handover_migrate_io::{Error, Result};

/// How many requests may be sent per window.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub requests: usize,
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { requests: 1000, window: Duration::from_secs(300) }
    }
}

impl std::str::FromStr for RateLimit {
    type Err = String;
    /// `N/SECONDS`, e.g. `1000/300`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (n, secs) = text.split_once('/').ok_or_else(|| format!("{text:?}: expected N/SECONDS, e.g. 1000/300"))?;
        let requests: usize = n.trim().parse().map_err(|_| format!("{text:?}: {n:?} is not a number"))?;
        let seconds: f64 = secs.trim().parse().map_err(|_| format!("{text:?}: {secs:?} is not a number"))?;
        if requests == 0 || seconds <= 0.0 || !seconds.is_finite() {
            return Err(format!("{text:?}: both numbers must be positive"));
        }
        Ok(Self { requests, window: Duration::from_secs_f64(seconds) })
    }
}

/// The sliding-window budget of one tenant: every [`Client`] holding the same `Arc` (the
/// projects of one tenant in a fleet run, and the workers of one client) draws from it, so
/// together they never send more than `limit` allows, and a request waiting on its own
/// answer never idles the others.
///
/// A request holds its place in the window from the moment it is sent until `window` after
/// its answer arrived: the server counts it somewhere in between, so however long the
/// network took, no window the server can see holds more than `limit.requests`.
#[derive(Debug)]
pub struct RateBudget {
    limit: RateLimit,
    window: Mutex<Window>,
    /// Signalled when a request finishes (its place starts to age) or a pause is set.
    changed: Condvar,
    /// Held by the one sender waiting for a place, so waiters are served in turn.
    turn: Mutex<()>,
    requests: AtomicU64,
}

#[derive(Debug, Default)]
struct Window {
    /// When each finished request of the last window finished, oldest first.
    finished: VecDeque<Instant>,
    /// Requests sent and not answered yet.
    in_flight: usize,
    /// No request is sent before this (the server asked everyone to wait: 429, Retry-After).
    paused_until: Option<Instant>,
}

/// A request's place in the budget; the request counts as answered when this is dropped.
pub struct Place<'a> {
    budget: &'a RateBudget,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut window = self.budget.window.lock().unwrap_or_else(|p| p.into_inner());
        window.in_flight = window.in_flight.saturating_sub(1);
        window.finished.push_back(Instant::now());
        drop(window);
        self.budget.changed.notify_all();
    }
}

impl RateBudget {
    pub fn new(limit: RateLimit) -> Arc<Self> {
        Arc::new(Self {
            limit,
            window: Mutex::new(Window::default()),
            changed: Condvar::new(),
            turn: Mutex::new(()),
            requests: AtomicU64::new(0),
        })
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Requests sent through this budget so far (every client, retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Hold back every request of this budget for `wait` from now (the server answered 429
    /// or asked to retry later): one worker's `Retry-After` is honoured by all of them.
    pub fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if window.paused_until.is_none_or(|current| current < until) {
            window.paused_until = Some(until);
        }
        drop(window);
        self.changed.notify_all();
    }

    /// Wait until one more request fits in the sliding window (and no pause holds it back),
    /// and count it. Waiters take turns, so none sends before an earlier one.
    fn take(&self) -> Place<'_> {
        let _turn = self.turn.lock().unwrap_or_else(|p| p.into_inner());
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let now = Instant::now();
            while window.finished.front().is_some_and(|t| now.duration_since(*t) >= self.limit.window) {
                window.finished.pop_front();
            }
            let wait = match window.paused_until {
                Some(until) if until > now => until - now,
                _ if window.in_flight + window.finished.len() < self.limit.requests => {
                    window.paused_until = None;
                    window.in_flight += 1;
                    self.requests.fetch_add(1, Ordering::Relaxed);
                    return Place { budget: self };
                }
                // Every place is taken by a request in flight: its answer starts the clock.
                _ => window
                    .finished
                    .front()
                    .map_or(self.limit.window, |t| self.limit.window.saturating_sub(now.duration_since(*t))),
            };
            tracing::debug!("client rate limit reached; waiting up to {:?}", wait);
            window = self.changed.wait_timeout(window, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// The least time `requests` requests take under `limit` (a sliding window): every full
/// window after the first burst.
pub fn rate_bound(limit: RateLimit, requests: u64) -> Duration {
    if requests == 0 {
        return Duration::ZERO;
    }
    let windows = (requests - 1) / limit.requests as u64;
    limit.window.mul_f64(windows as f64)
}

pub struct ApiConfig {
    /// Base URL of the API, e.g. `https://api-trial.cognigy.ai`.
    pub base_url: String,
    pub api_key: Secret,
    pub ca_cert: Option<std::path::PathBuf>,
    pub rate_limit: RateLimit,
    /// A budget shared with other clients of the same tenant (its limit wins over
    /// `rate_limit`); without it the client has a budget of its own.
    pub budget: Option<Arc<RateBudget>>,
    pub max_retries: u32,
    pub timeout: Duration,
    /// `--insecure-http`: allow plain `http://` to a host that is not loopback (a lab).
    pub insecure_http: bool,
}

/// Whether `url`'s host is this machine (127.0.0.0/8, ::1, `localhost`): the one place
/// plain http cannot expose the API key to the network.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

/// Check `--api-url`: a URL, no credentials in it (they would be stored in journals and
/// printed), `https` unless the host is loopback or `insecure_http` allows it for a lab.
pub fn check_api_url(text: &str, insecure_http: bool) -> Result<url::Url> {
    // An unparsable URL is not echoed when it may hold credentials.
    let shown = if text.contains('@') { "(not shown: it has an `@`)".to_string() } else { format!("{text:?}") };
    let parsed = url::Url::parse(text).map_err(|e| {
        Error::usage(format!("--api-url {shown} is not a URL ({e}); e.g. https://api-trial.cognigy.ai"))
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::usage(
            "--api-url carries credentials (`user:password@host`); they would be stored in journals and printed. \
             Give the URL without them and the API key in COGNIGY_API_KEY or --api-key-file",
        ));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" if insecure_http => {
            tracing::warn!(
                "--insecure-http: the API key goes to {} in clear text; use this for a lab only",
                parsed.origin().ascii_serialization()
            );
        }
        "http" => {
            return Err(Error::usage(format!(
                "--api-url {}: plain http would send the API key in clear text; use https:// \
                 (http is accepted for loopback hosts only, or with --insecure-http for a lab)",
                parsed.origin().ascii_serialization()
            )))
        }
        _ => {
            return Err(Error::usage(format!(
                "--api-url {shown} must start with https:// (or http:// for a local simulator)"
            )))
        }
    }
    Ok(parsed)
}

/// Why a single call failed.
#[derive(Debug)]
pub enum CallError {
    /// The server answered with an error status.
    Status { status: u16, message: String, retry_after: Option<Duration> },
    /// No (complete) answer: connection reset, timeout. For POST/PATCH the request may or
    /// may not have been applied.
    Ambiguous(String),
}

impl CallError {
    fn transient(&self) -> bool {
        match self {
            CallError::Status { status, .. } => *status == 408 || *status == 429 || (*status >= 500 && *status != 511),
            CallError::Ambiguous(_) => true,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Status { status, .. } => Some(*status),
            CallError::Ambiguous(_) => None,
        }
    }

    pub fn into_error(self, what: &str) -> Error {
        use handover_migrate_core::secret::redact;
        let what = redact(what);
        match self {
            CallError::Status { message, .. } => Error::failed(format!("{what}: {}", redact(&message))),
            CallError::Ambiguous(message) => {
                Error::failed(format!("{what}: no answer from the API ({})", redact(&message)))
            }
        }
    }
}

pub struct Client {
    agent: ureq::Agent,
    base: String,
    api_key: Secret,
    max_retries: u32,
    budget: Arc<RateBudget>,
    /// How many requests of independent reads and writes may be in flight at once.
    concurrency: usize,
    requests: AtomicU64,
    largest_page: AtomicU64,
}

/// Requests in flight at once by default: enough that a round trip of a few tens of
/// milliseconds does not leave a scaled-up budget idle, few enough for any tenant.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The most requests a client keeps in flight (and connections it keeps open).
pub const MAX_CONCURRENCY: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Delete)
    }
}

fn load_ca(path: &Path) -> Result<ureq::tls::RootCerts> {
    let pem = handover_migrate_io::fsio::read_regular(path)?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(Error::usage(format!("--ca-cert {}: {e}", path.display()))),
        }
    }
    if certs.is_empty() {
        return Err(Error::usage(format!("--ca-cert {}: no PEM certificate in the file", path.display())));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

impl Client {
    pub fn new(config: ApiConfig) -> Result<Self> {
        let base_url = config.base_url.trim_end_matches('/');
        check_api_url(base_url, config.insecure_http)?;
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = &config.ca_cert {
            tls = tls.root_certs(load_ca(path)?);
        }
        let http = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect is never followed: ureq would carry the `X-API-Key` header to
            // wherever it points (it strips only `Authorization`). See `redirect_error`.
            .max_redirects(0)
            // Keep a connection per worker, so requests in flight do not reconnect each time.
            .max_idle_connections(MAX_CONCURRENCY * 2)
            .max_idle_connections_per_host(MAX_CONCURRENCY)
            .proxy(ureq::Proxy::try_from_env())
            .tls_config(tls.build())
            .timeout_global(Some(config.timeout))
            .user_agent(concat!("handover-migrate/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = ureq::Agent::with_parts(
            http,
            ureq::unversioned::transport::DefaultConnector::new(),
            crate::resolve::CachingResolver::default(),
        );
        let base = if base_url.ends_with("/new/v2.0") { base_url.to_string() } else { format!("{base_url}/new/v2.0") };
        Ok(Self {
            agent,
            base,
            api_key: config.api_key,
            max_retries: config.max_retries,
            budget: config.budget.unwrap_or_else(|| RateBudget::new(config.rate_limit)),
            concurrency: DEFAULT_CONCURRENCY,
            requests: AtomicU64::new(0),
            largest_page: AtomicU64::new(0),
        })
    }

    /// Requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Keep up to `concurrency` (1 to [`MAX_CONCURRENCY`]) requests in flight for
    /// independent reads and writes; 1 sends one request at a time.
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// How many requests of independent work may be in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The sliding-window budget this client draws from (maybe shared with other clients).
    pub fn budget(&self) -> &Arc<RateBudget> {
        &self.budget
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// One attempt.
    fn send_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Option<Value>, CallError> {
        // Held until the answer is read: the request counts in the window until then.
        let _place = self.budget.take();
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("{} {}", method.as_str(), path);
        let url =
            url::Url::parse_with_params(&self.url(path), query.iter().map(|(k, v)| (*k, v.as_str()))).map_err(|e| {
                CallError::Status { status: 0, message: format!("bad URL for {path}: {e}"), retry_after: None }
            })?;
        let request = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str())
            .header("X-API-Key", self.api_key.0.as_str());
        // No body on GET or DELETE (a body on GET is refused by some Cognigy installations).
        let result = match body.filter(|_| matches!(method, Method::Post | Method::Patch)) {
            Some(body) => request
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(body).unwrap_or_default())
                .map_err(|e| CallError::Ambiguous(e.to_string()))
                .map(|r| self.agent.run(r)),
            None => request.body(()).map_err(|e| CallError::Ambiguous(e.to_string())).map(|r| self.agent.run(r)),
        }?;
        let mut response = result.map_err(|e| CallError::Ambiguous(e.to_string()))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(600.0)));
        let text = response
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| CallError::Ambiguous(format!("reading the answer: {e}")))?;
        if (300..400).contains(&status) {
            return Err(redirect_error(&url, status, response.headers().get("location").and_then(|v| v.to_str().ok())));
        }
        if (200..300).contains(&status) {
            if text.trim().is_empty() {
                return Ok(None);
            }
            return serde_json::from_str(&text).map(Some).map_err(|e| CallError::Status {
                status,
                message: format!("the answer is not JSON ({e})"),
                retry_after: None,
            });
        }
        Err(CallError::Status { status, message: problem_message(status, &text), retry_after })
    }

    /// A call with retries where that is safe (idempotent methods).
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Option<Value>, CallError> {
        let mut attempt = 0;
        loop {
            match self.send_once(method, path, query, body) {
                Ok(value) => return Ok(value),
                Err(error) if error.transient() && method.idempotent() && attempt < self.max_retries => {
                    tracing::info!("{} {path} failed ({error:?}); retrying", method.as_str());
                    self.pause_after(&error, attempt);
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Back off after a transient failure (before a retry, or before the caller checks
    /// whether a non-idempotent call landed). A 429, or any answer with `Retry-After`, holds
    /// back every request of the budget, not only this one: the server asked the tenant's
    /// client to slow down, and the other workers would only draw more refusals.
    pub fn pause_after(&self, error: &CallError, attempt: u32) {
        let wait = backoff(error, attempt);
        match error {
            CallError::Status { status: 429, .. } | CallError::Status { retry_after: Some(_), .. } => {
                tracing::debug!("the API asked to slow down; every request waits {wait:?}");
                self.budget.pause(wait);
            }
            _ => std::thread::sleep(wait),
        }
    }

    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    pub fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        self.call(Method::Get, path, query, None).map_err(|e| e.into_error(&format!("GET {path}")))?.ok_or_else(|| {
            Error::failed(format!(
                "GET {path}: the API answered with no content; check that --api-url is the API base URL \
                     (e.g. https://api-trial.cognigy.ai), not the UI's"
            ))
        })
    }

    /// Every item of a paginated index route, read in pages of [`PAGE_LIMIT`] by `skip`
    /// (the way the Cognigy CLI's `indexAll` pages). Every page must be the cursor-paginated
    /// envelope of the official client's types (`{items, total, nextCursor, previousCursor}`);
    /// any other shape is an error naming the route, never an empty list. Paging goes on
    /// until `total` items are read, whatever page size the server chose; a page that
    /// brings nothing new before that is an error too (a list that moved under the read).
    pub fn get_all(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<Value>> {
        let mut items: Vec<Value> = Vec::new();
        let mut total: Option<usize> = None;
        loop {
            let mut page_query = query.to_vec();
            page_query.push(("limit", PAGE_LIMIT.to_string()));
            page_query.push(("skip", items.len().to_string()));
            let page = self.get(path, &page_query)?;
            let (batch, page_total) = envelope(path, page)?;
            let expected = *total.get_or_insert(page_total);
            if page_total != expected {
                return Err(Error::failed(format!(
                    "GET {path}: the list changed while it was read (total {expected}, then {page_total}); \
                     run the command again once nobody edits the project"
                )));
            }
            let got = batch.len();
            // A server that ignores `skip` answers the first page again: that would read
            // as `total` items while most are copies.
            if !items.is_empty() && batch.first().is_some_and(|first| items.first() == Some(first)) {
                return Err(Error::failed(format!(
                    "GET {path}: the API answered the first page again for skip={}; it does not page \
                     by `skip` as the Cognigy API does",
                    items.len()
                )));
            }
            self.largest_page.fetch_max(got as u64, Ordering::Relaxed);
            items.extend(batch);
            if items.len() >= expected {
                items.truncate(expected);
                return Ok(items);
            }
            if got == 0 {
                return Err(Error::failed(format!(
                    "GET {path}: the API reports {expected} items but an empty page at skip={}; \
                     run the command again",
                    items.len()
                )));
            }
        }
    }

    /// The largest page the server answered an index read with so far (0 before any).
    pub fn largest_page(&self) -> usize {
        usize::try_from(self.largest_page.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
    }
}

/// The page size index reads ask for: the maximum the Cognigy API accepts.
pub const PAGE_LIMIT: usize = 100;

/// The `items` and `total` of one page of an index route, or an error naming the route.
fn envelope(path: &str, page: Value) -> Result<(Vec<Value>, usize)> {
    let shape_error = |found: &str| {
        Error::failed(format!(
            "GET {path}: expected a paginated answer {{\"items\": [...], \"total\": N, \"nextCursor\", \"previousCursor\"}} \
             but {found}; check that --api-url points at the Cognigy.AI API (e.g. https://api-trial.cognigy.ai)"
        ))
    };
    let Value::Object(mut object) = page else {
        return Err(shape_error(match page {
            Value::Array(_) => "got a bare list",
            _ => "got no JSON object",
        }));
    };
    let items = match object.remove("items") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(shape_error("its `items` is not a list")),
        None => return Err(shape_error("it has no `items`")),
    };
    let total = match object.get("total") {
        Some(total) => total.as_u64().ok_or_else(|| shape_error("its `total` is not a whole number"))?,
        None => return Err(shape_error("it has no `total`")),
    };
    let total = usize::try_from(total).map_err(|_| shape_error("its `total` is out of range"))?;
    Ok((items, total))
}

/// How long to wait before attempt `attempt + 1`: the server's `Retry-After` if it gave
/// one, else exponential backoff from 200 ms with a little jitter.
fn backoff(error: &CallError, attempt: u32) -> Duration {
    match error {
        CallError::Status { retry_after: Some(wait), .. } => *wait,
        _ => Duration::from_millis(200u64.saturating_mul(1 << attempt.min(6)) + jitter()),
    }
}

fn jitter() -> u64 {
    u64::from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0) % 100,
    )
}

/// A redirect answer as an error: the tool does not follow it, so the API key never goes
/// to another origin (and a same-origin redirect means `--api-url` is not the API's base).
fn redirect_error(request: &url::Url, status: u16, location: Option<&str>) -> CallError {
    let target = location.and_then(|l| request.join(l).ok());
    let message = match target {
        Some(target) if target.origin() != request.origin() => format!(
            "{status} redirect to another origin ({}); not followed, so the API key was not sent there. If that is \
             the tenant's API, pass it as --api-url",
            target.origin().ascii_serialization()
        ),
        Some(target) => format!(
            "{status} redirect to {}; not followed: check that --api-url is the API base URL \
             (e.g. https://api-trial.cognigy.ai), not the UI's",
            target.path()
        ),
        None => format!("{status} redirect without a usable Location; not followed"),
    };
    CallError::Status { status, message, retry_after: None }
}

/// The RFC 7807 problem of an error answer, in one line.
fn problem_message(status: u16, text: &str) -> String {
    let problem: Option<Value> = serde_json::from_str(text).ok();
    let field = |name: &str| problem.as_ref().and_then(|p| p.get(name)).and_then(Value::as_str).map(str::to_string);
    let title = field("title").or_else(|| field("error")).unwrap_or_else(|| "error".to_string());
    let detail = field("detail").or_else(|| field("error_description")).or_else(|| field("message"));
    let trace = field("traceId").map(|t| format!(" (traceId {t})")).unwrap_or_default();
    let hint = match status {
        401 => " — check the API key (COGNIGY_API_KEY or --api-key-file)",
        403 => " — the API key's user has no access to this project or action",
        404 => " — check --project-id and that the resource still exists",
        429 => " — the tenant's rate limit was hit; lower --rate-limit",
        _ => "",
    };
    // The server may echo the request (its body holds secrets) in `detail`.
    let message = match detail {
        Some(detail) => format!("{status} {title}: {detail}{trace}{hint}"),
        None => format!("{status} {title}{trace}{hint}"),
    };
    handover_migrate_core::secret::redact(&message).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse() {
        let limit: RateLimit = "1000/300".parse().unwrap();
        assert_eq!(limit.requests, 1000);
        assert_eq!(limit.window, Duration::from_secs(300));
        assert!("0/1".parse::<RateLimit>().is_err());
        assert!("abc".parse::<RateLimit>().is_err());
    }

    /// Lower bounds only: a slow machine makes these waits longer, never shorter.
    #[test]
    fn a_place_is_free_again_a_window_after_its_answer_and_a_pause_holds_everyone() {
        let budget = RateBudget::new(RateLimit { requests: 3, window: Duration::from_millis(200) });
        let started = Instant::now();
        let answered = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let place = budget.take();
                    let sent = started.elapsed();
                    std::thread::sleep(Duration::from_millis(30));
                    answered.lock().unwrap().push(started.elapsed());
                    drop(place);
                    sent
                });
            }
        });
        assert_eq!(budget.requests(), 6);
        // The fourth request waited for the first answer plus a whole window.
        let first_answer = answered.lock().unwrap().iter().min().copied().unwrap();
        assert!(started.elapsed() >= first_answer + Duration::from_millis(200), "{:?}", started.elapsed());

        let budget = RateBudget::new(RateLimit { requests: 100, window: Duration::from_secs(1) });
        budget.pause(Duration::from_millis(150));
        let before = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| drop(budget.take()));
            }
        });
        assert!(before.elapsed() >= Duration::from_millis(150));
    }

    #[test]
    fn api_urls_are_checked() {
        assert!(check_api_url("https://api-trial.cognigy.ai", false).is_ok());
        assert!(check_api_url("http://127.0.0.1:8080", false).is_ok());
        assert!(check_api_url("http://127.3.4.5:8080", false).is_ok());
        assert!(check_api_url("http://[::1]:8080", false).is_ok());
        assert!(check_api_url("http://localhost:8080", false).is_ok());
        let clear = check_api_url("http://api.example.com", false).unwrap_err();
        assert!(clear.message.contains("--insecure-http"), "{}", clear.message);
        assert!(check_api_url("http://api.example.com", true).is_ok());
        assert!(check_api_url("http://localhost.example.com", false).is_err());
        let creds = check_api_url("https://user:canary-pw@api.example.com", false).unwrap_err();
        assert!(!creds.message.contains("canary-pw") && creds.message.contains("credentials"), "{}", creds.message);
        let bad = check_api_url("ht!tp://user:canary-pw@", false).unwrap_err();
        assert!(!bad.message.contains("canary-pw"), "{}", bad.message);
        assert!(check_api_url("ftp://api.example.com", false).is_err());
    }

    #[test]
    fn only_the_paginated_envelope_is_a_page() {
        let (items, total) =
            envelope("/x", serde_json::json!({"items": [1, 2], "total": 5, "nextCursor": "c"})).unwrap();
        assert_eq!((items.len(), total), (2, 5));
        for (answer, part) in [
            (serde_json::json!([1, 2]), "got a bare list"),
            (serde_json::json!({"items": [1]}), "has no `total`"),
            (serde_json::json!({"total": 1}), "has no `items`"),
            (serde_json::json!({"items": {}, "total": 1}), "`items` is not a list"),
            (serde_json::json!({"items": [], "total": -1}), "`total` is not a whole number"),
            (serde_json::json!("text"), "no JSON object"),
        ] {
            let message = envelope("/flows/f/chart/descriptors", answer).unwrap_err().to_string();
            assert!(message.contains("GET /flows/f/chart/descriptors") && message.contains(part), "{message}");
        }
    }

    #[test]
    fn problems_are_summarised() {
        let text = r#"{"title":"Bad Request","status":400,"detail":"Validation failed. Field x was not allowed","traceId":"ab12"}"#;
        assert_eq!(
            problem_message(400, text),
            "400 Bad Request: Validation failed. Field x was not allowed (traceId ab12)"
        );
        assert!(problem_message(401, "").contains("API key"));
    }

    #[test]
    fn problem_details_echoing_a_secret_are_redacted() {
        handover_migrate_core::secret::remember("canary-echoed-secret-42");
        let text = r#"{"title":"Bad Request","detail":"property apiKey=canary-echoed-secret-42 is invalid"}"#;
        let message = problem_message(400, text);
        assert!(!message.contains("canary-echoed-secret-42"), "{message}");
        assert!(message.contains(handover_migrate_core::secret::REDACTED), "{message}");
    }
}
