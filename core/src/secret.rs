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
