//! Fault injection (latency, 5xx, 429 bursts, connection resets, a per-key rate limit),
//! request statistics, and the gate every API request passes (403 on GET with body, auth).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::ids;
use crate::problem::Problem;
use crate::App;

/// Fault-injection settings (all off by default).
#[derive(Clone, Debug)]
pub struct Faults {
    /// Added to every API request.
    pub latency_ms: u64,
    /// Fraction of API requests answered 500/502/503.
    pub error_rate: f64,
    /// `(every, count)`: of each `every` consecutive API requests, the last `count` get 429.
    pub burst_429: Option<(u64, u64)>,
    /// `Retry-After` seconds on injected 429s.
    pub retry_after_secs: u64,
    /// Fraction of API requests whose connection is reset without an answer.
    pub reset_rate: f64,
    /// `(n, seconds)`: at most `n` requests per API key in any `seconds` (a sliding window
    /// over the arrival of the requests it let through, Cognigy's "N per window"). A request
    /// beyond that is refused with 429 and counted (`rateLimited429`): a client that keeps
    /// to the limit never sees one.
    pub rate_limit: Option<(u32, f64)>,
    /// For writes (POST/PATCH/DELETE) that draw a 5xx or a reset: the fraction where the
    /// write is applied first (an ambiguous failure) instead of refused before it ran.
    pub after_write_rate: f64,
    /// Seeds every decision (and generated ids).
    pub rng_seed: u64,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            latency_ms: 0,
            error_rate: 0.0,
            burst_429: None,
            retry_after_secs: 1,
            reset_rate: 0.0,
            rate_limit: None,
            after_write_rate: 0.5,
            rng_seed: 0,
        }
    }
}

/// Request and fault counters (`GET /__sim/stats`).
#[derive(Default)]
pub struct Stats {
    pub total: u64,
    pub routes: BTreeMap<String, u64>,
    pub statuses: BTreeMap<String, u64>,
    pub injected_5xx: u64,
    pub injected_5xx_after_write: u64,
    pub burst_429: u64,
    pub rate_limited_429: u64,
    pub resets: u64,
    pub resets_after_write: u64,
    pub mask_writes: u64,
    /// With a rate limit: the most requests of one key let through within one window.
    pub peak_window: u64,
    /// API requests being served right now, and the most at once so far.
    pub in_flight: u64,
    pub peak_in_flight: u64,
    /// Requests that arrived from a key in the second half of the `Retry-After` of a 429
    /// it was given (the first half is a grace for requests already on their way).
    pub ignored_retry_after: u64,
}

impl Stats {
    pub fn to_json(&self) -> Value {
        json!({
            "total": self.total,
            "routes": self.routes,
            "statuses": self.statuses,
            "faults": {
                "injected5xx": self.injected_5xx,
                "injected5xxAfterWrite": self.injected_5xx_after_write,
                "burst429": self.burst_429,
                "rateLimited429": self.rate_limited_429,
                "peakWindow": self.peak_window,
                "ignoredRetryAfter": self.ignored_retry_after,
                "resets": self.resets,
                "resetsAfterWrite": self.resets_after_write,
            },
            "maskWrites": self.mask_writes,
            "peakInFlight": self.peak_in_flight,
        })
    }
}

/// Mutable fault state.
#[derive(Default)]
pub struct FaultState {
    /// API requests seen (drives 429 bursts).
    pub requests: u64,
    /// How often each `METHOD uri` was seen (drives the per-request draws).
    pub occurrences: HashMap<String, u64>,
    /// Per API key: when each request let through in the last window arrived, oldest first.
    pub windows: HashMap<String, VecDeque<Instant>>,
    /// Per API key: the span of the last 429's `Retry-After` in which no request should
    /// arrive (its second half).
    pub told_to_wait: HashMap<String, (Instant, Instant)>,
}

/// Counts a request as being served until it is dropped (answered, or its connection reset).
struct Serving(Arc<App>);

impl Serving {
    fn start(app: &Arc<App>) -> Serving {
        let mut stats = app.stats.lock().unwrap();
        stats.in_flight += 1;
        stats.peak_in_flight = stats.peak_in_flight.max(stats.in_flight);
        Serving(app.clone())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let mut stats = self.0.stats.lock().unwrap();
        stats.in_flight = stats.in_flight.saturating_sub(1);
    }
}

