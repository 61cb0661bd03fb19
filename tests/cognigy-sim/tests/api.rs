//! The contract routes against the acme-support seed (and a generated one for pagination).

mod common;

use common::*;
use serde_json::{json, Value};

fn keys(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn seed_chart(flow: &str, locale: &str) -> Value {
    let path = seed().join(format!("flows/{flow}/{locale}/chart.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn seed_node(flow: &str, locale: &str, id: &str) -> Value {
    seed_chart(flow, locale)["nodes"].as_array().unwrap().iter().find(|n| n["_id"] == id).unwrap().clone()
}

fn assert_problem(response: &Response, status: u16, code: u64, detail_part: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/problem+json"));
    let body = response.json();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code);
    assert_eq!(body["type"], "about:blank");
    assert!(body["title"].is_string() && body["traceId"].is_string() && body["details"].is_object(), "{body}");
    assert!(body["detail"].as_str().unwrap().contains(detail_part), "{body}");
}

#[test]
fn pagination_limit_skip_total() {
    // A generated seed with 130 endpoints: more than the default page and the maximum.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("flows")).unwrap();
    std::fs::write(root.join("flows/locales.json"), r#"[{"_id": "l1", "name": "en-US", "primary": true}]"#).unwrap();
    for i in 0..130 {
        let ep = root.join(format!("endpoints/ep{i:03}"));
        std::fs::create_dir_all(&ep).unwrap();
        let body = json!({"_id": format!("{i:024x}"), "name": format!("ep{i:03}"), "channel": "rest", "createdAt": 1000 + i,
                          "handoverSettings": {"provider": "none"}});
        std::fs::write(ep.join("config.json"), serde_json::to_vec(&body).unwrap()).unwrap();
    }
    let handle = cognigy_sim::Sim::load(root, options()).unwrap().spawn().unwrap();
    let client = Client::new(&handle);

    let first = client.ok(&format!("/endpoints?projectId={PROJECT}"));
    assert_eq!(first["total"], 130);
    assert_eq!(first["items"].as_array().unwrap().len(), 25, "default limit 25");
    assert!(first["nextCursor"].is_string(), "a next page: {}", first["nextCursor"]);
    assert_eq!(first["previousCursor"], Value::Null, "no page before the first");
    assert!(first["items"][0].get("handoverSettings").is_none(), "index items have no handoverSettings");

    let mut seen = Vec::new();
    let mut skip = 0;
    loop {
        let page = client.ok(&format!("/endpoints?projectId={PROJECT}&limit=100&skip={skip}"));
        let items = page["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        assert!(items.len() <= 100);
        skip += items.len();
        seen.extend(items.into_iter().map(|i| i["name"].as_str().unwrap().to_string()));
    }
    let expected: Vec<String> = (0..130).map(|i| format!("ep{i:03}")).collect();
    assert_eq!(seen, expected, "every item once, in creation order");

    assert_problem(&client.get("/endpoints?limit=101"), 400, 400, "at most 100");
    assert_problem(&client.get("/endpoints?limit=0"), 400, 400, "limit");
    assert_problem(&client.get("/endpoints?limit=ten"), 400, 400, "limit");
    assert_problem(&client.get("/endpoints?skip=-1"), 400, 400, "skip");
    assert_problem(&client.get("/endpoints?skip=x"), 400, 400, "skip");
    assert_problem(&client.get("/endpoints?next=not-a-cursor"), 400, 400, "next");
    assert_problem(&client.get("/endpoints?pageSize=10"), 400, 400, "pageSize was not allowed");
    assert_problem(&client.get("/endpoints?includeFeedbackReport=true"), 400, 400, "not allowed");
    assert_problem(&client.get("/flows?includeFeedbackReport=yes"), 400, 400, "must be a boolean");

    // The cursors walk the same list forwards and back.
    let mut by_cursor = Vec::new();
    let mut query = format!("/endpoints?projectId={PROJECT}&limit=40");
    let mut pages = Vec::new();
    for _ in 0..10 {
        let page = client.ok(&query);
        assert_eq!(page["total"], 130);
        by_cursor.extend(page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()));
        pages.push(page.clone());
        match page["nextCursor"].as_str() {
            Some(next) => query = format!("/endpoints?projectId={PROJECT}&limit=40&next={next}"),
            None => break,
        }
    }
    assert_eq!(by_cursor, expected, "next cursors give every item once");
    assert_eq!(pages.len(), 4);
    let last = pages.last().unwrap();
    let back = client.ok(&format!("/endpoints?limit=40&previous={}", last["previousCursor"].as_str().unwrap()));
    assert_eq!(back["items"], pages[2]["items"], "previous gives the page before");
    let beyond = client.ok("/endpoints?skip=500");
    assert_eq!(beyond["items"], json!([]));
    assert_eq!(beyond["total"], 130);
}

#[test]
fn auth_key_header_or_query() {
    let handle = start(options());
    let mut client = Client::new(&handle);
    assert_eq!(client.get("/locales").status, 200);

    let lower = raw_request(handle.addr(), "GET", "/new/v2.0/locales", &[("x-api-key", KEY)], None).unwrap();
    assert_eq!(lower.status, 200, "header name in any case");
    let mixed = raw_request(handle.addr(), "GET", "/new/v2.0/locales", &[("X-Api-Key", KEY)], None).unwrap();
    assert_eq!(mixed.status, 200);

    client.key = None;
    assert_problem(&client.get("/locales"), 401, 401, "API key");
    assert_eq!(client.get(&format!("/locales?api_key={KEY}")).status, 200, "api_key query parameter");
    client.key = Some("wrong".into());
    assert_problem(&client.get("/locales"), 401, 401, "Invalid API key");
    assert_problem(&client.patch(&format!("/endpoints/{WEBCHAT_PRODUCTION}"), &json!({"name": "x"})), 401, 401, "");
}

#[test]
fn get_with_body_is_forbidden() {
    let handle = start(options());
    let addr = handle.addr();
    let with_body = raw_request(
        addr,
        "GET",
        "/new/v2.0/locales",
        &[("X-API-Key", KEY), ("Content-Type", "application/json")],
        Some(b"{}"),
    )
    .unwrap();
    assert_problem(&with_body, 403, 403, "body");
    // The official client sends Content-Type: application/json on GET but no body: fine.
    let no_body = raw_request(
        addr,
        "GET",
        "/new/v2.0/locales",
        &[("X-API-Key", KEY), ("Content-Type", "application/json")],
        None,
    )
    .unwrap();
    assert_eq!(no_body.status, 200);
    let empty = raw_request(addr, "GET", "/new/v2.0/locales", &[("X-API-Key", KEY)], Some(b"")).unwrap();
    assert_eq!(empty.status, 200, "Content-Length: 0 is no body");
}

#[test]
fn lists_paths_and_project_scoping() {
    let handle = start(options());
    let client = Client::new(&handle);
    let locales = client.ok(&format!("/locales?projectId={PROJECT}"));
    let expected: Value = serde_json::from_slice(&std::fs::read(seed().join("flows/locales.json")).unwrap()).unwrap();
    assert_eq!(locales["items"], expected);

    let flows = client.ok(&format!("/flows?projectId={PROJECT}"));
    assert_eq!(flows["total"], 7);
    let main = flows["items"].as_array().unwrap().iter().find(|f| f["name"] == "Main").unwrap();
    let seed_main: Value =
        serde_json::from_slice(&std::fs::read(seed().join("flows/Main/config.json")).unwrap()).unwrap();
    assert_eq!(main, &seed_main);
    assert_eq!(keys(main), keys(&seed_main), "key order kept");

    // The same routes under /v2.0.
    assert_eq!(client.ok("/v2.0/locales")["items"], expected);

    assert_problem(&client.get("/endpoints?projectId=66f2000000000000000000ff"), 404, 1002, "Project");
    assert_problem(&client.get("/flows?projectId=nope"), 404, 1002, "Project");
    assert_problem(&client.get("/endpoints/000000000000000000000000"), 404, 1002, "Endpoint");
    assert_problem(&client.get("/flows/000000000000000000000000/chart"), 404, 1002, "Flow");
    assert_problem(&client.get("/no/such/route"), 404, 1002, "route");
}

#[test]
fn endpoint_index_and_read() {
    let handle = start(options());
    let client = Client::new(&handle);
    let index = client.ok(&format!("/endpoints?projectId={PROJECT}"));
    assert_eq!(index["total"], 6);
    let item = index["items"].as_array().unwrap().iter().find(|e| e["_id"] == WEBCHAT_PRODUCTION).unwrap();
    assert_eq!(
        keys(item),
        [
            "_id",
            "channel",
            "URLToken",
            "flowId",
            "localeId",
            "name",
            "createdAt",
            "lastChanged",
            "createdBy",
            "lastChangedBy",
            "overrideSnapshotConnections"
        ]
    );
    let read = client.get(&format!("/endpoints/{WEBCHAT_PRODUCTION}"));
    let seed_bytes = std::fs::read(seed().join("endpoints/Webchat Production/config.json")).unwrap();
    let seed_value: Value = serde_json::from_slice(&seed_bytes).unwrap();
    assert_eq!(read.json(), seed_value);
    assert_eq!(cognigy_sim::to_cli_json(&read.json()), seed_bytes, "the full object, keys in order");
}

#[test]
fn endpoint_patch_replaces_top_level_keys_and_bumps_last_changed() {
    let handle = start(options());
    let client = Client::new(&handle);
    let path = format!("/endpoints/{WEBCHAT_PRODUCTION}");
    let before = client.ok(&path);
    let handover = json!({
        "provider": "none",
        "agentAssistSettings": before["handoverSettings"]["agentAssistSettings"].clone()
    });
    let response = client.patch(&path, &json!({"handoverSettings": handover}));
    assert_eq!(response.status, 204, "{}", response.text());
    assert!(response.body.is_empty());
    let after = client.ok(&path);
    assert_eq!(after["handoverSettings"], handover, "handoverSettings replaced as a whole");
    assert_eq!(keys(&after), keys(&before), "key order kept");
    assert!(after["lastChanged"].as_i64().unwrap() > before["lastChanged"].as_i64().unwrap());
    assert_eq!(after["settings"], before["settings"], "other keys untouched");

    // A second write in the same second still bumps.
    assert_eq!(client.patch(&path, &json!({"active": false})).status, 204);
    let again = client.ok(&path);
    assert!(again["lastChanged"].as_i64().unwrap() > after["lastChanged"].as_i64().unwrap());
    assert_eq!(again["active"], false);
}

#[test]
fn endpoint_patch_rejects_unknown_provider_settings_keys() {
    let handle = start(options());
    let client = Client::new(&handle);
    let path = format!("/endpoints/{WEBCHAT_PRODUCTION}");
    let before = client.ok(&path);
    let mut handover = before["handoverSettings"].clone();
    handover["providerSettings"]["handoverProvider"] = json!("x");
    let response = client.patch(&path, &json!({"handoverSettings": handover}));
    assert_problem(&response, 400, 1005, "Validation failed. Field handoverProvider was not allowed");
    assert_eq!(client.ok(&path), before, "nothing written");

    let response = client.patch(&path, &json!({"handoverSettings": {"provider": "zendesk"}}));
    assert_problem(&response, 400, 1005, "provider");
    let response = client.patch(&path, &json!({"_id": "x", "name": "y"}));
    assert_problem(&response, 400, 1005, "Field _id was not allowed");
    let response = client.patch(&path, &json!(["not", "an", "object"]));
    assert_problem(&response, 400, 400, "object");
    assert_eq!(client.ok(&path), before);
}

#[test]
fn chart_and_node_index() {
    let handle = start(options());
    let client = Client::new(&handle);
    let chart = client.ok(&format!("/flows/{MAIN_FLOW}/chart?preferredLocaleId={DE}"));
    let seed_de = seed_chart("Main", "de-DE");
    assert_eq!(chart["_id"], seed_de["_id"]);
    assert_eq!(chart["relations"], seed_de["relations"]);
    for (node, seed_node) in chart["nodes"].as_array().unwrap().iter().zip(seed_de["nodes"].as_array().unwrap()) {
        assert!(node.get("config").is_none());
        assert_eq!(node["preview"], json!({}));
        let mut expected = seed_node.clone();
        expected.as_object_mut().unwrap().shift_remove("config");
        let mut got = node.clone();
        got.as_object_mut().unwrap().shift_remove("preview");
        assert_eq!(keys(&got), keys(&expected));
        assert_eq!(got, expected);
    }

    let index = client.ok(&format!("/flows/{MAIN_FLOW}/chart/nodes?preferredLocaleId={DE}"));
    assert_eq!(index["total"], 6);
    let check = index["items"].as_array().unwrap().iter().find(|n| n["_id"] == MAIN_CHECK).unwrap();
    assert_eq!(
        keys(check),
        [
            "_id",
            "referenceId",
            "type",
            "label",
            "analyticsLabel",
            "comment",
            "commentColor",
            "isEntryPoint",
            "isDisabled",
            "extension",
            "localeReference"
        ]
    );
    assert_eq!(check["localeReference"], EN, "not localized in de-DE: the primary localization");
    let handover = index["items"].as_array().unwrap().iter().find(|n| n["_id"] == MAIN_HANDOVER).unwrap();
    assert_eq!(handover["localeReference"], DE);
    let page = client.ok(&format!("/flows/{MAIN_FLOW}/chart/nodes?limit=4&skip=4"));
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}

#[test]
fn node_reads_are_per_locale() {
    let handle = start(options());
    let client = Client::new(&handle);
    let node = |id: &str, locale: Option<&str>| {
        let query = locale.map(|l| format!("?preferredLocaleId={l}")).unwrap_or_default();
        client.ok(&format!("/flows/{MAIN_FLOW}/chart/nodes/{id}{query}"))
    };
    // Localized in de-DE: the de-DE config.
    let de = node(MAIN_HANDOVER, Some(DE));
    assert_eq!(de["localeReference"], DE);
    assert_eq!(de["config"], seed_node("Main", "de-DE", MAIN_HANDOVER)["config"]);
    let en = node(MAIN_HANDOVER, Some(EN));
    assert_eq!(en["localeReference"], EN);
    assert_eq!(en["config"], seed_node("Main", "en-US", MAIN_HANDOVER)["config"]);
    assert_ne!(de["config"], en["config"]);
    // Not localized in de-DE: the primary localization, with its localeReference.
    let check = node(MAIN_CHECK, Some(DE));
    assert_eq!(check["localeReference"], EN);
    assert_eq!(check["config"], seed_node("Main", "en-US", MAIN_CHECK)["config"]);
    // No preferredLocaleId: the primary locale.
    assert_eq!(node(MAIN_HANDOVER, None)["config"], en["config"]);
    assert!(en["lastChanged"].is_i64());
    assert_eq!(en["type"], "handoverToAgent");

    assert_problem(
        &client.get(&format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_HANDOVER}?preferredLocaleId=nope")),
        404,
        1002,
        "Locale",
    );
    assert_problem(&client.get(&format!("/flows/{MAIN_FLOW}/chart/nodes/000000000000000000000000")), 404, 1002, "Node");
}

#[test]
fn node_patch_replaces_config_wholesale_per_locale() {
    let handle = start(options());
    let client = Client::new(&handle);
    let path = format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_HANDOVER}");
    let en_before = client.ok(&format!("{path}?preferredLocaleId={EN}"));
    let response = client.patch(&path, &json!({"config": {"text": "Einen Moment bitte"}, "localeId": DE}));
    assert_eq!(response.status, 204, "{}", response.text());
    let de = client.ok(&format!("{path}?preferredLocaleId={DE}"));
    assert_eq!(de["config"], json!({"text": "Einen Moment bitte"}), "replaced, not merged");
    let en = client.ok(&format!("{path}?preferredLocaleId={EN}"));
    assert_eq!(en["config"], en_before["config"], "other locale untouched");
    assert!(de["lastChanged"].as_i64().unwrap() > en_before["lastChanged"].as_i64().unwrap());

    // A locale the node is not localized in: the write creates that localization.
    let check = format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_CHECK}");
    assert_eq!(client.ok(&format!("{check}?preferredLocaleId={DE}"))["localeReference"], EN);
    let response = client.patch(&check, &json!({"config": {"liveAgentInboxId": "9"}, "localeId": DE}));
    assert_eq!(response.status, 204);
    let check_de = client.ok(&format!("{check}?preferredLocaleId={DE}"));
    assert_eq!(check_de["localeReference"], DE);
    assert_eq!(check_de["config"], json!({"liveAgentInboxId": "9"}));

    // Envelope fields; no localeId = the primary locale.
    let response = client.patch(&path, &json!({"label": "Human please", "config": en_before["config"].clone()}));
    assert_eq!(response.status, 204);
    let de = client.ok(&format!("{path}?preferredLocaleId={DE}"));
    assert_eq!(de["label"], "Human please");
    assert_eq!(client.ok(&format!("{path}?preferredLocaleId={EN}"))["config"], en_before["config"]);
}

#[test]
fn node_patch_rejects_unknown_config_keys() {
    let handle = start(options());
    let client = Client::new(&handle);
    let path = format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_HANDOVER}");
    let before = client.ok(&format!("{path}?preferredLocaleId={EN}"));
    let mut config = before["config"].clone();
    config["bogusField"] = json!(1);
    let response = client.patch(&path, &json!({"config": config, "localeId": EN}));
    assert_problem(&response, 400, 1005, "Node config validation failed: unknown field bogusField");
    // Without --selector-key the selector field does not exist either.
    let mut config = before["config"].clone();
    config["handoverProvider"] = json!("");
    let response = client.patch(&path, &json!({"config": config, "localeId": EN}));
    assert_problem(&response, 400, 1005, "unknown field handoverProvider");
    // Body keys outside the node update schema (`IUpdateChartNodeRestDataBody_2_0` omits
    // the type and the entity meta), or of the wrong kind.
    let response = client.patch(&path, &json!({"config": before["config"].clone(), "type": "say"}));
    assert_problem(&response, 400, 1005, "Field type was not allowed");
    let response = client.patch(&path, &json!({"config": before["config"].clone(), "_id": MAIN_HANDOVER}));
    assert_problem(&response, 400, 1005, "Field _id was not allowed");
    let response = client.patch(&path, &json!({"config": before["config"].clone(), "isDisabled": "no"}));
    assert_problem(&response, 400, 1005, "Field isDisabled must be a boolean");
    assert_eq!(client.ok(&format!("{path}?preferredLocaleId={EN}")), before, "nothing written");
}

