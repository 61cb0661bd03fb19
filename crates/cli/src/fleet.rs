//! `handover-migrate fleet <command> --fleet FILE`: the flags, the one confirmation for the
//! whole fleet, and the tables. The commands crate's `fleet` module does the work.

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use handover_migrate_commands::fleet::{
    self, ApplyOptions, Fleet, FleetOptions, FleetOutcome, FleetReport, FleetRow, FleetRun, ProjectOutcome,
    ProjectStatus, RunOptions,
};
use handover_migrate_commands::{Error, Result};

use crate::{confirm, print_json, report, style, Global, ReportFormat};

#[derive(Args)]
#[command(after_help = "Examples:\n  \
handover-migrate fleet scan --fleet fleet.toml                 # where the organisation stands\n  \
handover-migrate fleet apply --fleet fleet.toml                # plan all, ask once, apply each\n  \
handover-migrate fleet report --fleet fleet.toml --format html --out fleet.html")]
pub struct FleetArgs {
    /// The fleet file (TOML): [[tenant]] entries, [[clones]] paths, [project."…"] settings.
    #[arg(long = "fleet", global = true, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Projects in flight per tenant (and for the clones); one rate budget per tenant.
    #[arg(long, global = true, default_value_t = 4, value_name = "N")]
    jobs: usize,
    /// Stop at the first project that needs input, has work left or fails.
    #[arg(long, global = true)]
    fail_fast: bool,
    #[command(subcommand)]
    command: FleetCommand,
}

/// `--yes`, on the fleet commands that ask (once for the fleet) before they write.
#[derive(Args, Clone, Copy, Debug, Default)]
pub struct FleetConfirm {
    /// Confirm without asking; without a terminal and without it, the command refuses with
    /// exit 3.
    #[arg(long)]
    yes: bool,
}

impl FleetArgs {
    /// The `--yes` of the fleet command (false for the commands that never ask).
    pub fn yes(&self) -> bool {
        match &self.command {
            FleetCommand::Apply { confirm, .. }
            | FleetCommand::Cleanup { confirm, .. }
            | FleetCommand::Rollback { confirm, .. } => confirm.yes,
            _ => false,
        }
    }
}

