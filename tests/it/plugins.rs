//! Third-party provider plugins through the binary: a Rust plugin (tests/example-plugin,
//! built here with cargo), a C plugin (tests/c-plugin, built here with gcc) and a
//! declarative one (examples/plugins/example-desk.toml) each migrate an endpoint; broken,
//! foreign, duplicate and unpinned plugins are refused with nothing written.

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::common::*;

const PATH_ENV: &str = "HANDOVER_MIGRATE_PLUGIN_PATH";
const FLOW_REF: &str = "00000000-0000-4000-8000-00000000d001";

/// The example plugin's variants used here.
struct ExamplePlugin {
    good: PathBuf,
    contract_99: PathBuf,
    panics: PathBuf,
    malformed: PathBuf,
}

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example_plugin() -> &'static ExamplePlugin {
    static BUILT: OnceLock<ExamplePlugin> = OnceLock::new();
    BUILT.get_or_init(|| ExamplePlugin {
        good: example_variant("good", ""),
        contract_99: example_variant("contract_99", "contract-99"),
        panics: example_variant("panics", "panic-in-map"),
        malformed: example_variant("malformed", "malformed-json"),
    })
}

/// The newest modification time of the files a plugin variant is built from.
fn newest_source(roots: &[PathBuf]) -> std::time::SystemTime {
    fn walk(path: &Path, newest: &mut std::time::SystemTime) {
        let Ok(meta) = std::fs::metadata(path) else { return };
        if meta.is_dir() {
            for entry in std::fs::read_dir(path).unwrap().flatten() {
                walk(&entry.path(), newest);
            }
        } else if let Ok(modified) = meta.modified() {
            *newest = (*newest).max(modified);
        }
    }
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    for root in roots {
        walk(root, &mut newest);
    }
    newest
}

/// The example plugin built with `features`, installed as `libexample_desk_<name>.so`.
/// Cargo rebuilds the library whenever the feature set changes (a cdylib's file name does
/// not depend on its features), so a variant is rebuilt only when its sources are newer
/// than the installed copy; and since nextest runs each test in its own process, variants
/// are built and installed under a lock, so that no test loads a half-copied library.
pub(crate) fn example_variant(name: &str, features: &str) -> PathBuf {
    let manifest = repo().join("tests/example-plugin/Cargo.toml");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("example-plugin");
    let out = target.join("variants");
    std::fs::create_dir_all(&out).unwrap();
    let copy = out.join(format!("libexample_desk_{name}{}", std::env::consts::DLL_SUFFIX));
    let lock = std::fs::File::create(target.join("build.lock")).unwrap();
    // SAFETY: flock on a descriptor this function owns; released when `lock` drops.
    assert_eq!(unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) }, 0);
    let sources = [repo().join("tests/example-plugin/src"), manifest.clone(), repo().join("crates/core/src")];
    let installed = std::fs::metadata(&copy).and_then(|m| m.modified()).ok();
    if installed.is_some_and(|installed| installed > newest_source(&sources)) {
        return copy;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Process::new(&cargo);
    command.args(["build", "--quiet", "--manifest-path"]).arg(&manifest).arg("--target-dir").arg(&target);
    if !features.is_empty() {
        command.args(["--features", features]);
    }
    let status = command.env_remove("CARGO_TARGET_DIR").status().expect("run cargo");
    assert!(status.success(), "building the example plugin ({name}) failed");
    let built = target.join("debug").join(format!(
        "{}handover_migrate_example_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let temp = out.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::copy(&built, &temp).unwrap();
    std::fs::rename(&temp, &copy).unwrap();
    copy
}

/// The C plugin built by gcc with `defines` (`-D…`), installed as `lib<name>.so`.
pub(crate) fn c_variant(name: &str, defines: &[&str]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-plugin");
    std::fs::create_dir_all(&out).unwrap();
    let library = out.join(format!("lib{name}{}", std::env::consts::DLL_SUFFIX));
    // Each test process builds it: install by rename, so none loads a half-written one.
    let temp = out.join(format!(".{name}.{}.tmp", std::process::id()));
    let status = Process::new("gcc")
        .args(["-shared", "-fPIC", "-Wall", "-Werror", "-I"])
        .arg(repo().join("docs"))
        .args(defines)
        .arg("-o")
        .arg(&temp)
        .arg(repo().join("tests/c-plugin/c_desk.c"))
        .status()
        .expect("run gcc");
    assert!(status.success(), "gcc failed to build the C plugin ({name})");
    std::fs::rename(&temp, &library).unwrap();
    library
}

pub(crate) fn c_plugin() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| c_variant("c_desk", &[]))
}

