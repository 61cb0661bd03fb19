//! `retarget`: re-point every node that uses one Handover Provider to another one, an
//! existing provider or a new one whose properties come from the answers file.
//!
//! A retarget is analysed into the same shape as a migration, so that plan, apply (offline
//! and API), journal, verify and rollback are the migration's own code: the target provider
//! is a [`Group`] without endpoints (reused when it exists, created otherwise) and each node
//! that points at the source provider is a [`Resolution::Migrate`] whose rewrite comes from
//! the target's plugin (`retarget_node`), with the source's node fields accounted for
//! (carried, needs a person, no counterpart). Legacy nodes and nodes of other providers are
//! left alone.

use handover_migrate_core::secret::looks_masked;
use handover_migrate_core::{
    DraftProperty, DraftValue, ManualStep, ManualStepKind, ManualStepsRequest, MigrationPair, PairInfo, PropertyClass,
    ProviderDraft, RetargetNodeRequest,
};

use crate::analysis::{
    account_node_fields, attribute_flows, check_answered, find_out_of_scope, finish_warnings, for_each_handover_node,
    handover_instance_count, lookup_answer, selector_of, Analysis, EndpointState, Group, HandoverNode, Interner,
    NodeSwitch, Options, Resolution, ResolvedProperty, ResolvedStep, Retarget, Selector, ValueSource,
};
use crate::answers::{toml_key, Answers};
use crate::model::Project;
use crate::names::check_provider_name;
use handover_migrate_io::{Error, Result};
use handover_migrate_plugins::registry::Registry;

/// A provider of the project by name or referenceId.
fn find_provider(project: &Project, key: &str) -> Option<usize> {
    project
        .providers
        .iter()
        .position(|p| p.name == key)
        .or_else(|| project.providers.iter().position(|p| p.reference_id == key))
}

