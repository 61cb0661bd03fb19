//! Vendor switches and retargets through the binary: `--to salesforceMIAW` and
//! `--to genesysCloudOM` offline and against the simulator, a declarative plugin that adds a
//! pair (`chatwoot` → `liveAgent`), provider-to-provider `retarget` offline and through the
//! API, and the refusals (a pair nobody supports, unknown providers and services).

use std::borrow::BorrowMut;
use std::path::{Path, PathBuf};

use cognigy_sim::{Options, Sim, SimHandle};
use serde_json::{json, Value};

use crate::common::*;

const SALES_FLOW: &str = "00000000-0000-4000-8000-00000000a001";
const CARE_FLOW: &str = "00000000-0000-4000-8000-00000000a002";
const HELP_FLOW: &str = "00000000-0000-4000-8000-00000000a003";
const CANARY: &str = "CANARY-SWITCH";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Salesforce (two endpoints sharing settings), Genesys Guest Chat and Live Agent, each with
/// its own flow; the Salesforce and Genesys nodes set their vendor's node fields.
fn switch_project() -> Scratch {
    let project = empty_project();
    add_flow(
        &project,
        "Sales",
        "660000000000000000005f01",
        SALES_FLOW,
        json!({"sendTranscriptAsFirstMessage": true, "buttonId": "5735g000000WXYZ", "salesforcePrechatDetails": "[]"}),
    );
    let salesforce = json!({"apiVersion": "52", "baseUrl": "https://d.la1-c2-fra.salesforceliveagent.com",
        "organizationId": "00D5g00000ABCDE", "deploymentId": "5725g000000ABCD", "buttonId": "5735g000000ABCD",
        "forwardOnlyHandoverConversations": true, "forwardUnknownEventsToFlow": false});
    add_endpoint(&project, "Sales Web", "66000000000000000000ea01", SALES_FLOW, "salesforce", salesforce.clone());
    add_endpoint(&project, "Sales App", "66000000000000000000ea02", SALES_FLOW, "salesforce", salesforce);
    add_flow(
        &project,
        "Care",
        "660000000000000000005f02",
        CARE_FLOW,
        json!({"genesysLanguage": "de", "genesysSkills": ["care"], "genesysCloudSkills": ["care"]}),
    );
    add_endpoint(
        &project,
        "Care Chat",
        "66000000000000000000ea03",
        CARE_FLOW,
        "genesysCloud",
        json!({"host": "mypurecloud.de", "organizationId": "org-1", "deploymentId": "dep-1", "queue": "Care",
               "queueId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "sendProfile": true, "sessionDuration": 60,
               "oAuth2Connection": "conn-1", "forwardOnlyHandoverConversations": true}),
    );
    add_flow(&project, "Help", "660000000000000000005f03", HELP_FLOW, json!({}));
    add_endpoint(
        &project,
        "Help Desk",
        "66000000000000000000ea04",
        HELP_FLOW,
        "liveAgent",
        json!({"usePlatformToken": false, "baseUrl": "https://la.example.com/api/v1", "accountId": "2",
               "apiKey": format!("{CANARY}-la"), "liveAgentInboxId": "11"}),
    );
    project
}

const ANSWERS: &str = r#"
[providers."Sales App"]
values.scrtUrl = "https://acme.my.salesforce-scrt.com"
values.esDeveloperName = "Acme_Messaging"
values.capabilitiesVersion = "1"
values.forwardUnknownEventsToFlow = false

[providers."Care Chat"]
values.deploymentName = "CognigyOM"
values.queue = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
values.clientId = "om-client"
secrets.clientSecret = "CANARY-SWITCH-client"
secrets.webhookSecret = "CANARY-SWITCH-webhook"
"#;

fn answers_file(dir: &Path) -> PathBuf {
    let path = dir.join("answers.toml");
    std::fs::write(&path, ANSWERS).unwrap();
    path
}

fn run(mut command: impl BorrowMut<assert_cmd::Command>) -> std::process::Output {
    let command = command.borrow_mut();
    command.env_remove("HANDOVER_MIGRATE_PLUGIN_PATH").env("XDG_DATA_HOME", "/nonexistent/handover-migrate-test");
    command.output().unwrap()
}

