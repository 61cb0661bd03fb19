//! A declarative description of how one vendor migrates, and a generic implementation of
//! [`ProviderMigration`] on top of it.
//!
//! Most vendors are fully described by a table: which legacy key goes where, which keys
//! are secret, required or URLs, which node fields the vendor owns and which of them take
//! an endpoint default. A vendor crate builds a [`PairSpec`] and wraps it in a
//! [`SpecProvider`]; it only writes code where its vendor really differs. The same types
//! deserialize from a mapping file, which is how declarative plugins describe a provider.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::*;
use crate::secret::looks_masked;
use crate::validate::{is_absolute_http_url, is_bare_host, is_unset, type_name};
use crate::{ProviderMigration, CONTRACT_VERSION};

/// Everything about one migration pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    pub pair: MigrationPair,
    pub display_name: String,
    #[serde(default)]
    pub webhook_path: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    pub fields: Vec<FieldSpec>,
    /// Node config keys the target service reads (kept as they are unless a fill applies).
    /// In a vendor switch, the source's node fields listed here carry over.
    #[serde(default)]
    pub node_fields: Vec<String>,
    /// Node types the target service supports.
    #[serde(default = "HandoverNodeType::all")]
    pub node_types: Vec<HandoverNodeType>,
    #[serde(default)]
    pub node_fills: Vec<NodeFill>,
    /// Steps that need no input: checks and reminders shown in the plan.
    #[serde(default)]
    pub reminders: Vec<ReminderSpec>,
    /// Properties of the target service that no legacy key feeds (vendor switches, e.g.
    /// MIAW's Embedded Service Developer Name): each becomes a blocking manual step
    /// (`values.<key>`, `secrets.<key>` or `connections.<key>`).
    #[serde(default)]
    pub manual_properties: Vec<ManualPropertySpec>,
    /// Source node fields that need a person or have no counterpart in the target (vendor
    /// switches), and target fields a person must fill (`always`). A source field in
    /// neither `node_fields` nor a rule is reported by the host as having no counterpart.
    #[serde(default)]
    pub node_rules: Vec<NodeFieldRule>,
}

/// A property of the target service that a person supplies (see [`PairSpec::manual_properties`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualPropertySpec {
    pub key: String,
    pub class: PropertyClass,
    #[serde(default)]
    pub format: Format,
    /// The UI label, for prompts.
    pub label: String,
    /// Where a person finds the value (ends the prompt).
    #[serde(default)]
    pub hint: String,
}

/// One legacy `providerSettings` key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub legacy_key: String,
    pub destination: Destination,
    pub class: PropertyClass,
    #[serde(default)]
    pub required: bool,
    /// Not required while this boolean setting is `true` (Live Agent's `usePlatformToken`).
    #[serde(default)]
    pub required_unless: Option<String>,
    #[serde(default)]
    pub format: Format,
    /// The UI label, for prompts.
    pub label: String,
}

/// What a setting's value must look like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "max")]
pub enum Format {
    #[default]
    Text,
    /// Absolute `http(s)://` URL.
    Url,
    /// Bare host name such as `mypurecloud.de`.
    Host,
    Bool,
    Integer,
    /// A string of at most this many characters.
    MaxLength(usize),
}

impl Format {
    fn describe(self) -> String {
        match self {
            Format::Text => "string".into(),
            Format::Url => "absolute URL".into(),
            Format::Host => "host name".into(),
            Format::Bool => "boolean".into(),
            Format::Integer => "integer".into(),
            Format::MaxLength(n) => format!("string, at most {n} characters"),
        }
    }

    /// `None` when the value fits, else what is wrong (never quoting the value, which may be secret).
    fn check(self, value: &Value) -> Option<String> {
        let want_string = |ok: &dyn Fn(&str) -> bool, what: &str| match value {
            Value::String(s) if ok(s) => None,
            Value::String(_) => Some(format!("is not {what}")),
            other => Some(format!("must be a string, found {}", type_name(other))),
        };
        match self {
            Format::Text => want_string(&|_| true, "a string"),
            Format::Url => want_string(&is_absolute_http_url, "an absolute URL (https://…)"),
            Format::Host => {
                want_string(&is_bare_host, "a bare host name such as mypurecloud.de (no https://, no path)")
            }
            Format::MaxLength(max) => {
                want_string(&|s| s.chars().count() <= max, &format!("at most {max} characters long"))
            }
            Format::Bool => (!value.is_boolean()).then(|| format!("must be true or false, found {}", type_name(value))),
            Format::Integer => (!(value.is_i64() || value.is_u64()))
                .then(|| format!("must be a whole number, found {}", type_name(value))),
        }
    }
}