/// Lets a handler close its connection without an answer (set by the accept loop).
#[derive(Clone)]
pub struct ResetSignal(pub Arc<Notify>);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    None,
    Error { status: StatusCode, after: bool },
    Reset { after: bool },
}

impl App {
    fn draw(&self, method: &Method, uri: &str) -> Fault {
        let faults = &self.options.faults;
        if faults.error_rate <= 0.0 && faults.reset_rate <= 0.0 {
            return Fault::None;
        }
        let key = format!("{method} {uri}");
        let occurrence = {
            let mut state = self.faults.lock().unwrap();
            let slot = state.occurrences.entry(key.clone()).or_insert(0);
            *slot += 1;
            *slot
        };
        let bits = ids::mix(faults.rng_seed ^ ids::fnv1a(key.as_bytes()) ^ ids::mix(occurrence));
        let u = ids::unit(bits);
        let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let after = write && ids::unit(ids::mix(bits)) < faults.after_write_rate;
        if u < faults.reset_rate {
            Fault::Reset { after }
        } else if u < faults.reset_rate + faults.error_rate {
            let status = [StatusCode::INTERNAL_SERVER_ERROR, StatusCode::BAD_GATEWAY, StatusCode::SERVICE_UNAVAILABLE]
                [(ids::mix(bits ^ 0x5e) % 3) as usize];
            Fault::Error { status, after }
        } else {
            Fault::None
        }
    }

    /// Whether this request falls into a 429 burst.
    fn in_burst(&self) -> bool {
        let mut state = self.faults.lock().unwrap();
        state.requests += 1;
        match self.options.faults.burst_429 {
            Some((every, count)) if every > 0 && count > 0 => {
                (state.requests - 1) % every >= every.saturating_sub(count)
            }
            _ => false,
        }
    }

    /// Remember that `key` was told to wait `seconds` (429 + `Retry-After`).
    fn tell_to_wait(&self, key: &str, seconds: u64) {
        let now = Instant::now();
        let wait = Duration::from_secs(seconds);
        let span = (now + wait / 2, now + wait);
        let mut state = self.faults.lock().unwrap();
        let slot = state.told_to_wait.entry(key.to_string()).or_insert(span);
        if slot.1 < span.1 {
            *slot = span;
        }
    }

    /// `Some(seconds to wait)` when the key's window is full.
    fn rate_limited(&self, key: &str) -> Option<u64> {
        let (n, seconds) = self.options.faults.rate_limit?;
        let window = Duration::from_secs_f64(seconds.max(0.001));
        let mut state = self.faults.lock().unwrap();
        let now = Instant::now();
        let arrived = state.windows.entry(key.to_string()).or_default();
        while arrived.front().is_some_and(|t| now.duration_since(*t) >= window) {
            arrived.pop_front();
        }
        if arrived.len() < n.max(1) as usize {
            arrived.push_back(now);
            let count = arrived.len() as u64;
            drop(state);
            let mut stats = self.stats.lock().unwrap();
            stats.peak_window = stats.peak_window.max(count);
            None
        } else {
            let oldest = arrived.front().copied().unwrap_or(now);
            Some(window.saturating_sub(now.duration_since(oldest)).as_secs_f64().ceil().max(1.0) as u64)
        }
    }
}

/// The API key a request presents: `X-API-Key` (any case) or `api_key=` in the query.
pub fn presented_key(request: &Request) -> Option<String> {
    if let Some(value) = request.headers().get("x-api-key") {
        return value.to_str().ok().map(str::to_string);
    }
    let query = request.uri().query()?;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "api_key").map(|(_, v)| v.into_owned())
}

fn has_body(request: &Request) -> bool {
    let headers = request.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0)
}

/// `METHOD /route/{template}` without the `/new/v2.0` or `/v2.0` prefix.
fn route_key(request: &Request) -> String {
    let template = match request.extensions().get::<MatchedPath>() {
        Some(path) => {
            let path = path.as_str();
            path.strip_prefix("/new/v2.0").or_else(|| path.strip_prefix("/v2.0")).unwrap_or(path).to_string()
        }
        None => "(unmatched)".to_string(),
    };
    format!("{} {}", request.method(), template)
}