fn ok(command: impl BorrowMut<assert_cmd::Command>) -> std::process::Output {
    let output = run(command);
    assert!(output.status.success(), "{}\n{}", stdout(&output), stderr(&output));
    output
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn fields(list: &Value) -> Vec<String> {
    list.as_array().into_iter().flatten().map(|f| f["field"].as_str().unwrap_or_default().to_string()).collect()
}

fn provider_file(project: &Scratch, name: &str) -> Value {
    serde_json::from_str(&project.read(&format!("handoverProviders/{name}/config.json"))).unwrap()
}

fn chart(project: &Scratch, flow: &str, locale: &str) -> Value {
    serde_json::from_str(&project.read(&format!("flows/{flow}/{locale}/chart.json"))).unwrap()
}

fn property_keys(provider: &Value) -> Vec<&str> {
    provider["properties"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect()
}

#[test]
fn salesforce_to_miaw_offline_plans_every_field_applies_with_answers_and_rolls_back() {
    let project = switch_project();
    let original = project.snapshot();
    let state = tempfile::tempdir().unwrap();
    let answers = answers_file(state.path());
    let answers = answers.to_str().unwrap();
    let scope = ["--to", "salesforceMIAW", "--endpoint", "Sales Web", "--endpoint", "Sales App"];
    let with = |args: &[&str], answered: bool| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(scope);
        if answered {
            all.extend(["--answers", answers]);
        }
        project.cmd(&all)
    };

    // Without answers: the plan names every manual value and stops apply (exit 3).
    let plan = run(with(&["plan", "--json"], false));
    assert_eq!(plan.status.code(), Some(3), "{}", stderr(&plan));
    let plan = json_of(&plan);
    assert_eq!(plan["target_service"], "salesforceMIAW");
    let providers = plan["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 1, "{plan:#}");
    let miaw = &providers[0];
    assert_eq!(miaw["pair"], json!({"source_kind": "salesforce", "target_service": "salesforceMIAW"}));
    assert_eq!(miaw["endpoints"], json!(["Sales App", "Sales Web"]), "one provider for shared settings");
    let missing: Vec<&str> =
        plan["missing_answers"].as_array().unwrap().iter().map(|m| m["entry"].as_str().unwrap()).collect();
    for key in ["scrtUrl", "esDeveloperName", "capabilitiesVersion", "forwardUnknownEventsToFlow"] {
        let entry = format!("[providers.\"Sales App\"]\nvalues.{key} = \"\"");
        assert!(missing.contains(&entry.as_str()), "{missing:?}");
    }
    // Every legacy key that does not carry over is named, with why.
    let notes = miaw["notes"].to_string();
    for key in ["baseUrl", "apiVersion", "deploymentId", "buttonId", "forwardUnknownEventsToFlow"] {
        assert!(notes.contains(&format!("`{key}` is not carried over")), "{key}: {notes}");
    }
    // Per node: carried, needs a person, no counterpart.
    let edits = plan["node_edits"].as_array().unwrap();
    assert_eq!(edits.len(), 2, "the Handover nodes of both locales (MIAW has no Check Agent Availability)");
    for edit in edits {
        assert_eq!(edit["carried"], json!(["sendTranscriptAsFirstMessage"]), "{edit:#}");
        assert_eq!(fields(&edit["needs_person"]), ["Conversation Routing Attributes"]);
        assert_eq!(fields(&edit["no_counterpart"]), ["buttonId", "salesforcePrechatDetails"]);
    }
    assert!(plan["notices"].to_string().contains("type_not_supported"), "{:#}", plan["notices"]);

    let text = stdout(&run(with(&["plan", "--detail"], true)));
    for line in [
        "Vendor switch (--to salesforceMIAW)",
        "= carried over: sendTranscriptAsFirstMessage",
        "! needs a person: Conversation Routing Attributes",
        "- no counterpart: buttonId",
        "(salesforce → salesforceMIAW)",
    ] {
        assert!(text.contains(line), "{line:?} missing from\n{text}");
    }

    // Apply with the answers.
    ok(with(&["apply", "--yes"], true));
    let provider = provider_file(&project, "Salesforce MIAW - Sales App");
    assert_eq!(provider["service"], "salesforceMIAW");
    assert_eq!(
        property_keys(&provider),
        ["organizationId", "scrtUrl", "esDeveloperName", "capabilitiesVersion", "forwardUnknownEventsToFlow"]
    );
    assert_eq!(provider["properties"][0]["value"], "00D5g00000ABCDE");
    assert_eq!(provider["properties"][4]["value"], false);
    let reference = provider["referenceId"].as_str().unwrap();
    for locale in ["en-US", "de-DE"] {
        let chart = chart(&project, "Sales", locale);
        let (handover, check) = (&chart["nodes"][1]["config"], &chart["nodes"][2]["config"]);
        assert_eq!(handover["handoverProvider"], reference, "{handover:#}");
        assert_eq!(handover["buttonId"], "5735g000000WXYZ", "no-counterpart fields stay as they were");
        assert!(check.get("handoverProvider").is_none(), "Check Agent Availability stays: {check:#}");
    }
    assert!(!project.file("handoverProviders/Salesforce (Service Cloud chat) - Sales App").exists());

    // Idempotent; verify and cleanup recognise the switched endpoints with the same --to.
    let again = ok(with(&["apply", "--yes"], true));
    assert!(stdout(&again).contains("Nothing to change"), "{}", stdout(&again));
    let verify = json_of(&ok(with(&["verify", "--json"], true)));
    let mut migrated: Vec<&str> =
        verify["report"]["migrated_endpoints"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    migrated.sort();
    assert_eq!(migrated, ["Sales App", "Sales Web"], "{verify:#}");
    ok(with(&["cleanup", "--yes"], true));
    let endpoint: Value = serde_json::from_str(&project.read("endpoints/Sales Web/config.json")).unwrap();
    assert_eq!(endpoint["handoverSettings"]["provider"], "none");

    ok(project.cmd(&["rollback", "--yes"]));
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), original, "rollback restores every byte");
}

#[test]
fn genesys_guest_chat_to_open_messaging_offline_carries_the_shared_node_fields() {
    let project = switch_project();
    let original = project.snapshot();
    let state = tempfile::tempdir().unwrap();
    let answers = answers_file(state.path());
    let args = |command: &[&str]| {
        let mut all = command.to_vec();
        all.extend(["--to", "genesysCloudOM", "--endpoint", "Care Chat", "--answers", answers.to_str().unwrap()]);
        project.cmd(&all)
    };
    let plan_output = ok(args(&["plan", "--json", "-vvv"]));
    let plan = json_of(&plan_output);
    let provider = &plan["providers"][0];
    assert_eq!(provider["pair"]["target_service"], "genesysCloudOM");
    let sources: Vec<(&str, &str)> = provider["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["key"].as_str().unwrap(), p["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sources,
        [
            ("host", "endpoint"),
            ("sendProfile", "endpoint"),
            ("deploymentName", "answers"),
            ("queue", "answers"),
            ("clientId", "answers"),
            ("clientSecret", "answers"),
            ("webhookSecret", "answers"),
        ]
    );
    let notes = provider["notes"].to_string();
    for key in ["organizationId", "deploymentId", "queue", "queueId", "sessionDuration", "oAuth2Connection"] {
        assert!(notes.contains(&format!("`{key}` is not carried over")), "{key}: {notes}");
    }
    let edits = plan["node_edits"].as_array().unwrap();
    assert_eq!(edits.len(), 4, "Open Messaging supports both node types");
    for edit in edits {
        // Both node types of the generated flow set these fields; Open Messaging reads them all.
        assert_eq!(edit["carried"], json!(["genesysLanguage", "genesysSkills", "genesysCloudSkills"]), "{edit:#}");
        assert!(edit.get("needs_person").is_none() && edit.get("no_counterpart").is_none(), "{edit:#}");
    }
    let apply = ok(args(&["apply", "--yes", "-vvv"]));
    for text in [stdout(&plan_output), stderr(&plan_output), stdout(&apply), stderr(&apply)] {
        assert!(!text.contains(CANARY), "a secret leaked: {text}");
    }
    let provider = provider_file(&project, "Genesys Cloud Open Messaging - Care Chat");
    assert_eq!(provider["service"], "genesysCloudOM");
    assert_eq!(provider["properties"][0], json!({"key": "host", "value": "mypurecloud.de"}));
    assert_eq!(provider["properties"][5], json!({"key": "clientSecret", "value": "CANARY-SWITCH-client"}));
    let chart = chart(&project, "Care", "en-US");
    for node in [&chart["nodes"][1], &chart["nodes"][2]] {
        assert_eq!(node["config"]["handoverProvider"], provider["referenceId"], "{node:#}");
        assert_eq!(node["config"]["genesysLanguage"], "de");
    }
    ok(args(&["verify"]));
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), original);
}

