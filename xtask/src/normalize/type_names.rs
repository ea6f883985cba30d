//! One Rust type name per schema, so that what passes lint compiles.
//!
//! typify names a component schema after its key, and an inline schema that needs a type of
//! its own (an object with properties, a composition, a string with a `pattern`) after its
//! place: the parent type's name and the property name, PascalCased (`Job` + `schedule` ->
//! `JobSchedule`), `...Item` for array items, `...Value` for map values. Nothing makes those
//! unique: when the overlay merges `allOf: [$ref JobSchedule]` into an upstream inline
//! `Job.schedule` object, the inline schema is named `JobSchedule` like the component, and the
//! client fails with E0428 ("the name JobSchedule is defined multiple times"). Such an inline
//! schema is moved to `components/schemas` under the first free name (`JobSchedule2`) and
//! referenced from its place, which keeps its `nullable` and `description`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::document::escape_pointer_token;
use crate::downconvert::Notes;

pub fn unique_type_names(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    // Each move removes one collision and creates none, so the loop ends; the bound only
    // guards against a mistake here turning into a hang.
    let bound = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, |m| serde_json::to_string(m).map_or(0, |s| s.len()));
    for _ in 0..=bound {
        let Some(collision) = first_collision(doc) else {
            return Ok(());
        };
        hoist(doc, &collision)?;
        notes.add(format!(
            "inline schema {} moved to #/components/schemas/{} (its type name {} was taken)",
            collision.pointer, collision.new_name, collision.taken
        ));
    }
    anyhow::bail!("type names under /components/schemas did not become unique")
}

/// An inline schema whose type name another type already has.
#[derive(Debug, PartialEq)]
struct Collision {
    pointer: String,
    taken: String,
    new_name: String,
}

/// typify's PascalCase (heck's): every word capitalized, the rest of it lower case.
pub fn pascal_case(name: &str) -> String {
    crate::normalize::words(name)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect()
}

/// Whether typify generates a type of its own for this inline schema (rather than using a
/// primitive, a `Vec`, a map or the referenced type).
fn gets_own_type(schema: &Map<String, Value>) -> bool {
    let non_empty = |key: &str| {
        schema.get(key).is_some_and(|v| match v {
            Value::Object(m) => !m.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => false,
        })
    };
    non_empty("properties")
        || non_empty("oneOf")
        || non_empty("anyOf")
        || schema
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() > 1)
        || (non_empty("allOf") && non_empty("properties"))
        || schema.get("pattern").is_some_and(Value::is_string)
}

/// Every inline schema whose type name a component or an earlier inline schema already has:
/// `(pointer, name)`, in document order. Lint reports them (`codegen-type-name-unique`).
pub fn duplicate_type_names(doc: &Value) -> Vec<(String, String)> {
    let (_, duplicates) = names_and_duplicates(doc);
    duplicates
}

/// The type names taken (components and inline schemas), and the duplicates among them.
fn names_and_duplicates(doc: &Value) -> (BTreeSet<String>, Vec<(String, String)>) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Default::default();
    };
    let mut taken: BTreeSet<String> = schemas.keys().map(|k| pascal_case(k)).collect();
    let mut inline: Vec<(String, String)> = Vec::new();
    for (key, schema) in schemas {
        let pointer = format!("/components/schemas/{}", escape_pointer_token(key));
        children(schema, &pascal_case(key), &pointer, &mut inline);
    }
    operation_types(doc, &mut inline);
    let mut duplicates = Vec::new();
    for (name, pointer) in inline {
        if !taken.insert(name.clone()) {
            duplicates.push((pointer, name));
        }
    }
    (taken, duplicates)
}

