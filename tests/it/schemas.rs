//! Every command's `--json` document validates against its documented schema
//! (`docs/schema/<command>.json`, JSON Schema 2020-12) and names it at the top level.

use std::path::PathBuf;

use serde_json::Value;

use crate::common::*;

const BASE: &str = "https://example.invalid/handover-migrate/schema/";

fn schema_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema")
}

fn load(name: &str) -> Value {
    let path = schema_dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator(name: &str) -> jsonschema::Validator {
    let common = jsonschema::Resource::from_contents(load("common")).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_resource(format!("{BASE}common.json"), common)
        .build(&load(name))
        .unwrap_or_else(|e| panic!("schema {name}: {e}"))
}

/// Validate a command's stdout against `schema`, and its `"schema"` key.
#[track_caller]
pub(crate) fn check(schema: &str, output: &std::process::Output) -> Value {
    let document: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{schema}: stdout is not JSON ({e}):\n{}\n{}", stdout(output), stderr(output)));
    // The id the schema file declares (`handover-migrate/<command>@<version>`).
    let id = load(schema)["properties"]["schema"]["const"].clone();
    assert!(id.as_str().is_some_and(|id| id.starts_with(&format!("handover-migrate/{schema}@"))), "{schema}: {id}");
    assert_eq!(document["schema"], id, "{document:#}");
    let validator = validator(schema);
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{schema}: {} error(s):\n{}\n{document:#}", errors.len(), errors.join("\n"));
    document
}

#[test]
fn every_schema_is_valid_json_schema_with_its_id() {
    for entry in std::fs::read_dir(schema_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let schema = load(&name);
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema", "{name}");
        assert_eq!(schema["$id"], format!("{BASE}{name}.json"), "{name}");
        if name != "common" {
            validator(&name);
        }
    }
}

#[test]
fn every_command_prints_a_document_its_schema_accepts() {
    let project = Scratch::example();
    let out = |args: &[&str]| project.cmd(args).arg("--json").output().unwrap();

    check("scan", &out(&["scan"]));
    let plan = check("plan", &out(&["plan"]));
    assert_eq!(plan["format"], "handover-migrate-plan/1");
    check("report", &out(&["report"]));
    check("answers-template", &out(&["answers", "template"]));
    check("cleanup", &out(&["cleanup", "--dry-run"]));
    check("apply", &out(&["apply", "--yes"]));
    check("verify", &out(&["verify"]));
    check("report", &out(&["report"]));
    check("apply", &out(&["apply", "--yes"]));
    check("cleanup", &out(&["cleanup", "--yes"]));
    check("rollback", &out(&["rollback", "--yes"]));
    check("rollback", &out(&["rollback", "--yes"]));
    let nothing = check("rollback", &out(&["rollback", "--yes"]));
    assert_eq!(nothing["rolled_back"], Value::Null);
    check("purge", &out(&["purge", "--yes"]));
    check("unlock", &out(&["unlock", "--force"]));

    let out = |args: &[&str]| bin().args(args).arg("--json").output().unwrap();
    let list = check("providers-list", &out(&["providers", "list"]));
    // Seven kinds to their own service, plus the two successor pairs.
    assert_eq!(list["providers"].as_array().unwrap().len(), 9);
    check("providers-show", &out(&["providers", "show", "genesysCloud"]));
    check("completions", &out(&["completions", "zsh"]));
    check("man", &out(&["man"]));
    let dir = tempfile::tempdir().unwrap();
    let man = check("man", &out(&["man", "--out", dir.path().to_str().unwrap()]));
    assert!(man["files"].as_array().unwrap().len() > 5, "{man:#}");
}

#[test]
fn failures_print_an_error_document() {
    let project = without_support_portal_api_key();
    let output = project.cmd(&["apply", "--yes", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let document = check("error", &output);
    assert_eq!(document["command"], "apply");
    assert_eq!(document["error"]["exit_code"], 3);
    assert!(document["error"]["message"].as_str().unwrap().contains("secrets.apiKey"), "{document:#}");

    let output = bin().args(["--project", "/nonexistent/project", "scan", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(check("error", &output)["error"]["kind"], "usage");
}

#[test]
fn plans_with_conflicts_and_missing_answers_still_match_the_schema() {
    let project = support_portal_reaches_billing();
    let output = project.cmd(&["plan", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let plan = check("plan", &output);
    assert!(!plan["conflicts"].as_array().unwrap().is_empty());
    check("report", &project.cmd(&["report", "--json"]).output().unwrap());

    let project = without_support_portal_api_key();
    let plan = check("plan", &project.cmd(&["plan", "--json"]).output().unwrap());
    assert!(!plan["missing_answers"].as_array().unwrap().is_empty());
    check("scan", &project.cmd(&["scan", "--json"]).output().unwrap());
}
