//! Request bodies and responses, reduced to what progenitor 0.15.1 can generate:
//! one request media type it supports (it panics on several; dbt offers JSON, form and
//! multipart), a schema on every JSON body, no `encoding` (it panics on one), one 2xx
//! response, one error type (it panics on two), and no `default` beside explicit codes (an
//! unreachable match arm).

use anyhow::bail;
use serde_json::{Map, Value, json};

use crate::document::{escape_pointer_token, unescape_pointer_token};
use crate::downconvert::Notes;
use crate::openapi::{METHODS, media_type_essence};

/// Request media types progenitor can send, best first.
const REQUEST_TYPES: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

pub fn bodies_and_responses(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    let Some(root) = doc.as_object_mut() else {
        return Ok(());
    };
    // Shared request bodies are normalized where they are defined (the rules are per body).
    if let Some(bodies) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("requestBodies"))
        .and_then(Value::as_object_mut)
    {
        for body in bodies.values_mut() {
            if let Some(body) = body.as_object_mut() {
                request_body(body, notes);
            }
        }
    }
    let shared_responses: Map<String, Value> = root
        .get("components")
        .and_then(|c| c.get("responses"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut schemas: Map<String, Value> = root
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let schemas_before = schemas.len();
    let mut inlined_any = false;
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for method in METHODS {
                let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let pointer = format!("/paths/{}/{method}", escape_pointer_token(path));
                if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut)
                    && !body.contains_key("$ref")
                {
                    request_body(body, notes);
                    if body
                        .get("content")
                        .and_then(Value::as_object)
                        .is_some_and(Map::is_empty)
                    {
                        op.shift_remove("requestBody");
                    }
                }
                let op_id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or(method)
                    .to_string();
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    inlined_any |= inline_responses(responses, &shared_responses, &pointer)?;
                    operation_responses(responses, &op_id, &mut schemas, notes);
                }
            }
        }
    }
    if schemas.len() != schemas_before
        && let Some(components) = root.get_mut("components").and_then(Value::as_object_mut)
    {
        components.insert("schemas".into(), Value::Object(schemas));
    }
    if inlined_any {
        notes.add("shared responses inlined into their operations");
        remove_unreferenced_responses(root);
    }
    Ok(())
}

/// Keeps the one media type progenitor should send; JSON-like types (`application/scim+json`)
/// count as JSON.
fn request_body(body: &mut Map<String, Value>, notes: &mut Notes) {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.is_empty() {
        return;
    }
    let keys: Vec<String> = content.keys().cloned().collect();
    let base = media_type_essence;
    let chosen = REQUEST_TYPES
        .iter()
        .find_map(|t| keys.iter().find(|k| base(k) == *t))
        .or_else(|| keys.iter().find(|k| base(k).ends_with("+json")))
        .or_else(|| {
            keys.iter()
                .find(|k| matches!(base(k).as_str(), "*/*" | "application/*"))
        })
        .cloned();
    let Some(chosen) = chosen else {
        // Nothing progenitor can send (multipart only): the operation is generated without a
        // body rather than not at all.
        content.clear();
        notes.add("request body with no media type progenitor can send removed");
        return;
    };
    let mut media = content.get(&chosen).cloned().unwrap_or(json!({}));
    if keys.len() > 1 {
        notes.add("request media types reduced to one (JSON when offered)");
    }
    let kind = base(&chosen);
    let key = match kind.as_str() {
        "application/x-www-form-urlencoded" | "application/octet-stream" | "text/plain" => {
            kind.clone()
        }
        "*/*" | "application/*" => "application/octet-stream".to_string(),
        _ => "application/json".to_string(),
    };
    if let Some(media) = media.as_object_mut() {
        if media.shift_remove("encoding").is_some() {
            notes.add("media type `encoding` removed");
        }
        // progenitor accepts only these exact schemas for raw bodies.
        match key.as_str() {
            "application/octet-stream" => {
                media.insert(
                    "schema".into(),
                    json!({"type": "string", "format": "binary"}),
                );
            }
            "text/plain" => {
                media.insert("schema".into(), json!({"type": "string"}));
            }
            _ => {
                if !media.contains_key("schema") {
                    media.insert("schema".into(), json!({}));
                    notes.add("JSON media type without a schema given `{}`");
                }
            }
        }
    } else {
        media = json!({"schema": {}});
    }
    content.clear();
    content.insert(key, media);
}

