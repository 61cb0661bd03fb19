//! Endpoints into provider groups: one provider per distinct (pair, provider-level
//! properties); names, answers, masked secrets and reuse of existing providers resolved.

use super::*;

/// `--to SERVICE` must name a pair for at least one selected endpoint's legacy kind.
pub(super) fn check_target_service(
    project: &Project,
    registry: &Registry,
    options: &Options,
    service: &str,
) -> Result<()> {
    let kinds: BTreeSet<&str> = project
        .endpoints
        .iter()
        .filter(|e| options.endpoint_filter.admits(&e.name))
        .filter_map(|e| match &e.handover {
            Handover::Legacy { kind, .. } => Some(kind.as_str()),
            _ => None,
        })
        .collect();
    if kinds.iter().any(|kind| registry.find(&MigrationPair::new(*kind, service)).is_some()) {
        return Ok(());
    }
    let what = if kinds.is_empty() {
        "any legacy endpoint of this run (none has legacy handover settings)".to_string()
    } else {
        let list: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
        format!("legacy kind{} {}", if kinds.len() == 1 { "" } else { "s" }, list.join(", "))
    };
    Err(Error::usage(format!(
        "--to {service}: no installed provider migrates {what} to `{service}`. Supported pairs (legacy kind → \
         service): {}. A plugin can add a pair (see docs/writing-a-plugin.md)",
        registry.pairs_list()
    )))
}

/// The pair an endpoint of `kind` migrates by: to `--to SERVICE` when such a pair exists,
/// else to its own service.
pub fn pair_for(registry: &Registry, options: &Options, kind: &str) -> Option<MigrationPair> {
    options
        .target_service
        .as_ref()
        .map(|service| MigrationPair::new(kind, service.as_str()))
        .filter(|pair| registry.find(pair).is_some())
        .or_else(|| registry.default_pair(kind))
}

/// Check a provider's answered properties with its own `verify` before anything is written.
pub(crate) fn check_answered(registry: &Registry, group: &mut Group) -> Result<()> {
    let answered = group.properties.iter().any(|p| matches!(p.source, ValueSource::Answers | ValueSource::Environment));
    if group.existing.is_some() || !answered {
        return Ok(());
    }
    let (Some(properties), Some((provider, _))) = (group.property_map(), registry.find(&group.pair)) else {
        return Ok(());
    };
    let findings =
        provider.verify(&VerifyRequest { pair: group.pair.clone(), provider_name: group.name.clone(), properties })?;
    group.problems = findings.into_iter().filter(|f| f.severity == Severity::Error).map(|f| f.message).collect();
    Ok(())
}