fn first_collision(doc: &Value) -> Option<Collision> {
    let (taken, duplicates) = names_and_duplicates(doc);
    let (pointer, name) = duplicates.into_iter().next()?;
    let new_name = (2..)
        .map(|i| format!("{name}{i}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| format!("{name}Inline"));
    Some(Collision {
        pointer,
        taken: name,
        new_name,
    })
}

/// The schemas of a request body's or response's media types, with their pointers (none for
/// a Reference Object: its target is a component).
fn contents(holder: &Value, at: String) -> Vec<(String, &Value)> {
    if holder.get("$ref").is_some() {
        return Vec::new();
    }
    holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(media, m)| {
            let schema_at = format!("{at}/content/{}/schema", escape_pointer_token(media));
            m.get("schema").map(|s| (schema_at, s))
        })
        .collect()
}

/// The inline schemas of operations, named as progenitor names them: `{operationId}-body`,
/// `{operationId}-response` and `{operationId}-{parameter}`, PascalCased.
fn operation_types(doc: &Value, out: &mut Vec<(String, String)>) {
    for operation in crate::openapi::operations(doc) {
        let Some(id) = operation.op.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let at = format!(
            "/paths/{}/{}",
            escape_pointer_token(operation.path),
            operation.method
        );
        let mut found: Vec<(String, String, &Value)> = Vec::new();
        if let Some(body) = operation.op.get("requestBody") {
            for (p, schema) in contents(body, format!("{at}/requestBody")) {
                found.push((pascal_case(&format!("{id}-body")), p, schema));
            }
        }
        for (code, response) in operation
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let response_at = format!("{at}/responses/{}", escape_pointer_token(code));
            for (p, schema) in contents(response, response_at) {
                found.push((pascal_case(&format!("{id}-response")), p, schema));
            }
        }
        for (i, parameter) in operation
            .op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (Some(name), Some(schema)) = (
                parameter.get("name").and_then(Value::as_str),
                parameter.get("schema"),
            ) else {
                continue;
            };
            let p = format!("{at}/parameters/{i}/schema");
            found.push((pascal_case(&format!("{id}-{name}")), p, schema));
        }
        for (name, pointer, schema) in found {
            let Some(obj) = schema.as_object() else {
                continue;
            };
            if obj.contains_key("$ref") {
                continue;
            }
            if gets_own_type(obj) {
                out.push((name.clone(), pointer.clone()));
            }
            children(schema, &name, &pointer, out);
        }
    }
}

/// Collects `(type name, pointer)` of every inline schema under `schema` that gets a type.
fn children(schema: &Value, name: &str, pointer: &str, out: &mut Vec<(String, String)>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    let mut visit = |sub: &Value, sub_name: String, sub_pointer: String| {
        let Some(sub_obj) = sub.as_object() else {
            return;
        };
        if sub_obj.contains_key("$ref") {
            return;
        }
        if gets_own_type(sub_obj) {
            out.push((sub_name.clone(), sub_pointer.clone()));
        }
        children(sub, &sub_name, &sub_pointer, out);
    };
    if let Some(Value::Object(props)) = obj.get("properties") {
        for (prop, sub) in props {
            visit(
                sub,
                pascal_case(&format!("{name}_{prop}")),
                format!("{pointer}/properties/{}", escape_pointer_token(prop)),
            );
        }
    }
    if let Some(items) = obj.get("items") {
        visit(items, format!("{name}Item"), format!("{pointer}/items"));
    }
    if let Some(values) = obj.get("additionalProperties") {
        visit(
            values,
            format!("{name}Value"),
            format!("{pointer}/additionalProperties"),
        );
    }
}

