//! User input besides the project: the project's `handover-migrate.toml` and the answers
//! file (provider names, conflict choices, secrets).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

mod save;

pub use handover_migrate_core::secret::Secret;
use handover_migrate_core::ManualStepKind;
use handover_migrate_io::fsio::{self, Entry};
use handover_migrate_io::{Error, Result};
pub use save::{save, Chosen, DEFAULT_ANSWERS_FILE};

/// The per-project settings file, next to `endpoints/` and `flows/`.
pub const PROJECT_CONFIG_FILE: &str = "handover-migrate.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectConfig {
    /// The node config key that holds the selected Handover Provider.
    pub node_selector_key: Option<String>,
    /// The project's id: endpoints whose `entrypoint` is something else run a snapshot.
    pub project_id: Option<String>,
}

impl ProjectConfig {
    pub fn load(project: &Path) -> Result<Self> {
        let path = project.join(PROJECT_CONFIG_FILE);
        if fsio::entry(&path)? == Entry::Missing {
            return Ok(Self::default());
        }
        let text = fsio::read_text(&path)?;
        toml::from_str(&text).map_err(|e| {
            Error::usage(format!(
                "{}: {}; the keys it may hold are `node-selector-key` and `project-id`",
                path.display(),
                e.message()
            ))
        })
    }
}

/// The answers file (TOML). See the README for its layout.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Per provider, keyed by the name of any endpoint of its group.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderAnswers>,
    /// Node `referenceId`, node `_id` or flow name → endpoint name, or `legacy` to leave it.
    #[serde(default)]
    pub assign: BTreeMap<String, String>,
    /// Fleet runs: secrets come from `HANDOVER_MIGRATE_SECRET_<PROJECT>_<ENDPOINT>_<PROPERTY>`
    /// with this project, never from the unscoped variables (so one customer's secret cannot
    /// reach another's provider). Not part of the file.
    #[serde(skip)]
    pub secret_scope: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderAnswers {
    pub name: Option<String>,
    #[serde(default)]
    pub secrets: BTreeMap<String, Secret>,
    #[serde(default)]
    pub connections: BTreeMap<String, String>,
    #[serde(default)]
    pub values: BTreeMap<String, toml::Value>,
}

/// The value of an `assign` entry that keeps a node on Legacy.
pub const KEEP_LEGACY: &str = "legacy";

