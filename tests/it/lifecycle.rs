//! A migration's life as a person meets it: commands that run as printed, answers lines that
//! parse, a first scan without the selector key, output that stays readable.

use std::path::Path;

use crate::common::*;

/// Run a line the tool printed, in `cwd` (not the project), with the binary on PATH.
fn run_printed(line: &str, cwd: &Path) -> std::process::Output {
    let binary = assert_cmd::cargo::cargo_bin("handover-migrate");
    let dir = binary.parent().unwrap();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    std::process::Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(cwd)
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The indented command on the line after `marker` (or on the same line after it).
fn printed_command(text: &str, marker: &str) -> String {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.split_once(marker).map(|(_, r)| r.trim()) {
            if rest.starts_with("handover-migrate") {
                return rest.to_string();
            }
            return lines.next().unwrap_or_default().trim().to_string();
        }
    }
    panic!("no {marker:?} in\n{text}");
}

#[test]
fn project_defaults_to_the_current_directory_when_it_is_a_clone() {
    let project = Scratch::example();
    let output = bin().current_dir(project.path()).arg("plan").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("Plan (node selector key"), "{}", stdout(&output));
    let elsewhere = tempfile::tempdir().unwrap();
    let output = bin().current_dir(elsewhere.path()).arg("plan").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("say which project: --project DIR"), "{}", stderr(&output));
    assert!(stderr(&output).contains("the default is the current directory"), "{}", stderr(&output));
}

#[test]
fn suggested_commands_run_as_printed() {
    let project = Scratch::example();
    let elsewhere = tempfile::tempdir().unwrap();
    let plan_file = elsewhere.path().join("reviewed plan.json");
    let output = project.cmd(&["plan", "--out"]).arg(&plan_file).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    // The detail command runs where it is pasted.
    let detail = printed_command(&text, "Every property, manual step and node change:");
    let ran = run_printed(&detail, elsewhere.path());
    assert_eq!(ran.status.code(), Some(0), "{detail}: {}", stderr(&ran));
    assert!(stdout(&ran).contains("Node edits (13 node(s)"), "{}", stdout(&ran));

    let apply = printed_command(&text, "apply exactly this with:");
    assert!(apply.contains("--plan '"), "{apply}");
    let ran = run_printed(&format!("{apply} --yes"), elsewhere.path());
    assert_eq!(ran.status.code(), Some(0), "{apply}: {}", stderr(&ran));
    let applied = stdout(&ran);

    let verify = printed_command(&applied, "Next: check it, test your flows, then remove the legacy settings:");
    let ran = run_printed(&verify, elsewhere.path());
    assert_eq!(ran.status.code(), Some(0), "{verify}: {}{}", stdout(&ran), stderr(&ran));
    assert!(stdout(&ran).contains("verify: passed"), "{}", stdout(&ran));

    let cleanup =
        applied.lines().skip_while(|l| !l.starts_with("Next:")).nth(2).map(str::trim).unwrap_or_default().to_string();
    assert!(cleanup.starts_with("handover-migrate cleanup --project /"), "{applied}");
    let ran = run_printed(&format!("{cleanup} --yes"), elsewhere.path());
    assert_eq!(ran.status.code(), Some(0), "{cleanup}: {}{}", stdout(&ran), stderr(&ran));

    let rollback = printed_command(&stdout(&ran), "Undo it (the backups are kept until `purge`):");
    let ran = run_printed(&format!("{rollback} --yes"), elsewhere.path());
    assert_eq!(ran.status.code(), Some(0), "{rollback}: {}", stderr(&ran));
    assert!(stdout(&ran).contains("Rolled back run"), "{}", stdout(&ran));
}

