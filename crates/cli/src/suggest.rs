//! Commands the tool suggests ("Next: …"), written so that they run as printed: the full
//! path of the project, the answers file and the state directory, the tenant flags, and
//! every flag that shaped this run.

use std::path::Path;

use handover_migrate_commands::Context;

use crate::Global;

/// Quote `word` for a POSIX shell when it needs it.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '@' | '%' | '+' | ',')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// `handover-migrate SUBCOMMAND… --project DIR …`: `words` (the subcommand and its own
/// flags) followed by the flags that locate this run's project, answers and providers.
pub fn command(global: &Global, ctx: &Context, words: &[&str]) -> String {
    let mut line: Vec<String> = vec!["handover-migrate".into()];
    line.extend(words.iter().map(|w| shell_word(w)));
    let mut flag = |name: &str, value: String| {
        line.push(name.to_string());
        line.push(shell_word(&value));
    };
    if let Some(dir) = ctx.target.clone_dir() {
        flag("--project", absolute(dir));
    }
    if let Some(api) = ctx.target.api() {
        flag("--api-url", api.base_url.clone());
        flag("--project-id", api.project_id.clone());
        if let Some(file) = &global.api_key_file {
            flag("--api-key-file", absolute(file));
        }
        if let Some(file) = &global.ca_cert {
            flag("--ca-cert", absolute(file));
        }
    }
    if let Some(dir) = &global.state_dir {
        flag("--state-dir", absolute(dir));
    }
    if let Some(key) = &global.node_selector_key {
        flag("--node-selector-key", key.clone());
    }
    // `--to` belongs to the commands that migrate (not rollback, report, …).
    let takes_to = matches!(words.first(), Some(&("scan" | "plan" | "apply" | "verify" | "cleanup")));
    if let (Some(service), true) = (&ctx.target_service, takes_to) {
        flag("--to", service.clone());
    }
    for endpoint in &global.endpoints {
        flag("--endpoint", endpoint.clone());
    }
    if let Some(file) = &global.answers {
        flag("--answers", absolute(file));
    }
    for plugin in &global.plugins {
        flag("--plugin", absolute(plugin));
    }
    for prefer in &global.prefer_plugin {
        flag("--prefer-plugin", prefer.clone());
    }
    line.join(" ")
}

/// [`command`] with a path argument made absolute (`apply --plan FILE`).
pub fn with_path(global: &Global, ctx: &Context, words: &[&str], flag: &str, path: &Path) -> String {
    let path = absolute(path);
    let mut all: Vec<&str> = words.to_vec();
    all.push(flag);
    all.push(&path);
    command(global, ctx, &all)
}