#[test]
fn a_pair_no_plugin_supports_is_refused_with_the_supported_pairs() {
    let project = Scratch::example();
    let original = project.snapshot();
    for args in [
        vec!["plan", "--to", "genesysCloudOM"],
        vec!["apply", "--yes", "--to", "salesforceMIAW"],
        vec!["scan", "--to", "nope"],
        // Partner Chat is Chatwoot: no built-in migrates Chatwoot to Live Agent.
        vec!["plan", "--to", "liveAgent", "--endpoint", "Partner Chat"],
    ] {
        let output = run(project.cmd(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let err = stderr(&output);
        for needle in
            ["Supported pairs", "salesforce → salesforceMIAW", "genesysCloud → genesysCloudOM", "liveAgent → liveAgent"]
        {
            assert!(err.contains(needle), "{args:?}: {needle:?} missing from\n{err}");
        }
    }
    assert_eq!(project.snapshot(), original, "nothing written");
    let runs = std::fs::read_dir(project.file(".handover-migrate/runs")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(runs, 0, "no run recorded");

    // An endpoint whose kind has no such pair is named in the plan when others switch.
    let plan = json_of(&run(project.cmd(&["plan", "--json", "--to", "liveAgent"])));
    assert!(plan["notices"].to_string().contains("no installed provider migrates `chatwoot` to `liveAgent`"));

    let show = run(bin().args(["providers", "show", "salesforce", "--to", "genesysCloudOM"]));
    assert_eq!(show.status.code(), Some(2));
    assert!(stderr(&show).contains("salesforce → salesforceMIAW"), "{}", stderr(&show));
    let show = ok(bin().args(["providers", "show", "salesforce", "--to", "salesforceMIAW"]));
    assert!(
        stdout(&show).contains("scrtUrl") && stdout(&show).contains("(none: a person enters it)"),
        "{}",
        stdout(&show)
    );
    let list = json_of(&ok(bin().args(["providers", "list", "--json"])));
    let pairs: Vec<String> = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} → {}", p["source_kind"].as_str().unwrap(), p["target_service"].as_str().unwrap()))
        .collect();
    assert!(pairs.contains(&"salesforce → salesforceMIAW".to_string()), "{pairs:?}");
    assert!(pairs.contains(&"genesysCloud → genesysCloudOM".to_string()), "{pairs:?}");
}

#[test]
fn a_declarative_plugin_adds_a_pair_that_to_then_uses() {
    let project = Scratch::example();
    let original = project.snapshot();
    let plugin = repo().join("examples/plugins/chatwoot-to-live-agent.toml");
    let plugin = plugin.to_str().unwrap();
    let state = tempfile::tempdir().unwrap();
    let answers = state.path().join("answers.toml");
    std::fs::write(
        &answers,
        "[providers.\"Partner Chat\"]\nvalues.baseUrl = \"https://liveagent-eu.cognigy.cloud/api/v1\"\n\
         values.accountId = \"9\"\nsecrets.apiKey = \"CANARY-SWITCH-la-partner\"\n",
    )
    .unwrap();
    let args = |command: &[&str], answered: bool| {
        let mut all = command.to_vec();
        all.extend(["--plugin", plugin, "--to", "liveAgent", "--endpoint", "Partner Chat"]);
        if answered {
            all.extend(["--answers", answers.to_str().unwrap()]);
        }
        project.cmd(&all)
    };
    let list = ok(project.cmd(&["providers", "list", "--plugin", plugin]));
    assert!(stdout(&list).contains("chatwoot         liveAgent"), "{}", stdout(&list));
    let plan = run(args(&["plan", "--json"], false));
    assert_eq!(plan.status.code(), Some(3), "{}", stderr(&plan));
    let plan = json_of(&plan);
    assert_eq!(plan["providers"][0]["pair"], json!({"source_kind": "chatwoot", "target_service": "liveAgent"}));
    let entries = plan["missing_answers"].to_string();
    assert!(entries.contains("values.baseUrl") && entries.contains("secrets.apiKey"), "{entries}");
    for edit in plan["node_edits"].as_array().unwrap() {
        assert_eq!(fields(&edit["needs_person"]), ["liveAgentInboxId"], "{edit:#}");
    }
    ok(args(&["apply", "--yes"], true));
    let provider = provider_file(&project, "Cognigy Live Agent - Partner Chat");
    assert_eq!(provider["service"], "liveAgent");
    assert_eq!(property_keys(&provider), ["baseUrl", "accountId", "apiKey"]);
    let chart = chart(&project, "Partner Flow", "en-US");
    let switched = chart["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["config"]["handoverProvider"] == provider["referenceId"]);
    assert_eq!(switched.count(), 2);
    ok(args(&["verify"], true));
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), original);
}

/// `retarget` arguments for "Cognigy Live Agent - Support Portal" → a new Chatwoot provider.
const TO_CHATWOOT: [&str; 7] = [
    "retarget",
    "--from",
    "Cognigy Live Agent - Support Portal",
    "--to",
    "Chatwoot Support",
    "--to-service",
    "chatwoot",
];

const CHATWOOT_ANSWERS: &str =
    "[providers.\"Chatwoot Support\"]\nvalues.baseUrl = \"https://app.chatwoot.com/api/v1\"\n\
                                values.accountId = \"6607\"\nsecrets.apiKey = \"CANARY-SWITCH-cw\"\n";

#[test]
fn retarget_offline_to_a_new_provider_and_between_existing_ones_with_rollback() {
    let project = Scratch::example();
    let original = project.snapshot();
    ok(project.cmd(&["apply", "--yes"]));
    let applied = project.snapshot();
    let state = tempfile::tempdir().unwrap();
    let answers = state.path().join("answers.toml");
    std::fs::write(&answers, CHATWOOT_ANSWERS).unwrap();
    let answers = answers.to_str().unwrap();
    let retarget = |extra: &[&str]| {
        let mut all = TO_CHATWOOT.to_vec();
        all.extend(extra);
        project.cmd(&all)
    };

    // Without answers: the new provider's properties are asked for; nothing is written.
    let dry = run(retarget(&["--dry-run", "--json"]));
    assert_eq!(dry.status.code(), Some(3), "{}", stderr(&dry));
    let plan = json_of(&dry);
    assert_eq!(plan["retarget"]["to_service"], "chatwoot");
    let entries = plan["missing_answers"].to_string();
    for entry in ["values.baseUrl", "values.accountId", "secrets.apiKey"] {
        assert!(entries.contains(&format!("[providers.\\\"Chatwoot Support\\\"]\\n{entry} = ")), "{entries}");
    }
    let edits = plan["node_edits"].as_array().unwrap();
    assert_eq!(edits.len(), 4, "Handover and Check Agent Availability, both locales");
    for edit in edits {
        assert_eq!(edit["provider"], "Chatwoot Support");
        assert_eq!(fields(&edit["needs_person"]), ["chatwootInboxId"], "{edit:#}");
        assert!(fields(&edit["no_counterpart"]).contains(&"liveAgentInboxId".to_string()), "{edit:#}");
    }
    let refused = run(retarget(&["--yes"]));
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert_eq!(project.snapshot(), applied);

    // A saved retarget plan is applied by retarget, and refused by a plain apply.
    let plan_file = state.path().join("retarget.json");
    let saved = run(retarget(&["--dry-run", "--out", plan_file.to_str().unwrap(), "--answers", answers]));
    assert!(saved.status.success(), "{}", stderr(&saved));
    let apply = run(project.cmd(&["apply", "--yes", "--plan", plan_file.to_str().unwrap(), "--answers", answers]));
    assert_eq!(apply.status.code(), Some(2), "{}", stderr(&apply));
    assert!(stderr(&apply).contains("retarget"), "{}", stderr(&apply));
    let done = ok(retarget(&["--yes", "--answers", answers, "--plan", plan_file.to_str().unwrap()]));
    for text in [stdout(&saved), stdout(&done), stderr(&done)] {
        assert!(!text.contains(CANARY), "a secret leaked: {text}");
    }
    let chatwoot = provider_file(&project, "Chatwoot Support");
    assert_eq!(chatwoot["service"], "chatwoot");
    let portal = provider_file(&project, "Cognigy Live Agent - Support Portal");
    for locale in ["en-US", "de-DE"] {
        let chart = chart(&project, "Support Portal", locale);
        let selectors: Vec<&Value> =
            chart["nodes"].as_array().unwrap().iter().filter_map(|n| n["config"].get("handoverProvider")).collect();
        assert!(!selectors.is_empty());
        assert!(selectors.iter().all(|s| **s == chatwoot["referenceId"]), "{locale}: {selectors:?}");
        assert!(!chart.to_string().contains(portal["referenceId"].as_str().unwrap()));
    }
    ok(project.cmd(&["verify"]));
    let again = ok(retarget(&["--yes", "--answers", answers]));
    assert!(stdout(&again).contains("Nothing to change"), "{}", stdout(&again));
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), applied, "rolling back the retarget restores the migrated project");

    // Between two existing Live Agent providers: nothing is created; every field carries.
    let between = ["retarget", "--from", "Cognigy Live Agent - Support Portal", "--to"];
    let target = "Cognigy Live Agent - Webchat Production";
    let plan = json_of(&ok(project.cmd(&[&between[..], &[target, "--dry-run", "--json"]].concat())));
    assert_eq!(plan["providers"][0]["action"], "reuse");
    assert!(plan["providers"][0]["properties"].to_string().contains("••••••"), "secrets stay masked");
    let handover = plan["node_edits"].as_array().unwrap().iter().find(|e| e["node_type"] == "handoverToAgent").unwrap();
    assert!(handover["carried"].as_array().unwrap().contains(&json!("liveAgentSkills")), "{handover:#}");
    assert!(handover.get("no_counterpart").is_none() && handover.get("needs_person").is_none(), "{handover:#}");
    ok(project.cmd(&[&between[..], &[target, "--yes"]].concat()));
    assert_eq!(std::fs::read_dir(project.file("handoverProviders")).unwrap().count(), 3, "nothing created");
    ok(project.cmd(&["verify"]));
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), applied);
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), original);
}

