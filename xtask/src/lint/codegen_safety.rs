//! Codegen safety: the shapes that make progenitor 0.15.1 panic, loop forever or overflow the
//! build script's stack, and that `normalize` cannot rewrite into something equivalent. On
//! a document `regen` would write, any finding here is an error, so that what `regen` writes
//! always compiles (the fuzz contract test, `tests/fuzz_contract.rs`, holds it to that).
//!
//! Each rule is a function from the document to findings `(rule, pointer, message)`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::context::{Ctx, Out};
use super::{Family, Rule, Ruleset, Severity};
use crate::document::{escape_pointer_token, unescape_pointer_token};
use crate::openapi::METHODS;

type Found = (&'static str, String, String);

/// The rules of this family: all errors, because what `regen` writes must compile.
pub(super) const FAMILY: Family = Family {
    rules: &[
        Rule {
            name: "codegen-ref-target",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a $ref names a component of the kind its place needs",
        },
        Rule {
            name: "codegen-ref-cycle",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a chain of $refs between components ends",
        },
        Rule {
            name: "codegen-recursive-schema",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a schema reaches itself only through an object property",
        },
        Rule {
            name: "codegen-openapiv3-readable",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "openapiv3 (what progenitor reads) reads the document",
        },
        Rule {
            name: "codegen-path-item-ref",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a path item is written out, not a $ref",
        },
        Rule {
            name: "codegen-parameter-schema",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a path parameter is a scalar; no parameter is recursive",
        },
        Rule {
            name: "codegen-security-scheme-type",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "a security scheme has a valid type",
        },
        Rule {
            name: "codegen-required-cookie-parameter",
            ruleset: Ruleset::Codegen,
            severity: Severity::Error,
            summary: "no required cookie parameter",
        },
    ],
    check: check_family,
};

fn check_family(ctx: &Ctx, out: &mut Out) {
    for (rule, pointer, message) in check(ctx.doc) {
        out.add(rule, pointer, message);
    }
}

/// Every finding of this family.
pub fn check(doc: &Value) -> Vec<Found> {
    let mut out = Vec::new();
    schema_ref_targets(doc, &mut out);
    component_ref_targets_and_cycles(doc, &mut out);
    recursive_schemas(doc, &mut out);
    path_item_refs(doc, &mut out);
    openapiv3_readable(doc, &mut out);
    parameter_schemas(doc, &mut out);
    security_scheme_types(doc, &mut out);
    required_cookie_parameters(doc, &mut out);
    out
}

/// The component name a `$ref` designates when it is exactly `#/components/{kind}/{name}`.
fn component_name(reference: &str, kind: &str) -> Option<String> {
    let name = reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?;
    (!name.is_empty() && !name.contains('/')).then(|| unescape_pointer_token(name))
}

/// Every schema node of the document with its pointer (the pipeline's own walk, on a copy).
fn schemas(doc: &Value) -> Vec<(String, Value)> {
    let mut copy = doc.clone();
    let mut found = Vec::new();
    // The walk fails only when its visitor does, and this one never does.
    let _ = crate::downconvert::walk_document_schemas(&mut copy, &mut |schema, pointer| {
        if schema.get("$ref").is_some() {
            found.push((pointer.to_owned(), schema.clone()));
        }
        Ok(())
    });
    found
}

/// `codegen-ref-target` for schemas: typify follows only `#/components/schemas/{name}`; a
/// `$ref` to `#/tags`, `#/info`, `#` or into a schema's properties makes it panic.
fn schema_ref_targets(doc: &Value, out: &mut Vec<Found>) {
    for (pointer, schema) in schemas(doc) {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            continue;
        };
        if component_name(reference, "schemas").is_none() {
            out.push((
                "codegen-ref-target",
                format!("{pointer}/$ref"),
                format!(
                    "schema $ref {reference:?} does not name a schema under #/components/schemas/ \
                     (progenitor follows only those): point it at a component schema"
                ),
            ));
        }
    }
}

