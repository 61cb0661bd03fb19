//! The main workflow on the bundled example: scan, plan, apply, verify, cleanup, rollback.

use crate::common::*;

#[test]
fn full_migration_then_rollback_restores_every_byte() {
    let project = Scratch::example();
    let original = project.snapshot();

    project.cmd(&["apply", "--yes"]).assert().success();
    let applied = project.snapshot();
    assert_ne!(applied, original);
    project.cmd(&["verify"]).assert().success();

    project.cmd(&["cleanup", "--yes"]).assert().success();
    let cleaned = project.snapshot();
    assert_ne!(cleaned, applied);

    project.cmd(&["rollback", "--yes"]).assert().success();
    assert_eq!(project.snapshot(), applied, "rolling back cleanup restores the applied state");
    project.cmd(&["rollback", "--yes"]).assert().success();
    assert_eq!(project.snapshot(), original, "rolling back apply restores the original project byte for byte");
    let output = project.cmd(&["rollback", "--yes"]).output().unwrap();
    assert!(output.status.success());
    assert!(stdout(&output).contains("Nothing to roll back"));
}

#[test]
fn plan_snapshot() {
    let project = Scratch::example();
    let output = project.cmd(&["plan"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = stdout(&output).replace(&project.path().display().to_string(), "<project>");
    insta::assert_snapshot!("example_plan", summary);
    let output = project.cmd(&["plan", "--detail"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("example_plan_detail", stdout(&output));
}

#[test]
fn rewritten_charts_and_provider_files_snapshot() {
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    for rel in [
        "flows/Main/en-US/chart.json",
        "flows/Main/de-DE/chart.json",
        "handoverProviders/Cognigy Live Agent - Webchat Production/config.json",
    ] {
        let name = rel.replace(['/', ' '], "_");
        insta::assert_snapshot!(name, project.read(rel));
    }
}

#[test]
fn unchanged_files_stay_byte_identical() {
    let project = Scratch::example();
    let before = project.snapshot();
    project.cmd(&["apply", "--yes"]).assert().success();
    let after = project.snapshot();
    let changed: Vec<&String> = before.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    // Only charts with handover nodes that endpoints reach change; endpoints and the orphan flow do not.
    assert!(changed.iter().all(|p| p.starts_with("flows/") && p.ends_with("chart.json")), "{changed:?}");
    assert!(!changed.iter().any(|p| p.contains("Old Drafts") || p.contains("Voice Menu") || p.contains("FAQ")));
}

#[test]
fn second_apply_changes_nothing_and_never_duplicates_a_provider() {
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    let first = project.snapshot();
    let output = project.cmd(&["apply", "--yes"]).output().unwrap();
    assert!(output.status.success());
    assert!(stdout(&output).contains("Nothing to change"), "{}", stdout(&output));
    assert_eq!(project.snapshot(), first);
    let providers = std::fs::read_dir(project.file("handoverProviders")).unwrap().count();
    assert_eq!(providers, 3);
}

#[test]
fn two_endpoints_with_identical_settings_share_one_provider() {
    let project = Scratch::example();
    let output = project.cmd(&["plan", "--json"]).output().unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let shared = plan["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["endpoints"] == serde_json::json!(["Webchat Production", "Webchat Staging"]));
    assert!(shared.is_some(), "{plan:#}");
}

#[test]
fn no_secret_reaches_output_plans_or_journals_at_any_verbosity() {
    let project = Scratch::example();
    let plan_file = project.path().join("saved-plan.json");
    let mut outputs = Vec::new();
    for args in [
        vec!["scan", "-vvv"],
        vec!["scan", "--json", "-vvv"],
        vec!["plan", "-vvv", "--out", plan_file.to_str().unwrap()],
        vec!["plan", "--json", "-vvv"],
        vec!["apply", "--yes", "-vvv"],
        vec!["verify", "-vvv", "--json"],
        vec!["cleanup", "--dry-run", "-vvv"],
        vec!["cleanup", "--yes", "-vvv", "--json"],
        vec!["rollback", "--yes", "-vvv"],
        vec!["rollback", "--yes", "-vvv", "--json"],
    ] {
        let output = project.cmd(&args).env("RUST_LOG", "trace").output().unwrap();
        outputs.push(format!("{args:?}\n{}{}", stdout(&output), stderr(&output)));
    }
    outputs.push(std::fs::read_to_string(&plan_file).unwrap());
    for entry in walk(&project.path().join(".handover-migrate")) {
        if entry.ends_with("journal.jsonl") {
            outputs.push(std::fs::read_to_string(&entry).unwrap());
        }
    }
    for text in &outputs {
        for secret in EXAMPLE_SECRETS {
            assert!(!text.contains(secret), "secret leaked:\n{text}");
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn backups_and_provider_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let state = project.path().join(".handover-migrate");
    assert_eq!(mode(&state), 0o700);
    for file in walk(&state) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&project.file("handoverProviders/Cognigy Live Agent - Webchat Production/config.json")), 0o600);
}

#[test]
fn snapshot_pinned_endpoints_are_reported_and_not_cleaned_up_unless_forced() {
    let project = Scratch::example();
    let config = project.read("handover-migrate.toml");
    project.write("handover-migrate.toml", &format!("{config}project-id = \"66f26ef21238d0626569c5a3\"\n"));
    project.edit_json("endpoints/Support Portal/config.json", |v| {
        v["entrypoint"] = serde_json::json!("66f2000000000000000000aa")
    });
    let plan = project.cmd(&["plan"]).output().unwrap();
    assert!(stdout(&plan).contains("runs a snapshot"), "{}", stdout(&plan));
    project.cmd(&["apply", "--yes"]).assert().success();
    let cleanup = project.cmd(&["cleanup", "--yes"]).output().unwrap();
    assert!(cleanup.status.success(), "{}", stderr(&cleanup));
    assert!(stdout(&cleanup).contains("Support Portal refused"), "{}", stdout(&cleanup));
    assert!(project.read("endpoints/Support Portal/config.json").contains("\"provider\": \"liveAgent\""));
    project.cmd(&["cleanup", "--yes", "--force"]).assert().success();
    assert!(project.read("endpoints/Support Portal/config.json").contains("\"provider\": \"none\""));
}