fn declarative_plugin() -> PathBuf {
    repo().join("examples/plugins/example-desk.toml")
}

/// An empty per-user data and configuration directory, so the machine's own plugins and
/// settings never leak into a test.
fn isolated(mut command: assert_cmd::Command, data_home: &Path) -> assert_cmd::Command {
    command.env_remove(PATH_ENV).env("XDG_DATA_HOME", data_home).env("XDG_CONFIG_HOME", data_home.join("config"));
    command
}

/// A project with one endpoint of `kind` whose flow has a Handover to Agent and a Check
/// Agent Availability node (both locales), plus an isolated data home.
pub(crate) struct DeskProject {
    pub(crate) project: Scratch,
    pub(crate) data_home: tempfile::TempDir,
}

impl DeskProject {
    pub(crate) fn new(kind: &str, settings: Value) -> Self {
        let project = empty_project();
        add_flow(&project, "Desk Flow", "66000000000000000000d001", FLOW_REF, json!({}));
        add_endpoint(&project, "Desk Web", "66000000000000000000de01", FLOW_REF, kind, settings);
        Self { project, data_home: tempfile::tempdir().unwrap() }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        isolated(self.project.cmd(args), self.data_home.path())
    }

    pub(crate) fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd(args).output().unwrap()
    }

    pub(crate) fn chart(&self, locale: &str) -> Value {
        serde_json::from_str(&self.project.read(&format!("flows/Desk Flow/{locale}/chart.json"))).unwrap()
    }

    /// The one provider file apply wrote.
    pub(crate) fn provider(&self) -> Value {
        let dir = self.project.file("handoverProviders");
        let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        serde_json::from_str(&std::fs::read_to_string(entries[0].join("config.json")).unwrap()).unwrap()
    }

    /// Run `args`, expect a clean refusal: exit 1 or 2 (never a crash), each of `expect` in
    /// stderr, and the project exactly as it was.
    pub(crate) fn assert_refused(&self, args: &[&str], expect: &[&str]) -> String {
        let before = self.project.snapshot();
        let output = self.run(args);
        let err = stderr(&output);
        assert!(matches!(output.status.code(), Some(1 | 2)), "{args:?}: status {:?}\n{err}", output.status);
        for needle in expect {
            assert!(err.contains(needle), "{args:?}: expected {needle:?} in\n{err}");
        }
        assert_eq!(self.project.snapshot(), before, "{args:?} wrote to the project");
        assert!(!self.project.file("handoverProviders").exists());
        err
    }
}

pub(crate) fn desk_settings() -> Value {
    json!({"baseUrl": "https://desk.example.com/api", "tenant": "acme", "apiToken": "DESK-SECRET-1",
           "defaultQueue": "tier-1", "forwardOnlyHandoverConversations": true})
}