/// Fill an empty node field from an endpoint default when the node moves off Legacy,
/// because Legacy read the default from the endpoint and the new provider does not hold it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFill {
    pub node_key: String,
    /// Key in [`ProviderDraft::node_defaults`].
    pub default_key: String,
    pub node_types: Vec<HandoverNodeType>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSpec {
    pub key: String,
    /// `{provider}` and `{webhook_path}` are replaced.
    pub prompt: String,
    #[serde(default)]
    pub confirm: bool,
    /// Only shown when this legacy setting maps to `true` on the provider.
    #[serde(default)]
    pub when_true: Option<String>,
}

/// A [`ProviderMigration`] driven entirely by [`PairSpec`]s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecProvider {
    pub name: String,
    pub version: String,
    pub specs: Vec<PairSpec>,
}

impl SpecProvider {
    pub fn spec(&self, pair: &MigrationPair) -> Option<&PairSpec> {
        self.specs.iter().find(|s| &s.pair == pair)
    }

    fn spec_or_empty(&self, pair: &MigrationPair) -> Result<&PairSpec, String> {
        self.spec(pair).ok_or_else(|| format!("provider {} does not support {pair}", self.name))
    }
}

impl PairSpec {
    pub fn info(&self) -> PairInfo {
        PairInfo {
            pair: self.pair.clone(),
            display_name: self.display_name.clone(),
            webhook_path: self.webhook_path.clone(),
            warnings: self.warnings.clone(),
            mapping: self
                .fields
                .iter()
                .map(|f| MappingRow {
                    legacy_key: f.legacy_key.clone(),
                    destination: f.destination.clone(),
                    class: f.class,
                    required: f.required,
                    format: f.format.describe(),
                    label: f.label.clone(),
                })
                .chain(self.manual_properties.iter().map(|m| MappingRow {
                    legacy_key: String::new(),
                    destination: Destination::Property(m.key.clone()),
                    class: m.class,
                    required: true,
                    format: m.format.describe(),
                    label: m.label.clone(),
                }))
                .collect(),
            node_fields: self.node_fields.clone(),
            node_types: self.node_types.clone(),
        }
    }

    fn field_required(&self, field: &FieldSpec, lookup: &dyn Fn(&str) -> Option<Value>) -> bool {
        field.required
            && !field.required_unless.as_deref().is_some_and(|toggle| lookup(toggle) == Some(Value::Bool(true)))
    }

    pub fn map_settings(&self, request: &MapSettingsRequest) -> Result<ProviderDraft, Vec<SettingsIssue>> {
        let settings = &request.settings;
        let mut issues = Vec::new();
        for key in settings.keys() {
            if !self.fields.iter().any(|f| &f.legacy_key == key) {
                let known: Vec<&str> = self.fields.iter().map(|f| f.legacy_key.as_str()).collect();
                issues.push(SettingsIssue {
                    field: key.clone(),
                    message: format!(
                        "unknown key `{key}` in {} settings (known keys: {}); Cognigy's schema rejects it too. \
                         Remove it from the endpoint, or install a plugin that knows it",
                        self.pair.source_kind,
                        known.join(", ")
                    ),
                });
            }
        }
        let lookup = |k: &str| settings.get(k).cloned();
        let mut draft = ProviderDraft::default();
        for field in &self.fields {
            let value = settings.get(&field.legacy_key);
            let required = self.field_required(field, &lookup);
            let masked_secret =
                field.class == PropertyClass::Secret && value.and_then(Value::as_str).is_some_and(looks_masked);
            if is_unset(value) {
                if required && field.class == PropertyClass::Plain {
                    issues.push(SettingsIssue {
                        field: field.legacy_key.clone(),
                        message: format!(
                            "required setting `{}` ({}) is missing or empty; set it on the endpoint in Cognigy (or in the clone) and run again",
                            field.legacy_key, field.label
                        ),
                    });
                    continue;
                }
                if let Destination::Property(key) = &field.destination {
                    if required {
                        draft.properties.push(DraftProperty {
                            key: key.clone(),
                            class: field.class,
                            value: DraftValue::Missing,
                        });
                    }
                }
                continue;
            }
            let Some(value) = value else { continue };
            if !masked_secret {
                if let Some(problem) = field.format.check(value) {
                    issues.push(SettingsIssue {
                        field: field.legacy_key.clone(),
                        message: format!("`{}` ({}) {problem}", field.legacy_key, field.label),
                    });
                    continue;
                }
            }
            match &field.destination {
                Destination::Property(key) => draft.properties.push(DraftProperty {
                    key: key.clone(),
                    class: field.class,
                    value: if masked_secret { DraftValue::Masked } else { DraftValue::Known(value.clone()) },
                }),
                Destination::NodeDefault(key) => {
                    draft.node_defaults.insert(key.clone(), value.clone());
                }
                Destination::Dropped(why) => {
                    draft.notes.push(format!("`{}` is not carried over: {why}", field.legacy_key));
                }
            }
        }
        for manual in &self.manual_properties {
            draft.properties.push(DraftProperty {
                key: manual.key.clone(),
                class: manual.class,
                value: DraftValue::Missing,
            });
        }
        if issues.is_empty() {
            Ok(draft)
        } else {
            Err(issues)
        }
    }

