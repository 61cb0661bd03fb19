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

/// Every secret value this process has seen (API key, answered secrets, secrets read from
/// endpoints), longest first so that a secret containing another is masked whole.
static KNOWN: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// Remember a secret value: from now on [`redact`] masks it wherever it appears.
pub fn remember(value: &str) {
    let value = value.trim();
    if value.chars().count() < MIN_REDACTED_LEN || looks_masked(value) {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|p| p.into_inner());
    if !known.iter().any(|k| k == value) {
        known.push(value.to_string());
        known.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }
}

/// `text` with every remembered secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(|p| p.into_inner());
    let mut out = std::borrow::Cow::Borrowed(text);
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = std::borrow::Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
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
}
