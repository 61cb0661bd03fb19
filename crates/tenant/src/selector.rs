//! What a tenant's Handover Provider selector holds for a provider: its `referenceId` or its
//! `_id`. Cognigy does not document it (reference: cognigy-model.md §3.5 marks it unknown); the node
//! descriptors can show it, when the selector field lists its options: each option's value
//! is compared with the providers the tenant has. `doctor` reports what this finds, and
//! `apply` (API and linked modes) writes the form the options hold.
//!
//! When the options name no provider (none exists yet, or the descriptors name a list the
//! UI fills instead of listing it), `apply` looks again after creating its providers; when
//! that still tells nothing it writes the `referenceId` (Cognigy's nodes reference other
//! resources by referenceId) and says so in a warning.

use serde_json::Value;

use crate::client::Client;

/// The value a selector option holds for a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueForm {
    ReferenceId,
    Id,
}

impl ValueForm {
    /// The provider field the form names, as `doctor` reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueForm::ReferenceId => "referenceId",
            ValueForm::Id => "_id",
        }
    }

    /// The value nodes get for the provider `(id, reference_id)`.
    pub fn value_of<'a>(self, id: &'a str, reference_id: &'a str) -> &'a str {
        match self {
            ValueForm::ReferenceId => reference_id,
            ValueForm::Id => id,
        }
    }
}

/// The values the selector field `key` of Handover to Agent lists in `params.options`, when
/// they are a list (an option is a string or an object with a `value`). `None` when the
/// field is absent or its options are not a list.
pub fn option_values(descriptors: &[Value], key: &str) -> Option<Vec<String>> {
    let field = descriptors
        .iter()
        .filter(|d| d.get("type").and_then(Value::as_str) == Some("handoverToAgent"))
        .flat_map(|d| d.get("fields").and_then(Value::as_array).into_iter().flatten())
        .find(|f| f.get("key").and_then(Value::as_str) == Some(key))?;
    let options = field.pointer("/params/options").and_then(Value::as_array)?;
    Some(
        options
            .iter()
            .filter_map(|o| match o {
                Value::String(s) => Some(s.clone()),
                Value::Object(_) => o.get("value").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
    )
}

/// The form `values` hold, judged by the providers `(id, reference_id)` they name: the
/// referenceId wins when both match (an `_id` equal to another provider's referenceId
/// cannot happen with Cognigy's ids: a 24-hex id is no UUID). `None` when no non-empty
/// value names a provider.
pub fn form_of<'a>(
    values: &[String],
    providers: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> Option<ValueForm> {
    let values: Vec<&str> = values.iter().map(String::as_str).filter(|v| !v.is_empty()).collect();
    if values.iter().any(|v| providers.clone().any(|(_, reference)| !reference.is_empty() && reference == *v)) {
        Some(ValueForm::ReferenceId)
    } else if values.iter().any(|v| providers.clone().any(|(id, _)| !id.is_empty() && id == *v)) {
        Some(ValueForm::Id)
    } else {
        None
    }
}

/// Read the descriptors of `flow_id` again (every page) and judge the selector's options by
/// `providers`: after `apply` created providers, a tenant that lists its options lists them.
pub fn discover<'a>(
    client: &Client,
    flow_id: &str,
    key: &str,
    providers: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> handover_migrate_io::Result<Option<ValueForm>> {
    let descriptors = client.get_all(&format!("/flows/{flow_id}/chart/descriptors"), &[])?;
    Ok(option_values(&descriptors, key).and_then(|values| form_of(&values, providers)))
}

/// Say which form `apply` writes when nothing told it (`listed`: the options are a list,
/// but none of them names a provider of the tenant).
pub fn warn_undetermined(key: &str, listed: bool) {
    let why = if listed {
        "none of the options of the selector `{key}` names a Handover Provider of the tenant"
    } else {
        "the node descriptors do not list the options of the selector `{key}`"
    };
    tracing::warn!(
        "{}, so whether the tenant's nodes hold a provider's referenceId or its _id is unknown: writing the \
         referenceId. Check one switched node in the Cognigy UI (it must show the provider, not Legacy or an empty \
         choice); `doctor` reports what it finds",
        why.replace("{key}", key)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn descriptors(options: Value) -> Vec<Value> {
        vec![
            json!({"type": "say", "fields": [{"key": "hp", "params": {"options": ["x"]}}]}),
            json!({"type": "handoverToAgent", "fields": [{"key": "text"}, {"key": "hp", "type": "select", "params": {"options": options}}]}),
        ]
    }

    #[test]
    fn options_are_read_from_handover_to_agent_only() {
        let listed =
            descriptors(json!([{"label": "Legacy", "value": ""}, {"label": "A", "value": "id-a"}, "ref-b", 3]));
        assert_eq!(option_values(&listed, "hp"), Some(vec!["".into(), "id-a".into(), "ref-b".into()]));
        assert_eq!(option_values(&descriptors(json!("handoverProviders")), "hp"), None);
        assert_eq!(option_values(&listed, "other"), None);
    }

    #[test]
    fn the_form_is_the_one_a_provider_matches() {
        let providers = [("id-a", "ref-a"), ("id-b", "ref-b")];
        let form = |values: &[&str]| {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            form_of(&values, providers.iter().copied())
        };
        assert_eq!(form(&["", "ref-b"]), Some(ValueForm::ReferenceId));
        assert_eq!(form(&["", "id-a"]), Some(ValueForm::Id));
        assert_eq!(form(&["", "unknown"]), None);
        // Legacy's empty value names no provider, even one with an empty id.
        assert_eq!(form_of(&["".to_string()], [("", "")].into_iter()), None);
        assert_eq!(ValueForm::Id.value_of("id-a", "ref-a"), "id-a");
        assert_eq!(ValueForm::ReferenceId.value_of("id-a", "ref-a"), "ref-a");
    }
}
