//! RingCentral Engage: legacy endpoint kind `rce` → Handover Provider service `rce`.
//!
//! Mapping (reference: `providers.md` §3, legacy schema `cognigy-model.md` §1.3): every
//! legacy key becomes a provider property under the same key. All of them except
//! `getQueueUpdates` are required by the legacy schema and stay required here.
//! - `apiAccessToken`, `realtimeAccessToken` and `webhookSecret` are secrets: copied when
//!   readable in clear text, otherwise asked for (`secrets.<key>`).
//! - `forwardOnlyHandoverConversations` is a real toggle for RCE (the only vendor where it
//!   is; the new provider shows it as "Forward Only Handover Conversations"), so unlike
//!   every other vendor it is carried as a boolean property, `false` included.
//! - `baseApiUrl` and `realtimeEndpointUrl` must be absolute URLs. Engage's own
//!   documentation shows the API host without a scheme (`cognigy.api.engagement.dimelo.com`)
//!   while Cognigy's schema wants a URL. The tool does not rewrite the value silently: a
//!   value that only lacks the scheme is an error naming the field that tells the user to
//!   put `https://` in front of it. That hint is the only thing the generic
//!   [`SpecProvider`] cannot say, so [`RceProvider`] wraps it and adds it to the issue.
//! - Node field: `additionalCategoryIds` on Handover to Agent, kept as it is (no endpoint
//!   default feeds it). Check Agent Availability does not support RCE.
//! - Engage calls Cognigy back on `/handover/rce` (Source Base URI and Webhook URL); the
//!   plan asks the user to confirm those and that the Source's Webhook Verification Token
//!   matches the Cognigy environment's.

use handover_migrate_core::spec::{self, Format, PairSpec, ReminderSpec, SpecProvider};
use handover_migrate_core::validate::is_absolute_http_url;
use handover_migrate_core::{
    Finding, HandoverNodeType, ManualStep, ManualStepsRequest, MapSettingsRequest, MigrationPair, NodeRewrite,
    NodeRewriteRequest, PropertyClass, ProviderDraft, ProviderInfo, ProviderMigration, SettingsIssue, VerifyRequest,
};

pub const KIND: &str = "rce";

/// Node config keys RingCentral Engage owns on Handover to Agent.
pub const NODE_FIELDS: &[&str] = &["additionalCategoryIds"];

/// The legacy keys that must be absolute URLs.
const URL_FIELDS: &[&str] = &["baseApiUrl", "realtimeEndpointUrl"];

pub fn pair_spec() -> PairSpec {
    let field = |legacy_key: &str, class, required, format, label: &str| {
        spec::field(legacy_key, spec::property(legacy_key), class, required, format, label)
    };
    use PropertyClass::{Plain, Secret};
    PairSpec {
        pair: MigrationPair::same(KIND),
        display_name: "RingCentral Engage".into(),
        webhook_path: Some("/handover/rce".into()),
        warnings: vec![],
        fields: vec![
            field("forwardOnlyHandoverConversations", Plain, true, Format::Bool, "Forward Only Handover Conversations"),
            field("getQueueUpdates", Plain, false, Format::Bool, "Get Queue Updates"),
            field("apiAccessToken", Secret, true, Format::Text, "API Access Token"),
            field("botCategoryId", Plain, true, Format::Text, "Bot Category ID"),
            field("agentCategoryId", Plain, true, Format::Text, "Agent Category ID"),
            field("realtimeAccessToken", Secret, true, Format::Text, "Realtime Access Token"),
            field("realtimeEndpointUrl", Plain, true, Format::Url, "Realtime Endpoint URL"),
            field("webhookSecret", Secret, true, Format::Text, "Webhook Secret"),
            field("baseApiUrl", Plain, true, Format::Url, "Base API URL"),
        ],
        node_fields: NODE_FIELDS.iter().map(|s| s.to_string()).collect(),
        node_types: vec![HandoverNodeType::HandoverToAgent],
        manual_properties: vec![],
        node_rules: vec![],
        node_fills: vec![],
        reminders: vec![ReminderSpec {
            key: "confirm.webhook".into(),
            prompt: "Confirm that the Source Base URI and the Webhook URL of the Engage Source both still point to \
                     <your endpoint URL>{webhook_path}, that the Source's Webhook Verification Token matches this \
                     Cognigy environment's token (default cognigy123), and that the Webhook Secret of provider \
                     \"{provider}\" is the one set in the Engage webhook. Cognigy documents no change to these \
                     after migration."
                .into(),
            confirm: true,
            when_true: None,
        }],
    }
}

/// The RingCentral Engage provider: the [`pair_spec`] table plus a clearer message for URLs
/// written without a scheme.
#[derive(Clone, Debug)]
pub struct RceProvider {
    spec: SpecProvider,
}

impl RceProvider {
    /// The declarative part.
    pub fn spec(&self) -> &SpecProvider {
        &self.spec
    }
}

/// The RingCentral Engage provider.
pub fn provider() -> RceProvider {
    RceProvider {
        spec: SpecProvider { name: "rce".into(), version: env!("CARGO_PKG_VERSION").into(), specs: vec![pair_spec()] },
    }
}

/// For a URL field whose value is a host (and path) without a scheme, the advice to add
/// `https://`. Never quotes the value.
fn scheme_hint(settings: &handover_migrate_core::Object, field: &str) -> Option<&'static str> {
    let value = settings.get(field)?.as_str()?.trim();
    let only_scheme_missing =
        URL_FIELDS.contains(&field) && !value.contains("://") && is_absolute_http_url(&format!("https://{value}"));
    only_scheme_missing.then_some(
        ". It looks like an address without its scheme (Engage's documentation shows addresses such as \
         cognigy.api.engagement.dimelo.com without one): put https:// in front of it on the endpoint (e.g. \
         https://cognigy.api.engagement.dimelo.com) and run again; the tool does not add it for you",
    )
}

impl ProviderMigration for RceProvider {
    fn info(&self) -> ProviderInfo {
        self.spec.info()
    }

    fn map_settings(&self, request: &MapSettingsRequest) -> Result<ProviderDraft, Vec<SettingsIssue>> {
        self.spec.map_settings(request).map_err(|mut issues| {
            for issue in &mut issues {
                if let Some(hint) = scheme_hint(&request.settings, &issue.field) {
                    issue.message.push_str(hint);
                }
            }
            issues
        })
    }

    fn manual_steps(&self, request: &ManualStepsRequest) -> Vec<ManualStep> {
        self.spec.manual_steps(request)
    }

    fn rewrite_node(&self, request: &NodeRewriteRequest) -> Result<NodeRewrite, String> {
        self.spec.rewrite_node(request)
    }

    fn verify(&self, request: &VerifyRequest) -> Vec<Finding> {
        self.spec.verify(request)
    }

    fn retarget_node(&self, request: &handover_migrate_core::RetargetNodeRequest) -> Result<NodeRewrite, String> {
        self.spec.retarget_node(request)
    }
}

handover_migrate_core::register_builtin!(provider);

/// Referenced by the binary so the linker keeps this crate's registration.
pub fn link() {}

#[cfg(test)]
mod tests;
