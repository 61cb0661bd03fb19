//! Fleet runs end to end: several tenants (simulator instances serving several projects
//! each) and clone folders, through the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cognigy_sim::multi::{MultiHandle, MultiSim};
use cognigy_sim::Options;
use serde_json::Value;

use crate::common::*;
use crate::schemas::check;

const EU_KEY: &str = "fleet-eu-key-0001";
const US_KEY: &str = "fleet-us-key-0002";
/// The example's project id; copies get their own (see [`distinct_copy`]).
const EXAMPLE_PROJECT: &str = "66f26ef21238d0626569c5a3";

/// A copy of the example whose every 24-hex id starts with `prefix` instead (so that
/// projects on one tenant have their own ids, as on a real tenant); returns its project id.
fn distinct_copy(dst: &Path, prefix: &str, edit: impl FnOnce(&Path)) -> String {
    std::fs::create_dir_all(dst).unwrap();
    copy_tree(&example_dir(), dst);
    edit(dst);
    for (rel, hash) in tree_hashes(dst) {
        if hash.is_empty() {
            continue;
        }
        let path = dst.join(&rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let rewritten = handover_migrate_projectgen::reprefix_ids(&text, prefix);
        if rewritten != text {
            std::fs::write(&path, rewritten).unwrap();
        }
    }
    let project = format!("{prefix}{}", &EXAMPLE_PROJECT[2..]);
    let config = dst.join("handover-migrate.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}project-id = \"{project}\"\n")).unwrap();
    project
}

/// A second Live Agent endpoint with other settings on Main: `plan` needs answers (3).
fn add_conflict(dir: &Path) {
    let text = std::fs::read_to_string(dir.join("endpoints/Support Portal/config.json"))
        .unwrap()
        .replace("66f211cf18c78d9188eb75ac", "66f211cf18c78d9188eb7500")
        .replace("\"Support Portal\"", "\"Kiosk Web\"")
        .replace("997b9130-3213-4837-8d0c-dbaaddc09e15", "3bdf0509-9c7d-41a8-b5af-911a29a20fdd");
    std::fs::create_dir_all(dir.join("endpoints/Kiosk Web")).unwrap();
    std::fs::write(dir.join("endpoints/Kiosk Web/config.json"), text).unwrap();
}

/// Two tenants (eu: two projects, listed with `projects = "all"`; us: one, listed by id)
/// and one clone folder, with a fleet file naming them.
struct Setup {
    dir: tempfile::TempDir,
    eu: MultiHandle,
    us: MultiHandle,
    eu_projects: Vec<String>,
    us_project: String,
}

impl Setup {
    fn new(conflict_in_second: bool, extra_us_project: Option<&str>) -> Setup {
        Setup::with_limits(conflict_in_second, extra_us_project, None, "1000/1")
    }

    /// `eu_server_limit`: the simulated eu tenant's own rate limit (per API key, all its
    /// projects together); `eu_client_limit`: the fleet file's `rate-limit` for eu.
    fn with_limits(
        conflict_in_second: bool,
        extra_us_project: Option<&str>,
        eu_server_limit: Option<(u32, f64)>,
        eu_client_limit: &str,
    ) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let seeds = root.join("seeds");
        let a1 = distinct_copy(&seeds.join("eu/brand-a"), "a1", |_| {});
        let a2 = distinct_copy(&seeds.join("eu/brand-b"), "a2", |d| {
            if conflict_in_second {
                add_conflict(d)
            }
        });
        let b1 = distinct_copy(&seeds.join("us/brand-c"), "b1", |_| {});
        distinct_copy(&root.join("clones/brand-d"), "c1", |_| {});
        let options = |key: &str| Options::new(key, "").selector_key("handoverProvider");
        let eu_faults = cognigy_sim::Faults { rate_limit: eu_server_limit, ..cognigy_sim::Faults::default() };
        let eu = MultiSim::load_dir(seeds.join("eu"), options(EU_KEY).faults(eu_faults)).unwrap().spawn().unwrap();
        let us = MultiSim::load_dir(seeds.join("us"), options(US_KEY)).unwrap().spawn().unwrap();
        let us_list = match extra_us_project {
            Some(extra) => format!("[\"{b1}\", \"{extra}\"]"),
            None => format!("[\"{b1}\"]"),
        };
        std::fs::write(
            root.join("fleet.toml"),
            format!(
                "[[tenant]]\nname = \"eu\"\napi-url = \"{}\"\napi-key-env = \"COGNIGY_EU_KEY\"\nprojects = \"all\"\n\
                 rate-limit = \"{eu_client_limit}\"\n\n[[tenant]]\nname = \"us\"\napi-url = \"{}\"\napi-key-file = \"us.key\"\n\
                 projects = {us_list}\n\n[[clones]]\npath = \"clones/*\"\n",
                eu.base_url(),
                us.base_url()
            ),
        )
        .unwrap();
        std::fs::write(root.join("us.key"), format!("{US_KEY}\n")).unwrap();
        Setup { dir, eu, us, eu_projects: vec![a1, a2], us_project: b1 }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn clone_dir(&self) -> PathBuf {
        self.root().join("clones/brand-d")
    }

