//! Data-driven engine tests: each folder under `tests/data/` is a small project as
//! `cognigy clone` writes it (plus `handover-migrate.toml`, and optionally `answers.toml`
//! and `options.toml` for what the command line would say). The test loads it, analyses it
//! with the built-in providers, and snapshots the scan (which holds the plan) as JSON: a
//! project folder in, a plan/scan snapshot out, without the binary.
//!
//! A new case is a new folder; `cargo insta test -p handover-migrate-engine --test cases`
//! then shows its snapshot for review.

use std::path::Path;

use handover_migrate_engine::analysis::{self, Options};
use handover_migrate_engine::answers::{Answers, ProjectConfig};
use handover_migrate_engine::status::History;
use handover_migrate_engine::{clone, plan, scan};
use handover_migrate_plugins::Registry;

/// What a case's `options.toml` may say: the command-line options of `plan`/`scan`.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseOptions {
    /// `--to SERVICE`.
    to: Option<String>,
    /// `--endpoint NAME`, repeated.
    #[serde(default)]
    endpoints: Vec<String>,
}

/// The registry the binary starts with (no plugins).
fn builtin_registry() -> Registry {
    // Referenced so the linker keeps each crate's `inventory` registration.
    handover_migrate_live_agent::link();
    handover_migrate_chatwoot::link();
    handover_migrate_rce::link();
    handover_migrate_salesforce::link();
    handover_migrate_genesys_cloud::link();
    handover_migrate_genesys_cloud_om::link();
    handover_migrate_eight_by_eight::link();
    Registry::builtin()
}

fn run_case(dir: &Path) -> serde_json::Value {
    let project = clone::load(dir).expect("the case loads");
    let selector_key = ProjectConfig::load(dir).expect("handover-migrate.toml").node_selector_key;
    let options: CaseOptions = match std::fs::read_to_string(dir.join("options.toml")) {
        Ok(text) => toml::from_str(&text).expect("options.toml"),
        Err(_) => CaseOptions::default(),
    };
    let answers_file = dir.join("answers.toml");
    let answers = Answers::load(answers_file.is_file().then_some(answers_file.as_path())).expect("answers.toml");
    let options = Options {
        selector_key: selector_key.expect("the case names its node-selector-key"),
        endpoint_filter: options.endpoints.into(),
        target_service: options.to,
        retarget: None,
    };
    let analysis = analysis::analyse(&project, &builtin_registry(), &answers, options).expect("the case analyses");
    let plan = plan::build(&project, &analysis);
    // No state directory: what the project's content alone says, as for a fresh clone.
    let scan = scan::build(&project, &analysis, &History::default());
    let plan = serde_json::to_value(&plan).expect("plan as JSON");
    let scan = serde_json::to_value(&scan).expect("scan as JSON");
    assert_eq!(scan["plan"], plan, "the scan shows the plan plan::build makes");
    // The absolute path differs per checkout: the snapshot names it `[project]`.
    let root = serde_json::to_string(&project.root.display().to_string()).expect("path as JSON");
    let text = serde_json::to_string(&scan).expect("scan as JSON").replace(&root[1..root.len() - 1], "[project]");
    serde_json::from_str(&text).expect("scan JSON")
}

#[test]
fn cases() {
    insta::glob!("data/*/handover-migrate.toml", |config| {
        let dir = config.parent().expect("the case folder");
        insta::assert_json_snapshot!(run_case(dir));
    });
}
