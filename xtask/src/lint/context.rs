//! What every rule family shares: the document with its operations, and where findings go.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::document::escape_pointer_token;
use crate::openapi;

pub struct Out<'a> {
    pub raw: &'a mut Vec<(&'static str, String, String)>,
}

impl Out<'_> {
    pub fn add(
        &mut self,
        rule: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.raw.push((rule, pointer.into(), message.into()));
    }
}

pub fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape_pointer_token(token))
}

pub struct Operation<'a> {
    pub path: &'a str,
    pub method: &'a str,
    pub op: &'a Map<String, Value>,
    pub pointer: String,
    pub path_item: &'a Map<String, Value>,
}

impl Operation<'_> {
    pub fn label(&self) -> String {
        let id = self.op.get("operationId").and_then(Value::as_str);
        let route = format!("{} {}", self.method.to_uppercase(), self.path);
        match id {
            Some(id) => format!("{id} ({route})"),
            None => route,
        }
    }
}

pub struct Ctx<'a> {
    pub doc: &'a Value,
    pub ops: Vec<Operation<'a>>,
    /// `openapi: 3.1.x`: linted by 3.1's rules (JSON Schema 2020-12 schemas, `webhooks`...).
    pub oas31: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Value) -> Self {
        let ops = openapi::operations(doc)
            .into_iter()
            .map(|o| Operation {
                path: o.path,
                method: o.method,
                op: o.op,
                pointer: join(&join("/paths", o.path), o.method),
                path_item: o.item,
            })
            .collect();
        let oas31 = doc
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("3.1"));
        Self { doc, ops, oas31 }
    }

    /// Follows local `$ref`s (bounded, so a reference cycle ends).
    pub fn resolve(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    /// An operation's parameters with the path item's, resolved, keyed by (name, in); the
    /// operation's win, as OpenAPI specifies.
    pub fn parameters(&self, op: &Operation<'a>) -> Vec<(String, &'a Map<String, Value>)> {
        let mut out: Vec<(String, &'a Map<String, Value>)> = Vec::new();
        let sources = [
            (
                op.path_item.get("parameters"),
                join(&join("/paths", op.path), "parameters"),
            ),
            (
                op.op.get("parameters"),
                format!("{}/parameters", op.pointer),
            ),
        ];
        for (list, base) in sources {
            let Some(list) = list.and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let Some(p) = self.resolve(p).as_object() else {
                    continue;
                };
                let key = |p: &Map<String, Value>| {
                    (
                        p.get("name").and_then(Value::as_str).map(str::to_string),
                        p.get("in").and_then(Value::as_str).map(str::to_string),
                    )
                };
                out.retain(|(_, q)| key(q) != key(p));
                out.push((format!("{base}/{i}"), p));
            }
        }
        out
    }
}

pub fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

/// The `{name}` placeholders of a path or URL template, in order.
pub fn template_names(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].to_string());
        rest = &after[close + 1..];
    }
    names
}

/// Visits every Schema Object reachable through the document's structure, with its pointer.
pub fn for_each_schema<'a>(doc: &'a Value, f: &mut dyn FnMut(&str, &'a Map<String, Value>)) {
    fn schema<'a>(v: &'a Value, at: &str, f: &mut dyn FnMut(&str, &'a Map<String, Value>)) {
        let Some(map) = v.as_object() else { return };
        f(at, map);
        for (key, value) in map {
            let here = join(at, key);
            match key.as_str() {
                "properties" => {
                    for (name, sub) in value.as_object().into_iter().flatten() {
                        schema(sub, &join(&here, name), f);
                    }
                }
                "items" | "additionalProperties" | "not" => match value {
                    Value::Array(list) => list
                        .iter()
                        .enumerate()
                        .for_each(|(i, s)| schema(s, &format!("{here}/{i}"), f)),
                    other => schema(other, &here, f),
                },
                "allOf" | "anyOf" | "oneOf" => {
                    for (i, s) in value.as_array().into_iter().flatten().enumerate() {
                        schema(s, &format!("{here}/{i}"), f);
                    }
                }
                _ => {}
            }
        }
    }
    fn document<'a>(v: &'a Value, at: &str, f: &mut dyn FnMut(&str, &'a Map<String, Value>)) {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    let here = join(at, key);
                    match key.as_str() {
                        "example" | "examples" | "default" | "enum" => {}
                        _ if key.starts_with("x-") => {}
                        "schema" => schema(value, &here, f),
                        "schemas" if at == "/components" => {
                            for (name, sub) in value.as_object().into_iter().flatten() {
                                schema(sub, &join(&here, name), f);
                            }
                        }
                        _ => document(value, &here, f),
                    }
                }
            }
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    document(item, &format!("{at}/{i}"), f);
                }
            }
            _ => {}
        }
    }
    document(doc, "", f);
}

pub fn collect_refs(v: &Value, refs: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => {
                        refs.insert(r.clone());
                    }
                    _ => collect_refs(value, refs),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|x| collect_refs(x, refs)),
        _ => {}
    }
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
