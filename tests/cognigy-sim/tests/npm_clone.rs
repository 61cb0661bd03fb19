//! The simulator speaks the real protocol: Cognigy's official REST client
//! (`@cognigy/rest-api-client@0.19.0`, locked in `tests/npm-clone/package-lock.json`),
//! driven the way `cognigy clone` drives it (`tests/npm-clone/clone.mjs`), clones a seeded
//! simulator back to the seed directory byte for byte.
//!
//! Compared: every file under `endpoints/` and `flows/` (config.json, transformer.ts,
//! locales.json, chart.json and intents.json, the latter served by the intents export
//! route). Not compared: the seed's `README.md` and `handover-migrate.toml`, which are not
//! project data and which `cognigy clone` does not write.

mod common;

use std::process::Command;
use std::time::Duration;

use cognigy_sim::npm;
use common::*;

#[test]
fn official_client_clones_the_seed_byte_for_byte() {
    if !npm::ensure_client("official_client_clones_the_seed_byte_for_byte").unwrap() {
        return;
    }
    let dir = npm::npm_clone_dir();

    let handle = start(options());
    let out = tempfile::tempdir().unwrap();
    let agent = out.path().join("agent");
    npm::run(
        Command::new("node")
            .arg("clone.mjs")
            .arg(handle.base_url())
            .arg(KEY)
            .arg(PROJECT)
            .arg(&agent)
            .current_dir(&dir),
        Duration::from_secs(120),
    )
    .unwrap();

    let expected = served_files(&seed());
    assert!(expected.keys().any(|k| k.ends_with("intents.json")) && expected.len() > 40);
    assert_same_files(&expected, &served_files(&agent));

    // It went through the routes the CLI uses, every node read once per locale.
    let stats = handle.stats();
    let routes = &stats["routes"];
    assert_eq!(routes["GET /endpoints/{id}"], 6);
    assert_eq!(routes["GET /flows/{id}/chart"], 14);
    assert_eq!(routes["GET /flows/{id}/chart/nodes/{nodeId}"], 62);
    assert_eq!(routes["POST /flows/{id}/intents/export"], 14);
    assert!(stats["statuses"].as_object().unwrap().keys().all(|s| s == "200"), "{stats}");
}
