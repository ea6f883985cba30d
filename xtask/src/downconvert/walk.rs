//! Walking every schema of a document, for each rewrite that looks at schemas.

use serde_json::{Map, Value};

use crate::document::escape_pointer_token;
use crate::openapi::METHODS;

/// A callback on one schema node (an object or a boolean) and its JSON pointer.
pub(crate) type SchemaVisitor<'a> = dyn FnMut(&mut Value, &str) -> anyhow::Result<()> + 'a;

/// Calls `visit` on every schema of the document, parents before children; children are
/// looked up after `visit` returns, so subschemas a rewrite creates are visited too.
pub(crate) fn walk_document_schemas(
    doc: &mut Value,
    visit: &mut SchemaVisitor<'_>,
) -> anyhow::Result<()> {
    let Some(root) = doc.as_object_mut() else {
        return Ok(());
    };
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        for (section, kind) in [
            ("schemas", Kind::Schema),
            ("parameters", Kind::Parameter),
            ("headers", Kind::Parameter),
            ("requestBodies", Kind::Content),
            ("responses", Kind::Response),
            ("pathItems", Kind::PathItem),
            ("callbacks", Kind::Callback),
        ] {
            if let Some(map) = components.get_mut(section).and_then(Value::as_object_mut) {
                for (name, item) in map.iter_mut() {
                    let pointer = format!("/components/{section}/{}", escape_pointer_token(name));
                    walk_kind(item, kind, &pointer, visit)?;
                }
            }
        }
    }
    for section in ["paths", "webhooks"] {
        if let Some(map) = root.get_mut(section).and_then(Value::as_object_mut) {
            for (name, item) in map.iter_mut() {
                let pointer = format!("/{section}/{}", escape_pointer_token(name));
                walk_kind(item, Kind::PathItem, &pointer, visit)?;
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Kind {
    Schema,
    /// A Parameter or a Header object: `schema` or `content`.
    Parameter,
    /// Anything with `content` (a request body).
    Content,
    Response,
    PathItem,
    Callback,
}

fn walk_kind(
    node: &mut Value,
    kind: Kind,
    pointer: &str,
    visit: &mut SchemaVisitor<'_>,
) -> anyhow::Result<()> {
    if let Kind::Schema = kind {
        return walk_schema(node, pointer, visit);
    }
    let Some(obj) = node.as_object_mut() else {
        return Ok(());
    };
    // A Reference object: what it points to is walked where it is defined.
    if obj.contains_key("$ref") {
        return Ok(());
    }
    match kind {
        Kind::Schema => {}
        Kind::Parameter => {
            if let Some(schema) = obj.get_mut("schema") {
                walk_schema(schema, &format!("{pointer}/schema"), visit)?;
            }
            walk_content(obj, pointer, visit)?;
        }
        Kind::Content => walk_content(obj, pointer, visit)?,
        Kind::Response => {
            walk_map(obj, "headers", Kind::Parameter, pointer, visit)?;
            walk_content(obj, pointer, visit)?;
        }
        Kind::PathItem => {
            walk_list(obj, "parameters", Kind::Parameter, pointer, visit)?;
            for method in METHODS {
                let Some(op) = obj.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let op_pointer = format!("{pointer}/{method}");
                walk_list(op, "parameters", Kind::Parameter, &op_pointer, visit)?;
                if let Some(body) = op.get_mut("requestBody") {
                    walk_kind(
                        body,
                        Kind::Content,
                        &format!("{op_pointer}/requestBody"),
                        visit,
                    )?;
                }
                walk_map(op, "responses", Kind::Response, &op_pointer, visit)?;
                walk_map(op, "callbacks", Kind::Callback, &op_pointer, visit)?;
            }
        }
        Kind::Callback => {
            for (expression, item) in obj.iter_mut() {
                let item_pointer = format!("{pointer}/{}", escape_pointer_token(expression));
                walk_kind(item, Kind::PathItem, &item_pointer, visit)?;
            }
        }
    }
    Ok(())
}

fn walk_content(
    obj: &mut Map<String, Value>,
    pointer: &str,
    visit: &mut SchemaVisitor<'_>,
) -> anyhow::Result<()> {
    let Some(content) = obj.get_mut("content").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (media, media_type) in content.iter_mut() {
        let Some(media_type) = media_type.as_object_mut() else {
            continue;
        };
        let media_pointer = format!("{pointer}/content/{}", escape_pointer_token(media));
        if let Some(schema) = media_type.get_mut("schema") {
            walk_schema(schema, &format!("{media_pointer}/schema"), visit)?;
        }
        if let Some(encoding) = media_type
            .get_mut("encoding")
            .and_then(Value::as_object_mut)
        {
            for (name, enc) in encoding.iter_mut() {
                if let Some(enc) = enc.as_object_mut() {
                    let enc_pointer =
                        format!("{media_pointer}/encoding/{}", escape_pointer_token(name));
                    walk_map(enc, "headers", Kind::Parameter, &enc_pointer, visit)?;
                }
            }
        }
    }
    Ok(())
}

fn walk_map(
    obj: &mut Map<String, Value>,
    key: &str,
    kind: Kind,
    pointer: &str,
    visit: &mut SchemaVisitor<'_>,
) -> anyhow::Result<()> {
    if let Some(map) = obj.get_mut(key).and_then(Value::as_object_mut) {
        for (name, item) in map.iter_mut() {
            walk_kind(
                item,
                kind,
                &format!("{pointer}/{key}/{}", escape_pointer_token(name)),
                visit,
            )?;
        }
    }
    Ok(())
}

fn walk_list(
    obj: &mut Map<String, Value>,
    key: &str,
    kind: Kind,
    pointer: &str,
    visit: &mut SchemaVisitor<'_>,
) -> anyhow::Result<()> {
    if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
        for (i, item) in list.iter_mut().enumerate() {
            walk_kind(item, kind, &format!("{pointer}/{key}/{i}"), visit)?;
        }
    }
    Ok(())
}

/// Keywords whose value is a map of subschemas.
const SCHEMA_MAPS: [&str; 5] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is one subschema.
const SCHEMA_SINGLES: [&str; 11] = [
    "additionalProperties",
    "items",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "contains",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value is a list of subschemas.
const SCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];

fn walk_schema(
    node: &mut Value,
    pointer: &str,
    visit: &mut SchemaVisitor<'_>,
) -> anyhow::Result<()> {
    if !(node.is_object() || node.is_boolean()) {
        return Ok(());
    }
    visit(node, pointer)?;
    let Some(obj) = node.as_object_mut() else {
        return Ok(());
    };
    for (key, child) in obj.iter_mut() {
        let key = key.as_str();
        if SCHEMA_MAPS.contains(&key) {
            if let Some(map) = child.as_object_mut() {
                for (name, sub) in map.iter_mut() {
                    walk_schema(
                        sub,
                        &format!("{pointer}/{key}/{}", escape_pointer_token(name)),
                        visit,
                    )?;
                }
            }
        } else if SCHEMA_SINGLES.contains(&key) {
            // `additionalProperties: false` is 3.0 too: a boolean there is not a schema to fix.
            if key == "additionalProperties" && child.is_boolean() {
                continue;
            }
            if let Some(list) = child.as_array_mut() {
                // Draft-4 tuple `items`.
                for (i, sub) in list.iter_mut().enumerate() {
                    walk_schema(sub, &format!("{pointer}/{key}/{i}"), visit)?;
                }
            } else {
                walk_schema(child, &format!("{pointer}/{key}"), visit)?;
            }
        } else if SCHEMA_LISTS.contains(&key)
            && let Some(list) = child.as_array_mut()
        {
            for (i, sub) in list.iter_mut().enumerate() {
                walk_schema(sub, &format!("{pointer}/{key}/{i}"), visit)?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