/// Replaces `$ref`s to `components.responses` by copies, so each operation's responses can be
/// reduced independently. Returns whether anything was inlined.
fn inline_responses(
    responses: &mut Map<String, Value>,
    shared: &Map<String, Value>,
    pointer: &str,
) -> anyhow::Result<bool> {
    let mut inlined = false;
    for (code, response) in responses.iter_mut() {
        for _ in 0..16 {
            let Some(reference) = response.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(name) = reference.strip_prefix("#/components/responses/") else {
                break;
            };
            let Some(target) = shared.get(&unescape_pointer_token(name)) else {
                bail!(
                    "$ref `{reference}` at JSON pointer {pointer}/responses/{} points to no response",
                    escape_pointer_token(code)
                );
            };
            *response = target.clone();
            inlined = true;
        }
    }
    Ok(inlined)
}

fn remove_unreferenced_responses(root: &mut Map<String, Value>) {
    let text = serde_json::to_string(root.get("paths").unwrap_or(&Value::Null)).unwrap_or_default();
    let others = serde_json::to_string(&root.get("components").map(|c| {
        let mut c = c.clone();
        if let Some(c) = c.as_object_mut() {
            c.shift_remove("responses");
        }
        c
    }))
    .unwrap_or_default();
    if let Some(shared) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("responses"))
        .and_then(Value::as_object_mut)
    {
        shared.retain(|name, _| {
            let reference = format!("\"#/components/responses/{}\"", escape_pointer_token(name));
            text.contains(&reference) || others.contains(&reference)
        });
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut)
        && components
            .get("responses")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        components.shift_remove("responses");
    }
}

#[derive(PartialEq)]
enum Class {
    Success,
    Error,
    Default,
}

fn classify(code: &str) -> Class {
    let code = code.to_ascii_uppercase();
    if code == "DEFAULT" {
        Class::Default
    } else if code.starts_with('2') {
        Class::Success
    } else {
        Class::Error
    }
}

/// Numeric order of status codes; ranges (`4XX`) sort after their explicit codes.
fn code_order(code: &str) -> (u32, String) {
    let numeric = code.parse::<u32>().ok();
    let range = code
        .chars()
        .next()
        .and_then(|c| c.to_digit(10))
        .map(|d| d * 100 + 99);
    (numeric.or(range).unwrap_or(u32::MAX), code.to_string())
}

/// Keeps one JSON media type (or the first other one) and a schema on it.
fn response_content(response: &mut Value, notes: &mut Notes) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.is_empty() {
        return;
    }
    let keys: Vec<String> = content.keys().cloned().collect();
    let base = media_type_essence;
    let json_key = keys
        .iter()
        .find(|k| base(k) == "application/json")
        .or_else(|| keys.iter().find(|k| base(k).ends_with("+json")));
    let (chosen, key) = match json_key {
        Some(k) => (k.clone(), "application/json".to_string()),
        None => (keys[0].clone(), keys[0].clone()),
    };
    let mut media = content.get(&chosen).cloned().unwrap_or(json!({}));
    if !media.is_object() {
        media = json!({});
    }
    if let Some(m) = media.as_object_mut() {
        if m.shift_remove("encoding").is_some() {
            notes.add("media type `encoding` removed");
        }
        if key == "application/json" && !m.contains_key("schema") {
            m.insert("schema".into(), json!({}));
            notes.add("JSON media type without a schema given `{}`");
        }
    }
    if keys.len() > 1 || chosen != key {
        notes.add("response media types reduced to one (JSON when offered)");
    }
    content.clear();
    content.insert(key, media);
}

/// What progenitor makes of a response body: a JSON schema, raw bytes, or nothing.
fn body_kind(response: &Value) -> Value {
    match response.get("content").and_then(Value::as_object) {
        Some(content) if !content.is_empty() => match content.get("application/json") {
            Some(media) => media.get("schema").cloned().unwrap_or(json!({})),
            None => json!("raw"),
        },
        _ => Value::Null,
    }
}