#[derive(Subcommand)]
pub enum FleetCommand {
    /// Every project's inventory as one table (what `fleet report` shows as rows).
    #[command(after_help = "Examples:\n  \
handover-migrate fleet scan --fleet fleet.toml\n  \
handover-migrate fleet scan --fleet fleet.toml --json | jq .totals")]
    Scan,
    /// Every project's plan; --out DIR saves one plan per project.
    #[command(after_help = "Examples:\n  \
handover-migrate fleet plan --fleet fleet.toml                 # what each project needs\n  \
handover-migrate fleet plan --fleet fleet.toml --out plans/\n  \
handover-migrate fleet apply --fleet fleet.toml --plan plans/ --yes   # exactly those plans")]
    Plan {
        /// Save each project's complete plan in DIR (one file per project), for review and
        /// for `fleet apply --plan DIR`.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Plan every project, show the summary, ask once, apply each (journaled, resumable).
    #[command(after_help = "Examples:\n  \
handover-migrate fleet apply --fleet fleet.toml                # summary first, then asks once\n  \
handover-migrate fleet apply --fleet fleet.toml --yes --json   # unattended; rerun to resume\n  \
handover-migrate fleet apply --fleet fleet.toml --plan plans/ --yes\n  \
handover-migrate fleet apply --fleet fleet.toml --yes --fail-fast --jobs 8")]
    Apply {
        /// Apply exactly the per-project plans `fleet plan --out DIR` saved.
        #[arg(long, value_name = "DIR")]
        plan: Option<PathBuf>,
        /// Roll back the interrupted run of a project that fails (default: it stays resumable).
        #[arg(long)]
        rollback_failed: bool,
        #[command(flatten)]
        confirm: FleetConfirm,
    },
    /// Every project's verify; exit 4 when any has work left.
    #[command(after_help = "Examples:\n  \
handover-migrate fleet verify --fleet fleet.toml\n  \
handover-migrate fleet verify --fleet fleet.toml --json | jq '.projects[] | select(.status != \"done\")'")]
    Verify,
    /// Every project's doctor (read-only): 0 only when every project can apply unattended.
    #[command(after_help = "Examples:\n  \
handover-migrate fleet doctor --fleet fleet.toml               # before the first fleet apply\n  \
handover-migrate fleet doctor --fleet fleet.toml --json | jq '.projects[].input_needed'")]
    Doctor,
    /// Remove legacy settings from every project's fully migrated endpoints (asks once).
    #[command(after_help = "Examples:\n  \
handover-migrate fleet cleanup --fleet fleet.toml --dry-run\n  \
handover-migrate fleet cleanup --fleet fleet.toml --yes\n  \
handover-migrate fleet rollback --fleet fleet.toml --yes       # restores the removed settings")]
    Cleanup {
        /// Show what each project would remove; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also clean up endpoints that run a snapshot.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        confirm: FleetConfirm,
    },
    /// Undo the most recent fleet run (apply or cleanup), project by project.
    #[command(after_help = "Examples:\n  \
handover-migrate fleet rollback --fleet fleet.toml             # shows the fleet run, asks once\n  \
handover-migrate fleet rollback --fleet fleet.toml --yes       # again: the run before it")]
    Rollback {
        /// Overwrite what someone else changed after the run.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        confirm: FleetConfirm,
    },
    /// The fleet report: one row per project, totals, a section per project.
    #[command(after_help = "Examples:\n  \
handover-migrate fleet report --fleet fleet.toml > fleet.md\n  \
handover-migrate fleet report --fleet fleet.toml --format html --out fleet.html\n  \
handover-migrate fleet report --fleet fleet.toml --json")]
    Report {
        #[arg(long, value_enum, default_value = "md")]
        format: ReportFormat,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// The ids of the top-level (global) single-project flags a fleet takes from its file.
const PROJECT_FLAG_IDS: [&str; 10] = [
    "project",
    "api_url",
    "project_id",
    "api_key_file",
    "rate_limit",
    "ca_cert",
    "insecure_http",
    "answers",
    "endpoints",
    "node_selector_key",
];

/// Whether `arg` is one of the single-project flags a fleet takes from its file.
pub fn is_project_flag(arg: &clap::Arg) -> bool {
    PROJECT_FLAG_IDS.contains(&arg.get_id().as_str())
}

/// `cli` with the single-project flags hidden from `fleet … --help` and man pages: they
/// are global on the top-level command, so clap offers them on every subcommand, but a fleet
/// refuses them ([`refuse_project_flags`] says where each setting goes instead).
pub fn hide_project_flags(mut cli: clap::Command) -> clap::Command {
    // Global flags reach the subcommands when the command is built: hide them after that.
    cli.build();
    let hide = |arg: clap::Arg| {
        if is_project_flag(&arg) {
            arg.hide(true)
        } else {
            arg
        }
    };
    cli.mut_subcommand("fleet", |fleet| fleet.mut_args(hide).mut_subcommands(|command| command.mut_args(hide)))
}

/// Single-project flags a fleet takes from its file instead.
fn refuse_project_flags(global: &Global) -> Result<()> {
    let given: Vec<&str> = [
        (global.project.is_some(), "--project"),
        (global.api_url.is_some(), "--api-url"),
        (global.project_id.is_some(), "--project-id"),
        (global.api_key_file.is_some(), "--api-key-file"),
        (global.rate_limit.is_some(), "--rate-limit"),
        (global.ca_cert.is_some(), "--ca-cert"),
        (global.insecure_http, "--insecure-http"),
        (global.answers.is_some(), "--answers"),
        (!global.endpoints.is_empty(), "--endpoint"),
        (global.node_selector_key.is_some(), "--node-selector-key"),
    ]
    .into_iter()
    .filter_map(|(set, flag)| set.then_some(flag))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "fleet commands take projects and their settings from the fleet file, not {}: use [[tenant]] (api-url, \
         api-key-env or api-key-file, projects, rate-limit, ca-cert, insecure-http), [[clones]] (path) and [project.\"…\"] (answers, endpoint, \
         to, node-selector-key)",
        given.join(", ")
    )))
}

