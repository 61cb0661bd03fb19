//! A tenant profile (`handover-migrate doctor --save-profile FILE`): what a real tenant
//! showed, without secrets or customer content. `--profile FILE` makes the simulator serve
//! the seed project shaped by it: the tenant's handover services and their property keys,
//! its selector key and value form, masking, default page size and node types.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::catalogue::{CatalogueEntry, Service, ServiceProperty};
use crate::{ids, Options, ValueForm};

/// The format this simulator reads.
pub const FORMAT: &str = "handover-migrate/tenant-profile@1";

#[derive(Debug, Deserialize)]
pub struct ServiceProfile {
    pub name: String,
    pub property_keys: Vec<String>,
    #[serde(default)]
    pub secret_keys: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SelectorProfile {
    pub key: Option<String>,
    pub value_form: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Pages {
    pub default: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct Profile {
    pub format: String,
    pub services: Vec<ServiceProfile>,
    #[serde(default)]
    pub selector: SelectorProfile,
    pub secrets_masked: Option<bool>,
    #[serde(default)]
    pub pages: Pages,
    #[serde(default)]
    pub node_types: Vec<String>,
}

/// Profile strings live as long as the process: the service catalogue holds `&'static str`.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading --profile {}", path.display()))?;
        let profile: Profile = serde_json::from_str(&text)
            .with_context(|| format!("--profile {}: not a tenant profile", path.display()))?;
        if profile.format != FORMAT {
            bail!("--profile {}: format `{}`, expected `{FORMAT}`", path.display(), profile.format);
        }
        if let Some(page) = profile.pages.default {
            if !(1..=crate::http::MAX_PAGE).contains(&page) {
                bail!(
                    "--profile {}: pages.default {page} is not between 1 and {}",
                    path.display(),
                    crate::http::MAX_PAGE
                );
            }
        }
        if let Some(form) = &profile.selector.value_form {
            form.parse::<ValueForm>()
                .map_err(|e| anyhow::anyhow!("--profile {}: selector.value_form: {e}", path.display()))?;
        }
        Ok(profile)
    }

    /// The tenant's services, with made-up ids (as the simulator's own).
    pub fn services(&self) -> Vec<Service> {
        self.services
            .iter()
            .map(|s| Service {
                id: ids::object_id(&format!("service:{}", s.name)),
                reference_id: ids::uuid(&format!("service:{}", s.name)),
                name: leak(&s.name),
                properties: s
                    .property_keys
                    .iter()
                    .map(|key| ServiceProperty {
                        key: leak(key),
                        label: leak(key),
                        kind: "text",
                        required: false,
                        secret: s.secret_keys.contains(key),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Selector key and value form, masking and page size, over the command line's.
    pub fn apply(&self, options: &mut Options) {
        options.selector_key = self.selector.key.clone();
        options.selector_options = self.selector.value_form.as_deref().and_then(|f| f.parse().ok());
        if let Some(masked) = self.secrets_masked {
            options.mask_secrets = masked;
        }
        if let Some(page) = self.pages.default {
            options.default_page = page;
        }
    }

    /// Node types the tenant lists that the catalogue lacks, without fields.
    pub fn extend_catalogue(&self, catalogue: &mut Vec<CatalogueEntry>) {
        for node_type in &self.node_types {
            if !catalogue.iter().any(|e| &e.node_type == node_type) {
                catalogue.push(CatalogueEntry::new(node_type, node_type, Vec::new()));
            }
        }
    }
}
