//! Bad input and refused operations: every refusal names the file and field, exits with
//! the documented code, and writes nothing to the project.

use crate::common::*;

/// `plan` and `apply --yes` both refuse with `code`, mention every needle, write nothing.
#[track_caller]
fn refused(project: &Scratch, code: i32, needles: &[&str]) {
    let before = tree(project.path());
    for args in [&["plan"][..], &["apply", "--yes"][..]] {
        let ran = run(project, args);
        ran.code(code).mentions(needles);
        assert_nothing_written(project, &before, &ran);
    }
}

// ---------------------------------------------------------------------------------------
// Unreadable or malformed project files.

#[test]
fn truncated_chart_is_refused_naming_it() {
    let project = Scratch::example();
    let text = project.read(MAIN_EN);
    project.write(MAIN_EN, &text[..text.len() / 2]);
    refused(&project, 1, &["flows/Main/en-US/chart.json", "truncated"]);
}

#[test]
fn invalid_json_endpoint_config_is_refused_naming_it() {
    let project = Scratch::example();
    let text =
        project.read(SUPPORT_PORTAL).replacen("\"name\": \"Support Portal\",", "\"name\": \"Support Portal\",,", 1);
    project.write(SUPPORT_PORTAL, &text);
    refused(&project, 1, &["endpoints/Support Portal/config.json", "not valid JSON"]);
}

#[test]
fn byte_order_mark_is_refused_naming_the_file() {
    let project = Scratch::example();
    let text = project.read("flows/Billing/config.json");
    project.write("flows/Billing/config.json", &format!("\u{feff}{text}"));
    refused(&project, 1, &["flows/Billing/config.json", "byte-order mark"]);
}

#[test]
fn provider_settings_of_the_wrong_type_are_refused_naming_the_field() {
    let project = Scratch::example();
    project.edit_json(SUPPORT_PORTAL, |v| {
        v["handoverSettings"]["providerSettings"] = serde_json::json!("baseUrl=https://x");
    });
    refused(&project, 1, &["endpoints/Support Portal/config.json", "providerSettings", "must be an object"]);
}

#[test]
fn node_id_of_the_wrong_type_is_refused_naming_the_chart() {
    let project = Scratch::example();
    project.edit_json("flows/Billing/en-US/chart.json", |v| v["nodes"][2]["_id"] = serde_json::json!(42));
    refused(&project, 1, &["flows/Billing/en-US/chart.json"]);
}

#[test]
fn node_id_of_the_wrong_type_names_the_field() {
    let project = Scratch::example();
    project.edit_json("flows/Billing/en-US/chart.json", |v| v["nodes"][2]["_id"] = serde_json::json!(42));
    refused(&project, 1, &["flows/Billing/en-US/chart.json", "_id"]);
}

#[test]
fn duplicate_endpoint_names_are_refused_naming_both_files() {
    let project = Scratch::example();
    let copy = project.read(SUPPORT_PORTAL).replace("66f211cf18c78d9188eb75ac", "66f211cf18c78d9188eb75ff");
    project.write("endpoints/Support Portal Copy/config.json", &copy);
    refused(
        &project,
        1,
        &["endpoints/Support Portal/config.json", "endpoints/Support Portal Copy/config.json", "`Support Portal`"],
    );
}

#[test]
fn duplicate_flow_names_are_refused_naming_both_files() {
    let project = Scratch::example();
    copy_tree(&project.file("flows/Billing"), &{
        let to = project.file("flows/Billing Copy");
        std::fs::create_dir_all(&to).unwrap();
        to
    });
    // Same name, different ids: only the name clashes.
    project.edit_json("flows/Billing Copy/config.json", |v| {
        v["_id"] = serde_json::json!("66f204509a80bc3b944c46ff");
        v["referenceId"] = serde_json::json!("986883ee-5314-4a89-a4cc-18d821a237ff");
    });
    refused(&project, 1, &["flows/Billing/config.json", "flows/Billing Copy/config.json", "flow `Billing`"]);
}

#[test]
fn chart_that_is_a_directory_is_refused() {
    let project = Scratch::example();
    std::fs::remove_file(project.file(MAIN_EN)).unwrap();
    std::fs::create_dir(project.file(MAIN_EN)).unwrap();
    refused(&project, 1, &["flows/Main/en-US/chart.json", "directory"]);
}

