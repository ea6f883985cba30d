//! The changes of one operation matched on both sides: parameters, request body, response.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schemas::{
    Prop, ancestors, descendants, display_path, flatten, json_body, resolve, success_body,
};
use super::{Change, Op};

pub(super) struct OpDiff<'a, 'o> {
    pub(super) old: &'a Value,
    pub(super) new: &'a Value,
    pub(super) location: &'a str,
    pub(super) out: &'o mut Vec<Change>,
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

    pub(super) fn parameters(&mut self, o: &Op, n: &Op) {
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

    pub(super) fn request(&mut self, o: &Op, n: &Op) {
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

    pub(super) fn response(&mut self, o: &Op, n: &Op) {
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
