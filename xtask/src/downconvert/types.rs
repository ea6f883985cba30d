//! `type` lists and `type: "null"` as 3.0's `type` + `nullable` (or `anyOf`), and `const` as a
//! one-value `enum`.

use serde_json::{Map, Value, json};

use super::Notes;

const STRING_KEYWORDS: [&str; 4] = ["minLength", "maxLength", "pattern", "format"];
const NUMBER_KEYWORDS: [&str; 5] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const ARRAY_KEYWORDS: [&str; 4] = ["items", "minItems", "maxItems", "uniqueItems"];
const OBJECT_KEYWORDS: [&str; 5] = [
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
];

pub(super) fn rewrite_type(obj: &mut Map<String, Value>, notes: &mut Notes) {
    match obj.get("type") {
        Some(Value::String(t)) if t == "null" => {
            obj.shift_remove("type");
            obj.insert("nullable".into(), Value::Bool(true));
            notes.add("`type: \"null\"` replaced by `nullable: true`");
        }
        Some(Value::Array(types)) => {
            let mut names: Vec<String> = Vec::new();
            for t in types.iter().filter_map(Value::as_str) {
                if !names.iter().any(|n| n == t) {
                    names.push(t.to_string());
                }
            }
            let nullable = names.iter().any(|n| n == "null");
            names.retain(|n| n != "null");
            // Every integer is a number: the union is just `number`.
            if names.iter().any(|n| n == "number") {
                names.retain(|n| n != "integer");
            }
            match names.len() {
                0 => {
                    obj.shift_remove("type");
                }
                // In place, so the key keeps its position in the output.
                1 => {
                    obj.insert("type".into(), Value::String(names.remove(0)));
                }
                _ => {
                    obj.shift_remove("type");
                    split_type_union(obj, &names);
                }
            }
            if nullable {
                obj.insert("nullable".into(), Value::Bool(true));
            }
            notes.add(if names.len() > 1 {
                "type array replaced by `anyOf` of single types"
            } else {
                "type array replaced by one `type` (+ `nullable`)"
            });
        }
        _ => {}
    }
}

/// `type: [string, integer, array]` -> `anyOf: [{type: string, <string keywords>}, ...]`.
fn split_type_union(obj: &mut Map<String, Value>, names: &[String]) {
    let mut members = Vec::new();
    for name in names {
        let mut member = Map::new();
        member.insert("type".into(), Value::String(name.clone()));
        let keywords: &[&str] = match name.as_str() {
            "string" => &STRING_KEYWORDS,
            "integer" | "number" => &NUMBER_KEYWORDS,
            "array" => &ARRAY_KEYWORDS,
            "object" => &OBJECT_KEYWORDS,
            _ => &[],
        };
        for keyword in keywords {
            if let Some(value) = obj.get(*keyword) {
                // A numeric `format` (int64, double) belongs with the number member.
                let numeric_format =
                    matches!(value.as_str(), Some("int32" | "int64" | "float" | "double"));
                if *keyword == "format" && (name == "string") == numeric_format {
                    continue;
                }
                member.insert((*keyword).into(), value.clone());
            }
        }
        if matches!(name.as_str(), "integer" | "number")
            && let Some(format) = obj
                .get("format")
                .filter(|f| matches!(f.as_str(), Some("int32" | "int64" | "float" | "double")))
        {
            member.insert("format".into(), format.clone());
        }
        members.push(Value::Object(member));
    }
    for keyword in STRING_KEYWORDS
        .iter()
        .chain(NUMBER_KEYWORDS.iter())
        .chain(ARRAY_KEYWORDS.iter())
        .chain(OBJECT_KEYWORDS.iter())
    {
        obj.shift_remove(*keyword);
    }
    match obj.get_mut("anyOf") {
        // Already an `anyOf`: both must hold.
        Some(Value::Array(_)) => {
            let union = json!({ "anyOf": members });
            match obj.get_mut("allOf") {
                Some(Value::Array(all_of)) => all_of.push(union),
                _ => {
                    obj.insert("allOf".into(), Value::Array(vec![union]));
                }
            }
        }
        _ => {
            obj.insert("anyOf".into(), Value::Array(members));
        }
    }
}

/// Gives a typeless schema the type of its (only) value, so the enum keeps its type once
/// `normalize` moves the values into `x-known-values`.
pub(crate) fn infer_type(obj: &mut Map<String, Value>, value: &Value) {
    if ["type", "$ref", "allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return;
    }
    let t = match value {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => return,
    };
    obj.insert("type".into(), Value::String(t.into()));
}

/// `const: v` -> `enum: [v]`, typed after the value (`nullable` for `null`).
pub(super) fn const_to_enum(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if let Some(value) = obj.shift_remove("const") {
        if value.is_null() {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        if !obj.contains_key("enum") {
            infer_type(obj, &value);
            obj.insert("enum".into(), Value::Array(vec![value]));
        }
        notes.add("`const` replaced by a one-value `enum`");
    }
}