#[test]
fn fifo_in_place_of_a_config_is_refused_without_blocking() {
    let project = Scratch::example();
    let path = project.file(SUPPORT_PORTAL);
    std::fs::remove_file(&path).unwrap();
    let status = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo");
    assert!(status.success());
    // `bin()` has a 60 s timeout: a blocking open would show up as a kill, not a hang.
    refused(&project, 1, &["endpoints/Support Portal/config.json", "not a regular file"]);
}

#[test]
fn symlinked_config_pointing_outside_the_project_is_refused() {
    let project = Scratch::example();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("config.json");
    std::fs::copy(project.file(SUPPORT_PORTAL), &target).unwrap();
    std::fs::remove_file(project.file(SUPPORT_PORTAL)).unwrap();
    std::os::unix::fs::symlink(&target, project.file(SUPPORT_PORTAL)).unwrap();
    let before_target = std::fs::read(&target).unwrap();
    refused(&project, 1, &["endpoints/Support Portal/config.json", "symbolic link"]);
    assert_eq!(std::fs::read(&target).unwrap(), before_target, "the link target was touched");
}

#[test]
fn dangling_symlink_is_refused() {
    let project = Scratch::example();
    std::fs::remove_file(project.file("flows/Billing/de-DE/chart.json")).unwrap();
    std::os::unix::fs::symlink(
        project.file("flows/Billing/de-DE/gone.json"),
        project.file("flows/Billing/de-DE/chart.json"),
    )
    .unwrap();
    refused(&project, 1, &["flows/Billing/de-DE/chart.json", "symbolic link"]);
}

#[test]
fn empty_project_directory_is_refused() {
    let project = Scratch { dir: tempfile::tempdir().unwrap() };
    refused(&project, 1, &["does not look like a Cognigy CLI clone"]);
}

#[test]
fn apply_on_a_missing_or_empty_project_directory_creates_nothing() {
    let parent = tempfile::tempdir().unwrap();
    let missing = parent.path().join("no-such-project");
    let ran = run_cmd(
        {
            let mut cmd = bin();
            cmd.arg("--project").arg(&missing).args(["apply", "--yes"]);
            cmd
        },
        &["apply", "--yes"],
    );
    ran.code(2).mentions(&["does not exist"]);
    assert!(!missing.exists(), "apply created the missing project directory");

    let empty = Scratch { dir: tempfile::tempdir().unwrap() };
    run(&empty, &["apply", "--yes"]).code(1);
    let left: Vec<_> = std::fs::read_dir(empty.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "apply wrote into a directory that is not a project: {left:?}");
}

#[test]
fn node_with_an_unknown_locale_reference_is_refused() {
    let project = Scratch::example();
    project.edit_json("flows/Billing/en-US/chart.json", |v| {
        v["nodes"][2]["localeReference"] = serde_json::json!("000000000000000000000000");
    });
    refused(
        &project,
        1,
        &["flows/Billing/en-US/chart.json", "66f2d360491f6156157308fb", "localeReference `000000000000000000000000`"],
    );
}

#[test]
fn locale_folder_not_in_locales_json_is_refused() {
    let project = Scratch::example();
    std::fs::rename(project.file("flows/Billing/de-DE"), project.file("flows/Billing/fr-FR")).unwrap();
    refused(&project, 1, &["flows/Billing/fr-FR", "fr-FR", "locales.json"]);
}

// ---------------------------------------------------------------------------------------
// Legacy settings a provider rejects.

#[test]
fn live_agent_without_base_url_is_refused_naming_endpoint_and_field() {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| {
        s.as_object_mut().unwrap().shift_remove("baseUrl");
    });
    refused(&project, 1, &["\"Support Portal\"", "baseUrl", "endpoints/Support Portal/config.json"]);
}

#[test]
fn live_agent_with_a_non_url_base_url_is_refused() {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| {
        s["baseUrl"] = serde_json::json!("liveagent-eu.cognigy.cloud")
    });
    refused(&project, 1, &["\"Support Portal\"", "baseUrl", "URL"]);
}

#[test]
fn live_agent_with_a_numeric_account_id_is_refused() {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| s["accountId"] = serde_json::json!(7));
    refused(&project, 1, &["\"Support Portal\"", "accountId", "must be a string"]);
}