pub(crate) fn property(provider: &Value, key: &str) -> Value {
    provider["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == key)
        .map(|p| p["value"].clone())
        .unwrap_or(Value::Null)
}

/// Apply with `plugin`, then check the provider file and both nodes in both locales.
fn migrates_end_to_end(project: &DeskProject, plugin: &Path, service: &str, queue_field: &str) {
    let plugin = plugin.to_str().unwrap();
    let apply = project.run(&["apply", "--yes", "--plugin", plugin]);
    assert!(apply.status.success(), "{}\n{}", stdout(&apply), stderr(&apply));
    let provider = project.provider();
    assert_eq!(provider["service"], service, "{provider:#}");
    assert_eq!(property(&provider, "baseUrl"), "https://desk.example.com/api");
    let reference = provider["referenceId"].as_str().unwrap().to_string();
    for locale in ["en-US", "de-DE"] {
        let chart = project.chart(locale);
        for node in [&chart["nodes"][1], &chart["nodes"][2]] {
            assert_eq!(node["config"]["handoverProvider"], reference.as_str(), "{locale}: {node:#}");
            assert_eq!(node["config"][queue_field], "tier-1", "endpoint default fills the node: {node:#}");
        }
    }
    let verify = project.run(&["verify", "--plugin", plugin]);
    assert!(verify.status.success(), "{}\n{}", stdout(&verify), stderr(&verify));
    for text in [stdout(&apply), stderr(&apply)] {
        assert!(!text.contains("DESK-SECRET"), "secret leaked: {text}");
    }
}

#[test]
fn rust_plugin_migrates_its_kind_end_to_end() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let original = project.project.snapshot();
    migrates_end_to_end(&project, &example_plugin().good, "exampleDesk", "exampleDeskQueue");
    let provider = project.provider();
    assert_eq!(property(&provider, "tenant"), "acme");
    assert_eq!(property(&provider, "apiToken"), "DESK-SECRET-1");

    // Without the plugin the kind is unknown again, and rollback still works.
    let plan = project.run(&["plan", "--json"]);
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert!(plan["notices"].to_string().contains("exampleDesk"), "{plan:#}");
    project.cmd(&["rollback", "--yes"]).assert().success();
    assert_eq!(project.project.snapshot(), original);
}

#[test]
fn c_plugin_migrates_its_kind_end_to_end() {
    let settings =
        json!({"baseUrl": "https://desk.example.com/api", "apiKey": "DESK-SECRET-2", "defaultQueue": "tier-1"});
    let project = DeskProject::new("cDesk", settings);
    migrates_end_to_end(&project, c_plugin(), "cDesk", "cDeskQueue");
    assert_eq!(property(&project.provider(), "apiKey"), "DESK-SECRET-2");
}

#[test]
fn declarative_plugin_migrates_its_kind_end_to_end() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    migrates_end_to_end(&project, &declarative_plugin(), "exampleDesk", "exampleDeskQueue");
    assert_eq!(property(&project.provider(), "tenant"), "acme");
}

#[test]
fn plugin_settings_issues_are_answers_not_failures() {
    // A plugin's validation reaches the plan like a built-in's.
    let project = DeskProject::new("exampleDesk", json!({"baseUrl": "not a url", "tenant": "acme"}));
    let plugin = example_plugin().good.to_str().unwrap();
    let output = project.run(&["plan", "--plugin", plugin]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).contains("baseUrl"), "{}", stdout(&output));
}

