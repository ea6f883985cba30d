//! What changed between two derived documents, for users of the generated client.
//!
//! [`diff`]`(old, new)` lists every change in the categories below, each marked breaking or
//! not (oasdiff's rules are the model). Never fails or panics, whatever the documents.
//!
//! "Breaking" means: code written against the client generated from `old` stops compiling or
//! stops working against the client generated from `new`.
//!
//! | kind                                | breaking                                   |
//! |-------------------------------------|--------------------------------------------|
//! | operation-added / -removed          | removed                                    |
//! | parameter-added                     | when required (callers must now pass it)   |
//! | parameter-removed                   | yes                                        |
//! | parameter-made-required / -optional | made required                              |
//! | parameter-retyped                   | yes                                        |
//! | request-body-added / -removed       | added when required; removed               |
//! | request-property-added              | when required                              |
//! | request-property-removed / -retyped | yes                                        |
//! | request-property-made-required      | yes                                        |
//! | request-property-made-nullable      | no (callers may still send a value)        |
//! | response-property-added             | no                                         |
//! | response-property-removed / -retyped| yes                                        |
//! | response-property-made-nullable     | yes (`T` becomes `Option<T>`)              |
//! | response-property-made-optional     | yes (`T` becomes `Option<T>`)              |
//! | enum-value-added                    | no (the client keeps unknown values)       |
//! | enum-value-removed                  | in a request or parameter; not in a response |
//!
//! Enum values are read from `x-known-values` (where normalization moves them) and `enum`.
//! Bodies are compared through `$ref` and `allOf` into components, recursively, with a guard
//! against reference cycles; properties are named by path (`data.run_steps[].status`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::openapi::{self, METHODS};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Stable identifier of the category, e.g. `operation-removed`.
    pub kind: String,
    pub breaking: bool,
    /// Where, e.g. `getRun (GET /api/v2/accounts/{account_id}/runs/{run_id}/)` and a property path.
    pub location: String,
    pub message: String,
}

/// Bounds the flattening of a body: deep enough for any real envelope, small enough that a
/// pathological document cannot make the changelog explode.
const MAX_DEPTH: usize = 24;
const MAX_ENTRIES: usize = 20_000;

/// Every change from `old` to `new`, ordered by path, method, then category and property path.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let mut changes = Vec::new();
    let keys: BTreeSet<&(String, usize)> = old_ops.keys().chain(new_ops.keys()).collect();
    for key in keys {
        match (old_ops.get(key), new_ops.get(key)) {
            (Some(o), None) => changes.push(Change {
                kind: "operation-removed".into(),
                breaking: true,
                location: o.label(),
                message: "operation removed".into(),
            }),
            (None, Some(n)) => changes.push(Change {
                kind: "operation-added".into(),
                breaking: false,
                location: n.label(),
                message: "operation added".into(),
            }),
            (Some(o), Some(n)) => {
                let location = n.label_with(o);
                let mut cx = OpDiff {
                    old,
                    new,
                    location: &location,
                    out: &mut changes,
                };
                cx.parameters(o, n);
                cx.request(o, n);
                cx.response(o, n);
            }
            (None, None) => {}
        }
    }
    changes
}

/// One line per change, breaking ones flagged `BREAKING`, and a summary line.
pub fn render_text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No API changes.\n".into();
    }
    let mut text = String::new();
    for c in changes {
        let flag = if c.breaking { "BREAKING" } else { "        " };
        text.push_str(&format!(
            "{flag} {}: {} — {}\n",
            c.kind, c.location, c.message
        ));
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    text.push_str(&format!(
        "{} change(s), {breaking} breaking\n",
        changes.len()
    ));
    text
}

struct Op<'a> {
    path: String,
    method: &'static str,
    op: &'a Map<String, Value>,
    path_item: &'a Map<String, Value>,
}

impl Op<'_> {
    fn route(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
    fn id(&self) -> Option<&str> {
        self.op.get("operationId").and_then(Value::as_str)
    }
    fn label(&self) -> String {
        match self.id() {
            Some(id) => format!("{id} ({})", self.route()),
            None => self.route(),
        }
    }
    /// The new operationId, and the old one too when it was renamed.
    fn label_with(&self, old: &Op) -> String {
        match (old.id(), self.id()) {
            (Some(o), Some(n)) if o != n => format!("{n} (was {o}) ({})", self.route()),
            _ => self.label(),
        }
    }
}

