//! Schema and parameter shapes that make progenitor 0.15.1 panic or refuse the document, but
//! that have a harmless equivalent the client can live with.
//!
//! - `not`: typify panics on it. The client cannot check "anything but X" anyway, so the
//!   keyword goes and such values are accepted.
//! - `format`, numeric bounds (`minimum`...), string bounds (`pattern`...) and array sizes
//!   without `type`: typify panics ("invalid (or unexpected) schema"). Without a type they
//!   constrain nothing the client could use, so they go.
//! - `allOf: []` (and empty `anyOf` / `oneOf`): typify panics on an empty list. An empty
//!   `allOf` constrains nothing; empty `anyOf`/`oneOf` admit nothing, which a client cannot
//!   use either: all three go.
//! - Negative sizes (`minLength: -1`, `maxItems: -5`...): openapiv3 reads sizes as unsigned
//!   and refuses the whole document. A negative bound means nothing (or nothing valid), so
//!   it goes.
//! - Optional cookie parameters: progenitor refuses cookie parameters. An optional one can be
//!   left out of the client; a required one cannot, and lint refuses it
//!   (`codegen-required-cookie-parameter`).
//!
//! The lint rules of `lint::codegen_safety` refuse what cannot be rewritten safely.

use serde_json::Value;

use crate::downconvert::{Notes, walk_document_schemas};
use crate::openapi::METHODS;

const SIZES: [&str; 6] = [
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];

const NUMBERS: &[&str] = &["integer", "number"];
/// Keywords that apply to some types only, and those types. typify cannot read them on a
/// schema without `type` or of another type (`type: array, format: int64`).
const TYPED_KEYWORDS: [(&str, &[&str]); 12] = [
    ("format", &["string", "integer", "number"]),
    ("minimum", NUMBERS),
    ("maximum", NUMBERS),
    ("exclusiveMinimum", NUMBERS),
    ("exclusiveMaximum", NUMBERS),
    ("multipleOf", NUMBERS),
    ("minLength", &["string"]),
    ("maxLength", &["string"]),
    ("pattern", &["string"]),
    ("minItems", &["array"]),
    ("maxItems", &["array"]),
    ("uniqueItems", &["array"]),
];

pub fn codegen_safe_shapes(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    walk_document_schemas(doc, &mut |schema, _pointer| {
        if let Some(obj) = schema.as_object_mut() {
            safe_schema(obj, notes);
        }
        Ok(())
    })?;
    drop_optional_cookie_parameters(doc, notes);
    Ok(())
}

fn safe_schema(obj: &mut serde_json::Map<String, Value>, notes: &mut Notes) {
    if obj.shift_remove("not").is_some() {
        notes.add("`not` removed (the client cannot check it; such values are accepted)");
    }
    // A `type` that is not a string is the structure rules' to report.
    if obj.get("type").is_none_or(Value::is_string) {
        let kind = obj.get("type").and_then(Value::as_str).map(str::to_owned);
        for (keyword, types) in TYPED_KEYWORDS {
            if kind.as_deref().is_some_and(|k| types.contains(&k)) {
                continue;
            }
            if obj.shift_remove(keyword).is_some() {
                notes.add(match &kind {
                    None => format!(
                        "`{keyword}` without `type` removed (it constrains nothing without a type)"
                    ),
                    Some(k) => format!(
                        "`{keyword}` on a schema of type {k} removed (it applies to {} only)",
                        types.join(", ")
                    ),
                });
            }
        }
    }
    for list in ["allOf", "anyOf", "oneOf"] {
        if obj
            .get(list)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            obj.shift_remove(list);
            notes.add(format!("empty `{list}` removed"));
        }
    }
    for size in SIZES {
        let negative = obj
            .get(size)
            .is_some_and(|v| v.as_f64().is_some_and(|n| n < 0.0));
        if negative {
            obj.shift_remove(size);
            notes.add(format!(
                "negative `{size}` removed (a size is never negative)"
            ));
        }
    }
}

/// Removes optional `in: cookie` parameters of every path item and operation, inline or
/// through a `$ref` to `components/parameters`.
fn drop_optional_cookie_parameters(doc: &mut Value, notes: &mut Notes) {
    let components = doc
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let is_optional_cookie = |p: &Value| {
        let p = match p.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/components/parameters/")
                .and_then(|name| components.get(crate::document::unescape_pointer_token(name)))
                .unwrap_or(&Value::Null),
            None => p,
        };
        p.get("in").and_then(Value::as_str) == Some("cookie")
            && p.get("required") != Some(&Value::Bool(true))
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let mut lists: Vec<&mut Value> = Vec::new();
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                lists.push(value);
            } else if METHODS.contains(&key.as_str())
                && let Some(list) = value.get_mut("parameters")
            {
                lists.push(list);
            }
        }
        for list in lists {
            if let Some(list) = list.as_array_mut() {
                let before = list.len();
                list.retain(|p| !is_optional_cookie(p));
                for _ in list.len()..before {
                    notes.add("optional cookie parameter removed (progenitor cannot send cookies)");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unsafe_schema_keywords_go() {
        let mut doc = json!({"openapi": "3.0.3", "paths": {}, "components": {"schemas": {
            "A": {"type": "object", "properties": {
                "n": {"type": "string", "not": {"type": "integer"}, "minLength": -1, "maxLength": 3},
                "f": {"format": "date-time"},
                "g": {"type": "string", "format": "date-time"},
                "h": {"type": "array", "items": {}, "format": "int64", "minimum": 1, "maxItems": 2},
                "e": {"allOf": [], "oneOf": [{"type": "string"}]},
            }}
        }}});
        let mut notes = Notes::default();
        codegen_safe_shapes(&mut doc, &mut notes).unwrap();
        let props = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(props["n"], json!({"type": "string", "maxLength": 3}));
        assert_eq!(props["f"], json!({}));
        assert_eq!(props["g"], json!({"type": "string", "format": "date-time"}));
        assert_eq!(props["e"], json!({"oneOf": [{"type": "string"}]}));
        assert_eq!(
            props["h"],
            json!({"type": "array", "items": {}, "maxItems": 2})
        );
        assert_eq!(notes.into_lines().len(), 6);
    }

    #[test]
    fn optional_cookie_parameters_go_required_ones_stay() {
        let mut doc = json!({"paths": {"/a": {
            "parameters": [{"name": "c", "in": "cookie"}],
            "get": {"parameters": [
                {"name": "q", "in": "query"},
                {"$ref": "#/components/parameters/Session"},
                {"name": "must", "in": "cookie", "required": true},
            ]}
        }}, "components": {"parameters": {"Session": {"name": "s", "in": "cookie"}}}});
        let mut notes = Notes::default();
        codegen_safe_shapes(&mut doc, &mut notes).unwrap();
        assert_eq!(doc["paths"]["/a"]["parameters"], json!([]));
        assert_eq!(
            doc["paths"]["/a"]["get"]["parameters"],
            json!([{"name": "q", "in": "query"}, {"name": "must", "in": "cookie", "required": true}])
        );
    }
}
