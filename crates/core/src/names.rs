//! Names of resources that are shown and that may become folder names: one set of rules
//! for names read from a project and for names a plugin supplies.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_that_would_escape_are_refused() {
        for bad in ["a/b", "..", ".hidden", "a\\b", "tab\there", " x", "", "../../escaped"] {
            assert!(check_provider_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_provider_name("Live Agent - Webchat (EU)").is_ok());
    }
}