#[test]
fn live_agent_with_an_unknown_key_is_refused() {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| s["queueColour"] = serde_json::json!("blue"));
    refused(&project, 1, &["\"Support Portal\"", "queueColour", "unknown key"]);
}

#[test]
fn invalid_settings_never_reach_output_with_their_secret() {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| s["accountId"] = serde_json::json!(7));
    for args in [&["plan", "-vvv"][..], &["scan", "-vvv"][..], &["apply", "--yes", "-vvv"][..]] {
        let ran = run(&project, args);
        assert!(!ran.text().contains("la-eu-91d3a0c5e8"), "{}", ran.dump());
    }
}

// ---------------------------------------------------------------------------------------
// The node selector key.

#[test]
fn missing_selector_key_is_a_usage_error_that_explains_how_to_find_it() {
    let project = Scratch::example();
    std::fs::remove_file(project.file("handover-migrate.toml")).unwrap();
    refused(
        &project,
        2,
        &["--node-selector-key", "handover-migrate.toml", "`cognigy clone` again", "create one in the UI first"],
    );

    let ran = run(&project, &["apply", "--yes", "--node-selector-key", "handoverProvider"]);
    ran.code(0);
    assert_eq!(provider_dirs(&project).len(), 3);
    let reference = json(&project, WEBCHAT_PROVIDER)["referenceId"].clone();
    assert_eq!(node_config(&project, MAIN_EN, "66f23ce0c4fa7bbf4af8bfc1")["handoverProvider"], reference);
}

// ---------------------------------------------------------------------------------------
// Secrets.

const CANARY: &str = "CANARY-ANSWER";

#[test]
fn missing_secret_needs_input_and_names_the_answers_entry() {
    let project = without_support_portal_api_key();
    refused(&project, 3, &["[providers.\"Support Portal\"]", "secrets.apiKey = \"\"", "answers template"]);
    let plan = run(&project, &["plan"]);
    plan.code(3).mentions(&["secrets.apiKey = \"\"  # or set HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY"]);
}

#[test]
fn missing_secret_from_an_answers_file_is_written_but_never_shown() {
    let project = without_support_portal_api_key();
    project.write("answers.toml", &format!("[providers.\"Support Portal\"]\nsecrets.apiKey = \"{CANARY}\"\n"));
    let mut outputs = Vec::new();
    for args in [
        &["plan", "-vvv", "--answers", "answers.toml"][..],
        &["scan", "-vvv", "--json", "--answers", "answers.toml"][..],
        &["apply", "--yes", "-vvv", "--answers", "answers.toml"][..],
        &["verify", "-vvv", "--answers", "answers.toml"][..],
    ] {
        let mut cmd = project.cmd(args);
        cmd.current_dir(project.path());
        let ran = run_cmd(cmd, args);
        ran.code(0);
        outputs.push(ran);
    }
    for ran in &outputs {
        assert!(!ran.text().contains(CANARY), "`{}` showed the secret\n{}", ran.args, ran.dump());
    }
    assert_eq!(provider_property(&project, SUPPORT_PROVIDER, "apiKey"), CANARY);
    for file in all_files(&project.path().join(".handover-migrate")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(CANARY), "{} holds the secret", file.display());
    }
}

#[test]
fn missing_secret_from_the_environment_is_written_but_never_shown() {
    let project = without_support_portal_api_key();
    let mut cmd = project.cmd(&["apply", "--yes", "-vvv"]);
    cmd.env("HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY", CANARY);
    let ran = run_cmd(cmd, &["apply", "--yes", "-vvv"]);
    ran.code(0);
    assert!(!ran.text().contains(CANARY), "{}", ran.dump());
    assert_eq!(provider_property(&project, SUPPORT_PROVIDER, "apiKey"), CANARY);
}

pub(crate) fn provider_property(project: &Scratch, rel: &str, key: &str) -> serde_json::Value {
    let provider = json(project, rel);
    let property = provider["properties"].as_array().unwrap().iter().find(|p| p["key"] == key);
    property.unwrap_or_else(|| panic!("{rel}: no property {key}: {provider:#}"))["value"].clone()
}

