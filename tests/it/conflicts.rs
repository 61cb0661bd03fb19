//! Nodes reached from endpoints that disagree: never guessed, listed with the answers that
//! resolve them, and resolved exactly as answered.

use crate::common::*;

const BILLING_EN: &str = "flows/Billing/en-US/chart.json";
const BILLING_DE: &str = "flows/Billing/de-DE/chart.json";
const BILLING_NODE: &str = "66f2d360491f6156157308fb";
const BILLING_NODE_REF: &str = "d04ec55e-07e2-425b-bc88-b42818e6f999";
const MAIN_FLOW_REF: &str = "3bdf0509-9c7d-41a8-b5af-911a29a20fdd";

fn with_answers(project: &Scratch, answers: &str, args: &[&str]) -> Ran {
    project.write("answers.toml", answers);
    let path = project.file("answers.toml");
    let mut all = args.to_vec();
    all.extend(["--answers", path.to_str().unwrap()]);
    run(project, &all)
}

fn plan_json(ran: &Ran) -> serde_json::Value {
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("plan --json: {e}\n{}", ran.dump()))
}

#[test]
fn node_reached_from_two_providers_is_a_conflict_listed_with_its_answers() {
    let project = support_portal_reaches_billing();
    let ran = run(&project, &["plan"]);
    ran.code(3).mentions(&[
        "flow \"Billing\", node",
        "locale(s) de-DE, en-US",
        BILLING_NODE,
        "answers file, [assign] table, one of:",
        &format!("{BILLING_NODE_REF} = \"Support Portal\""),
        &format!("{BILLING_NODE_REF} = \"Webchat Production\""),
        &format!("{BILLING_NODE_REF} = \"legacy\""),
        "or for the whole flow: Billing = \"<endpoint>\"",
    ]);

    let plan = plan_json(&run(&project, &["plan", "--json"]));
    let conflicts = plan["conflicts"].as_array().unwrap();
    let mut where_: Vec<(String, String)> = conflicts
        .iter()
        .map(|c| (c["flow"].as_str().unwrap().to_string(), c["locale"].as_str().unwrap().to_string()))
        .collect();
    where_.sort();
    assert_eq!(where_, [("Billing".into(), "de-DE".into()), ("Billing".into(), "en-US".into())], "{plan:#}");
    for conflict in conflicts {
        assert_eq!(conflict["node_id"], BILLING_NODE);
        assert_eq!(conflict["node_reference_id"], BILLING_NODE_REF);
    }

    let before = tree(project.path());
    let ran = run(&project, &["apply", "--yes"]);
    ran.code(3).mentions(&["conflict", "flow \"Billing\"", BILLING_NODE, "Support Portal"]);
    assert_nothing_written(&project, &before, &ran);
}

fn assert_billing_points_at(project: &Scratch, provider_file: &str) {
    let reference = json(project, provider_file)["referenceId"].clone();
    assert!(reference.is_string());
    for chart in [BILLING_EN, BILLING_DE] {
        let config = node_config(project, chart, BILLING_NODE);
        assert_eq!(config["handoverProvider"], reference, "{chart}");
        assert_eq!(config["liveAgentInboxId"], "40001", "{chart}: the node's own inbox stays");
    }
}

#[test]
fn conflict_answered_by_node_reference_id_migrates_to_that_endpoints_provider() {
    let project = support_portal_reaches_billing();
    let answers = format!("[assign]\n\"{BILLING_NODE_REF}\" = \"Support Portal\"\n");
    with_answers(&project, &answers, &["plan"]).code(0);
    with_answers(&project, &answers, &["apply", "--yes"]).code(0);
    assert_billing_points_at(&project, SUPPORT_PROVIDER);
    with_answers(&project, &answers, &["verify"]).code(0);
}

#[test]
fn conflict_answered_by_flow_name_migrates_the_whole_flow() {
    let project = support_portal_reaches_billing();
    let answers = "[assign]\n\"Billing\" = \"Webchat Staging\"\n";
    with_answers(&project, answers, &["apply", "--yes"]).code(0);
    // Staging shares its provider with Production.
    assert_billing_points_at(&project, WEBCHAT_PROVIDER);
}

#[test]
fn conflict_kept_on_legacy_applies_the_rest_and_verify_lists_it() {
    let project = support_portal_reaches_billing();
    let answers = format!("[assign]\n\"{BILLING_NODE_REF}\" = \"legacy\"\n");
    with_answers(&project, &answers, &["apply", "--yes"]).code(0);
    for chart in [BILLING_EN, BILLING_DE] {
        let config = node_config(&project, chart, BILLING_NODE);
        assert!(config.get("handoverProvider").is_none(), "{chart}: {config:#}");
    }
    let reference = json(&project, WEBCHAT_PROVIDER)["referenceId"].clone();
    assert_eq!(
        node_config(&project, "flows/Main/en-US/chart.json", "66f23ce0c4fa7bbf4af8bfc1")["handoverProvider"],
        reference
    );
    with_answers(&project, &answers, &["verify"]).code(4).mentions(&[
        "flow \"Billing\", locale en-US",
        "flow \"Billing\", locale de-DE",
        BILLING_NODE,
    ]);
}

