//! `--json` output: every document names its schema at the top level,
//! `"schema": "handover-migrate/<command>@<version>"`, described by
//! `docs/schema/<command>.json` (JSON Schema 2020-12). Additive changes keep the version;
//! anything that could break a reader bumps it.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The version of every document this binary prints.
pub const VERSION: u32 = 1;

static COMMAND: OnceLock<String> = OnceLock::new();

/// Remember the command being run (`scan`, `providers-list`, …) from the parsed arguments.
pub fn set_command(matches: &clap::ArgMatches) {
    let mut parts = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        parts.push(name.to_string());
        current = sub;
    }
    let _ = COMMAND.set(if parts.is_empty() { "handover-migrate".into() } else { parts.join("-") });
}

pub fn command() -> &'static str {
    COMMAND.get().map_or("handover-migrate", String::as_str)
}

/// `handover-migrate/<name>@1`.
pub fn id(name: &str) -> String {
    format!("handover-migrate/{name}@{VERSION}")
}

/// The document for `value`: an object gets `"schema"` as its first key; anything else
/// (a list) is wrapped as `{"schema", "providers" | "items": value}`.
pub fn document(name: &str, value: Value) -> Value {
    let mut out = Map::new();
    out.insert("schema".into(), Value::String(id(name)));
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                if key != "schema" {
                    out.insert(key, value);
                }
            }
        }
        other => {
            let key = if name == "providers-list" { "providers" } else { "items" };
            out.insert(key.into(), other);
        }
    }
    Value::Object(out)
}

/// Print the current command's document on stdout.
pub fn print(value: &impl serde::Serialize) {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let document = document(command(), value);
    println!("{}", serde_json::to_string_pretty(&document).unwrap_or_default());
}

/// Print a failure as a JSON document on stdout (the message also goes to stderr).
pub fn print_error(error: &handover_migrate_host::Error) {
    let kind = match error.kind {
        handover_migrate_host::ErrorKind::Failed => "failed",
        handover_migrate_host::ErrorKind::Usage => "usage",
        handover_migrate_host::ErrorKind::NeedsInput => "needs_input",
        handover_migrate_host::ErrorKind::VerifyFailed => "verify_failed",
    };
    let document = serde_json::json!({
        "schema": id("error"),
        "command": command(),
        "error": {"kind": kind, "exit_code": error.kind.exit_code(), "message": error.message},
    });
    println!("{}", serde_json::to_string_pretty(&document).unwrap_or_default());
}