/// Map every endpoint's settings and group identical provider-level settings.
pub(super) fn group_endpoints(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    options: &Options,
) -> Result<(Vec<EndpointState>, Vec<Group>)> {
    let mut states = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    // Every endpoint's settings mapped first, on every core (hooks are pure); then grouped
    // in endpoint order, where the first failure in that order is the one reported.
    let mapped = crate::clone::parallel_map(&project.endpoints, |endpoint| {
        let Handover::Legacy { kind, settings } = &endpoint.handover else { return None };
        let pair = pair_for(registry, options, kind)?;
        let (provider, _) = registry.find(&pair)?;
        let request = MapSettingsRequest { pair, endpoint: endpoint.name.clone(), settings: settings.clone() };
        Some(provider.map_settings(&request))
    });
    for (endpoint, mapped) in project.endpoints.iter().zip(mapped) {
        let Handover::Legacy { kind, .. } = &endpoint.handover else {
            states.push(EndpointState::NoHandover);
            continue;
        };
        let (Some(pair), Some(mapped)) = (pair_for(registry, options, kind), mapped) else {
            states.push(EndpointState::Unsupported { kind: kind.clone() });
            continue;
        };
        let Some((_, info)) = registry.find(&pair) else {
            states.push(EndpointState::Unsupported { kind: kind.clone() });
            continue;
        };
        let draft = match mapped? {
            Ok(draft) => draft,
            Err(issues) => {
                states.push(EndpointState::Invalid { kind: kind.clone(), issues });
                continue;
            }
        };
        let masked = draft.properties.iter().any(|p| p.value == DraftValue::Masked);
        // Group by the values the provider will get. A masked secret answered for this
        // endpoint is compared by its answer; one left unanswered cannot be compared, so
        // the endpoint gets a group of its own until it is answered. A value missing from
        // the settings (a secret the endpoint never had, a vendor switch's manual property)
        // is the group's to answer, once, and does not split it.
        let entries: Vec<(&str, &crate::answers::ProviderAnswers)> =
            answers.providers.get(&endpoint.name).map(|a| (endpoint.name.as_str(), a)).into_iter().collect();
        let resolved: Vec<(&String, Option<Value>)> = draft
            .properties
            .iter()
            .map(|p| match &p.value {
                DraftValue::Known(value) => (&p.key, Some(value.clone())),
                DraftValue::Missing => (&p.key, None),
                DraftValue::Masked => (
                    &p.key,
                    lookup_answer(&entries, answers.secret_scope.as_deref(), &endpoint.name, &p.key, p.class).0,
                ),
            })
            .collect();
        let unanswered_mask = draft
            .properties
            .iter()
            .zip(&resolved)
            .any(|(p, (_, value))| p.value == DraftValue::Masked && value.is_none());
        let key = if unanswered_mask {
            format!("masked\u{0}{}", endpoint.name)
        } else {
            format!("{pair}\u{0}{}", serde_json::to_string(&resolved).unwrap_or_default())
        };
        let defaults = draft.node_defaults.clone();
        let group = match keys.get(&key) {
            Some(&index) => {
                groups[index].endpoints.push(endpoint.name.clone());
                index
            }
            None => {
                keys.insert(key, groups.len());
                groups.push(Group { masked, ..Group::new(pair, info.clone(), vec![endpoint.name.clone()], draft) });
                groups.len() - 1
            }
        };
        states.push(EndpointState::Grouped { group, defaults });
    }
    for group in &mut groups {
        group.endpoints.sort();
    }
    Ok((states, groups))
}