#[test]
fn providers_list_shows_source_version_and_sha256_of_every_plugin() {
    let project = DeskProject::new("cDesk", json!({}));
    let rust = example_plugin().good.to_str().unwrap();
    let c = c_plugin().to_str().unwrap();
    let output = project.run(&["providers", "list", "--plugin", rust, "--plugin", c]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let sha = |path: &str| hex_sha256(&std::fs::read(path).unwrap());
    assert!(text.contains(&format!("rust plugin {rust} (sha256 {})", sha(rust))), "{text}");
    assert!(text.contains(&format!("c plugin {c} (sha256 {})", sha(c))), "{text}");
    assert!(text.contains("exampleDesk") && text.contains("1.2.0") && text.contains("0.3.0"), "{text}");
    assert!(text.contains("liveAgent") && text.contains("built-in"), "{text}");

    let output = project.run(&["providers", "list", "--json", "--plugin", rust]);
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    let desk = list["providers"].as_array().unwrap().iter().find(|p| p["source_kind"] == "exampleDesk").unwrap();
    assert_eq!(desk["source"], json!({"type": "file", "path": rust, "sha256": sha(rust), "format": "rust"}));
    assert_eq!(desk["version"], "1.2.0");
    let live = list["providers"].as_array().unwrap().iter().find(|p| p["source_kind"] == "liveAgent").unwrap();
    assert_eq!(live["source"], json!({"type": "built_in"}));
    assert_eq!(live["sha256"], Value::Null);

    let output = project.run(&["providers", "show", "exampleDesk", "--plugin", rust]);
    assert!(stdout(&output).contains("tenant") && stdout(&output).contains(&sha(rust)), "{}", stdout(&output));
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn plugins_are_found_through_the_environment_and_the_per_user_directory() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let env_dir = tempfile::tempdir().unwrap();
    std::fs::copy(c_plugin(), env_dir.path().join("libc_desk.so")).unwrap();
    std::fs::write(env_dir.path().join("README.txt"), "not a plugin").unwrap();
    let user_dir = project.data_home.path().join("handover-migrate/plugins");
    std::fs::create_dir_all(&user_dir).unwrap();
    std::fs::copy(declarative_plugin(), user_dir.join("example-desk.toml")).unwrap();

    let output = project.cmd(&["providers", "list"]).env(PATH_ENV, env_dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    // The per-user file is not pinned: listed with the command that pins it, not loaded.
    assert!(text.contains("cDesk") && !text.contains("exampleDesk"), "{text}");
    let toml = user_dir.join("example-desk.toml");
    assert!(text.contains(&format!("sha256sum {}", toml.display())), "{text}");
    assert!(stderr(&output).contains("is not pinned, so it was not loaded"), "{}", stderr(&output));
    let sha = hex_sha256(&std::fs::read(&toml).unwrap());
    std::fs::write(user_dir.join("handover-migrate-plugins.lock"), format!("{sha}  {}\n", toml.display())).unwrap();

    // Pinned, the per-user plugin migrates without any flag.
    let apply = project.run(&["apply", "--yes"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(project.provider()["service"], "exampleDesk");
}

#[test]
fn files_that_are_not_plugins_are_refused() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let fake = project.data_home.path().join("fake.so");
    std::fs::write(&fake, "this is a text file, not a library\n").unwrap();
    let fake = fake.to_str().unwrap();
    project.assert_refused(&["apply", "--yes", "--plugin", fake], &["fake.so is not a handover-migrate plugin"]);
    project.assert_refused(&["--plugin", fake, "providers", "list"], &["not a handover-migrate plugin"]);
    let zlib = Path::new("/usr/lib/x86_64-linux-gnu/libz.so.1");
    if zlib.exists() {
        project.assert_refused(
            &["apply", "--yes", "--plugin", zlib.to_str().unwrap()],
            &["libz.so.1", "is not a handover-migrate plugin", "exports neither `hm_contract_version`"],
        );
    }
    project.assert_refused(&["apply", "--yes", "--plugin", "/no/such/plugin.so"], &["/no/such/plugin.so"]);
}

#[test]
fn an_incompatible_contract_version_is_refused_before_any_hook() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let plugin = example_plugin().contract_99.to_str().unwrap();
    let err = project.assert_refused(
        &["apply", "--yes", "--plugin", plugin],
        &[
            plugin,
            "contract 99.0",
            &format!("contract {}", handover_migrate_core::CONTRACT_VERSION),
            "rebuild the plugin against handover-migrate-core",
        ],
    );
    assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
    project.assert_refused(&["providers", "list", "--plugin", plugin], &["contract 99.0"]);
}

#[test]
fn a_panicking_plugin_is_caught_and_nothing_is_written() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let plugin = example_plugin().panics.to_str().unwrap();
    project.assert_refused(
        &["apply", "--yes", "--plugin", plugin],
        &[
            "provider `example-desk` (rust plugin",
            plugin,
            "panicked in map_settings",
            "deliberate panic",
            "nothing was written",
        ],
    );
}

#[test]
fn a_plugin_returning_malformed_data_is_refused() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let plugin = example_plugin().malformed.to_str().unwrap();
    project.assert_refused(
        &["apply", "--yes", "--plugin", plugin],
        &[plugin, "returned malformed data from map_settings", "nothing was written"],
    );
}

