//! Removes examples and defaults that contradict their own schema.
//!
//! dbt's documents hold many (a `"string"` example on an integer, `default: null` on a
//! non-nullable field...). They are documentation only, so removing them loses nothing, while
//! keeping them fails Spectral's `oas3-valid-schema-example` / `oas3-valid-media-example` and
//! would hand progenitor a default it cannot represent. Each removal is reported.
//!
//! Checked: `example` and `default` of every Schema Object (against that schema), and `example`
//! / `examples` of every Media Type, Parameter and Header object (against its `schema`; an entry
//! of `examples` may be a `$ref` to `#/components/examples`, in which case the entry is removed,
//! not the shared component). A schema that cannot be compiled is left alone: lint reports it.

use std::collections::HashMap;

use serde_json::Value;

use crate::document::{escape_pointer_token, remove_pointer};
use crate::schema;

/// An example or default that its schema rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidExample {
    /// RFC 6901 pointer to the `example`/`default` member or to the `examples` entry.
    pub pointer: String,
    /// Why the schema rejects it (the first validation error).
    pub reason: String,
    /// Of a Media Type, Parameter or Header object (Spectral's `oas3-valid-media-example`)
    /// rather than of a Schema Object (`oas3-valid-schema-example`).
    pub in_media: bool,
}

/// Every invalid example/default of `doc`, in document order.
pub fn invalid_examples(doc: &Value) -> Vec<InvalidExample> {
    let mut found = Vec::new();
    let mut checker = Checker {
        doc,
        validators: HashMap::new(),
        found: &mut found,
    };
    checker.walk(doc, "", Context::Document);
    found
}

/// Removes every invalid example/default of `doc`; one note per removal, with its JSON pointer.
pub fn drop_invalid_examples(doc: &mut Value) -> Vec<String> {
    let mut notes = Vec::new();
    for InvalidExample {
        pointer, reason, ..
    } in invalid_examples(doc)
    {
        // The pointers come from walking `doc` itself, so they designate members, never the
        // root; a pointer that no longer resolves simply removes nothing.
        if remove_pointer(doc, &pointer).unwrap_or(false) {
            notes.push(format!("removed invalid {pointer}: {reason}"));
            // An `examples` map emptied by the removals says nothing: drop it too.
            if let Some((parent, _)) = pointer.rsplit_once('/')
                && parent.ends_with("/examples")
                && doc
                    .pointer(parent)
                    .and_then(Value::as_object)
                    .is_some_and(|m| m.is_empty())
            {
                let _ = remove_pointer(doc, parent);
            }
        }
    }
    notes
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    /// Any non-schema part of the document.
    Document,
    /// A Schema Object.
    Schema,
}

struct Checker<'a> {
    doc: &'a Value,
    /// Keyed by the schema's pointer: compiled once even when both `example` and `default` exist.
    validators: HashMap<String, Option<jsonschema::Validator>>,
    found: &'a mut Vec<InvalidExample>,
}

