//! `cargo xtask compare-upstream`: every property our response schemas declare must be backed by
//! dbt's own published description, or be a field real responses carry that dbt's document omits,
//! listed with its evidence in `spec/upstream-allowlist.yml`.
//!
//! Schemas are matched by position, not by name: our response of `GET /api/v2/accounts/{}/runs/`
//! is compared with upstream's response of the same method and path (path parameter names are
//! ignored), and nested objects are compared property by property from there. One schema of ours
//! can stand for several of upstream's (our `Environment` is dbt's `EnvironmentV2Response` at
//! `getEnvironment` and its `EnvironmentV2` inside a run): a property is backed when at least one
//! of them declares it, and its type must be compatible with every one that does.
//!
//! The allow-list is a mapping `Schema.property: evidence`. An entry that backs nothing (the
//! property is gone, or upstream now declares it) is reported too, so the list stays short.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Map, Value};

use crate::openapi;

/// Compares `ours` (the derived spec) with `upstream` (dbt's document, best already normalized)
/// and returns one line per problem, each naming `Schema.property`. Empty means all is backed.
pub fn compare(ours: &Value, upstream: &Value, allowlist: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let allow = match parse_allowlist(allowlist) {
        Ok(allow) => allow,
        Err(message) => return vec![message],
    };

    let upstream_ops = operations(upstream);
    let mut walk = Walk {
        ours,
        upstream,
        visited: HashSet::new(),
        props: BTreeMap::new(),
    };
    for (key, (label, op)) in operations(ours) {
        let upstream_op = upstream_ops.get(&key).map(|(_, op)| *op);
        if upstream_op.is_none() {
            problems.push(format!("{label}: dbt's document has no such operation"));
        }
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (code, response) in responses {
            let Some(schema) = json_schema_of(ours, response) else {
                continue;
            };
            let theirs = upstream_op.and_then(|op| upstream_response_schema(upstream, op, code));
            let context = format!("{label} {code}");
            walk.pair(schema, theirs, &context);
        }
    }

    for ((schema, property), seen) in &walk.props {
        let name = format!("{schema}.{property}");
        for mismatch in &seen.mismatches {
            problems.push(format!("{name}: {mismatch}"));
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
            Some(seen) if !seen.backed_by.is_empty() => problems.push(format!(
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
    upstream_path: &Path,
    allowlist_path: &Path,
) -> anyhow::Result<ExitCode> {
    let ours = crate::document::load_file(ours_path)?;
    let upstream_raw = crate::document::load_file(upstream_path)?;
    let origin = upstream_path.display().to_string();
    let (upstream, _notes) = crate::pipeline::normalize_upstream(upstream_raw, &origin)?;
    let allowlist = crate::document::load_file(allowlist_path)
        .with_context(|| format!("cannot load the allow-list {}", allowlist_path.display()))?;
    let problems = compare(&ours, &upstream, &allowlist);
    if problems.is_empty() {
        println!(
            "compare-upstream: every response property of {} is backed by {} or by {}",
            ours_path.display(),
            upstream_path.display(),
            allowlist_path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    eprintln!(
        "compare-upstream: {} problem(s) against {}",
        problems.len(),
        upstream_path.display()
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
            let their_items =
                theirs.and_then(|t| array_items(self.upstream, resolve(self.upstream, t)));
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

fn parse_allowlist(allowlist: &Value) -> Result<BTreeMap<String, String>, String> {
    let map = match allowlist {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(map) => map,
        _ => return Err("allow-list: expected a mapping `Schema.property: evidence`".into()),
    };
    let mut out = BTreeMap::new();
    for (name, evidence) in map {
        let valid_name = name
            .split_once('.')
            .is_some_and(|(s, p)| !s.is_empty() && !p.is_empty());
        if !valid_name {
            return Err(format!(
                "allow-list: `{name}` is not of the form Schema.property"
            ));
        }
        match evidence.as_str().map(str::trim) {
            Some(text) if !text.is_empty() => {
                out.insert(name.clone(), text.to_string());
            }
            _ => {
                return Err(format!(
                    "allow-list: `{name}` needs its evidence as a non-empty string"
                ));
            }
        }
    }
    Ok(out)
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
            compare(&ours(), &upstream(), &allow()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_property_upstream_lacks_is_named_unless_allow_listed() {
        let problems = compare(
            &ours(),
            &upstream(),
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
        let problems = compare(&ours(), &upstream(), &json!({"RunStep.started_at": "seen"}));
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
        let problems = compare(&ours, &upstream(), &allow());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("Run.created_at: type integer cannot hold upstream's string"),
            "{problems:?}"
        );
    }

    #[test]
    fn array_item_types_are_compared() {
        let mut ours = ours();
        ours["components"]["schemas"]["Run"]["properties"]["run_steps"] =
            json!({"type": "array", "items": {"type": "string"}});
        let problems = compare(&ours, &upstream(), &allow());
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
        let problems = compare(&ours(), &upstream(), &entries);
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
            compare(&ours(), &upstream(), &json!({"nodot": "x"})).len(),
            1
        );
        assert_eq!(
            compare(&ours(), &upstream(), &json!({"Run.id": ""})).len(),
            1
        );
    }

    #[test]
    fn an_operation_dbt_does_not_document_is_named() {
        let mut ours = ours();
        ours["paths"]["/api/v2/accounts/{account_id}/runs/{run_id}/"]["delete"] =
            json!({"operationId": "deleteRun", "responses": {"204": {"description": "gone"}}});
        let problems = compare(&ours, &upstream(), &allow());
        assert_eq!(
            problems,
            vec![
                "deleteRun (DELETE /api/v2/accounts/{account_id}/runs/{run_id}/): dbt's document has no such operation"
            ]
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
        assert_eq!(compare(&ours, &up, &allow()), Vec::<String>::new());
    }

    #[test]
    fn garbage_documents_give_problems_not_panics() {
        let cyclic = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/A"}, "B": {"properties": {"b": {"$ref": "#/nowhere"}}}}}
        });
        let _ = compare(&cyclic, &json!(42), &json!(null));
        let _ = compare(&json!("x"), &cyclic, &json!([]));
    }

    /// The real thing: the checked-in derived spec against dbt's published v2 document (read
    /// from ../shared, never copied into the repository; skipped where it is absent).
    #[test]
    fn the_derived_spec_is_backed_by_dbt_s_published_document() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let upstream = root.join("../shared/upstream/openapi-v2.yaml");
        if !upstream.exists() {
            eprintln!("SKIP: {} is absent", upstream.display());
            return;
        }
        let ours =
            crate::document::load_file(&root.join("spec/dbt-cloud-administrative-api-openapi.yml"))
                .unwrap();
        let (upstream, _) = crate::pipeline::normalize_upstream(
            crate::document::load_file(&upstream).unwrap(),
            "openapi-v2.yaml",
        )
        .unwrap();
        let allowlist =
            crate::document::load_file(&root.join("spec/upstream-allowlist.yml")).unwrap();
        let problems = compare(&ours, &upstream, &allowlist);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