fn operation_responses(
    responses: &mut Map<String, Value>,
    op_id: &str,
    schemas: &mut Map<String, Value>,
    notes: &mut Notes,
) {
    for response in responses.values_mut() {
        response_content(response, notes);
    }
    let mut codes: Vec<String> = responses.keys().cloned().collect();
    codes.sort_by_key(|c| code_order(c));

    let success: Vec<&String> = codes
        .iter()
        .filter(|c| classify(c) == Class::Success)
        .collect();
    // progenitor takes several 2xx codes as long as they share one body type (createJob's 200
    // and 201, deleteJob's 200 and 204); only a 2xx with another body must go, or it panics.
    let first_kind = success
        .first()
        .and_then(|c| responses.get(c.as_str()))
        .map(body_kind);
    for extra in success.iter().skip(1) {
        let kind = responses.get(extra.as_str()).map(body_kind);
        if kind != first_kind {
            responses.shift_remove(extra.as_str());
            notes.add("2xx responses with another body than the lowest code's removed");
        }
    }
    let explicit = codes.iter().any(|c| classify(c) != Class::Default);
    if explicit {
        for code in codes.iter().filter(|c| classify(c) == Class::Default) {
            responses.shift_remove(code.as_str());
            notes.add("`default` response beside explicit codes removed");
        }
    }

    // One error type: the 400 (or 4XX, or the lowest code's) body; error responses with
    // another body go, and fall to progenitor's "unexpected response" arm.
    let errors: Vec<String> = codes
        .iter()
        .filter(|c| classify(c) == Class::Error)
        .cloned()
        .collect();
    if errors.is_empty() {
        return;
    }
    let kinds: Vec<Value> = errors
        .iter()
        .map(|c| responses.get(c).map(body_kind).unwrap_or(Value::Null))
        .collect();
    let typed = |k: &Value| k.is_object();
    let preferred = ["400", "4XX", "4xx"]
        .iter()
        .find_map(|p| {
            errors
                .iter()
                .position(|c| c == p)
                .filter(|&i| typed(&kinds[i]))
        })
        .or_else(|| kinds.iter().position(typed))
        .unwrap_or(0);
    let chosen = kinds[preferred].clone();
    let mut dropped = false;
    for (code, kind) in errors.iter().zip(&kinds) {
        if *kind != chosen {
            responses.shift_remove(code.as_str());
            dropped = true;
        }
    }
    if dropped {
        notes.add("error responses with a second error type removed");
    }
    // Two inline copies of one schema would still be two types: share one component.
    let kept = errors
        .iter()
        .filter(|c| responses.contains_key(c.as_str()))
        .count();
    if kept > 1 && chosen.is_object() && !chosen.get("$ref").is_some_and(Value::is_string) {
        let base = format!("{}Error", pascal(op_id));
        let mut name = base.clone();
        let mut n = 2;
        while schemas.get(&name).is_some_and(|s| *s != chosen) {
            name = format!("{base}{n}");
            n += 1;
        }
        schemas.insert(name.clone(), chosen.clone());
        let reference =
            json!({"$ref": format!("#/components/schemas/{}", escape_pointer_token(&name))});
        for code in &errors {
            if let Some(media) = responses
                .get_mut(code.as_str())
                .and_then(|r| r.get_mut("content"))
                .and_then(|c| c.get_mut("application/json"))
                .and_then(Value::as_object_mut)
            {
                media.insert("schema".into(), reference.clone());
            }
        }
        notes.add("inline error schema shared by several codes moved to components.schemas");
    }
}

