//! The simulator against the official client's contract (`@cognigy/rest-api-client` 0.19.0,
//! installed from `tests/npm-clone`'s lockfile at test time):
//!
//! - its request schemas (`cognigy_sim::contract`) equal the client's request types, as the
//!   TypeScript compiler resolves them from `types/index.d.ts` (`gen-client-types.cjs`);
//! - its answers have every property the client's response types require;
//! - driven by the official client (`contract.mjs`), it pages every index route by cursor
//!   and by skip, and refuses what the types refuse, with the real node catalogue
//!   (`gen-descriptors.cjs`) served from `--descriptors`.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use cognigy_sim::{contract, npm};
use common::*;
use serde_json::Value;

fn client_types() -> Option<Value> {
    let file = npm::client_types_file("the client-types tests").unwrap()?;
    Some(serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap())
}

fn kinds(schema: &Value, key: &str) -> BTreeSet<String> {
    schema["properties"][key]["kinds"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect()
}

#[test]
fn request_schemas_are_the_client_types() {
    let Some(types) = client_types() else { return };
    // Path parameters are in the client's argument types but not in a query or body.
    let path_parameters = ["resourceId", "resourceType"];
    for schema in contract::CLIENT_SCHEMAS {
        let name = schema.client_type.unwrap();
        let client = &types["types"][name];
        assert!(client.is_object(), "{name} is not among the generated client types");
        let ours = schema.to_json();
        let extras: BTreeSet<&str> =
            contract::EXTRA_PROPERTIES.iter().filter(|(t, _)| *t == name).map(|(_, k)| *k).collect();
        let client_keys: BTreeSet<&str> = client["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| !path_parameters.contains(k))
            .collect();
        let our_keys: BTreeSet<&str> = ours["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| !extras.contains(k))
            .collect();
        assert_eq!(our_keys, client_keys, "{name}: the simulator's properties differ from the client's type");
        for key in &our_keys {
            let ours_kind = kinds(&ours, key);
            let client_kind = kinds(client, key);
            assert_eq!(ours_kind, client_kind, "{name}.{key}: kinds differ");
        }
        let required = |s: &Value| -> BTreeSet<String> {
            s["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_string())
                .filter(|k| !path_parameters.contains(&k.as_str()))
                .collect()
        };
        assert_eq!(required(&ours), required(client), "{name}: required properties differ");
    }
}

#[test]
fn answers_have_what_the_client_types_require() {
    let Some(types) = client_types() else { return };
    let catalogue = npm::descriptors_file("answers_have_what_the_client_types_require").unwrap().unwrap();
    let handle = start(options().selector_key("handoverProvider").descriptors(catalogue));
    let client = Client::new(&handle);
    let require = |value: &Value, type_name: &str, what: &str| {
        let schema = &types["types"][type_name];
        for key in schema["required"].as_array().unwrap() {
            let key = key.as_str().unwrap();
            assert!(value.get(key).is_some(), "{what}: `{key}` ({type_name} requires it) is missing: {value}");
        }
    };
    for (route, item_type) in [
        (format!("/endpoints?projectId={PROJECT}"), "IEndpointIndexItem_2_0"),
        (format!("/flows?projectId={PROJECT}"), "IFlowIndexItem_2_0"),
        (format!("/locales?projectId={PROJECT}"), "ILocaleIndexItem_2_0"),
        (format!("/flows/{MAIN_FLOW}/chart/nodes"), "IChartNodeIndexItem_2_0"),
        (format!("/flows/{MAIN_FLOW}/chart/descriptors?limit=100"), "INodeDescriptor_2_0"),
    ] {
        let page = client.ok(&route);
        require(&page, "ICursorBasedPaginationReturnValue", &route);
        for item in page["items"].as_array().unwrap() {
            require(item, item_type, &route);
        }
    }
}

#[test]
fn the_official_client_pages_and_is_refused_as_its_types_say() {
    let what = "the_official_client_pages_and_is_refused_as_its_types_say";
    let Some(catalogue) = npm::descriptors_file(what).unwrap() else { return };
    let catalogue_size =
        serde_json::from_str::<Value>(&std::fs::read_to_string(&catalogue).unwrap()).unwrap().as_array().unwrap().len();
    assert!(catalogue_size > 100, "the official catalogue has {catalogue_size} node types");
    let handle = start(options().selector_key("handoverProvider").descriptors(&catalogue));
    let output = npm::run(
        Command::new("node")
            .arg("contract.mjs")
            .arg(handle.base_url())
            .args([KEY, PROJECT, MAIN_FLOW, MAIN_HANDOVER, EN, WEBCHAT_PRODUCTION])
            .current_dir(npm::npm_clone_dir()),
        Duration::from_secs(120),
    )
    .unwrap();
    let results: Value = serde_json::from_str(output.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("contract.mjs output is not JSON ({e}):\n{output}"));
    let ok = |name: &str| -> Value {
        let result = &results[name];
        assert_eq!(result["ok"], true, "{name}: {result}");
        result["value"].clone()
    };
    let refused = |name: &str, message_part: &str| {
        let result = &results[name];
        assert_eq!(result["ok"], false, "{name} was accepted: {result}");
        let error = result["error"].as_str().unwrap_or_default();
        assert!(
            ["BadRequestError", "InvalidArgumentError", "MissingArgumentError"].contains(&error),
            "{name}: {result}"
        );
        assert!(result["message"].as_str().unwrap_or_default().contains(message_part), "{name}: {result}");
    };

    // The descriptor index, called as the client calls it: the default page of 25 of the
    // whole catalogue, with a cursor to the rest.
    let descriptors = ok("descriptorsDefaultPage");
    assert_eq!(descriptors["items"].as_array().unwrap().len(), 25);
    assert!(descriptors["total"].as_u64().unwrap() as usize >= catalogue_size, "{}", descriptors["total"]);
    assert!(descriptors["nextCursor"].is_string());
    assert_eq!(descriptors["previousCursor"], Value::Null);

    // Walking every index route one item a page by nextCursor reads each item once.
    let seed_count = |dir: &str| std::fs::read_dir(seed().join(dir)).unwrap().count();
    for (name, expected) in [
        ("walkFlows", seed_count("flows") - 1),
        ("walkEndpoints", seed_count("endpoints")),
        ("walkLocales", 2),
        ("walkChartNodes", 0),
    ] {
        let walk = ok(name);
        let ids: Vec<&str> = walk["ids"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), walk["total"].as_u64().unwrap() as usize, "{name}: {walk}");
        assert_eq!(unique.len(), ids.len(), "{name}: an item twice");
        if expected > 0 {
            assert_eq!(ids.len(), expected, "{name}");
        } else {
            assert!(ids.len() > 2, "{name}");
        }
    }
    let by_skip = ok("flowsBySkip");
    assert_eq!(by_skip["items"].as_array().unwrap().len(), 2);
    assert_eq!(by_skip["items"][0]["_id"], ok("walkFlows")["ids"][1]);
    assert!(ok("flowsMaxLimit")["items"].as_array().unwrap().len() > 2);

    refused("limitTooLarge", "at most 100");
    refused("limitZero", "limit");
    refused("skipNegative", "skip");
    refused("badCursor", "next");
    refused("nodeBodyKeyNotInType", "Field type was not allowed");
    refused("nodeBodyWrongKind", "isDisabled must be a boolean");
    refused("endpointUrlToken", "Field URLToken was not allowed");
    refused("snapshotWithoutDescription", "description is required");
    refused("exportWithoutFormat", "format is required");
    ok("nodeUpdateAsTyped");
    ok("endpointUpdateAsTyped");
    // Only the two accepted writes changed anything.
    let stats = handle.stats();
    assert_eq!(stats["statuses"]["204"], 2, "{stats}");
}