/// Closes the connection carrying `request` without an answer; never returns.
async fn reset(request_signal: Option<ResetSignal>) -> Response {
    match request_signal {
        Some(ResetSignal(notify)) => {
            notify.notify_one();
            std::future::pending::<Response>().await
        }
        // Not served by our accept loop (e.g. a Router driven directly): the closest answer.
        None => Problem::status(StatusCode::BAD_GATEWAY, "connection reset (simulated)").into_response(),
    }
}

/// The middleware in front of every API route.
pub async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let route = route_key(&request);
    let method = request.method().clone();
    let uri = request.uri().to_string();
    let _serving = Serving::start(&app);
    let early = {
        let key = presented_key(&request).unwrap_or_default();
        let now = Instant::now();
        app.faults.lock().unwrap().told_to_wait.get(&key).is_some_and(|(from, until)| *from <= now && now < *until)
    };
    {
        let mut stats = app.stats.lock().unwrap();
        stats.total += 1;
        stats.ignored_retry_after += u64::from(early);
        *stats.routes.entry(route).or_insert(0) += 1;
    }
    let response = gated(&app, request, next, &method).await;
    let status = response.status().as_u16().to_string();
    if app.options.log {
        eprintln!("{method} {uri} -> {status}");
    }
    *app.stats.lock().unwrap().statuses.entry(status).or_insert(0) += 1;
    response
}

async fn gated(app: &Arc<App>, request: Request, next: Next, method: &Method) -> Response {
    let faults = &app.options.faults;
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let key = presented_key(&request);
    if let Some(wait) = app.rate_limited(key.as_deref().unwrap_or("")) {
        app.stats.lock().unwrap().rate_limited_429 += 1;
        app.tell_to_wait(key.as_deref().unwrap_or(""), wait);
        return Problem::status(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded")
            .with_retry_after(wait)
            .into_response();
    }
    if app.in_burst() {
        app.stats.lock().unwrap().burst_429 += 1;
        app.tell_to_wait(key.as_deref().unwrap_or(""), faults.retry_after_secs);
        return Problem::status(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
            .with_retry_after(faults.retry_after_secs)
            .into_response();
    }
    let signal = request.extensions().get::<ResetSignal>().cloned();
    let fault = app.draw(method, &request.uri().to_string());
    match fault {
        Fault::Reset { after: false } => {
            app.stats.lock().unwrap().resets += 1;
            return reset(signal).await;
        }
        Fault::Error { status, after: false } => {
            app.stats.lock().unwrap().injected_5xx += 1;
            return Problem::status(status, "Injected failure (cognigy-sim)").into_response();
        }
        _ => {}
    }
    if method == Method::GET && has_body(&request) {
        return Problem::status(StatusCode::FORBIDDEN, "Forbidden: a GET request must not carry a body")
            .into_response();
    }
    let restricted = app.options.restricted_key.is_some() && key == app.options.restricted_key;
    if key.as_deref() != Some(app.options.api_key.as_str()) && !restricted {
        let detail = if key.is_none() { "No API key given (X-API-Key)" } else { "Invalid API key" };
        return Problem::status(StatusCode::UNAUTHORIZED, detail).into_response();
    }
    // The restricted key's user reads flows, endpoints and locales only.
    if restricted && (*method != Method::GET || request.uri().path().contains("/handover/")) {
        return Problem::status(
            StatusCode::FORBIDDEN,
            "Forbidden: the API key's user lacks the permission for this action in this project",
        )
        .into_response();
    }
    let response = next.run(request).await;
    match fault {
        Fault::Reset { after: true } => {
            app.stats.lock().unwrap().resets_after_write += 1;
            reset(signal).await
        }
        Fault::Error { status, after: true } => {
            app.stats.lock().unwrap().injected_5xx_after_write += 1;
            Problem::status(status, "Injected failure after the write was applied (cognigy-sim)").into_response()
        }
        _ => response,
    }
}