#[test]
fn masked_secret_needs_input_and_the_mask_is_never_written() {
    let project = Scratch::example();
    edit_provider_settings(&project, "Support Portal", |s| s["apiKey"] = serde_json::json!("********"));
    refused(&project, 3, &["[providers.\"Support Portal\"]", "secrets.apiKey = \"\"", "masked"]);

    // Answered, it applies; the mask reaches no file the tool writes.
    project.write("answers.toml", &format!("[providers.\"Support Portal\"]\nsecrets.apiKey = \"{CANARY}\"\n"));
    let answers = project.file("answers.toml");
    run(&project, &["apply", "--yes", "--answers", answers.to_str().unwrap()]).code(0);
    assert_eq!(provider_property(&project, SUPPORT_PROVIDER, "apiKey"), CANARY);
    let mut written = all_files(&project.file("handoverProviders"));
    written.extend(all_files(&project.file("flows")));
    written.extend(all_files(&project.path().join(".handover-migrate")));
    for file in written {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains("********"), "{} holds the mask", file.display());
    }
}

// ---------------------------------------------------------------------------------------
// A legacy kind no provider supports.

#[test]
fn unknown_kind_is_left_alone_and_hinted_at() {
    let project = Scratch::example();
    project.edit_json("endpoints/Partner Chat/config.json", |v| {
        v["handoverSettings"]["provider"] = serde_json::json!("nice");
    });
    let partner_config = project.read("endpoints/Partner Chat/config.json");
    let partner_charts = ["flows/Partner Flow/en-US/chart.json", "flows/Partner Flow/de-DE/chart.json"]
        .map(|rel| (rel, project.read(rel)));

    run(&project, &["plan"]).code(0).mentions(&["Partner Chat", "`nice`", "plugin"]);
    run(&project, &["scan"]).code(0).mentions(&["Partner Chat", "plugin"]);

    run(&project, &["apply", "--yes"]).code(0);
    assert_eq!(
        provider_dirs(&project),
        ["Cognigy Live Agent - Support Portal", "Cognigy Live Agent - Webchat Production"],
        "only the supported endpoints get providers"
    );
    for (rel, text) in &partner_charts {
        assert_eq!(&project.read(rel), text, "{rel}: Partner Flow nodes must stay Legacy");
    }
    run(&project, &["verify"]).code(0);

    run(&project, &["cleanup", "--yes"]).code(0).mentions(&["Partner Chat", "`nice`"]);
    assert_eq!(project.read("endpoints/Partner Chat/config.json"), partner_config, "cleanup touched Partner Chat");
    assert_eq!(json(&project, SUPPORT_PORTAL)["handoverSettings"]["provider"], "none", "cleanup ran for the rest");
}

// ---------------------------------------------------------------------------------------
// Saved plans.

fn saved_plan(project: &Scratch) -> String {
    let path = project.file("saved-plan.json");
    run(project, &["plan", "--out", path.to_str().unwrap()]).code(0);
    path.to_str().unwrap().to_string()
}

#[test]
fn stale_saved_plan_is_refused_naming_the_changed_file() {
    let project = Scratch::example();
    let plan = saved_plan(&project);
    let text = project.read(MAIN_EN).replace("Hi, how can I help?", "Hello, how can I help?");
    project.write(MAIN_EN, &text);
    let before = tree(project.path());
    let ran = run(&project, &["apply", "--plan", &plan, "--yes"]);
    ran.code(1).mentions(&["stale", "flows/Main/en-US/chart.json"]);
    assert_nothing_written(&project, &before, &ran);
}

#[test]
fn edited_saved_plan_is_refused() {
    let project = Scratch::example();
    let plan = saved_plan(&project);
    let text = std::fs::read_to_string(&plan).unwrap();
    let edited = text.replacen("Cognigy Live Agent - Support Portal", "Cognigy Live Agent - Support Portax", 1);
    assert_ne!(edited, text);
    std::fs::write(&plan, edited).unwrap();
    let before = tree(project.path());
    let ran = run(&project, &["apply", "--plan", &plan, "--yes"]);
    ran.code(1).mentions(&["edited", "saved-plan.json"]);
    assert_nothing_written(&project, &before, &ran);
}