/// Keyed by path, then method in [`METHODS`] order, so that changes print in a stable order.
fn operations(doc: &Value) -> BTreeMap<(String, usize), Op<'_>> {
    openapi::operations(doc)
        .into_iter()
        .map(|o| {
            let rank = METHODS.iter().position(|m| *m == o.method).unwrap_or(0);
            let op = Op {
                path: o.path.to_string(),
                method: o.method,
                op: o.op,
                path_item: o.item,
            };
            ((o.path.to_string(), rank), op)
        })
        .collect()
}

/// Follows local `$ref`s; `names` receives the component names passed through.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value, names: &mut Vec<String>) -> &'a Value {
    for _ in 0..32 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            return v;
        };
        names.push(r.to_string());
        v = target;
    }
    v
}

/// What one property (or the body itself) looks like, flattened.
#[derive(Debug, Default, Clone)]
struct Prop {
    /// `integer`, `string(date-time)`, `array`, ... (empty when untyped).
    ty: String,
    nullable: bool,
    /// Listed in its parent's `required`.
    required: bool,
    values: Vec<Value>,
}

fn flatten(doc: &Value, schema: &Value) -> BTreeMap<String, Prop> {
    let mut out = BTreeMap::new();
    let mut stack = Vec::new();
    walk(doc, schema, "", true, &mut stack, &mut out, 0);
    out
}

fn walk(
    doc: &Value,
    schema: &Value,
    path: &str,
    required: bool,
    stack: &mut Vec<String>,
    out: &mut BTreeMap<String, Prop>,
    depth: usize,
) {
    if depth > MAX_DEPTH || out.len() >= MAX_ENTRIES {
        return;
    }
    let mut names = Vec::new();
    let resolved = resolve(doc, schema, &mut names);
    // The cycle guard: a component already being flattened above us is described at this
    // path but not entered again.
    let cycle = names.iter().any(|n| stack.contains(n));
    let pushed = names.len();
    stack.extend(names);
    let entry = out.entry(path.to_string()).or_default();
    entry.required |= required;
    if schema.get("nullable") == Some(&Value::Bool(true))
        || resolved.get("nullable") == Some(&Value::Bool(true))
    {
        entry.nullable = true;
    }
    if entry.ty.is_empty()
        && let Some(t) = resolved.get("type").and_then(Value::as_str)
    {
        entry.ty = match resolved.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t}({f})"),
            None => t.to_string(),
        };
    }
    for key in ["x-known-values", "enum"] {
        for v in resolved
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !entry.values.contains(v) {
                entry.values.push(v.clone());
            }
        }
    }
    if cycle {
        stack.truncate(stack.len() - pushed);
        return;
    }
    let required_names: Vec<&str> = resolved
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(props) = resolved.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let p = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            walk(
                doc,
                sub,
                &p,
                required_names.contains(&name.as_str()),
                stack,
                out,
                depth + 1,
            );
        }
    }
    if let Some(items) = resolved.get("items") {
        walk(
            doc,
            items,
            &format!("{path}[]"),
            true,
            stack,
            out,
            depth + 1,
        );
    }
    // Composition: the members describe the same value, so their properties land on this path.
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in resolved
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(doc, sub, path, required, stack, out, depth + 1);
        }
    }
    stack.truncate(stack.len() - pushed);
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "(body)" } else { path }
}

fn json_body<'a>(doc: &'a Value, holder: &'a Value) -> Option<&'a Value> {
    let holder = resolve(doc, holder, &mut Vec::new());
    let content = holder.get("content")?.as_object()?;
    let media = content
        .iter()
        .find(|(m, _)| {
            let m = m.to_ascii_lowercase();
            m.starts_with("application/json") || m.contains("+json")
        })
        .or_else(|| content.iter().next())?;
    media.1.get("schema")
}

fn success_body<'a>(doc: &'a Value, op: &'a Map<String, Value>) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    codes
        .into_iter()
        .find_map(|c| json_body(doc, &responses[c.as_str()]))
}

