//! Property-based malformed clones: random damage to the example project must end in an
//! orderly answer (exit 0–4), never a panic, and a refused run must leave every byte as it was.

use proptest::prelude::*;

use crate::common::*;

#[derive(Clone, Debug)]
enum Damage {
    /// Cut a file at a fraction of its length.
    Truncate { file: usize, at: f64 },
    /// Overwrite one byte.
    Flip { file: usize, at: f64, byte: u8 },
    /// Replace the first `"key": "string"` value of a file with a value of another type.
    Retype { file: usize, with: &'static str },
    /// Delete a file.
    Remove { file: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 0.0..1.0f64).prop_map(|(file, at)| Damage::Truncate { file, at }),
        (any::<usize>(), 0.0..1.0f64, any::<u8>()).prop_map(|(file, at, byte)| Damage::Flip { file, at, byte }),
        (any::<usize>(), prop_oneof![Just("42"), Just("null"), Just("[]"), Just("{}"), Just("true")])
            .prop_map(|(file, with)| Damage::Retype { file, with }),
        any::<usize>().prop_map(|file| Damage::Remove { file }),
    ]
}

fn json_files(project: &Scratch) -> Vec<String> {
    project.snapshot().into_keys().filter(|p| p.ends_with(".json")).collect()
}

fn apply_damage(project: &Scratch, damage: &Damage) {
    let files = json_files(project);
    let pick = |i: &usize| files[i % files.len()].clone();
    match damage {
        Damage::Truncate { file, at } => {
            let rel = pick(file);
            let bytes = std::fs::read(project.file(&rel)).unwrap();
            std::fs::write(project.file(&rel), &bytes[..((bytes.len() as f64) * at) as usize]).unwrap();
        }
        Damage::Flip { file, at, byte } => {
            let rel = pick(file);
            let mut bytes = std::fs::read(project.file(&rel)).unwrap();
            if !bytes.is_empty() {
                let i = (((bytes.len() - 1) as f64) * at) as usize;
                bytes[i] = *byte;
            }
            std::fs::write(project.file(&rel), bytes).unwrap();
        }
        Damage::Retype { file, with } => {
            let rel = pick(file);
            let text = project.read(&rel);
            if let Some(start) = text.find(": \"") {
                let value_end = text[start + 3..].find('"').map(|e| start + 3 + e + 1).unwrap_or(text.len());
                project.write(&rel, &format!("{}: {with}{}", &text[..start], &text[value_end..]));
            }
        }
        Damage::Remove { file } => std::fs::remove_file(project.file(&pick(file))).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, max_shrink_iters: 32, .. ProptestConfig::default() })]

    #[test]
    fn damaged_projects_are_answered_in_order(damage in damage()) {
        let project = Scratch::example();
        apply_damage(&project, &damage);
        let before = project.snapshot();
        for args in [&["plan"][..], &["apply", "--yes"][..]] {
            let output = project.cmd(args).output().unwrap();
            let code = output.status.code();
            prop_assert!(matches!(code, Some(0..=4)), "{damage:?} {args:?}: exit {code:?}\n{}", stderr(&output));
            prop_assert!(!stderr(&output).contains("panicked"), "{damage:?}: {}", stderr(&output));
            if code != Some(0) {
                let said = format!("{}{}", stdout(&output), stderr(&output));
                prop_assert!(!said.trim().is_empty(), "{damage:?}: a refusal without a message");
                prop_assert_eq!(&project.snapshot(), &before, "{:?} {:?}: a refused run wrote", damage, args);
            }
        }
        for secret in EXAMPLE_SECRETS {
            let output = project.cmd(&["plan", "-vvv"]).output().unwrap();
            prop_assert!(!stderr(&output).contains(secret) && !stdout(&output).contains(secret));
        }
    }
}
