//! `anyOf`/`oneOf` with a `{type: null}` member: the member goes, `nullable: true` stays.

use serde_json::{Map, Value, json};

use super::{ANNOTATIONS, Notes};

fn is_null_schema(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else {
        return false;
    };
    let null_type = match obj.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "null",
        _ => false,
    };
    let null_value = obj.get("const").is_some_and(Value::is_null)
        || obj.get("enum").is_some_and(|e| e == &json!([null]));
    let rest_is_annotation = obj.keys().all(|k| {
        ANNOTATIONS.contains(&k.as_str())
            || ["type", "const", "enum", "nullable"].contains(&k.as_str())
    });
    (null_type || null_value) && rest_is_annotation
}

/// `anyOf`/`oneOf` with a null member: the member goes, the schema becomes `nullable`; a
/// single remaining member is merged in (a `$ref` becomes `allOf: [$ref]`).
pub(super) fn collapse_null_members(obj: &mut Map<String, Value>, notes: &mut Notes) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = obj.get_mut(key) else {
            continue;
        };
        let before = members.len();
        members.retain(|m| !is_null_schema(m));
        if members.len() == before {
            continue;
        }
        notes.add(format!(
            "null member of `{key}` replaced by `nullable: true`"
        ));
        if members.len() <= 1 {
            let single = members.pop();
            obj.shift_remove(key);
            if let Some(single) = single {
                merge_single_member(obj, key, single);
            }
        }
        obj.insert("nullable".into(), Value::Bool(true));
    }
}

fn merge_single_member(obj: &mut Map<String, Value>, key: &str, single: Value) {
    let Value::Object(member) = single else {
        obj.insert(key.into(), Value::Array(vec![single]));
        return;
    };
    if member.len() == 1 && member.contains_key("$ref") {
        match obj.get_mut("allOf") {
            Some(Value::Array(all_of)) => all_of.insert(0, Value::Object(member)),
            _ => {
                obj.insert("allOf".into(), Value::Array(vec![Value::Object(member)]));
            }
        }
        return;
    }
    let conflict = member
        .keys()
        .any(|k| obj.contains_key(k) && !ANNOTATIONS.contains(&k.as_str()));
    if conflict {
        obj.insert(key.into(), Value::Array(vec![Value::Object(member)]));
        return;
    }
    for (k, v) in member {
        obj.entry(k).or_insert(v);
    }
}
