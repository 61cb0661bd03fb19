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

/// The main man page (roff).
pub fn man_page(cmd: clap::Command) -> Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Error::failed(format!("cannot render the man page: {e}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Write `handover-migrate.1` and one page per subcommand (`handover-migrate-scan.1`, …)
/// into `dir`; returns the files written.
pub fn man_pages_to(cmd: clap::Command, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create the directory", dir, e))?;
    clap_mangen::generate_to(cmd, dir).map_err(|e| Error::io("write man pages into", dir, e))?;
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
