//! How a stored item is shown: string ids get their prefix, write-only fields and internal
//! bookkeeping (`__*` keys) are left out, secrets generated at creation appear only in the
//! create answer, and secret values are masked.

use serde_json::{Value, json};

use super::table::Resource;

/// What dbt shows instead of a secret value.
pub(crate) const MASK: &str = "**********";

/// Whether the answer is the create answer (the only one carrying generated secrets).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moment {
    Created,
    Read,
}

/// The public id of an item (`wsu_12` for a prefixed kind, else the number).
pub(crate) fn public_id(resource: &Resource, id: i64) -> Value {
    if resource.id_prefix.is_empty() {
        json!(id)
    } else {
        json!(format!("{}{id}", resource.id_prefix))
    }
}

/// The stored id named by a path segment (`wsu_12` or `12`), if it is one of ours.
pub(crate) fn parse_id(resource: &Resource, text: &str) -> Option<i64> {
    text.strip_prefix(resource.id_prefix)
        .unwrap_or(text)
        .parse()
        .ok()
}

pub(crate) fn present(resource: &Resource, item: &Value, moment: Moment) -> Value {
    let Value::Object(stored) = item else {
        return item.clone();
    };
    let mut shown = stored.clone();
    shown.retain(|key, _| {
        !key.starts_with("__")
            && !resource.write_only.contains(&key.as_str())
            && (moment == Moment::Created
                || !resource.shown_once.iter().any(|(field, _)| field == key))
    });
    if let Some(id) = stored.get("id").and_then(Value::as_i64) {
        shown.insert("id".into(), public_id(resource, id));
    }
    if let Some(mask) = resource.mask {
        mask(&mut shown);
    }
    Value::Object(shown)
}
