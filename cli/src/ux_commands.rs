//! The commands issue 9 added: `report`, `answers template`, `completions`, `man`.

use clap::CommandFactory;
use handover_migrate_host::{Error, Result};

use crate::{answers_file, context, print_json, report, shell, AnswersCommand, Cli, Command, Global, ReportFormat};

pub fn run(global: &Global, command: &Command) -> Result<u8> {
    match command {
        Command::Report { format, out } => {
            let ctx = context(global)?;
            let loaded = ctx.load()?;
            let report = report::build(&ctx, &loaded)?;
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
                    handover_migrate_host::fsio::write_atomic(path, text.as_bytes(), 0o644)?;
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
            let loaded = ctx.load()?;
            let answers = match &ctx.answers {
                Some(path) => Some(handover_migrate_host::settings::Answers::load(Some(path))?),
                None => None,
            };
            let text = answers_file::template(&loaded, answers.as_ref());
            if let Some(path) = out {
                if handover_migrate_host::fsio::entry(path)? != handover_migrate_host::fsio::Entry::Missing {
                    return Err(Error::usage(format!(
                    "{} exists already (it may hold answers or secrets); choose another --out FILE or remove it first",
                    path.display()
                )));
                }
                handover_migrate_host::fsio::write_atomic(path, text.as_bytes(), 0o600)?;
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
            let script = shell::completions(Cli::command(), *shell);
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
                    let files = shell::man_pages_to(Cli::command(), dir)?;
                    if global.json {
                        print_json(&serde_json::json!({"files": files}));
                    } else {
                        println!("Wrote {} man page(s) into {}.", files.len(), dir.display());
                    }
                }
                None => {
                    let page = shell::man_page(Cli::command())?;
                    if global.json {
                        print_json(&serde_json::json!({"page": page}));
                    } else {
                        print!("{page}");
                    }
                }
            }
            Ok(0)
        }
        _ => Err(Error::failed("internal: not a ux command")),
    }
}
