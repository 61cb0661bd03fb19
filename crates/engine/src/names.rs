//! Names of resources: what is accepted when read, what may become a folder name, and how
//! a readable, unique provider name is derived.

/// Checks a name read from the project (endpoint, flow): it is shown in plans and used in
/// answers files, so it must be printable.
pub fn check_resource_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("is empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err("contains control characters; rename it in Cognigy and clone again".into());
    }
    Ok(())
}

/// Checks a provider name, which becomes the folder `handoverProviders/<name>/`.
pub fn check_provider_name(name: &str) -> Result<(), String> {
    check_resource_name(name)?;
    if name.contains('/') || name.contains('\\') {
        return Err("contains a path separator (`/` or `\\`)".into());
    }
    if name == "." || name == ".." || name.starts_with('.') {
        return Err("starts with a dot (it would be a hidden or relative path)".into());
    }
    if name.trim() != name {
        return Err("starts or ends with white space".into());
    }
    if name.len() > 200 {
        return Err("is longer than 200 bytes".into());
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_that_would_escape_are_refused() {
        for bad in ["a/b", "..", ".hidden", "a\\b", "tab\there", " x", ""] {
            assert!(check_provider_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_provider_name("Live Agent - Webchat (EU)").is_ok());
    }

    #[test]
    fn derived_names_are_safe() {
        let name = derive_provider_name("Cognigy Live Agent", "../Web/chat\u{7}");
        assert!(check_provider_name(&name).is_ok(), "{name}");
    }
}
