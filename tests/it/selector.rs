//! What `apply` writes into a node's provider selector follows what the tenant's selector
//! options hold (a provider's `referenceId` or its `_id`), learned from the node
//! descriptors: in API mode and when linking a clone, against a simulator listing its
//! options in each form, and with a warning when the options are not listed.

use std::collections::BTreeSet;

use cognigy_sim::{Options, Sim, SimHandle, ValueForm};
use serde_json::Value;

use crate::common::*;

const SELECTOR: &str = "handoverProvider";

fn start(form: Option<ValueForm>) -> SimHandle {
    let mut options = Options::new(KEY, PROJECT).selector_key(SELECTOR);
    if let Some(form) = form {
        options = options.selector_options(form);
    }
    Sim::load(example_dir(), options).expect("seed").spawn().expect("spawn")
}

/// The tenant's providers: (`_id`s, `referenceId`s).
fn provider_ids(sim: &SimHandle) -> (BTreeSet<String>, BTreeSet<String>) {
    sim.sim().with_project(|p| {
        let field = |key: &str| {
            p.providers.iter().map(|pr| pr.item[key].as_str().unwrap_or_default().to_string()).collect::<BTreeSet<_>>()
        };
        (field("_id"), field("referenceId"))
    })
}

/// Every non-empty selector value of the handover nodes on the simulator, in every locale.
fn tenant_selectors(sim: &SimHandle) -> Vec<String> {
    sim.sim().with_project(|p| {
        p.flows
            .iter()
            .flat_map(|f| &f.nodes)
            .filter(|n| matches!(n.node_type.as_str(), "handoverToAgent" | "checkAgentAvailability"))
            .flat_map(|n| &n.configs)
            .filter_map(|(_, config)| config.get(SELECTOR).and_then(Value::as_str).map(str::to_string))
            .filter(|v| !v.is_empty())
            .collect()
    })
}

#[test]
fn api_apply_writes_what_the_selector_options_hold() {
    for form in [ValueForm::Id, ValueForm::ReferenceId] {
        let sim = start(Some(form));
        let state = tempfile::tempdir().unwrap();
        // No provider exists yet, so the options read at load list only Legacy: apply reads
        // them again once it has created its providers.
        let apply = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
        assert!(apply.status.success(), "{form:?}: {}", stderr(&apply));
        assert!(!stderr(&apply).contains("writing the referenceId"), "{form:?}: {}", stderr(&apply));
        let (ids, references) = provider_ids(&sim);
        assert_eq!(ids.len(), 3, "{form:?}");
        let selectors = tenant_selectors(&sim);
        assert!(selectors.len() >= 3, "{form:?}: {selectors:?}");
        let wanted = if form == ValueForm::Id { &ids } else { &references };
        assert!(selectors.iter().all(|s| wanted.contains(s)), "{form:?}: {selectors:?} not all in {wanted:?}");
        // The nodes count as switched to those providers: verify passes, a new plan is empty,
        // and doctor finds the tenant ready.
        let verify = api_cmd(&sim, state.path(), &["verify"]).output().unwrap();
        assert!(verify.status.success(), "{form:?}: {}{}", stdout(&verify), stderr(&verify));
        let plan = api_cmd(&sim, state.path(), &["plan", "--json"]).output().unwrap();
        let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
        assert_eq!(plan["node_edits"].as_array().map(Vec::len), Some(0), "{form:?}: {plan:#}");
        let doctor = api_cmd(&sim, state.path(), &["doctor", "--json"]).output().unwrap();
        let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
        assert_eq!(report["selector"]["value_form"], form_as_str(form), "{report:#}");
        assert_eq!(doctor.status.code(), Some(0), "{form:?}: {report:#}");
        // And rollback restores Legacy everywhere.
        api_cmd(&sim, state.path(), &["rollback", "--yes"]).assert().success();
        assert_eq!(tenant_selectors(&sim), Vec::<String>::new(), "{form:?}");
    }
}

fn form_as_str(form: ValueForm) -> &'static str {
    match form {
        ValueForm::Id => "_id",
        ValueForm::ReferenceId => "referenceId",
    }
}

#[test]
fn api_apply_warns_when_the_options_are_not_listed() {
    // The default simulator names a list the UI fills instead of listing the options.
    let sim = start(None);
    let state = tempfile::tempdir().unwrap();
    let apply = api_cmd(&sim, state.path(), &["apply", "--yes"]).output().unwrap();
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert!(stderr(&apply).contains("writing the referenceId"), "{}", stderr(&apply));
    let (_, references) = provider_ids(&sim);
    assert!(tenant_selectors(&sim).iter().all(|s| references.contains(s)));
}

#[test]
fn linking_a_clone_to_a_tenant_whose_options_hold_ids_writes_ids() {
    for offline_first in [false, true] {
        let sim = start(Some(ValueForm::Id));
        let project = Scratch::example();
        let original = project.snapshot();
        if offline_first {
            project.cmd(&["apply", "--yes"]).assert().success();
        }
        let linked = |args: &[&str]| {
            let mut cmd = api_cmd(&sim, &project.path().join(".handover-migrate"), args);
            cmd.arg("--project").arg(project.path());
            cmd
        };
        let apply = linked(&["apply", "--yes"]).output().unwrap();
        assert!(apply.status.success(), "{}", stderr(&apply));
        let (ids, _) = provider_ids(&sim);
        assert_eq!(ids.len(), 3);
        let main: Value = serde_json::from_str(&project.read("flows/Main/en-US/chart.json")).unwrap();
        let selectors: Vec<&Value> =
            main["nodes"].as_array().unwrap().iter().filter_map(|n| n["config"].get(SELECTOR)).collect();
        assert!(!selectors.is_empty());
        assert!(
            selectors.iter().all(|s| s.as_str().is_some_and(|s| ids.contains(s))),
            "offline first: {offline_first}: {selectors:?} not all in {ids:?}"
        );
        // The provider files carry the `_id` nodes hold, so the clone verifies offline too.
        for name in sim.sim().with_project(|p| p.providers.iter().map(|p| p.name().to_string()).collect::<Vec<_>>()) {
            let file: Value =
                serde_json::from_str(&project.read(&format!("handoverProviders/{name}/config.json"))).unwrap();
            assert!(file["_id"].as_str().is_some_and(|id| ids.contains(id)), "{name}: {file:#}");
        }
        let verify = project.cmd(&["verify"]).output().unwrap();
        assert!(verify.status.success(), "{}{}", stdout(&verify), stderr(&verify));
        linked(&["verify"]).assert().success();
        for _ in 0..3 {
            linked(&["rollback", "--yes"]).assert().success();
        }
        assert_eq!(project.snapshot(), original, "offline first: {offline_first}");
        assert_eq!(sim.sim().with_project(|p| p.providers.len()), 0);
    }
}
