//! Example Desk: legacy endpoint kind `exampleDesk` → Handover Provider service `exampleDesk`.
//!
//! A complete handover-migrate provider plugin written in Rust. It implements
//! [`ProviderMigration`] by hand (a vendor that is just a table can use
//! `handover_migrate_core::spec::SpecProvider` instead, or a declarative `.toml` file) and
//! exports it with one macro. Build it as a `cdylib` and load it with
//! `handover-migrate --plugin target/debug/libhandover_migrate_example_plugin.so …`.
//!
//! Mapping: `baseUrl` (absolute URL), `tenant` and `apiToken` (secret) become provider
//! properties; `defaultQueue` is an endpoint default that fills `exampleDeskQueue` on nodes
//! that left it empty; `forwardOnlyHandoverConversations` is not carried.

use handover_migrate_core::validate::{is_absolute_http_url, is_unset};
use handover_migrate_core::{
    Destination, DraftProperty, DraftValue, Finding, HandoverNodeType, ManualStep, ManualStepKind, ManualStepsRequest,
    MapSettingsRequest, MappingRow, MigrationPair, NodeRewrite, NodeRewriteRequest, PairInfo, PropertyClass,
    ProviderDraft, ProviderInfo, ProviderMigration, SettingsIssue, Severity, VerifyRequest, CONTRACT_VERSION,
};
use serde_json::Value;

pub const KIND: &str = "exampleDesk";

/// (legacy key, property, class, label)
const PROPERTIES: &[(&str, &str, PropertyClass, &str)] = &[
    ("baseUrl", "baseUrl", PropertyClass::Plain, "Base URL"),
    ("tenant", "tenant", PropertyClass::Plain, "Tenant"),
    ("apiToken", "apiToken", PropertyClass::Secret, "API token"),
];
const DEFAULT_QUEUE: &str = "defaultQueue";
const DROPPED: &str = "forwardOnlyHandoverConversations";
const NODE_QUEUE: &str = "exampleDeskQueue";

#[derive(Default)]
pub struct ExampleDesk;

impl ExampleDesk {
    fn pair_info(&self) -> PairInfo {
        let mut mapping: Vec<MappingRow> = PROPERTIES
            .iter()
            .map(|(legacy, property, class, label)| MappingRow {
                legacy_key: legacy.to_string(),
                destination: Destination::Property(property.to_string()),
                class: *class,
                required: true,
                format: if *legacy == "baseUrl" { "absolute URL" } else { "string" }.into(),
                label: label.to_string(),
            })
            .collect();
        mapping.push(MappingRow {
            legacy_key: DEFAULT_QUEUE.into(),
            destination: Destination::NodeDefault(DEFAULT_QUEUE.into()),
            class: PropertyClass::Plain,
            required: false,
            format: "string".into(),
            label: "Default queue (endpoint default)".into(),
        });
        mapping.push(MappingRow {
            legacy_key: DROPPED.into(),
            destination: Destination::Dropped("Example Desk always forwards handover conversations only".into()),
            class: PropertyClass::Plain,
            required: false,
            format: "boolean".into(),
            label: "Forward only handover conversations".into(),
        });
        PairInfo {
            pair: MigrationPair::same(KIND),
            display_name: "Example Desk".into(),
            webhook_path: Some("/handover/exampledesk".into()),
            warnings: vec![],
            mapping,
            node_fields: vec![NODE_QUEUE.into(), "exampleDeskPriority".into()],
            node_types: HandoverNodeType::all(),
        }
    }
}

