//! The commands that write a document: `report`, `answers template`, `completions`, `man`.

use handover_migrate_commands::{inspect, Error, Result};

use crate::{context, print_json, report, shell, AnswersCommand, Command, Global, ReportFormat};

pub fn run(global: &Global, command: &Command) -> Result<u8> {
    match command {
        Command::Report { format, out } => {
            let ctx = context(global)?;
            let report = inspect::report(&ctx, format!("handover-migrate {}", crate::LONG_VERSION))?;
            if global.json {
                print_json(&report);
                return Ok(0);
            }
            let text = match format {
                ReportFormat::Md => report::markdown(&report),
                ReportFormat::Html => report::html(&report),
            };
            match out {
                Some(path) => {
                    handover_migrate_commands::write_output(path, &text, 0o644)?;
                    if !global.quiet {
                        eprintln!("Wrote the report to {}.", path.display());
                    }
                }
                None => print!("{text}"),
            }
            Ok(0)
        }
        Command::Answers { command: AnswersCommand::Template { out } } => {
            let ctx = context(global)?;
            let text = inspect::answers_template(&ctx)?;
            if let Some(path) = out {
                if !handover_migrate_commands::is_missing(path)? {
                    return Err(Error::usage(format!(
                    "{} exists already (it may hold answers or secrets); choose another --out FILE or remove it first",
                    path.display()
                )));
                }
                handover_migrate_commands::write_output(path, &text, 0o600)?;
            }
            if global.json {
                print_json(&serde_json::json!({"out": out, "toml": text}));
            } else if let Some(path) = out {
                println!("Wrote {}. Fill it in, then pass it with --answers {}.", path.display(), path.display());
            } else {
                print!("{text}");
            }
            Ok(0)
        }
        Command::Completions { shell } => {
            let script = shell::completions(shell::completion_command(), *shell);
            if global.json {
                print_json(&serde_json::json!({"shell": shell.to_string(), "script": script}));
            } else {
                print!("{script}");
            }
            Ok(0)
        }
        Command::Man { out } => {
            match out {
                Some(dir) => {
                    let files = shell::man_pages_to(shell::man_command(), dir)?;
                    if global.json {
                        print_json(&serde_json::json!({"files": files}));
                    } else {
                        println!("Wrote {} man page(s) into {}.", files.len(), dir.display());
                    }
                }
                None => {
                    let page = shell::man_page(shell::man_command())?;
                    if global.json {
                        print_json(&serde_json::json!({"page": page}));
                    } else {
                        print!("{page}");
                    }
                }
            }
            Ok(0)
        }
        _ => Err(Error::failed("internal: not a document command")),
    }
}
