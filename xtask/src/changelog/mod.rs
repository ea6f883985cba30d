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

//! Files: this one (what a change is, and the operations matched up), [`schemas`] (a body
//! flattened into property paths), [`compare`] (the categories above, for one operation) and
//! [`render`] (the text output).

mod compare;
mod render;
mod schemas;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::openapi::{self, METHODS};
use compare::OpDiff;
pub use render::render_text;

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

pub(crate) struct Op<'a> {
    pub(crate) path: String,
    pub(crate) method: &'static str,
    pub(crate) op: &'a Map<String, Value>,
    pub(crate) path_item: &'a Map<String, Value>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
