//! `cargo xtask compare-upstream`: every property our response schemas declare must be backed by
//! dbt's own published descriptions (openapi-v2.yaml for `/api/v2`, openapi-v3.yaml for
//! `/api/v3`: several documents are checked together), or be a field real responses carry that
//! dbt's documents omit, listed with its evidence in `spec/upstream-allowlist.yml`.
//!
//! Schemas are matched by position, not by name: our response of `GET /api/v2/accounts/{}/runs/`
//! is compared with the response of the same method and path in whichever upstream document has
//! it (path parameter names are ignored), and nested objects are compared property by property
//! from there. One schema of ours
//! can stand for several of upstream's (our `Environment` is dbt's `EnvironmentV2Response` at
//! `getEnvironment` and its `EnvironmentV2` inside a run): a property is backed when at least one
//! of them declares it, and its type must be compatible with every one that does.
//!
//! The allow-list is a mapping `Schema.property: evidence` (the property is absent from dbt's
//! documents, or they give it a type real responses contradict), plus `METHOD /path: evidence` for an
//! operation real dbt serves that none of its documents describes. An entry that backs nothing
//! (the property is gone, or upstream now declares it) is reported too, so the list stays short.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Map, Value};

use crate::openapi;

/// Compares `ours` (the derived spec) with `upstreams` (dbt's documents, best already
/// normalized) and returns one line per problem, each naming `Schema.property` (or the
/// operation). Empty means all is backed. An operation is looked up in the documents in order;
/// the first that has it is the one its responses are compared with.
pub fn compare(ours: &Value, upstreams: &[&Value], allowlist: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let (allow, allowed_operations) = match parse_allowlist(allowlist) {
        Ok(allow) => allow,
        Err(message) => return vec![message],
    };

    let mut upstream_ops = BTreeMap::new();
    for upstream in upstreams {
        for (key, (_, op)) in operations(upstream) {
            upstream_ops.entry(key).or_insert((*upstream, op));
        }
    }
    let mut walk = Walk {
        ours,
        upstream: &Value::Null,
        visited: HashSet::new(),
        props: BTreeMap::new(),
    };
    let mut ours_ops = BTreeSet::new();
    for (key, (label, op)) in operations(ours) {
        let found = upstream_ops.get(&key).copied();
        match (found, allowed_operations.contains_key(&key)) {
            (None, false) => problems.push(format!(
                "{label}: none of dbt's documents has such an operation; remove it or add `{key}` to the allow-list with evidence"
            )),
            (Some(_), true) => problems.push(format!(
                "{key}: allow-list entry no longer needed, dbt's documents describe the operation now; remove it"
            )),
            _ => {}
        }
        ours_ops.insert(key);
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (code, response) in responses {
            let Some(schema) = json_schema_of(ours, response) else {
                continue;
            };
            let theirs = found.and_then(|(doc, op)| {
                walk.upstream = doc;
                upstream_response_schema(doc, op, code)
            });
            let context = format!("{label} {code}");
            walk.pair(schema, theirs, &context);
        }
    }
    for key in allowed_operations.keys() {
        if !ours_ops.contains(key) {
            problems.push(format!(
                "{key}: allow-list entry for an operation the spec does not have; remove it"
            ));
        }
    }

    for ((schema, property), seen) in &walk.props {
        let name = format!("{schema}.{property}");
        // An allow-listed property overrides what dbt's documents say of it: absent, or a
        // different type (a list that dbt documents as one object, say).
        let overridden = allow.contains_key(&name) && !seen.mismatches.is_empty();
        if !overridden {
            for mismatch in &seen.mismatches {
                problems.push(format!("{name}: {mismatch}"));
            }
        }
        if seen.backed_by.is_empty() && !allow.contains_key(&name) {
            let compared = if seen.compared_with.is_empty() {
                "no upstream schema matches it".to_string()
            } else {
                format!("absent from upstream {}", join(&seen.compared_with))
            };
            problems.push(format!(
                "{name}: declared in a response schema but {compared}; remove it or add it to the allow-list with evidence"
            ));
        }
    }
    for name in allow.keys() {
        let key = name
            .split_once('.')
            .map(|(s, p)| (s.to_string(), p.to_string()));
        match key.and_then(|k| walk.props.get(&k)) {
            None => problems.push(format!(
                "{name}: allow-list entry for a property no response schema of ours declares; remove it"
            )),
            Some(seen) if !seen.backed_by.is_empty() && seen.mismatches.is_empty() => problems.push(format!(
                "{name}: allow-list entry no longer needed, upstream {} declares it; remove it",
                join(&seen.backed_by)
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Loads the three documents, compares them, prints the problems. Upstream is normalized first
/// (3.1 -> 3.0.3, canonical paths) so that it has the shape ours has.
pub fn run(
    ours_path: &Path,
    upstream_paths: &[std::path::PathBuf],
    allowlist_path: &Path,
) -> anyhow::Result<ExitCode> {
    let ours = crate::document::load_file(ours_path)?;
    let mut upstreams = Vec::new();
    for upstream_path in upstream_paths {
        let upstream_raw = crate::document::load_file(upstream_path)?;
        let origin = upstream_path.display().to_string();
        let (upstream, _notes) = crate::pipeline::normalize_upstream(upstream_raw, &origin)?;
        upstreams.push(upstream);
    }
    let allowlist = crate::document::load_file(allowlist_path)
        .with_context(|| format!("cannot load the allow-list {}", allowlist_path.display()))?;
    let problems = compare(&ours, &upstreams.iter().collect::<Vec<_>>(), &allowlist);
    let names = join(upstream_paths.iter().map(|p| p.display().to_string()));
    if problems.is_empty() {
        println!(
            "compare-upstream: every operation and response property of {} is backed by {names} or by {}",
            ours_path.display(),
            allowlist_path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    eprintln!(
        "compare-upstream: {} problem(s) against {names}",
        problems.len()
    );
    Ok(ExitCode::FAILURE)
}

/// What was learnt about one `(our schema, property)`.
#[derive(Default)]
struct Seen {
    /// Upstream schemas (by name or position) that declare the property.
    backed_by: BTreeSet<String>,
    /// Every upstream schema the owner was compared with.
    compared_with: BTreeSet<String>,
    mismatches: BTreeSet<String>,
}

struct Walk<'a> {
    ours: &'a Value,
    /// The upstream document the current operation was found in.
    upstream: &'a Value,
    /// (our schema, upstream schema) pairs already compared, by address: schemas can recurse.
    visited: HashSet<(usize, usize)>,
    props: BTreeMap<(String, String), Seen>,
}

impl<'a> Walk<'a> {
    /// Compares our schema `mine` with upstream's `theirs` (None: upstream has nothing there).
    fn pair(&mut self, mine: &'a Value, theirs: Option<&'a Value>, context: &str) {
        let (owner, mine) = named(self.ours, mine, context);
        if let Some(items) = array_items(self.ours, mine) {
            // dbt sometimes documents a list as its element alone (one object where real
            // responses carry a list of them): compare our items with that object then.
            let their_items = theirs.and_then(|t| {
                array_items(self.upstream, resolve(self.upstream, t)).or_else(|| {
                    (!properties(self.upstream, resolve(self.upstream, t)).is_empty()).then_some(t)
                })
            });
            self.pair(items, their_items, &format!("{owner}[]"));
            return;
        }
        let ours_props = properties(self.ours, mine);
        if ours_props.is_empty() {
            return;
        }
        // Named before resolving: the name is the last `$ref` followed.
        let their_name = theirs
            .map(|t| schema_name(t).unwrap_or_else(|| format!("(inline schema at {context})")));
        let theirs = theirs.map(|t| resolve(self.upstream, t));
        let key = (
            mine as *const Value as usize,
            theirs.map_or(0, |t| t as *const Value as usize),
        );
        if !self.visited.insert(key) {
            return;
        }
        let their_props = theirs
            .map(|t| properties(self.upstream, t))
            .unwrap_or_default();
        for (property, my_schema) in ours_props {
            let seen = self
                .props
                .entry((owner.clone(), property.to_string()))
                .or_default();
            if let Some(name) = &their_name {
                seen.compared_with.insert(name.clone());
            }
            let their_schema = their_props.get(property).copied();
            if let (Some(t), Some(name)) = (their_schema, &their_name) {
                seen.backed_by.insert(name.clone());
                if let Some(why) = incompatible(self.ours, my_schema, self.upstream, t) {
                    seen.mismatches
                        .insert(format!("{why} (upstream {name}.{property})"));
                }
            }
            self.pair(my_schema, their_schema, &format!("{owner}.{property}"));
        }
    }
}

/// Property entries by `Schema.property`, and operation entries by `METHOD /path/{}/` (the key
/// `operations` uses).
type Allowlist = (BTreeMap<String, String>, BTreeMap<String, String>);

const METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

fn parse_allowlist(allowlist: &Value) -> Result<Allowlist, String> {
    let map = match allowlist {
        Value::Null => return Ok(Default::default()),
        Value::Object(map) => map,
        _ => return Err("allow-list: expected a mapping `Schema.property: evidence`".into()),
    };
    let mut out = BTreeMap::new();
    let mut operations = BTreeMap::new();
    for (name, evidence) in map {
        let operation = name
            .split_once(' ')
            .filter(|(method, path)| METHODS.contains(method) && path.starts_with('/'))
            .map(|(method, path)| format!("{method} {}", blank_parameters(path)));
        let valid_name = operation.is_some()
            || name
                .split_once('.')
                .is_some_and(|(s, p)| !s.is_empty() && !p.is_empty());
        if !valid_name {
            return Err(format!(
                "allow-list: `{name}` is neither Schema.property nor METHOD /path"
            ));
        }
        match evidence.as_str().map(str::trim) {
            Some(text) if !text.is_empty() => match operation {
                Some(key) => {
                    operations.insert(key, text.to_string());
                }
                None => {
                    out.insert(name.clone(), text.to_string());
                }
            },
            _ => {
                return Err(format!(
                    "allow-list: `{name}` needs its evidence as a non-empty string"
                ));
            }
        }
    }
    Ok((out, operations))
}

/// `METHOD /path/{}/` -> (label, operation). Parameter names are blanked so that `{id}` and
/// `{run_id}` match whether or not the document went through normalization.
fn operations(doc: &Value) -> BTreeMap<String, (String, &Map<String, Value>)> {
    let mut out = BTreeMap::new();
    for o in openapi::operations(doc) {
        let method = o.method.to_uppercase();
        let key = format!("{method} {}", blank_parameters(o.path));
        let id =
            o.op.get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("?");
        out.insert(key, (format!("{id} ({method} {})", o.path), o.op));
    }
    out
}

fn blank_parameters(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_braces = true;
                out.push_str("{}");
            }
            '}' => in_braces = false,
            _ if in_braces => {}
            _ => out.push(c),
        }
    }
    out
}

/// The JSON schema of a response (following a `$ref`d response), if it has one.
fn json_schema_of<'a>(doc: &'a Value, response: &'a Value) -> Option<&'a Value> {
    let response = resolve(doc, response);
    let content = response.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| *media == "application/json" || media.starts_with("application/json;"))
        .and_then(|(_, media)| media.get("schema"))
}

/// Upstream's schema answering like our response `code`: any success for a 2xx, else the same
/// code or a code inside the same range (`4XX` matches `404`).
fn upstream_response_schema<'a>(
    doc: &'a Value,
    op: &'a Map<String, Value>,
    code: &str,
) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let class = code.chars().next()?;
    let same_class = |c: &str| c.starts_with(class) && c.len() == 3;
    let candidates: Vec<&Value> = if class == '2' {
        responses
            .iter()
            .filter(|(c, _)| same_class(c))
            .map(|(_, r)| r)
            .collect()
    } else if code.ends_with("XX") || code.ends_with("xx") {
        responses
            .iter()
            .filter(|(c, _)| same_class(c))
            .map(|(_, r)| r)
            .collect()
    } else {
        responses
            .iter()
            .filter(|(c, _)| *c == code || c.eq_ignore_ascii_case(&format!("{class}XX")))
            .map(|(_, r)| r)
            .collect()
    };
    candidates.into_iter().find_map(|r| json_schema_of(doc, r))
}

