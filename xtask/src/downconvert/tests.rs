//! The down-conversion end to end, rewrite by rewrite.

use super::*;
use serde_json::{Value, json};

/// Wraps `schema` as a component, converts, and returns the converted component.
fn convert_schema(schema: Value) -> (Value, Vec<String>) {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"S": schema}}
    });
    let notes = to_openapi_30(&mut doc).expect("converts");
    (doc["components"]["schemas"]["S"].clone(), notes)
}

#[test]
fn sets_openapi_303_even_when_labelled_30() {
    let mut doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}});
    let notes = to_openapi_30(&mut doc).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(notes.is_empty(), "{notes:?}");
    let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}});
    to_openapi_30(&mut doc).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(doc["paths"], json!({}));
}

#[test]
fn type_with_null_becomes_nullable() {
    let (s, notes) = convert_schema(json!({"type": ["string", "null"], "format": "date-time"}));
    assert_eq!(
        s,
        json!({"type": "string", "format": "date-time", "nullable": true})
    );
    assert_eq!(notes.len(), 2, "{notes:?}");
}

#[test]
fn type_array_of_three_becomes_any_of_with_keywords_distributed() {
    let (s, _) = convert_schema(json!({
        "type": ["string", "integer", "null"],
        "description": "d",
        "minLength": 1,
        "minimum": 0,
        "format": "int64"
    }));
    assert_eq!(
        s,
        json!({
            "description": "d",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "integer", "minimum": 0, "format": "int64"}
            ],
            "nullable": true
        })
    );
}

#[test]
fn integer_and_number_union_is_number() {
    let (s, _) = convert_schema(json!({"type": ["integer", "number"]}));
    assert_eq!(s, json!({"type": "number"}));
}

#[test]
fn type_null_alone_becomes_nullable_without_type() {
    let (s, _) = convert_schema(json!({"type": "null", "description": "x"}));
    assert_eq!(s, json!({"description": "x", "nullable": true}));
}

#[test]
fn falsy_const_values_become_one_value_enums() {
    for (value, ty) in [
        (json!(false), Some("boolean")),
        (json!(0), Some("integer")),
        (json!(""), Some("string")),
        (json!(1.5), Some("number")),
        (json!(null), None),
    ] {
        let (s, _) = convert_schema(json!({"const": value}));
        assert_eq!(s["enum"], json!([value.clone()]), "{value}");
        assert_eq!(s.get("type").and_then(Value::as_str), ty, "{value}");
        assert!(s.get("const").is_none());
        assert_eq!(s.get("nullable").is_some(), value.is_null(), "{value}");
    }
    // An explicit type is kept.
    let (s, _) = convert_schema(json!({"type": "string", "const": "x"}));
    assert_eq!(s, json!({"type": "string", "enum": ["x"]}));
}

#[test]
fn examples_become_example() {
    let (s, _) = convert_schema(json!({"type": "integer", "examples": [3, 4]}));
    assert_eq!(s, json!({"type": "integer", "example": 3}));
    let (s, _) = convert_schema(json!({"type": "integer", "example": 1, "examples": [3]}));
    assert_eq!(s, json!({"type": "integer", "example": 1}));
    let (s, _) = convert_schema(json!({"type": "integer", "examples": "junk"}));
    assert_eq!(s, json!({"type": "integer"}));
}

#[test]
fn numeric_exclusive_bounds_become_boolean() {
    let (s, _) =
        convert_schema(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}));
    assert_eq!(
        s,
        json!({"type": "integer", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 10})
    );
    // A stricter inclusive bound wins and the exclusive one goes.
    let (s, _) = convert_schema(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": 0}));
    assert_eq!(s, json!({"type": "integer", "minimum": 5}));
    // Boolean (3.0) exclusive bounds are left alone.
    let (s, notes) =
        convert_schema(json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true}));
    assert_eq!(
        s,
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
    );
    assert!(notes.iter().all(|n| !n.contains("exclusive")), "{notes:?}");
}

#[test]
fn ref_with_siblings_becomes_all_of() {
    let (s, _) = convert_schema(json!({"$ref": "#/components/schemas/S", "description": "d"}));
    assert_eq!(
        s,
        json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/S"}]})
    );
    let (s, notes) = convert_schema(json!({"$ref": "#/components/schemas/S"}));
    assert_eq!(s, json!({"$ref": "#/components/schemas/S"}));
    assert!(notes.is_empty() || notes == vec!["`openapi` set to 3.0.3".to_string()]);
}

#[test]
fn nullable_ref_via_any_of_becomes_all_of_plus_nullable() {
    let (s, _) = convert_schema(json!({
        "anyOf": [{"$ref": "#/components/schemas/S"}, {"type": "null"}],
        "description": "d"
    }));
    assert_eq!(
        s,
        json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/S"}], "nullable": true})
    );
    let (s, _) =
        convert_schema(json!({"oneOf": [{"type": "string", "format": "uuid"}, {"const": null}]}));
    assert_eq!(
        s,
        json!({"type": "string", "format": "uuid", "nullable": true})
    );
    let (s, _) = convert_schema(
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}),
    );
    assert_eq!(
        s,
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
    );
}