/// Every answers-file entry the tool suggests is valid TOML; pasting the closing block (with
/// the secret filled in) answers everything.
#[test]
fn suggested_answers_lines_are_valid_toml_once_per_conflict_node() {
    let project = support_portal_reaches_billing();
    project.edit_json("endpoints/Support Portal/config.json", |v| {
        v["handoverSettings"]["providerSettings"].as_object_mut().unwrap().shift_remove("apiKey");
    });
    let json = project.cmd(&["--json", "plan"]).output().unwrap();
    assert_eq!(json.status.code(), Some(3));
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut snippets: Vec<String> = Vec::new();
    for conflict in plan["conflicts"].as_array().unwrap() {
        for line in conflict["resolve_with"].as_array().unwrap() {
            snippets.push(line.as_str().unwrap().to_string());
        }
        snippets.push(conflict["resolve_flow_with"].as_str().unwrap().to_string());
    }
    for missing in plan["missing_answers"].as_array().unwrap() {
        snippets.push(missing["entry"].as_str().unwrap().to_string());
    }
    for provider in plan["providers"].as_array().unwrap() {
        for step in provider["manual_steps"].as_array().unwrap() {
            if let Some(entry) = step["answers_entry"].as_str() {
                snippets.push(entry.to_string());
            }
        }
    }
    assert!(snippets.len() >= 5, "{snippets:?}");
    for snippet in &snippets {
        toml::from_str::<toml::Value>(snippet).unwrap_or_else(|e| panic!("not TOML: {snippet:?}: {e}"));
    }

    let output = project.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let text = stdout(&output);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Add to the answers file"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(text.contains("`handover-migrate answers template`"), "{text}");
    let block = block.iter().map(|l| l.trim()).collect::<Vec<_>>().join("\n");
    let parsed: toml::Value = toml::from_str(&block).unwrap_or_else(|e| panic!("not TOML:\n{block}\n{e}"));
    // One line per conflict node, not per locale; the conflict is in the closing block.
    assert_eq!(block.matches("d04ec55e-07e2-425b-bc88-b42818e6f999").count(), 1, "{block}");
    assert_eq!(parsed["assign"].as_table().unwrap().len(), 1, "{block}");
    assert_eq!(text.matches("! flow \"Billing\"").count(), 1, "{text}");
    assert!(text.contains("Conflicts (1 node(s))"), "{text}");

    // Pasted with the secret filled in, it answers everything.
    let answers = project.path().join("answers.toml");
    std::fs::write(&answers, block.replace("secrets.apiKey = \"\"", "secrets.apiKey = \"typed-in\"")).unwrap();
    let output = project.cmd(&["apply", "--yes", "--answers"]).arg(&answers).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
}