/// Where Reference objects to non-schema components may stand, by component kind.
fn component_refs(doc: &Value) -> Vec<(String, &'static str, String)> {
    let mut refs = Vec::new();
    let mut push = |pointer: String, kind: &'static str, node: &Value| {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            refs.push((pointer, kind, r.to_owned()));
        }
    };
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let item_at = format!("/paths/{}", escape_pointer_token(path));
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut operations: Vec<(String, &Map<String, Value>)> = vec![(item_at.clone(), item)];
        for method in METHODS {
            if let Some(op) = item.get(method).and_then(Value::as_object) {
                operations.push((format!("{item_at}/{method}"), op));
            }
        }
        for (at, holder) in operations {
            for (i, p) in holder
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                push(format!("{at}/parameters/{i}"), "parameters", p);
            }
            if let Some(body) = holder.get("requestBody") {
                push(format!("{at}/requestBody"), "requestBodies", body);
            }
            for (code, response) in holder
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response_at = format!("{at}/responses/{}", escape_pointer_token(code));
                push(response_at.clone(), "responses", response);
                for (name, header) in response
                    .get("headers")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let header_at = format!("{response_at}/headers/{}", escape_pointer_token(name));
                    push(header_at, "headers", header);
                }
            }
        }
    }
    for kind in ["parameters", "requestBodies", "responses", "headers"] {
        for (name, node) in doc
            .pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            push(
                format!("/components/{kind}/{}", escape_pointer_token(name)),
                kind,
                node,
            );
        }
    }
    refs
}

/// `codegen-ref-target` for parameters, bodies, responses and headers, and
/// `codegen-ref-cycle`: progenitor follows such a chain without a bound, so a response whose
/// `$ref` names itself (or a longer loop) hangs the build.
fn component_ref_targets_and_cycles(doc: &Value, out: &mut Vec<Found>) {
    for (pointer, kind, reference) in component_refs(doc) {
        let Some(name) = component_name(&reference, kind) else {
            out.push((
                "codegen-ref-target",
                format!("{pointer}/$ref"),
                format!(
                    "$ref {reference:?} does not name one of #/components/{kind}/ \
                     (what this place needs)"
                ),
            ));
            continue;
        };
        let mut seen = BTreeSet::new();
        let mut current = Some(name);
        while let Some(name) = current {
            if !seen.insert(name.clone()) {
                out.push((
                    "codegen-ref-cycle",
                    format!("{pointer}/$ref"),
                    format!(
                        "$ref {reference:?} starts a chain of references that never ends \
                         (it comes back to #/components/{kind}/{name}); progenitor would loop forever"
                    ),
                ));
                break;
            }
            current = doc
                .pointer(&format!(
                    "/components/{kind}/{}",
                    escape_pointer_token(&name)
                ))
                .and_then(|t| t.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| component_name(r, kind));
        }
    }
}

/// How one component schema references another, not through an object property (a
/// reference through `properties` becomes a `Box`ed field, which Rust and typify handle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edge {
    /// The schema is only that reference: a bare `$ref`, or a one-member `allOf`, `oneOf` or
    /// `anyOf` of it. A loop of these is a type that is only itself: typify generates
    /// `struct T(Box<T>)` and a `From<T> for Box<T>` that conflicts with std's (E0119).
    alias: bool,
    /// The reference is inside something typify merges: an `allOf`, or a `oneOf`/`anyOf`
    /// beside other constraints (`properties`, `type`...), which are merged into every
    /// member. Merging a schema that contains itself never ends (a stack overflow that aborts
    /// the build script).
    merged: bool,
}

