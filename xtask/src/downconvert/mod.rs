//! OpenAPI 3.1 -> 3.0.3, by construct rather than by version label.
//!
//! dbt's `openapi-v3.yaml` says `3.0.3` yet holds numeric `exclusiveMinimum`, `const` and a
//! misspelt `write_only`, so every document goes through every rewrite whatever its label.
//! The list covers what `@apiture/openapi-down-convert` rewrites plus its gaps: falsy `const`,
//! type arrays of three or more members, `type: "null"`, `$defs`, numeric exclusive bounds,
//! schema `$ref` with siblings, `components.pathItems`, `webhooks`, `jsonSchemaDialect`,
//! `info.license.identifier`.
//!
//! The rewrites are two ordered lists of steps, one file per kind of construct:
//! [`DOCUMENT_STEPS`] on the whole document, then [`SCHEMA_STEPS`] on every schema, parents
//! before children ([`walk`]). A new rewrite is a function in the file of its construct (or a
//! new file) and a row in the list where it must run.
//!
//! `to_openapi_30` returns one note per kind of rewrite it made (with a count). Errors name the
//! JSON pointer of the offending node. Nothing here indexes a `Value` in a way that can panic:
//! a node of an unexpected type is skipped (or reported, when it must be resolved).

mod content;
mod defs;
mod document_fields;
mod keywords;
mod null_members;
mod path_items;
mod refs;
mod tuples;
mod types;
mod walk;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

pub(crate) use refs::wrap_ref_with_siblings;
pub(crate) use types::infer_type;
pub(crate) use walk::walk_document_schemas;

/// A rewrite of the whole document.
type DocumentStep = fn(&mut Value, &mut Notes) -> anyhow::Result<()>;

/// The document-level rewrites, in order: `$defs` move before schemas are rewritten, so the
/// schema steps see them where they end up.
const DOCUMENT_STEPS: &[DocumentStep] = &[
    |doc, notes| {
        if let Some(root) = doc.as_object_mut() {
            document_fields::rewrite_document_level(root, notes);
        }
        Ok(())
    },
    path_items::inline_path_items,
    defs::move_defs,
    |doc, notes| {
        walk_document_schemas(doc, &mut |schema, _pointer| {
            rewrite_schema(schema, notes);
            Ok(())
        })
    },
];

/// A rewrite of one Schema Object.
type SchemaStep = fn(&mut Map<String, Value>, &mut Notes);

/// The schema rewrites, in order: null members collapse before `type` is rewritten, `const`
/// needs the rewritten `type`, and `$ref` siblings are wrapped last, once every sibling is 3.0.
const SCHEMA_STEPS: &[SchemaStep] = &[
    null_members::collapse_null_members,
    keywords::drop_identifiers,
    keywords::fix_misspellings,
    types::rewrite_type,
    types::const_to_enum,
    keywords::examples_to_example,
    keywords::exclusive_bounds,
    content::rewrite_content_keywords,
    tuples::rewrite_tuples,
    keywords::false_properties,
    keywords::pattern_properties,
    keywords::unevaluated_properties,
    keywords::unsupported_keywords,
    wrap_ref_with_siblings,
];

/// Keywords that only describe; they may sit beside a `$ref` or a null member without meaning.
const ANNOTATIONS: [&str; 5] = ["description", "title", "example", "deprecated", "$comment"];

/// Rewrites `doc` in place into OpenAPI 3.0.3.
pub fn to_openapi_30(doc: &mut Value) -> anyhow::Result<Vec<String>> {
    let mut notes = Notes::default();
    let Some(root) = doc.as_object_mut() else {
        anyhow::bail!(
            "the document root (JSON pointer \"\") is not an object, so it is not OpenAPI"
        );
    };
    if root.get("openapi").and_then(Value::as_str) != Some("3.0.3") {
        notes.add("`openapi` set to 3.0.3");
    }
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    for step in DOCUMENT_STEPS {
        step(doc, &mut notes)?;
    }
    Ok(notes.into_lines())
}

/// Every schema step on one schema; a boolean schema becomes its object form first.
fn rewrite_schema(node: &mut Value, notes: &mut Notes) {
    if let Value::Bool(b) = node {
        *node = if *b { json!({}) } else { json!({ "not": {} }) };
        notes.add("boolean schema replaced by an object schema");
        return;
    }
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    for step in SCHEMA_STEPS {
        step(obj, notes);
    }
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

#[cfg(test)]
mod tests;