    pub fn manual_steps(&self, request: &ManualStepsRequest) -> Vec<ManualStep> {
        let name = &request.provider_name;
        let mut steps = Vec::new();
        for property in &request.draft.properties {
            let manual = self.manual_properties.iter().find(|m| m.key == property.key);
            let why = match (&property.value, manual) {
                (DraftValue::Known(_), _) => continue,
                (DraftValue::Missing, Some(manual)) if manual.hint.is_empty() => {
                    "has no counterpart in the legacy settings".to_string()
                }
                (DraftValue::Missing, Some(manual)) => {
                    format!("has no counterpart in the legacy settings. {}", manual.hint.trim_end_matches('.'))
                }
                (DraftValue::Missing, None) => "is not in the endpoint settings".to_string(),
                (DraftValue::Masked, _) => "was read back masked".to_string(),
            };
            let label = self
                .fields
                .iter()
                .find(|f| f.destination == Destination::Property(property.key.clone()))
                .map(|f| f.label.as_str())
                .or(manual.map(|m| m.label.as_str()))
                .unwrap_or(property.key.as_str());
            let (key, kind, what) = match property.class {
                PropertyClass::Secret => {
                    (format!("secrets.{}", property.key), ManualStepKind::Secret(property.key.clone()), "Enter")
                }
                PropertyClass::ConnectionRef => (
                    format!("connections.{}", property.key),
                    ManualStepKind::Connection(property.key.clone()),
                    "Pick the Connection (its referenceId) for",
                ),
                PropertyClass::Plain => {
                    (format!("values.{}", property.key), ManualStepKind::Value(property.key.clone()), "Enter")
                }
            };
            steps.push(ManualStep {
                key,
                kind,
                prompt: format!("{what} the {label} (`{}`) of provider \"{name}\": it {why}.", property.key),
            });
        }
        let property_is_true = |legacy: &str| {
            let Some(field) = self.fields.iter().find(|f| f.legacy_key == legacy) else { return false };
            let Destination::Property(key) = &field.destination else { return false };
            request.draft.properties.iter().any(|p| &p.key == key && p.value == DraftValue::Known(Value::Bool(true)))
        };
        for reminder in &self.reminders {
            if reminder.when_true.as_deref().is_some_and(|legacy| !property_is_true(legacy)) {
                continue;
            }
            steps.push(ManualStep {
                key: reminder.key.clone(),
                kind: if reminder.confirm { ManualStepKind::Confirm } else { ManualStepKind::Reminder },
                prompt: reminder
                    .prompt
                    .replace("{provider}", name)
                    .replace("{webhook_path}", self.webhook_path.as_deref().unwrap_or("")),
            });
        }
        steps
    }

    pub fn rewrite_node(&self, request: &NodeRewriteRequest) -> NodeRewrite {
        let mut rewrite = NodeRewrite::default();
        for fill in &self.node_fills {
            if !fill.node_types.contains(&request.node_type) || !is_unset(request.config.get(&fill.node_key)) {
                continue;
            }
            if let Some(default) = request.endpoint_defaults.get(&fill.default_key).filter(|v| !is_unset(Some(v))) {
                rewrite.set.insert(fill.node_key.clone(), default.clone());
            }
        }
        self.apply_node_rules(request.node_type, &request.config, &mut rewrite);
        rewrite
    }