#[test]
fn truncated_saved_plan_is_refused() {
    let project = Scratch::example();
    let plan = saved_plan(&project);
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, &text[..text.len() / 2]).unwrap();
    let before = tree(project.path());
    let ran = run(&project, &["apply", "--plan", &plan, "--yes"]);
    ran.code(1).mentions(&["truncated", "saved-plan.json"]);
    assert_nothing_written(&project, &before, &ran);
}

#[test]
fn unchanged_saved_plan_applies_exactly_like_apply() {
    let project = Scratch::example();
    let plan = saved_plan(&project);
    run(&project, &["apply", "--plan", &plan, "--yes"]).code(0);
    let reference = Scratch::example();
    run(&reference, &["apply", "--yes"]).code(0);
    let mut got = project.snapshot();
    got.remove("saved-plan.json");
    assert_eq!(got, reference.snapshot());
}

// ---------------------------------------------------------------------------------------
// Confirmation and provider names.

#[test]
fn apply_without_yes_and_without_a_terminal_needs_input() {
    let project = Scratch::example();
    let before = tree(project.path());
    let ran = run(&project, &["apply"]);
    ran.code(3).mentions(&["--yes"]);
    assert_nothing_written(&project, &before, &ran);
}

#[test]
fn provider_names_that_would_escape_the_folder_are_usage_errors() {
    for name in ["team/eu", "..", "../outside"] {
        let project = Scratch::example();
        let outside_existed = project.path().parent().unwrap().join("outside").exists();
        project.write("answers.toml", &format!("[providers.\"Support Portal\"]\nname = {name:?}\n"));
        let answers = project.file("answers.toml");
        let before = tree(project.path());
        for args in [&["plan"][..], &["apply", "--yes"][..]] {
            let mut args = args.to_vec();
            args.extend(["--answers", answers.to_str().unwrap()]);
            let ran = run(&project, &args);
            ran.code(2).mentions(&["Support Portal", name]);
            assert_nothing_written(&project, &before, &ran);
        }
        let outside = project.path().parent().unwrap().join("outside");
        assert!(outside_existed || !outside.exists(), "a provider was written outside the project");
    }
}

#[test]
fn provider_name_taken_by_a_different_provider_needs_input() {
    let project = Scratch::example();
    project.write(
        "handoverProviders/Team EU/config.json",
        &to_cli_json(&serde_json::json!({
            "referenceId": "0b9a6f55-4a1e-4f1e-9d55-3a2b1c0d9e8f",
            "name": "Team EU",
            "service": "liveAgent",
            "properties": [
                {"key": "usePlatformToken", "value": true}
            ]
        })),
    );
    project.write("answers.toml", "[providers.\"Support Portal\"]\nname = \"Team EU\"\n");
    let answers = project.file("answers.toml");
    let before = tree(project.path());
    let ran = run(&project, &["apply", "--yes", "--answers", answers.to_str().unwrap()]);
    ran.code(3).mentions(&["Team EU", "handoverProviders/Team EU/config.json"]);
    assert_nothing_written(&project, &before, &ran);
}

// ---------------------------------------------------------------------------------------
// The lock.

fn write_lock(project: &Scratch, pid: u32) -> std::fs::File {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string();
    std::fs::create_dir_all(project.file(".handover-migrate/runs")).unwrap();
    project.write(
        ".handover-migrate/lock",
        &serde_json::json!({"pid": pid, "host": host, "command": "apply", "started": 0}).to_string(),
    );
    std::fs::OpenOptions::new().read(true).write(true).open(project.file(".handover-migrate/lock")).unwrap()
}

#[test]
fn lock_held_by_a_live_process_refuses_apply_and_unlock() {
    let project = Scratch::example();
    let file = write_lock(&project, std::process::id());
    file.lock().unwrap();
    let before = tree(project.path());
    let ran = run(&project, &["apply", "--yes"]);
    ran.code(1).mentions(&["another handover-migrate run", &std::process::id().to_string()]);
    assert_eq!(tree(project.path()), before);
    assert!(run_dirs(&project).is_empty());
    run(&project, &["unlock"]).code(2).mentions(&["released when its run ends", "--force"]);
    run(&project, &["unlock", "--force"]).code(1).mentions(&["another handover-migrate run"]);
    assert!(project.file(".handover-migrate/lock").exists(), "unlock removed a live lock");
    drop(file);
    run(&project, &["apply", "--yes"]).code(0);
}