/// `codegen-recursive-schema`: a component schema that reaches itself without an object
/// property in between, through a merge (`allOf`, or `oneOf`/`anyOf` with sibling
/// constraints: typify's merge recurses without end) or only through aliases (a type that is
/// only itself). Recursion through a plain `oneOf`/`anyOf` with other members, `items` or
/// `additionalProperties` compiles, and is left alone.
fn recursive_schemas(doc: &Value, out: &mut Vec<Found>) {
    let edges = schema_edges(doc);
    for name in edges.keys() {
        let through_merge = find_cycle(&edges, name, |_| true, |e| e.merged);
        let only_aliases = || find_cycle(&edges, name, |e| e.alias, |_| true);
        let (cycle, why) = match (through_merge, only_aliases()) {
            (Some(cycle), _) => (
                cycle,
                "through a merge (`allOf`, or `oneOf`/`anyOf` beside other keywords) that never \
                 ends in progenitor's generator (a stack overflow)",
            ),
            (None, Some(cycle)) => (
                cycle,
                "and is nothing but itself, which generates a type that does not compile",
            ),
            (None, None) => continue,
        };
        out.push((
            "codegen-recursive-schema",
            format!("/components/schemas/{}", escape_pointer_token(name)),
            format!(
                "schema {name} contains itself with no object property in between ({}), {why}: \
                 put the recursion under `properties`",
                cycle.join(" -> ")
            ),
        ));
    }
    merges_of_recursive_schemas(doc, &edges, out);
}

/// Merging a recursive schema into something else never ends either: `anyOf: [Knot,
/// boolean]` beside `properties`, where `Knot` is `anyOf: [Knot, integer]`. Refused where the
/// merge is written, in a component schema or inline in an operation.
fn merges_of_recursive_schemas(
    doc: &Value,
    edges: &BTreeMap<&str, Vec<(String, Edge)>>,
    out: &mut Vec<Found>,
) {
    let on_cycle: BTreeSet<&str> = edges
        .keys()
        .copied()
        .filter(|name| find_cycle(edges, name, |_| true, |_| true).is_some())
        .collect();
    let reaches_cycle = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start.to_owned()];
        while let Some(name) = stack.pop() {
            if on_cycle.contains(name.as_str()) {
                return true;
            }
            if seen.insert(name.clone()) {
                stack.extend(
                    edges
                        .get(name.as_str())
                        .into_iter()
                        .flatten()
                        .map(|(t, _)| t.clone()),
                );
            }
        }
        false
    };
    let mut roots: Vec<(String, Value)> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            (
                format!("/components/schemas/{}", escape_pointer_token(name)),
                schema.clone(),
            )
        })
        .collect();
    let mut copy = doc.clone();
    // The walk fails only when its visitor does, and this one never does.
    let _ = crate::downconvert::walk_document_schemas(&mut copy, &mut |schema, pointer| {
        if pointer.ends_with("/schema") && !pointer.starts_with("/components/schemas/") {
            roots.push((pointer.to_owned(), schema.clone()));
        }
        Ok(())
    });
    for (pointer, schema) in roots {
        let mut found = Vec::new();
        direct_refs(&schema, false, 0, &mut found);
        let already = out
            .iter()
            .any(|(r, p, _)| *r == "codegen-recursive-schema" && *p == pointer);
        if already {
            continue;
        }
        if let Some((target, _)) = found
            .iter()
            .find(|(target, edge)| edge.merged && reaches_cycle(target))
        {
            out.push((
                "codegen-recursive-schema",
                pointer,
                format!(
                    "this schema merges {target} (in an `allOf`, or a `oneOf`/`anyOf` beside \
                     other keywords), which contains itself with no object property in \
                     between; progenitor's merge would never end (a stack overflow)"
                ),
            ));
        }
    }
}

/// Each component schema's references to others, not through `properties`.
fn schema_edges(doc: &Value) -> BTreeMap<&str, Vec<(String, Edge)>> {
    let mut edges = BTreeMap::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut found = Vec::new();
        direct_refs(schema, false, 0, &mut found);
        for (target, edge) in &mut found {
            edge.alias = alias_of(schema).as_deref() == Some(target.as_str());
        }
        edges.insert(name.as_str(), found);
    }
    edges
}

