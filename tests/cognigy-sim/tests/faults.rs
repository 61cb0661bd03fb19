//! Fault injection: 5xx rate, 429 bursts with Retry-After, connection resets, the per-key
//! rate limit (shared by the projects of a tenant), latency; deterministic given the seed;
//! never on `/__sim/*`.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use cognigy_sim::Faults;
use common::*;
use serde_json::json;

fn with_faults(faults: Faults) -> cognigy_sim::SimHandle {
    start(options().faults(faults))
}

fn statuses(client: &Client, n: usize, path: &str) -> Vec<u16> {
    (0..n).map(|_| client.get(path).status).collect()
}

#[test]
fn error_rate_is_roughly_the_fraction_asked_and_deterministic() {
    let faults = Faults { error_rate: 0.2, rng_seed: 7, ..Faults::default() };
    let handle = with_faults(faults.clone());
    let client = Client::new(&handle);
    let seen = statuses(&client, 500, "/locales");
    let errors = seen.iter().filter(|s| **s >= 500).count();
    assert!((60..=140).contains(&errors), "{errors} of 500 answered 5xx at rate 0.2");
    assert!(seen.iter().all(|s| [200, 500, 502, 503].contains(s)), "{seen:?}");
    assert_eq!(handle.stats()["faults"]["injected5xx"], errors);

    // The same seed and requests give the same answers; another seed does not.
    let again = with_faults(faults.clone());
    assert_eq!(statuses(&Client::new(&again), 500, "/locales"), seen);
    let other = with_faults(Faults { rng_seed: 8, ..faults });
    assert_ne!(statuses(&Client::new(&other), 500, "/locales"), seen);
}

#[test]
fn injected_5xx_bodies_are_problems() {
    let handle = with_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let response = Client::new(&handle).get("/locales");
    assert!(response.status >= 500);
    assert_eq!(response.header("content-type"), Some("application/problem+json"));
    assert_eq!(response.json()["code"], response.status);
}

#[test]
fn bursts_of_429_with_retry_after() {
    let handle = with_faults(Faults { burst_429: Some((10, 3)), retry_after_secs: 2, ..Faults::default() });
    let client = Client::new(&handle);
    let mut throttled = Vec::new();
    for i in 0..20 {
        let response = client.get("/locales");
        if response.status == 429 {
            assert_eq!(response.header("retry-after"), Some("2"));
            assert_eq!(response.json()["code"], 429);
            throttled.push(i);
        } else {
            assert_eq!(response.status, 200);
        }
    }
    assert_eq!(throttled, [7, 8, 9, 17, 18, 19]);
    assert_eq!(handle.stats()["faults"]["burst429"], 6);
}

/// Sends one request on a raw socket and returns what came back before the connection ended.
fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> (Vec<u8>, Option<ErrorKind>) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (got, None),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return (got, Some(e.kind())),
        }
    }
}