/// Follows `$ref`s and single-member `allOf` wrappers (the nullable-ref idiom) to the schema
/// that holds the content, and names it: the component name, or `context` for inline schemas.
fn named<'a>(doc: &'a Value, schema: &'a Value, context: &str) -> (String, &'a Value) {
    let resolved = resolve(doc, schema);
    let name = schema_name(schema).unwrap_or_else(|| context.to_string());
    (name, resolved)
}

fn schema_name(schema: &Value) -> Option<String> {
    let mut current = schema;
    for _ in 0..32 {
        if let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            return reference.rsplit('/').next().map(str::to_string);
        }
        match single_all_of(current) {
            Some(inner) => current = inner,
            None => break,
        }
    }
    None
}

fn single_all_of(schema: &Value) -> Option<&Value> {
    match schema.get("allOf").and_then(Value::as_array) {
        Some(members) if members.len() == 1 => members.first(),
        _ => None,
    }
}

/// Follows local `$ref`s and single-member `allOf`s; stops (returns the last node) on anything
/// it cannot follow, so a broken reference is never a panic.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..32 {
        if let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            match reference.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => current = target,
                None => return current,
            }
        } else if let Some(inner) = single_all_of(current) {
            current = inner;
        } else {
            return current;
        }
    }
    current
}

