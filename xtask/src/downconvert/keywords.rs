//! JSON Schema 2020-12 keywords that 3.0 lacks: rewritten to their 3.0 equivalent when there is
//! one, removed otherwise.

use serde_json::{Map, Value, json};

use super::Notes;

/// `$id`, `$anchor`, `$dynamicRef`...: identifiers 3.0 does not resolve.
pub(super) fn drop_identifiers(obj: &mut Map<String, Value>, notes: &mut Notes) {
    for key in [
        "$schema",
        "$id",
        "$anchor",
        "$comment",
        "$dynamicAnchor",
        "$dynamicRef",
        "$vocabulary",
    ] {
        if obj.shift_remove(key).is_some() {
            notes.add(format!("schema `{key}` removed"));
        }
    }
}

/// dbt writes `write_only` / `read_only`.
pub(super) fn fix_misspellings(obj: &mut Map<String, Value>, notes: &mut Notes) {
    for (wrong, right) in [("write_only", "writeOnly"), ("read_only", "readOnly")] {
        if obj.get(wrong).is_some_and(Value::is_boolean) {
            let value = obj.shift_remove(wrong).unwrap_or(Value::Bool(false));
            obj.entry(right).or_insert(value);
            notes.add(format!("misspelt `{wrong}` renamed `{right}`"));
        }
    }
}

/// A schema's `examples` list becomes its first value as `example`.
pub(super) fn examples_to_example(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if let Some(examples) = obj.shift_remove("examples") {
        if !obj.contains_key("example")
            && let Some(first) = examples.as_array().and_then(|a| a.first())
        {
            obj.insert("example".into(), first.clone());
        }
        notes.add("schema `examples` replaced by `example` (the first)");
    }
}

/// Numeric `exclusiveMinimum`/`exclusiveMaximum` become the 3.0 bound + boolean.
pub(super) fn exclusive_bounds(obj: &mut Map<String, Value>, notes: &mut Notes) {
    for (exclusive, bound, stricter) in [
        (
            "exclusiveMinimum",
            "minimum",
            (|a: f64, b: f64| a > b) as fn(f64, f64) -> bool,
        ),
        ("exclusiveMaximum", "maximum", |a: f64, b: f64| a < b),
    ] {
        let Some(Value::Number(limit)) = obj.get(exclusive).cloned() else {
            continue;
        };
        let inclusive = obj.get(bound).and_then(Value::as_f64);
        match (inclusive, limit.as_f64()) {
            // The inclusive bound already excludes the exclusive one.
            (Some(inc), Some(exc)) if stricter(inc, exc) => {
                obj.shift_remove(exclusive);
            }
            _ => {
                obj.insert(bound.into(), Value::Number(limit));
                obj.insert(exclusive.into(), Value::Bool(true));
            }
        }
        notes.add(format!(
            "numeric `{exclusive}` replaced by `{bound}` + boolean"
        ));
    }
}

/// A property whose schema is `false` cannot occur: it goes.
pub(super) fn false_properties(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if let Some(Value::Object(properties)) = obj.get_mut("properties") {
        let before = properties.len();
        properties.retain(|_, v| v != &Value::Bool(false));
        if properties.len() != before {
            notes.add("property with schema `false` removed");
        }
    }
}

/// `patternProperties` become `additionalProperties` (the only member, or any value).
pub(super) fn pattern_properties(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if let Some(Value::Object(patterns)) = obj.shift_remove("patternProperties") {
        if !obj.contains_key("additionalProperties") {
            let value = match patterns.len() {
                1 => patterns
                    .into_iter()
                    .next()
                    .map(|(_, v)| v)
                    .unwrap_or(json!({})),
                _ => json!({}),
            };
            obj.insert("additionalProperties".into(), value);
        }
        notes.add("`patternProperties` replaced by `additionalProperties`");
    }
}

/// `unevaluatedProperties` becomes `additionalProperties` when that is absent.
pub(super) fn unevaluated_properties(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if let Some(unevaluated) = obj.shift_remove("unevaluatedProperties") {
        if !obj.contains_key("additionalProperties") && unevaluated.is_object() {
            obj.insert("additionalProperties".into(), unevaluated);
        }
        notes.add("`unevaluatedProperties` removed");
    }
}

/// Keywords without a 3.0 equivalent are removed.
pub(super) fn unsupported_keywords(obj: &mut Map<String, Value>, notes: &mut Notes) {
    for key in [
        "unevaluatedItems",
        "dependentSchemas",
        "dependentRequired",
        "if",
        "then",
        "else",
        "propertyNames",
        "contains",
        "minContains",
        "maxContains",
    ] {
        if obj.shift_remove(key).is_some() {
            notes.add(format!("`{key}` removed (no 3.0 equivalent)"));
        }
    }
}