#[test]
fn retarget_refusals_name_what_to_do() {
    let project = Scratch::example();
    ok(project.cmd(&["apply", "--yes"]));
    let applied = project.snapshot();
    for (args, expect) in [
        (vec!["retarget", "--from", "Nope", "--to", "Chatwoot - Partner Chat", "--dry-run"], "no Handover Provider"),
        (vec!["retarget", "--from", "Chatwoot - Partner Chat", "--to", "Brand New", "--yes"], "--to-service SERVICE"),
        (
            vec![
                "retarget",
                "--from",
                "Chatwoot - Partner Chat",
                "--to",
                "Brand New",
                "--to-service",
                "storm",
                "--yes",
            ],
            "no installed provider knows service `storm`",
        ),
        (
            vec!["retarget", "--from", "Chatwoot - Partner Chat", "--to", "Chatwoot - Partner Chat", "--yes"],
            "the same provider",
        ),
        (
            vec![
                "retarget",
                "--from",
                "Chatwoot - Partner Chat",
                "--to",
                "Cognigy Live Agent - Support Portal",
                "--to-service",
                "chatwoot",
                "--yes",
            ],
            "exists with service `liveAgent`",
        ),
    ] {
        let output = run(project.cmd(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(expect), "{args:?}: {expect:?} missing from\n{}", stderr(&output));
    }
    assert_eq!(project.snapshot(), applied);
}

// ---------------------------------------------------------------- through the simulator

fn sim_of(dir: &Path) -> SimHandle {
    Sim::load(dir, Options::new(KEY, PROJECT).selector_key("handoverProvider")).expect("seed").spawn().expect("spawn")
}

#[test]
fn both_successor_pairs_through_the_api_end_like_offline_and_roll_back() {
    let project = switch_project();
    let seed = normalized(project.path());
    let sim = sim_of(project.path());
    let state = tempfile::tempdir().unwrap();
    let answers = answers_file(state.path());
    let answers = answers.to_str().unwrap();
    let runs: [[&str; 4]; 2] =
        [["--to", "salesforceMIAW", "--endpoint", "Sales Web"], ["--to", "genesysCloudOM", "--endpoint", "Care Chat"]];
    for scope in &runs {
        let mut args = vec!["apply", "--yes", "--answers", answers];
        args.extend(scope);
        if scope[1] == "salesforceMIAW" {
            args.extend(["--endpoint", "Sales App"]);
        }
        let apply = ok(api_cmd(&sim, state.path(), &args));
        assert!(!stdout(&apply).contains(CANARY) && !stderr(&apply).contains(CANARY));
        let offline = ok(project.cmd(&args));
        assert!(stdout(&offline).contains("Applied run"), "{}", stdout(&offline));
    }
    assert_same(&normalized(dump(&sim).path()), &normalized(project.path()), "api vs offline");
    let services = sim.sim().with_project(|p| {
        let mut services: Vec<String> = p.providers.iter().map(|p| p.service().to_string()).collect();
        services.sort();
        services
    });
    assert_eq!(services, ["genesysCloudOM", "salesforceMIAW"]);
    ok(api_cmd(
        &sim,
        state.path(),
        &["verify", "--to", "genesysCloudOM", "--endpoint", "Care Chat", "--answers", answers],
    ));
    let again = ok(api_cmd(
        &sim,
        state.path(),
        &["apply", "--yes", "--answers", answers, "--to", "genesysCloudOM", "--endpoint", "Care Chat"],
    ));
    assert!(stdout(&again).contains("Nothing to change"), "{}", stdout(&again));

    ok(api_cmd(&sim, state.path(), &["rollback", "--yes"]));
    ok(api_cmd(&sim, state.path(), &["rollback", "--yes"]));
    assert_same(&normalized(dump(&sim).path()), &seed, "rolled back");
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0);
    assert_eq!(sim.stats()["maskWrites"].as_u64().unwrap_or(0), 0);
}

