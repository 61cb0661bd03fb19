//! The JSON protocol that carries [`ProviderMigration`] across a plugin boundary.
//!
//! A dynamic plugin (Rust through `abi_stable`, or anything with a C ABI) exposes one generic
//! entry point, `call(hook, request_json) -> response_json | error_json`, plus `info` and
//! `contract_version`. New hooks are new hook names: the boundary itself never changes shape.
//!
//! | hook | request | response |
//! |---|---|---|
//! | `map_settings` | [`MapSettingsRequest`] | [`MapSettingsResponse`]: `{"ok": ProviderDraft}` or `{"issues": [SettingsIssue]}` |
//! | `manual_steps` | [`ManualStepsRequest`] | `[ManualStep]` |
//! | `rewrite_node` | [`NodeRewriteRequest`] | [`RewriteNodeResponse`]: `{"ok": NodeRewrite}` or `{"error": "…"}` |
//! | `verify` | [`VerifyRequest`] | `[Finding]` |
//! | `retarget_node` (1.1, optional) | [`RetargetNodeRequest`] | [`RewriteNodeResponse`] |
//!
//! A plugin that answers a hook with the error code [`PluginError::UNKNOWN_HOOK`] does not
//! implement it; for an optional hook the host then uses the contract's default.
//!
//! `info` answers a [`ProviderInfo`]. Errors (as opposed to answers such as settings
//! issues) travel as a [`PluginError`]: `{"code": "…", "message": "…"}`.

use serde::{Deserialize, Serialize};

use crate::model::*;
use crate::ProviderMigration;

/// Hook names, as passed to a plugin's `call`.
pub mod hooks {
    pub const MAP_SETTINGS: &str = "map_settings";
    pub const MANUAL_STEPS: &str = "manual_steps";
    pub const REWRITE_NODE: &str = "rewrite_node";
    pub const VERIFY: &str = "verify";
    /// Optional since contract 1.1 (see [`crate::ProviderMigration::retarget_node`]).
    pub const RETARGET_NODE: &str = "retarget_node";
    /// Every hook of this contract.
    pub const ALL: &[&str] = &[MAP_SETTINGS, MANUAL_STEPS, REWRITE_NODE, VERIFY, RETARGET_NODE];
}

/// Response of the `map_settings` hook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapSettingsResponse {
    Ok(ProviderDraft),
    Issues(Vec<SettingsIssue>),
}

impl From<Result<ProviderDraft, Vec<SettingsIssue>>> for MapSettingsResponse {
    fn from(result: Result<ProviderDraft, Vec<SettingsIssue>>) -> Self {
        match result {
            Ok(draft) => Self::Ok(draft),
            Err(issues) => Self::Issues(issues),
        }
    }
}

impl From<MapSettingsResponse> for Result<ProviderDraft, Vec<SettingsIssue>> {
    fn from(response: MapSettingsResponse) -> Self {
        match response {
            MapSettingsResponse::Ok(draft) => Ok(draft),
            MapSettingsResponse::Issues(issues) => Err(issues),
        }
    }
}

/// Response of the `rewrite_node` hook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewriteNodeResponse {
    Ok(NodeRewrite),
    Error(String),
}

impl From<Result<NodeRewrite, String>> for RewriteNodeResponse {
    fn from(result: Result<NodeRewrite, String>) -> Self {
        match result {
            Ok(rewrite) => Self::Ok(rewrite),
            Err(message) => Self::Error(message),
        }
    }
}

impl From<RewriteNodeResponse> for Result<NodeRewrite, String> {
    fn from(response: RewriteNodeResponse) -> Self {
        match response {
            RewriteNodeResponse::Ok(rewrite) => Ok(rewrite),
            RewriteNodeResponse::Error(message) => Err(message),
        }
    }
}

/// An error reported by a plugin (not an answer: the call itself failed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginError {
    /// One of [`PluginError::UNKNOWN_HOOK`], [`PluginError::BAD_REQUEST`],
    /// [`PluginError::PANIC`], [`PluginError::FAILED`].
    pub code: String,
    pub message: String,
}