fn providers_list(project: &Project) -> String {
    if project.providers.is_empty() {
        return "the project has none".into();
    }
    project
        .providers
        .iter()
        .map(|p| format!("\"{}\" ({}, {})", p.name, p.service, p.reference_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The pair whose plugin speaks for providers of `service`, or a refusal naming the pairs.
fn pair_of_service<'r>(registry: &'r Registry, service: &str, what: &str) -> Result<(MigrationPair, &'r PairInfo)> {
    registry.pair_for_service(service).and_then(|pair| registry.find(&pair).map(|(_, info)| (pair, info))).ok_or_else(
        || {
            Error::usage(format!(
                "{what}: no installed provider knows service `{service}`. Services with a provider: {}; supported \
                 pairs (legacy kind → service): {}",
                registry.target_services().join(", "),
                registry.pairs_list()
            ))
        },
    )
}

/// Analyse a retarget (`options.retarget` is set).
pub(crate) fn analyse(project: &Project, registry: &Registry, answers: &Answers, options: Options) -> Result<Analysis> {
    let Some(retarget) = options.retarget.clone() else {
        return Err(Error::failed("internal: a retarget analysis without a retarget"));
    };
    let endpoint_index = project.endpoint_index();
    for name in options.endpoint_filter.names() {
        if !endpoint_index.contains_key(name.as_str()) {
            return Err(Error::usage(format!("--endpoint {name:?}: no such endpoint")));
        }
    }
    let selector_key = options.selector_key.clone();
    let provider_index = project.provider_index();
    let source = find_provider(project, &retarget.from);
    let from_reference = match source {
        Some(index) => project.providers[index].reference_id.clone(),
        None => {
            // A provider that no longer exists may still be pointed at (dangling nodes).
            let mut pointed_at = false;
            for_each_handover_node(project, |_, _, config| {
                pointed_at |= selector_of(config, &selector_key) == Selector::Provider(retarget.from.clone());
                Ok(())
            })?;
            if !pointed_at {
                return Err(Error::usage(format!(
                    "retarget --from {:?}: no Handover Provider has that name or referenceId, and no node points at it \
                     (providers: {})",
                    retarget.from,
                    providers_list(project)
                )));
            }
            retarget.from.clone()
        }
    };
    let source_service = source.map(|i| project.providers[i].service.clone()).unwrap_or_default();
    let source_fields = registry
        .pair_for_service(&source_service)
        .and_then(|pair| registry.find(&pair).map(|(_, info)| info.node_fields.clone()))
        .unwrap_or_default();

    let mut group = target_group(project, registry, answers, &retarget, source, &from_reference)?;
    let (flow_endpoints, orphan_endpoints, warnings) = attribute_flows(project);
    let mut analysis = Analysis {
        endpoint_states: vec![EndpointState::NoHandover; project.endpoints.len()],
        groups: Vec::new(),
        nodes: Vec::with_capacity(handover_instance_count(project)),
        out_of_scope: find_out_of_scope(project),
        orphan_flows: Vec::new(),
        orphan_endpoints,
        flow_endpoints,
        warnings: Vec::new(),
        options,
    };
    let Some((provider, info)) = registry.find(&group.pair) else {
        return Err(Error::failed(format!("internal: provider for {} vanished", group.pair)));
    };
    let mut switched = 0;
    let mut switches = Interner::new();
    for_each_handover_node(project, |at, node_type, config| {
        let flow = &project.flows[at.flow];
        let node = &flow.charts[at.chart].nodes[at.node];
        let endpoints = &analysis.flow_endpoints[at.flow];
        let selector = selector_of(config, &selector_key);
        let resolution = match &selector {
            Selector::Provider(reference) if *reference == from_reference => {
                let in_scope = analysis.options.endpoint_filter.is_empty()
                    || endpoints.iter().any(|e| analysis.in_filter(&project.endpoints[*e].name));
                if !in_scope {
                    Resolution::OutOfScope
                } else if !info.node_types.contains(&node_type) {
                    Resolution::TypeNotSupported { services: vec![info.display_name.clone()] }
                } else {
                    let request = RetargetNodeRequest {
                        pair: group.pair.clone(),
                        source_service: source_service.clone(),
                        source_node_fields: source_fields.clone(),
                        node_type,
                        config: config.clone(),
                    };
                    let mut rewrite = provider.retarget_node(&request).map_err(|error| {
                        Error::failed(format!("{} (node `{}` in flow \"{}\")", error.message, node.id, flow.name))
                    })?;
                    let carried = account_node_fields(
                        &mut rewrite,
                        config,
                        &source_fields,
                        &info.node_fields,
                        if source_service.is_empty() { "source provider" } else { &source_service },
                        &group.pair.target_service,
                    );
                    switched += 1;
                    let switch = switches.intern(NodeSwitch::new(config, &selector_key, rewrite, carried));
                    Resolution::Migrate { group: 0, endpoint: None, switch }
                }
            }
            Selector::Provider(reference) => {
                Resolution::AlreadySwitched { provider: provider_index.get(reference.as_str()).copied() }
            }
            // A retarget never touches Legacy nodes.
            Selector::Legacy => Resolution::OutOfScope,
        };
        analysis.nodes.push(HandoverNode {
            flow: at.flow,
            chart: at.chart,
            node: at.node,
            node_type,
            selector,
            resolution,
        });
        Ok(())
    })?;
    if switched > 0 || group.existing.is_some() {
        check_answered(registry, &mut group)?;
        analysis.groups.push(group);
    }
    finish_warnings(project, &mut analysis, warnings);
    Ok(analysis)
}

/// The provider the nodes move to, as a group without endpoints.
fn target_group(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    retarget: &Retarget,
    source: Option<usize>,
    from_reference: &str,
) -> Result<Group> {
    let blank = |pair: MigrationPair, info: &PairInfo, name: String| Group {
        name,
        ..Group::new(pair, info.clone(), Vec::new(), ProviderDraft::default())
    };
    if let Some(index) = find_provider(project, &retarget.to) {
        let target = &project.providers[index];
        if Some(index) == source || target.reference_id == from_reference {
            return Err(Error::usage(format!(
                "retarget: --from and --to name the same provider (\"{}\"); nothing to do",
                target.name
            )));
        }
        if let Some(service) = retarget.to_service.as_ref().filter(|s| **s != target.service) {
            return Err(Error::usage(format!(
                "retarget --to {:?}: that provider exists with service `{}`, not `{service}`; drop --to-service, or \
                 name a new provider",
                retarget.to, target.service
            )));
        }
        let what = format!("retarget --to {:?} (service `{}`)", retarget.to, target.service);
        let (pair, info) = pair_of_service(registry, &target.service, &what)?;
        let mut group = blank(pair, info, target.name.clone());
        group.existing = Some(index);
        group.reference_id = target.reference_id.clone();
        // Shown in the plan: only what the plugin calls plain is shown; anything else is
        // masked (an undeclared key may be a secret, and so may a masked-looking value).
        group.properties = target
            .properties
            .iter()
            .map(|(key, value)| {
                let declared = info.target_properties().find(|(k, _)| k == key).map(|(_, row)| row.class);
                let class = match declared {
                    Some(PropertyClass::Plain) if !value.as_str().is_some_and(looks_masked) => PropertyClass::Plain,
                    Some(PropertyClass::ConnectionRef) => PropertyClass::ConnectionRef,
                    _ => PropertyClass::Secret,
                };
                ResolvedProperty { key: key.clone(), class, value: Some(value.clone()), source: ValueSource::Endpoint }
            })
            .collect();
        return Ok(group);
    }
    if let Some(other) =
        project.providers.iter().find(|p| crate::names::name_key(&p.name) == crate::names::name_key(&retarget.to))
    {
        return Err(Error::usage(format!(
            "retarget --to {:?}: a provider named \"{}\" exists; use its exact name, or choose another name for a new \
             provider",
            retarget.to, other.name
        )));
    }
    let Some(service) = &retarget.to_service else {
        return Err(Error::usage(format!(
            "retarget --to {:?}: no Handover Provider has that name or referenceId (providers: {}). To create it, add \
             --to-service SERVICE and give its properties in the answers file under [providers.{}]",
            retarget.to,
            providers_list(project),
            toml_key(&retarget.to)
        )));
    };
    check_provider_name(&retarget.to)
        .map_err(|why| Error::usage(format!("retarget --to {:?}: the new provider's name {why}", retarget.to)))?;
    let what = format!("retarget --to-service {service}");
    let (pair, info) = pair_of_service(registry, service, &what)?;
    let mut group = blank(pair.clone(), info, retarget.to.clone());
    let answer_key = retarget.to.as_str();
    let entries: Vec<(&str, &crate::answers::ProviderAnswers)> =
        answers.providers.get(answer_key).map(|a| (answer_key, a)).into_iter().collect();
    let mut draft = ProviderDraft::default();
    let mut input_steps = Vec::new();
    for (key, row) in info.target_properties() {
        if group.properties.iter().any(|p| p.key == key) {
            continue;
        }
        let (value, source) = lookup_answer(&entries, answers.secret_scope.as_deref(), answer_key, key, row.class);
        if value.is_none() && !row.required {
            continue;
        }
        draft.properties.push(DraftProperty {
            key: key.to_string(),
            class: row.class,
            value: value.clone().map_or(DraftValue::Missing, DraftValue::Known),
        });
        let (entry, kind) = match row.class {
            PropertyClass::Secret => (format!("secrets.{key}"), ManualStepKind::Secret(key.to_string())),
            PropertyClass::ConnectionRef => (format!("connections.{key}"), ManualStepKind::Connection(key.to_string())),
            PropertyClass::Plain => (format!("values.{key}"), ManualStepKind::Value(key.to_string())),
        };
        let label = if row.label.is_empty() { key } else { row.label.as_str() };
        input_steps.push(ResolvedStep {
            step: ManualStep {
                key: entry.clone(),
                kind,
                prompt: format!(
                    "Enter the {label} (`{key}`, {}) of the new provider \"{}\" ({service}).",
                    row.format, retarget.to
                ),
            },
            blocking: true,
            satisfied: value.is_some(),
            answers_entry: Some(crate::answers::provider_snippet(answer_key, &entry)),
            env_var: None,
        });
        group.properties.push(ResolvedProperty { key: key.to_string(), class: row.class, value, source });
    }
    group.reference_id = mint_reference_id(&pair.target_service, &retarget.to, from_reference);
    // The provider's own reminders and checks (a webhook to confirm…); input prompts are the
    // host's, worded for a provider that is not migrated from an endpoint.
    let Some((provider, _)) = registry.find(&pair) else {
        return Err(Error::failed(format!("internal: provider for {pair} vanished")));
    };
    let reminders = provider.manual_steps(&ManualStepsRequest {
        pair: pair.clone(),
        provider_name: retarget.to.clone(),
        draft: draft.clone(),
    })?;
    group.steps = input_steps
        .into_iter()
        .chain(reminders.into_iter().filter(|s| s.kind.property().is_none()).map(|step| ResolvedStep {
            step,
            blocking: false,
            satisfied: true,
            answers_entry: None,
            env_var: None,
        }))
        .collect();
    group.draft = draft;
    Ok(group)
}

/// Deterministic, like a migration's: the same retarget mints the same referenceId.
fn mint_reference_id(service: &str, name: &str, from_reference: &str) -> String {
    let seed = format!("handover-migrate\u{0}retarget\u{0}{service}\u{0}{name}\u{0}{from_reference}");
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).to_string()
}