#[test]
fn api_mode_resolves_the_target_service_against_the_tenant() {
    // A plugin pair to a service this tenant does not have: refused before anything is written.
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    let plugin = state.path().join("storm.toml");
    std::fs::write(
        &plugin,
        r#"name = "chatwoot-to-storm"
version = "1.0.0"
contract_version = "1.1"

[[specs]]
pair = { source_kind = "chatwoot", target_service = "storm" }
display_name = "storm"

[[specs.fields]]
legacy_key = "baseUrl"
destination = { to = "property", key = "baseUrl" }
class = "plain"
label = "Base URL"
"#,
    )
    .unwrap();
    let output = run(api_cmd(
        &sim,
        state.path(),
        &["plan", "--plugin", plugin.to_str().unwrap(), "--to", "storm", "--endpoint", "Partner Chat"],
    ));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("no handover service named `storm`") && err.contains("salesforceMIAW"), "{err}");
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0);
}

#[test]
fn retarget_through_the_api_ends_like_offline_and_rolls_back() {
    let sim = sim();
    let state = tempfile::tempdir().unwrap();
    let answers = state.path().join("answers.toml");
    std::fs::write(&answers, CHATWOOT_ANSWERS).unwrap();
    let answers = answers.to_str().unwrap();
    ok(api_cmd(&sim, state.path(), &["apply", "--yes"]));
    // API mode also names a provider by its id.
    let portal_id = sim.sim().with_project(|p| {
        let portal = p.providers.iter().find(|p| p.name() == "Cognigy Live Agent - Support Portal").expect("provider");
        portal.item["_id"].as_str().unwrap().to_string()
    });
    let mut args = TO_CHATWOOT.to_vec();
    args[2] = &portal_id;
    args.extend(["--yes", "--answers", answers]);
    let done = ok(api_cmd(&sim, state.path(), &args));
    assert!(!stdout(&done).contains(CANARY) && !stderr(&done).contains(CANARY));
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 4);

    let offline = Scratch::example();
    ok(offline.cmd(&["apply", "--yes"]));
    let mut offline_args = TO_CHATWOOT.to_vec();
    offline_args.extend(["--yes", "--answers", answers]);
    ok(offline.cmd(&offline_args));
    assert_same(&normalized(dump(&sim).path()), &normalized(offline.path()), "api vs offline retarget");
    ok(api_cmd(&sim, state.path(), &["verify"]));

    ok(api_cmd(&sim, state.path(), &["rollback", "--yes"]));
    assert_same(&normalized(dump(&sim).path()), &offline_applied(), "retarget rolled back");
    ok(api_cmd(&sim, state.path(), &["rollback", "--yes"]));
    assert_same(&normalized(dump(&sim).path()), &seed_normalized(), "apply rolled back");
    assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0);
}