#[test]
fn descriptors_expose_the_selector_only_with_selector_key() {
    let field = |body: &Value, node_type: &str, key: &str| -> Option<Value> {
        let d = body["items"].as_array().unwrap().iter().find(|d| d["type"] == node_type)?;
        d["fields"].as_array().unwrap().iter().find(|f| f["key"] == key).cloned()
    };
    let plain = start(options());
    let body = Client::new(&plain).ok(&format!("/flows/{MAIN_FLOW}/chart/descriptors"));
    assert_eq!(body["total"], body["items"].as_array().unwrap().len());
    for node_type in ["handoverToAgent", "checkAgentAvailability", "say", "question", "executeFlow", "goTo", "start"] {
        let d = body["items"].as_array().unwrap().iter().find(|d| d["type"] == node_type);
        assert!(d.is_some_and(|d| d["extension"] == "@cognigy/basic-nodes"), "{node_type}");
    }
    assert!(field(&body, "handoverToAgent", "liveAgentInboxId").is_some());
    assert!(field(&body, "checkAgentAvailability", "storeLocation").is_some());
    // A key only the seed has (not in the 4.85 descriptor) is still a field.
    assert!(field(&body, "question", "escalateIntentsHandoverLiveAgentInboxId").is_some());
    assert!(field(&body, "handoverToAgent", "handoverProvider").is_none());

    let with = start(options().selector_key("handoverProvider"));
    let client = Client::new(&with);
    let body = client.ok(&format!("/flows/{MAIN_FLOW}/chart/descriptors"));
    for node_type in ["handoverToAgent", "checkAgentAvailability"] {
        assert_eq!(
            field(&body, node_type, "handoverProvider").unwrap(),
            json!({"key": "handoverProvider", "type": "select", "label": "Handover Provider", "defaultValue": "",
                   "params": {"options": "handoverProviders"}})
        );
    }
    assert!(field(&body, "say", "handoverProvider").is_none());
    // And node writes accept it.
    let path = format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_HANDOVER}");
    let mut config = client.ok(&format!("{path}?preferredLocaleId={EN}"))["config"].clone();
    config["handoverProvider"] = json!("8d1c8f3e-0000-4000-8000-000000000001");
    assert_eq!(client.patch(&path, &json!({"config": config, "localeId": EN})).status, 204);
}

