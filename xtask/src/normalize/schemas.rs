//! Schemas that keep working when dbt adds a value or a field.
//!
//! progenitor turns `enum` (string or integer) into a type that rejects unknown values, and
//! `additionalProperties: false` into `deny_unknown_fields`: both break the client the day dbt
//! adds a run status, a plan or a field. The values are kept, as documentation, under
//! `x-known-values`. A `$ref` with siblings (a nullable `$ref` above all) becomes
//! `allOf: [$ref]` + siblings, since progenitor ignores siblings of `$ref`.

use serde_json::Value;

use crate::downconvert::{Notes, infer_type, walk_document_schemas, wrap_ref_with_siblings};

pub fn tolerant_schemas(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    walk_document_schemas(doc, &mut |schema, pointer| {
        let Some(obj) = schema.as_object_mut() else {
            return Ok(());
        };
        // typify names an inline schema after its `title`; dbt titles properties after their
        // names (`account: {title: Account}`), which collides with the component `Account` and
        // breaks compilation. Without the title, typify names it by its place, which is unique.
        let is_component_root = pointer
            .strip_prefix("/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'));
        if !is_component_root && obj.shift_remove("title").is_some() {
            notes.add("`title` removed from inline schemas (typify would name types after it)");
        }
        if let Some(values) = obj.shift_remove("enum") {
            if let Some(list) = values.as_array() {
                if let Some(first) = list.iter().find(|v| !v.is_null()) {
                    infer_type(obj, first);
                }
                if list.iter().any(Value::is_null) {
                    obj.insert("nullable".into(), Value::Bool(true));
                }
            }
            obj.entry("x-known-values").or_insert(values);
            notes.add("`enum` moved to `x-known-values` (unknown values stay accepted)");
        }
        if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
            obj.shift_remove("additionalProperties");
            notes.add("`additionalProperties: false` removed (unknown fields stay accepted)");
        }
        if obj.get("type").and_then(Value::as_str) == Some("array") && !obj.contains_key("items") {
            obj.insert("items".into(), Value::Object(Default::default()));
            notes.add("array schema without `items` given `items: {}`");
        }
        wrap_ref_with_siblings(obj, notes);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inline_titles_go_component_titles_stay() {
        let mut doc = json!({"components": {"schemas": {
            "Account": {"title": "Account", "type": "object"},
            "Conn": {"type": "object", "properties": {"account": {"title": "Account", "type": "string"}}}
        }}});
        tolerant_schemas(&mut doc, &mut Notes::default()).unwrap();
        assert_eq!(doc["components"]["schemas"]["Account"]["title"], "Account");
        assert_eq!(
            doc["components"]["schemas"]["Conn"]["properties"]["account"],
            json!({"type": "string"})
        );
    }

    fn run(schema: Value) -> Value {
        let mut doc = json!({"components": {"schemas": {"S": schema}}});
        tolerant_schemas(&mut doc, &mut Notes::default()).unwrap();
        doc["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn enums_become_known_values() {
        assert_eq!(
            run(json!({"type": "integer", "enum": [1, 2, 3, 10, 20, 30]})),
            json!({"type": "integer", "x-known-values": [1, 2, 3, 10, 20, 30]})
        );
        assert_eq!(
            run(json!({"type": "string", "enum": ["a", null], "nullable": true})),
            json!({"type": "string", "nullable": true, "x-known-values": ["a", null]})
        );
        // From a downconverted falsy `const`: the type is inferred when missing.
        assert_eq!(
            run(json!({"enum": [false]})),
            json!({"type": "boolean", "x-known-values": [false]})
        );
        assert_eq!(
            run(json!({"enum": [null]})),
            json!({"nullable": true, "x-known-values": [null]})
        );
    }

    #[test]
    fn nested_enums_and_closed_objects_open_up() {
        let s = run(json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"status": {"type": "string", "enum": ["x"]}, "m": {"type": "object", "additionalProperties": {"type": "string", "enum": ["y"]}}}
        }));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
                "status": {"type": "string", "x-known-values": ["x"]},
                "m": {"type": "object", "additionalProperties": {"type": "string", "x-known-values": ["y"]}}
            }})
        );
        assert_eq!(
            run(json!({"type": "array"})),
            json!({"type": "array", "items": {}})
        );
        // `additionalProperties: true` or a schema stays.
        assert_eq!(
            run(json!({"type": "object", "additionalProperties": true})),
            json!({"type": "object", "additionalProperties": true})
        );
    }

    #[test]
    fn nullable_ref_becomes_all_of() {
        assert_eq!(
            run(json!({"$ref": "#/components/schemas/T", "nullable": true})),
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]})
        );
    }
}
