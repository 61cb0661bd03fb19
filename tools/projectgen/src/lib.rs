//! Synthetic projects in the offline clone layout (`cognigy clone`), of any size.
//!
//! Shape: `endpoints` endpoints, those of two neighbouring entry flows sharing Live Agent settings (so grouping
//! is exercised), each pointing at an entry flow; every flow has `nodes_per_flow` nodes
//! in every locale, of which a share are Handover to Agent / Check Agent Availability
//! nodes; `fanout` Execute Flow nodes per entry flow link it to other flows, so every
//! flow is reached. Ids are derived from a counter, so the same options give the same
//! bytes. Files are written like the Cognigy CLI writes them (4-space JSON, no newline).

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub struct Options {
    pub endpoints: usize,
    pub flows: usize,
    pub locales: usize,
    pub nodes_per_flow: usize,
    /// Per cent of a flow's nodes that are handover nodes (at least one per flow when > 0).
    pub handover_percent: usize,
    /// Execute Flow nodes in each entry flow.
    pub fanout: usize,
    pub selector_key: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            endpoints: 20,
            flows: 200,
            locales: 2,
            nodes_per_flow: 12,
            handover_percent: 10,
            fanout: 4,
            selector_key: "handoverProvider".into(),
        }
    }
}

fn hex24(kind: u32, n: usize) -> String {
    format!("{kind:08x}{n:016x}")
}

fn uuid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

fn write(root: &Path, rel: &str, value: &Value) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::File::create(path)?.write_all(handover_migrate_io::fsio::to_cli_json(value).as_bytes())
}

const LOCALE_NAMES: &[&str] = &["en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-BR", "ja-JP"];

fn locale_name(i: usize) -> String {
    LOCALE_NAMES.get(i).map_or_else(|| format!("xx-{i:02}"), |n| n.to_string())
}