/// The process id in the lock file is information, not the lock: a file left with the id
/// of a running process (a killed run's id reused by another program) blocks nothing.
#[test]
fn a_lock_file_without_a_kernel_lock_blocks_nothing() {
    let project = Scratch::example();
    drop(write_lock(&project, std::process::id()));
    run(&project, &["apply", "--yes"]).code(0);
    assert_eq!(provider_dirs(&project).len(), 3);
    assert!(!lock_held(&project.file(".handover-migrate")), "apply keeps no lock after it finished");
    run(&project, &["unlock", "--force"]).code(0).mentions(&["Removed the lock file"]);
    assert!(!project.file(".handover-migrate/lock").exists());
}

// ---------------------------------------------------------------------------------------
// Rollback, endpoint filter, purge.

#[test]
fn rollback_refuses_a_hand_edited_file_unless_forced() {
    let project = Scratch::example();
    let original = project.snapshot();
    run(&project, &["apply", "--yes"]).code(0);
    let text = project.read(MAIN_EN).replace("Hi, how can I help?", "Hi there, how can I help?");
    project.write(MAIN_EN, &text);
    let edited = project.snapshot();

    run(&project, &["rollback", "--yes"]).code(1).mentions(&["flows/Main/en-US/chart.json", "--force"]);
    assert_eq!(project.snapshot(), edited, "a refused rollback changed files");

    run(&project, &["rollback", "--yes", "--force"]).code(0);
    assert_eq!(project.snapshot(), original, "forced rollback restores every byte");
}

#[test]
fn endpoint_filter_changes_only_that_endpoint() {
    let project = Scratch::example();
    let before = project.snapshot();
    run(&project, &["apply", "--yes", "--endpoint", "Support Portal"]).code(0);
    let after = project.snapshot();
    let mut changed: Vec<&str> =
        before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).map(String::as_str).collect();
    changed.sort();
    changed.dedup();
    assert_eq!(
        changed,
        [
            "flows/Support Portal/de-DE/chart.json",
            "flows/Support Portal/en-US/chart.json",
            "handoverProviders/",
            "handoverProviders/Cognigy Live Agent - Support Portal/",
            "handoverProviders/Cognigy Live Agent - Support Portal/config.json",
        ]
    );
    run(&project, &["verify", "--endpoint", "Support Portal"]).code(0).mentions(&["passed"]);

    // Limited to an endpoint that is not migrated: nothing is eligible, exit 4 with the reason.
    let before_cleanup = tree(project.path());
    let ran = run(&project, &["cleanup", "--yes", "--endpoint", "Webchat Production"]);
    ran.code(4).mentions(&["Webchat Production refused: not migrated yet"]);
    assert_eq!(tree(project.path()), before_cleanup);

    let webchat =
        ["Webchat Production", "Webchat Staging"].map(|e| project.read(&format!("endpoints/{e}/config.json")));
    let ran = run(&project, &["cleanup", "--yes"]);
    ran.code(0).mentions(&[
        "Webchat Production refused: not migrated yet",
        "Webchat Staging refused: not migrated yet",
        "Partner Chat refused: not migrated yet",
        "endpoints/Support Portal/config.json",
    ]);
    for (name, text) in ["Webchat Production", "Webchat Staging"].iter().zip(&webchat) {
        assert_eq!(&project.read(&format!("endpoints/{name}/config.json")), text, "cleanup touched {name}");
    }
    let portal = json(&project, SUPPORT_PORTAL);
    assert_eq!(portal["handoverSettings"]["provider"], "none");
    assert!(portal["handoverSettings"].get("providerSettings").is_none());
}

#[test]
fn purge_deletes_backups_and_rollback_then_refuses() {
    let project = Scratch::example();
    run(&project, &["apply", "--yes"]).code(0);
    let applied = project.snapshot();
    run(&project, &["purge", "--yes"]).code(0);
    for run_dir in run_dirs(&project) {
        assert!(!run_dir.join("backup").exists(), "{} still has backups", run_dir.display());
    }
    run(&project, &["rollback", "--yes"]).code(1).mentions(&["backups were deleted"]);
    assert_eq!(project.snapshot(), applied);
}
