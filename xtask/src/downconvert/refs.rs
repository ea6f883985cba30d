//! A schema `$ref` with siblings as `allOf: [$ref]` + siblings.

use serde_json::{Map, Value, json};

use super::Notes;

/// and progenitor drops them (a nullable `$ref` would silently become non-nullable).
pub(crate) fn wrap_ref_with_siblings(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if !obj.contains_key("$ref") || obj.len() == 1 {
        return;
    }
    let Some(reference) = obj.shift_remove("$ref") else {
        return;
    };
    let wrapped = json!({ "$ref": reference });
    match obj.get_mut("allOf") {
        Some(Value::Array(all_of)) => all_of.insert(0, wrapped),
        _ => {
            obj.insert("allOf".into(), Value::Array(vec![wrapped]));
        }
    }
    notes.add("schema `$ref` with siblings wrapped in `allOf`");
}