impl PluginError {
    /// The plugin does not know this hook (it was built against an older contract).
    pub const UNKNOWN_HOOK: &'static str = "unknown_hook";
    /// The request did not deserialize.
    pub const BAD_REQUEST: &'static str = "bad_request";
    /// The provider panicked; the panic was caught at the boundary.
    pub const PANIC: &'static str = "panic";
    /// Anything else.
    pub const FAILED: &'static str = "failed";

    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_string(), message: message.into() }
    }

    pub fn to_json(&self) -> String {
        // A struct of two strings always serializes.
        serde_json::to_string(self).unwrap_or_else(|_| format!("{{\"code\":\"{}\",\"message\":\"\"}}", self.code))
    }
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

fn respond<Req, Resp>(hook: &str, request: &str, answer: impl FnOnce(Req) -> Resp) -> Result<String, PluginError>
where
    Req: serde::de::DeserializeOwned,
    Resp: Serialize,
{
    let request: Req = serde_json::from_str(request)
        .map_err(|e| PluginError::new(PluginError::BAD_REQUEST, format!("{hook}: the request does not parse: {e}")))?;
    serde_json::to_string(&answer(request))
        .map_err(|e| PluginError::new(PluginError::FAILED, format!("{hook}: the response does not serialize: {e}")))
}

/// Answer one hook call on a provider: the plugin side of the protocol. Used by
/// [`export_provider!`](crate::export_provider) and usable by any other transport.
pub fn dispatch(provider: &dyn ProviderMigration, hook: &str, request: &str) -> Result<String, PluginError> {
    match hook {
        hooks::MAP_SETTINGS => {
            respond(hook, request, |r: MapSettingsRequest| MapSettingsResponse::from(provider.map_settings(&r)))
        }
        hooks::MANUAL_STEPS => respond(hook, request, |r: ManualStepsRequest| provider.manual_steps(&r)),
        hooks::REWRITE_NODE => {
            respond(hook, request, |r: NodeRewriteRequest| RewriteNodeResponse::from(provider.rewrite_node(&r)))
        }
        hooks::VERIFY => respond(hook, request, |r: VerifyRequest| provider.verify(&r)),
        hooks::RETARGET_NODE => {
            respond(hook, request, |r: RetargetNodeRequest| RewriteNodeResponse::from(provider.retarget_node(&r)))
        }
        other => Err(PluginError::new(
            PluginError::UNKNOWN_HOOK,
            format!("unknown hook `{other}` (this plugin knows: {})", hooks::ALL.join(", ")),
        )),
    }
}

/// A contract version as `MAJOR.MINOR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContractVersion {
    pub major: u32,
    pub minor: u32,
}

impl ContractVersion {
    /// Parse `MAJOR.MINOR` (a `.PATCH` part is accepted and ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        match parts.next() {
            None => {}
            Some(patch) => {
                patch.parse::<u32>().ok()?;
            }
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Self { major, minor })
    }

    /// The version of this crate's contract.
    pub fn current() -> Self {
        // CONTRACT_VERSION is a literal checked by a unit test.
        Self::parse(crate::CONTRACT_VERSION).unwrap_or(Self { major: 1, minor: 0 })
    }

    /// Can a host of version `self` run a plugin built against `plugin`? The major versions
    /// must match; the plugin's minor must not be newer than the host's (it may use hooks or
    /// fields the host does not know).
    pub fn accepts(self, plugin: Self) -> bool {
        self.major == plugin.major && plugin.minor <= self.minor
    }
}

