//! The project model: endpoints with their handover settings, locales, flows with an index
//! of their handover-relevant nodes, and existing providers. A clone (the `clone` reader) and a
//! tenant (`handover-migrate-tenant`) are both read into it, named by clone-layout paths, so
//! analysis, plans, journals and messages are the same in every mode.
//!
//! Of a clone's chart only an index stays in memory, and each handover node's config as
//! compact JSON text (whitespace dropped, identical texts shared), parsed again one chart at
//! a time when the analysis needs it ([`Project::handover_configs`]): every file is read once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use handover_migrate_core::validate::is_unset;
use handover_migrate_core::{HandoverNodeType, Object};
use handover_migrate_io::fsio;
use handover_migrate_io::{Error, Result};
use serde_json::Value;

#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub endpoints: Vec<Endpoint>,
    pub locales: Vec<Locale>,
    pub flows: Vec<Flow>,
    pub providers: Vec<ProviderFile>,
    /// SHA-256 of every file read, by path relative to the root (`/`-separated); shared
    /// with the plan's `project_state`.
    pub fingerprint: Arc<BTreeMap<String, String>>,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub path: String,
    pub id: String,
    pub flow_id: String,
    pub handover: Handover,
    /// The Snapshot or Project the endpoint targets.
    pub entrypoint: String,
    /// The endpoint runs a snapshot's frozen flows rather than the project's.
    pub snapshot_pinned: bool,
}

/// `handoverSettings` of an endpoint, as far as the migration cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Handover {
    /// No `handoverSettings` at all.
    Absent,
    /// `provider` is `none`/`cognigy` or empty: nothing to migrate.
    Nothing(String),
    /// A legacy provider kind with its settings (`providerSettings`, empty if absent).
    Legacy { kind: String, settings: Object },
}

#[derive(Debug, Clone)]
pub struct Locale {
    pub id: String,
    pub reference_id: String,
    pub name: String,
}

#[derive(Debug)]
pub struct Flow {
    pub name: String,
    pub id: String,
    pub reference_id: String,
    pub charts: Vec<Chart>,
}

#[derive(Debug)]
pub struct Chart {
    /// Index into [`Project::locales`].
    pub locale: usize,
    pub path: String,
    pub nodes: Vec<Node>,
}

/// One kept node of a chart. Its ids and label are shared (`Arc`) with the plan's node
/// edits, which repeat them.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: Arc<str>,
    pub reference_id: Arc<str>,
    pub node_type: String,
    pub label: Arc<str>,
    /// Index into [`Project::locales`] of the node's `localeReference`.
    pub locale: usize,
    /// Execute Flow / Go To: the flow it points at (`config.flowNode.flow`).
    pub link: Option<String>,
    /// A Question node that escalates to a handover (reported, never touched).
    pub escalates_to_handover: bool,
    /// Where a handover node's config is; see [`Project::handover_configs`].
    pub config: NodeConfig,
}

/// Where a node's config is. A clone keeps handover configs as compact text rather than
/// parsed values (a parsed config takes several times its text), so that memory holds an
/// index of the project rather than its handover node configs.
#[derive(Debug, Clone)]
pub enum NodeConfig {
    /// Not a handover node: nothing more of its config is needed.
    NotKept,
    /// In memory (read from the API, or a node without a config).
    Inline(Box<Object>),
    /// A JSON object as compact text (checked to be one when the chart was read), shared by
    /// the nodes whose configs are identical.
    Text(Arc<str>),
}

impl Node {
    /// A node whose config (if any) was parsed: keeps what the migration reads of it, and a
    /// handover node's config itself.
    pub fn from_parsed(
        id: String,
        reference_id: String,
        node_type: String,
        label: String,
        locale: usize,
        config: Option<Object>,
    ) -> Node {
        let mut node = Node::indexed(id, reference_id, node_type, label, locale, config.as_ref(), NodeConfig::NotKept);
        if HandoverNodeType::from_type(&node.node_type).is_some() {
            node.config = NodeConfig::Inline(Box::new(config.unwrap_or_default()));
        }
        node
    }