    /// Record each rule's field under its outcome: every rule marked `always`, the others
    /// only where the node sets the field.
    fn apply_node_rules(&self, node_type: HandoverNodeType, config: &Object, rewrite: &mut NodeRewrite) {
        for rule in &self.node_rules {
            if rule.node_types.contains(&node_type) && (rule.always || !is_unset(config.get(&rule.field))) {
                rewrite.note(rule.outcome, &rule.field, &rule.note);
            }
        }
    }

    /// A node of another provider moves to this pair's service (`retarget`). When the
    /// source is this pair's own legacy kind (e.g. a Salesforce provider to Salesforce
    /// MIAW), the pair's node rules say what happens; otherwise fields are compared by key
    /// ([`crate::retarget_by_node_fields`]).
    ///
    /// A node field this pair fills from an endpoint default (an inbox id…) that the node
    /// leaves empty needs a person when the service changes: a retarget has no endpoint
    /// default to fill it from.
    pub fn retarget_node(&self, request: &RetargetNodeRequest) -> NodeRewrite {
        let mut rewrite = if request.source_service == self.pair.source_kind && !self.node_rules.is_empty() {
            let mut rewrite = NodeRewrite::default();
            self.apply_node_rules(request.node_type, &request.config, &mut rewrite);
            rewrite
        } else {
            crate::retarget_by_node_fields(request, &self.node_fields)
        };
        if request.source_service != self.pair.target_service {
            for fill in &self.node_fills {
                if fill.node_types.contains(&request.node_type) && is_unset(request.config.get(&fill.node_key)) {
                    rewrite.note(
                        FieldOutcome::NeedsPerson,
                        &fill.node_key,
                        format!(
                            "{} reads it from the node and this node leaves it empty (a migration fills it from the \
                             endpoint's default; a retarget has none): fill it in",
                            self.display_name
                        ),
                    );
                }
            }
        }
        rewrite
    }

    pub fn verify(&self, request: &VerifyRequest) -> Vec<Finding> {
        let mut findings = Vec::new();
        let property_of = |field: &FieldSpec| match &field.destination {
            Destination::Property(key) => Some(key.clone()),
            _ => None,
        };
        let lookup = |legacy: &str| {
            self.fields
                .iter()
                .find(|f| f.legacy_key == legacy)
                .and_then(property_of)
                .and_then(|key| request.properties.get(&key).cloned())
        };
        for field in &self.fields {
            let Some(key) = property_of(field) else { continue };
            let value = request.properties.get(&key);
            if is_unset(value) {
                if self.field_required(field, &lookup) {
                    findings.push(Finding {
                        severity: Severity::Error,
                        message: format!(
                            "provider \"{}\": required property `{key}` ({}) is not set",
                            request.provider_name, field.label
                        ),
                    });
                }
                continue;
            }
            let Some(value) = value else { continue };
            if field.class == PropertyClass::Secret && value.as_str().is_some_and(looks_masked) {
                findings.push(Finding {
                    severity: Severity::Error,
                    message: format!(
                        "provider \"{}\": property `{key}` ({}) holds a masked value, not the secret",
                        request.provider_name, field.label
                    ),
                });
            } else if let Some(problem) = field.format.check(value) {
                findings.push(Finding {
                    severity: Severity::Error,
                    message: format!(
                        "provider \"{}\": property `{key}` ({}) {problem}",
                        request.provider_name, field.label
                    ),
                });
            }
        }
        for manual in &self.manual_properties {
            let value = request.properties.get(&manual.key);
            let problem = match value {
                _ if is_unset(value) => Some("is not set".to_string()),
                Some(Value::String(s)) if manual.class == PropertyClass::Secret && looks_masked(s) => {
                    Some("holds a masked value, not the secret".to_string())
                }
                Some(_) if manual.class == PropertyClass::Secret => None,
                Some(value) => manual.format.check(value),
                None => None,
            };
            if let Some(problem) = problem {
                findings.push(Finding {
                    severity: Severity::Error,
                    message: format!(
                        "provider \"{}\": {}property `{}` ({}) {problem}",
                        request.provider_name,
                        if problem == "is not set" { "required " } else { "" },
                        manual.key,
                        manual.label
                    ),
                });
            }
        }
        findings
    }
}

