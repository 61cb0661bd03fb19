//! Shell completions (clap_complete) and man pages (clap_mangen), generated from the same
//! clap definition as the parser, so they never drift from the real flags.

use std::path::{Path, PathBuf};

use handover_migrate_commands::{Error, Result};

/// The completion script for `shell`.
pub fn completions(mut cmd: clap::Command, shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The command line as the completion scripts offer it. clap_complete lists hidden flags too,
/// so hiding the single-project flags on the fleet commands (as help and man pages do) is not
/// enough: here they are global on every top-level command but `fleet` instead of on the root,
/// and a fleet command never offers them.
pub fn completion_command() -> clap::Command {
    use clap::CommandFactory;
    let cli = crate::Cli::command();
    let project_flags: Vec<clap::Arg> =
        cli.get_arguments().filter(|a| crate::fleet::is_project_flag(a)).cloned().collect();
    let mut cli = cli.mut_args(|arg| if crate::fleet::is_project_flag(&arg) { arg.global(false) } else { arg });
    let names: Vec<String> =
        cli.get_subcommands().map(|s| s.get_name().to_string()).filter(|name| name != "fleet").collect();
    for name in names {
        cli = cli.mut_subcommand(name, |sub| project_flags.iter().fold(sub, |sub, flag| sub.arg(flag.clone())));
    }
    cli
}

/// Every level without clap's `help` subcommand: the pages `man --out` writes are the pages
/// the others link to, and `help` would be linked without a page of its own.
/// The command line as the man pages describe it: [`crate::command`] without the `help`
/// subcommands (removed before the command is built, which adds them).
pub fn man_command() -> clap::Command {
    use clap::CommandFactory;
    crate::fleet::hide_project_flags(without_help(crate::Cli::command()))
}

fn without_help(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    let mut cmd = cmd.disable_help_subcommand(true);
    for name in names {
        cmd = cmd.mut_subcommand(name, without_help);
    }
    cmd
}

/// The sections clap does not generate: EXAMPLES, ENVIRONMENT, FILES, EXIT STATUS.
const EXTRA_SECTIONS: &str = r#".SH EXAMPLES
.nf
# A clone: look, plan, answer, apply, check, clean up (run in the folder `cognigy clone` wrote)
handover\-migrate scan
handover\-migrate plan
handover\-migrate answers template \-\-out answers.toml
handover\-migrate apply \-\-answers answers.toml \-\-yes
handover\-migrate verify
handover\-migrate cleanup \-\-yes
handover\-migrate report \-\-format html \-\-out migration.html
handover\-migrate rollback \-\-yes

# A reviewed plan, applied exactly
handover\-migrate plan \-\-out plan.json
handover\-migrate apply \-\-plan plan.json \-\-yes

# The tenant itself (API mode)
COGNIGY_API_KEY=... handover\-migrate plan \-\-api\-url https://api\-trial.cognigy.ai \-\-project\-id 64f0c1...
.fi
.SH ENVIRONMENT
.TP
\fBCOGNIGY_API_KEY\fR
The API key of API mode (or \fB\-\-api\-key\-file\fR).
.TP
\fBHANDOVER_MIGRATE_SECRET_\fIENDPOINT\fB_\fIPROPERTY\fR
A provider secret instead of the answers file, e.g. HANDOVER_MIGRATE_SECRET_SUPPORT_PORTAL_APIKEY (both names upper\-cased, other characters as _).
.TP
\fBHANDOVER_MIGRATE_PLUGIN_PATH\fR
More provider plugins (colon\-separated paths).
.TP
\fBPAGER\fR
The pager of long output on a terminal (default \fBless \-FRX\fR; \fBcat\fR turns it off). Never used when the output is piped.
.TP
\fBCOLUMNS\fR
The width tables fit (default: the terminal's).
.TP
\fBNO_COLOR\fR, \fBCLICOLOR_FORCE\fR
No colour at all; colour even when piped.
.TP
\fBRUST_LOG\fR
Log filter (overrides \fB\-v\fR/\fB\-q\fR); secrets never reach the log.
.TP
\fBXDG_STATE_HOME\fR, \fBXDG_DATA_HOME\fR, \fBXDG_CONFIG_HOME\fR
Where API mode keeps its state, where plugins are found, where the user's config lives.
.TP
\fBSOURCE_DATE_EPOCH\fR
The time a report names as its creation time (reproducible reports).
.SH FILES
.TP
\fIPROJECT\fB/handover\-migrate.toml\fR
The project's settings: \fBnode\-selector\-key\fR, \fBproject\-id\fR.
.TP
\fIPROJECT\fB/.handover\-migrate/\fR
The state of a clone: run journals, backups (which may hold secrets until \fBpurge\fR), the lock. It ignores itself in git.
.TP
\fB$XDG_STATE_HOME/handover\-migrate/\fIHOST\fB/\fIPROJECT_ID\fB/\fR
The state of API mode.
.TP
\fBhandover\-migrate\-answers.toml\fR
Where guided \fBapply\fR saves answers without \fB\-\-answers\fR (never secrets).
.TP
\fB$XDG_DATA_HOME/handover\-migrate/plugins/\fR
Provider plugins (loaded only when pinned).
.SH "EXIT STATUS"
.TP
\fB0\fR
Done, or ready.
.TP
\fB1\fR
An error: bad input, a refused operation, an I/O or network failure.
.TP
\fB2\fR
Usage: a wrong flag or combination, the node selector key unknown (\fBscan\fR still runs, exit 0).
.TP
\fB3\fR
Input needed: answers (secrets, conflicts) or a confirmation (\fB\-\-yes\fR). With \fB\-\-json\fR the error document lists them (\fBinput_needed\fR).
.TP
\fB4\fR
\fBverify\fR (or \fBcleanup\fR) found work that remains.
.TP
\fB130\fR
Interrupted with Ctrl\-C while a question was open (nothing written).
"#;

/// The main man page (roff), with the sections clap does not generate.
pub fn man_page(cmd: clap::Command) -> Result<String> {
    let mut out = Vec::new();
    let mut cmd = without_help(cmd);
    cmd.build();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Error::failed(format!("cannot render the man page: {e}")))?;
    let mut page = String::from_utf8_lossy(&out).into_owned();
    page.push_str(EXTRA_SECTIONS);
    Ok(page)
}

/// Write `handover-migrate.1` and one page per subcommand (`handover-migrate-scan.1`, …)
/// into `dir`: every page any of them links to; returns the files written.
pub fn man_pages_to(cmd: clap::Command, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create the directory", dir, e))?;
    let name = cmd.get_name().to_string();
    let cmd = without_help(cmd);
    clap_mangen::generate_to(cmd.clone(), dir).map_err(|e| Error::io("write man pages into", dir, e))?;
    // The main page again, with the extra sections.
    let main = dir.join(format!("{name}.1"));
    std::fs::write(&main, man_page(cmd)?).map_err(|e| Error::io("write", &main, e))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("list", dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "1")
                && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("handover-migrate"))
        })
        .collect();
    files.sort();
    Ok(files)
}