/// All properties a schema declares, through `allOf`, `oneOf` and `anyOf` members.
fn properties<'a>(doc: &'a Value, schema: &'a Value) -> BTreeMap<&'a str, &'a Value> {
    let mut out = BTreeMap::new();
    collect_properties(doc, schema, &mut out, 0);
    out
}

fn collect_properties<'a>(
    doc: &'a Value,
    schema: &'a Value,
    out: &mut BTreeMap<&'a str, &'a Value>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let schema = resolve(doc, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            out.entry(name.as_str()).or_insert(sub);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_properties(doc, member, out, depth + 1);
        }
    }
}

fn array_items<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let schema = resolve(doc, schema);
    (kinds(doc, schema).contains("array"))
        .then(|| schema.get("items"))
        .flatten()
}

/// The JSON types a schema admits; empty means "anything" (no `type`, as dbt writes for some
/// free-form fields).
fn kinds<'a>(doc: &'a Value, schema: &'a Value) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    collect_kinds(doc, schema, &mut out, 0);
    out
}

fn collect_kinds<'a>(doc: &'a Value, schema: &'a Value, out: &mut BTreeSet<&'a str>, depth: usize) {
    if depth > 32 {
        return;
    }
    let schema = resolve(doc, schema);
    match schema.get("type") {
        Some(Value::String(t)) => {
            out.insert(t.as_str());
        }
        Some(Value::Array(ts)) => {
            out.extend(ts.iter().filter_map(Value::as_str).filter(|t| *t != "null"))
        }
        _ => {
            if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
                out.insert("object");
            } else if schema.get("items").is_some() {
                out.insert("array");
            }
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let members = schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        // A member without a type constrains nothing for allOf; for oneOf/anyOf it admits
        // anything, which `incompatible` reads as "compatible" through the empty set.
        for member in members {
            let mut inner = BTreeSet::new();
            collect_kinds(doc, member, &mut inner, depth + 1);
            if inner.is_empty() && key != "allOf" {
                out.clear();
                return;
            }
            out.extend(inner);
        }
    }
}