/// Names, answers, manual steps and reuse of existing providers, per group.
pub(super) fn resolve_groups(
    project: &Project,
    registry: &Registry,
    answers: &Answers,
    groups: &mut [Group],
) -> Result<()> {
    // Which group each answers entry belongs to (any endpoint of a group may key it).
    // Several endpoints of one group may each have an entry (e.g. each answered its own
    // masked secret); they must agree.
    let mut answer_for: BTreeMap<usize, Vec<(&str, &crate::answers::ProviderAnswers)>> = BTreeMap::new();
    let mut group_of_endpoint: HashMap<&str, usize> = HashMap::new();
    for (index, group) in groups.iter().enumerate() {
        for endpoint in &group.endpoints {
            group_of_endpoint.entry(endpoint.as_str()).or_insert(index);
        }
    }
    let existing_names: HashSet<&str> = project.providers.iter().map(|p| p.name.as_str()).collect();
    for (key, entry) in &answers.providers {
        match group_of_endpoint.get(key.as_str()) {
            Some(&index) => answer_for.entry(index).or_default().push((key.as_str(), entry)),
            // The answers of a retarget that created this provider: not the migration's.
            None if existing_names.contains(key.as_str()) => {}
            None => {
                return Err(Error::usage(format!(
                    "answers file: [providers.\"{key}\"] names no endpoint with legacy handover settings; \
                     key provider answers by an endpoint name shown in `plan`"
                )))
            }
        }
    }
    // Names in use, by `name_key` (names compare without case and normalised), and the project's providers
    // by the value of a property, so that neither is searched once per group.
    let mut taken: HashSet<String> = HashSet::new();
    let existing_lower: HashMap<String, usize> =
        project.providers.iter().enumerate().rev().map(|(i, p)| (name_key(&p.name), i)).collect();
    let mut by_property = ProvidersByProperty::default();
    let endpoint_index: HashMap<&str, usize> =
        project.endpoints.iter().enumerate().map(|(i, e)| (e.name.as_str(), i)).collect();
    let mut name_group = |index: usize, group: &mut Group| -> Result<String> {
        let entries = answer_for.remove(&index).unwrap_or_default();
        let answer_key = entries.first().map_or(group.anchor(), |(key, _)| *key).to_string();
        check_entries_agree(&entries, &group.endpoints)?;
        group.properties = group
            .draft
            .properties
            .iter()
            .map(|property| {
                let (value, source) = match &property.value {
                    DraftValue::Known(value) => (Some(value.clone()), ValueSource::Endpoint),
                    DraftValue::Missing | DraftValue::Masked => lookup_answer(
                        &entries,
                        answers.secret_scope.as_deref(),
                        &answer_key,
                        &property.key,
                        property.class,
                    ),
                };
                ResolvedProperty { key: property.key.clone(), class: property.class, value, source }
            })
            .collect();
        // Reuse an existing provider with the same service and properties.
        if group.is_complete() {
            let matches: Vec<(usize, Sameness)> = by_property
                .candidates(project, &group.properties)
                .into_iter()
                .map(|i| (i, &project.providers[i]))
                .filter(|(_, p)| p.service == group.pair.target_service)
                .map(|(i, p)| (i, compare_properties(&p.properties, &group.properties)))
                .filter(|(_, same)| *same != Sameness::Different)
                .collect();
            let exact = matches.iter().find(|(_, same)| *same == Sameness::Same);
            if let Some((index, same)) = exact.or(matches.first()) {
                group.existing = Some(*index);
                group.reused_unverified = *same == Sameness::SameUnverifiedSecrets;
            }
        }
        // A provider a run created with a secret that is not supplied again (answered once,
        // typed in guided mode): the provider holds it, so the endpoint is migrated and the
        // provider reused, never proposed a second time.
        if !group.is_complete() {
            let explicit = entries.iter().find_map(|(_, a)| a.name.as_deref());
            if let Some(index) = provider_holding_the_rest(project, group, explicit) {
                let existing = &project.providers[index];
                for property in group.properties.iter_mut().filter(|p| p.value.is_none()) {
                    property.value = existing.properties.get(&property.key).cloned();
                    property.source = ValueSource::Provider;
                }
                group.existing = Some(index);
            }
        }
        let explicit = entries.iter().find_map(|(_, a)| a.name.clone());
        if let Some(name) = &explicit {
            check_provider_name(name).map_err(|why| {
                Error::usage(format!(
                    "answers file: [providers.\"{answer_key}\"] name = {name:?} {why}; choose another name"
                ))
            })?;
        }
        group.name = match (group.existing, explicit) {
            (Some(existing), _) => project.providers[existing].name.clone(),
            (None, Some(name)) => {
                if let Some(other) = existing_lower.get(&name_key(&name)).map(|&i| &project.providers[i]) {
                    return Err(Error::needs_input(format!(
                        "the provider name {name:?} (answers file, [providers.\"{answer_key}\"]) is already used by {} \
                         with other properties; choose another name there",
                        other.path
                    )));
                }
                if taken.contains(&name_key(&name)) {
                    return Err(Error::usage(format!(
                        "answers file: the provider name {name:?} is given to two providers; names must be unique"
                    )));
                }
                name
            }
            (None, None) => {
                let base = derive_provider_name(&group.info.display_name, group.anchor());
                check_provider_name(&base).map_err(|why| {
                    Error::failed(format!(
                        "the provider name {base:?} made from the display name of {} {why}; nothing was written. \
                         Give the provider a name in the answers file ([providers.\"{answer_key}\"] name = \"…\")",
                        group.pair
                    ))
                })?;
                unique_name(&base, &|candidate| {
                    let lower = name_key(candidate);
                    taken.contains(&lower) || existing_lower.contains_key(&lower)
                })
            }
        };
        taken.insert(name_key(&group.name));
        group.reference_id = match group.existing {
            Some(existing) => project.providers[existing].reference_id.clone(),
            None => mint_reference_id(project, &endpoint_index, group),
        };
        Ok(answer_key)
    };
    // Names first (unique across groups, so given in order), then the manual steps, whose
    // requests carry the name: asked together, on every core, and sent ahead to a plugin
    // in a runner process (one round trip instead of one per group). A naming error is
    // reported after the steps of the groups before it, as one loop over the groups would.
    let mut answer_keys = Vec::with_capacity(groups.len());
    let mut naming_error = None;
    for (index, group) in groups.iter_mut().enumerate() {
        match name_group(index, group) {
            Ok(answer_key) => answer_keys.push(answer_key),
            Err(error) => {
                naming_error = Some(error);
                break;
            }
        }
    }
    let requests: Vec<Option<ManualStepsRequest>> = groups[..answer_keys.len()]
        .iter()
        .map(|group| {
            registry.find(&group.pair).map(|_| ManualStepsRequest {
                pair: group.pair.clone(),
                provider_name: group.name.clone(),
                draft: group.draft.clone(),
            })
        })
        .collect();
    prefetch::manual_steps(registry, &requests);
    let steps = crate::clone::parallel_map(&requests, |request| {
        let request = request.as_ref()?;
        let (provider, _) = registry.find(&request.pair)?;
        Some(provider.manual_steps(request))
    });
    for ((group, answer_key), steps) in groups.iter_mut().zip(&answer_keys).zip(steps) {
        let Some(steps) = steps else { continue };
        group.steps = steps?
            .into_iter()
            .map(|step| {
                let property = step.kind.property().map(str::to_string);
                let blocking = property.is_some();
                let satisfied =
                    property.as_ref().is_none_or(|p| group.properties.iter().any(|r| &r.key == p && r.value.is_some()));
                let entry = crate::answers::entry_key(&step.kind);
                let answers_entry =
                    entry.filter(|_| blocking).map(|e| crate::answers::provider_snippet(answer_key, &e));
                let env_var = match &step.kind {
                    ManualStepKind::Secret(property) => {
                        Some(secret_env_var_for(answers.secret_scope.as_deref(), answer_key, property))
                    }
                    _ => None,
                };
                ResolvedStep { step, blocking, satisfied, answers_entry, env_var }
            })
            .collect();
        check_answered(registry, group)?;
    }
    naming_error.map_or(Ok(()), Err)
}

