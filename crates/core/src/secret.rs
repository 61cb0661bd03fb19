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
/// shows the value; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

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
}