/// Write a project to `root` (which should be empty). Returns the number of files written.
pub fn generate(root: &Path, options: &Options) -> std::io::Result<usize> {
    let mut files = 0;
    let locales: Vec<Value> = (0..options.locales.max(1))
        .map(|i| {
            json!({"_id": hex24(0x10c, i), "referenceId": uuid(0x10c, i), "name": locale_name(i),
                   "primary": i == 0, "nluLanguage": locale_name(i), "fallbackLocaleReference": ""})
        })
        .collect();
    write(root, "flows/locales.json", &Value::Array(locales.clone()))?;
    std::fs::write(root.join("handover-migrate.toml"), format!("node-selector-key = \"{}\"\n", options.selector_key))?;
    files += 2;
    let flows = options.flows.max(1);
    let entry_flows = options.endpoints.clamp(1, flows);
    for e in 0..options.endpoints {
        let flow = e % entry_flows;
        // Endpoints of one entry flow share settings (with more endpoints than flows, they
        // would otherwise conflict); with fewer, this is every pair of endpoints.
        let account = flow / 2;
        let endpoint = json!({
            "_id": hex24(0xe, e), "channel": "webchat3", "flowId": uuid(0xf, flow), "localeId": "",
            "URLToken": format!("{:064x}", e), "name": format!("Endpoint {e:05}"), "entrypoint": hex24(0x9, 0),
            "active": true, "settings": {}, "transformer": {"transformer": "", "abortOnError": false},
            "handoverSettings": {
                "provider": "liveAgent",
                "providerSettings": {
                    "usePlatformToken": false,
                    "baseUrl": format!("https://liveagent-{account}.example.com/api/v1"),
                    "accountId": account.to_string(),
                    "apiKey": format!("key-{account:06}"),
                    "liveAgentInboxId": "100",
                    "forwardOnlyHandoverConversations": true
                },
                "agentAssistSettings": {"copilotType": "none", "agentAssistFlowId": "", "agentAssistConfigId": ""}
            },
            "createdAt": 1727177152, "lastChanged": 1727177152
        });
        write(root, &format!("endpoints/Endpoint {e:05}/config.json"), &endpoint)?;
        files += 1;
    }
    let handovers = if options.handover_percent == 0 {
        0
    } else {
        (options.nodes_per_flow * options.handover_percent).div_ceil(100).max(1)
    };
    // Entry flow i links to flows entry_flows + i*fanout .. so that every flow is reached once.
    let linked_per_entry = (flows - entry_flows).div_ceil(entry_flows).max(options.fanout.min(flows - entry_flows));
    for f in 0..flows {
        let name = format!("Flow {f:06}");
        write(
            root,
            &format!("flows/{name}/config.json"),
            &json!({
                "_id": hex24(0xf, f), "referenceId": uuid(0xf, f), "name": name, "description": "",
                "isTrainingOutOfDate": false, "createdAt": 1727177152, "lastChanged": 1727177152
            }),
        )?;
        files += 1;
        let targets: Vec<usize> = if f < entry_flows {
            (0..linked_per_entry).map(|k| entry_flows + f * linked_per_entry + k).filter(|t| *t < flows).collect()
        } else {
            Vec::new()
        };
        for (l, locale) in locales.iter().enumerate() {
            let locale_id = locale["_id"].clone();
            let mut nodes = Vec::with_capacity(options.nodes_per_flow + targets.len());
            let mut relations = Vec::with_capacity(options.nodes_per_flow + targets.len());
            for n in 0..options.nodes_per_flow + targets.len() {
                let id = hex24(0xa0 + l as u32, f * 100_000 + n);
                let node_id = hex24(0xa0, f * 100_000 + n);
                let (node_type, config) = if n >= options.nodes_per_flow {
                    let target = targets[n - options.nodes_per_flow];
                    (
                        "executeFlow",
                        json!({"flowNode": {"flow": uuid(0xf, target), "node": hex24(0xa0, target * 100_000), "isGoto": false},
                        "parseIntents": true, "parseKeyphrases": true, "absorbContext": false}),
                    )
                } else if n > 0 && n <= handovers {
                    if n % 2 == 1 {
                        (
                            "handoverToAgent",
                            json!({"text": format!("Connecting you ({l})"), "repeatHandoverMessage": false,
                            "cancelIntent": "", "quickReply": "", "resolveBehavior": "resetEntrypoint", "sendResolveEvent": true,
                            "liveAgentInboxId": "", "liveAgentSkills": ["billing"], "liveAgentLanguages": [], "liveAgentPriority": "none",
                            "salesforcePrechatEntities": "[]", "salesforcePrechatDetails": "[]", "genesysCustomAttributes": {}}),
                        )
                    } else {
                        (
                            "checkAgentAvailability",
                            json!({"liveAgentInboxId": "", "liveAgentSkills": [], "liveAgentLanguages": [],
                            "storeLocation": "input", "inputKey": "availableAgents", "contextKey": "availableAgents",
                            "errorLogging": "none", "abortOnError": false}),
                        )
                    }
                } else {
                    (
                        "say",
                        json!({"say": {"type": "text", "text": [format!("Message {n} of flow {f} in locale {l}")], "data": {}, "_cognigy": {}}}),
                    )
                };
                // Node 0 is the entry point; its id is the same in every locale.
                let _ = id;
                nodes.push(json!({
                    "_id": node_id, "referenceId": uuid(0xa0, f * 100_000 + n), "type": node_type,
                    "label": format!("{node_type} {n}"), "comment": "", "commentColor": "", "isEntryPoint": n == 0,
                    "isDisabled": false, "extension": "@cognigy/basic-nodes", "localeReference": locale_id,
                    "analyticsLabel": "", "config": config
                }));
                let next = (n + 1 < options.nodes_per_flow + targets.len()).then(|| hex24(0xa0, f * 100_000 + n + 1));
                relations
                    .push(json!({"_id": hex24(0xb0, f * 100_000 + n), "node": node_id, "children": [], "next": next}));
            }
            let chart = json!({"_id": hex24(0xc0, f), "nodes": nodes, "relations": relations});
            write(root, &format!("flows/{name}/{}/chart.json", locale_name(l)), &chart)?;
            files += 1;
        }
    }
    Ok(files)
}

/// `text` with every Cognigy object id (24 lowercase hex digits standing alone) starting with
/// `prefix` (two hex digits) instead of its own first two: copies of one project then look
/// like distinct projects of one tenant, as fleet tests and benchmarks need.
pub fn reprefix_ids(text: &str, prefix: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)).count();
        let boundary_after = bytes.get(i + run).is_none_or(|b| !b.is_ascii_alphanumeric());
        if boundary_before && run == 24 && boundary_after {
            out.push_str(prefix);
            out.push_str(&text[i + 2..i + 24]);
            i += 24;
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod reprefix_tests {
    #[test]
    fn only_whole_ids_are_reprefixed() {
        let text =
            r#"{"_id":"66f26ef21238d0626569c5a3","x":"66f26ef21238d0626569c5a3f","é":"a66f26ef21238d0626569c5a3"}"#;
        assert_eq!(
            super::reprefix_ids(text, "a0"),
            r#"{"_id":"a0f26ef21238d0626569c5a3","x":"66f26ef21238d0626569c5a3f","é":"a66f26ef21238d0626569c5a3"}"#
        );
    }
}
