//! Names and prose from the project (endpoint, provider, flow and node names, notes that quote
//! them) as a report shows them: quoted like the terminal output ([`crate::quote`]) so no
//! control or bidirectional character acts, and flagged so a reader knows the name does not
//! read as what it is. HTML escaping itself is maud's ([`maud::Render`]), by construction.

use std::borrow::Cow;

use maud::{html, Markup, Render};
use unicode_security::MixedScript;

use crate::quote;

/// Why `text` may not read as what it is, if it may not.
pub(super) fn warning(text: &str) -> Option<&'static str> {
    if quote::has_bidi(text) {
        Some("contains bidirectional control characters: it may display differently from what it is")
    } else if text.chars().any(char::is_control) {
        Some("contains control characters (shown escaped)")
    } else if text.split(|c: char| !c.is_alphanumeric()).any(|word| !word.is_single_script()) {
        // As scan and plan flag it (`quote::lookalike_warnings`): Cyrillic `а` in a Latin word.
        Some("mixes scripts in one word: a letter may not be the one it looks like")
    } else {
        None
    }
}

/// `text` quoted as the terminal shows it (unchanged when harmless).
pub(super) fn shown(text: &str) -> Cow<'_, str> {
    quote::name(text)
}

/// Whether [`shown`] puts `text` in quotes (so a caller does not quote it again).
pub(super) fn is_quoted(text: &str) -> bool {
    matches!(shown(text), Cow::Owned(_))
}

/// Prose that may quote names: control and bidi characters escaped in place.
pub(super) fn prose(text: &str) -> Cow<'_, str> {
    quote::inner(text)
}

/// `text` shortened to `max` characters with an ellipsis.
pub(super) fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        Cow::Borrowed(text)
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        Cow::Owned(out)
    }
}

/// A name from the project in HTML: quoted, then a ⚠ mark with the reason when flagged.
pub(super) struct Name<'a>(pub &'a str);

impl Render for Name<'_> {
    fn render_to(&self, buffer: &mut String) {
        shown(self.0).render_to(buffer);
        if let Some(reason) = warning(self.0) {
            flag(reason).render_to(buffer);
        }
    }
}

fn flag(reason: &str) -> Markup {
    html! { span.flag title=(reason) role="img" aria-label=(reason) { " ⚠" } }
}

/// Names from the project, comma-separated, at most `max` then "+N more".
pub(super) struct Names<'a>(pub &'a [String], pub usize);

impl Render for Names<'_> {
    fn render_to(&self, buffer: &mut String) {
        let (shown, more) = super::first_names(self.0, self.1);
        if shown.is_empty() {
            buffer.push('—');
        }
        for (i, name) in shown.iter().enumerate() {
            if i > 0 {
                buffer.push_str(", ");
            }
            Name(name).render_to(buffer);
        }
        if more > 0 {
            buffer.push_str(&format!(" +{more} more"));
        }
    }
}

/// Prose in HTML: escaped, control and bidi characters quoted, `backticked` parts as
/// `<code>`, and flagged like a name when it held such characters.
pub(super) struct Prose<'a>(pub &'a str);

impl Render for Prose<'_> {
    fn render_to(&self, buffer: &mut String) {
        let text = prose(self.0);
        let parts: Vec<&str> = text.split('`').collect();
        if parts.len().is_multiple_of(2) {
            // An unpaired backtick: show the text as it is.
            text.as_ref().render_to(buffer);
        } else {
            for (i, part) in parts.iter().enumerate() {
                if i % 2 == 1 {
                    html! { code { (part) } }.render_to(buffer);
                } else {
                    part.render_to(buffer);
                }
            }
        }
        if let Some(reason) = warning(self.0) {
            flag(reason).render_to(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_inert_and_flagged() {
        let name = Name("</script><img src=x onerror=alert(1)>").render().into_string();
        assert_eq!(name, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
        let bidi = Name("Support\u{202E}lanigiro").render().into_string();
        assert!(bidi.starts_with("&quot;Support\\342\\200\\256lanigiro&quot;"), "{bidi}");
        assert!(bidi.contains("class=\"flag\""), "{bidi}");
        let prose = Prose("use `a<b>` \u{1b}[2J now").render().into_string();
        assert_eq!(
            prose,
            "use <code>a&lt;b&gt;</code> \\033[2J now<span class=\"flag\" title=\"contains control characters \
             (shown escaped)\" role=\"img\" aria-label=\"contains control characters (shown escaped)\"> ⚠</span>"
        );
        let mixed = Name("Supp\u{43e}rt").render().into_string();
        assert!(mixed.contains("mixes scripts in one word"), "{mixed}");
        assert!(!Name("Müller & Söhne 東京").render().into_string().contains("flag"));
        let names = ["a".to_string(), "b<".to_string(), "c".to_string()];
        assert_eq!(Names(&names, 2).render().into_string(), "a, b&lt; +1 more");
    }
}