pub fn run(global: &Global, args: &FleetArgs) -> Result<u8> {
    refuse_project_flags(global)?;
    let Some(file) = &args.file else {
        return Err(Error::usage("fleet commands need --fleet FILE (the fleet file, TOML; see README \"Fleet runs\")"));
    };
    let fleet = Fleet::open(&FleetOptions {
        file: file.clone(),
        state_dir: global.state_dir.clone(),
        plugins: global.plugins.clone(),
        prefer_plugin: global.prefer_plugin.clone(),
        isolation: crate::options(global).isolation,
        trust_state: global.trust_state,
    })?;
    let options = RunOptions { jobs: args.jobs.max(1), fail_fast: args.fail_fast };
    let tool = format!("handover-migrate {}", crate::LONG_VERSION);
    match &args.command {
        FleetCommand::Scan => {
            let report = fleet::report(&fleet, options, &tool, false)?;
            if global.json {
                print_json(&serde_json::json!({
                    "fleet": report.fleet, "rows": report.rows, "totals": report.totals, "exit_code": report.exit_code,
                }));
            } else {
                print!("{}", table_text(&report));
            }
            Ok(report.exit_code)
        }
        FleetCommand::Plan { out } => {
            let outcome = fleet::plan(&fleet, options, out.as_deref())?;
            show(global, &outcome);
            if let (Some(out), false) = (out, global.json) {
                println!(
                    "Saved one plan per project in {}; apply exactly these with `fleet apply --plan {}`.",
                    out.display(),
                    out.display()
                );
            }
            Ok(outcome.exit_code)
        }
        FleetCommand::Apply { plan, rollback_failed, confirm: confirmed } => {
            let apply_options =
                ApplyOptions { plans: plan.clone(), rollback_failed: *rollback_failed, confirmed: confirmed.yes };
            let outcome = fleet::apply(&fleet, options, &apply_options, &mut |summary| {
                if !global.json && !global.quiet {
                    println!("{}", style::bold("Fleet plan"));
                    print!("{}", outcomes_text(summary));
                }
                let ready = summary.iter().filter(|o| o.status == ProjectStatus::Done).count();
                confirm(global, &format!("Apply the {ready} project(s) marked done above?"))
            })?;
            show(global, &outcome);
            Ok(outcome.exit_code)
        }
        FleetCommand::Doctor => {
            let outcome = fleet::doctor(&fleet, options)?;
            show(global, &outcome);
            Ok(outcome.exit_code)
        }
        FleetCommand::Verify => {
            let outcome = fleet::verify(&fleet, options)?;
            show(global, &outcome);
            Ok(outcome.exit_code)
        }
        FleetCommand::Cleanup { dry_run, force, .. } => {
            let outcome = fleet::cleanup(&fleet, options, *dry_run, *force, &mut |summary| {
                if !global.json && !global.quiet {
                    println!("{}", style::bold("Fleet cleanup"));
                    print!("{}", outcomes_text(summary));
                }
                confirm(global, "Remove these legacy settings? (backups are kept; `fleet rollback` restores them)")
            })?;
            show(global, &outcome);
            Ok(outcome.exit_code)
        }
        FleetCommand::Rollback { force, .. } => {
            let outcome = fleet::rollback(&fleet, options, *force, &mut |run| {
                if !global.json && !global.quiet {
                    print!("{}", rollback_preview(run));
                }
                confirm(global, &format!("Roll back fleet run {}?", run.id))
            })?;
            if outcome.fleet_run.is_none() && !global.json {
                println!("Nothing to roll back.");
                return Ok(0);
            }
            show(global, &outcome);
            Ok(outcome.exit_code)
        }
        FleetCommand::Report { format, out } => {
            let report = fleet::report(&fleet, options, &tool, true)?;
            if global.json {
                print_json(&report);
                return Ok(report.exit_code);
            }
            let text = match format {
                ReportFormat::Md => markdown(&report),
                ReportFormat::Html => html(&report),
            };
            match out {
                Some(path) => {
                    handover_migrate_commands::write_output(path, &text, 0o644)?;
                    if !global.quiet {
                        eprintln!("Wrote the fleet report to {}.", path.display());
                    }
                }
                None => print!("{text}"),
            }
            Ok(report.exit_code)
        }
    }
}

fn show(global: &Global, outcome: &FleetOutcome) {
    if global.json {
        print_json(outcome);
    } else {
        print!("{}", outcome_text(outcome));
    }
}

fn status_word(status: ProjectStatus) -> String {
    let word = match status {
        ProjectStatus::Done => "done",
        ProjectStatus::UpToDate => "up to date",
        ProjectStatus::NeedsInput => "needs input",
        ProjectStatus::WorkRemains => "work remains",
        ProjectStatus::Failed => "failed",
        ProjectStatus::Skipped => "skipped",
        ProjectStatus::RolledBack => "rolled back",
    };
    match status {
        ProjectStatus::Done | ProjectStatus::UpToDate | ProjectStatus::RolledBack => style::green(word),
        ProjectStatus::NeedsInput | ProjectStatus::WorkRemains | ProjectStatus::Skipped => style::yellow(word),
        ProjectStatus::Failed => style::red(word),
    }
}