/// Entries of one group must not contradict each other (name, or a value for one key).
fn check_entries_agree(entries: &[(&str, &crate::answers::ProviderAnswers)], endpoints: &[String]) -> Result<()> {
    let conflict = |what: &str| {
        Error::usage(format!(
            "answers file: the entries {} answer for one provider (endpoints {}) but give different {what}; make them agree",
            entries.iter().map(|(k, _)| format!("[providers.\"{k}\"]")).collect::<Vec<_>>().join(", "),
            endpoints.join(", ")
        ))
    };
    for (i, (_, a)) in entries.iter().enumerate() {
        for (_, b) in &entries[i + 1..] {
            if a.name.is_some() && b.name.is_some() && a.name != b.name {
                return Err(conflict("names"));
            }
            if a.secrets.iter().any(|(k, v)| b.secrets.get(k).is_some_and(|w| w != v)) {
                return Err(conflict("secrets"));
            }
            if a.connections.iter().any(|(k, v)| b.connections.get(k).is_some_and(|w| w != v)) {
                return Err(conflict("connections"));
            }
            if a.values.iter().any(|(k, v)| b.values.get(k).is_some_and(|w| w != v)) {
                return Err(conflict("values"));
            }
        }
    }
    Ok(())
}

pub(crate) fn lookup_answer(
    entries: &[(&str, &crate::answers::ProviderAnswers)],
    secret_scope: Option<&str>,
    answer_key: &str,
    property: &str,
    class: PropertyClass,
) -> (Option<Value>, ValueSource) {
    let from_file = entries.iter().find_map(|(_, a)| match class {
        PropertyClass::Secret => a.secrets.get(property).map(|Secret(s)| Value::String(s.clone())),
        PropertyClass::ConnectionRef => a.connections.get(property).map(|s| Value::String(s.clone())),
        PropertyClass::Plain => a.values.get(property).and_then(|v| serde_json::to_value(v).ok()),
    });
    if let Some(value) = from_file.filter(|v| !is_unset(Some(v))) {
        return (Some(value), ValueSource::Answers);
    }
    if class == PropertyClass::Secret {
        if let Ok(value) = std::env::var(secret_env_var_for(secret_scope, answer_key, property)) {
            if !value.trim().is_empty() {
                return (Some(Value::String(value)), ValueSource::Environment);
            }
        }
    }
    (None, ValueSource::Missing)
}

/// How an existing provider compares with the one a group needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sameness {
    Different,
    Same,
    /// Same, except secrets that the API returned masked and so could not be compared.
    SameUnverifiedSecrets,
}

/// An existing provider matches when every wanted property is equal (a masked secret
/// cannot be compared and counts as equal, flagged) and every other property it has is unset.
/// Whether an existing provider's properties match the wanted ones (masked secrets count
/// as matching: the tenant holds them).
pub fn matches_properties(existing: &Object, wanted: &[ResolvedProperty]) -> bool {
    compare_properties(existing, wanted) != Sameness::Different
}

