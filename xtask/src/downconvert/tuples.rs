//! `prefixItems` (and 2019-09 tuple `items`) as 3.0 `items`.

use serde_json::{Map, Value, json};

use super::Notes;

pub(super) fn rewrite_tuples(obj: &mut Map<String, Value>, notes: &mut Notes) {
    let tuple = match obj.shift_remove("prefixItems") {
        Some(Value::Array(list)) => Some(list),
        Some(_) => None,
        None => match obj.get("items") {
            Some(Value::Array(_)) => match obj.shift_remove("items") {
                Some(Value::Array(list)) => Some(list),
                _ => None,
            },
            _ => None,
        },
    };
    let Some(mut members) = tuple else {
        return;
    };
    // After prefixItems, `items` describes the rest: a boolean there says nothing 3.0 can use.
    if obj.get("items").is_some_and(Value::is_boolean) {
        obj.shift_remove("items");
    }
    obj.shift_remove("additionalItems");
    if !obj.contains_key("items") {
        members.dedup();
        let items = match members.len() {
            0 => json!({}),
            1 => members.remove(0),
            _ => json!({ "anyOf": members }),
        };
        obj.insert("items".into(), items);
    }
    obj.entry("type").or_insert(Value::String("array".into()));
    notes.add("`prefixItems` (tuple) replaced by `items`");
}