impl ProviderMigration for SpecProvider {
    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: self.name.clone(),
            version: self.version.clone(),
            contract_version: CONTRACT_VERSION.to_string(),
            pairs: self.specs.iter().map(PairSpec::info).collect(),
        }
    }

    fn map_settings(&self, request: &MapSettingsRequest) -> Result<ProviderDraft, Vec<SettingsIssue>> {
        match self.spec_or_empty(&request.pair) {
            Ok(spec) => spec.map_settings(request),
            Err(message) => Err(vec![SettingsIssue { field: String::new(), message }]),
        }
    }

    fn manual_steps(&self, request: &ManualStepsRequest) -> Vec<ManualStep> {
        self.spec(&request.pair).map(|s| s.manual_steps(request)).unwrap_or_default()
    }

    fn rewrite_node(&self, request: &NodeRewriteRequest) -> Result<NodeRewrite, String> {
        Ok(self.spec_or_empty(&request.pair)?.rewrite_node(request))
    }

    fn verify(&self, request: &VerifyRequest) -> Vec<Finding> {
        match self.spec_or_empty(&request.pair) {
            Ok(spec) => spec.verify(request),
            Err(message) => vec![Finding { severity: Severity::Error, message }],
        }
    }

    fn retarget_node(&self, request: &RetargetNodeRequest) -> Result<NodeRewrite, String> {
        Ok(self.spec_or_empty(&request.pair)?.retarget_node(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> PairSpec {
        PairSpec {
            pair: MigrationPair::new("old", "new"),
            display_name: "New".into(),
            webhook_path: None,
            warnings: vec![],
            fields: vec![FieldSpec {
                legacy_key: "host".into(),
                destination: Destination::Property("host".into()),
                class: PropertyClass::Plain,
                required: true,
                required_unless: None,
                format: Format::Host,
                label: "Host".into(),
            }],
            node_fields: vec!["shared".into()],
            node_types: HandoverNodeType::all(),
            manual_properties: vec![
                ManualPropertySpec {
                    key: "url".into(),
                    class: PropertyClass::Plain,
                    format: Format::Url,
                    label: "URL".into(),
                    hint: "It is on the vendor's admin page.".into(),
                },
                ManualPropertySpec {
                    key: "token".into(),
                    class: PropertyClass::Secret,
                    format: Format::Text,
                    label: "Token".into(),
                    hint: String::new(),
                },
            ],
            node_rules: vec![
                NodeFieldRule {
                    field: "oldQueue".into(),
                    outcome: FieldOutcome::NoCounterpart,
                    note: "no queues".into(),
                    node_types: HandoverNodeType::all(),
                    always: false,
                },
                NodeFieldRule {
                    field: "Routing".into(),
                    outcome: FieldOutcome::NeedsPerson,
                    note: "set routing".into(),
                    node_types: vec![HandoverNodeType::HandoverToAgent],
                    always: true,
                },
            ],
            node_fills: vec![],
            reminders: vec![],
        }
    }

    #[test]
    fn manual_properties_are_missing_draft_properties_with_their_own_prompts() {
        let spec = spec();
        let request = MapSettingsRequest {
            pair: spec.pair.clone(),
            endpoint: "e".into(),
            settings: json!({"host": "example.com"}).as_object().cloned().unwrap(),
        };
        let draft = spec.map_settings(&request).unwrap();
        let states: Vec<(&str, &DraftValue)> = draft.properties.iter().map(|p| (p.key.as_str(), &p.value)).collect();
        assert_eq!(
            states,
            [
                ("host", &DraftValue::Known(json!("example.com"))),
                ("url", &DraftValue::Missing),
                ("token", &DraftValue::Missing)
            ]
        );
        let steps =
            spec.manual_steps(&ManualStepsRequest { pair: spec.pair.clone(), provider_name: "P".into(), draft });
        let keys: Vec<&str> = steps.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["values.url", "secrets.token"]);
        assert!(
            steps[0].prompt.contains("the URL (`url`)") && steps[0].prompt.contains("admin page"),
            "{}",
            steps[0].prompt
        );
        let info = spec.info();
        let manual: Vec<&MappingRow> = info.mapping.iter().filter(|r| r.legacy_key.is_empty()).collect();
        assert_eq!(manual.len(), 2);
        assert!(manual.iter().all(|r| r.required));
        assert_eq!(info.target_properties().map(|(k, _)| k).collect::<Vec<_>>(), ["host", "url", "token"]);
    }

    #[test]
    fn node_rules_list_set_fields_and_always_rules_per_node_type() {
        let spec = spec();
        let rewrite = |node_type, config: serde_json::Value| {
            spec.rewrite_node(&NodeRewriteRequest {
                pair: spec.pair.clone(),
                node_type,
                config: config.as_object().cloned().unwrap(),
                endpoint_defaults: Object::new(),
            })
        };
        let handover = rewrite(HandoverNodeType::HandoverToAgent, json!({"oldQueue": "q", "shared": 1}));
        assert_eq!(handover.no_counterpart[0].field, "oldQueue");
        assert_eq!(handover.needs_person[0].field, "Routing");
        let check = rewrite(HandoverNodeType::CheckAgentAvailability, json!({"oldQueue": ""}));
        assert_eq!(check, NodeRewrite::default(), "an unset field and a rule of another node type: nothing");
    }

    #[test]
    fn verify_checks_manual_properties() {
        let spec = spec();
        let verify = |properties: serde_json::Value| {
            spec.verify(&VerifyRequest {
                pair: spec.pair.clone(),
                provider_name: "P".into(),
                properties: properties.as_object().cloned().unwrap(),
            })
        };
        assert!(verify(json!({"host": "example.com", "url": "https://x.example", "token": "t"})).is_empty());
        let findings = verify(json!({"host": "example.com", "url": "x.example", "token": "****"}));
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings[1].message.contains("masked") && !findings[1].message.contains("****"));
        let findings = verify(json!({"host": "example.com"}));
        assert!(findings.iter().all(|f| f.message.contains("required property")), "{findings:?}");
    }
}

