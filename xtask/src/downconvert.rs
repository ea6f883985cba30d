//! OpenAPI 3.1 -> 3.0.3, by construct rather than by version label.
//!
//! dbt's `openapi-v3.yaml` says `3.0.3` yet holds numeric `exclusiveMinimum`, `const` and a
//! misspelt `write_only`, so every document goes through every rewrite whatever its label.
//! The list covers what `@apiture/openapi-down-convert` rewrites plus its gaps: falsy `const`,
//! type arrays of three or more members, `type: "null"`, `$defs`, numeric exclusive bounds,
//! schema `$ref` with siblings, `components.pathItems`, `webhooks`, `jsonSchemaDialect`,
//! `info.license.identifier`.
//!
//! `to_openapi_30` returns one note per kind of rewrite it made (with a count). Errors name the
//! JSON pointer of the offending node. Nothing here indexes a `Value` in a way that can panic:
//! a node of an unexpected type is skipped (or reported, when it must be resolved).

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

use crate::document::{escape_pointer_token, unescape_pointer_token};
use crate::openapi::METHODS;

/// Rewrites `doc` in place into OpenAPI 3.0.3.
pub fn to_openapi_30(doc: &mut Value) -> anyhow::Result<Vec<String>> {
    let mut notes = Notes::default();
    let Some(root) = doc.as_object_mut() else {
        bail!("the document root (JSON pointer \"\") is not an object, so it is not OpenAPI");
    };
    if root.get("openapi").and_then(Value::as_str) != Some("3.0.3") {
        notes.add("`openapi` set to 3.0.3");
    }
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    rewrite_document_level(root, &mut notes);
    inline_path_items(doc, &mut notes)?;
    move_defs(doc, &mut notes)?;
    walk_document_schemas(doc, &mut |schema, pointer| {
        rewrite_schema(schema, pointer, &mut notes);
        Ok(())
    })?;
    Ok(notes.into_lines())
}

/// Counts rewrites by kind, so the report is short and its order deterministic.
#[derive(Default)]
pub struct Notes(BTreeMap<String, usize>);

impl Notes {
    pub fn add(&mut self, kind: impl Into<String>) {
        *self.0.entry(kind.into()).or_default() += 1;
    }