/// The first line of a message (the full text is in `--json`).
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn outcomes_text(projects: &[ProjectOutcome]) -> String {
    let mut out = String::new();
    for project in projects {
        let _ = writeln!(out, "  {}  {}", style::bold(&project.project), status_word(project.status));
        if let Some(name) = &project.name {
            let _ = writeln!(out, "      name: {name}");
        }
        let details: Vec<String> = project
            .detail
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{} {n}", k.replace('_', " ")))
            .collect();
        if !details.is_empty() {
            let _ = writeln!(out, "      {}", details.join(", "));
        }
        let message = first_line(&project.message);
        if !message.is_empty() {
            let _ = writeln!(out, "      {message}");
        }
        if project.status != ProjectStatus::Done || project.next_step != "none" {
            let _ = writeln!(out, "      next: {}", project.next_step);
        }
    }
    out
}

fn outcome_text(outcome: &FleetOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", style::bold(&format!("Fleet {}: {}", outcome.command, outcome.fleet)));
    if let Some(run) = &outcome.fleet_run {
        let _ = writeln!(out, "Fleet run {run}{}", if outcome.resumed { " (continued)" } else { "" });
    }
    if !outcome.confirmed && !matches!(outcome.command.as_str(), "plan" | "verify" | "doctor") {
        let _ = writeln!(out, "Nothing was written.");
    }
    out.push_str(&outcomes_text(&outcome.projects));
    let count = |s: ProjectStatus| outcome.projects.iter().filter(|p| p.status == s).count();
    let _ = writeln!(
        out,
        "{} project(s): {} done, {} up to date, {} need input, {} with work left, {} failed, {} skipped, {} rolled back",
        outcome.projects.len(),
        count(ProjectStatus::Done),
        count(ProjectStatus::UpToDate),
        count(ProjectStatus::NeedsInput),
        count(ProjectStatus::WorkRemains),
        count(ProjectStatus::Failed),
        count(ProjectStatus::Skipped),
        count(ProjectStatus::RolledBack),
    );
    for tenant in &outcome.tenants {
        let _ = writeln!(
            out,
            "Tenant {}: {} request(s) under {} (at least {:.1}s)",
            tenant.name, tenant.requests, tenant.rate_limit, tenant.bound_seconds
        );
    }
    out
}

fn rollback_preview(run: &FleetRun) -> String {
    let mut out = format!("Fleet run {} ({}) made these project runs:\n", run.id, run.command);
    for (project, entry) in &run.projects {
        if let (Some(id), false) = (&entry.run_id, entry.rolled_back) {
            let _ = writeln!(out, "  {project}: run {id}");
        }
    }
    out
}

