//! Colour for text on stdout, decided once: only on a terminal, never with `NO_COLOR`
//! (<https://no-color.org>) set to anything non-empty; `CLICOLOR_FORCE=1` forces it on.

use std::io::IsTerminal;
use std::sync::OnceLock;

fn enabled_for(terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    terminal && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| enabled_for(std::io::stdout().is_terminal()))
}

/// Bold for text on stderr: decided by stderr (a redirected stderr gets no colour codes).
pub fn bold_stderr(text: &str) -> String {
    if enabled_for(std::io::stderr().is_terminal()) {
        format!("\x1b[1m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn paint(code: &str, text: &str) -> String {
    if enabled() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Added (`+`).
pub fn green(text: &str) -> String {
    paint("32", text)
}

/// Changed (`~`).
pub fn yellow(text: &str) -> String {
    paint("33", text)
}

/// Removed (`-`), refusals.
pub fn red(text: &str) -> String {
    paint("31", text)
}

pub fn bold(text: &str) -> String {
    paint("1", text)
}

pub fn dim(text: &str) -> String {
    paint("2", text)
}
