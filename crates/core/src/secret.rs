//! Secrets: recognising masked values and showing secrets without revealing them.

/// True when a secret value read from Cognigy looks masked rather than real, e.g. `"********"`
/// or `"••••"`. A masked value must never be written anywhere: the user supplies the secret.
pub fn looks_masked(value: &str) -> bool {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return false;
    }
    let mask_chars = trimmed.chars().filter(|c| matches!(c, '*' | '•' | '●')).count();
    mask_chars >= 3 && mask_chars * 2 >= trimmed.chars().count()
        || matches!(
            trimmed.to_ascii_lowercase().as_str(),
            "<secret>" | "<masked>" | "[redacted]" | "<redacted>" | "redacted"
        )
}

/// The one way a secret is ever shown: a fixed mask that leaks neither value nor length.
pub const REDACTED: &str = "••••••";

/// A secret held in memory (an API key, an answered provider secret). Its `Debug` never
/// shows the value, and making one (or reading one from an answers file) registers the
/// value with [`remember`], so that every log line and error message shown is redacted of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    /// A secret, remembered for redaction.
    pub fn new(value: impl Into<String>) -> Secret {
        let value = value.into();
        remember(&value);
        Secret(value)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// Secret values at least this long are masked wherever they appear, even inside a longer
/// word. Shorter ones are masked only where they stand as a whole value (between characters
/// that are not letters or digits: quotes, `=`, spaces, line ends), so that a three-letter
/// secret `abc` masks `"abc"` and `key=abc` but not the `abc` inside `abcdef`: masking every
/// such substring would garble messages without protecting anything.
pub const SUBSTRING_REDACTED_LEN: usize = 4;

/// The shortest secret a person may supply (answers file, environment variable, guided
/// prompt, API key): shorter values are refused with the place they came from, as no real
/// credential is that short and a one-letter secret could only be "redacted" by masking
/// every such letter in every message.
pub const MIN_SUPPLIED_LEN: usize = 4;

/// Why a supplied secret is refused, if it is: empty or shorter than [`MIN_SUPPLIED_LEN`].
pub fn check_supplied(value: &str) -> Result<(), String> {
    let length = value.trim().chars().count();
    if length == 0 {
        return Err("is empty".to_string());
    }
    if length < MIN_SUPPLIED_LEN {
        return Err(format!(
            "is {length} character(s) long; a secret must have at least {MIN_SUPPLIED_LEN} (no real credential is \
             shorter, and so short a value could not be kept out of logs)"
        ));
    }
    Ok(())
}

/// Every secret value this process has seen (API key, answered secrets, secrets read from
/// endpoints), and the matcher built from them when [`redact`] first needs it after a change.
static KNOWN: std::sync::RwLock<Known> =
    std::sync::RwLock::new(Known { values: Vec::new(), seen: std::collections::BTreeSet::new(), matcher: None });

struct Known {
    values: Vec<String>,
    seen: std::collections::BTreeSet<String>,
    matcher: Option<std::sync::Arc<Matcher>>,
}

/// One automaton over every remembered secret, so that redacting a text costs one pass over
/// it whatever the number of secrets (a project with thousands of endpoints remembers
/// thousands, and every provider file, log line and error passes through here).
struct Matcher {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// Per pattern: shorter than [`SUBSTRING_REDACTED_LEN`], so masked only as a whole value.
    whole_value_only: Vec<bool>,
}

impl Matcher {
    fn build(values: &[String]) -> Matcher {
        Matcher {
            // Building fails only past the automaton's size limits; `redact` then masks the
            // whole text rather than risk showing a secret.
            automaton: aho_corasick::AhoCorasick::new(values).ok(),
            whole_value_only: values.iter().map(|v| v.chars().count() < SUBSTRING_REDACTED_LEN).collect(),
        }
    }
}

/// Remember a secret value: from now on [`redact`] masks it wherever it appears (a value
/// shorter than [`SUBSTRING_REDACTED_LEN`]: wherever it stands as a whole value).
pub fn remember(value: &str) {
    let value = value.trim();
    if value.is_empty() || looks_masked(value) {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|p| p.into_inner());
    if known.seen.insert(value.to_string()) {
        known.values.push(value.to_string());
        known.matcher = None;
    }
}

fn matcher() -> Option<std::sync::Arc<Matcher>> {
    {
        let known = KNOWN.read().unwrap_or_else(|p| p.into_inner());
        if known.values.is_empty() {
            return None;
        }
        if let Some(matcher) = &known.matcher {
            return Some(matcher.clone());
        }
    }
    let mut known = KNOWN.write().unwrap_or_else(|p| p.into_inner());
    let Known { values, matcher, .. } = &mut *known;
    Some(matcher.get_or_insert_with(|| std::sync::Arc::new(Matcher::build(values))).clone())
}

/// `text` with every remembered secret replaced by [`REDACTED`]; overlapping or adjacent
/// occurrences (one secret containing or running into another) become one mask.
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(matcher) = matcher() else {
        return std::borrow::Cow::Borrowed(text);
    };
    let Some(automaton) = &matcher.automaton else {
        return std::borrow::Cow::Owned(REDACTED.to_string());
    };
    let mut spans: Vec<(usize, usize)> = automaton
        .find_overlapping_iter(text)
        .filter(|m| {
            let whole_value_only = matcher.whole_value_only.get(m.pattern().as_usize()).copied().unwrap_or(false);
            !whole_value_only || stands_alone(text, m.start(), m.end())
        })
        .map(|m| (m.start(), m.end()))
        .collect();
    if spans.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut written = 0;
    let mut current = spans[0];
    for &(start, end) in &spans[1..] {
        if start <= current.1 {
            current.1 = current.1.max(end);
            continue;
        }
        out.push_str(&text[written..current.0]);
        out.push_str(REDACTED);
        written = current.1;
        current = (start, end);
    }
    out.push_str(&text[written..current.0]);
    out.push_str(REDACTED);
    out.push_str(&text[current.1..]);
    std::borrow::Cow::Owned(out)
}

