//! The contract between the `handover-migrate` engine and every contact-center provider.
//!
//! A provider answers for one or more **migration pairs**: a legacy endpoint kind
//! (`handoverSettings.provider`, e.g. `liveAgent`) and the Handover Provider service it
//! migrates to (usually the vendor's own new service; a vendor switch such as legacy
//! Salesforce chat → Salesforce MIAW is just another pair).
//!
//! Everything here is data in, data out, and serializable: the same trait crosses a
//! dynamic-library boundary as JSON ([`protocol`]) without changing its shape. This crate
//! does no I/O and holds no engine logic: the engine lives in `handover-migrate-engine`, the
//! vendors in `crates/providers/*`.
//!
//! - [`ProviderMigration`]: the trait every provider implements.
//! - [`model`]: the request/response types the trait speaks.
//! - [`spec`]: a declarative description of a vendor's settings and node fields, with a
//!   generic implementation of the trait ([`spec::SpecProvider`]) that most vendors use.
//! - [`registry`]: built-in providers registered with `inventory`.
//! - [`secret`]: how masked secrets are recognised and how secrets are shown.
//! - [`protocol`]: the JSON form of the trait that crosses a plugin boundary, and the
//!   contract-version rule.
//! - `plugin` (cargo feature `plugin`): the abi_stable root module and
//!   [`export_provider!`], which turn a provider into a dynamic plugin.

pub mod model;
pub mod names;
#[cfg(feature = "plugin")]
pub mod plugin;
pub mod protocol;
pub mod registry;
pub mod secret;
pub mod spec;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod validate;

pub use model::*;
#[doc(hidden)]
pub use registry::inventory;
pub use registry::{builtin_providers, BuiltinProvider};

/// Version of this contract. Plugins built against a different major version are refused;
/// a plugin built against a newer minor version than the host is refused too.
///
/// - 1.0: `map_settings`, `manual_steps`, `rewrite_node`, `verify`.
/// - 1.1: the optional `retarget_node` hook; mapping rows without a legacy key (manual
///   properties of a vendor switch); `PairSpec::manual_properties` and
///   `PairSpec::node_rules` in declarative files. A 1.0 plugin loads unchanged: the host
///   answers `retarget_node` for it with [`retarget_by_node_fields`].
pub const CONTRACT_VERSION: &str = "1.1";

/// The migration hooks a provider implements for the pairs it declares in
/// [`ProviderInfo::pairs`]. Every call names the pair it is about.
pub trait ProviderMigration: Send + Sync {
    /// Identity: name, own version, contract version, supported pairs.
    fn info(&self) -> ProviderInfo;

    /// Translate a legacy endpoint's `providerSettings` into the new provider's
    /// properties, or list every problem (each naming the field).
    fn map_settings(&self, request: &MapSettingsRequest) -> Result<ProviderDraft, Vec<SettingsIssue>>;

    /// What a person must supply or do for one provider. Steps whose input is already
    /// known (e.g. a secret copied in clear text) are not returned.
    fn manual_steps(&self, request: &ManualStepsRequest) -> Vec<ManualStep>;

    /// Node-level field changes for one Handover to Agent / Check Agent Availability
    /// node once it points at the new provider. The host sets the provider selector itself.
    fn rewrite_node(&self, request: &NodeRewriteRequest) -> Result<NodeRewrite, String>;

    /// Vendor-specific checks of a provider after apply.
    fn verify(&self, request: &VerifyRequest) -> Vec<Finding>;

    /// Node-level field changes for a node that points at a provider of another service
    /// (or another provider of the same service) and moves to a provider of
    /// `request.pair.target_service` (`retarget`). The host sets the selector itself.
    ///
    /// Optional (contract 1.1): the default compares the source vendor's node fields with
    /// this pair's ([`retarget_by_node_fields`]).
    fn retarget_node(&self, request: &RetargetNodeRequest) -> Result<NodeRewrite, String> {
        let info = self.info();
        let target_fields =
            info.pairs.iter().find(|p| p.pair == request.pair).map(|p| p.node_fields.clone()).unwrap_or_default();
        Ok(retarget_by_node_fields(request, &target_fields))
    }
}

/// The default of [`ProviderMigration::retarget_node`]: every field stays in the node as it
/// is; each source node field the node sets that the target service does not read (same
/// key) is listed as having no counterpart. The host lists the others as carried.
pub fn retarget_by_node_fields(request: &RetargetNodeRequest, target_node_fields: &[String]) -> NodeRewrite {
    let mut rewrite = NodeRewrite::default();
    let target = &request.pair.target_service;
    if request.source_service == *target {
        return rewrite;
    }
    for field in &request.source_node_fields {
        if !validate::is_unset(request.config.get(field)) && !target_node_fields.contains(field) {
            rewrite.note(
                FieldOutcome::NoCounterpart,
                field,
                format!("a {} field; {target} does not read it (left in the node, unused)", request.source_service),
            );
        }
    }
    rewrite
}