    fn fleet(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = bin();
        cmd.env("COGNIGY_EU_KEY", EU_KEY)
            .env("XDG_STATE_HOME", self.root().join("state"))
            .env_remove("COGNIGY_API_KEY")
            .arg("fleet")
            .args(args)
            .arg("--fleet")
            .arg(self.root().join("fleet.toml"));
        cmd.output().unwrap()
    }

    fn providers(&self, tenant: &MultiHandle, project: &str) -> Vec<String> {
        tenant
            .multi()
            .project(project)
            .unwrap()
            .with_project(|p| p.providers.iter().map(|x| x.name().to_string()).collect())
    }

    /// Every project's normalised state: the tenants' dumps and the clone.
    fn state(&self) -> BTreeMap<String, Value> {
        let mut all = BTreeMap::new();
        for (name, tenant) in [("eu", &self.eu), ("us", &self.us)] {
            let dump = tempfile::tempdir().unwrap();
            tenant.dump(dump.path()).unwrap();
            for project in std::fs::read_dir(dump.path()).unwrap() {
                let project = project.unwrap();
                for (rel, value) in normalized(&project.path()) {
                    all.insert(format!("{name}/{}/{rel}", project.file_name().to_string_lossy()), value);
                }
            }
        }
        for (rel, value) in normalized(&self.clone_dir()) {
            all.insert(format!("clone/{rel}"), value);
        }
        all
    }
}