fn kinds_text(row: &FleetRow) -> String {
    if row.endpoints_by_kind.is_empty() {
        return "-".into();
    }
    row.endpoints_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

/// `fleet scan`: the table.
fn table_text(report: &FleetReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", style::bold(&format!("Fleet {}", report.fleet)));
    for row in &report.rows {
        let title = match &row.name {
            Some(name) => format!("{} ({name})", row.project),
            None => row.project.clone(),
        };
        let _ = writeln!(out, "  {}", style::bold(&title));
        if let Some(error) = &row.error {
            let _ = writeln!(out, "      {} {}", style::red("unreadable:"), first_line(error));
            continue;
        }
        let _ = writeln!(out, "      endpoints: {}", kinds_text(row));
        let _ = writeln!(
            out,
            "      nodes to switch {}, switched {}, conflicts {}, answers needed {}",
            row.nodes_to_switch, row.nodes_switched, row.conflicts, row.answers_needed
        );
        let _ = writeln!(out, "      stage: {}", row.stage);
        let _ = writeln!(out, "      last run: {}", row.last_run.as_deref().unwrap_or("none"));
    }
    let t = &report.totals;
    let kinds = t.endpoints_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "Totals: {} project(s) ({} unreadable); endpoints: {}; nodes to switch {}, switched {}; conflicts {}; answers needed {}",
        t.projects,
        t.unreadable,
        if kinds.is_empty() { "-".into() } else { kinds },
        t.nodes_to_switch,
        t.nodes_switched,
        t.conflicts,
        t.answers_needed
    );
    out
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn anchor(index: usize) -> String {
    format!("project-{}", index + 1)
}

/// The Markdown fleet report: the table, totals, then each project's report one heading down.
fn markdown(report: &FleetReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Fleet migration report\n");
    let _ = writeln!(out, "Fleet file: `{}`\n", report.fleet);
    let _ = writeln!(
        out,
        "| Project | Endpoints by kind | Nodes to switch | Switched | Conflicts | Answers needed | Stage | Last run |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for (i, row) in report.rows.iter().enumerate() {
        let title = match &row.name {
            Some(name) => format!("{} ({name})", row.project),
            None => row.project.clone(),
        };
        let stage = row.error.as_deref().map_or(row.stage.clone(), |e| format!("Unreadable: {}", first_line(e)));
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} | {} | {} | {} | {} |",
            md_cell(&title),
            anchor(i),
            md_cell(&kinds_text(row)),
            row.nodes_to_switch,
            row.nodes_switched,
            row.conflicts,
            row.answers_needed,
            md_cell(&stage),
            md_cell(row.last_run.as_deref().unwrap_or("none"))
        );
    }
    let t = &report.totals;
    let kinds = t.endpoints_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "| **Totals: {} project(s)** | {} | {} | {} | {} | {} | {} unreadable | |\n",
        t.projects,
        md_cell(if kinds.is_empty() { "-" } else { &kinds }),
        t.nodes_to_switch,
        t.nodes_switched,
        t.conflicts,
        t.answers_needed,
        t.unreadable
    );
    for (i, project) in report.projects.iter().enumerate() {
        let _ = writeln!(out, "<a id=\"{}\"></a>\n\n## {}\n", anchor(i), md_cell(&project.project));
        match (&project.report, &project.error) {
            (Some(single), _) => {
                let mut fenced = false;
                for line in report::markdown(single).lines() {
                    if line.starts_with("```") {
                        fenced = !fenced;
                    }
                    if !fenced && line.starts_with('#') {
                        let _ = writeln!(out, "##{line}");
                    } else {
                        let _ = writeln!(out, "{line}");
                    }
                }
                out.push('\n');
            }
            (None, Some(error)) => {
                let _ = writeln!(out, "Could not be read: {}\n", md_cell(error));
            }
            (None, None) => {}
        }
    }
    out
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The HTML fleet report: one self-contained file; each project's section is its own report's body.
fn html(report: &FleetReport) -> String {
    let mut style_block = String::new();
    let mut sections = String::new();
    for (i, project) in report.projects.iter().enumerate() {
        let _ = write!(
            sections,
            "<section class=\"fleet-project\" id=\"{}\"><h2>{}</h2>",
            anchor(i),
            esc(&project.project)
        );
        match (&project.report, &project.error) {
            (Some(single), _) => {
                let page = report::html(single);
                if style_block.is_empty() {
                    if let (Some(a), Some(b)) = (page.find("<style>"), page.find("</style>")) {
                        style_block = page[a..b + "</style>".len()].to_string();
                    }
                }
                let body = match (page.find("<main>"), page.rfind("</main>")) {
                    (Some(a), Some(b)) if a < b => &page[a + "<main>".len()..b],
                    _ => "",
                };
                sections.push_str(body);
            }
            (None, Some(error)) => {
                let _ = write!(sections, "<p>Could not be read: {}</p>", esc(error));
            }
            (None, None) => {}
        }
        sections.push_str("</section>\n");
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Fleet migration report</title>\n\
         {style_block}\n</head>\n<body>\n<main>\n<header><h1>Fleet migration report</h1><p>Fleet file: <code>{}</code></p></header>\n",
        esc(&report.fleet)
    );
    out.push_str(
        "<section id=\"fleet\"><table><thead><tr><th>Project</th><th>Endpoints by kind</th><th>Nodes to switch</th>\
         <th>Switched</th><th>Conflicts</th><th>Answers needed</th><th>Stage</th><th>Last run</th></tr></thead><tbody>",
    );
    for (i, row) in report.rows.iter().enumerate() {
        let title = match &row.name {
            Some(name) => format!("{} ({name})", row.project),
            None => row.project.clone(),
        };
        let stage = row.error.as_deref().map_or(row.stage.clone(), |e| format!("Unreadable: {}", first_line(e)));
        let _ = write!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            anchor(i),
            esc(&title),
            esc(&kinds_text(row)),
            row.nodes_to_switch,
            row.nodes_switched,
            row.conflicts,
            row.answers_needed,
            esc(&stage),
            esc(row.last_run.as_deref().unwrap_or("none"))
        );
    }
    let t = &report.totals;
    let kinds = t.endpoints_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
    let _ = write!(
        out,
        "</tbody><tfoot><tr><th>Totals: {} project(s)</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{} unreadable</th><th></th></tr></tfoot></table></section>",
        t.projects,
        esc(if kinds.is_empty() { "-" } else { &kinds }),
        t.nodes_to_switch,
        t.nodes_switched,
        t.conflicts,
        t.answers_needed,
        t.unreadable
    );
    out.push('\n');
    out.push_str(&sections);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}
