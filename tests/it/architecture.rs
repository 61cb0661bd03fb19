//! The crate graph is the architecture: each crate may depend only on the crates below it
//! (ARCHITECTURE.md, "Dependency arrows"). Cargo enforces that a crate cannot use what it
//! does not declare; this test keeps the declarations to the allowed arrows.

use std::collections::BTreeMap;
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Our crates a package's `[dependencies]` name (dev-dependencies are tests' business).
fn our_dependencies(manifest: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let name = doc["package"]["name"].as_str().unwrap().to_string();
    let mut deps: Vec<String> = doc
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|t| t.keys().filter(|k| k.starts_with("handover-migrate")).cloned().collect())
        .unwrap_or_default();
    deps.sort();
    (name, deps)
}

#[test]
fn every_crate_depends_only_on_the_crates_below_it() {
    let provider = |name: &str| {
        name.starts_with("handover-migrate-")
            && repo().join("crates/providers").join(&name["handover-migrate-".len()..]).is_dir()
    };
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("handover-migrate-core", &[][..]),
        ("handover-migrate-io", &[][..]),
        ("handover-migrate-plugins", &["handover-migrate-core", "handover-migrate-io"][..]),
        ("handover-migrate-engine", &["handover-migrate-core", "handover-migrate-io", "handover-migrate-plugins"][..]),
        ("handover-migrate-tenant", &["handover-migrate-core", "handover-migrate-engine", "handover-migrate-io"][..]),
        (
            "handover-migrate-commands",
            &[
                "handover-migrate-core",
                "handover-migrate-engine",
                "handover-migrate-io",
                "handover-migrate-plugins",
                "handover-migrate-tenant",
            ][..],
        ),
    ]);
    let mut checked = 0;
    let mut manifests: Vec<_> = std::fs::read_dir(repo().join("crates")).unwrap().map(|e| e.unwrap().path()).collect();
    manifests.extend(std::fs::read_dir(repo().join("crates/providers")).unwrap().map(|e| e.unwrap().path()));
    for dir in manifests {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let (name, deps) = our_dependencies(&manifest);
        for dep in &deps {
            let ok = match allowed.get(name.as_str()) {
                Some(allowed) => allowed.contains(&dep.as_str()),
                // The CLI: the commands crate, core types, the built-in providers it links, and the
                // plugin runner its hidden mode starts.
                None if name == "handover-migrate" => {
                    ["handover-migrate-commands", "handover-migrate-core", "handover-migrate-plugin-runner"]
                        .contains(&dep.as_str())
                        || provider(dep)
                }
                // A vendor: core, and for a vendor switch the target vendor's crate.
                None if provider(&name) => dep == "handover-migrate-core" || provider(dep),
                // Anything else under crates/ (the plugin runner) may use core, io and plugins.
                None => {
                    ["handover-migrate-core", "handover-migrate-io", "handover-migrate-plugins"].contains(&dep.as_str())
                }
            };
            assert!(ok, "{name} may not depend on {dep} (see ARCHITECTURE.md, Dependency arrows)");
        }
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} crates found under crates/");
}