impl Checker<'_> {
    fn walk(&mut self, node: &Value, pointer: &str, context: Context) {
        match (node, context) {
            (Value::Object(map), Context::Schema) => {
                for key in ["example", "default"] {
                    if let Some(value) = map.get(key) {
                        self.check(node, pointer, value, &format!("{pointer}/{key}"), false);
                    }
                }
                for (key, value) in map {
                    let here = format!("{pointer}/{}", escape_pointer_token(key));
                    match key.as_str() {
                        "properties" | "patternProperties" => {
                            if let Value::Object(props) = value {
                                for (name, sub) in props {
                                    let p = format!("{here}/{}", escape_pointer_token(name));
                                    self.walk(sub, &p, Context::Schema);
                                }
                            }
                        }
                        "items" | "additionalProperties" | "not" | "allOf" | "anyOf" | "oneOf" => {
                            self.walk_schemas(value, &here)
                        }
                        _ => {}
                    }
                }
            }
            (Value::Object(map), Context::Document) => {
                if let Some(schema) = map.get("schema") {
                    if let Some(value) = map.get("example") {
                        self.check(
                            schema,
                            &format!("{pointer}/schema"),
                            value,
                            &format!("{pointer}/example"),
                            true,
                        );
                    }
                    if let Some(Value::Object(examples)) = map.get("examples") {
                        for (name, example) in examples {
                            let Some(value) = self.example_value(example) else {
                                continue;
                            };
                            let at = format!("{pointer}/examples/{}", escape_pointer_token(name));
                            self.check(schema, &format!("{pointer}/schema"), &value, &at, true);
                        }
                    }
                }
                for (key, value) in map {
                    let here = format!("{pointer}/{}", escape_pointer_token(key));
                    match key.as_str() {
                        // Values, not document structure: an example may well contain a "schema" key.
                        "example" | "examples" | "default" | "enum" => {}
                        _ if key.starts_with("x-") => {}
                        "schema" => self.walk(value, &here, Context::Schema),
                        "schemas" if pointer == "/components" => {
                            if let Value::Object(schemas) = value {
                                for (name, sub) in schemas {
                                    let p = format!("{here}/{}", escape_pointer_token(name));
                                    self.walk(sub, &p, Context::Schema);
                                }
                            }
                        }
                        _ => self.walk(value, &here, Context::Document),
                    }
                }
            }
            (Value::Array(list), Context::Document) => {
                for (i, item) in list.iter().enumerate() {
                    self.walk(item, &format!("{pointer}/{i}"), Context::Document);
                }
            }
            _ => {}
        }
    }

    fn walk_schemas(&mut self, value: &Value, pointer: &str) {
        match value {
            Value::Array(list) => {
                for (i, sub) in list.iter().enumerate() {
                    self.walk(sub, &format!("{pointer}/{i}"), Context::Schema);
                }
            }
            other => self.walk(other, pointer, Context::Schema),
        }
    }

    /// The value an Example Object (or a reference to one) stands for.
    fn example_value(&self, example: &Value) -> Option<Value> {
        match example.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let target = reference.strip_prefix('#')?;
                self.doc.pointer(target)?.get("value").cloned()
            }
            None => example.get("value").cloned(),
        }
    }

    fn check(
        &mut self,
        schema_value: &Value,
        schema_pointer: &str,
        instance: &Value,
        at: &str,
        in_media: bool,
    ) {
        let doc = self.doc;
        let validator = self
            .validators
            .entry(schema_pointer.to_string())
            .or_insert_with(|| schema::validator_for(doc, schema_value).ok());
        let Some(validator) = validator else { return };
        let errors = schema::errors(validator, instance);
        if let Some(first) = errors.first() {
            self.found.push(InvalidExample {
                pointer: at.to_string(),
                reason: first.to_string(),
                in_media,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn invalid_schema_example_and_default_are_removed_valid_ones_kept() {
        let mut doc = json!({
            "openapi": "3.0.3",
            "paths": {},
            "components": { "schemas": { "Run": {
                "type": "object",
                "properties": {
                    "id": { "type": "integer", "example": "one", "default": 0 },
                    "name": { "type": "string", "example": "nightly", "default": null },
                    "note": { "type": "string", "nullable": true, "default": null },
                    "schema": { "type": "integer", "example": 3 }
                },
                "example": { "id": 1, "name": "x" }
            }}}
        });
        let notes = drop_invalid_examples(&mut doc);
        let run = &doc["components"]["schemas"]["Run"];
        assert!(run.pointer("/properties/id/example").is_none());
        assert_eq!(run.pointer("/properties/id/default"), Some(&json!(0)));
        assert_eq!(
            run.pointer("/properties/name/example"),
            Some(&json!("nightly"))
        );
        assert!(run.pointer("/properties/name/default").is_none());
        assert_eq!(run.pointer("/properties/note/default"), Some(&json!(null)));
        assert_eq!(run.pointer("/properties/schema/example"), Some(&json!(3)));
        assert!(run.get("example").is_some());
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].starts_with("removed invalid /components/schemas/Run/properties/id/example: "),
            "{notes:?}"
        );
        assert!(notes[1].contains("/properties/name/default"), "{notes:?}");
    }

    #[test]
    fn media_and_parameter_examples_are_checked_against_their_schema() {
        let mut doc = json!({
            "openapi": "3.0.3",
            "paths": { "/runs/{run_id}/": { "get": {
                "parameters": [{
                    "name": "run_id", "in": "path", "required": true,
                    "schema": { "type": "integer" }, "example": "abc"
                }],
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Run" },
                    "example": { "id": 5 },
                    "examples": {
                        "good": { "value": { "id": 1 } },
                        "bad": { "value": { "id": "x" } },
                        "shared": { "$ref": "#/components/examples/BadRun" }
                    }
                }}}}
            }}},
            "components": {
                "schemas": { "Run": { "type": "object", "properties": { "id": { "type": "integer" } } } },
                "examples": { "BadRun": { "value": { "id": [] } } }
            }
        });
        let notes = drop_invalid_examples(&mut doc);
        let op = &doc["paths"]["/runs/{run_id}/"]["get"];
        assert!(op.pointer("/parameters/0/example").is_none());
        let media = &op["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["example"], json!({ "id": 5 }));
        let names: Vec<&String> = media["examples"].as_object().unwrap().keys().collect();
        assert_eq!(names, vec!["good"]);
        // The shared component stays: only the use of it is removed.
        assert!(doc.pointer("/components/examples/BadRun").is_some());
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("/paths/~1runs~1{run_id}~1/get/parameters/0/example"))
        );
    }

    #[test]
    fn emptied_examples_map_is_removed() {
        let mut doc = json!({ "paths": { "/a": { "get": { "responses": { "200": {
            "description": "ok",
            "content": { "application/json": {
                "schema": { "type": "integer" },
                "examples": { "bad": { "value": "x" } }
            }}
        }}}}}});
        drop_invalid_examples(&mut doc);
        let media = doc
            .pointer("/paths/~1a/get/responses/200/content/application~1json")
            .unwrap();
        assert!(media.get("examples").is_none(), "{media}");
    }

    #[test]
    fn example_values_are_not_walked_as_document_structure() {
        // The example contains a "schema" key with its own bogus "example": it is data.
        let mut doc = json!({ "components": { "schemas": { "Cfg": {
            "type": "object",
            "example": { "schema": { "type": "integer", "example": "x" } }
        }}}});
        let before = doc.clone();
        assert!(drop_invalid_examples(&mut doc).is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn uncompilable_schema_is_left_alone_and_nothing_panics() {
        let mut doc = json!({ "components": { "schemas": {
            "Broken": { "$ref": "#/components/schemas/Missing", "example": 1 },
            "Odd": [1, 2, { "example": 3 }]
        }}});
        let before = doc.clone();
        assert!(drop_invalid_examples(&mut doc).is_empty());
        assert_eq!(doc, before);
        for junk in [
            json!(null),
            json!([1, "a"]),
            json!("text"),
            json!({ "paths": 3 }),
        ] {
            let mut j = junk.clone();
            assert!(drop_invalid_examples(&mut j).is_empty());
        }
    }
}
