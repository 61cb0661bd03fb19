//! `handover-migrate`: the command line. Parses flags, sets up logging, asks for
//! confirmation, prints; the commands crate (`handover-migrate-commands`) does the work.

// Doc comments on the flags are the `--help` text people read, not rustdoc: `<project>`
//, bare URLs and `[[tenant]]` are meant literally there.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

mod builtin;
mod doctor;
mod documents;
mod fleet;
mod logging;
mod progress;
mod prompt;
mod quote;
mod render;
mod report;
mod schema;
mod shell;
mod style;
mod suggest;
mod switch;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use handover_migrate_commands::{
    self as commands, inspect, Context, Error, Options, ProjectState, Providers, Result, SavedPlan,
};

const LONG_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (provider contract ", "1.1", ")");

#[derive(Parser)]
#[command(name = "handover-migrate", version, long_version = LONG_VERSION, about, propagate_version = true)]
#[command(after_help = "Exit codes: 0 success, 1 error, 2 usage, 3 input needed, 4 verify found remaining work.\n\n\
Start: `handover-migrate scan` in the folder `cognigy clone` wrote; `handover-migrate <command> --help` \
shows a command's options and examples.")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
#[command(next_help_heading = "Global options")]
struct Global {
    /// The project: a folder written by `cognigy clone`.
    #[arg(long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    /// API mode: the tenant's API base URL, e.g. https://api-trial.cognigy.ai (key from COGNIGY_API_KEY).
    #[arg(long, global = true, value_name = "URL", requires = "project_id")]
    api_url: Option<String>,
    /// API mode: the project id.
    #[arg(long, global = true, value_name = "ID")]
    project_id: Option<String>,
    /// API mode: read the API key from this file instead of COGNIGY_API_KEY.
    #[arg(long, global = true, value_name = "FILE")]
    api_key_file: Option<PathBuf>,
    /// API mode: trust the CA certificates in this PEM file (on-premises installations).
    #[arg(long, global = true, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// API mode: at most N requests per SECONDS [default: 1000/300, the shared-SaaS limit].
    #[arg(long, global = true, value_name = "N/SECONDS")]
    rate_limit: Option<String>,
    /// Where journals, backups and the lock live [default: <project>/.handover-migrate].
    #[arg(long, global = true, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Resume or roll back state your key does not vouch for (written by another user,
    /// machine or CI job, or edited), after reviewing what it would touch. Paths outside
    /// the project stay refused.
    #[arg(long, global = true)]
    trust_state: bool,
    /// API mode: allow plain http:// to a host that is not loopback (a lab; the API key
    /// then travels in clear text). https is required otherwise.
    #[arg(long, global = true)]
    insecure_http: bool,
    /// The node config key holding the selected Handover Provider (see README).
    #[arg(long, global = true, value_name = "KEY")]
    node_selector_key: Option<String>,
    /// Limit the run to these endpoints (repeatable); attribution still uses the whole project.
    #[arg(long = "endpoint", global = true, value_name = "NAME")]
    endpoints: Vec<String>,
    /// Answers file (TOML): provider names, conflict choices, secrets.
    #[arg(long, global = true, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Less output.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// `--yes` of the command that takes it (apply, cleanup, retarget, rollback, purge).
    #[arg(skip)]
    yes: bool,
    /// Load a provider plugin: a Rust or C shared library, a .toml mapping file, or a
    /// directory of them (repeatable). Also: HANDOVER_MIGRATE_PLUGIN_PATH and
    /// $XDG_DATA_HOME/handover-migrate/plugins.
    #[arg(long = "plugin", global = true, value_name = "PATH")]
    plugins: Vec<PathBuf>,
    /// When a plugin supplies a legacy kind another provider supplies too, use the plugin
    /// (KIND=PATH: the plugin at PATH). Without it, such a duplicate is an error.
    #[arg(long = "prefer-plugin", global = true, value_name = "KIND[=PATH]")]
    prefer_plugin: Vec<String>,
    /// How Rust and C plugins run: `process` (each in its own sandboxed process) or `none`
    /// (inside this process: only for plugins you trust) [default: process, or `[plugins]
    /// isolation` in ~/.config/handover-migrate/config.toml].
    #[arg(long, global = true, value_name = "MODE", value_parser = ["process", "none"])]
    plugin_isolation: Option<String>,
    /// Seconds an isolated plugin may take to answer one call [default: 30].
    #[arg(long, global = true, value_name = "SECONDS")]
    plugin_timeout: Option<u64>,
    /// Address-space limit of an isolated plugin's process, in MiB [default: 2048].
    #[arg(long, global = true, value_name = "MIB")]
    plugin_memory_limit: Option<u64>,
    /// Refuse to load a Rust or C plugin this kernel cannot fully sandbox.
    #[arg(long, global = true)]
    require_sandbox: bool,
}

