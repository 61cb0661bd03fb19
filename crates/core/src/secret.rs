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

/// Secret values shorter than this are not redacted from text: masking every `abc` in a
/// message would garble it without protecting anything worth the name.
const MIN_REDACTED_LEN: usize = 4;

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

/// Remember a secret value: from now on [`redact`] masks it wherever it appears.
pub fn remember(value: &str) {
    let value = value.trim();
    if value.chars().count() < MIN_REDACTED_LEN || looks_masked(value) {
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
        if out.contains(secret) {
            *out = std::borrow::Cow::Owned(out.replace(secret, REDACTED));
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
        remember("abc");
        let text = "key canary-short-1-and-more, then canary-short-1; abc stays";
        assert_eq!(redact(text), format!("key {REDACTED}, then {REDACTED}; abc stays"));
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
        for secret in KNOWN.read().unwrap().secrets.iter() {
            expected = expected.replace(secret.as_str(), REDACTED);
        }
        assert_eq!(redact(&text), expected);
        assert_eq!(expected, format!("a {REDACTED} b {REDACTED} c {REDACTED}-overlap d many-key-9999"));
    }
}