#[test]
fn defs_move_into_components_and_refs_follow() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Outer/$defs/Inner"
        }}}}}}}},
        "components": {"schemas": {
            "Inner": {"type": "string"},
            "Outer": {
                "type": "object",
                "properties": {
                    "a": {"$ref": "#/$defs/Inner"},
                    "b": {"$ref": "#/components/schemas/Outer/$defs/Leaf"}
                },
                "$defs": {
                    "Inner": {"type": "object", "properties": {"x": {"$ref": "#/$defs/Leaf"}}},
                    "Leaf": {"type": "integer"}
                }
            }
        }}
    });
    let notes = to_openapi_30(&mut doc).unwrap();
    assert!(notes.iter().any(|n| n.contains("$defs")), "{notes:?}");
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Outer"].get("$defs").is_none());
    // `Inner` was taken, so the moved one is named after its owner.
    assert_eq!(schemas["OuterInner"]["type"], "object");
    assert_eq!(schemas["Leaf"], json!({"type": "integer"}));
    assert_eq!(
        schemas["Outer"]["properties"]["a"]["$ref"],
        "#/components/schemas/OuterInner"
    );
    assert_eq!(
        schemas["Outer"]["properties"]["b"]["$ref"],
        "#/components/schemas/Leaf"
    );
    assert_eq!(
        schemas["OuterInner"]["properties"]["x"]["$ref"],
        "#/components/schemas/Leaf"
    );
    let op_ref = doc.pointer("/paths/~1a/get/responses/200/content/application~1json/schema/$ref");
    assert_eq!(op_ref, Some(&json!("#/components/schemas/OuterInner")));
}

#[test]
fn root_defs_move_too() {
    let mut doc = json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
        "$defs": {"Id": {"type": "integer"}},
        "components": {"schemas": {"A": {"$ref": "#/$defs/Id"}}}
    });
    to_openapi_30(&mut doc).unwrap();
    assert!(doc.get("$defs").is_none());
    assert_eq!(
        doc["components"]["schemas"]["Id"],
        json!({"type": "integer"})
    );
    assert_eq!(
        doc["components"]["schemas"]["A"]["$ref"],
        "#/components/schemas/Id"
    );
}

#[test]
fn ref_to_missing_defs_entry_is_an_error_with_pointer() {
    let mut doc = json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {"A": {"$defs": {"X": {}}, "properties": {"p": {"$ref": "#/$defs/Nope"}}}}}
    });
    let error = to_openapi_30(&mut doc).unwrap_err().to_string();
    assert!(
        error.contains("/components/schemas/A/properties/p"),
        "{error}"
    );
    assert!(error.contains("#/$defs/Nope"), "{error}");
}

#[test]
fn path_items_are_inlined_and_removed() {
    let mut doc = json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"$ref": "#/components/pathItems/A", "summary": "here"}},
        "components": {"pathItems": {"A": {"summary": "there", "get": {"responses": {"204": {"description": "ok"}}}}}}
    });
    to_openapi_30(&mut doc).unwrap();
    assert_eq!(doc["paths"]["/a"]["summary"], "here");
    assert_eq!(
        doc["paths"]["/a"]["get"]["responses"]["204"]["description"],
        "ok"
    );
    assert!(doc["components"].get("pathItems").is_none());

    let mut doc = json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"$ref": "#/components/pathItems/Missing"}},
        "components": {"pathItems": {}}
    });
    let error = to_openapi_30(&mut doc).unwrap_err().to_string();
    assert!(error.contains("/paths/~1a"), "{error}");
}

#[test]
fn document_level_31_fields_are_removed() {
    let mut doc = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "t", "version": "1", "summary": "short", "license": {"name": "Apache", "identifier": "Apache-2.0"}},
        "webhooks": {"e": {"post": {"responses": {"200": {"description": "ok"}}}}},
        "paths": {},
        "components": {"securitySchemes": {"m": {"type": "mutualTLS"}, "b": {"type": "http", "scheme": "bearer"}}},
        "security": [{"m": []}, {"b": []}]
    });
    let notes = to_openapi_30(&mut doc).unwrap();
    assert!(doc.get("jsonSchemaDialect").is_none());
    assert!(doc.get("webhooks").is_none());
    assert_eq!(doc["info"]["description"], "short");
    assert!(doc["info"].get("summary").is_none());
    assert_eq!(
        doc["info"]["license"],
        json!({"name": "Apache", "url": "https://spdx.org/licenses/Apache-2.0.html"})
    );
    assert_eq!(doc["security"], json!([{"b": []}]));
    assert!(doc["components"]["securitySchemes"].get("m").is_none());
    assert!(notes.len() >= 5, "{notes:?}");
}

