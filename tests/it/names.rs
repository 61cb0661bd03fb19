//! Names a person reads and the tool derives: look-alike and mixed-script names are flagged,
//! provider names never collide after normalisation, and names supplied by plugins are
//! quoted like every other name on the terminal.

use crate::common::*;

fn rename_endpoint(project: &Scratch, folder: &str, name: &str) {
    project.edit_json(&format!("endpoints/{folder}/config.json"), |endpoint| {
        endpoint["name"] = serde_json::Value::String(name.into());
    });
}

fn plan_json(project: &Scratch, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "plan"];
    args.extend(extra);
    let output = project.cmd(&args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn provider_names(plan: &serde_json::Value) -> Vec<String> {
    plan["providers"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
}

/// Two endpoints whose names differ only by a Cyrillic `о` (U+043E) for a Latin `o`: scan
/// and plan flag the pair and the mixed-script name, with the code point that differs.
#[test]
fn look_alike_endpoint_names_are_flagged_in_scan_and_plan() {
    let project = Scratch::example();
    rename_endpoint(&project, "Webchat Staging", "Webchat Pr\u{43e}duction");
    for args in [&["scan"][..], &["plan"]] {
        let output = project.cmd(args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(
            text.contains(
                "! endpoints \"Webchat Production\" and \"Webchat Pr\u{43e}duction\" (U+043E Cyrillic) look alike"
            ),
            "{args:?}:\n{text}"
        );
        assert!(
            text.contains("! endpoint \"Webchat Pr\u{43e}duction\" (U+043E Cyrillic) mixes scripts in the word"),
            "{args:?}:\n{text}"
        );
    }
    // Names that merely share words, or differ in case, are not flagged.
    let plain = Scratch::example();
    let text = stdout(&plain.cmd(&["plan"]).output().unwrap());
    assert!(!text.contains("look alike") && !text.contains("mixes scripts"), "{text}");
}

/// Provider names from the answers file that differ only by a Cyrillic `Е` are flagged.
#[test]
fn look_alike_provider_names_are_flagged_in_plan() {
    let project = Scratch::example();
    project.write(
        "answers.toml",
        "[providers.\"Support Portal\"]\nname = \"Live Agent EU\"\n\n[providers.\"Webchat Production\"]\nname = \
         \"Live Agent \u{415}U\"\n",
    );
    let answers = project.file("answers.toml");
    let output = project.cmd(&["plan", "--answers"]).arg(&answers).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("! providers \"Live Agent EU\" and \"Live Agent \u{415}U\" (U+0415 Cyrillic) look alike"),
        "{text}"
    );
}

/// Provider names the tool creates compare after NFKC and case folding, as a
/// case-insensitive or normalising file system (macOS, Windows) stores their folders:
/// a name derived from a decomposed `Müller` gets " (2)" beside one from a composed
/// `Müller`, and two answers-file names `Ärzte` / `ärzte` are refused.
#[test]
fn provider_names_never_collide_after_normalisation() {
    let project = Scratch::example();
    // Support Portal and the Webchat pair are two providers of the same vendor.
    rename_endpoint(&project, "Support Portal", "Mu\u{308}ller");
    rename_endpoint(&project, "Webchat Production", "M\u{fc}ller");
    rename_endpoint(&project, "Webchat Staging", "M\u{fc}ller Staging");
    let names = provider_names(&plan_json(&project, &[]));
    let live_agent: Vec<&String> = names.iter().filter(|n| n.starts_with("Cognigy Live Agent - ")).collect();
    assert_eq!(live_agent.len(), 2, "{names:?}");
    assert!(live_agent.iter().any(|n| n.ends_with(" (2)")), "the second name must differ after NFKC: {names:?}");

    let project = Scratch::example();
    project.write(
        "answers.toml",
        "[providers.\"Support Portal\"]\nname = \"\u{c4}rzte\"\n\n[providers.\"Webchat Production\"]\nname = \
         \"\u{e4}rzte\"\n",
    );
    let answers = project.file("answers.toml");
    let output = project.cmd(&["plan", "--answers"]).arg(&answers).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}{}", stdout(&output), stderr(&output));
    assert!(stderr(&output).contains("names must be unique"), "{}", stderr(&output));
}

/// `providers show` and `providers list` print a plugin's names quoted: a declarative
/// plugin's display name with a bidi override and a field label with terminal escapes
/// reach the terminal escaped, and the bidi name is flagged.
#[test]
fn providers_show_quotes_names_a_plugin_supplies() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example_dir().join("../plugins/example-desk.toml")).unwrap();
    let text = text
        .replace("display_name = \"Example Desk\"", "display_name = \"Example \u{202E}ksed\u{202C} Desk\"")
        .replace("label = \"Base URL\"", "label = \"Base\\u001b]52;c;ZXZpbA==\\u0007 URL\"");
    let plugin = dir.path().join("evil-desk.toml");
    std::fs::write(&plugin, text).unwrap();
    let plugin = plugin.to_str().unwrap();
    for args in
        [&["providers", "show", "exampleDesk", "--plugin", plugin][..], &["providers", "list", "--plugin", plugin]]
    {
        let output = bin().env("XDG_DATA_HOME", dir.path()).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr(&output));
        let shown = stdout(&output);
        assert!(!shown.contains('\u{202E}') && !shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{shown:?}");
        assert!(shown.contains("Example \\342\\200\\256ksed\\342\\200\\254 Desk"), "{args:?}:\n{shown}");
        if args[1] == "show" {
            assert!(shown.contains("Base\\033]52;c;ZXZpbA==\\a URL"), "{shown}");
            assert!(shown.contains("contains bidirectional control characters"), "{shown}");
        }
    }
}
