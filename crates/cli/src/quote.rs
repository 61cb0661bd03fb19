//! Names from the project or the tenant (node labels, endpoint, flow and provider names) on
//! the terminal: quoted the way git quotes paths (`core.quotePath`), so that no name can
//! move the cursor, rewrite the screen or set the clipboard. Every renderer prints names
//! through [`name`] (or [`inner`] inside quotes it writes itself).

use std::borrow::Cow;

/// Bidirectional controls (embeddings, overrides, isolates): they make text display in
/// another order than it is stored.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn needs_quoting(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// Whether `text` holds bidirectional control characters (flagged in scan and plan).
pub fn has_bidi(text: &str) -> bool {
    text.chars().any(is_bidi)
}

/// `text` escaped git-style when it holds a control or bidi character (`\t`, `\n`, `\033`,
/// bidi controls as their UTF-8 bytes in octal, `\\` and `\"`), else unchanged. For places
/// that already print the name inside quotes.
pub fn inner(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_quoting) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if needs_quoting(c) => {
                let mut bytes = [0u8; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("\\{byte:03o}"));
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` as git prints a path: unchanged when harmless, else in double quotes with the
/// escapes of [`inner`].
pub fn name(text: &str) -> Cow<'_, str> {
    match inner(text) {
        Cow::Borrowed(text) => Cow::Borrowed(text),
        Cow::Owned(escaped) => Cow::Owned(format!("\"{escaped}\"")),
    }
}

/// One line per name holding bidirectional controls, for scan and plan output.
pub fn bidi_warnings<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = String::new();
    for text in names.into_iter().filter(|n| has_bidi(n)) {
        if seen.insert(text) {
            out.push_str(&format!(
                "  ! {} contains bidirectional control characters: it may display differently from what it is\n",
                name(text)
            ));
        }
    }
    out
}

/// Names of one kind (endpoints, providers) that look alike or hide letters of another
/// script, one line each, for scan and plan output: two names look alike when their
/// Unicode skeletons (UTS #39: Cyrillic `а` and Latin `a`, `1` and `l`) are equal; a name
/// mixes scripts when one of its words is not single-script (Han with kana counts as one,
/// as in Japanese). `kind` is singular ("endpoint"); each name is shown with the code points
/// of its non-ASCII characters, so that a person can see which letter differs.
pub fn lookalike_warnings<'a>(kind: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    use unicode_security::MixedScript;
    let names: std::collections::BTreeSet<&str> = names.into_iter().collect();
    let mut by_skeleton: std::collections::HashMap<String, Vec<&str>> = std::collections::HashMap::new();
    for &name in &names {
        by_skeleton.entry(unicode_security::skeleton(name).collect()).or_default().push(name);
    }
    let mut alike: Vec<Vec<&str>> = by_skeleton.into_values().filter(|same| same.len() > 1).collect();
    alike.sort();
    let mut out = String::new();
    for same in alike {
        let shown: Vec<String> = same.iter().map(|n| spelled(n)).collect();
        out.push_str(&format!(
            "  ! {kind}s {} look alike: they differ only in look-alike characters\n",
            shown.join(" and ")
        ));
    }
    for &name in &names {
        let mixed = name.split(|c: char| !c.is_alphanumeric()).find(|word| !word.is_single_script());
        if let Some(word) = mixed {
            out.push_str(&format!(
                "  ! {kind} {} mixes scripts in the word \"{}\": a letter may not be the one it looks like\n",
                spelled(name),
                inner(word)
            ));
        }
    }
    out
}

/// `"name"` followed by its non-ASCII characters' code points and scripts (at most five):
/// `"Suppоrt" (U+043E Cyrillic)`.
fn spelled(name: &str) -> String {
    use unicode_script::UnicodeScript;
    let mut seen = std::collections::BTreeSet::new();
    let points: Vec<String> = name
        .chars()
        .filter(|c| !c.is_ascii() && seen.insert(*c))
        .take(5)
        .map(|c| format!("U+{:04X} {}", u32::from(c), c.script().full_name()))
        .collect();
    if points.is_empty() {
        format!("\"{}\"", inner(name))
    } else {
        format!("\"{}\" ({})", inner(name), points.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_like_git_paths() {
        assert_eq!(name("Webchat Production"), "Webchat Production");
        assert_eq!(name("Müller & Söhne"), "Müller & Söhne");
        assert_eq!(name("a\u{1b}[2Jb"), "\"a\\033[2Jb\"");
        assert_eq!(name("tab\there\n"), "\"tab\\there\\n\"");
        assert_eq!(name("say \"hi\"\u{7}"), "\"say \\\"hi\\\"\\a\"");
        assert_eq!(name("abc\u{202E}def"), "\"abc\\342\\200\\256def\"");
        assert_eq!(inner("x\u{9b}y"), "x\\302\\233y");
        assert!(has_bidi("a\u{2066}b") && !has_bidi("plain"));
    }

    #[test]
    fn look_alike_and_mixed_script_names_are_flagged() {
        let flagged = lookalike_warnings("endpoint", ["Support", "Supp\u{43e}rt", "Billing", "東京サポート", "Ärzte"]);
        assert_eq!(
            flagged,
            "  ! endpoints \"Support\" and \"Supp\u{43e}rt\" (U+043E Cyrillic) look alike: they differ only in \
             look-alike characters\n  ! endpoint \"Supp\u{43e}rt\" (U+043E Cyrillic) mixes scripts in the word \
             \"Supp\u{43e}rt\": a letter may not be the one it looks like\n"
        );
        assert_eq!(lookalike_warnings("provider", ["Channel 1", "Channel l"]).lines().count(), 1);
        assert!(lookalike_warnings("provider", ["Web Chat", "web chat", "Müller", "Live Agent - 東京"]).is_empty());
    }
}