/// The component a schema is only an alias of: `{$ref}` or a one-member composition of one.
fn alias_of(schema: &Value) -> Option<String> {
    let as_ref = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| component_name(r, "schemas"))
    };
    as_ref(schema).or_else(|| {
        ["allOf", "oneOf", "anyOf"].iter().find_map(|k| {
            match schema.get(*k).and_then(Value::as_array).map(Vec::as_slice) {
                Some([only]) => as_ref(only),
                _ => None,
            }
        })
    })
}

/// The component schemas `schema` references, not through `properties`.
fn direct_refs(schema: &Value, merged: bool, depth: usize, found: &mut Vec<(String, Edge)>) {
    // Documents are at most 100 levels deep (yaml::Limits); the bound keeps this total anyway.
    if depth > 256 {
        return;
    }
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match key.as_str() {
                    "$ref" => {
                        if let Some(name) =
                            value.as_str().and_then(|r| component_name(r, "schemas"))
                        {
                            let edge = Edge {
                                alias: false,
                                merged,
                            };
                            found.push((name, edge));
                        }
                    }
                    "properties" | "example" | "examples" | "default" | "enum" => {}
                    k if k.starts_with("x-") => {}
                    k => {
                        let merges = k == "allOf"
                            || (matches!(k, "oneOf" | "anyOf") && has_constraints_beside(map, k));
                        direct_refs(value, merged || merges, depth + 1, found)
                    }
                }
            }
        }
        Value::Array(list) => list
            .iter()
            .for_each(|item| direct_refs(item, merged, depth + 1, found)),
        _ => {}
    }
}

/// Whether `schema` holds constraints besides `keyword` that typify merges into its members.
fn has_constraints_beside(schema: &Map<String, Value>, keyword: &str) -> bool {
    const ANNOTATIONS: [&str; 10] = [
        "description",
        "title",
        "nullable",
        "example",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "externalDocs",
    ];
    schema
        .keys()
        .any(|k| k != keyword && !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-"))
}

/// A loop from `start` back to itself over edges that `follow` allows, with at least one edge
/// that `marks`, as the list of schema names (breadth-first, so the shortest such loop).
fn find_cycle(
    edges: &BTreeMap<&str, Vec<(String, Edge)>>,
    start: &str,
    follow: impl Fn(&Edge) -> bool,
    marks: impl Fn(&Edge) -> bool,
) -> Option<Vec<String>> {
    type State = (String, bool);
    let mut came_from: BTreeMap<State, State> = BTreeMap::new();
    let first: State = (start.to_owned(), false);
    let mut queue = std::collections::VecDeque::from([first.clone()]);
    while let Some(state) = queue.pop_front() {
        for (next, edge) in edges.get(state.0.as_str()).into_iter().flatten() {
            if !follow(edge) {
                continue;
            }
            let next_state: State = (next.clone(), state.1 || marks(edge));
            if next_state == (start.to_owned(), true) {
                let mut cycle = vec![start.to_owned(), state.0.clone()];
                let mut at = state;
                while let Some(prev) = came_from.get(&at) {
                    cycle.push(prev.0.clone());
                    at = prev.clone();
                }
                cycle.reverse();
                // `cycle` ends where it began; drop the extra copy of `start` at the front.
                if cycle.len() > 2 && cycle[0] == cycle[1] {
                    cycle.remove(0);
                }
                return Some(cycle);
            }
            if next_state != first && !came_from.contains_key(&next_state) {
                came_from.insert(next_state.clone(), state.clone());
                queue.push_back(next_state);
            }
        }
    }
    None
}

/// `codegen-openapiv3-readable`: the build script reads the derived YAML with serde_norway
/// into `openapiv3::OpenAPI`, which refuses any value of the wrong shape (`security: [{type:
/// object}]`, a string where a list belongs). Reading it the same way here catches every such
/// shape, whatever the other rules know; serde_norway's error names the path.
fn openapiv3_readable(doc: &Value, out: &mut Vec<Found>) {
    let Ok(text) = serde_norway::to_string(doc) else {
        return;
    };
    if let Err(e) = serde_norway::from_str::<openapiv3::OpenAPI>(&text) {
        let message = e.to_string();
        let pointer = message
            .split_once(": ")
            .filter(|(path, _)| !path.contains(' '))
            .map(|(path, _)| dotted_path_to_pointer(path))
            .unwrap_or_default();
        // The line and column are of a YAML text the user never sees.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        out.push((
            "codegen-openapiv3-readable",
            pointer,
            format!("openapiv3, which progenitor reads the document with, refuses it: {message}"),
        ));
    }
}

