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
//! | request-body-changed                | yes (another type)                         |
//! | response-body-added / -removed      | removed                                    |
//! | response-body-changed               | yes (another type)                         |
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
//! Enum values are read from `x-known-values` (where normalization moves them) and `enum`, and
//! compared as sets. Bodies are compared through `$ref` and `allOf` into components,
//! recursively, with a guard against reference cycles; properties are named by path
//! (`data.run_steps[].status`).
//!
//! Each change is reported once, where it happens: a body (or a property) that now has another
//! schema (another component, or a component only one side has) is one `*-body-changed` (or
//! `*-property-retyped`) line naming the old and the new type, with nothing listed under it;
//! property lines are only for schemas both sides have. A removed property says how many
//! properties went with it. Types compare as the client's Rust types: `integer` and
//! `integer(int64)` are both `i64`, `number` and `number(double)` both `f64`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::openapi::{self, METHODS};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Stable identifier of the category, e.g. `operation-removed`.
    pub kind: String,
    pub breaking: bool,
    /// The operation, e.g. `getRun (GET /api/v2/accounts/{account_id}/runs/{run_id}/)`.
    pub operation: String,
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
                operation: o.label(),
                location: o.label(),
                message: "operation removed".into(),
            }),
            (None, Some(n)) => changes.push(Change {
                kind: "operation-added".into(),
                breaking: false,
                operation: n.label(),
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

/// A summary first (per category: how many changes, how many of them breaking), then the
/// changes grouped by operation, one line each, breaking ones flagged `BREAKING`.
pub fn render_text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "No API changes.\n".into();
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let mut text = format!(
        "{} change(s), {breaking} breaking, {} not\n",
        changes.len(),
        changes.len() - breaking
    );
    // (breaking, not breaking) per category.
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in changes {
        let counts = per_kind.entry(&c.kind).or_default();
        if c.breaking {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    let width = per_kind.keys().map(|k| k.len()).max().unwrap_or(0);
    for (kind, (breaking, other)) in &per_kind {
        text.push_str(&format!(
            "  {kind:<width$}  {breaking:>5} breaking  {other:>5} not breaking\n"
        ));
    }
    // Grouped by operation, in the order the operations first appear (path, then method).
    let mut order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for c in changes {
        let group = groups.entry(&c.operation).or_default();
        if group.is_empty() {
            order.push(&c.operation);
        }
        group.push(c);
    }
    for operation in order {
        text.push_str(&format!("\n{operation}\n"));
        for c in &groups[operation] {
            let flag = if c.breaking { "BREAKING" } else { "        " };
            let detail = c
                .location
                .strip_prefix(operation)
                .map(str::trim_start)
                .filter(|d| !d.is_empty())
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            text.push_str(&format!("  {flag} {}{detail} — {}\n", c.kind, c.message));
        }
    }
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
    /// The component it is (`#/components/schemas/Run`), through `$ref` or a one-member
    /// `allOf`; `None` for an inline schema.
    component: Option<String>,
    /// Enum values in document order, and their JSON text, for set comparisons.
    values: Vec<Value>,
    value_keys: BTreeSet<String>,
}

impl Prop {
    /// The type's name as a changelog line gives it.
    fn type_name(&self) -> String {
        match (&self.component, self.ty.as_str()) {
            (Some(component), _) => component
                .rsplit('/')
                .next()
                .unwrap_or(component)
                .to_string(),
            (None, "") => "an untyped value".into(),
            (None, ty) => format!("inline {ty}"),
        }
    }
}

/// The schema type as the client's Rust type sees it: formats that change nothing are dropped.
fn client_type(ty: &str, format: Option<&str>) -> String {
    match (ty, format) {
        ("integer", Some("int64")) | ("number", Some("double")) | (_, None) => ty.to_string(),
        (ty, Some(format)) => format!("{ty}({format})"),
    }
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
    let component = names.last().cloned();
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
        entry.ty = client_type(t, resolved.get("format").and_then(Value::as_str));
    }
    if entry.component.is_none() {
        entry.component = component.or_else(|| single_all_of_ref(schema));
    }
    for key in ["x-known-values", "enum"] {
        for v in resolved
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if entry.value_keys.insert(v.to_string()) {
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

/// `allOf: [{$ref: X}]` (with siblings like `nullable`) is X: the shape normalization gives a
/// nullable reference.
fn single_all_of_ref(schema: &Value) -> Option<String> {
    match schema.get("allOf")?.as_array()?.as_slice() {
        [only] => only.get("$ref")?.as_str().map(str::to_string),
        _ => None,
    }
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
            operation: self.location.to_string(),
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
            if !a.value_keys.contains(&v.to_string()) {
                self.push(
                    "enum-value-added",
                    false,
                    detail,
                    format!("enum value {v} added"),
                );
            }
        }
        for v in &a.values {
            if !b.value_keys.contains(&v.to_string()) {
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
        let old = json_body(self.old, ob);
        let new = json_body(self.new, nb);
        self.body(old, new, true);
    }

    fn response(&mut self, o: &Op, n: &Op) {
        let old = success_body(self.old, o.op);
        let new = success_body(self.new, n.op);
        self.body(old, new, false);
    }

    /// A body's schema: gained, lost, replaced by another one (once), or the same one, whose
    /// properties are compared.
    fn body(&mut self, old: Option<&Value>, new: Option<&Value>, request: bool) {
        let side = if request { "request" } else { "response" };
        let detail = format!("{side} body");
        let (old, new) = match (old, new) {
            (None, None) => return,
            (Some(_), None) => {
                // A request body losing its schema is still sent (untyped): breaking too.
                self.push(
                    &format!("{side}-body-removed"),
                    true,
                    &detail,
                    format!("{side} body schema removed"),
                );
                return;
            }
            (None, Some(schema)) => {
                if !request {
                    let ty = flatten(self.new, schema)
                        .get("")
                        .map(Prop::type_name)
                        .unwrap_or_default();
                    self.push(
                        "response-body-added",
                        false,
                        &detail,
                        format!("response body schema added: {ty}"),
                    );
                }
                return;
            }
            (Some(o), Some(n)) => (flatten(self.old, o), flatten(self.new, n)),
        };
        if let (Some(a), Some(b)) = (old.get(""), new.get(""))
            && self.another_schema(a, b)
        {
            self.push(
                &format!("{side}-body-changed"),
                true,
                &detail,
                format!("type changed from {} to {}", a.type_name(), b.type_name()),
            );
            return;
        }
        self.properties(&old, &new, request);
    }

    /// Whether `a` (old) and `b` (new) are different schemas, so that comparing their
    /// properties would list a whole type: different components, or a component that only one
    /// side has in place of an inline schema.
    fn another_schema(&self, a: &Prop, b: &Prop) -> bool {
        let exists = |doc: &Value, r: &str| {
            r.strip_prefix('#')
                .is_some_and(|p| doc.pointer(p).is_some())
        };
        match (&a.component, &b.component) {
            (Some(x), Some(y)) => x != y,
            (Some(x), None) => !exists(self.new, x),
            (None, Some(y)) => !exists(self.old, y),
            (None, None) => false,
        }
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
        // Properties whose schema was replaced: reported once, nothing below them.
        let mut replaced: BTreeSet<&str> = BTreeSet::new();
        for path in paths {
            if ancestors(path).any(|a| replaced.contains(a)) {
                continue;
            }
            let detail = format!("{side} {}", display_path(path));
            // Report a subtree once: below an added or removed property everything is too.
            let parent_reported = |map: &BTreeMap<String, Prop>, other: &BTreeMap<String, Prop>| {
                ancestors(path).any(|a| map.contains_key(a) && !other.contains_key(a))
            };
            match (old.get(path.as_str()), new.get(path.as_str())) {
                (Some(_), None) => {
                    if !parent_reported(old, new) {
                        let message = match descendants(old, path) {
                            0 => "property removed".to_string(),
                            1 => "property removed, with 1 property under it".to_string(),
                            n => format!("property removed, with {n} properties under it"),
                        };
                        self.push(&kind("removed"), true, &detail, message);
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
                    if !path.is_empty() && self.another_schema(a, b) {
                        replaced.insert(path);
                        self.push(
                            &kind("retyped"),
                            true,
                            &detail,
                            format!("type changed from {} to {}", a.type_name(), b.type_name()),
                        );
                        continue;
                    }
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

/// How many properties lie under `path` in `map` (`path.x`, `path[]`, `path[].y`...).
fn descendants(map: &BTreeMap<String, Prop>, path: &str) -> usize {
    let under = |prefix: String| {
        map.range::<str, _>((
            std::ops::Bound::Excluded(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter(|(k, _)| !k.ends_with("[]"))
        .count()
    };
    // `x[]` is the items of `x`, not a property of their own; what is under them is.
    under(format!("{path}.")) + under(format!("{path}[]"))
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