impl Answers {
    /// The answers file at `path` (none: no answers). Secrets it holds, and secrets in
    /// `HANDOVER_MIGRATE_SECRET_…` variables, are refused when shorter than
    /// [`handover_migrate_core::secret::MIN_SUPPLIED_LEN`] (an empty one is "not answered").
    pub fn load(path: Option<&Path>) -> Result<Self> {
        check_secret_env_values()?;
        let Some(path) = path else { return Ok(Self::default()) };
        let text = fsio::read_text(path)?;
        // The TOML error quotes the offending line, which may hold a secret: report position only.
        let answers: Answers = toml::from_str(&text).map_err(|e| {
            let position = e
                .span()
                .map(|span| {
                    let line = text[..span.start].matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            Error::usage(format!("answers file {}{position}: {}", path.display(), without_values(&text, e.message())))
        })?;
        for (key, provider) in &answers.providers {
            for (property, Secret(value)) in &provider.secrets {
                if value.trim().is_empty() {
                    continue;
                }
                handover_migrate_core::secret::check_supplied(value).map_err(|why| {
                    Error::usage(format!(
                        "answers file {}: [providers.{key:?}] secrets.{property} {why}; nothing was written",
                        path.display()
                    ))
                })?;
            }
        }
        Ok(answers)
    }
}

/// Refuse a set `HANDOVER_MIGRATE_SECRET_…` variable whose value is too short to be a
/// secret (see [`handover_migrate_core::secret::check_supplied`]), naming the variable.
fn check_secret_env_values() -> Result<()> {
    for (key, value) in std::env::vars_os() {
        let Some(key) = key.to_str().filter(|k| k.starts_with(SECRET_ENV_PREFIX)) else { continue };
        let value = value.to_string_lossy();
        if value.trim().is_empty() {
            continue;
        }
        handover_migrate_core::secret::check_supplied(&value)
            .map_err(|why| Error::usage(format!("the secret in {key} {why}; nothing was written")))?;
    }
    Ok(())
}

/// A TOML or serde error message with every quoted piece that is not a key of `text`
/// masked: `invalid type: integer `123`` or `string "…"` quote the value, which may be a
/// secret. Keys (`unknown field `nmae``), table names and one-character tokens stay.
fn without_values(text: &str, message: &str) -> String {
    let key_parts: Vec<&str> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            if line.starts_with('[') {
                Some(line)
            } else {
                line.split_once('=').map(|(key, _)| key)
            }
        })
        .collect();
    let is_key = |piece: &str| {
        piece.chars().count() <= 1
            || piece.split('.').all(|part| !part.trim().is_empty() && key_parts.iter().any(|k| k.contains(part.trim())))
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            rest = after;
            break;
        };
        let piece = &after[..close];
        out.push_str(if is_key(piece) { piece } else { handover_migrate_core::secret::REDACTED });
        out.push(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The prefix of every secret environment variable.
pub const SECRET_ENV_PREFIX: &str = "HANDOVER_MIGRATE_SECRET_";

/// A name as it appears in a secret variable: upper-cased, other characters as `_`.
fn env_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

/// Environment variable that can hold a secret instead of the answers file:
/// `HANDOVER_MIGRATE_SECRET_<ENDPOINT>_<PROPERTY>`, both upper-cased, other characters as `_`.
pub fn secret_env_var(endpoint: &str, property: &str) -> String {
    format!("{SECRET_ENV_PREFIX}{}_{}", env_name(endpoint), env_name(property))
}

/// Refuse when endpoints whose names map to the same secret variables ("Web Chat" and
/// "web-chat" both read `…_WEB_CHAT_APIKEY`) meet a set variable of that form: one secret
/// would go into the providers of both, which may be different accounts.
/// `set_vars` are the names of the secret variables set in the environment.
/// `scope` is the fleet's project scope (the variables then read are
/// `…_<PROJECT>_<ENDPOINT>_<PROPERTY>`).
pub fn check_secret_env_collisions<'a>(
    endpoints: impl Iterator<Item = &'a str>,
    scope: Option<&str>,
    set_vars: &[String],
) -> Result<()> {
    let mut by_env_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for endpoint in endpoints {
        let names = by_env_name.entry(env_name(endpoint)).or_default();
        if !names.contains(&endpoint) {
            names.push(endpoint);
        }
    }
    for (env, endpoints) in by_env_name.iter().filter(|(_, names)| names.len() > 1) {
        let prefix = match scope {
            Some(project) => format!("{SECRET_ENV_PREFIX}{}_{env}_", env_name(project)),
            None => format!("{SECRET_ENV_PREFIX}{env}_"),
        };
        if let Some(var) = set_vars.iter().find(|v| v.starts_with(&prefix)) {
            return Err(Error::usage(format!(
                "{var} is set, but the endpoints {} all map to variables named {prefix}<PROPERTY>, so one secret \
                 would go to each of their providers. Unset it and give each endpoint's secrets in the answers file \
                 ([providers.\"<endpoint>\"] secrets.<property> = \"…\"). Nothing was written",
                endpoints.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(())
}

/// The names of the secret variables set in this process's environment.
pub fn set_secret_env_vars() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(key, value)| {
            let key = key.into_string().ok()?;
            (key.starts_with(SECRET_ENV_PREFIX) && !value.is_empty()).then_some(key)
        })
        .collect()
}

/// The fleet form of [`secret_env_var`], scoped by project:
/// `HANDOVER_MIGRATE_SECRET_<PROJECT>_<ENDPOINT>_<PROPERTY>`.
pub fn scoped_secret_env_var(project: &str, endpoint: &str, property: &str) -> String {
    let clean = |s: &str| {
        s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect::<String>()
    };
    format!("HANDOVER_MIGRATE_SECRET_{}_{}_{}", clean(project), clean(endpoint), clean(property))
}

/// The variable a secret is read from: scoped by project in a fleet run, unscoped otherwise.
pub fn secret_env_var_for(scope: Option<&str>, endpoint: &str, property: &str) -> String {
    match scope {
        Some(project) => scoped_secret_env_var(project, endpoint, property),
        None => secret_env_var(endpoint, property),
    }
}

/// A TOML string literal (quoted, escaped).
pub fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

/// An answers-file snippet as printed for a person to paste: the table header on a line of
/// its own, then `key = value` (valid TOML as it stands).
pub fn answers_snippet(table: &str, line: &str) -> String {
    format!("[{table}]\n{line}")
}

/// `[providers."<key>"]` + `secrets.apiKey = ""`: the entry that answers a provider input.
pub fn provider_snippet(answer_key: &str, entry: &str) -> String {
    answers_snippet(&format!("providers.{}", toml_key(answer_key)), &format!("{entry} = \"\""))
}

/// `[assign]` + `<node or flow> = "<endpoint>"`.
pub fn assign_snippet(key: &str, endpoint: &str) -> String {
    answers_snippet("assign", &format!("{} = {}", toml_key(key), toml_string(endpoint)))
}

/// Quote a TOML key when it is not a bare key.
pub fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_string()
    } else {
        format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// `secrets.apiKey`, `connections.oAuth2Connection`, `values.x` for an input step.
pub fn entry_key(kind: &ManualStepKind) -> Option<String> {
    match kind {
        ManualStepKind::Secret(p) => Some(format!("secrets.{}", toml_key(p))),
        ManualStepKind::Connection(p) => Some(format!("connections.{}", toml_key(p))),
        ManualStepKind::Value(p) => Some(format!("values.{}", toml_key(p))),
        ManualStepKind::Confirm | ManualStepKind::Reminder => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_and_hide_secrets() {
        let answers: Answers = toml::from_str(
            r#"
            [providers."Webchat Production"]
            name = "Live Agent EU"
            secrets.apiKey = "CANARY"
            [assign]
            "Main" = "legacy"
            "#,
        )
        .unwrap();
        assert_eq!(answers.providers["Webchat Production"].name.as_deref(), Some("Live Agent EU"));
        assert!(!format!("{answers:?}").contains("CANARY"));
        assert_eq!(answers.assign["Main"], KEEP_LEGACY);
    }

    #[test]
    fn parse_errors_do_not_quote_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "[providers.x]\nsecrets.apiKey = CANARY-unquoted\n").unwrap();
        let err = Answers::load(Some(&path)).unwrap_err();
        assert!(!err.message.contains("CANARY"), "{}", err.message);
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn type_errors_do_not_quote_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        for value in ["98765432101", "98765.4321", "true", "\"CANARY-value\"", "1979-05-27T07:32:00Z"] {
            let key = if value.contains("CANARY") { "secrets" } else { "secrets.apiKey" };
            std::fs::write(&path, format!("[providers.\"Web Chat\"]\n{key} = {value}\n")).unwrap();
            let err = Answers::load(Some(&path)).unwrap_err();
            let shown = value.trim_matches('"');
            assert!(!err.message.contains(shown), "{}", err.message);
            assert!(err.message.contains("line 2"), "{}", err.message);
        }
        std::fs::write(&path, "[providers.x]\nnmae = \"a\"\n").unwrap();
        let err = Answers::load(Some(&path)).unwrap_err();
        assert!(err.message.contains("unknown field `nmae`"), "{}", err.message);
    }

    #[test]
    fn colliding_secret_variables_are_refused_only_when_set() {
        let endpoints = ["Web Chat", "web-chat", "Other"];
        assert!(check_secret_env_collisions(endpoints.into_iter(), None, &[]).is_ok());
        let unrelated = vec!["HANDOVER_MIGRATE_SECRET_OTHER_APIKEY".to_string()];
        assert!(check_secret_env_collisions(endpoints.into_iter(), None, &unrelated).is_ok());
        let set = vec!["HANDOVER_MIGRATE_SECRET_WEB_CHAT_APIKEY".to_string()];
        let error = check_secret_env_collisions(endpoints.into_iter(), None, &set).unwrap_err().message;
        assert!(error.contains("\"Web Chat\", \"web-chat\"") && error.contains("answers file"), "{error}");
    }

    #[test]
    fn env_var_names() {
        assert_eq!(secret_env_var("Webchat Production", "apiKey"), "HANDOVER_MIGRATE_SECRET_WEBCHAT_PRODUCTION_APIKEY");
        assert_eq!(toml_key("Webchat Production"), "\"Webchat Production\"");
        assert_eq!(toml_key("main"), "main");
    }
}