/// serde's `security[0].type` -> `/security/0/type` (best effort: a key holding `.` is split).
fn dotted_path_to_pointer(path: &str) -> String {
    path.replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|t| !t.is_empty())
        .map(|t| format!("/{}", escape_pointer_token(t)))
        .collect()
}

/// `codegen-path-item-ref`: progenitor refuses a path item that is a `$ref` (downconvert
/// already inlines the `components/pathItems` that 3.1 allows; what is left points elsewhere).
fn path_item_refs(doc: &Value, out: &mut Vec<Found>) {
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(reference) = item.get("$ref") {
            out.push((
                "codegen-path-item-ref",
                format!("/paths/{}/$ref", escape_pointer_token(path)),
                format!(
                    "path {path} is the reference {reference}; progenitor does not follow path \
                     item references: write its operations out"
                ),
            ));
        }
    }
}

/// Follows schema `$ref`s and one-member `allOf`s (bounded: loops are another rule's).
fn resolve_schema<'d>(doc: &'d Value, mut schema: &'d Value) -> &'d Value {
    for _ in 0..64 {
        let next = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| component_name(r, "schemas"))
            .and_then(|name| {
                doc.pointer(&format!(
                    "/components/schemas/{}",
                    escape_pointer_token(&name)
                ))
            })
            .or_else(|| {
                match schema
                    .get("allOf")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                {
                    Some([only]) => Some(only),
                    _ => None,
                }
            });
        match next {
            Some(next) => schema = next,
            None => break,
        }
    }
    schema
}

/// `codegen-parameter-schema`: progenitor panics on a path parameter whose schema is an
/// object or an array (an internal assertion: a URL segment is one scalar), on a query or
/// header parameter that is an object (`unreachable!()`), and on a parameter whose schema is
/// recursive without a property in between (`anyOf: [itself,
/// integer]`: it reaches `unreachable!()`).
fn parameter_schemas(doc: &Value, out: &mut Vec<Found>) {
    let edges = schema_edges(doc);
    let recursive: BTreeSet<&str> = edges
        .keys()
        .copied()
        .filter(|name| find_cycle(&edges, name, |_| true, |_| true).is_some())
        .collect();
    for_each_parameter(doc, &mut |at, p| {
        let Some(schema) = p.get("schema") else {
            return;
        };
        let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
        let mut reached = Vec::new();
        direct_refs(schema, false, 0, &mut reached);
        let why = if let Some((target, _)) = reached
            .iter()
            .find(|(target, _)| recursive.contains(target.as_str()))
        {
            format!("is the recursive schema {target}; a parameter is a plain value")
        } else {
            let resolved = resolve_schema(doc, schema);
            let kind = resolved.get("type").and_then(Value::as_str);
            let object = kind == Some("object") || resolved.get("properties").is_some();
            let path = p.get("in").and_then(Value::as_str) == Some("path");
            if object || (path && kind == Some("array")) {
                format!(
                    "is of type {}; a {} parameter is a string, integer, number or boolean{}",
                    kind.unwrap_or("object"),
                    if path { "path" } else { "query or header" },
                    if path { "" } else { " (or an array of them)" }
                )
            } else {
                return;
            }
        };
        out.push((
            "codegen-parameter-schema",
            format!("{at}/schema"),
            format!("the schema of parameter {name:?} {why}"),
        ));
    });
}

