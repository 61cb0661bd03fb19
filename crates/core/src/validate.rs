//! Small value checks shared by every provider.

use serde_json::Value;

/// Absent, `null`, or a string that is empty after trimming: what Cognigy treats as "not set".
pub fn is_unset(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// An absolute `http(s)://` URL with a host.
pub fn is_absolute_http_url(text: &str) -> bool {
    match url::Url::parse(text.trim()) {
        Ok(url) => matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()),
        Err(_) => false,
    }
}

/// A bare host name such as `mypurecloud.de`: no scheme, no path, no spaces.
pub fn is_bare_host(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && !text.contains("://")
        && !text.contains('/')
        && !text.chars().any(char::is_whitespace)
        && url::Host::parse(text).is_ok()
}

/// Name of a JSON value's type, for messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unset_values() {
        assert!(is_unset(None));
        assert!(is_unset(Some(&json!(null))));
        assert!(is_unset(Some(&json!("  "))));
        assert!(!is_unset(Some(&json!("0"))));
        assert!(!is_unset(Some(&json!(false))));
        assert!(!is_unset(Some(&json!([]))));
    }

    #[test]
    fn urls() {
        assert!(is_absolute_http_url("https://liveagent-trial.cognigy.ai/api/v1"));
        assert!(is_absolute_http_url("http://localhost:8080"));
        assert!(!is_absolute_http_url("liveagent.example.com/api"));
        assert!(!is_absolute_http_url("ftp://example.com"));
        assert!(!is_absolute_http_url("https://"));
    }

    #[test]
    fn hosts() {
        assert!(is_bare_host("mypurecloud.de"));
        assert!(is_bare_host("cac1.pure.cloud"));
        assert!(!is_bare_host("https://mypurecloud.de"));
        assert!(!is_bare_host("mypurecloud.de/x"));
        assert!(!is_bare_host(""));
    }
}