impl std::fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecProvider;

    fn v(text: &str) -> ContractVersion {
        ContractVersion::parse(text).unwrap()
    }

    #[test]
    fn contract_version_parses_major_minor_and_ignores_patch() {
        assert_eq!(v("1.0"), ContractVersion { major: 1, minor: 0 });
        assert_eq!(v("2.13.7"), ContractVersion { major: 2, minor: 13 });
        assert_eq!(v(" 1.2 "), ContractVersion { major: 1, minor: 2 });
        for bad in ["", "1", "1.", "a.b", "1.0.x", "1.0.0.0", "-1.0", "1.0-beta"] {
            assert_eq!(ContractVersion::parse(bad), None, "{bad:?}");
        }
        assert_eq!(ContractVersion::current().to_string(), crate::CONTRACT_VERSION);
    }

    #[test]
    fn compatibility_rule_same_major_and_plugin_minor_not_newer() {
        let host = v("1.3");
        assert!(host.accepts(v("1.0")));
        assert!(host.accepts(v("1.3")));
        assert!(!host.accepts(v("1.4")), "a plugin built against a newer minor may use what the host lacks");
        assert!(!host.accepts(v("2.0")));
        assert!(!host.accepts(v("0.3")));
        assert!(!v("1.0").accepts(v("99.0")));
        assert!(v("2.0").accepts(v("2.0")));
    }

    fn provider() -> SpecProvider {
        use crate::spec::{FieldSpec, Format, PairSpec};
        SpecProvider {
            name: "t".into(),
            version: "1".into(),
            specs: vec![PairSpec {
                pair: MigrationPair::same("k"),
                display_name: "K".into(),
                webhook_path: None,
                warnings: vec![],
                fields: vec![FieldSpec {
                    legacy_key: "url".into(),
                    destination: Destination::Property("url".into()),
                    class: PropertyClass::Plain,
                    required: true,
                    required_unless: None,
                    format: Format::Url,
                    label: "URL".into(),
                }],
                node_fields: vec![],
                node_types: HandoverNodeType::all(),
                manual_properties: vec![],
                node_rules: vec![],
                node_fills: vec![],
                reminders: vec![],
            }],
        }
    }

    #[test]
    fn dispatch_round_trips_every_hook_like_a_native_call() {
        let p = provider();
        let request = MapSettingsRequest {
            pair: MigrationPair::same("k"),
            endpoint: "e".into(),
            settings: serde_json::from_str(r#"{"url": "https://x.example"}"#).unwrap(),
        };
        let json = dispatch(&p, hooks::MAP_SETTINGS, &serde_json::to_string(&request).unwrap()).unwrap();
        let response: MapSettingsResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(Result::from(response), p.map_settings(&request));
        assert!(json.starts_with("{\"ok\":"), "{json}");

        let bad = MapSettingsRequest { settings: serde_json::from_str(r#"{"url": 3}"#).unwrap(), ..request };
        let json = dispatch(&p, hooks::MAP_SETTINGS, &serde_json::to_string(&bad).unwrap()).unwrap();
        assert!(json.starts_with("{\"issues\":"), "{json}");

        let rewrite = NodeRewriteRequest {
            pair: MigrationPair::same("other"),
            node_type: HandoverNodeType::HandoverToAgent,
            config: Default::default(),
            endpoint_defaults: Default::default(),
        };
        let json = dispatch(&p, hooks::REWRITE_NODE, &serde_json::to_string(&rewrite).unwrap()).unwrap();
        let response: RewriteNodeResponse = serde_json::from_str(&json).unwrap();
        assert!(matches!(response, RewriteNodeResponse::Error(ref m) if m.contains("does not support")));

        let verify =
            VerifyRequest { pair: MigrationPair::same("k"), provider_name: "n".into(), properties: Default::default() };
        let json = dispatch(&p, hooks::VERIFY, &serde_json::to_string(&verify).unwrap()).unwrap();
        let findings: Vec<Finding> = serde_json::from_str(&json).unwrap();
        assert_eq!(findings, p.verify(&verify));
    }

    #[test]
    fn dispatch_answers_the_optional_retarget_hook_with_the_default() {
        let p = provider();
        let request = RetargetNodeRequest {
            pair: MigrationPair::same("k"),
            source_service: "other".into(),
            source_node_fields: vec!["otherQueue".into(), "unset".into()],
            node_type: HandoverNodeType::HandoverToAgent,
            config: serde_json::from_str(r#"{"otherQueue": "7", "unset": ""}"#).unwrap(),
        };
        let json = dispatch(&p, hooks::RETARGET_NODE, &serde_json::to_string(&request).unwrap()).unwrap();
        let response: RewriteNodeResponse = serde_json::from_str(&json).unwrap();
        let RewriteNodeResponse::Ok(rewrite) = response else { panic!("{json}") };
        let fields: Vec<&str> = rewrite.no_counterpart.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["otherQueue"], "only fields the node sets, and the target does not read");
        let same = RetargetNodeRequest { source_service: "k".into(), ..request };
        assert_eq!(p.retarget_node(&same).unwrap(), NodeRewrite::default(), "same service: everything carries");
    }

    #[test]
    fn dispatch_reports_unknown_hooks_and_bad_requests_as_errors() {
        let p = provider();
        let error = dispatch(&p, "future_hook", "{}").unwrap_err();
        assert_eq!(error.code, PluginError::UNKNOWN_HOOK);
        let error = dispatch(&p, hooks::VERIFY, "not json").unwrap_err();
        assert_eq!(error.code, PluginError::BAD_REQUEST);
        let parsed: PluginError = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(parsed, error);
    }
}