/// Why our schema cannot hold what upstream's describes, if it cannot. Formats are ignored on
/// purpose: we keep timestamps as plain strings where dbt says `date-time`.
fn incompatible(ours: &Value, mine: &Value, upstream: &Value, theirs: &Value) -> Option<String> {
    let my_kinds = kinds(ours, mine);
    let their_kinds = kinds(upstream, theirs);
    if my_kinds.is_empty() || their_kinds.is_empty() {
        return None;
    }
    let accepts =
        |mine: &str, theirs: &str| mine == theirs || (mine == "number" && theirs == "integer");
    if !their_kinds
        .iter()
        .any(|t| my_kinds.iter().any(|m| accepts(m, t)))
    {
        return Some(format!(
            "type {} cannot hold upstream's {}",
            join(&my_kinds),
            join(&their_kinds)
        ));
    }
    if my_kinds.contains("array") && their_kinds.contains("array") {
        let (my_items, their_items) = (array_items(ours, mine)?, array_items(upstream, theirs)?);
        return incompatible(ours, my_items, upstream, their_items)
            .map(|why| format!("items: {why}"));
    }
    None
}

fn join<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ours() -> Value {
        json!({
            "paths": {"/api/v2/accounts/{account_id}/runs/{run_id}/": {"get": {
                "operationId": "getRun",
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunResponse"}}}},
                    "4XX": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
                }
            }}},
            "components": {"schemas": {
                "RunResponse": {"type": "object", "properties": {
                    "data": {"allOf": [{"$ref": "#/components/schemas/Run"}], "nullable": true}
                }},
                "Run": {"type": "object", "properties": {
                    "id": {"type": "integer", "format": "int64"},
                    "created_at": {"type": "string", "nullable": true},
                    "run_steps": {"type": "array", "items": {"$ref": "#/components/schemas/RunStep"}}
                }},
                "RunStep": {"type": "object", "properties": {
                    "index": {"type": "integer"},
                    "started_at": {"type": "string"}
                }},
                "ErrorResponse": {"type": "object", "properties": {"detail": {"type": "string"}}}
            }}
        })
    }

    fn upstream() -> Value {
        json!({
            "paths": {"/api/v2/accounts/{account_id}/runs/{id}/": {"get": {
                "operationId": "Retrieve Run",
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunEnveloped"}}}}}
            }}},
            "components": {"schemas": {
                "RunEnveloped": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/RunResponse"}}},
                "RunResponse": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "run_steps": {"type": "array", "items": {"$ref": "#/components/schemas/RunStep"}}
                }},
                "RunStep": {"type": "object", "properties": {"index": {"type": "integer"}}}
            }}
        })
    }

    fn allow() -> Value {
        json!({
            "RunStep.started_at": "facts.md: run steps carry started_at",
            "ErrorResponse.detail": "facts.md: Django REST errors"
        })
    }

    #[test]
    fn a_spec_backed_by_upstream_or_the_allow_list_has_no_problem() {
        assert_eq!(
            compare(&ours(), &[&upstream()], &allow()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_property_upstream_lacks_is_named_unless_allow_listed() {
        let problems = compare(
            &ours(),
            &[&upstream()],
            &json!({"ErrorResponse.detail": "seen"}),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("RunStep.started_at: "),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("absent from upstream RunStep"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_response_upstream_does_not_describe_needs_the_allow_list() {
        let problems = compare(
            &ours(),
            &[&upstream()],
            &json!({"RunStep.started_at": "seen"}),
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("ErrorResponse.detail: "),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("no upstream schema matches it"),
            "{problems:?}"
        );
    }

    #[test]
    fn an_incompatible_type_is_named_even_when_upstream_has_the_property() {
        let mut ours = ours();
        ours["components"]["schemas"]["Run"]["properties"]["created_at"] =
            json!({"type": "integer"});
        let problems = compare(&ours, &[&upstream()], &allow());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("Run.created_at: type integer cannot hold upstream's string"),
            "{problems:?}"
        );
    }

    #[test]
    fn an_allow_listed_property_may_contradict_upstream_s_type() {
        let mut ours = ours();
        ours["components"]["schemas"]["Run"]["properties"]["created_at"] =
            json!({"type": "integer"});
        let mut entries = allow();
        entries["Run.created_at"] = json!("real responses carry a number");
        assert_eq!(
            compare(&ours, &[&upstream()], &entries),
            Vec::<String>::new()
        );
    }

    #[test]
    fn array_item_types_are_compared() {
        let mut ours = ours();
        ours["components"]["schemas"]["Run"]["properties"]["run_steps"] =
            json!({"type": "array", "items": {"type": "string"}});
        let problems = compare(&ours, &[&upstream()], &allow());
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("Run.run_steps: items: type string")),
            "{problems:?}"
        );
    }

    #[test]
    fn stale_and_malformed_allow_list_entries_are_reported() {
        let mut entries = allow();
        entries["Run.created_at"] = json!("upstream has it now");
        entries["Run.nonexistent"] = json!("gone");
        let problems = compare(&ours(), &[&upstream()], &entries);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("Run.created_at: allow-list entry no longer needed")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("Run.nonexistent: allow-list entry for a property")),
            "{problems:?}"
        );
        assert_eq!(
            compare(&ours(), &[&upstream()], &json!({"nodot": "x"})).len(),
            1
        );
        assert_eq!(
            compare(&ours(), &[&upstream()], &json!({"Run.id": ""})).len(),
            1
        );
    }

    #[test]
    fn an_operation_dbt_does_not_document_is_named() {
        let mut ours = ours();
        ours["paths"]["/api/v2/accounts/{account_id}/runs/{run_id}/"]["delete"] =
            json!({"operationId": "deleteRun", "responses": {"204": {"description": "gone"}}});
        let problems = compare(&ours, &[&upstream()], &allow());
        assert_eq!(
            problems,
            vec![
                "deleteRun (DELETE /api/v2/accounts/{account_id}/runs/{run_id}/): none of dbt's documents has such an operation; remove it or add `DELETE /api/v2/accounts/{}/runs/{}/` to the allow-list with evidence"
            ]
        );
        // Allow-listed with evidence (parameter names do not matter), it passes.
        let mut entries = allow();
        entries["DELETE /api/v2/accounts/{account_id}/runs/{id}/"] = json!("seen in a capture");
        assert_eq!(
            compare(&ours, &[&upstream()], &entries),
            Vec::<String>::new()
        );
    }

    #[test]
    fn operation_entries_that_back_nothing_are_reported() {
        let mut entries = allow();
        entries["GET /api/v2/accounts/{a}/runs/{r}/"] = json!("dbt documents it already");
        entries["PUT /api/v9/nothing/"] = json!("no such operation of ours");
        let problems = compare(&ours(), &[&upstream()], &entries);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("no longer needed"), "{problems:?}");
        assert!(
            problems[1].contains("the spec does not have"),
            "{problems:?}"
        );
    }

    #[test]
    fn each_operation_is_compared_with_the_document_that_has_it() {
        // A v3 operation of ours, backed only by a second upstream document whose component
        // names collide with the first one's.
        let mut ours = ours();
        ours["paths"]["/api/v3/accounts/{account_id}/runs/{run_id}/"] = json!({"get": {
            "operationId": "getRunV3",
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunResponse"}}}}}
        }});
        let mut v3 = upstream();
        let v3_path = v3["paths"]["/api/v2/accounts/{account_id}/runs/{id}/"].clone();
        v3["paths"] = json!({"/api/v3/accounts/{account_id}/runs/{id}/": v3_path});
        // In the v3 document `created_at` is a number: the type check must use that document.
        v3["components"]["schemas"]["RunResponse"]["properties"]["created_at"] =
            json!({"type": "integer"});
        assert_eq!(
            compare(&ours, &[&upstream(), &upstream()], &allow())[0],
            "getRunV3 (GET /api/v3/accounts/{account_id}/runs/{run_id}/): none of dbt's documents has such an operation; remove it or add `GET /api/v3/accounts/{}/runs/{}/` to the allow-list with evidence"
        );
        let problems = compare(&ours, &[&upstream(), &v3], &allow());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("Run.created_at: type string cannot hold upstream's integer"),
            "{problems:?}"
        );
    }

    #[test]
    fn one_of_schema_shared_by_several_positions_is_backed_by_any() {
        // `Run.id` is missing from the second upstream position but present at the first.
        let mut up = upstream();
        up["paths"]["/api/v2/accounts/{account_id}/runs/"] = json!({"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"type": "object", "properties": {"data": {"type": "array", "items": {"type": "object", "properties": {"created_at": {"type": "string"}}}}}}}
        }}}}});
        let mut ours = ours();
        ours["paths"]["/api/v2/accounts/{account_id}/runs/"] = json!({"get": {"operationId": "listRuns", "responses": {"200": {"content": {
            "application/json": {"schema": {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}}}}
        }}}}});
        assert_eq!(compare(&ours, &[&up], &allow()), Vec::<String>::new());
    }

    #[test]
    fn garbage_documents_give_problems_not_panics() {
        let cyclic = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/A"}, "B": {"properties": {"b": {"$ref": "#/nowhere"}}}}}
        });
        let _ = compare(&cyclic, &[&json!(42)], &json!(null));
        let _ = compare(&json!("x"), &[&cyclic, &json!(null)], &json!([]));
    }

    /// The real thing: the checked-in derived spec against dbt's published v2 and v3 documents
    /// (read from ../shared, never copied into the repository; skipped where they are absent).
    #[test]
    fn the_derived_spec_is_backed_by_dbt_s_published_documents() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut upstreams = Vec::new();
        for name in ["openapi-v2.yaml", "openapi-v3.yaml"] {
            let path = root.join("../shared/upstream").join(name);
            if !path.exists() {
                eprintln!("SKIP: {} is absent", path.display());
                return;
            }
            let (doc, _) = crate::pipeline::normalize_upstream(
                crate::document::load_file(&path).unwrap(),
                name,
            )
            .unwrap();
            upstreams.push(doc);
        }
        let ours =
            crate::document::load_file(&root.join("spec/dbt-cloud-administrative-api-openapi.yml"))
                .unwrap();
        let allowlist =
            crate::document::load_file(&root.join("spec/upstream-allowlist.yml")).unwrap();
        let problems = compare(&ours, &upstreams.iter().collect::<Vec<_>>(), &allowlist);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
