//! Guided mode: on a terminal, `apply` asks for what is missing instead of stopping with
//! exit 3: hidden input for secrets, a choice list for each conflict, free text for
//! connection references and values; then it confirms before writing and offers to save
//! the non-secret answers.
//!
//! Guided mode needs stdin and stderr on a terminal, and neither `--json` nor `--yes`:
//! scripts and CI never see a prompt. Typed secrets live only in memory (in the answers the
//! analysis reads) and go only where the migration puts them: provider files (offline) or
//! the tenant. They are never echoed, logged or saved.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use dialoguer::console::Term;
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, Password, Select};
use handover_migrate_commands::answers::{self, secret_env_var, Chosen, KEEP_LEGACY};
use handover_migrate_commands::{inspect, Answers, Context, Error, Result, Secret};
use handover_migrate_core::ManualStepKind;

use crate::quote;

/// May this run ask questions? stdin and stderr are terminals, and no `--json` / `--yes`.
pub fn interactive(json: bool, yes: bool) -> bool {
    !json && !yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn theme() -> Box<dyn Theme> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        dialoguer::console::set_colors_enabled_stderr(false);
        Box::new(SimpleTheme)
    } else {
        Box::new(ColorfulTheme::default())
    }
}

fn prompt_error(error: dialoguer::Error) -> Error {
    Error::needs_input(format!("the question was not answered ({error}); nothing was written"))
}

/// Whether the run has written already (then Ctrl-C at the last question says so).
static WRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    // Only async-signal-safe calls: write(2) and _exit(2). The cursor a menu hid is shown again.
    let message: &[u8] = if WRITTEN.load(std::sync::atomic::Ordering::SeqCst) {
        b"\x1b[?25h\nInterrupted: the answers file was not saved (the run itself is complete).\n"
    } else {
        b"\x1b[?25h\nInterrupted: nothing was written.\n"
    };
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(130);
    }
}

/// While questions are asked (before anything is written): Ctrl-C shows the cursor again,
/// says that nothing was written, and exits 130. Dropped before apply writes, so that an
/// interrupted write is left to the journal (resumable), not to this handler.
pub struct QuestionsOpen {
    previous: libc::sighandler_t,
}

impl QuestionsOpen {
    pub fn new() -> QuestionsOpen {
        let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler only calls async-signal-safe functions.
        let previous = unsafe { libc::signal(libc::SIGINT, handler) };
        QuestionsOpen { previous }
    }
}

impl Drop for QuestionsOpen {
    fn drop(&mut self) {
        // SAFETY: restores the disposition that was in place before.
        unsafe { libc::signal(libc::SIGINT, self.previous) };
    }
}

/// Yes/no on the terminal (default no). It takes Enter: a habitual `y⏎` answers this
/// question only, never the next one too.
pub fn confirm(question: &str) -> Result<bool> {
    let _open = QuestionsOpen::new();
    let theme = theme();
    Confirm::with_theme(theme.as_ref())
        .with_prompt(question)
        .default(false)
        .wait_for_newline(true)
        .interact_on(&Term::stderr())
        .map_err(prompt_error)
}

/// Guided apply shows the summary; this offers the details (default no).
pub fn offer_details() -> Result<bool> {
    confirm("Show every property and node change first?")
}

/// What guided mode asked and what may be saved.
pub struct Guided {
    pub chosen: Chosen,
    /// Something was asked (so there is something to offer to save).
    pub asked: bool,
}