#[test]
fn a_contract_1_0_c_plugin_gets_the_default_retarget_mapping() {
    // The C plugin was written for contract 1.0: it answers `retarget_node` with
    // `unknown_hook`, and the host's default maps its nodes.
    let plugin = crate::plugins::c_plugin().to_str().unwrap().to_string();
    let project = empty_project();
    let flow = "00000000-0000-4000-8000-00000000c001";
    add_flow(&project, "Desk Flow", "66000000000000000000c001", flow, json!({"cDeskQueue": "gold"}));
    add_endpoint(
        &project,
        "Desk Web",
        "66000000000000000000ce01",
        flow,
        "cDesk",
        json!({"baseUrl": "https://desk.example.com/api", "apiKey": "CANARY-SWITCH-desk"}),
    );
    ok(project.cmd(&["apply", "--yes", "--plugin", &plugin]));
    let migrated = project.snapshot();
    let state = tempfile::tempdir().unwrap();
    let answers = state.path().join("answers.toml");
    std::fs::write(
        &answers,
        format!("{CHATWOOT_ANSWERS}[providers.\"C Desk Two\"]\nvalues.baseUrl = \"https://desk2.example.com/api\"\nsecrets.apiKey = \"CANARY-SWITCH-desk2\"\n"),
    )
    .unwrap();
    let answers = answers.to_str().unwrap();
    let from = "C Desk - Desk Web";

    // Away from the plugin's service: its node fields (from its info) have no counterpart.
    let away = json_of(&ok(project.cmd(&[
        "retarget",
        "--from",
        from,
        "--to",
        "Chatwoot Support",
        "--to-service",
        "chatwoot",
        "--answers",
        answers,
        "--plugin",
        &plugin,
        "--dry-run",
        "--json",
    ])));
    for edit in away["node_edits"].as_array().unwrap() {
        assert_eq!(fields(&edit["no_counterpart"]), ["cDeskQueue"], "{edit:#}");
    }
    // To a new provider of the plugin's service: the plugin is asked, says it does not know
    // the hook, and the default carries the node field.
    let to_plugin = [
        "retarget",
        "--from",
        from,
        "--to",
        "C Desk Two",
        "--to-service",
        "cDesk",
        "--answers",
        answers,
        "--plugin",
        &plugin,
    ];
    let plan = json_of(&ok(project.cmd(&[&to_plugin[..], &["--dry-run", "--json"]].concat())));
    assert_eq!(plan["node_edits"].as_array().unwrap().len(), 4);
    for edit in plan["node_edits"].as_array().unwrap() {
        assert_eq!(edit["carried"], json!(["cDeskQueue"]), "{edit:#}");
    }
    let done = ok(project.cmd(&[&to_plugin[..], &["--yes"]].concat()));
    assert!(!stdout(&done).contains(CANARY) && !stderr(&done).contains(CANARY));
    assert_eq!(provider_file(&project, "C Desk Two")["service"], "cDesk");
    ok(project.cmd(&["verify", "--plugin", &plugin]));
    ok(project.cmd(&["rollback", "--yes"]));
    assert_eq!(project.snapshot(), migrated);
}