impl ProviderMigration for ExampleDesk {
    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "example-desk".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract_version: CONTRACT_VERSION.into(),
            pairs: vec![self.pair_info()],
        }
    }

    fn map_settings(&self, request: &MapSettingsRequest) -> Result<ProviderDraft, Vec<SettingsIssue>> {
        if cfg!(feature = "panic-in-map") {
            panic!("example-desk: deliberate panic in map_settings (feature panic-in-map)");
        }
        #[cfg(feature = "hostile")]
        hostile::misbehave(&request.settings);
        let settings = &request.settings;
        let mut issues = Vec::new();
        let known = |key: &str| {
            PROPERTIES.iter().any(|p| p.0 == key)
                || key == DEFAULT_QUEUE
                || key == DROPPED
                || (cfg!(feature = "hostile") && key.starts_with("probe"))
        };
        for key in settings.keys().filter(|k| !known(k)) {
            issues.push(SettingsIssue { field: key.clone(), message: format!("unknown Example Desk setting `{key}`") });
        }
        let mut draft = ProviderDraft::default();
        for (legacy, property, class, label) in PROPERTIES {
            let value = settings.get(*legacy);
            if is_unset(value) {
                if *class == PropertyClass::Secret {
                    // A person supplies it through the answers file (see manual_steps).
                    draft.properties.push(DraftProperty {
                        key: property.to_string(),
                        class: *class,
                        value: DraftValue::Missing,
                    });
                } else {
                    issues.push(SettingsIssue {
                        field: legacy.to_string(),
                        message: format!("required setting `{legacy}` ({label}) is missing"),
                    });
                }
                continue;
            }
            let Some(Value::String(text)) = value else {
                issues
                    .push(SettingsIssue { field: legacy.to_string(), message: format!("`{legacy}` must be a string") });
                continue;
            };
            if *legacy == "baseUrl" && !is_absolute_http_url(text) {
                issues.push(SettingsIssue {
                    field: legacy.to_string(),
                    message: "`baseUrl` is not an absolute URL (https://…)".into(),
                });
                continue;
            }
            let value = if *class == PropertyClass::Secret && handover_migrate_core::secret::looks_masked(text) {
                DraftValue::Masked
            } else {
                DraftValue::Known(Value::String(text.clone()))
            };
            draft.properties.push(DraftProperty { key: property.to_string(), class: *class, value });
        }
        if let Some(queue) = settings.get(DEFAULT_QUEUE).filter(|v| !is_unset(Some(v))) {
            draft.node_defaults.insert(DEFAULT_QUEUE.into(), queue.clone());
        }
        if settings.contains_key(DROPPED) {
            draft.notes.push(format!(
                "`{DROPPED}` is not carried over: Example Desk always forwards handover conversations only"
            ));
        }
        if issues.is_empty() {
            Ok(draft)
        } else {
            Err(issues)
        }
    }

    fn manual_steps(&self, request: &ManualStepsRequest) -> Vec<ManualStep> {
        let mut steps = Vec::new();
        for property in &request.draft.properties {
            if property.class == PropertyClass::Secret && !matches!(property.value, DraftValue::Known(_)) {
                steps.push(ManualStep {
                    key: format!("secrets.{}", property.key),
                    kind: ManualStepKind::Secret(property.key.clone()),
                    prompt: format!(
                        "Enter the Example Desk API token (`{}`) of provider \"{}\".",
                        property.key, request.provider_name
                    ),
                });
            }
        }
        steps.push(ManualStep {
            key: "confirm.webhook".into(),
            kind: ManualStepKind::Confirm,
            prompt: format!(
                "Confirm Example Desk still calls <your endpoint URL>/handover/exampledesk for provider \"{}\".",
                request.provider_name
            ),
        });
        steps
    }

    fn rewrite_node(&self, request: &NodeRewriteRequest) -> Result<NodeRewrite, String> {
        if request.pair.source_kind != KIND {
            return Err(format!("example-desk does not support {}", request.pair));
        }
        let mut rewrite = NodeRewrite::default();
        if is_unset(request.config.get(NODE_QUEUE)) {
            if let Some(queue) = request.endpoint_defaults.get(DEFAULT_QUEUE) {
                rewrite.set.insert(NODE_QUEUE.into(), queue.clone());
            }
        }
        Ok(rewrite)
    }

    fn verify(&self, request: &VerifyRequest) -> Vec<Finding> {
        PROPERTIES
            .iter()
            .filter(|(_, property, _, _)| is_unset(request.properties.get(*property)))
            .map(|(_, property, _, label)| Finding {
                severity: Severity::Error,
                message: format!("provider \"{}\": `{property}` ({label}) is not set", request.provider_name),
            })
            .collect()
    }
}

/// The constructor `export_provider!` calls (once, on first use).
pub fn provider() -> ExampleDesk {
    ExampleDesk
}

#[cfg(feature = "hostile")]
mod hostile;

#[cfg(not(any(feature = "contract-99", feature = "malformed-json", feature = "hostile-oversized")))]
handover_migrate_core::export_provider!(provider);

#[cfg(all(feature = "hostile-oversized", not(any(feature = "contract-99", feature = "malformed-json"))))]
handover_migrate_core::export_provider!(@with provider, handover_migrate_core::CONTRACT_VERSION, hostile::oversized);

// Deliberately broken variants for handover-migrate's own tests (hidden macro arm).
#[cfg(feature = "contract-99")]
handover_migrate_core::export_provider!(@with provider, "99.0", handover_migrate_core::plugin::__identity);

#[cfg(all(feature = "malformed-json", not(feature = "contract-99")))]
handover_migrate_core::export_provider!(@with provider, handover_migrate_core::CONTRACT_VERSION, malformed);

#[cfg(all(feature = "malformed-json", not(feature = "contract-99")))]
fn malformed(hook: &str, json: String) -> String {
    if hook == "map_settings" {
        // Truncated JSON with a wrong shape: what a plugin with a serialization bug might send.
        format!("{{\"draft\": {json}")
    } else {
        json
    }
}