    pub fn into_lines(self) -> Vec<String> {
        self.0
            .into_iter()
            .map(|(kind, n)| {
                if n == 1 {
                    kind
                } else {
                    format!("{kind} ({n}x)")
                }
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Walking every schema of a document
// ---------------------------------------------------------------------------------------------

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
// Document-level rewrites
// ---------------------------------------------------------------------------------------------

fn rewrite_document_level(root: &mut Map<String, Value>, notes: &mut Notes) {
    if root.shift_remove("jsonSchemaDialect").is_some() {
        notes.add("`jsonSchemaDialect` removed (3.0 has a fixed dialect)");
    }
    if root.shift_remove("webhooks").is_some() {
        notes.add("`webhooks` removed (3.0 has none; the client does not receive webhooks)");
    }
    if root.shift_remove("$schema").is_some() {
        notes.add("root `$schema` removed");
    }
    if !root.get("paths").is_some_and(Value::is_object) {
        root.insert("paths".into(), json!({}));
        notes.add("missing `paths` added (required in 3.0)");
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        if let Some(summary) = info.shift_remove("summary") {
            if !info.contains_key("description")
                && let Value::String(text) = summary
            {
                info.insert("description".into(), Value::String(text));
            }
            notes.add("`info.summary` removed (kept as the description when there was none)");
        }
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
            && let Some(identifier) = license.shift_remove("identifier")
        {
            if !license.contains_key("url")
                && let Value::String(id) = identifier
            {
                let url = format!("https://spdx.org/licenses/{id}.html");
                license.insert("url".into(), Value::String(url));
            }
            notes.add("`info.license.identifier` replaced by an SPDX `url`");
        }
    }
    // `mutualTLS` is a 3.1 security scheme type; 3.0 tools reject the whole document for it.
    let mut removed_schemes = Vec::new();
    if let Some(schemes) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
        .and_then(Value::as_object_mut)
    {
        schemes.retain(|name, scheme| {
            let mutual = scheme.get("type").and_then(Value::as_str) == Some("mutualTLS");
            if mutual {
                removed_schemes.push(name.clone());
            }
            !mutual
        });
    }
    if !removed_schemes.is_empty() {
        notes.add("`mutualTLS` security schemes removed");
        remove_security_requirements(root, &removed_schemes);
    }
}

fn remove_security_requirements(root: &mut Map<String, Value>, schemes: &[String]) {
    fn strip(list: &mut Value, schemes: &[String]) {
        if let Some(list) = list.as_array_mut() {
            for requirement in list.iter_mut() {
                if let Some(req) = requirement.as_object_mut() {
                    req.retain(|name, _| !schemes.contains(name));
                }
            }
            list.retain(|req| req.as_object().is_none_or(|r| !r.is_empty()));
        }
    }
    if let Some(security) = root.get_mut("security") {
        strip(security, schemes);
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(security) = item.get_mut(method).and_then(|op| op.get_mut("security")) {
                    strip(security, schemes);
                }
            }
        }
    }
}

/// Replaces `$ref`s to `components.pathItems` (3.1 only) by a copy of the path item, then
/// removes `components.pathItems`.
fn inline_path_items(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    let Some(items) = doc
        .get_mut("components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.shift_remove("pathItems"))
    else {
        return Ok(());
    };
    notes.add("`components.pathItems` inlined where referenced and removed");
    let items = items.as_object().cloned().unwrap_or_default();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let pointer = format!("/paths/{}", escape_pointer_token(path));
        inline_one_path_item(item, &items, &pointer)?;
        // Callbacks hold path items too.
        if let Some(obj) = item.as_object_mut() {
            for method in METHODS {
                let Some(callbacks) = obj
                    .get_mut(method)
                    .and_then(|op| op.get_mut("callbacks"))
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (name, callback) in callbacks.iter_mut() {
                    let Some(callback) = callback.as_object_mut() else {
                        continue;
                    };
                    for (expression, cb_item) in callback.iter_mut() {
                        let cb_pointer = format!(
                            "{pointer}/{method}/callbacks/{}/{}",
                            escape_pointer_token(name),
                            escape_pointer_token(expression)
                        );
                        inline_one_path_item(cb_item, &items, &cb_pointer)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn inline_one_path_item(
    item: &mut Value,
    items: &Map<String, Value>,
    pointer: &str,
) -> anyhow::Result<()> {
    // A chain of references is followed a bounded number of times, so a cycle cannot hang us.
    for _ in 0..16 {
        let Some(obj) = item.as_object() else {
            return Ok(());
        };
        let Some(reference) = obj.get("$ref").and_then(Value::as_str) else {
            return Ok(());
        };
        let Some(name) = reference.strip_prefix("#/components/pathItems/") else {
            // A reference to elsewhere (another file) is legal in 3.0 too.
            return Ok(());
        };
        let name = unescape_pointer_token(name);
        let Some(target) = items.get(&name).and_then(Value::as_object) else {
            bail!("$ref `{reference}` at JSON pointer {pointer} points to no path item");
        };
        let mut inlined = target.clone();
        // 3.1 lets a reference carry `summary`/`description`; they override the target's.
        for (key, value) in obj.iter() {
            if key != "$ref" {
                inlined.insert(key.clone(), value.clone());
            }
        }
        *item = Value::Object(inlined);
    }
    bail!("$ref chain at JSON pointer {pointer} is too long or cyclic")
}

/// Moves every `$defs` (and draft-7 `definitions`) into `components.schemas` and rewrites the
/// references to them. A `#/$defs/X` that the document root does not hold is resolved against
/// the nearest enclosing schema that defines `X`, as a standalone JSON Schema would.
fn move_defs(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    // 1. Where the containers are (pre-order, so outer containers come first).
    let mut containers: Vec<(String, &'static str, Vec<String>)> = Vec::new();
    let root_has_defs = doc.get("$defs").is_some_and(Value::is_object);
    if root_has_defs {
        let names = doc["$defs"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        containers.push((String::new(), "$defs", names));
    }
    walk_document_schemas(doc, &mut |schema, pointer| {
        for key in ["$defs", "definitions"] {
            if let Some(defs) = schema.get(key).and_then(Value::as_object) {
                containers.push((pointer.to_string(), key, defs.keys().cloned().collect()));
            }
        }
        Ok(())
    })?;
    if containers.is_empty() {
        return Ok(());
    }

    // 2. The new names, deterministic: the definition's own name unless it is taken.
    let mut taken: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut moves: Vec<(String, String)> = Vec::new(); // old pointer -> new component name
    for (container, key, names) in &containers {
        let owner = container
            .rsplit('/')
            .next()
            .map(unescape_pointer_token)
            .unwrap_or_default();
        for name in names {
            let mut candidate = name.clone();
            if taken.contains(&candidate) {
                candidate = format!("{owner}{name}");
            }
            let base = candidate.clone();
            let mut n = 2;
            while taken.contains(&candidate) || candidate.is_empty() {
                candidate = format!("{base}{n}");
                n += 1;
            }
            taken.push(candidate.clone());
            moves.push((
                format!("{container}/{key}/{}", escape_pointer_token(name)),
                candidate,
            ));
        }
    }

    // 3. Rewrite the references (the longest matching old pointer wins, for nested $defs).
    let mut error = None;
    let lookup = |reference: &str, at: &str| -> Option<String> {
        let target = reference.strip_prefix('#')?;
        let mut best: Option<(&str, &str)> = None;
        for (old, new) in &moves {
            let matches = target == old
                || (target.starts_with(old.as_str()) && target[old.len()..].starts_with('/'));
            if matches && best.is_none_or(|(b, _)| old.len() > b.len()) {
                best = Some((old, new));
            }
        }
        if let Some((old, new)) = best {
            return Some(format!(
                "#/components/schemas/{}{}",
                escape_pointer_token(new),
                &target[old.len()..]
            ));
        }
        // `#/$defs/X` written as if the enclosing schema were the root.
        let rest = target
            .strip_prefix("/$defs/")
            .or_else(|| target.strip_prefix("/definitions/"))?;
        let (name, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let mut nearest: Option<(&str, &str)> = None;
        for (old, new) in &moves {
            let Some((container, def)) = old.rsplit_once('/') else {
                continue;
            };
            let Some(container) = container
                .strip_suffix("/$defs")
                .or_else(|| container.strip_suffix("/definitions"))
            else {
                continue;
            };
            let encloses = at == container || at.starts_with(&format!("{container}/"));
            if def == name && encloses && nearest.is_none_or(|(c, _)| container.len() > c.len()) {
                nearest = Some((container, new));
            }
        }
        nearest.map(|(_, new)| format!("#/components/schemas/{}{tail}", escape_pointer_token(new)))
    };
    walk_document_schemas(doc, &mut |schema, pointer| {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return Ok(());
        };
        let defs_like = reference.contains("/$defs/") || reference.contains("/definitions/");
        match lookup(reference, pointer) {
            Some(new) => {
                schema["$ref"] = Value::String(new);
            }
            None if defs_like && reference.starts_with('#') && error.is_none() => {
                error = Some(format!(
                    "$ref `{reference}` at JSON pointer {pointer} points to no $defs entry"
                ));
            }
            None => {}
        }
        Ok(())
    })?;
    if let Some(error) = error {
        bail!(error);
    }

    // 4. Move the definitions, innermost first, so an outer move carries no stale `$defs`.
    let mut order: Vec<usize> = (0..containers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(containers[i].0.len()));
    let mut moved: BTreeMap<String, Value> = BTreeMap::new();
    for i in order {
        let (container, key, _) = &containers[i];
        let Some(node) = (if container.is_empty() {
            Some(&mut *doc)
        } else {
            doc.pointer_mut(container)
        }) else {
            continue;
        };
        let Some(defs) = node.as_object_mut().and_then(|o| o.shift_remove(*key)) else {
            continue;
        };
        let Value::Object(defs) = defs else { continue };
        for (name, schema) in defs {
            let old = format!("{container}/{key}/{}", escape_pointer_token(&name));
            if let Some((_, new)) = moves.iter().find(|(o, _)| *o == old) {
                moved.insert(new.clone(), schema);
            }
        }
    }
    let components = doc
        .as_object_mut()
        .context("the document root is not an object")?
        .entry("components")
        .or_insert_with(|| json!({}));
    let Some(components) = components.as_object_mut() else {
        bail!("`components` (JSON pointer /components) is not an object");
    };
    let schemas = components.entry("schemas").or_insert_with(|| json!({}));
    let Some(schemas) = schemas.as_object_mut() else {
        bail!("`components.schemas` (JSON pointer /components/schemas) is not an object");
    };
    // Insert in the order the definitions were found, not in BTreeMap order of new names.
    for (_, new) in &moves {
        if let Some(schema) = moved.remove(new) {
            schemas.insert(new.clone(), schema);
        }
    }
    notes.add("`$defs` moved into `components.schemas` and their `$ref`s rewritten");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Schema-level rewrites
// ---------------------------------------------------------------------------------------------

/// Keywords that only describe; they may sit beside a `$ref` or a null member without meaning.
const ANNOTATIONS: [&str; 5] = ["description", "title", "example", "deprecated", "$comment"];

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

fn rewrite_schema(node: &mut Value, _pointer: &str, notes: &mut Notes) {
    if let Value::Bool(b) = node {
        *node = if *b { json!({}) } else { json!({ "not": {} }) };
        notes.add("boolean schema replaced by an object schema");
        return;
    }
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    collapse_null_members(obj, notes);
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
    for (wrong, right) in [("write_only", "writeOnly"), ("read_only", "readOnly")] {
        if obj.get(wrong).is_some_and(Value::is_boolean) {
            let value = obj.shift_remove(wrong).unwrap_or(Value::Bool(false));
            obj.entry(right).or_insert(value);
            notes.add(format!("misspelt `{wrong}` renamed `{right}`"));
        }
    }
    rewrite_type(obj, notes);
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
    if let Some(examples) = obj.shift_remove("examples") {
        if !obj.contains_key("example")
            && let Some(first) = examples.as_array().and_then(|a| a.first())
        {
            obj.insert("example".into(), first.clone());
        }
        notes.add("schema `examples` replaced by `example` (the first)");
    }
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
    rewrite_content_keywords(obj, notes);
    rewrite_tuples(obj, notes);
    if let Some(Value::Object(properties)) = obj.get_mut("properties") {
        let before = properties.len();
        properties.retain(|_, v| v != &Value::Bool(false));
        if properties.len() != before {
            notes.add("property with schema `false` removed");
        }
    }
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
    if let Some(unevaluated) = obj.shift_remove("unevaluatedProperties") {
        if !obj.contains_key("additionalProperties") && unevaluated.is_object() {
            obj.insert("additionalProperties".into(), unevaluated);
        }
        notes.add("`unevaluatedProperties` removed");
    }
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
    wrap_ref_with_siblings(obj, notes);
}

/// `{$ref, ...siblings}` -> `{allOf: [{$ref}], ...siblings}`: 3.0 ignores siblings of `$ref`,
/// and progenitor drops them (a nullable `$ref` would silently become non-nullable).
pub(crate) fn wrap_ref_with_siblings(obj: &mut Map<String, Value>, notes: &mut Notes) {
    if !obj.contains_key("$ref") || obj.len() == 1 {
        return;
    }
    let Some(reference) = obj.shift_remove("$ref") else {
        return;
    };
    let wrapped = json!({ "$ref": reference });
    match obj.get_mut("allOf") {
        Some(Value::Array(all_of)) => all_of.insert(0, wrapped),
        _ => {
            obj.insert("allOf".into(), Value::Array(vec![wrapped]));
        }
    }
    notes.add("schema `$ref` with siblings wrapped in `allOf`");
}

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
fn collapse_null_members(obj: &mut Map<String, Value>, notes: &mut Notes) {
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

fn rewrite_type(obj: &mut Map<String, Value>, notes: &mut Notes) {
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

fn rewrite_content_keywords(obj: &mut Map<String, Value>, notes: &mut Notes) {
    let encoding = obj.shift_remove("contentEncoding");
    let media = obj.shift_remove("contentMediaType");
    if encoding.is_none() && media.is_none() {
        return;
    }
    let is_string = matches!(
        obj.get("type").and_then(Value::as_str),
        Some("string") | None
    );
    if is_string && !obj.contains_key("format") {
        let base64 = matches!(
            encoding.as_ref().and_then(Value::as_str),
            Some("base64" | "base64url")
        );
        let textual = media
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|m| m.starts_with("text/") || m.contains("json") || m.contains("xml"));
        let format = if base64 {
            Some("byte")
        } else if media.is_some() && encoding.is_none() && !textual {
            Some("binary")
        } else {
            None
        };
        if let Some(format) = format {
            obj.insert("type".into(), Value::String("string".into()));
            obj.insert("format".into(), Value::String(format.into()));
        }
    }
    notes.add("`contentEncoding`/`contentMediaType` replaced by `format` byte/binary");
}

/// `prefixItems` (and draft-4 tuple `items`) -> one `items` schema.
fn rewrite_tuples(obj: &mut Map<String, Value>, notes: &mut Notes) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut doc =
            json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}});
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
        let (s, _) = convert_schema(
            json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}),
        );
        assert_eq!(
            s,
            json!({"type": "integer", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 10})
        );
        // A stricter inclusive bound wins and the exclusive one goes.
        let (s, _) =
            convert_schema(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": 0}));
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
        let (s, _) = convert_schema(
            json!({"oneOf": [{"type": "string", "format": "uuid"}, {"const": null}]}),
        );
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
        let op_ref =
            doc.pointer("/paths/~1a/get/responses/200/content/application~1json/schema/$ref");
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
        let (s, _) =
            convert_schema(json!({"type": "string", "contentMediaType": "application/json"}));
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
}