/// No letter or digit right before `start` or right after `end` in `text`.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(char::is_alphanumeric)
        && !text[end..].chars().next().is_some_and(char::is_alphanumeric)
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_recognised() {
        assert!(looks_masked("********"));
        assert!(looks_masked("••••"));
        assert!(looks_masked("<secret>"));
        assert!(!looks_masked("la-prod-4f9c2e7a1b"));
        assert!(!looks_masked(""));
        assert!(!looks_masked("a*b"));
    }

    #[test]
    fn remembered_secrets_are_redacted_longest_first() {
        remember("canary-short-1");
        remember("canary-short-1-and-more");
        let text = "key canary-short-1-and-more, then canary-short-1";
        assert_eq!(redact(text), format!("key {REDACTED}, then {REDACTED}"));
        let parsed: Secret = serde_json::from_str("\"canary-parsed-77\"").unwrap();
        assert_eq!(parsed.0, "canary-parsed-77");
        assert_eq!(redact("x canary-parsed-77 y"), format!("x {REDACTED} y"));
    }

    #[test]
    fn short_secrets_are_redacted_where_they_stand_as_a_whole_value() {
        remember("q7");
        remember("Zx9");
        let text = r#"{"apiKey":"q7"} key=Zx9&x, q7 at the end q7; q7x and xq7 and Zx9y stay"#;
        assert_eq!(
            redact(text),
            format!(
                r#"{{"apiKey":"{REDACTED}"}} key={REDACTED}&x, {REDACTED} at the end {REDACTED}; q7x and xq7 and Zx9y stay"#
            )
        );
        assert_eq!(redact("q7q7"), "q7q7");
        assert_eq!(redact("q7"), REDACTED);
    }

    #[test]
    fn overlapping_secrets_are_masked_as_one() {
        remember("overlap-first-half");
        remember("half-and-second");
        let text = "a overlap-first-half-and-second b";
        assert_eq!(redact(text), format!("a {REDACTED} b"));
        remember("canary-late-addition");
        assert_eq!(redact("x canary-late-addition"), format!("x {REDACTED}"));
    }

    #[test]
    fn supplied_secrets_shorter_than_four_characters_are_refused() {
        assert!(check_supplied("abcd").is_ok());
        assert!(check_supplied("  ").unwrap_err().contains("empty"));
        assert!(check_supplied("a").unwrap_err().contains("1 character(s) long"));
        assert!(check_supplied("abc").unwrap_err().contains("at least 4"));
    }
}