struct OpDiff<'a, 'o> {
    old: &'a Value,
    new: &'a Value,
    location: &'a str,
    out: &'o mut Vec<Change>,
}

impl OpDiff<'_, '_> {
    fn push(&mut self, kind: &str, breaking: bool, detail: &str, message: String) {
        self.out.push(Change {
            kind: kind.into(),
            breaking,
            location: format!("{} {detail}", self.location),
            message,
        });
    }

    fn params<'d>(doc: &'d Value, op: &Op<'d>) -> BTreeMap<(String, String), &'d Value> {
        let mut out = BTreeMap::new();
        for list in [op.path_item.get("parameters"), op.op.get("parameters")] {
            for p in list.and_then(Value::as_array).into_iter().flatten() {
                let p = resolve(doc, p, &mut Vec::new());
                let (Some(name), Some(location)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                out.insert((location.to_string(), name.to_string()), p);
            }
        }
        out
    }

    fn parameters(&mut self, o: &Op, n: &Op) {
        let old = Self::params(self.old, o);
        let new = Self::params(self.new, n);
        let keys: BTreeSet<&(String, String)> = old.keys().chain(new.keys()).collect();
        for key in keys {
            let (location, name) = key;
            let detail = format!("{location} parameter {name}");
            let is_required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
            match (old.get(key), new.get(key)) {
                (Some(_), None) => self.push(
                    "parameter-removed",
                    true,
                    &detail,
                    "parameter removed".into(),
                ),
                (None, Some(p)) => {
                    let required = is_required(p);
                    let message = if required {
                        "required parameter added"
                    } else {
                        "optional parameter added"
                    };
                    self.push("parameter-added", required, &detail, message.into());
                }
                (Some(op), Some(np)) => {
                    match (is_required(op), is_required(np)) {
                        (false, true) => self.push(
                            "parameter-made-required",
                            true,
                            &detail,
                            "parameter is now required".into(),
                        ),
                        (true, false) => self.push(
                            "parameter-made-optional",
                            false,
                            &detail,
                            "parameter is now optional".into(),
                        ),
                        _ => {}
                    }
                    let os = op
                        .get("schema")
                        .map(|s| flatten(self.old, s))
                        .unwrap_or_default();
                    let ns = np
                        .get("schema")
                        .map(|s| flatten(self.new, s))
                        .unwrap_or_default();
                    if let (Some(a), Some(b)) = (os.get(""), ns.get("")) {
                        if !a.ty.is_empty() && !b.ty.is_empty() && a.ty != b.ty {
                            self.push(
                                "parameter-retyped",
                                true,
                                &detail,
                                format!("type changed from {} to {}", a.ty, b.ty),
                            );
                        }
                        self.enum_values(a, b, &detail, true);
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn enum_values(&mut self, a: &Prop, b: &Prop, detail: &str, request: bool) {
        for v in &b.values {
            if !a.values.contains(v) {
                self.push(
                    "enum-value-added",
                    false,
                    detail,
                    format!("enum value {v} added"),
                );
            }
        }
        for v in &a.values {
            if !b.values.contains(v) {
                self.push(
                    "enum-value-removed",
                    request,
                    detail,
                    format!("enum value {v} removed"),
                );
            }
        }
    }

    fn request(&mut self, o: &Op, n: &Op) {
        let old_body = o.op.get("requestBody");
        let new_body = n.op.get("requestBody");
        match (old_body, new_body) {
            (Some(_), None) => {
                self.push(
                    "request-body-removed",
                    true,
                    "request body",
                    "request body removed".into(),
                );
                return;
            }
            (None, Some(b)) => {
                let required = resolve(self.new, b, &mut Vec::new()).get("required")
                    == Some(&Value::Bool(true));
                self.push(
                    "request-body-added",
                    required,
                    "request body",
                    if required {
                        "required request body added"
                    } else {
                        "optional request body added"
                    }
                    .into(),
                );
                return;
            }
            _ => {}
        }
        let (Some(ob), Some(nb)) = (old_body, new_body) else {
            return;
        };
        let old = json_body(self.old, ob)
            .map(|s| flatten(self.old, s))
            .unwrap_or_default();
        let new = json_body(self.new, nb)
            .map(|s| flatten(self.new, s))
            .unwrap_or_default();
        self.properties(&old, &new, true);
    }

    fn response(&mut self, o: &Op, n: &Op) {
        let old = success_body(self.old, o.op)
            .map(|s| flatten(self.old, s))
            .unwrap_or_default();
        let new = success_body(self.new, n.op)
            .map(|s| flatten(self.new, s))
            .unwrap_or_default();
        self.properties(&old, &new, false);
    }

    fn properties(
        &mut self,
        old: &BTreeMap<String, Prop>,
        new: &BTreeMap<String, Prop>,
        request: bool,
    ) {
        let side = if request { "request" } else { "response" };
        let kind = |what: &str| format!("{side}-property-{what}");
        let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for path in paths {
            let detail = format!("{side} {}", display_path(path));
            // Report a subtree once: below an added or removed property everything is too.
            let parent_reported = |map: &BTreeMap<String, Prop>, other: &BTreeMap<String, Prop>| {
                ancestors(path).any(|a| map.contains_key(a) && !other.contains_key(a))
            };
            match (old.get(path.as_str()), new.get(path.as_str())) {
                (Some(_), None) => {
                    if !parent_reported(old, new) {
                        self.push(&kind("removed"), true, &detail, "property removed".into());
                    }
                }
                (None, Some(p)) => {
                    if !parent_reported(new, old) {
                        let breaking = request && p.required;
                        let message = if request && p.required {
                            "required property added"
                        } else {
                            "property added"
                        };
                        self.push(&kind("added"), breaking, &detail, message.into());
                    }
                }
                (Some(a), Some(b)) => {
                    if !a.ty.is_empty() && !b.ty.is_empty() && a.ty != b.ty {
                        self.push(
                            &kind("retyped"),
                            true,
                            &detail,
                            format!("type changed from {} to {}", a.ty, b.ty),
                        );
                    }
                    if !a.nullable && b.nullable {
                        self.push(
                            &kind("made-nullable"),
                            !request,
                            &detail,
                            "property may now be null".into(),
                        );
                    }
                    if request && !a.required && b.required && !path.is_empty() {
                        self.push(
                            &kind("made-required"),
                            true,
                            &detail,
                            "property is now required".into(),
                        );
                    }
                    if !request && a.required && !b.required && !path.is_empty() {
                        self.push(
                            &kind("made-optional"),
                            true,
                            &detail,
                            "property may now be absent".into(),
                        );
                    }
                    self.enum_values(a, b, &detail, request);
                }
                (None, None) => {}
            }
        }
    }
}

/// `a.b[].c` -> `a.b[]`, `a.b`, `a` (nearest first).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let cut = if let Some(stripped) = rest.strip_suffix("[]") {
            Some(stripped.len())
        } else {
            rest.rfind('.')
        }?;
        rest = &rest[..cut];
        (!rest.is_empty()).then_some(rest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_walk_up_the_property_path() {
        let a: Vec<&str> = ancestors("data.run_steps[].status").collect();
        assert_eq!(a, vec!["data.run_steps[]", "data.run_steps", "data"]);
        assert_eq!(ancestors("data").count(), 0);
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let doc = serde_json::json!({ "paths": { "/a/": { "get": { "operationId": "a",
            "responses": { "200": { "description": "ok" } } } } } });
        assert!(diff(&doc, &doc).is_empty());
        assert_eq!(render_text(&[]), "No API changes.\n");
    }

    #[test]
    fn junk_never_panics() {
        let junk = [
            serde_json::json!(null),
            serde_json::json!([1, 2]),
            serde_json::json!({ "paths": [] }),
            serde_json::json!({ "paths": { "/a": 3, "/b": { "get": [] } } }),
            serde_json::json!({ "paths": { "/a": { "get": { "responses": { "200": { "$ref": "#/x" } },
                "parameters": [{ "$ref": "#/nowhere" }, 5], "requestBody": 1 } } } }),
        ];
        for a in &junk {
            for b in &junk {
                let _ = diff(a, b);
            }
        }
    }
}