const LIVE_AGENT_CLAIM: &str = r#"
name = "my-live-agent"
version = "9.0.0"
contract_version = "1.0"

[[specs]]
pair = { source_kind = "liveAgent", target_service = "liveAgent" }
display_name = "Live Agent (in-house mapping)"

[[specs.fields]]
legacy_key = "baseUrl"
destination = { to = "property", key = "baseUrl" }
class = "plain"
required = true
format = { type = "url" }
label = "Base URL"

[[specs.fields]]
legacy_key = "accountId"
destination = { to = "property", key = "accountId" }
class = "plain"
label = "Account"

[[specs.fields]]
legacy_key = "apiKey"
destination = { to = "property", key = "apiKey" }
class = "secret"
label = "API key"

[[specs.fields]]
legacy_key = "inHouseRouting"
destination = { to = "property", key = "inHouseRouting" }
class = "plain"
label = "In-house routing"
"#;

#[test]
fn a_duplicate_kind_is_refused_unless_the_plugin_is_preferred() {
    let settings = json!({"baseUrl": "https://la.example.com/api/v1", "accountId": "2", "apiKey": "LA-SECRET",
                          "inHouseRouting": "gold"});
    let project = DeskProject::new("liveAgent", settings);
    let plugin = project.data_home.path().join("my-live-agent.toml");
    std::fs::write(&plugin, LIVE_AGENT_CLAIM).unwrap();
    let plugin = std::fs::canonicalize(plugin).unwrap();
    let plugin = plugin.to_str().unwrap();
    project.assert_refused(
        &["apply", "--yes", "--plugin", plugin],
        &["legacy kind `liveAgent` is supplied twice", "built-in", plugin, "--prefer-plugin liveAgent"],
    );
    project.assert_refused(&["providers", "list", "--plugin", plugin], &["supplied twice"]);
    project.assert_refused(&["apply", "--yes", "--prefer-plugin", "liveAgent"], &["no loaded plugin"]);

    let list = project.run(&["providers", "list", "--plugin", plugin, "--prefer-plugin", "liveAgent"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    let line = text.lines().find(|l| l.starts_with("liveAgent")).unwrap();
    assert!(line.contains(plugin) && line.contains("preferred over built-in"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("liveAgent")).count(), 1, "{text}");

    let apply = project.run(&["apply", "--yes", "--plugin", plugin, "--prefer-plugin", "liveAgent"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    // The built-in would reject `inHouseRouting`; the preferred plugin carries it.
    assert_eq!(property(&project.provider(), "inHouseRouting"), "gold");
}

#[test]
fn a_plugin_lock_file_pins_plugins_by_sha256() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let plugin = example_plugin().good.to_str().unwrap();
    let sha = hex_sha256(&std::fs::read(plugin).unwrap());
    let lock = "handover-migrate-plugins.lock";

    let wrong = "0".repeat(64);
    project.project.write(lock, &format!("# pinned\n{wrong}  {plugin}\n"));
    project.assert_refused(&["apply", "--yes", "--plugin", plugin], &[plugin, &sha, &wrong, lock]);

    // A file the lock does not list is refused too, with the line to add.
    project.project.write(lock, &format!("{sha}  {plugin}\n"));
    let c = c_plugin().to_str().unwrap();
    let c_sha = hex_sha256(&std::fs::read(c).unwrap());
    project.assert_refused(
        &["apply", "--yes", "--plugin", plugin, "--plugin", c],
        &["is not listed in the plugin lock file", &format!("{c_sha}  {c}")],
    );

    let apply = project.run(&["apply", "--yes", "--plugin", plugin]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(project.provider()["service"], "exampleDesk");
}

#[test]
fn the_per_user_lock_file_applies_when_the_project_has_none() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let user_dir = project.data_home.path().join("handover-migrate/plugins");
    std::fs::create_dir_all(&user_dir).unwrap();
    std::fs::copy(declarative_plugin(), user_dir.join("example-desk.toml")).unwrap();
    std::fs::write(user_dir.join("handover-migrate-plugins.lock"), format!("{}  example-desk.toml\n", "1".repeat(64)))
        .unwrap();
    project.assert_refused(&["apply", "--yes"], &["example-desk.toml has SHA-256", &"1".repeat(64)]);
}

#[test]
fn a_broken_plugin_never_blocks_rollback() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let original = project.project.snapshot();
    let toml = declarative_plugin();
    project.cmd(&["apply", "--yes", "--plugin", toml.to_str().unwrap()]).assert().success();
    let user_dir = project.data_home.path().join("handover-migrate/plugins");
    std::fs::create_dir_all(&user_dir).unwrap();
    std::fs::write(user_dir.join("broken.so"), "garbage").unwrap();
    let sha = hex_sha256(b"garbage");
    std::fs::write(user_dir.join("handover-migrate-plugins.lock"), format!("{sha}  broken.so\n")).unwrap();
    let verify = project.run(&["verify"]);
    assert_eq!(verify.status.code(), Some(1), "{}", stderr(&verify));
    assert!(stderr(&verify).contains("broken.so is not a handover-migrate plugin"), "{}", stderr(&verify));
    // rollback, purge and unlock call no provider and load no plugin.
    let rollback = project.run(&["rollback", "--yes"]);
    assert!(rollback.status.success(), "{}", stderr(&rollback));
    assert_eq!(project.project.snapshot(), original);
}

/// The per-user directory holds files that load only when the user's pin file pins them;
/// a pin file inside the project can narrow that, never add to it.
#[test]
fn per_user_plugins_load_only_when_pinned_and_a_project_pin_file_cannot_add_one() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let user_dir = project.data_home.path().join("handover-migrate/plugins");
    std::fs::create_dir_all(&user_dir).unwrap();
    let toml = user_dir.join("example-desk.toml");
    std::fs::copy(declarative_plugin(), &toml).unwrap();
    let sha = hex_sha256(&std::fs::read(&toml).unwrap());
    // A project pin file naming the file (correctly) does not make it load.
    project.project.write("handover-migrate-plugins.lock", &format!("{sha}  {}\n", toml.display()));
    let list = project.run(&["providers", "list", "--json"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(!list.to_string().contains("\"exampleDesk\""), "{list:#}");
    let unpinned = &list["unpinned"][0];
    assert_eq!(unpinned["path"], toml.display().to_string());
    // Without the plugin the endpoint's kind is unknown: nothing is migrated.
    let apply = project.run(&["apply", "--yes"]);
    assert!(stderr(&apply).contains("is not pinned, so it was not loaded"), "{}", stderr(&apply));
    assert!(!project.project.file("handoverProviders").exists());

    // The printed command pins it; then it loads.
    let pin = std::process::Command::new("sh").arg("-c").arg(unpinned["pin_command"].as_str().unwrap()).status();
    assert!(pin.unwrap().success());
    let list = project.run(&["providers", "list"]);
    assert!(stdout(&list).contains("exampleDesk") && !stdout(&list).contains("Not loaded"), "{}", stdout(&list));

    // The project's pin file narrows: another hash there refuses the file the user pinned.
    project.project.write("handover-migrate-plugins.lock", &format!("{}  {}\n", "0".repeat(64), toml.display()));
    project.assert_refused(&["apply", "--yes"], &["example-desk.toml has SHA-256", &"0".repeat(64)]);
    // And so does leaving it out.
    project.project.write("handover-migrate-plugins.lock", "# nothing\n");
    project.assert_refused(&["apply", "--yes"], &["is not listed in the plugin lock file"]);
    std::fs::remove_file(project.project.file("handover-migrate-plugins.lock")).unwrap();
    let apply = project.run(&["apply", "--yes"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(project.provider()["service"], "exampleDesk");
}

/// ssh's StrictModes: a plugin file or directory others can write, or a file another user
/// owns, is refused by name with the fix, before anything of it runs.
#[test]
fn plugin_files_others_could_write_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let project = DeskProject::new("cDesk", json!({}));
    let dir = tempfile::tempdir().unwrap();
    let plugin_dir = dir.path().join("plugins");
    std::fs::create_dir(&plugin_dir).unwrap();
    let library = plugin_dir.join("libc_desk.so");
    std::fs::copy(c_plugin(), &library).unwrap();
    let toml = plugin_dir.join("example-desk.toml");
    std::fs::copy(declarative_plugin(), &toml).unwrap();
    let mode = |path: &Path, mode: u32| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    mode(&plugin_dir, 0o755);
    for file in [&library, &toml] {
        let name = file.to_str().unwrap();
        mode(file, 0o666);
        project.assert_refused(
            &["providers", "list", "--plugin", name],
            &[name, "writable by every user (mode 0666)", &format!("chmod go-w {name}")],
        );
        mode(file, 0o664);
        project.assert_refused(&["providers", "list", "--plugin", name], &["writable by its group"]);
        mode(file, 0o644);
        let ok = project.run(&["providers", "list", "--plugin", name]);
        assert!(ok.status.success(), "{}", stderr(&ok));
    }
    // A directory above it that others can write.
    mode(&plugin_dir, 0o777);
    let dir_name = plugin_dir.to_str().unwrap();
    project.assert_refused(
        &["providers", "list", "--plugin", library.to_str().unwrap()],
        &[&format!("the directory {dir_name} holding the plugin"), &format!("chmod go-w {dir_name}")],
    );
    // The same through the environment variable.
    let output = project.cmd(&["providers", "list"]).env(PATH_ENV, &plugin_dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    mode(&plugin_dir, 0o755);
    // A file another user owns (only root can make one to test with).
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&library, Some(65534), None).unwrap();
        project.assert_refused(
            &["providers", "list", "--plugin", library.to_str().unwrap()],
            &["belongs to user id 65534, not to you"],
        );
    }
}

/// A declarative plugin's display name becomes part of provider folder names: it gets the
/// provider-name checks, and `../../escaped` writes nothing, inside the project or out.
#[test]
fn a_declarative_plugin_name_cannot_escape_the_project() {
    let project = DeskProject::new("exampleDesk", desk_settings());
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(declarative_plugin()).unwrap();
    assert!(text.contains("display_name = \"Example Desk\""));
    for bad in ["../../escaped", "a/b", ".hidden", "tab\\there"] {
        let toml = dir.path().join("escaping.toml");
        std::fs::write(&toml, text.replace("display_name = \"Example Desk\"", &format!("display_name = \"{bad}\"")))
            .unwrap();
        let shown = format!("{:?}", bad.replace("\\t", "\t"));
        project.assert_refused(
            &["apply", "--yes", "--plugin", toml.to_str().unwrap()],
            &["escaping.toml", &format!("the display name {shown}"), "it was not loaded"],
        );
    }
    let outside: Vec<_> = std::fs::read_dir(project.project.path().parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("escaped"))
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
}
