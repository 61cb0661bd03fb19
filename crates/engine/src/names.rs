//! Names of resources: what is accepted when read, what may become a folder name, and how
//! a readable, unique provider name is derived.

// One set of name rules for the engine and for plugins (whose display names become
// folder names too): they live in core.
pub use handover_migrate_core::names::{check_provider_name, check_resource_name};

/// A provider name derived from a vendor and an endpoint name, made safe for a folder.
pub fn derive_provider_name(display_name: &str, endpoint: &str) -> String {
    let cleaned: String =
        endpoint.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c }).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let mut name = format!("{display_name} - {cleaned}");
    if name.len() > 180 {
        let mut cut = 180;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    name
}

pub use handover_migrate_io::unique_name;

/// The form in which provider names are compared for collisions: compatibility-normalised
/// (NFKC) and lower-cased. Names equal in this form read as one name to a person and are
/// one folder on a case-insensitive or normalising file system (macOS, Windows): `Müller`
/// typed composed or decomposed, `ärzte` and `ÄRZTE`, a no-break space and a space.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lower: String = name.nfkc().flat_map(char::to_lowercase).collect();
    lower.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_are_safe() {
        let name = derive_provider_name("Cognigy Live Agent", "../Web/chat\u{7}");
        assert!(check_provider_name(&name).is_ok(), "{name}");
    }

    #[test]
    fn names_compare_after_normalisation_and_case_folding() {
        assert_eq!(name_key("Mu\u{308}ller"), name_key("Müller"));
        assert_eq!(name_key("ÄRZTE"), name_key("ärzte"));
        assert_eq!(name_key("Live\u{a0}Agent"), name_key("live agent"));
        assert_ne!(name_key("Live Agent"), name_key("Live Agent 2"));
    }
}