/// Moves the schema at `collision.pointer` to `components/schemas/{new_name}`.
fn hoist(doc: &mut Value, collision: &Collision) -> anyhow::Result<()> {
    let place = doc.pointer_mut(&collision.pointer).ok_or_else(|| {
        anyhow::anyhow!("{}: the inline schema to rename is gone", collision.pointer)
    })?;
    let mut moved = std::mem::take(place);
    let reference = json!({"$ref": format!("#/components/schemas/{}", escape_pointer_token(&collision.new_name))});
    // What describes the place rather than the type stays at the place.
    let mut at_place = Map::new();
    if let Some(obj) = moved.as_object_mut() {
        for key in ["nullable", "description"] {
            if let Some(v) = obj.shift_remove(key) {
                at_place.insert(key.into(), v);
            }
        }
    }
    *place = if at_place.is_empty() {
        reference
    } else {
        at_place.insert("allOf".into(), json!([reference]));
        Value::Object(at_place)
    };
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow::anyhow!("/components/schemas is not an object"))?;
    schemas.insert(collision.new_name.clone(), moved);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_typify() {
        assert_eq!(pascal_case("Job_schedule"), "JobSchedule");
        assert_eq!(pascal_case("SSHTunnel"), "SshTunnel");
        assert_eq!(pascal_case("job_definition_v2"), "JobDefinitionV2");
    }

    #[test]
    fn an_inline_schema_named_like_a_component_moves() {
        let mut doc = json!({"components": {"schemas": {
            "JobSchedule": {"type": "object", "properties": {"cron": {"type": "string"}}},
            "Job": {"type": "object", "properties": {
                "schedule": {
                    "type": "object",
                    "nullable": true,
                    "description": "When.",
                    "properties": {"date": {"type": "string"}},
                    "allOf": [{"$ref": "#/components/schemas/JobSchedule"}]
                },
                // A plain string named JobId gets no type: no collision, even with a JobId.
                "id": {"type": "string"}
            }},
            "JobId": {"type": "integer"}
        }}});
        let mut notes = Notes::default();
        unique_type_names(&mut doc, &mut notes).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Job"]["properties"]["schedule"],
            json!({"nullable": true, "description": "When.", "allOf": [{"$ref": "#/components/schemas/JobSchedule2"}]})
        );
        assert_eq!(
            schemas["JobSchedule2"],
            json!({"type": "object", "properties": {"date": {"type": "string"}}, "allOf": [{"$ref": "#/components/schemas/JobSchedule"}]})
        );
        assert_eq!(
            schemas["Job"]["properties"]["id"],
            json!({"type": "string"})
        );
        assert_eq!(notes.into_lines().len(), 1);
        // Idempotent: the second run finds nothing to move.
        let before = doc.clone();
        let mut notes = Notes::default();
        unique_type_names(&mut doc, &mut notes).unwrap();
        assert_eq!(doc, before);
        assert!(notes.into_lines().is_empty());
    }

    #[test]
    fn an_inline_response_named_like_a_component_moves() {
        let object = json!({"type": "object", "properties": {"x": {"type": "string"}}});
        let mut doc = json!({
            "paths": {"/jobs": {"get": {"operationId": "getJob", "responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"schema": object}}
            }}}}},
            "components": {"schemas": {"GetJobResponse": {"type": "object", "properties": {"y": {"type": "string"}}}}}
        });
        unique_type_names(&mut doc, &mut Notes::default()).unwrap();
        assert_eq!(
            doc.pointer("/paths/~1jobs/get/responses/200/content/application~1json/schema"),
            Some(&json!({"$ref": "#/components/schemas/GetJobResponse2"}))
        );
        assert_eq!(doc["components"]["schemas"]["GetJobResponse2"], object);
    }

    #[test]
    fn two_inline_schemas_with_one_name_are_told_apart() {
        // `Ab.c_d` and `AbC.d` are both named AbCD by typify.
        let object = json!({"type": "object", "properties": {"x": {"type": "string"}}});
        let mut doc = json!({"components": {"schemas": {
            "Ab": {"type": "object", "properties": {"c_d": object}},
            "AbC": {"type": "object", "properties": {"d": object}}
        }}});
        unique_type_names(&mut doc, &mut Notes::default()).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Ab"]["properties"]["c_d"], object);
        assert_eq!(
            schemas["AbC"]["properties"]["d"],
            json!({"$ref": "#/components/schemas/AbCD2"})
        );
        assert_eq!(schemas["AbCD2"], object);
    }
}
