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

/// Above this many remembered secrets, [`redact`] first finds which of them occur in the
/// text in one pass (an Aho-Corasick automaton) instead of searching the text once per
/// secret: a project of thousands of endpoints each with its own key would otherwise cost
/// endpoints × secrets searches.
const AUTOMATON_FROM: usize = 16;

/// Every secret value this process has seen (API key, answered secrets, secrets read from
/// endpoints), longest first so that a secret containing another is masked whole.
struct Known {
    /// Longest first, then by value; no duplicates.
    secrets: Vec<String>,
    /// Finds every secret of `secrets` in a text (pattern ids are indices into it), and the
    /// indices of the secrets holding a character of the mask; built at the first
    /// [`redact`] after a change.
    matcher: std::sync::OnceLock<Option<(aho_corasick::AhoCorasick, Vec<usize>)>>,
}

static KNOWN: std::sync::RwLock<Known> =
    std::sync::RwLock::new(Known { secrets: Vec::new(), matcher: std::sync::OnceLock::new() });

fn longest_first(a: &str, b: &str) -> std::cmp::Ordering {
    b.len().cmp(&a.len()).then_with(|| a.cmp(b))
}

/// Remember a secret value: from now on [`redact`] masks it wherever it appears (a value
/// shorter than [`SUBSTRING_REDACTED_LEN`]: wherever it stands as a whole value).
pub fn remember(value: &str) {
    let value = value.trim();
    if value.is_empty() || looks_masked(value) {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|p| p.into_inner());
    if let Err(at) = known.secrets.binary_search_by(|k| longest_first(k, value)) {
        known.secrets.insert(at, value.to_string());
        known.matcher = std::sync::OnceLock::new();
    }
}

/// `text` with every remembered secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(|p| p.into_inner());
    let mut out = std::borrow::Cow::Borrowed(text);
    let replace = |out: &mut std::borrow::Cow<'_, str>, secret: &str| {
        if !out.contains(secret) {
            return;
        }
        if secret.chars().count() >= SUBSTRING_REDACTED_LEN {
            *out = std::borrow::Cow::Owned(out.replace(secret, REDACTED));
        } else if let Some(replaced) = replace_whole_values(out, secret) {
            *out = std::borrow::Cow::Owned(replaced);
        }
    };
    if known.secrets.len() < AUTOMATON_FROM {
        for secret in &known.secrets {
            replace(&mut out, secret);
        }
        return out;
    }
    let matcher = known.matcher.get_or_init(|| {
        let holding_mask = known.secrets.iter().enumerate().filter(|(_, s)| s.contains('•')).map(|(i, _)| i);
        aho_corasick::AhoCorasick::new(&known.secrets).ok().map(|matcher| (matcher, holding_mask.collect()))
    });
    let Some((matcher, holding_mask)) = matcher else {
        // Not expected (no size limit is set); search once per secret then.
        for secret in &known.secrets {
            replace(&mut out, secret);
        }
        return out;
    };
    // Only the secrets found in the text, replaced in the same order (longest first) as
    // above, so the result is the same; a secret holding a character of the mask could
    // appear once another was replaced, so those are always tried.
    let mut present: Vec<usize> = matcher.find_overlapping_iter(text).map(|m| m.pattern().as_usize()).collect();
    present.extend(holding_mask.iter().copied());
    present.sort_unstable();
    present.dedup();
    for index in present {
        replace(&mut out, &known.secrets[index]);
    }
    out
}

/// `text` with each occurrence of `value` that stands as a whole value (no letter or digit
/// right before or after it) replaced by [`REDACTED`]; `None` when there is none.
fn replace_whole_values(text: &str, value: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut replaced = false;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find(value) {
        let head = &rest[..at];
        let previous = head.chars().next_back().or(if at == 0 { before } else { None });
        let tail = &rest[at + value.len()..];
        let whole =
            !previous.is_some_and(char::is_alphanumeric) && !tail.chars().next().is_some_and(char::is_alphanumeric);
        out.push_str(head);
        if whole {
            out.push_str(REDACTED);
            replaced = true;
            before = value.chars().next_back();
        } else {
            out.push_str(value);
            before = value.chars().next_back();
        }
        rest = tail;
    }
    out.push_str(rest);
    replaced.then_some(out)
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
    fn many_secrets_are_redacted_as_one_search_per_secret_would() {
        // Past the automaton threshold; overlapping and nested secrets included.
        let secrets: Vec<String> = (0..3 * AUTOMATON_FROM).map(|i| format!("many-key-{i:04}")).collect();
        for secret in &secrets {
            remember(secret);
        }
        remember("many-key-0001-and-its-tail");
        remember("0001-and-its-tail-overlap");
        let text = format!("a {} b {} c many-key-0001-and-its-tail-overlap d many-key-9999", secrets[0], secrets[40]);
        let mut expected = text.clone();
        for secret in KNOWN.read().unwrap().secrets.iter().filter(|s| s.chars().count() >= SUBSTRING_REDACTED_LEN) {
            expected = expected.replace(secret.as_str(), REDACTED);
        }
        assert_eq!(redact(&text), expected);
        assert_eq!(expected, format!("a {REDACTED} b {REDACTED} c {REDACTED}-overlap d many-key-9999"));
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
    fn supplied_secrets_shorter_than_four_characters_are_refused() {
        assert!(check_supplied("abcd").is_ok());
        assert!(check_supplied("  ").unwrap_err().contains("empty"));
        assert!(check_supplied("a").unwrap_err().contains("1 character(s) long"));
        assert!(check_supplied("abc").unwrap_err().contains("at least 4"));
    }
}
