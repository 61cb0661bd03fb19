//! The local Cognigy simulator (`tests/cognigy-sim`) and comparing what ends up on it.

use std::collections::BTreeMap;
use std::path::Path;

use cognigy_sim::{Faults, Options, Sim, SimHandle};
use serde_json::Value;

use super::*;

pub const KEY: &str = "test-api-key-0001";

/// The example's project id (its endpoints' `entrypoint`).
pub const PROJECT: &str = "66f26ef21238d0626569c5a3";

pub fn sim_with(faults: Faults) -> SimHandle {
    let options = Options::new(KEY, PROJECT).selector_key("handoverProvider").faults(faults);
    Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn")
}

pub fn sim() -> SimHandle {
    sim_with(Faults::default())
}

/// `handover-migrate --api-url … --project-id … --state-dir STATE ARGS…`
pub fn api_cmd(sim: &SimHandle, state: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.env("COGNIGY_API_KEY", KEY)
        .arg("--api-url")
        .arg(sim.base_url())
        .args(["--project-id", PROJECT, "--state-dir"])
        .arg(state)
        .args(args);
    cmd
}

/// JSON files of a clone-layout tree with generated ids and timestamps normalised away:
/// provider referenceIds become `<provider NAME>`, `lastChanged*` keys are dropped, and
/// provider files keep only name, service and properties.
pub fn normalized(root: &Path) -> BTreeMap<String, Value> {
    let mut providers = BTreeMap::new();
    let provider_dir = root.join("handoverProviders");
    for entry in std::fs::read_dir(&provider_dir).into_iter().flatten().flatten() {
        let value: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.path().join("config.json")).unwrap()).unwrap();
        providers
            .insert(value["referenceId"].as_str().unwrap().to_string(), value["name"].as_str().unwrap().to_string());
    }
    fn scrub(value: &mut Value, providers: &BTreeMap<String, String>) {
        match value {
            Value::String(s) => {
                if let Some(name) = providers.get(s.as_str()) {
                    *s = format!("<provider {name}>");
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, providers)),
            Value::Object(map) => {
                map.retain(|k, _| !k.starts_with("lastChanged"));
                map.values_mut().for_each(|v| scrub(v, providers));
            }
            _ => {}
        }
    }
    // A chart holds, for nodes not localized in its locale, a copy of another locale's
    // config (what `cognigy clone` writes); offline rewrites only a node's own locale, so
    // those copies are compared by node identity only.
    let locales: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("flows/locales.json")).unwrap()).unwrap();
    let locale_id = |name: &str| {
        locales.as_array().unwrap().iter().find(|l| l["name"] == name).map(|l| l["_id"].clone()).unwrap_or(Value::Null)
    };
    let mut out = BTreeMap::new();
    for (rel, _) in tree_hashes(root) {
        if !rel.ends_with(".json")
            || !(rel.starts_with("endpoints/") || rel.starts_with("flows/") || rel.starts_with("handoverProviders/"))
        {
            continue;
        }
        let mut value: Value = serde_json::from_str(&std::fs::read_to_string(root.join(&rel)).unwrap()).unwrap();
        if rel.starts_with("handoverProviders/") {
            value = serde_json::json!({"name": value["name"], "service": value["service"], "properties": value["properties"]});
        }
        if rel.ends_with("/chart.json") {
            let locale = locale_id(rel.rsplit('/').nth(1).unwrap_or_default());
            for node in value["nodes"].as_array_mut().into_iter().flatten() {
                if node["localeReference"] != locale {
                    node.as_object_mut().unwrap().remove("config");
                }
            }
        }
        scrub(&mut value, &providers);
        out.insert(rel, value);
    }
    out
}

/// Compare two normalised trees, naming the first differing paths and JSON pointers.
pub fn assert_same(got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>, what: &str) {
    fn diff(path: String, a: &Value, b: &Value, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let (va, vb) = (x.get(key).unwrap_or(&Value::Null), y.get(key).unwrap_or(&Value::Null));
                    if !x.contains_key(key) || !y.contains_key(key) {
                        out.push(format!("{path}/{key}: {va} vs {vb}"));
                    } else {
                        diff(format!("{path}/{key}"), va, vb, out);
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    diff(format!("{path}/{i}"), va, vb, out);
                }
            }
            _ if a != b => out.push(format!("{path}: {a} vs {b}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for key in got.keys().chain(want.keys().filter(|k| !got.contains_key(*k))) {
        match (got.get(key), want.get(key)) {
            (Some(a), Some(b)) => diff(key.clone(), a, b, &mut out),
            (a, b) => out.push(format!("{key}: present {} vs {}", a.is_some(), b.is_some())),
        }
    }
    assert!(
        out.is_empty(),
        "{what}: {} difference(s), first:\n{}",
        out.len(),
        out.iter().take(12).cloned().collect::<Vec<_>>().join("\n")
    );
}

pub fn dump(sim: &SimHandle) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    sim.dump(dir.path()).expect("dump");
    dir
}

pub fn offline_applied() -> BTreeMap<String, Value> {
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    normalized(project.path())
}

pub fn seed_normalized() -> BTreeMap<String, Value> {
    normalized(&example_dir())
}