/// Calls `visit(pointer, parameter)` on every parameter of every path item and operation,
/// through one `$ref` to `components/parameters`.
fn for_each_parameter(doc: &Value, visit: &mut dyn FnMut(&str, &Value)) {
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let item_at = format!("/paths/{}", escape_pointer_token(path));
        let mut holders = vec![(item_at.clone(), item)];
        for method in METHODS {
            if let Some(op) = item.get(method) {
                holders.push((format!("{item_at}/{method}"), op));
            }
        }
        for (at, holder) in holders {
            for (i, p) in holder
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let resolved = p
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| component_name(r, "parameters"))
                    .and_then(|name| {
                        doc.pointer(&format!(
                            "/components/parameters/{}",
                            escape_pointer_token(&name)
                        ))
                    })
                    .unwrap_or(p);
                visit(&format!("{at}/parameters/{i}"), resolved);
            }
        }
    }
}

/// `codegen-security-scheme-type`: openapiv3 refuses the whole document when a scheme has
/// no `type` (or one OpenAPI 3.0 does not define).
fn security_scheme_types(doc: &Value, out: &mut Vec<Found>) {
    for (name, scheme) in doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if scheme.get("$ref").is_some() {
            continue;
        }
        let at = format!("/components/securitySchemes/{}", escape_pointer_token(name));
        match scheme.get("type").and_then(Value::as_str) {
            Some("apiKey" | "http" | "oauth2" | "openIdConnect") => {}
            Some(other) => out.push((
                "codegen-security-scheme-type",
                format!("{at}/type"),
                format!(
                    "security scheme {name} has type {other:?}; OpenAPI 3.0 defines apiKey, \
                     http, oauth2 and openIdConnect"
                ),
            )),
            None => out.push((
                "codegen-security-scheme-type",
                at,
                format!(
                    "security scheme {name} has no `type` (apiKey, http, oauth2 or openIdConnect)"
                ),
            )),
        }
    }
}