fn compare_properties(existing: &Object, wanted: &[ResolvedProperty]) -> Sameness {
    let mut unverified = false;
    for property in wanted {
        let Some(value) = &property.value else { return Sameness::Different };
        match existing.get(&property.key) {
            Some(found) if found == value => {}
            Some(Value::String(found)) if property.class == PropertyClass::Secret && looks_masked(found) => {
                unverified = true
            }
            _ => return Sameness::Different,
        }
    }
    let extra_set = existing.iter().any(|(key, value)| !wanted.iter().any(|p| &p.key == key) && !is_unset(Some(value)));
    match (extra_set, unverified) {
        (true, _) => Sameness::Different,
        (false, true) => Sameness::SameUnverifiedSecrets,
        (false, false) => Sameness::Same,
    }
}

/// The existing provider that has every value the group knows and a value for each one it
/// lacks (a secret not supplied again): the one a run created for it. Several such
/// providers: the one with the group's name (answered, or derived as a run derives it).
fn provider_holding_the_rest(project: &Project, group: &Group, explicit: Option<&str>) -> Option<usize> {
    let candidates: Vec<usize> = project
        .providers
        .iter()
        .enumerate()
        .filter(|(_, p)| p.service == group.pair.target_service)
        .filter(|(_, p)| {
            let known_match =
                group.properties.iter().all(|wanted| match (&wanted.value, p.properties.get(&wanted.key)) {
                    (Some(value), Some(found)) => {
                        found == value
                            || (wanted.class == PropertyClass::Secret && found.as_str().is_some_and(looks_masked))
                    }
                    (Some(_), None) => false,
                    (None, found) => !is_unset(found),
                });
            let extra_set = p
                .properties
                .iter()
                .any(|(key, value)| !group.properties.iter().any(|w| &w.key == key) && !is_unset(Some(value)));
            known_match && !extra_set
        })
        .map(|(i, _)| i)
        .collect();
    match candidates.as_slice() {
        [] => None,
        [one] => Some(*one),
        several => {
            let derived = derive_provider_name(&group.info.display_name, group.anchor());
            let name = explicit.unwrap_or(&derived);
            several.iter().copied().find(|&i| name_key(&project.providers[i].name) == name_key(name))
        }
    }
}

/// A deterministic id, so that a rerun after a crash, or a saved plan, mints the same one.
fn mint_reference_id(project: &Project, endpoint_index: &HashMap<&str, usize>, group: &Group) -> String {
    let mut ids: Vec<&str> = group
        .endpoints
        .iter()
        .filter_map(|name| endpoint_index.get(name.as_str()))
        .map(|&i| project.endpoints[i].id.as_str())
        .collect();
    ids.sort();
    let seed = format!("handover-migrate\u{0}{}\u{0}{}\u{0}{}", group.pair.target_service, group.name, ids.join(","));
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).to_string()
}

/// The project's providers indexed by the value of one property, built per property key on
/// first use: a group's candidates for reuse are the providers that have the same value for
/// one of its plain (never masked) properties, not every provider of the project.
#[derive(Default)]
struct ProvidersByProperty {
    by_key: HashMap<String, HashMap<String, Vec<usize>>>,
}

impl ProvidersByProperty {
    /// Indices (ascending) of the providers that can match `wanted`.
    fn candidates(&mut self, project: &Project, wanted: &[ResolvedProperty]) -> Vec<usize> {
        let plain = wanted.iter().find_map(|p| match &p.value {
            // Strings compare the same as their JSON text (objects would not: key order).
            Some(value @ Value::String(_)) if p.class == PropertyClass::Plain && !is_unset(Some(value)) => {
                Some((&p.key, value))
            }
            _ => None,
        });
        let Some((key, value)) = plain else { return (0..project.providers.len()).collect() };
        let index = self.by_key.entry(key.clone()).or_insert_with(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, provider) in project.providers.iter().enumerate() {
                if let Some(value) = provider.properties.get(key) {
                    index.entry(value.to_string()).or_default().push(i);
                }
            }
            index
        });
        index.get(&value.to_string()).cloned().unwrap_or_default()
    }
}