#[test]
fn services_catalogue() {
    let handle = start(options());
    let client = Client::new(&handle);
    let services = client.ok("/handover/services?limit=100");
    let names: Vec<&str> = services["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "liveAgent",
            "chatwoot",
            "rce",
            "salesforce",
            "genesysCloud",
            "genesysCloudOM",
            "eightByEight",
            "salesforceMIAW"
        ]
    );
    let live = &services["items"][0];
    for key in ["_id", "referenceId", "name", "version", "serviceUrl", "logoUrl", "properties"] {
        assert!(live.get(key).is_some(), "{key}");
    }
    let props: Vec<&str> = live["properties"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(props, ["usePlatformToken", "baseUrl", "accountId", "apiKey"]);
    assert_eq!(live["properties"][3]["secret"], true);
    assert_eq!(live["properties"][0]["type"], "toggle");
}

fn service_id(client: &Client, name: &str) -> String {
    let services = client.ok("/handover/services?limit=100");
    services["items"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn provider_create_update_delete() {
    let handle = start(options());
    let client = Client::new(&handle);
    let service = service_id(&client, "liveAgent");

    let created = client
        .post("/handover/provider", &json!({"projectId": PROJECT, "name": "Live Agent EU", "serviceId": service}));
    assert_eq!(created.status, 201, "{}", created.text());
    let provider = created.json();
    assert_eq!(
        keys(&provider),
        [
            "_id",
            "referenceId",
            "organisationId",
            "projectId",
            "serviceId",
            "service",
            "localeId",
            "name",
            "createdAt",
            "lastChangedAt",
            "createdBy",
            "lastChangedBy",
            "properties",
            "settings"
        ]
    );
    assert_eq!(provider["service"], "liveAgent");
    assert_eq!(provider["projectId"], PROJECT);
    assert_eq!(
        provider["properties"],
        json!([{"key": "usePlatformToken", "value": false}, {"key": "baseUrl", "value": ""},
               {"key": "accountId", "value": ""}, {"key": "apiKey", "value": ""}])
    );
    let id = provider["_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 24);

    let duplicate = client
        .post("/handover/provider", &json!({"projectId": PROJECT, "name": "Live Agent EU", "serviceId": service}));
    assert_problem(&duplicate, 409, 1004, "already exists");
    assert_problem(
        &client.post("/handover/provider", &json!({"name": "x", "serviceId": service})),
        400,
        1000,
        "projectId",
    );
    assert_problem(
        &client.post("/handover/provider", &json!({"projectId": "other", "name": "x", "serviceId": service})),
        404,
        1002,
        "Project",
    );
    assert_problem(
        &client.post("/handover/provider", &json!({"projectId": PROJECT, "name": "x", "serviceId": "nope"})),
        400,
        1005,
        "service",
    );

    let list = client.ok(&format!("/handover/providers?projectId={PROJECT}"));
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0], provider);
    assert_eq!(client.ok(&format!("/handover/provider/{id}")), provider);

    let properties = json!([{"key": "baseUrl", "value": "https://la.example"}, {"key": "accountId", "value": "2"},
                            {"key": "apiKey", "value": "secret"}, {"key": "usePlatformToken", "value": false}]);
    let update =
        client.patch(&format!("/handover/providers/{id}"), &json!({"projectId": PROJECT, "properties": properties}));
    assert_eq!(update.status, 204, "{}", update.text());
    let read = client.ok(&format!("/handover/provider/{id}"));
    assert_eq!(read["properties"], properties, "the whole list replaced");
    assert!(read["lastChangedAt"].as_i64().unwrap() > provider["lastChangedAt"].as_i64().unwrap());

    // Singular path, rename, partial list (replaces the whole list).
    let update = client.patch(
        &format!("/handover/provider/{id}"),
        &json!({"projectId": PROJECT, "name": "Live Agent", "properties": [{"key": "apiKey", "value": "k2"}]}),
    );
    assert_eq!(update.status, 204);
    let read = client.ok(&format!("/handover/provider/{id}"));
    assert_eq!(read["name"], "Live Agent");
    assert_eq!(read["properties"], json!([{"key": "apiKey", "value": "k2"}]));

    let bad = client.patch(
        &format!("/handover/providers/{id}"),
        &json!({"projectId": PROJECT, "properties": [{"key": "inboxId", "value": "1"}]}),
    );
    assert_problem(&bad, 400, 1005, "inboxId");
    assert_problem(&client.patch(&format!("/handover/providers/{id}"), &json!({"name": "y"})), 400, 1000, "projectId");
    assert_problem(
        &client.patch(&format!("/handover/providers/{id}"), &json!({"projectId": PROJECT, "settings": {}})),
        400,
        1005,
        "settings",
    );
    assert_eq!(client.ok(&format!("/handover/provider/{id}"))["properties"], json!([{"key": "apiKey", "value": "k2"}]));

    assert_problem(&client.delete(&format!("/handover/provider/{id}")), 400, 1000, "projectId");
    assert_eq!(client.delete(&format!("/handover/provider/{id}?projectId={PROJECT}")).status, 204);
    assert_problem(&client.get(&format!("/handover/provider/{id}")), 404, 1002, "provider");
    assert_problem(&client.delete(&format!("/handover/provider/{id}?projectId={PROJECT}")), 404, 1002, "provider");
    assert_eq!(client.ok(&format!("/handover/providers?projectId={PROJECT}"))["total"], 0);
}

#[test]
fn masked_secrets_read_masked_and_mask_writes_are_counted() {
    let handle = start(options().mask_secrets(true));
    let client = Client::new(&handle);
    let endpoint = client.ok(&format!("/endpoints/{WEBCHAT_PRODUCTION}"));
    assert_eq!(endpoint["handoverSettings"]["providerSettings"]["apiKey"], "********");
    assert_eq!(endpoint["handoverSettings"]["providerSettings"]["accountId"], "2");

    let service = service_id(&client, "chatwoot");
    let created =
        client.post("/handover/provider", &json!({"projectId": PROJECT, "name": "CW", "serviceId": service})).json();
    let id = created["_id"].as_str().unwrap();
    let properties = json!([{"key": "baseUrl", "value": "https://cw"}, {"key": "accountId", "value": "1"}, {"key": "apiKey", "value": "s3cret"}]);
    assert_eq!(
        client
            .patch(&format!("/handover/providers/{id}"), &json!({"projectId": PROJECT, "properties": properties}))
            .status,
        204
    );
    let read = client.ok(&format!("/handover/provider/{id}"));
    assert_eq!(read["properties"][2], json!({"key": "apiKey", "value": "********"}));
    assert_eq!(read["properties"][0], json!({"key": "baseUrl", "value": "https://cw"}));
    assert_eq!(handle.stats()["maskWrites"], 0);

    // Writing the mask back is accepted (stored literally) and counted.
    let response = client.patch(
        &format!("/endpoints/{WEBCHAT_PRODUCTION}"),
        &json!({"handoverSettings": endpoint["handoverSettings"].clone()}),
    );
    assert_eq!(response.status, 204);
    assert_eq!(handle.stats()["maskWrites"], 1);
}

#[test]
fn snapshots_are_tasks() {
    let handle = start(options());
    let client = Client::new(&handle);
    assert_problem(&client.post("/snapshots", &json!({"name": "s", "description": "d"})), 400, 1000, "projectId");
    let task =
        client.post("/snapshots", &json!({"name": "before migration", "description": "d", "projectId": PROJECT}));
    assert_eq!(task.status, 200, "{}", task.text());
    let task = task.json();
    assert_eq!(task["status"], "queued");
    assert_eq!(task["type"], "createSnapshot");
    let id = task["_id"].as_str().unwrap();
    let first = client.ok(&format!("/tasks/{id}"));
    assert_eq!(first["status"], "active");
    let second = client.ok(&format!("/tasks/{id}"));
    assert_eq!(second["status"], "done");
    assert_eq!(second["type"], "createSnapshot");
    assert_eq!(second["data"]["snapshotId"].as_str().unwrap().len(), 24);
    assert_problem(&client.get("/tasks/000000000000000000000000"), 404, 1002, "Task");
}

#[test]
fn stats_count_requests_per_route_template() {
    let handle = start(options());
    let client = Client::new(&handle);
    client.ok(&format!("/endpoints/{WEBCHAT_PRODUCTION}"));
    client.ok("/endpoints/66f2fef49744f922210c7c80");
    client.get("/endpoints/000000000000000000000000");
    client.ok("/v2.0/locales");
    client.patch(&format!("/flows/{MAIN_FLOW}/chart/nodes/{MAIN_CHECK}"), &json!({"label": "x"}));
    client.get("/nowhere");
    let stats = client.ok("/__sim/stats");
    assert_eq!(stats["total"], 6);
    assert_eq!(
        stats["routes"],
        json!({"GET /endpoints/{id}": 3, "GET /locales": 1, "PATCH /flows/{id}/chart/nodes/{nodeId}": 1, "GET (unmatched)": 1})
    );
    assert_eq!(stats["statuses"], json!({"200": 3, "204": 1, "404": 2}));
    assert_eq!(handle.stats()["total"], 6, "the stats route itself is not counted");
    let reset = raw_request(handle.addr(), "DELETE", "/__sim/stats", &[], None).unwrap();
    assert_eq!(reset.status, 204);
    assert_eq!(handle.stats()["total"], 0);
}

#[test]
fn intents_export_serves_the_seed_intents() {
    let handle = start(options());
    let client = Client::new(&handle);
    let intents =
        client.post(&format!("/flows/{MAIN_FLOW}/intents/export"), &json!({"localeId": DE, "format": "json"}));
    assert_eq!(intents.status, 200);
    let expected = std::fs::read(seed().join("flows/Main/de-DE/intents.json")).unwrap();
    assert_eq!(cognigy_sim::to_cli_json(&intents.json()), expected);
    let csv = client.post(&format!("/flows/{MAIN_FLOW}/intents/export"), &json!({"localeId": DE, "format": "csv"}));
    assert_problem(&csv, 400, 1005, "json");
}