#[test]
fn json_schema_identifiers_and_misspellings_are_removed() {
    let (s, _) = convert_schema(json!({
        "$schema": "x", "$id": "y", "$anchor": "z", "$comment": "c",
        "type": "string", "write_only": true
    }));
    assert_eq!(s, json!({"type": "string", "writeOnly": true}));
}

#[test]
fn content_keywords_become_formats() {
    let (s, _) = convert_schema(json!({"type": "string", "contentEncoding": "base64"}));
    assert_eq!(s, json!({"type": "string", "format": "byte"}));
    let (s, _) = convert_schema(json!({"contentMediaType": "image/png"}));
    assert_eq!(s, json!({"type": "string", "format": "binary"}));
    let (s, _) = convert_schema(json!({"type": "string", "contentMediaType": "application/json"}));
    assert_eq!(s, json!({"type": "string"}));
}

#[test]
fn json_schema_only_keywords_are_rewritten_or_removed() {
    let (s, _) = convert_schema(json!({
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "integer"}],
        "items": false,
        "contains": {"type": "string"}, "minContains": 1,
        "unevaluatedItems": false
    }));
    assert_eq!(
        s,
        json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})
    );
    let (s, _) = convert_schema(json!({
        "type": "object",
        "patternProperties": {"^x-": {"type": "string"}},
        "propertyNames": {"pattern": "^x-"},
        "dependentRequired": {"a": ["b"]},
        "dependentSchemas": {"a": {}},
        "if": {}, "then": {}, "else": {},
        "unevaluatedProperties": false,
        "properties": {"gone": false, "kept": true}
    }));
    assert_eq!(
        s,
        json!({"type": "object", "properties": {"kept": {}}, "additionalProperties": {"type": "string"}})
    );
    // A boolean `additionalProperties` is valid 3.0 and stays (normalize decides about it).
    let (s, _) = convert_schema(json!({"type": "object", "additionalProperties": false}));
    assert_eq!(s, json!({"type": "object", "additionalProperties": false}));
}

#[test]
fn nested_schemas_everywhere_are_converted() {
    let mut doc = json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": ["integer"]}}],
            "post": {
                "parameters": [{"name": "q", "in": "query", "schema": {"const": 0}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "deep": {"type": "array", "items": {"type": ["string", "null"]}}
                }}}}},
                "responses": {"200": {"description": "ok", "headers": {"h": {"schema": {"type": ["string", "null"]}}}}}
            }
        }},
        "components": {"responses": {"R": {"description": "r", "content": {"application/json": {"schema": {"examples": [1]}}}}}}
    });
    to_openapi_30(&mut doc).unwrap();
    let p = |ptr: &str| doc.pointer(ptr).cloned();
    assert_eq!(
        p("/paths/~1a~1{id}/parameters/0/schema"),
        Some(json!({"type": "integer"}))
    );
    assert_eq!(
        p("/paths/~1a~1{id}/post/parameters/0/schema"),
        Some(json!({"type": "integer", "enum": [0]}))
    );
    assert_eq!(
        p(
            "/paths/~1a~1{id}/post/requestBody/content/application~1json/schema/properties/deep/items"
        ),
        Some(json!({"type": "string", "nullable": true}))
    );
    assert_eq!(
        p("/paths/~1a~1{id}/post/responses/200/headers/h/schema/nullable"),
        Some(json!(true))
    );
    assert_eq!(
        p("/components/responses/R/content/application~1json/schema"),
        Some(json!({"example": 1}))
    );
}

#[test]
fn never_panics_on_arbitrary_json() {
    for input in [
        json!(null),
        json!([1, 2]),
        json!("x"),
        json!({"openapi": 3}),
        json!({"paths": []}),
        json!({"paths": {"/a": 1, "/b": {"get": []}, "/c": {"get": {"responses": {"200": 1, "201": {"content": []}}}}}}),
        json!({"components": []}),
        json!({"components": {"schemas": [], "pathItems": 1}}),
        json!({"components": {"schemas": {"A": 1, "B": {"type": 7, "anyOf": 1, "properties": []}, "C": {"$defs": []}}}}),
        json!({"components": {"schemas": {"A": {"type": [1, null, "string"], "const": {}, "examples": {}, "exclusiveMinimum": "x"}}}}),
        json!({"info": [], "$defs": 1}),
        json!({"info": {"license": 1, "summary": 3}}),
        json!({"components": {"schemas": {"A": {"$defs": {"B": {"$defs": {"C": {}}}}, "$ref": "#/$defs/B/$defs/C"}}}}),
    ] {
        let mut doc = input.clone();
        let _ = to_openapi_30(&mut doc);
    }
}
