//! Command-line conventions: completions, man page, version, quiet, colour.

use crate::common::*;

#[test]
fn completions_for_every_shell_are_non_empty() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = bin().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        assert!(script.len() > 1000 && script.contains("cleanup") && script.contains("node-selector-key"), "{shell}");
    }
    let bash = stdout(&bin().args(["completions", "bash"]).output().unwrap());
    assert!(bash.contains("complete -F") && bash.contains("handover-migrate"), "{bash}");
    // A fleet command refuses the single-project flags (its file gives them per project), so
    // its completions do not offer them; `plan` on one project does.
    let options_of = |case: &str| -> String {
        let mut lines = bash.lines().skip_while(|line| line.trim() != case);
        lines.find(|line| line.contains("opts=")).unwrap_or_else(|| panic!("no {case} in:\n{bash}")).to_string()
    };
    let fleet_plan = options_of("handover__subcmd__migrate__subcmd__fleet__subcmd__plan)");
    assert!(fleet_plan.contains("--fleet") && !fleet_plan.contains("--api-url") && !fleet_plan.contains("--project "));
    let plan = options_of("handover__subcmd__migrate__subcmd__plan)");
    assert!(plan.contains("--api-url") && plan.contains("--project ") && !plan.contains("--fleet"), "{plan}");
}

#[test]
fn man_page_is_printed_or_written_per_command() {
    let output = bin().arg("man").output().unwrap();
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(page.starts_with(".ie") || page.contains(".TH"), "not roff:\n{page}");
    assert!(page.contains("handover\\-migrate") && page.contains("rollback"), "{page}");

    let dir = tempfile::tempdir().unwrap();
    bin().args(["man", "--out"]).arg(dir.path()).assert().success();
    for name in ["handover-migrate.1", "handover-migrate-apply.1", "handover-migrate-report.1"] {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!text.is_empty());
    }
    // The pages describe the command line as it parses: fleet subcommands refuse the
    // single-project flags (a fleet file gives them per project), so their pages omit them;
    // and `help` is a subcommand with no page of its own.
    let fleet_scan = std::fs::read_to_string(dir.path().join("handover-migrate-fleet-scan.1")).unwrap();
    assert!(fleet_scan.contains("\\-\\-fleet") && !fleet_scan.contains("\\-\\-api\\-url"), "{fleet_scan}");
    let apply = std::fs::read_to_string(dir.path().join("handover-migrate-apply.1")).unwrap();
    assert!(apply.contains("\\-\\-api\\-url"), "{apply}");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains("-help")), "{names:?}");
}

#[test]
fn version_names_the_provider_contract() {
    let long = stdout(&bin().arg("--version").output().unwrap());
    assert!(long.contains(env!("CARGO_PKG_VERSION")), "{long}");
    assert!(long.contains(&format!("provider contract {}", handover_migrate_core::CONTRACT_VERSION)), "{long}");
}

#[test]
fn quiet_suppresses_warnings_and_verbose_shows_logs() {
    let project = Scratch::example();
    // An empty flow folder is a warning.
    std::fs::create_dir_all(project.file("handoverProviders/Empty Leftover")).unwrap();
    let normal = project.cmd(&["plan"]).output().unwrap();
    assert!(stderr(&normal).contains("WARN") && stderr(&normal).contains("Empty Leftover"), "{}", stderr(&normal));
    let quiet = project.cmd(&["plan", "-q"]).output().unwrap();
    assert!(quiet.status.success());
    assert!(stderr(&quiet).is_empty(), "-q printed on stderr:\n{}", stderr(&quiet));
    let verbose = project.cmd(&["plan", "-v"]).output().unwrap();
    assert!(stderr(&verbose).contains("INFO") && stderr(&verbose).contains("endpoint(s)"), "{}", stderr(&verbose));
    let filtered = project.cmd(&["plan"]).env("RUST_LOG", "off").output().unwrap();
    assert!(stderr(&filtered).is_empty(), "{}", stderr(&filtered));
}

#[test]
fn colour_only_when_asked_for_and_never_with_no_color() {
    let project = Scratch::example();
    // Not a terminal: no escape codes.
    let plain = stdout(&project.cmd(&["plan", "--detail"]).output().unwrap());
    assert!(!plain.contains('\x1b'), "escape codes in piped output");
    // Forced: the diff is coloured (+ green, ~ yellow).
    let forced = stdout(&project.cmd(&["plan", "--detail"]).env("CLICOLOR_FORCE", "1").output().unwrap());
    assert!(forced.contains("\x1b[32m+ handoverProvider"), "{forced}");
    assert!(forced.contains("\x1b[33m~ liveAgentInboxId"), "{forced}");
    // NO_COLOR wins.
    let no_color =
        stdout(&project.cmd(&["plan", "--detail"]).env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").output().unwrap());
    assert_eq!(no_color, plain);
}

#[test]
fn plan_summary_table_comes_before_the_node_details() {
    let project = Scratch::example();
    let text = stdout(&project.cmd(&["plan", "--detail"]).env("COLUMNS", "200").output().unwrap());
    let summary = text.find("ENDPOINTS").expect("summary table");
    let nodes = text.find("Node edits").expect("node section");
    assert!(summary < nodes, "{text}");
    assert!(
        text.contains(
            "+ Cognigy Live Agent - Webchat Production  Webchat Production, Webchat Staging  Billing, Main   5"
        ),
        "{text}"
    );
}

#[test]
fn out_files_may_be_bare_names_in_the_working_directory() {
    let project = Scratch::example();
    let cwd = tempfile::tempdir().unwrap();
    project.cmd(&["plan", "--out", "plan.json"]).current_dir(cwd.path()).assert().success();
    project.cmd(&["report", "--format", "html", "--out", "report.html"]).current_dir(cwd.path()).assert().success();
    assert!(cwd.path().join("plan.json").exists() && cwd.path().join("report.html").exists());
}