/// Ask for every missing answer and conflict, re-analysing after each round (an answered
/// masked secret can merge providers, which changes names and conflicts), until nothing
/// new is missing. The answers end up in `ctx.answers_override`; apply then plans with them.
pub fn resolve(ctx: &mut Context) -> Result<Guided> {
    // A named answers file that does not exist yet is where the answers will be saved.
    let exists = match &ctx.answers {
        Some(path) => !handover_migrate_commands::is_missing(path)?,
        None => false,
    };
    let mut answers = if exists { Answers::load(ctx.answers.as_deref())? } else { Answers::default() };
    let mut chosen = Chosen::default();
    let mut asked: BTreeSet<String> = BTreeSet::new();
    let theme = theme();
    let term = Term::stderr();
    let _open = QuestionsOpen::new();
    let mut first = true;
    loop {
        ctx.answers_override = Some(answers.clone());
        let questions = inspect::questions(ctx)?;
        if questions.blocked {
            // Invalid settings: no answer helps; apply reports them.
            break;
        }
        let mut round = 0;
        // Providers: secrets, connections, values.
        for question in &questions.inputs {
            let (key, entry) = (&question.key, &question.entry);
            {
                let id = format!("{key}\u{0}{entry}");
                if !asked.insert(id) {
                    continue;
                }
                introduce(&mut first);
                round += 1;
                // Names come from the project and prompts from plugins: quoted like every
                // other name on the terminal, look-alikes and bidi controls flagged.
                eprintln!(
                    "\nProvider \"{}\" ({}) for endpoint(s) {}:\n  {}",
                    quote::inner(&question.provider),
                    quote::inner(&question.service),
                    question.endpoints.iter().map(|e| quote::name(e)).collect::<Vec<_>>().join(", "),
                    question.prompt.lines().map(|line| quote::inner(line)).collect::<Vec<_>>().join("\n  ")
                );
                let names =
                    std::iter::once(question.provider.as_str()).chain(question.endpoints.iter().map(String::as_str));
                eprint!("{}", quote::bidi_warnings(names));
                let entries = answers.providers.entry(key.clone()).or_default();
                match &question.kind {
                    ManualStepKind::Secret(property) => {
                        eprintln!(
                            "  (typed input is hidden and never saved; non-interactively use --answers or {})",
                            secret_env_var(key, property)
                        );
                        let value = Password::with_theme(theme.as_ref())
                            .with_prompt(format!("{property} (secret)"))
                            // Empty input reaches the validator, which says why it is asked again.
                            .allow_empty_password(true)
                            .validate_with(|text: &String| {
                                if text.trim().is_empty() {
                                    Err("an answer is needed: type or paste the secret (hidden), then Enter; \
                                         Ctrl-C stops without writing anything"
                                        .to_string())
                                } else {
                                    handover_migrate_core::secret::check_supplied(text)
                                        .map_err(|why| format!("this secret {why}; type it again"))
                                }
                            })
                            .interact_on(&term)
                            .map_err(prompt_error)?;
                        entries.secrets.insert(property.clone(), Secret::new(value));
                        chosen.secrets_typed.insert(key.clone());
                    }
                    ManualStepKind::Connection(property) | ManualStepKind::Value(property) => {
                        let what = if matches!(question.kind, ManualStepKind::Connection(_)) {
                            "connection reference"
                        } else {
                            "value"
                        };
                        let value: String = Input::with_theme(theme.as_ref())
                            .with_prompt(format!("{property} ({what})"))
                            .validate_with(|text: &String| {
                                if text.trim().is_empty() {
                                    Err("an answer is needed: type it, then Enter; Ctrl-C stops without \
                                             writing anything")
                                } else {
                                    Ok(())
                                }
                            })
                            .interact_text_on(&term)
                            .map_err(prompt_error)?;
                        let value = value.trim().to_string();
                        if matches!(question.kind, ManualStepKind::Connection(_)) {
                            entries.connections.insert(property.clone(), value.clone());
                        } else {
                            entries.values.insert(property.clone(), toml::Value::String(value.clone()));
                        }
                        chosen.entries.entry(key.clone()).or_default().push((entry.clone(), value));
                    }
                    ManualStepKind::Confirm | ManualStepKind::Reminder => {}
                }
            }
        }
        // Conflicts: one choice per node (for all its locales).
        for question in questions.conflicts {
            if !asked.insert(format!("assign\u{0}{}", question.key)) {
                continue;
            }
            introduce(&mut first);
            round += 1;
            eprintln!(
                "\nConflict: flow \"{}\", node `{}` (\"{}\"), locale(s) {}\n  {}",
                quote::inner(&question.flow),
                quote::inner(&question.node_id),
                quote::inner(&question.label),
                question.locales.iter().map(|l| quote::name(l)).collect::<Vec<_>>().join(", "),
                quote::inner(&question.reason)
            );
            let names = question.choices.iter().flat_map(|c| [c.endpoint.as_str(), c.provider.as_str()]);
            eprint!("{}", quote::bidi_warnings(names.chain([question.flow.as_str(), question.label.as_str()])));
            let mut items: Vec<String> = question
                .choices
                .iter()
                .map(|c| format!("{}  → provider \"{}\"", quote::name(&c.endpoint), quote::inner(&c.provider)))
                .collect();
            items.push("Leave it on Legacy".to_string());
            let picked = Select::with_theme(theme.as_ref())
                .with_prompt("Which endpoint's handover should this node use?")
                .items(&items)
                .default(0)
                .interact_on(&term)
                .map_err(prompt_error)?;
            let target = question.choices.get(picked).map_or(KEEP_LEGACY.to_string(), |c| c.endpoint.clone());
            answers.assign.insert(question.key.clone(), target.clone());
            chosen.assign.insert(question.key, target);
        }
        if round == 0 {
            // Remember the names of the providers this run creates, so a saved file pins them.
            chosen.names.extend(questions.new_providers);
            break;
        }
        eprintln!();
    }
    let asked = !asked.is_empty();
    Ok(Guided { chosen, asked })
}

/// After a successful guided apply: offer to save the non-secret answers.
pub fn offer_save(guided: &Guided, answers_flag: Option<&Path>) -> Result<()> {
    if !guided.asked || (guided.chosen.is_empty() && guided.chosen.names.is_empty()) {
        return Ok(());
    }
    let path: PathBuf =
        answers_flag.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(answers::DEFAULT_ANSWERS_FILE));
    let question = format!(
        "Save your answers to {} for next time? (provider names, conflict choices, connections; never secrets)",
        path.display()
    );
    let theme = theme();
    WRITTEN.store(true, std::sync::atomic::Ordering::SeqCst);
    let _open = QuestionsOpen::new();
    let save = Confirm::with_theme(theme.as_ref())
        .with_prompt(question)
        .default(true)
        .wait_for_newline(true)
        .interact_on(&Term::stderr())
        .map_err(prompt_error)?;
    if !save {
        return Ok(());
    }
    answers::save(&path, &guided.chosen)?;
    eprintln!("Saved to {}. Pass it with --answers {} next time.", path.display(), path.display());
    if !guided.chosen.secrets_typed.is_empty() {
        eprintln!(
            "Secrets were not saved: type them again, or set HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY> variables."
        );
    }
    Ok(())
}

/// Say once, before the first question, that nothing is written until the user confirms.
fn introduce(first: &mut bool) {
    if std::mem::take(first) {
        eprintln!(
            "{}",
            crate::style::bold_stderr("apply needs a few answers first; nothing is written until you confirm.")
        );
    }
}