#[test]
fn reset_closes_the_connection_without_an_answer() {
    let handle = with_faults(Faults { reset_rate: 1.0, ..Faults::default() });
    let request = format!("GET /new/v2.0/locales HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\n\r\n");
    let (got, error) = raw_exchange(handle.addr(), &request);
    assert!(got.is_empty(), "no response bytes: {}", String::from_utf8_lossy(&got));
    assert_eq!(error, Some(ErrorKind::ConnectionReset), "an RST, not a timeout");
    assert_eq!(handle.stats()["faults"]["resets"], 1);
    assert_eq!(handle.stats()["total"], 1);

    // The simulator keeps serving other connections, and /__sim/* is never faulted.
    let (got, _) = raw_exchange(handle.addr(), "GET /__sim/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(got.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&got));
}

#[test]
fn faults_on_writes_can_land_after_the_write() {
    // Every write is reset after it was applied: the client sees no answer, the state changed.
    let handle = with_faults(Faults { reset_rate: 1.0, after_write_rate: 1.0, ..Faults::default() });
    let body = r#"{"active": false}"#;
    let request = format!(
        "PATCH /new/v2.0/endpoints/{WEBCHAT_PRODUCTION} HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (got, error) = raw_exchange(handle.addr(), &request);
    assert!(got.is_empty());
    assert_eq!(error, Some(ErrorKind::ConnectionReset));
    let active = handle
        .sim()
        .with_project(|p| p.endpoints.iter().find(|e| e.id() == WEBCHAT_PRODUCTION).unwrap().item["active"].clone());
    assert_eq!(active, json!(false), "the write was applied");
    assert_eq!(handle.stats()["faults"]["resetsAfterWrite"], 1);

    // A 5xx after the write: same, with an answer.
    let handle = with_faults(Faults { error_rate: 1.0, after_write_rate: 1.0, ..Faults::default() });
    let client = Client::new(&handle);
    let service = cognigy_sim::catalogue::services().into_iter().find(|s| s.name == "chatwoot").unwrap().id;
    let response =
        client.post("/handover/provider", &json!({"projectId": PROJECT, "name": "CW", "serviceId": service}));
    assert!(response.status >= 500);
    assert_eq!(handle.sim().with_project(|p| p.providers.len()), 1, "created although the client saw a 5xx");
    // With after_write_rate 0 the write is refused before it runs.
    let handle = with_faults(Faults { error_rate: 1.0, after_write_rate: 0.0, ..Faults::default() });
    let response = Client::new(&handle)
        .post("/handover/provider", &json!({"projectId": PROJECT, "name": "CW", "serviceId": service}));
    assert!(response.status >= 500);
    assert_eq!(handle.sim().with_project(|p| p.providers.len()), 0);
}

#[test]
fn rate_limit_is_a_sliding_window_per_key() {
    let handle = with_faults(Faults { rate_limit: Some((5, 60.0)), ..Faults::default() });
    let client = Client::new(&handle);
    let seen = statuses(&client, 8, "/locales");
    assert_eq!(seen, [200, 200, 200, 200, 200, 429, 429, 429]);
    let limited = client.get("/locales");
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((55..=60).contains(&wait), "the first request leaves the window after 60 s: Retry-After {wait}");
    // Another key has its own window (and is then refused for being wrong).
    let other = Client { addr: handle.addr(), key: Some("other-key".into()) };
    assert_eq!(other.get("/locales").status, 401);
    assert_eq!(handle.stats()["faults"]["rateLimited429"], 4);
    assert_eq!(handle.stats()["faults"]["peakWindow"], 5);

    // A place comes back only when its request leaves the window: not half-way, as a
    // token bucket would refill.
    let fast = with_faults(Faults { rate_limit: Some((2, 2.0)), ..Faults::default() });
    let client = Client::new(&fast);
    assert_eq!(statuses(&client, 3, "/locales"), [200, 200, 429]);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(client.get("/locales").status, 429);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(client.get("/locales").status, 200);
    assert_eq!(fast.stats()["faults"]["peakWindow"], 2);
}

#[test]
fn latency_is_added_to_api_requests_only() {
    let handle = with_faults(Faults { latency_ms: 300, ..Faults::default() });
    let client = Client::new(&handle);
    let started = Instant::now();
    assert_eq!(client.get("/locales").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(client.get("/__sim/stats").status, 200);
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[test]
fn sim_routes_are_never_faulted() {
    let handle = with_faults(Faults {
        error_rate: 1.0,
        burst_429: Some((2, 1)),
        rate_limit: Some((1, 1000.0)),
        ..Faults::default()
    });
    let client = Client::new(&handle);
    for _ in 0..5 {
        assert_eq!(client.get("/__sim/stats").status, 200);
    }
    let out = tempfile::tempdir().unwrap();
    let target = format!("/__sim/dump?dir={}", out.path().display());
    assert_eq!(raw_request(handle.addr(), "POST", &target, &[], None).unwrap().status, 200);
    assert_eq!(handle.stats()["total"], 0);
}

#[test]
fn a_tenant_s_projects_share_one_rate_budget() {
    // Cognigy limits requests per API key, whichever project they are for.
    let dir = tempfile::tempdir().unwrap();
    for (name, locale) in [("brand-a", "66f2dd82694e1423e7505a01"), ("brand-b", "66f2dd82694e1423e7505b01")] {
        let flows = dir.path().join(name).join("flows");
        std::fs::create_dir_all(&flows).unwrap();
        std::fs::create_dir_all(dir.path().join(name).join("endpoints")).unwrap();
        let locales = json!([{"_id": locale, "name": "en-US", "primary": true}]);
        std::fs::write(flows.join("locales.json"), locales.to_string()).unwrap();
    }
    let options =
        cognigy_sim::Options::new(KEY, "").faults(Faults { rate_limit: Some((4, 60.0)), ..Faults::default() });
    let multi = cognigy_sim::multi::MultiSim::load_dir(dir.path(), options).unwrap();
    let projects: Vec<String> = multi.projects().iter().map(|p| p.project_id.clone()).collect();
    assert_eq!(projects.len(), 2);
    let handle = multi.spawn().unwrap();
    let client = Client { addr: handle.addr(), key: Some(KEY.to_string()) };
    let get = |project: &str| client.get(&format!("/locales?projectId={project}")).status;
    let (a, b) = (&projects[0], &projects[1]);
    assert_eq!([get(a), get(b), get(a), get(b)], [200; 4]);
    // The budget of 4 is spent by both projects together: each is now refused.
    assert_eq!([get(a), get(b)], [429, 429]);
    let stats = handle.stats();
    let limited = |p: &str| stats["projects"][p]["faults"]["rateLimited429"].as_u64().unwrap();
    assert_eq!((limited(a), limited(b)), (1, 1), "{stats:#}");
}