fn code(output: &std::process::Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[track_caller]
fn expect(output: &std::process::Output, want: i32) {
    assert_eq!(code(output), want, "stdout:\n{}\nstderr:\n{}", stdout(output), stderr(output));
}

fn statuses(document: &Value) -> BTreeMap<String, String> {
    document["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["project"].as_str().unwrap().to_string(), p["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_fleet_of_tenants_and_clones_migrates_end_to_end_and_rolls_back() {
    let setup = Setup::new(false, None);
    let before = setup.state();
    let clone_before = tree_hashes(&setup.clone_dir());

    let doctor = setup.fleet(&["doctor", "--json"]);
    expect(&doctor, 0);
    assert!(statuses(&check("fleet-doctor", &doctor)).values().all(|s| s == "done"));
    let scan = setup.fleet(&["scan", "--json"]);
    expect(&scan, 0);
    let scan = check("fleet-scan", &scan);
    assert_eq!(scan["rows"].as_array().unwrap().len(), 4, "{scan:#}");
    assert_eq!(scan["totals"]["nodes_to_switch"], 52, "{scan:#}");
    assert_eq!(scan["totals"]["endpoints_by_kind"]["liveAgent"], 12, "{scan:#}");
    let text = setup.fleet(&["scan"]);
    expect(&text, 0);
    for project in setup.eu_projects.iter().map(|p| format!("eu/{p}")).chain([format!("us/{}", setup.us_project)]) {
        assert!(stdout(&text).contains(&project), "{}", stdout(&text));
    }

    // Plan per project, saved; apply exactly those.
    let plans = setup.root().join("plans");
    let plan = setup.fleet(&["plan", "--out", plans.to_str().unwrap(), "--json"]);
    expect(&plan, 0);
    check("fleet-plan", &plan);
    assert_eq!(std::fs::read_dir(&plans).unwrap().count(), 4);
    // Without --yes and without a terminal: refused, nothing written.
    let refused = setup.fleet(&["apply"]);
    expect(&refused, 3);
    assert_eq!(setup.state(), before);

    let apply = setup.fleet(&["apply", "--plan", plans.to_str().unwrap(), "--yes", "--json"]);
    expect(&apply, 0);
    let apply = check("fleet-apply", &apply);
    assert!(statuses(&apply).values().all(|s| s == "done"), "{apply:#}");
    assert!(apply["fleet_run"].is_string());
    for project in &setup.eu_projects {
        assert_eq!(setup.providers(&setup.eu, project).len(), 3, "{project}");
    }
    assert_eq!(setup.providers(&setup.us, &setup.us_project).len(), 3);
    assert!(setup.eu.stats()["total"].as_u64().unwrap_or(0) > 0);
    // A second apply changes nothing and duplicates nothing.
    let again = setup.fleet(&["apply", "--yes", "--json"]);
    expect(&again, 0);
    assert!(statuses(&check("fleet-apply", &again)).values().all(|s| s == "up_to_date"));
    assert_eq!(setup.providers(&setup.us, &setup.us_project).len(), 3);

    let verify = setup.fleet(&["verify", "--json"]);
    expect(&verify, 0);
    check("fleet-verify", &verify);

    let cleanup = setup.fleet(&["cleanup", "--yes", "--json"]);
    expect(&cleanup, 0);
    let cleanup = check("fleet-cleanup", &cleanup);
    assert!(statuses(&cleanup).values().all(|s| s == "done"), "{cleanup:#}");

    let report = setup.fleet(&["report", "--json"]);
    expect(&report, 0);
    let report = check("fleet-report", &report);
    assert_eq!(report["projects"].as_array().unwrap().len(), 4);
    assert!(report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["last_run"].as_str().is_some_and(|r| r.contains("cleanup"))));
    let md = setup.fleet(&["report"]);
    expect(&md, 0);
    let md = stdout(&md);
    assert!(md.starts_with("# Fleet migration report"), "{md}");
    assert!(md.contains("| Project | Endpoints by kind | Nodes to switch |"), "{md}");
    assert!(md.contains("### Handover migration report") || md.contains("## Handover migration report"), "{md}");
    let html_path = setup.root().join("fleet.html");
    expect(&setup.fleet(&["report", "--format", "html", "--out", html_path.to_str().unwrap()]), 0);
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("<h1>Fleet migration report</h1>") && html.contains("<tfoot>"), "{html}");

    // Rollback: the cleanup, then the apply, project by project.
    let first = setup.fleet(&["rollback", "--yes", "--json"]);
    expect(&first, 0);
    let first = check("fleet-rollback", &first);
    assert!(first["fleet_run"].as_str().unwrap().ends_with("cleanup"), "{first:#}");
    let second = setup.fleet(&["rollback", "--yes", "--json"]);
    expect(&second, 0);
    assert!(statuses(&check("fleet-rollback", &second)).values().all(|s| s == "rolled_back"));
    assert_same(&setup.state(), &before, "after fleet rollback");
    let mut clone_after = tree_hashes(&setup.clone_dir());
    clone_after.retain(|k, _| !k.starts_with(".handover-migrate"));
    assert_eq!(clone_after, clone_before);
    let none = setup.fleet(&["rollback", "--yes", "--json"]);
    expect(&none, 0);
    assert!(check("fleet-rollback", &none)["fleet_run"].is_null());
}

#[test]
fn a_project_needing_input_and_one_failing_leave_the_rest_migrated() {
    let missing = "ffffffffffffffffffffffff";
    let setup = Setup::new(true, Some(missing));
    let apply = setup.fleet(&["apply", "--yes", "--json"]);
    // The worst project decides: a failure (1) over input needed (3).
    expect(&apply, 1);
    let apply = check("fleet-apply", &apply);
    let status = statuses(&apply);
    assert_eq!(status[&format!("eu/{}", setup.eu_projects[0])], "done", "{apply:#}");
    assert_eq!(status[&format!("eu/{}", setup.eu_projects[1])], "needs_input", "{apply:#}");
    assert_eq!(status[&format!("us/{}", setup.us_project)], "done", "{apply:#}");
    assert_eq!(status[&format!("us/{missing}")], "failed", "{apply:#}");
    assert_eq!(status[&setup.clone_dir().display().to_string()], "done", "{apply:#}");
    assert_eq!(setup.providers(&setup.eu, &setup.eu_projects[0]).len(), 3);
    assert!(setup.providers(&setup.eu, &setup.eu_projects[1]).is_empty(), "the project needing input stays as it was");
    let needs = apply["projects"].as_array().unwrap().iter().find(|p| p["status"] == "needs_input").unwrap();
    assert!(needs["message"].as_str().unwrap().contains("conflict"), "{needs:#}");
    // Machine-readable, as a single project's error@1: the conflict and the entry settling it.
    let input = needs["input_needed"].as_array().unwrap();
    assert!(
        input.iter().any(|i| i["what"] == "conflict" && i["answers_entry"].as_str().is_some_and(|e| e.contains('['))),
        "{needs:#}"
    );
    let done = apply["projects"].as_array().unwrap().iter().find(|p| p["status"] == "done").unwrap();
    assert_eq!(done["input_needed"], serde_json::json!([]), "{done:#}");
    assert!(
        needs["next_step"].as_str().unwrap().contains("HANDOVER_MIGRATE_SECRET_A2F26EF21238D0626569C5A3_"),
        "{needs:#}"
    );
    let text = setup.fleet(&["verify"]);
    // verify: the unmigrated project has work left (4), the missing one fails (1).
    expect(&text, 1);
    assert!(stdout(&text).contains("work remains") && stdout(&text).contains("failed"), "{}", stdout(&text));

    // --fail-fast on a fresh fleet: a plan that needs input stops it before anything is written.
    let fresh = Setup::new(true, None);
    let before = fresh.state();
    let stopped = fresh.fleet(&["apply", "--yes", "--fail-fast", "--json"]);
    expect(&stopped, 3);
    let stopped = check("fleet-apply", &stopped);
    assert_eq!(stopped["confirmed"], false, "{stopped:#}");
    assert_same(&fresh.state(), &before, "fail-fast wrote nothing");
}

#[test]
fn a_fleet_apply_killed_anywhere_resumes_to_the_same_end_state() {
    let reference = Setup::new(false, None);
    expect(&reference.fleet(&["apply", "--yes"]), 0);
    let want = reference.state();
    drop(reference);
    for n in [1, 9, 40, 150] {
        let setup = Setup::new(false, None);
        let before = setup.state();
        let mut cmd = bin();
        let killed = cmd
            .env("COGNIGY_EU_KEY", EU_KEY)
            .env("XDG_STATE_HOME", setup.root().join("state"))
            .env("HANDOVER_MIGRATE_FAILPOINT", format!("*:{n}"))
            .args(["fleet", "apply", "--yes", "--fleet"])
            .arg(setup.root().join("fleet.toml"))
            .output()
            .unwrap();
        assert_eq!(code(&killed), 86, "kill at {n}: {}\n{}", stdout(&killed), stderr(&killed));
        let resumed = setup.fleet(&["apply", "--yes", "--json"]);
        expect(&resumed, 0);
        assert_same(&setup.state(), &want, &format!("killed at failpoint crossing {n}, then resumed"));
        for project in &setup.eu_projects {
            assert_eq!(setup.providers(&setup.eu, project).len(), 3, "no duplicate provider (kill at {n})");
        }
        assert_eq!(setup.providers(&setup.us, &setup.us_project).len(), 3, "no duplicate provider (kill at {n})");
        // The continued fleet run is one run: rollback undoes all of it.
        expect(&setup.fleet(&["rollback", "--yes"]), 0);
        assert_same(&setup.state(), &before, &format!("rolled back after the kill at {n}"));
    }
}

#[test]
fn fleet_commands_refuse_single_project_flags_and_a_bad_fleet_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, "[[tenant]]\nname = \"eu\"\napi-url = \"http://127.0.0.1:9\"\nprojects = \"some\"\n")
        .unwrap();
    let out = bin().args(["fleet", "scan", "--fleet"]).arg(&file).output().unwrap();
    expect(&out, 2);
    assert!(stderr(&out).contains("use \"all\" or a list of project ids") && stderr(&out).contains("fleet.toml"));
    let out = bin().args(["fleet", "scan", "--answers", "a.toml", "--fleet"]).arg(&file).output().unwrap();
    expect(&out, 2);
    assert!(stderr(&out).contains("not --answers"), "{}", stderr(&out));
    let out = bin().args(["fleet", "scan"]).output().unwrap();
    expect(&out, 2);
    assert!(stderr(&out).contains("--fleet FILE"), "{}", stderr(&out));
}