/// `codegen-required-cookie-parameter`: progenitor cannot send cookies, and a required one
/// cannot be left out (normalize drops the optional ones).
fn required_cookie_parameters(doc: &Value, out: &mut Vec<Found>) {
    for_each_parameter(doc, &mut |at, p| {
        if p.get("in").and_then(Value::as_str) == Some("cookie")
            && p.get("required") == Some(&Value::Bool(true))
        {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push((
                "codegen-required-cookie-parameter",
                at.to_owned(),
                format!(
                    "cookie parameter {name:?} is required, and progenitor cannot send \
                     cookies: make it optional (it is then left out) or drop it"
                ),
            ));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc_with(components: Value, get: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
               "paths": {"/a": {"get": get}}, "components": components})
    }

    /// The findings, without `codegen-openapiv3-readable` (these small documents leave out
    /// fields openapiv3 requires; that rule has its own test).
    fn rules_at(doc: &Value) -> Vec<(&'static str, String)> {
        check(doc)
            .into_iter()
            .filter(|(r, _, _)| *r != "codegen-openapiv3-readable")
            .map(|(r, p, _)| (r, p))
            .collect()
    }

    #[test]
    fn schema_refs_must_name_a_component_schema() {
        let doc = doc_with(
            json!({"schemas": {"T": {"type": "object", "properties": {
                "a": {"$ref": "#/tags"}, "b": {"$ref": "#/info"}, "c": {"$ref": "#"},
                "d": {"$ref": "#/components/schemas/T/properties/e"},
                "e": {"$ref": "#/components/schemas/T"}}}}}),
            json!({"responses": {}}),
        );
        let found = rules_at(&doc);
        for p in ["a", "b", "c", "d"] {
            assert!(
                found.contains(&(
                    "codegen-ref-target",
                    format!("/components/schemas/T/properties/{p}/$ref")
                )),
                "{p}: {found:?}"
            );
        }
        assert_eq!(found.len(), 4, "{found:?}");
    }

    #[test]
    fn reference_chains_that_loop_are_refused_where_they_start() {
        let doc = doc_with(
            json!({"responses": {"Loop": {"$ref": "#/components/responses/Loop"},
                                 "A": {"$ref": "#/components/responses/B"},
                                 "B": {"$ref": "#/components/responses/A"},
                                 "Fine": {"description": "ok"},
                                 "ToFine": {"$ref": "#/components/responses/Fine"}},
                   "parameters": {"P": {"$ref": "#/components/parameters/P"}}}),
            json!({"parameters": [{"$ref": "#/components/parameters/P"}],
                   "responses": {"200": {"$ref": "#/components/responses/A"},
                                 "201": {"$ref": "#/components/responses/ToFine"},
                                 "400": {"$ref": "#/components/schemas/X"}}}),
        );
        let found = rules_at(&doc);
        let cycles: Vec<&str> = found
            .iter()
            .filter(|(r, _)| *r == "codegen-ref-cycle")
            .map(|(_, p)| p.as_str())
            .collect();
        assert_eq!(
            cycles,
            [
                "/paths/~1a/get/parameters/0/$ref",
                "/paths/~1a/get/responses/200/$ref",
                "/components/parameters/P/$ref",
                "/components/responses/Loop/$ref",
                "/components/responses/A/$ref",
                "/components/responses/B/$ref",
            ]
        );
        assert!(found.contains(&(
            "codegen-ref-target",
            "/paths/~1a/get/responses/400/$ref".to_string()
        )));
    }

    #[test]
    fn recursion_through_all_of_or_aliases_only_is_refused_with_its_cycle() {
        let doc = doc_with(
            json!({"schemas": {
                "One": {"oneOf": [{"$ref": "#/components/schemas/One"}, {"type": "string"}]},
                "Map": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Map"}},
                "List": {"type": "array", "items": {"$ref": "#/components/schemas/List"}},
                "A": {"allOf": [{"$ref": "#/components/schemas/B"}]},
                "B": {"anyOf": [{"$ref": "#/components/schemas/A"}]},
                "Merge": {"allOf": [{"$ref": "#/components/schemas/Merge"}, {"type": "object"}]},
                "Nested": {"oneOf": [{"allOf": [{"$ref": "#/components/schemas/Nested"}, {"type": "object"}]},
                                     {"type": "string"}]},
                "Only": {"oneOf": [{"$ref": "#/components/schemas/Only"}]},
                "Beside": {"oneOf": [{"$ref": "#/components/schemas/Beside"}, {"type": "string"}],
                           "properties": {"x": {"type": "string"}}},
                "Loop": {"$ref": "#/components/schemas/Loop"},
                "Tree": {"type": "object", "properties": {
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
                "Base": {"allOf": [{"$ref": "#/components/schemas/Tree"}, {"type": "object"}]},
                "UsesA": {"allOf": [{"$ref": "#/components/schemas/A"}]},
                "Knot": {"anyOf": [{"$ref": "#/components/schemas/Knot"}, {"type": "integer"}]},
                "MergesKnot": {"anyOf": [{"$ref": "#/components/schemas/Knot"}, {"type": "boolean"}],
                               "properties": {"x": {"type": "string"}}}}}),
            json!({"responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"allOf": [{"$ref": "#/components/schemas/Knot"}, {"type": "object"}]}}}}}}),
        );
        let found: Vec<Found> = check(&doc)
            .into_iter()
            .filter(|(r, _, _)| *r != "codegen-openapiv3-readable")
            .collect();
        let refused: Vec<&str> = found
            .iter()
            .filter(|(r, _, _)| *r == "codegen-recursive-schema")
            .map(|(_, p, _)| p.trim_start_matches("/components/schemas/"))
            .collect();
        assert_eq!(
            refused,
            [
                "A",
                "B",
                "Beside",
                "Loop",
                "Merge",
                "Nested",
                "Only",
                "UsesA",
                "MergesKnot",
                "/paths/~1a/get/responses/200/content/application~1json/schema"
            ]
        );
        let message = |name: &str| {
            found
                .iter()
                .find(|(_, p, _)| p == &format!("/components/schemas/{name}"))
                .map(|(_, _, m)| m.clone())
                .unwrap_or_default()
        };
        assert!(message("A").contains("(A -> B -> A)"), "{}", message("A"));
        assert!(
            message("Merge").contains("(Merge -> Merge)") && message("Merge").contains("allOf")
        );
        assert!(
            message("Only").contains("nothing but itself"),
            "{}",
            message("Only")
        );
    }

    #[test]
    fn path_parameters_must_be_scalars() {
        let doc = doc_with(
            json!({"schemas": {"Obj": {"type": "object"}, "Id": {"type": "integer"},
                               "Knot": {"anyOf": [{"$ref": "#/components/schemas/Knot"}, {"type": "integer"}]},
                               "Wrapped": {"allOf": [{"$ref": "#/components/schemas/Obj"}]}}}),
            json!({"parameters": [
                {"name": "a", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/Wrapped"}},
                {"name": "b", "in": "path", "required": true, "schema": {"type": "array", "items": {}}},
                {"name": "c", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/Id"}},
                {"name": "d", "in": "query", "schema": {"type": "object"}},
                {"name": "e", "in": "query", "schema": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                {"name": "f", "in": "header", "schema": {"$ref": "#/components/schemas/Knot"}}],
                   "responses": {}}),
        );
        assert_eq!(
            rules_at(&doc),
            [
                (
                    "codegen-parameter-schema",
                    "/paths/~1a/get/parameters/0/schema".to_string()
                ),
                (
                    "codegen-parameter-schema",
                    "/paths/~1a/get/parameters/1/schema".to_string()
                ),
                (
                    "codegen-parameter-schema",
                    "/paths/~1a/get/parameters/3/schema".to_string()
                ),
                (
                    "codegen-parameter-schema",
                    "/paths/~1a/get/parameters/5/schema".to_string()
                ),
            ]
        );
    }

    #[test]
    fn what_openapiv3_cannot_read_is_refused_with_its_path() {
        let mut doc = doc_with(json!({}), json!({"responses": {}}));
        doc["security"] = json!([{"type": "object"}]);
        let found = check(&doc);
        let (rule, pointer, message) = &found[0];
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (*rule, pointer.as_str()),
            ("codegen-openapiv3-readable", "/security/0/type")
        );
        assert!(message.contains("expected a sequence"), "{message}");
        assert!(
            check(&doc_with(json!({}), json!({"responses": {}}))).is_empty(),
            "a clean document is readable"
        );
    }

    #[test]
    fn path_items_must_be_written_out() {
        let mut doc = doc_with(json!({}), json!({"responses": {}}));
        doc["paths"]["/b"] = json!({"$ref": "#/paths/~1a"});
        assert_eq!(
            rules_at(&doc),
            [("codegen-path-item-ref", "/paths/~1b/$ref".to_string())]
        );
    }

    #[test]
    fn security_schemes_need_a_known_type_and_cookies_cannot_be_required() {
        let doc = doc_with(
            json!({"securitySchemes": {"none": {"name": "x", "in": "header"},
                                       "odd": {"type": "magic"},
                                       "ok": {"type": "http", "scheme": "bearer"}},
                   "parameters": {"C": {"name": "c", "in": "cookie", "required": true}}}),
            json!({"parameters": [{"$ref": "#/components/parameters/C"},
                                  {"name": "d", "in": "cookie", "required": true},
                                  {"name": "q", "in": "query", "required": true}],
                   "responses": {}}),
        );
        let found = rules_at(&doc);
        assert_eq!(
            found,
            [
                (
                    "codegen-security-scheme-type",
                    "/components/securitySchemes/none".to_string()
                ),
                (
                    "codegen-security-scheme-type",
                    "/components/securitySchemes/odd/type".to_string()
                ),
                (
                    "codegen-required-cookie-parameter",
                    "/paths/~1a/get/parameters/0".to_string()
                ),
                (
                    "codegen-required-cookie-parameter",
                    "/paths/~1a/get/parameters/1".to_string()
                ),
            ]
        );
    }
}