/// `--yes`, on the commands that ask before they write.
#[derive(Args, Clone, Copy, Debug, Default)]
struct Confirm {
    /// Confirm without asking (scripts, CI); without a terminal and without it, the command
    /// refuses with exit 3.
    #[arg(long)]
    yes: bool,
}

impl Command {
    /// The `--yes` of this command (false for commands that never ask).
    fn yes(&self) -> bool {
        match self {
            Command::Apply { confirm, .. }
            | Command::Cleanup { confirm, .. }
            | Command::Rollback { confirm, .. }
            | Command::Purge { confirm } => confirm.yes,
            Command::Retarget(args) => args.yes,
            Command::Fleet(args) => args.yes(),
            _ => false,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Inventory: legacy settings by kind, dependent flows and nodes, conflicts, orphans.
    #[command(after_help = "Examples:\n  \
handover-migrate scan                          # in the folder `cognigy clone` wrote\n  \
handover-migrate scan --project ./acme --json\n  \
handover-migrate scan --api-url https://api-trial.cognigy.ai --project-id 64f0c1…")]
    Scan {
        #[command(flatten)]
        switch: switch::SwitchTo,
    },
    /// Show the complete change set; --out saves it bound to the project state.
    #[command(after_help = "Examples:\n  \
handover-migrate plan                          # counts, a summary table, what needs answers\n  \
handover-migrate plan --detail                 # every property, manual step and node diff\n  \
handover-migrate plan --answers answers.toml --out plan.json\n  \
handover-migrate apply --plan plan.json --yes  # applies exactly the reviewed plan")]
    Plan {
        /// Also save the complete plan (every detail, bound to the project's current files) to
        /// FILE, for review and for `apply --plan FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print every provider property, manual step and node diff (default: a summary).
        #[arg(long)]
        detail: bool,
        #[command(flatten)]
        switch: switch::SwitchTo,
    },
    /// Create providers and switch nodes (journaled, resumable).
    #[command(after_help = "Examples:\n  \
handover-migrate apply                         # on a terminal: asks what is missing, then confirms\n  \
handover-migrate apply --answers answers.toml --yes\n  \
handover-migrate apply --plan plan.json --yes\n  \
handover-migrate apply --project ./acme --api-url https://api-trial.cognigy.ai --project-id 64f0c1… --yes")]
    Apply {
        /// Apply a plan saved with `plan --out` (refused if the project changed since).
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
        /// API mode: create a project snapshot before writing (endpoints are not in snapshots).
        #[arg(long)]
        snapshot: bool,
        #[command(flatten)]
        confirm: Confirm,
        #[command(flatten)]
        switch: switch::SwitchTo,
    },
    /// Check that every node that depended on a migrated endpoint points at an existing provider.
    #[command(after_help = "Examples:\n  \
handover-migrate verify\n  \
handover-migrate verify --json | jq .passed")]
    Verify {
        #[command(flatten)]
        switch: switch::SwitchTo,
    },
    /// Remove legacy settings from endpoints whose nodes are all migrated.
    #[command(after_help = "Examples:\n  \
handover-migrate cleanup --dry-run\n  \
handover-migrate cleanup --yes\n  \
handover-migrate rollback --yes                # restores the removed settings")]
    Cleanup {
        /// Show what would be removed; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also clean up endpoints that run a snapshot (their live handover then breaks).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        confirm: Confirm,
        #[command(flatten)]
        switch: switch::SwitchTo,
    },
    /// Check, read-only, whether apply can run unattended: access and rights, the tenant's
    /// handover services against the providers' pairs, the selector field, masked secrets,
    /// snapshot-pinned endpoints, a request estimate; each finding with its fix.
    #[command(after_help = "Examples:\n  \
handover-migrate doctor --api-url https://api-trial.cognigy.ai --project-id 64f0c1…\n  \
handover-migrate doctor                        # a clone: the checks that need no tenant")]
    Doctor {
        /// Save what the tenant showed (no secrets, no customer content) for a bug report
        /// or `cognigy-sim --profile`.
        #[arg(long, value_name = "FILE")]
        save_profile: Option<PathBuf>,
    },
    /// Re-point every node that uses one Handover Provider to another (journaled like apply).
    #[command(after_help = "Examples:\n  \
handover-migrate retarget --from \"Old Desk\" --to \"New Desk\" --dry-run\n  \
handover-migrate retarget --from \"Old Desk\" --to \"Chatwoot Support\" --to-service chatwoot --answers answers.toml --yes")]
    Retarget(switch::RetargetArgs),
    /// Undo the most recent run (call again to undo the one before).
    #[command(after_help = "Examples:\n  \
handover-migrate rollback                      # shows the files, then asks\n  \
handover-migrate rollback --run 20260101T120000.000Z-apply --yes")]
    Rollback {
        /// Undo this run instead of the most recent.
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// Overwrite files that were changed by someone else after the run.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Delete the backups of finished runs (they may hold secrets).
    #[command(after_help = "Examples:\n  handover-migrate purge --yes")]
    Purge {
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Remove the lock file, for a lock the kernel cannot release (a network file system).
    /// Not needed after a crash or kill: the kernel releases the lock of an ended process.
    #[command(after_help = "Examples:\n  handover-migrate unlock --force")]
    Unlock {
        /// Remove it (required: a run on another machine may still hold it).
        #[arg(long)]
        force: bool,
    },
    /// The providers this binary knows.
    #[command(after_help = "Examples:\n  \
handover-migrate providers list\n  \
handover-migrate providers show liveAgent\n  \
handover-migrate providers show salesforce --to salesforceMIAW")]
    Providers {
        #[command(subcommand)]
        command: ProvidersCommand,
    },
    /// A migration report for a change ticket: what was found, created and switched,
    /// manual steps, verify status, warnings (Markdown, or one self-contained HTML file).
    #[command(after_help = "Examples:\n  \
handover-migrate report > migration.md\n  \
handover-migrate report --format html --out migration.html")]
    Report {
        /// `md`: Markdown, to paste into a change ticket; `html`: one self-contained file with
        /// a diagram (no network access needed to view it).
        #[arg(long, value_enum, default_value = "md")]
        format: ReportFormat,
        /// Write the report to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The answers file: `answers template` writes every entry the project needs.
    #[command(after_help = "Examples:\n  \
handover-migrate answers template --out answers.toml   # fill it in, then:\n  \
handover-migrate apply --answers answers.toml --yes")]
    Answers {
        #[command(subcommand)]
        command: AnswersCommand,
    },
    /// Fleet runs: every project of an organisation (several tenants, clone folders) in one
    /// resumable run; see README "Fleet runs".
    Fleet(fleet::FleetArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:\n  \
handover-migrate completions bash > ~/.local/share/bash-completion/completions/handover-migrate\n  \
handover-migrate completions zsh > \"${fpath[1]}/_handover-migrate\"")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into --out DIR.
    #[command(after_help = "Examples:\n  \
handover-migrate man | man -l -\n  \
handover-migrate man --out ~/.local/share/man/man1")]
    Man {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Md,
    Html,
}

#[derive(Subcommand)]
enum AnswersCommand {
    /// A commented answers file with every entry the project still needs (provider names,
    /// secrets, connections, conflict choices); fill it in and pass it with --answers.
    Template {
        /// Write it to FILE (refused if FILE exists) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ProvidersCommand {
    /// List registered providers.
    List,
    /// Show a provider's mapping, manual steps and warnings.
    Show {
        kind: String,
        /// The pair to another target service (a vendor switch), e.g. salesforceMIAW.
        #[arg(long = "to", value_name = "SERVICE")]
        to: Option<String>,
    },
}

/// The command line as parsed, and as help, completions and man pages describe it (fleet
/// subcommands without the single-project flags they refuse).
pub fn command() -> clap::Command {
    fleet::hide_project_flags(Cli::command())
}

fn main() -> ExitCode {
    // A reader that goes away (`scan | head`) ends the process quietly, as it ends other
    // Unix tools, instead of a "Broken pipe" panic (exit 101) in the middle of printing.
    // Runs are journaled, so being stopped here is no different from being killed.
    // SAFETY: restoring a signal's default disposition, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // An isolated plugin's runner is this binary started with a hidden first argument.
    handover_migrate_plugin_runner::dispatch_if_runner();
    builtin::link();
    let matches = command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.global.yes = cli.command.yes();
    schema::set_command(&matches);
    logging::init(cli.global.quiet, cli.global.verbose);
    progress::install(cli.global.json, cli.global.quiet, cli.global.verbose);
    let json = cli.global.json;
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(mut error) => {
            // The last wall before the terminal: no known secret in any error shown.
            error.message = handover_migrate_core::secret::redact(&error.message).into_owned();
            eprintln!("error: {}", error.message);
            if json {
                schema::print_error(&error);
            }
            ExitCode::from(error.kind.exit_code() as u8)
        }
    }
}

/// The command line's choices as the commands crate takes them.
fn options(global: &Global) -> Options {
    Options {
        project: global.project.clone(),
        tenant: global.api_url.as_ref().map(|url| commands::TenantOptions {
            api_url: url.clone(),
            project_id: global.project_id.clone().unwrap_or_default(),
            api_key_file: global.api_key_file.clone(),
            ca_cert: global.ca_cert.clone(),
            rate_limit: global.rate_limit.clone(),
            insecure_http: global.insecure_http,
            ..Default::default()
        }),
        state_dir: global.state_dir.clone(),
        trust_state: global.trust_state,
        selector_key: global.node_selector_key.clone(),
        endpoints: global.endpoints.clone(),
        answers: global.answers.clone(),
        plugins: global.plugins.clone(),
        prefer_plugin: global.prefer_plugin.clone(),
        isolation: commands::IsolationChoice {
            mode: global.plugin_isolation.clone(),
            timeout_seconds: global.plugin_timeout,
            memory_limit_mib: global.plugin_memory_limit,
            require_sandbox: global.require_sandbox,
        },
        secret_scope: None,
    }
}

fn context(global: &Global) -> Result<Context> {
    Context::open(&options(global), Providers::Load)
}

/// `--json` output, carrying `"schema": "handover-migrate/<command>@1"` (see schema.rs).
fn print_json(value: &impl serde::Serialize) {
    schema::print(value);
}

/// `plan` and `retarget --dry-run`: compute the plan, save it to `out`, print it; the exit
/// code says whether apply could run. `apply_with` is the command that applies a saved plan.
fn show_plan(global: &Global, ctx: &Context, out: Option<&Path>, apply_with: &[&str], detail: bool) -> Result<u8> {
    let state = if global.json { ProjectState::Shown } else { ProjectState::NotShown };
    let plan = inspect::plan(ctx, out, state)?;
    if global.json {
        print_json(&plan);
    } else {
        let mut words = apply_with.to_vec();
        words[0] = if words[0] == "apply" { "plan" } else { words[0] };
        if words[0] == "retarget" {
            words.push("--dry-run");
        }
        words.push("--detail");
        let view = render::PlanView { detail, detail_command: suggest::command(global, ctx, &words) };
        render::print_plan_text(&plan, &view, true);
        if let Some(out) = out {
            println!(
                "Saved to {}; apply exactly this with:\n  {}",
                out.display(),
                suggest::with_path(global, ctx, apply_with, "--plan", out)
            );
        }
    }
    let code = if !plan.errors.is_empty() {
        1
    } else if !plan.is_applicable() {
        3
    } else {
        0
    };
    // `plan` and `retarget --dry-run` end the process next: freeing the plan would only cost time.
    std::mem::forget(plan);
    Ok(code)
}

/// `apply` and `retarget`: apply the saved plan `plan_file` or a fresh one (shown first, then
/// `question` asked), and print the outcome.
fn run_apply(
    global: &Global,
    ctx: &Context,
    plan_file: Option<&Path>,
    snapshot: bool,
    question: &str,
) -> Result<commands::ApplyOutcome> {
    let saved = plan_file.map(SavedPlan::read).transpose()?;
    let saved_ref = saved.as_ref().zip(plan_file);
    let outcome = commands::apply(ctx, saved_ref, snapshot, &mut |plan| {
        let show = !global.json && !global.quiet && saved_ref.is_none();
        let view =
            render::PlanView { detail: false, detail_command: suggest::command(global, ctx, &["plan", "--detail"]) };
        if show {
            render::print_plan_text(plan, &view, false);
        }
        // Guided: the summary first; the details (which may be long) only when asked for.
        if show && prompt::interactive(global.json, global.yes) && prompt::offer_details()? {
            let view = render::PlanView { detail: true, ..view };
            render::print_plan_text(plan, &view, true);
        }
        confirm(global, question)
    })?;
    if global.json {
        print_json(&outcome);
    } else if !outcome.confirmed {
        println!("Nothing was written.");
    } else {
        let next = render::Next {
            verify: suggest::command(global, ctx, &["verify"]),
            cleanup: suggest::command(global, ctx, &["cleanup"]),
            rollback: suggest::command(global, ctx, &["rollback"]),
        };
        print!("{}", render::apply_text(&outcome, &next));
    }
    Ok(outcome)
}

/// Ask for confirmation on a terminal; `--yes` confirms; otherwise refuse.
fn confirm(global: &Global, question: &str) -> Result<bool> {
    if global.yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() || global.json {
        return Err(Error::needs(
            format!("{question} — no terminal to ask on; pass --yes to confirm. Nothing was written"),
            vec![commands::InputNeeded {
                what: "confirmation".into(),
                location: schema::command().to_string(),
                prompt: question.to_string(),
                answers_entry: None,
                env_var: None,
                flag: Some("--yes".into()),
            }],
        ));
    }
    if prompt::interactive(global.json, global.yes) {
        return prompt::confirm(question);
    }
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| Error::failed(format!("cannot read the answer: {e}")))?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

fn run(cli: Cli) -> Result<u8> {
    let global = &cli.global;
    match &cli.command {
        Command::Providers { command } => {
            let registry = commands::registry(&options(global))?;
            match command {
                ProvidersCommand::List => {
                    if global.json {
                        let unpinned: Vec<_> = registry
                            .unpinned
                            .iter()
                            .map(|u| serde_json::json!({"path": u.path, "pin_command": u.pin_command()}))
                            .collect();
                        print_json(
                            &serde_json::json!({"providers": render::providers_json(&registry), "unpinned": unpinned}),
                        );
                    } else {
                        print!("{}", render::providers_list(&registry));
                    }
                }
                ProvidersCommand::Show { kind, to } => {
                    let (entry, info) = inspect::provider_pair(&registry, kind, to.as_deref())?;
                    if global.json {
                        print_json(info);
                    } else {
                        print!("{}", render::provider_show(entry, info));
                    }
                }
            }
            Ok(0)
        }
        Command::Scan { switch } => {
            let ctx = switch.context(global)?;
            commands::leave_loaded_to_exit();
            let report = inspect::scan(&ctx, if global.json { ProjectState::Shown } else { ProjectState::NotShown })?;
            if global.json {
                print_json(&report);
            } else {
                let mut out = render::Output::paged();
                let _ = std::fmt::Write::write_str(&mut out, &render::scan_text(&report));
                out.finish();
            }
            // The process ends next: freeing the report would only cost time.
            std::mem::forget(report);
            Ok(0)
        }
        Command::Plan { out, detail, switch } => {
            let ctx = switch.context(global)?;
            commands::leave_loaded_to_exit();
            show_plan(global, &ctx, out.as_deref(), &["apply"], *detail)
        }
        Command::Apply { plan: plan_file, snapshot, switch, .. } => {
            let mut ctx = switch.context(global)?;
            // Guided mode: ask for missing answers instead of stopping with exit 3.
            let guided = match plan_file {
                None if prompt::interactive(global.json, global.yes) => Some(prompt::resolve(&mut ctx)?),
                _ => None,
            };
            let outcome = run_apply(global, &ctx, plan_file.as_deref(), *snapshot, "Apply these changes?")?;
            if let (Some(guided), true) = (&guided, outcome.confirmed) {
                prompt::offer_save(guided, global.answers.as_deref())?;
            }
            Ok(0)
        }
        Command::Verify { switch } => {
            let ctx = switch.context(global)?;
            commands::leave_loaded_to_exit();
            let report = commands::verify(&ctx)?;
            if global.json {
                print_json(&serde_json::json!({"passed": report.passed(), "report": report}));
            } else {
                print!("{}", render::verify_text(&report));
            }
            let code = if report.passed() { 0 } else { 4 };
            // The process ends next: freeing the report would only cost time.
            std::mem::forget(report);
            Ok(code)
        }
        Command::Cleanup { dry_run, force, switch, .. } => {
            let ctx = switch.context(global)?;
            let outcome = commands::cleanup(&ctx, *dry_run, *force, &mut |items| {
                if !global.json && !global.quiet {
                    print!("{}", render::cleanup_items_text(items));
                }
                confirm(global, "Remove these legacy settings? (a backup is kept; `rollback` restores them)")
            })?;
            if global.json {
                print_json(&outcome);
            } else {
                print!("{}", render::cleanup_text(&outcome, &suggest::command(global, &ctx, &["rollback"])));
            }
            let eligible = outcome.items.iter().filter(|i| i.refused.is_none()).count();
            Ok(if eligible == 0 && !outcome.items.is_empty() { 4 } else { 0 })
        }
        Command::Retarget(args) => switch::retarget(global, args),
        Command::Doctor { save_profile } => doctor::run(global, save_profile.as_deref()),
        Command::Fleet(args) => fleet::run(global, args),
        Command::Rollback { run, force, .. } => {
            let ctx = Context::open(&options(global), Providers::Skip)?;
            let Some(target) = commands::rollback_candidate(&ctx, run.as_deref())? else {
                if global.json {
                    print_json(&serde_json::json!({"rolled_back": null}));
                } else {
                    println!("Nothing to roll back.");
                }
                return Ok(0);
            };
            if !global.json && !global.quiet {
                print!("{}", render::rollback_preview(&target));
            }
            if !confirm(global, &format!("Roll back run {}?", target.id))? {
                println!("Nothing was changed.");
                return Ok(0);
            }
            let outcome = commands::rollback(&ctx, Some(&target.id.clone()), *force)?;
            if global.json {
                print_json(&outcome);
            } else {
                print!("{}", render::rollback_text(&outcome));
            }
            Ok(0)
        }
        Command::Purge { .. } => {
            let ctx = Context::open(&options(global), Providers::Skip)?;
            if !confirm(global, "Delete the backups of finished runs? They can then no longer be rolled back")? {
                println!("Nothing was deleted.");
                return Ok(0);
            }
            let purged = commands::purge(&ctx)?;
            if global.json {
                print_json(&serde_json::json!({"purged": purged}));
            } else if purged.is_empty() {
                println!("No finished run has backups left.");
            } else {
                println!("Deleted the backups of {} run(s): {}", purged.len(), purged.join(", "));
            }
            Ok(0)
        }
        // Commands that write a document: see documents.rs.
        Command::Report { .. } | Command::Answers { .. } | Command::Completions { .. } | Command::Man { .. } => {
            documents::run(global, &cli.command)
        }
        Command::Unlock { force } => {
            if !force {
                return Err(Error::usage(
                    "the project lock is held by the kernel and released when its run ends, even a killed one: \
                     rerun your command (it resumes an interrupted run) or `rollback`. `unlock --force` removes the \
                     lock file only for a network file system that kept the lock of a vanished machine",
                ));
            }
            let ctx = Context::open(&options(global), Providers::Skip)?;
            let removed = commands::unlock(&ctx)?;
            if global.json {
                print_json(&serde_json::json!({"removed": removed}));
            } else if removed {
                println!(
                    "Removed the lock file. Rerun your command to resume, or `rollback` to undo an interrupted run."
                );
            } else {
                println!("There was no lock.");
            }
            Ok(0)
        }
    }
}