#[test]
fn fleet_secrets_come_only_from_variables_scoped_by_project() {
    // A secret missing from the clone: the unscoped variable is not used in a fleet run
    // (one customer's secret must never reach another's provider), the project-scoped one is.
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clones/brand-x");
    std::fs::create_dir_all(&clone).unwrap();
    copy_tree(&example_dir(), &clone);
    let config = clone.join("endpoints/Support Portal/config.json");
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    value["handoverSettings"]["providerSettings"].as_object_mut().unwrap().shift_remove("apiKey");
    std::fs::write(&config, to_cli_json(&value)).unwrap();
    std::fs::write(dir.path().join("fleet.toml"), "[[clones]]\npath = \"clones/*\"\n").unwrap();
    let run = |command: &str, env: &[(&str, &str)]| {
        let mut cmd = bin();
        cmd.env("XDG_STATE_HOME", dir.path().join("state")).args(["fleet", command, "--json", "--fleet"]);
        cmd.arg(dir.path().join("fleet.toml"));
        if command == "apply" {
            cmd.arg("--yes");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let plain = run("plan", &[]);
    expect(&plain, 3);
    assert!(stdout(&plain).contains("HANDOVER_MIGRATE_SECRET_BRAND_X_<ENDPOINT>_<PROPERTY>"), "{}", stdout(&plain));
    let plain = check("fleet-plan", &plain);
    let input = &plain["projects"][0]["input_needed"];
    assert!(
        input
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["what"] == "secret" && i["env_var"] == "HANDOVER_MIGRATE_SECRET_BRAND_X_SUPPORT_PORTAL_APIKEY"),
        "the secret, with the variable scoped by project: {input:#}"
    );
    let unscoped = run("apply", &[("HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY", "CANARY-unscoped")]);
    expect(&unscoped, 3);
    let scoped = run("apply", &[("HANDOVER_MIGRATE_SECRET_BRAND_X_SUPPORT_PORTAL_APIKEY", "CANARY-scoped")]);
    expect(&scoped, 0);
    assert!(!stdout(&scoped).contains("CANARY") && !stderr(&scoped).contains("CANARY"), "secrets never reach output");
    let written: Vec<String> = tree_hashes(&clone.join("handoverProviders"))
        .keys()
        .filter(|rel| rel.ends_with("config.json"))
        .map(|rel| std::fs::read_to_string(clone.join("handoverProviders").join(rel)).unwrap())
        .collect();
    assert!(written.iter().any(|text| text.contains("CANARY-scoped")), "the scoped secret reached its provider");
    assert!(!written.iter().any(|text| text.contains("CANARY-unscoped")));
}

#[test]
fn every_fleet_command_has_examples_and_lists_only_the_flags_it_uses() {
    let option = |help: &str, flag: &str| help.lines().any(|l| l.trim_start().starts_with(flag));
    for command in ["scan", "plan", "apply", "verify", "doctor", "cleanup", "rollback", "report"] {
        let out = bin().args(["fleet", command, "--help"]).output().unwrap();
        expect(&out, 0);
        let help = stdout(&out);
        assert!(help.contains("Examples:\n  handover-migrate fleet "), "{command}: {help}");
        // Every example is the command itself (or names the command it leads to).
        assert!(help.contains(&format!("handover-migrate fleet {command} --fleet fleet.toml")), "{command}: {help}");
        let asks = matches!(command, "apply" | "cleanup" | "rollback");
        assert_eq!(option(&help, "--yes"), asks, "--yes only where the command asks; {command}: {help}");
        for flag in ["--fleet", "--jobs", "--fail-fast", "--json"] {
            assert!(option(&help, flag), "{command} lacks {flag}: {help}");
        }
        // The fleet file holds these; a fleet refuses them, so its help does not offer them.
        for flag in ["--project ", "--project-id", "--api-url", "--answers", "--endpoint", "--node-selector-key"] {
            assert!(!option(&help, flag), "{command} offers {flag}: {help}");
        }
    }
    let scan = bin().args(["fleet", "scan", "--yes", "--fleet", "fleet.toml"]).output().unwrap();
    expect(&scan, 2);
}

/// The `sh` block after `marker` in README.md: its command lines, comments and `export`
/// lines left out.
fn readme_commands(marker: &str) -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let after = &readme[readme.find(marker).unwrap_or_else(|| panic!("README has no {marker:?}"))..];
    let block = &after[after.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    block
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty() && !line.starts_with("export "))
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_readme_worked_example_runs_as_printed() {
    let setup = Setup::new(false, None);
    let commands = readme_commands("A worked example, two tenants and the clones of a third team");
    assert!(commands.len() >= 8, "{commands:?}");
    for words in &commands {
        assert_eq!(words[0], "handover-migrate", "{words:?}");
        let output = bin()
            .current_dir(setup.root())
            .env("COGNIGY_EU_KEY", EU_KEY)
            .env("XDG_STATE_HOME", setup.root().join("state"))
            .env_remove("COGNIGY_API_KEY")
            .args(&words[1..])
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{}\nstdout:\n{}\nstderr:\n{}", words.join(" "), stdout(&output), stderr(&output));
    }
    // Applied from the saved plans, cleaned up, reported; the rollback undid the cleanup only.
    assert_eq!(std::fs::read_dir(setup.root().join("plans")).unwrap().count(), 4);
    assert!(std::fs::read_to_string(setup.root().join("fleet.html"))
        .unwrap()
        .contains("<h1>Fleet migration report</h1>"));
    for project in &setup.eu_projects {
        assert_eq!(setup.providers(&setup.eu, project).len(), 3, "{project}");
    }
    assert_eq!(setup.providers(&setup.us, &setup.us_project).len(), 3);
    let verify = setup.fleet(&["verify", "--json"]);
    expect(&verify, 0);
}

#[test]
fn a_tenant_s_projects_stay_within_the_tenant_s_rate_limit_together() {
    // The simulated eu tenant refuses (429) whatever exceeds 40 requests a second for its
    // key, both projects together; the fleet file's budget for eu is a little below it.
    let setup = Setup::with_limits(false, None, Some((40, 1.0)), "36/1");
    let apply = setup.fleet(&["apply", "--yes", "--json", "--jobs", "4"]);
    expect(&apply, 0);
    let apply = check("fleet-apply", &apply);
    assert!(statuses(&apply).values().all(|s| s == "done"), "{apply:#}");
    let eu = apply["tenants"].as_array().unwrap().iter().find(|t| t["name"] == "eu").unwrap();
    let sent = eu["requests"].as_u64().unwrap();
    assert!(sent > 40, "enough requests to need more than one window: {eu:#}");
    // More than one window's worth, yet never refused: one budget for the tenant's projects.
    let stats = setup.eu.stats();
    for project in &setup.eu_projects {
        assert_eq!(stats["projects"][project]["faults"]["rateLimited429"], 0, "{stats:#}");
    }
    assert!(apply["wall_seconds"].as_f64().unwrap() >= eu["bound_seconds"].as_f64().unwrap(), "{apply:#}");
}