#[test]
fn second_live_agent_endpoint_with_other_settings_on_main_conflicts_main_and_billing() {
    let project = Scratch::example();
    let text = project
        .read("endpoints/Support Portal/config.json")
        .replace("66f211cf18c78d9188eb75ac", "66f211cf18c78d9188eb7500")
        .replace("\"Support Portal\"", "\"Kiosk Web\"")
        .replace("997b9130-3213-4837-8d0c-dbaaddc09e15", MAIN_FLOW_REF);
    project.write("endpoints/Kiosk Web/config.json", &text);
    let ran = run(&project, &["plan", "--json"]);
    ran.code(3);
    let plan = plan_json(&ran);
    let mut flows: Vec<&str> =
        plan["conflicts"].as_array().unwrap().iter().map(|c| c["flow"].as_str().unwrap()).collect();
    flows.sort();
    // Main: Talk to a human (en-US, de-DE), Agents online? (en-US); Billing: Billing team (both).
    assert_eq!(flows, ["Billing", "Billing", "Main", "Main", "Main"], "{plan:#}");
    for conflict in plan["conflicts"].as_array().unwrap() {
        let lines = conflict["resolve_with"].as_array().unwrap();
        assert!(lines.iter().any(|l| l.as_str().unwrap().ends_with("= \"Kiosk Web\"")), "{conflict:#}");
    }
    // Support Portal's own nodes are not affected.
    assert!(plan["node_edits"].as_array().unwrap().iter().any(|e| e["flow"] == "Support Portal"));
    let before = tree(project.path());
    let ran = run(&project, &["apply", "--yes"]);
    ran.code(3);
    assert_nothing_written(&project, &before, &ran);
}

#[test]
fn different_default_inboxes_share_a_provider_but_conflict_on_empty_inbox_nodes() {
    let project = Scratch::example();
    project.edit_json("endpoints/Webchat Staging/config.json", |v| {
        v["handoverSettings"]["providerSettings"]["liveAgentInboxId"] = serde_json::json!("32999");
    });
    let ran = run(&project, &["plan", "--json"]);
    ran.code(3);
    let plan = plan_json(&ran);
    let shared: Vec<&serde_json::Value> = plan["providers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["endpoints"] == serde_json::json!(["Webchat Production", "Webchat Staging"]))
        .collect();
    assert_eq!(shared.len(), 1, "the inbox is a node default, not a provider property: {plan:#}");
    assert_eq!(plan["providers"].as_array().unwrap().len(), 3);

    let mut conflicts: Vec<(String, String, String)> = plan["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(c["reason"].as_str().unwrap().contains("liveAgentInboxId"), "{c:#}");
            (
                c["flow"].as_str().unwrap().into(),
                c["locale"].as_str().unwrap().into(),
                c["node_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    conflicts.sort();
    assert_eq!(
        conflicts,
        [
            ("Main".into(), "de-DE".into(), "66f23ce0c4fa7bbf4af8bfc1".into()),
            ("Main".into(), "en-US".into(), "66f23ce0c4fa7bbf4af8bfc1".into()),
            ("Main".into(), "en-US".into(), "66f26deb948d8446de56f6e8".into()),
        ],
        "only Main's empty-inbox nodes conflict"
    );
    let billing_edits = plan["node_edits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["flow"] == "Billing" && e["node_id"] == BILLING_NODE)
        .count();
    assert_eq!(billing_edits, 2, "Billing's node has its own inbox 40001: no conflict, it migrates");

    // Answering the flow resolves the three Main nodes with Staging's inbox.
    let answers = "[assign]\nMain = \"Webchat Staging\"\n";
    with_answers(&project, answers, &["apply", "--yes"]).code(0);
    for (chart, node) in [
        ("flows/Main/en-US/chart.json", "66f23ce0c4fa7bbf4af8bfc1"),
        ("flows/Main/de-DE/chart.json", "66f23ce0c4fa7bbf4af8bfc1"),
        ("flows/Main/en-US/chart.json", "66f26deb948d8446de56f6e8"),
    ] {
        assert_eq!(node_config(&project, chart, node)["liveAgentInboxId"], "32999", "{chart} {node}");
    }
    assert_billing_points_at(&project, WEBCHAT_PROVIDER);
}

#[test]
fn orphan_flow_assigned_to_an_endpoint_is_migrated() {
    let project = Scratch::example();
    let de = project.read("flows/Old Drafts/de-DE/chart.json");
    let answers = "[assign]\n\"Old Drafts\" = \"Webchat Production\"\n";
    let ran = with_answers(&project, answers, &["plan", "--detail"]);
    ran.code(0).mentions(&["flows/Old Drafts/en-US/chart.json"]);
    with_answers(&project, answers, &["apply", "--yes"]).code(0);
    let config = node_config(&project, "flows/Old Drafts/en-US/chart.json", "66f2c089cb5067ecfb8c83c7");
    assert_eq!(config["handoverProvider"], json(&project, WEBCHAT_PROVIDER)["referenceId"]);
    assert_eq!(config["liveAgentInboxId"], "32852", "the endpoint's default inbox fills the empty node field");
    // The de-DE chart only holds the en-US fallback copy of the node: untouched.
    assert_eq!(project.read("flows/Old Drafts/de-DE/chart.json"), de);
    // Without the answer the orphan stays as it is.
    let plain = Scratch::example();
    run(&plain, &["apply", "--yes"]).code(0);
    assert!(node_config(&plain, "flows/Old Drafts/en-US/chart.json", "66f2c089cb5067ecfb8c83c7")
        .get("handoverProvider")
        .is_none());
}

#[test]
fn assignment_to_an_unknown_endpoint_is_a_usage_error() {
    let project = support_portal_reaches_billing();
    let before = tree(project.path());
    let ran = with_answers(&project, &format!("[assign]\n\"{BILLING_NODE_REF}\" = \"Nowhere\"\n"), &["apply", "--yes"]);
    ran.code(2).mentions(&["Nowhere", BILLING_NODE_REF]);
    let mut after_expected = before.clone();
    after_expected.insert("answers.toml".into(), tree(project.path())["answers.toml"].clone());
    assert_eq!(tree(project.path()), after_expected);
    assert!(!project.file("handoverProviders").exists());
}