#[test]
fn exit_3_lists_the_input_needed_for_machines() {
    let project = without_support_portal_api_key();
    let output = project.cmd(&["--json", "apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("answers template"), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["schema"], "handover-migrate/error@1");
    let needed = document["error"]["input_needed"].as_array().unwrap();
    assert_eq!(needed.len(), 1, "{document:#}");
    assert_eq!(needed[0]["what"], "secret");
    assert_eq!(needed[0]["env_var"], "HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY");
    let entry = needed[0]["answers_entry"].as_str().unwrap();
    toml::from_str::<toml::Value>(entry).unwrap();
    assert_eq!(entry, "[providers.\"Support Portal\"]\nsecrets.apiKey = \"\"");

    // A confirmation without a terminal: the flag that gives it.
    let project = Scratch::example();
    let output = project.cmd(&["--json", "apply"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["error"]["input_needed"][0]["what"], "confirmation");
    assert_eq!(document["error"]["input_needed"][0]["flag"], "--yes");
}

#[test]
fn scan_without_a_selector_key_reports_the_unknown_and_exits_0() {
    let project = Scratch::example();
    std::fs::remove_file(project.file("handover-migrate.toml")).unwrap();
    // One node switched by hand: its key is the candidate.
    project.edit_json("flows/Main/en-US/chart.json", |chart| {
        for node in chart["nodes"].as_array_mut().unwrap() {
            if node["type"] == "handoverToAgent" {
                node["config"]["handoverProvider"] = serde_json::json!("0e0e0e0e-0000-4000-8000-000000000000");
            }
        }
    });
    let before = tree_hashes(project.path());
    let output = project.cmd(&["scan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("Unknown: the node selector key"), "{text}");
    assert!(text.contains("Candidate keys seen on handover nodes: handoverProvider"), "{text}");
    assert!(text.contains("create one in the UI first"), "{text}");
    assert!(text.contains("Endpoints by legacy kind"), "{text}");
    let output = project.cmd(&["--json", "scan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["selector_unknown"]["candidates"], serde_json::json!(["handoverProvider"]));
    assert_eq!(report["plan"]["node_edits"], serde_json::json!([]));
    assert_eq!(tree_hashes(project.path()), before, "scan wrote something");
    assert!(!project.file(".handover-migrate").exists(), "scan created the state directory");
    // Commands that would write still refuse (exit 2) with the same advice.
    let output = project.cmd(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("create one in the UI first"), "{}", stderr(&output));
}

#[test]
fn the_summary_table_adds_up_and_fits_the_terminal() {
    let project = Scratch::example();
    for columns in ["80", "200"] {
        let output = project.cmd(&["plan"]).env("COLUMNS", columns).output().unwrap();
        let text = stdout(&output);
        let table: Vec<&str> =
            text.lines().skip_while(|l| !l.contains("PROVIDER")).skip(1).take_while(|l| l.starts_with("  ")).collect();
        assert_eq!(table.len(), 3, "{text}");
        let width: usize = columns.parse().unwrap();
        for line in text.lines().skip_while(|l| !l.contains("PROVIDER")).take(4) {
            assert!(line.chars().count() <= width, "wider than {width}: {line:?}");
        }
        // NODES adds up to the node edits (13), each counted under its provider.
        let nodes: usize = table
            .iter()
            .map(|row| {
                let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
                cells[cells.len() - 2].parse::<usize>().unwrap_or_else(|_| panic!("{row:?}"))
            })
            .sum();
        assert_eq!(nodes, 13, "{text}");
        assert!(text.contains("13 node edit(s)"), "{text}");
    }
    let narrow = stdout(&project.cmd(&["plan"]).env("COLUMNS", "80").output().unwrap());
    assert!(narrow.contains("+1 more"), "{narrow}");
}

#[test]
fn an_assigned_flow_counts_under_the_provider_it_is_assigned_to() {
    let project = support_portal_reaches_billing();
    let answers = project.path().join("answers.toml");
    std::fs::write(&answers, "[assign]\n\"d04ec55e-07e2-425b-bc88-b42818e6f999\" = \"Support Portal\"\n").unwrap();
    let output = project.cmd(&["plan", "--answers"]).arg(&answers).env("COLUMNS", "200").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let row = text.lines().find(|l| l.contains("+ Cognigy Live Agent - Support Portal")).unwrap();
    assert!(row.contains("Billing"), "{row}");
    assert!(row.contains(" 6 "), "Support Portal's 4 nodes and the 2 Billing nodes: {row}");
}

/// Each step's output made stable: the scratch path, run ids (in order of appearance) and
/// the JSON documents' timestamps replaced.
struct Life {
    project: Scratch,
    answers: std::path::PathBuf,
}

impl Life {
    fn run_ids(&self) -> Vec<String> {
        let runs = self.project.file(".handover-migrate/runs");
        let mut ids: Vec<String> = std::fs::read_dir(runs)
            .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    }

    fn stable(&self, text: &str) -> String {
        let mut text = text.replace(&self.project.path().display().to_string(), "<project>");
        for (index, id) in self.run_ids().iter().enumerate() {
            text = text.replace(id, &format!("<run-{}>", index + 1));
        }
        text
    }

    /// Run `args` (text, then `--json`); snapshot both; the exit code of each.
    #[track_caller]
    fn step(&self, name: &str, args: &[&str], code: i32) -> String {
        let text = self.project.cmd(args).env("SOURCE_DATE_EPOCH", "0").output().unwrap();
        assert_eq!(text.status.code(), Some(code), "{args:?}: {}{}", stdout(&text), stderr(&text));
        let shown = self.stable(&stdout(&text));
        for secret in EXAMPLE_SECRETS.iter().chain(&["typed-once"]) {
            assert!(!shown.contains(secret), "{name}: a secret reached the output");
        }
        insta::assert_snapshot!(format!("life_{name}"), shown);
        shown
    }

    /// Run `--json` + `args` once (a step that changes the project: apply, cleanup) and
    /// snapshot its document with the volatile fields redacted by insta: the run id (a
    /// time stamp) and the content hashes of the files the plan binds (kept: whether a
    /// hash is of the secret-free form, `masked:`).
    #[track_caller]
    fn step_json_once(&self, name: &str, args: &[&str], code: i32) -> serde_json::Value {
        use insta::internals::Content;
        let mut all = vec!["--json"];
        all.extend(args);
        let output = self.project.cmd(&all).env("SOURCE_DATE_EPOCH", "0").output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{all:?}: {}", stderr(&output));
        let text = stdout(&output).replace(&self.project.path().display().to_string(), "<project>");
        for secret in EXAMPLE_SECRETS.iter().chain(&["typed-once"]) {
            assert!(!text.contains(secret), "{name}: a secret reached the output");
        }
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        // File → hash: the files kept, each hash redacted (its `masked:` kind kept).
        let hashes = insta::dynamic_redaction(|value, _| match value {
            Content::Map(files) => Content::Map(
                files
                    .into_iter()
                    .map(|(file, hash)| {
                        let masked = hash.as_str().is_some_and(|h| h.starts_with("masked:"));
                        (file, Content::from(if masked { "masked:[sha256]" } else { "[sha256]" }))
                    })
                    .collect(),
            ),
            other => other,
        });
        insta::assert_json_snapshot!(format!("life_{name}"), value, {
            ".run.run_id" => "[run id]",
            ".plan.project_state" => hashes,
        });
        value
    }

    #[track_caller]
    fn step_json(&self, name: &str, args: &[&str], code: i32) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend(args);
        let output = self.project.cmd(&all).env("SOURCE_DATE_EPOCH", "0").output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{all:?}: {}", stderr(&output));
        let value: serde_json::Value = serde_json::from_str(&self.stable(&stdout(&output))).unwrap();
        insta::assert_json_snapshot!(format!("life_{name}_json"), value);
        value
    }
}

/// The whole life of a migration with a secret answered once: answers → apply → verify →
/// cleanup → report → rollback, every step's text and JSON snapshotted. The secret is not
/// supplied again after apply: the provider holding it makes the endpoint migrated.
#[test]
fn a_migration_reads_right_from_answers_to_rollback() {
    let project = without_support_portal_api_key();
    let answers = project.path().join("answers.toml");
    std::fs::write(&answers, "[providers.\"Support Portal\"]\nsecrets.apiKey = \"typed-once\"\n").unwrap();
    let life = Life { project, answers };
    let with_answers = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push("--answers".into());
        all.push(life.answers.display().to_string());
        all
    };

    // Without the secret: exit 3, the answers line named.
    life.step("1_plan_needs_answers", &["plan"], 3);
    let plan = with_answers(&["plan"]);
    let plan: Vec<&str> = plan.iter().map(String::as_str).collect();
    life.step("2_plan_with_answers", &plan, 0);
    let apply = with_answers(&["apply", "--yes"]);
    let apply: Vec<&str> = apply.iter().map(String::as_str).collect();
    let applied = life.step("3_apply", &apply, 0);
    assert!(applied.contains("Applied run <run-1>"), "{applied}");

    // The secret is not supplied again: still migrated, verify passes.
    let verified = life.step("4_verify", &["verify"], 0);
    assert!(verified.contains("Migrated: Partner Chat, Support Portal"), "{verified}");
    assert!(!verified.contains("Not migrated"), "{verified}");
    life.step_json("4_verify", &["verify"], 0);
    // A saved answers file that pins the name but holds no secret proposes no duplicate.
    let pinned = life.project.path().join("pinned.toml");
    std::fs::write(&pinned, "[providers.\"Support Portal\"]\nname = \"Cognigy Live Agent - Support Portal\"\n")
        .unwrap();
    let again = life.project.cmd(&["plan", "--answers"]).arg(&pinned).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}{}", stdout(&again), stderr(&again));
    assert!(stdout(&again).contains("0 provider(s) to create, 3 reused"), "{}", stdout(&again));

    life.step("5_cleanup_dry_run", &["cleanup", "--dry-run"], 0);
    let cleaned = life.step("6_cleanup", &["cleanup", "--yes"], 0);
    assert!(cleaned.contains("run <run-2>"), "{cleaned}");

    let verified = life.step("7_verify_after_cleanup", &["verify"], 0);
    assert!(
        verified
            .contains("Cleaned up by run <run-2>: Partner Chat, Support Portal, Webchat Production, Webchat Staging"),
        "{verified}"
    );
    let verify = life.step_json("7_verify_after_cleanup", &["verify"], 0);
    assert_eq!(verify["report"]["cleaned_up"].as_array().unwrap().len(), 4, "{verify:#}");
    let scan = life.step("8_scan_after_cleanup", &["scan"], 0);
    assert!(scan.contains("Support Portal: migrated and cleaned up (run <run-2>)"), "{scan}");
    life.step_json("8_scan_after_cleanup", &["scan"], 0);

    let report = life.step("9_report", &["report"], 0);
    assert!(report.contains("Migrated, verified and cleaned up"), "{report}");
    assert!(report.contains("exist only as local files"), "{report}");
    assert!(!report.contains("Nothing to migrate"), "{report}");
    life.step_json("9_report", &["report"], 0);

    let rolled = life.step("10_rollback_cleanup", &["rollback", "--yes"], 0);
    assert!(rolled.contains("Rolled back run <run-2>"), "{rolled}");
    let rolled = life.step("11_rollback_apply", &["rollback", "--yes"], 0);
    assert!(rolled.contains("Rolled back run <run-1>"), "{rolled}");
    life.step_json("12_rollback_nothing_left", &["rollback", "--yes"], 0);

    // The same life once more, as a script reads it: apply and cleanup as JSON documents.
    let apply = with_answers(&["apply", "--yes"]);
    let apply: Vec<&str> = apply.iter().map(String::as_str).collect();
    let applied = life.step_json_once("13_apply_json", &apply, 0);
    assert_eq!(applied["run"]["written"].as_array().unwrap().len(), 11, "{applied:#}");
    let cleaned = life.step_json_once("14_cleanup_json", &["cleanup", "--yes"], 0);
    assert!(cleaned["items"].as_array().unwrap().iter().all(|item| item["refused"].is_null()), "{cleaned:#}");
    life.step("15_rollback_cleanup_after_json", &["rollback", "--yes"], 0);
}

/// 500 endpoints, 1,000 flows: what a person reads stays short (plan, apply, verify under
/// 100 lines, no line wider than a terminal's few hundred columns), and the saved plan still
/// holds every detail.
#[test]
fn output_stays_readable_at_500_endpoints_and_1000_flows() {
    let dir = tempfile::tempdir().unwrap();
    let options = handover_migrate_projectgen::Options {
        endpoints: 500,
        flows: 1000,
        locales: 2,
        nodes_per_flow: 6,
        ..Default::default()
    };
    handover_migrate_projectgen::generate(dir.path(), &options).unwrap();
    let project = Scratch { dir };
    let check = |name: &str, args: &[&str], code: i32| -> String {
        let output = project.cmd(args).output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{name}: {}", stderr(&output));
        let text = stdout(&output);
        let lines = text.lines().count();
        assert!(lines < 100, "{name}: {lines} lines\n{text}");
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= 400, "{name}: a line of {widest} characters");
        text
    };
    let plan_file = project.file("plan.json").display().to_string();
    let plan = check("plan", &["plan", "--out", &plan_file], 0);
    assert!(plan.contains("provider(s) to create"), "{plan}");
    assert!(plan.contains("more provider(s) (`plan --detail` lists them all)"), "{plan}");
    let saved: serde_json::Value = serde_json::from_str(&project.read("plan.json")).unwrap();
    let edits = saved["plan"]["node_edits"].as_array().or_else(|| saved["node_edits"].as_array()).unwrap();
    assert!(edits.len() > 1000, "the saved plan holds every node edit: {}", edits.len());
    let detail = project.cmd(&["plan", "--detail"]).output().unwrap();
    assert!(stdout(&detail).lines().count() > edits.len(), "--detail prints every node");
    check("apply", &["apply", "--plan", &plan_file, "--yes"], 0);
    check("verify", &["verify"], 0);
    let html = project.file("report.html");
    project.cmd(&["report", "--format", "html", "--out"]).arg(&html).assert().success();
    let size = std::fs::metadata(&html).unwrap().len();
    // Goal: under 300 KB (about 130 KB: per-node and per-flow detail collapses into counts).
    assert!(size < 300 * 1000, "the HTML report is {size} bytes");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("The diagram is left out at this size"), "the diagram is not collapsed");
    check("cleanup", &["cleanup", "--dry-run"], 0);
    check("rollback", &["rollback", "--yes"], 0);
}

#[test]
fn every_command_has_examples_and_separates_its_options_from_the_global_ones() {
    let commands: &[&[&str]] = &[
        &["scan"],
        &["plan"],
        &["apply"],
        &["verify"],
        &["cleanup"],
        &["doctor"],
        &["retarget"],
        &["rollback"],
        &["purge"],
        &["unlock"],
        &["providers"],
        &["report"],
        &["answers"],
        &["completions"],
        &["man"],
    ];
    for command in commands {
        let output = bin().args(*command).arg("--help").output().unwrap();
        assert!(output.status.success(), "{command:?}");
        let help = stdout(&output);
        assert!(help.contains("\nExamples:\n  handover-migrate "), "{command:?} has no examples:\n{help}");
        let global = help.find("Global options:").unwrap_or_else(|| panic!("{command:?}: no Global options\n{help}"));
        assert!(help[global..].contains("--project <DIR>"), "{command:?}");
        assert!(!help[..global].contains("--project <DIR>"), "{command:?}: a global option among its own");
        let asks = matches!(command[0], "apply" | "cleanup" | "retarget" | "rollback" | "purge");
        let options = &help[..help.find("\nExamples:").unwrap()];
        assert_eq!(options.contains("--yes"), asks, "{command:?}: --yes only where it does something\n{help}");
    }
    let plan = stdout(&bin().args(["plan", "--help"]).output().unwrap());
    assert!(plan.contains("--out <FILE>    Also save the complete plan"), "{plan}");
    let report = stdout(&bin().args(["report", "--help"]).output().unwrap());
    assert!(report.contains("`md`: Markdown"), "{report}");
    // `--yes` where it does nothing is refused as a usage error.
    assert_eq!(bin().args(["verify", "--yes"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn the_man_page_is_complete_and_man_out_writes_every_page_it_links() {
    let page = stdout(&bin().arg("man").output().unwrap());
    for section in [".SH EXAMPLES", ".SH ENVIRONMENT", ".SH FILES", ".SH \"EXIT STATUS\"", "COGNIGY_API_KEY", "PAGER"] {
        assert!(page.contains(section), "{section} missing from the man page");
    }
    let dir = tempfile::tempdir().unwrap();
    bin().args(["man", "--out"]).arg(dir.path()).assert().success();
    let mut linked = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("handover\\-migrate\\-") {
            let tail = &rest[at..];
            let end = tail.find("(1)").unwrap_or(0);
            if end > 0 && !tail[..end].contains(char::is_whitespace) {
                linked.insert(tail[..end].replace("\\-", "-"));
            }
            rest = &tail[1..];
        }
    }
    assert!(linked.len() > 10, "{linked:?}");
    for name in &linked {
        assert!(dir.path().join(format!("{name}.1")).exists(), "{name}(1) is linked but not written");
    }
    let main = std::fs::read_to_string(dir.path().join("handover-migrate.1")).unwrap();
    assert!(main.contains(".SH \"EXIT STATUS\""), "the written main page lacks the extra sections");
}

/// A fresh clone of a migrated, cleaned-up project (no `.handover-migrate/`): its stage comes
/// from the content alone.
#[test]
fn a_fresh_clone_without_state_reports_its_stage_from_content() {
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    let fresh = Scratch::example();
    // Only the project's files travel (a git clone has no state directory: it ignores itself).
    std::fs::remove_dir_all(fresh.path()).unwrap();
    copy_tree(project.path(), fresh.path());
    std::fs::remove_dir_all(fresh.file(".handover-migrate")).unwrap();
    let verified = stdout(&fresh.cmd(&["verify"]).output().unwrap());
    assert!(verified.contains("4 endpoint(s) migrated"), "{verified}");

    fresh.cmd(&["cleanup", "--yes"]).assert().success();
    std::fs::remove_dir_all(fresh.file(".handover-migrate")).unwrap();
    let output = fresh.cmd(&["verify"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("4 endpoint(s) migrated (4 cleaned up)"), "{}", stdout(&output));
    let report = stdout(&fresh.cmd(&["report"]).output().unwrap());
    assert!(report.contains("Migrated, verified and cleaned up"), "{report}");
    assert!(!report.contains("Nothing to migrate"), "{report}");
}