    /// The index entry of a node: its target if it links to a flow, whether a Question node
    /// escalates (both read from `parsed`), and where its config is.
    pub(crate) fn indexed(
        id: String,
        reference_id: String,
        node_type: String,
        label: String,
        locale: usize,
        parsed: Option<&Object>,
        config: NodeConfig,
    ) -> Node {
        let link = match node_type.as_str() {
            "executeFlow" | "goTo" => parsed
                .and_then(|c| c.get("flowNode")?.get("flow")?.as_str().filter(|s| !s.is_empty()).map(str::to_string)),
            _ => None,
        };
        let escalates_to_handover =
            matches!(node_type.as_str(), "question" | "optionalQuestion") && parsed.is_some_and(escalates_to_handover);
        Node {
            id: id.into(),
            reference_id: reference_id.into(),
            node_type,
            label: label.into(),
            locale,
            link,
            escalates_to_handover,
            config,
        }
    }
}

/// A Question node's `escalate*` keys hand the conversation over.
fn escalates_to_handover(config: &Object) -> bool {
    config.iter().any(|(key, value)| {
        (key.starts_with("escalate") && key.ends_with("Action") && value == "handover")
            || (key.starts_with("escalate") && key.contains("Handover") && !is_unset(Some(value)))
    })
}

#[derive(Debug, Clone)]
pub struct ProviderFile {
    pub path: String,
    pub reference_id: String,
    /// The provider's `_id` where known (API mode; a clone file that has one): tenants whose
    /// selector options hold `_id`s point nodes at it.
    pub id: String,
    pub name: String,
    pub service: String,
    pub properties: Object,
}

impl Project {
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn flow_by_ref(&self, reference: &str) -> Option<usize> {
        self.flows.iter().position(|f| f.reference_id == reference || f.id == reference)
    }

    /// `referenceId` and `_id` → flow index, for resolving many references at once.
    pub fn flow_index(&self) -> HashMap<&str, usize> {
        let mut index = HashMap::with_capacity(self.flows.len() * 2);
        for (i, flow) in self.flows.iter().enumerate() {
            index.insert(flow.id.as_str(), i);
        }
        // referenceId wins over an equal `_id` of another flow (flowId holds referenceIds).
        for (i, flow) in self.flows.iter().enumerate() {
            index.insert(flow.reference_id.as_str(), i);
        }
        index
    }

    pub fn endpoint(&self, name: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.name == name)
    }

    /// Provider `referenceId`, then `_id` where known → index (the first, if repeated), for
    /// resolving many nodes (a node holds one or the other, as the tenant's selector does).
    pub fn provider_index(&self) -> HashMap<&str, usize> {
        let mut index = HashMap::with_capacity(self.providers.len() * 2);
        for (i, provider) in self.providers.iter().enumerate() {
            index.entry(provider.reference_id.as_str()).or_insert(i);
        }
        for (i, provider) in self.providers.iter().enumerate().filter(|(_, p)| !p.id.is_empty()) {
            index.entry(provider.id.as_str()).or_insert(i);
        }
        index
    }

    /// Endpoint name → index, for resolving many names at once (names are unique).
    pub fn endpoint_index(&self) -> HashMap<&str, usize> {
        self.endpoints.iter().enumerate().map(|(i, e)| (e.name.as_str(), i)).collect()
    }

    /// The text of a project file this run read, refused when it is no longer the content
    /// that was read (its hash is in the fingerprint): a write never builds on a file
    /// someone changed meanwhile.
    pub fn read_unchanged(&self, rel: &str) -> Result<String> {
        let text = fsio::read_text(&self.abs(rel))?;
        if self.fingerprint.get(rel) != Some(&fsio::sha256_hex(text.as_bytes())) {
            return Err(Error::changed_while_running(rel));
        }
        Ok(text)
    }

    /// The configs of a chart's handover nodes, by node index (`None` for other nodes),
    /// parsed from the text kept at load: no file is read again.
    pub fn handover_configs(&self, flow: usize, chart: usize) -> Result<Vec<Option<Object>>> {
        let chart = &self.flows[flow].charts[chart];
        chart
            .nodes
            .iter()
            .map(|node| match &node.config {
                NodeConfig::NotKept => Ok(None),
                NodeConfig::Inline(config) => Ok(Some((**config).clone())),
                NodeConfig::Text(text) => match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(config)) => Ok(Some(config)),
                    _ => Err(Error::failed(format!(
                        "internal: the config of node `{}` in {} no longer parses",
                        node.id, chart.path
                    ))),
                },
            })
            .collect()
    }
}

/// An error message with the project root cut from its paths (messages name files relative
/// to the project).
pub(crate) fn relativize(mut error: Error, root: &Path) -> Error {
    let prefix = format!("{}/", root.display());
    error.message = error.message.replace(&prefix, "");
    error
}