fn pascal(id: &str) -> String {
    let mut out = String::new();
    for word in super::words(id) {
        let mut chars = word.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: Value) -> Value {
        let mut doc = json!({"paths": {"/a": {"post": op}}, "components": {"schemas": {}}});
        bodies_and_responses(&mut doc, &mut Notes::default()).unwrap();
        doc
    }

    #[test]
    fn request_keeps_json_of_three_and_drops_encoding() {
        let doc = run(json!({"operationId": "x", "requestBody": {"content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/B"}},
            "multipart/form-data": {"schema": {"type": "object"}, "encoding": {"f": {}}}
        }}, "responses": {"204": {"description": "ok"}}}));
        assert_eq!(
            doc["paths"]["/a"]["post"]["requestBody"]["content"],
            json!({"application/json": {"schema": {"$ref": "#/components/schemas/B"}}})
        );
    }

    #[test]
    fn request_json_like_and_schemaless_json() {
        let doc = run(
            json!({"requestBody": {"content": {"application/scim+json": {}}}, "responses": {}}),
        );
        assert_eq!(
            doc["paths"]["/a"]["post"]["requestBody"]["content"],
            json!({"application/json": {"schema": {}}})
        );
        let doc = run(
            json!({"requestBody": {"content": {"multipart/form-data": {"schema": {}}}}, "responses": {}}),
        );
        assert!(doc["paths"]["/a"]["post"].get("requestBody").is_none());
        let doc = run(
            json!({"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}, "responses": {}}),
        );
        assert_eq!(
            doc["paths"]["/a"]["post"]["requestBody"]["content"]["application/octet-stream"]["schema"],
            json!({"type": "string", "format": "binary"})
        );
    }

    #[test]
    fn one_success_no_default_one_error_type() {
        let envelope = json!({"$ref": "#/components/schemas/Error"});
        let doc = run(json!({"operationId": "getThing", "responses": {
            "default": {"description": "d", "content": {"application/json": {"schema": envelope}}},
            "201": {"description": "created", "content": {"application/json": {"schema": {"type": "object"}}}},
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}, "text/html": {}}},
            "404": {"description": "nf", "content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}}},
            "400": {"description": "bad", "content": {"application/json": {"schema": envelope}}},
            "401": {"description": "auth", "content": {"application/json": {"schema": envelope}}},
            "500": {"description": "no body"}
        }}));
        let responses = &doc["paths"]["/a"]["post"]["responses"];
        let codes: Vec<&String> = responses.as_object().unwrap().keys().collect();
        assert_eq!(codes, ["200", "400", "401"]);
        assert_eq!(
            responses["200"]["content"],
            json!({"application/json": {"schema": {"type": "string"}}})
        );
    }

    #[test]
    fn shared_inline_error_schema_becomes_a_component() {
        let error = json!({"type": "object", "properties": {"m": {"type": "string"}}});
        let doc = run(json!({"operationId": "getThing", "responses": {
            "200": {"description": "ok"},
            "400": {"description": "a", "content": {"application/json": {"schema": error}}},
            "404": {"description": "b", "content": {"application/json": {"schema": error}}}
        }}));
        assert_eq!(doc["components"]["schemas"]["GetThingError"], error);
        let r = &doc["paths"]["/a"]["post"]["responses"];
        assert_eq!(
            r["404"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/GetThingError"
        );
        assert_eq!(
            r["400"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/GetThingError"
        );
    }

    #[test]
    fn shared_responses_are_inlined_and_missing_ones_reported() {
        let mut doc = json!({
            "paths": {"/a": {"get": {"responses": {"404": {"$ref": "#/components/responses/NotFound"}, "200": {"description": "ok"}}}}},
            "components": {"responses": {"NotFound": {"description": "nf", "content": {"application/json": {}}}}}
        });
        bodies_and_responses(&mut doc, &mut Notes::default()).unwrap();
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["404"]["content"]["application/json"]["schema"],
            json!({})
        );
        assert!(doc["components"].get("responses").is_none());
        let mut doc = json!({"paths": {"/a": {"get": {"responses": {"404": {"$ref": "#/components/responses/Nope"}}}}}});
        let e = bodies_and_responses(&mut doc, &mut Notes::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("/paths/~1a/get/responses/404"), "{e}");
    }

    #[test]
    fn default_alone_is_kept() {
        let doc = run(json!({"responses": {"default": {"description": "d"}}}));
        assert!(
            doc["paths"]["/a"]["post"]["responses"]
                .get("default")
                .is_some()
        );
    }
}
