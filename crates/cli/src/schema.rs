//! `--json` output: every document names its schema at the top level,
//! `"schema": "handover-migrate/<command>@<version>"`, described by
//! `docs/schema/<command>.json` (JSON Schema 2020-12). Additive changes keep the version;
//! anything that could break a reader bumps it.

use std::sync::OnceLock;

/// The version of a command's document: 1, or 2 for the commands whose fields changed
/// meaning (`scan` and `report`: an endpoint's `status` is an enum, not prose).
fn version(name: &str) -> u32 {
    match name {
        "scan" | "report" => 2,
        _ => 1,
    }
}

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

/// `handover-migrate/<name>@<version>`.
pub fn id(name: &str) -> String {
    format!("handover-migrate/{name}@{}", version(name))
}

/// A command's document: `"schema"` first, then the fields of `value` (a struct or map).
#[derive(serde::Serialize)]
struct Document<'a, T: serde::Serialize> {
    schema: String,
    #[serde(flatten)]
    value: &'a T,
}

/// Print the current command's document on stdout, streamed (a large plan is never built
/// as one string). `value` must serialize as an object.
pub fn print(value: &impl serde::Serialize) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let document = Document { schema: id(command()), value };
    // A closed stdout (`| head`) is not an error worth a second message.
    let _ = serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::from).and_then(|()| {
        out.write_all(b"\n")?;
        out.flush()
    });
}

/// Print a failure as a JSON document on stdout (the message also goes to stderr).
pub fn print_error(error: &handover_migrate_commands::Error) {
    let kind = match error.kind {
        handover_migrate_commands::ErrorKind::Failed => "failed",
        handover_migrate_commands::ErrorKind::Usage => "usage",
        handover_migrate_commands::ErrorKind::NeedsInput => "needs_input",
        handover_migrate_commands::ErrorKind::VerifyFailed => "verify_failed",
    };
    let document = serde_json::json!({
        "schema": id("error"),
        "command": command(),
        "error": {"kind": kind, "exit_code": error.kind.exit_code(), "message": error.message},
    });
    let mut document = document;
    if error.kind == handover_migrate_commands::ErrorKind::NeedsInput {
        document["error"]["input_needed"] = serde_json::to_value(&error.input_needed).unwrap_or_default();
    }
    println!("{}", serde_json::to_string_pretty(&document).unwrap_or_default());
}
