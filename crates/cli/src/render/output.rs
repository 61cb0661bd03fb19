//! Where long text goes: stdout, or a pager when stdout is a terminal.

/// `fmt::Write` onto a buffered stdout, or onto the pager when one runs; a closed output
/// (`| head`, a pager quit early) stops the output quietly.
pub struct Output {
    pager: Option<std::process::Child>,
    out: Box<dyn std::io::Write>,
}

impl std::fmt::Write for Output {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.out.write_all(text.as_bytes()).map_err(|_| std::fmt::Error)
    }
}

impl Output {
    /// Stdout, through a pager when stdout is a terminal (as git does): `$PAGER`, default
    /// `less -FRX` (which exits at once when the text fits the screen). Never when piped.
    pub fn paged() -> Output {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            let pager =
                std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "less -FRX".into());
            let mut words = pager.split_whitespace();
            if let Some(program) = words.next().filter(|p| *p != "cat") {
                // Run directly (not through a shell): a pager that is not installed fails
                // to start, and the text goes to stdout instead of nowhere.
                let child = std::process::Command::new(program)
                    .args(words)
                    .env("LESS", std::env::var("LESS").unwrap_or_else(|_| "FRX".into()))
                    .stdin(std::process::Stdio::piped())
                    .spawn();
                if let Ok(mut child) = child {
                    if let Some(stdin) = child.stdin.take() {
                        return Output { pager: Some(child), out: Box::new(std::io::BufWriter::new(stdin)) };
                    }
                }
            }
        }
        Output::stdout()
    }

    pub fn stdout() -> Output {
        Output { pager: None, out: Box::new(std::io::BufWriter::new(std::io::stdout())) }
    }

    /// Flush, and wait for the pager to be quit.
    pub fn finish(mut self) {
        let _ = self.out.flush();
        drop(self.out);
        if let Some(mut pager) = self.pager.take() {
            let _ = pager.wait();
        }
    }
}