/// Builders, so that a vendor's table reads as a table.
impl FieldSpec {
    fn new(legacy_key: &str, destination: Destination, class: PropertyClass, format: Format, label: &str) -> Self {
        Self {
            legacy_key: legacy_key.into(),
            destination,
            class,
            required: false,
            required_unless: None,
            format,
            label: label.into(),
        }
    }

    /// A legacy key that becomes the provider property of the same name.
    pub fn property(key: &str, class: PropertyClass, format: Format, label: &str) -> Self {
        Self::new(key, Destination::Property(key.into()), class, format, label)
    }

    /// An endpoint-level default that belongs on nodes (it does not split providers).
    pub fn node_default(key: &str, format: Format, label: &str) -> Self {
        Self::new(key, Destination::NodeDefault(key.into()), PropertyClass::Plain, format, label)
    }

    /// A legacy key the new provider does not keep, and why.
    pub fn dropped(key: &str, why: &str, format: Format, label: &str) -> Self {
        Self::new(key, Destination::Dropped(why.into()), PropertyClass::Plain, format, label)
    }

    /// Required in the legacy schema (and so on the provider).
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Required unless this boolean setting is `true`.
    pub fn required_unless(mut self, toggle: &str) -> Self {
        self.required = true;
        self.required_unless = Some(toggle.into());
        self
    }
}

#[cfg(test)]
mod builder_tests {
    use super::*;

    #[test]
    fn builders_fill_every_field() {
        let field = FieldSpec::property("apiKey", PropertyClass::Secret, Format::Text, "API Key").required_unless("t");
        assert_eq!(field.destination, Destination::Property("apiKey".into()));
        assert!(field.required);
        assert_eq!(field.required_unless.as_deref(), Some("t"));
        let dropped = FieldSpec::dropped("x", "fixed", Format::Bool, "X");
        assert_eq!(dropped.destination, Destination::Dropped("fixed".into()));
        assert!(!dropped.required);
    }
}

/// One legacy key, in the shape vendor tables are written in:
/// `field(key, destination, class, required, format, label)`.
pub fn field(
    legacy_key: &str,
    destination: Destination,
    class: PropertyClass,
    required: bool,
    format: Format,
    label: &str,
) -> FieldSpec {
    FieldSpec { required, ..FieldSpec::new(legacy_key, destination, class, format, label) }
}

/// The provider property a legacy key becomes.
pub fn property(key: &str) -> Destination {
    Destination::Property(key.into())
}
