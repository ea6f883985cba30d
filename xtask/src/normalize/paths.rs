//! Paths and path parameters: the part of a method's identity that comes from the URL.
//!
//! The seed says `/accounts/{accountId}/runs/{runId}/` under an `/api/v2` server; dbt says
//! `/api/v2/accounts/{account_id}/runs/{id}/` under an origin. Both must become
//! `/api/v2/accounts/{account_id}/runs/{run_id}/`, or the generated method changes its
//! parameter names with the upstream it came from.

use std::collections::BTreeSet;

use anyhow::bail;
use serde_json::{Map, Value, json};

use super::snake_case;
use crate::document::{escape_pointer_token, unescape_pointer_token};
use crate::downconvert::Notes;
use crate::openapi::METHODS;

/// The API prefix every path gets and the servers it is taken from: if all servers share a
/// path, that one; otherwise `/api/v2` when a server has it (every seed operation exists in
/// v2); otherwise the first server's.
pub fn absolute_paths(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    let Some(root) = doc.as_object_mut() else {
        return Ok(());
    };
    let servers: Vec<Map<String, Value>> = match root.get("servers") {
        Some(Value::Array(list)) => list.iter().filter_map(|s| s.as_object().cloned()).collect(),
        Some(_) => bail!("`servers` (JSON pointer /servers) is not a list"),
        None => Vec::new(),
    };
    let split: Vec<(String, String)> = servers
        .iter()
        .map(|s| split_url(s.get("url").and_then(Value::as_str).unwrap_or("")))
        .collect();
    let prefixes: Vec<&str> = split.iter().map(|(_, path)| path.as_str()).collect();
    let prefix = match prefixes.first() {
        None => "",
        Some(first) if prefixes.iter().all(|p| p == first) => first,
        Some(first) => prefixes
            .iter()
            .copied()
            .find(|p| *p == "/api/v2")
            .unwrap_or(first),
    }
    .to_string();

    // Servers become origins; the same origin twice (v3 and v2 of one host) is listed once.
    if !servers.is_empty() {
        let mut seen = BTreeSet::new();
        let mut origins = Vec::new();
        for (server, (origin, _)) in servers.iter().zip(&split) {
            if origin.is_empty() || !seen.insert(origin.clone()) {
                continue;
            }
            let mut out = Map::new();
            out.insert("url".into(), Value::String(origin.clone()));
            for (key, value) in server {
                match key.as_str() {
                    "url" => {}
                    "variables" => {
                        // Only the variables the origin still uses.
                        if let Some(vars) = value.as_object() {
                            let kept: Map<String, Value> = vars
                                .iter()
                                .filter(|(name, _)| origin.contains(&format!("{{{name}}}")))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect();
                            if !kept.is_empty() {
                                out.insert(key.clone(), Value::Object(kept));
                            }
                        }
                    }
                    _ => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            origins.push(Value::Object(out));
        }
        let changed = root.get("servers") != Some(&Value::Array(origins.clone()));
        if origins.is_empty() {
            root.shift_remove("servers");
        } else {
            root.insert("servers".into(), Value::Array(origins));
        }
        if changed {
            notes.add("servers reduced to their origins");
        }
    }

    if prefix.is_empty() {
        return Ok(());
    }
    if !root.get("paths").is_some_and(Value::is_object) {
        return Ok(());
    }
    let Some(Value::Object(paths)) = root.get_mut("paths").map(Value::take) else {
        return Ok(());
    };
    let mut out = Map::new();
    let mut prefixed = false;
    for (path, item) in paths {
        let absolute = if path == prefix || path.starts_with(&format!("{prefix}/")) {
            path.clone()
        } else {
            prefixed = true;
            if path.starts_with('/') {
                format!("{prefix}{path}")
            } else {
                format!("{prefix}/{path}")
            }
        };
        merge_path_item(&mut out, absolute, item, &path)?;
    }
    root.insert("paths".into(), Value::Object(out));
    if prefixed {
        notes.add(format!(
            "paths made absolute with the server prefix {prefix}"
        ));
    }
    Ok(())
}

/// Inserts a path item; two source paths that end up equal are merged when their methods do
/// not overlap.
fn merge_path_item(
    out: &mut Map<String, Value>,
    path: String,
    item: Value,
    source: &str,
) -> anyhow::Result<()> {
    match (out.get_mut(&path), item) {
        (None, item) => {
            out.insert(path, item);
        }
        (Some(Value::Object(existing)), Value::Object(item)) => {
            for (key, value) in item {
                if existing.contains_key(&key) && METHODS.contains(&key.as_str()) {
                    bail!(
                        "path {source} (JSON pointer /paths/{}) becomes {path}, which already has `{key}`",
                        escape_pointer_token(source)
                    );
                }
                existing.entry(key).or_insert(value);
            }
        }
        _ => bail!(
            "path {source} (JSON pointer /paths/{}) becomes {path}, which already exists",
            escape_pointer_token(source)
        ),
    }
    Ok(())
}

/// `https://cloud.getdbt.com/api/v2/` -> (`https://cloud.getdbt.com`, `/api/v2`).
fn split_url(url: &str) -> (String, String) {
    let (origin, path) = match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => (&url[..i + 3 + j], &url[i + 3 + j..]),
            None => (url, ""),
        },
        None => ("", url),
    };
    (origin.to_string(), path.trim_end_matches('/').to_string())
}

/// `runs` -> `run`, `repositories` -> `repository`, `addresses` -> `address`.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("sses") || word.ends_with("xes") || word.ends_with("ches") {
        word[..word.len() - 2].to_string()
    } else if word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

/// The canonical name of a path parameter, given the literal segment before it.
pub fn canonical_parameter_name(name: &str, preceding: Option<&str>) -> String {
    match (name, preceding) {
        ("remainder", _) => "path".into(),
        ("id", Some(segment)) if !segment.is_empty() => {
            format!("{}_id", singular(&snake_case(segment)))
        }
        _ => {
            let snake = snake_case(name);
            if snake.is_empty() {
                name.to_string()
            } else {
                snake
            }
        }
    }
}

/// The parameters `{...}` of a path template, each with the literal segment before it.
fn template_parameters(path: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut previous_literal: Option<String> = None;
    for segment in path.split('/') {
        let mut rest = segment;
        let mut had_param = false;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + len];
            out.push((name.to_string(), previous_literal.clone()));
            had_param = true;
            rest = &rest[start + len + 1..];
        }
        previous_literal = if had_param || segment.is_empty() {
            None
        } else {
            Some(segment.to_string())
        };
        if segment.is_empty() {
            // `//` or the leading slash: keep the literal before it.
            continue;
        }
    }
    out
}

fn rename_template(path: &str, renames: &[(String, String)]) -> String {
    let mut out = path.to_string();
    for (old, new) in renames {
        out = out.replace(&format!("{{{old}}}"), &format!("{{{new}}}"));
    }
    out
}

/// Renames path parameters to their canonical names everywhere they appear, makes every
/// template variable declared exactly once and required, and removes declared path parameters
/// the template does not have (progenitor panics on those) and other parameters that shadow a
/// path parameter (progenitor merges parameters by name).
pub fn path_parameters(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    let Some(root) = doc.as_object_mut() else {
        return Ok(());
    };
    let mut components: Map<String, Value> = root
        .get("components")
        .and_then(|c| c.get("parameters"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let original_components = components.clone();
    if !root.get("paths").is_some_and(Value::is_object) {
        return Ok(());
    }
    let Some(Value::Object(paths)) = root.get_mut("paths").map(Value::take) else {
        return Ok(());
    };
    let mut out = Map::new();
    for (path, mut item) in paths {
        let pointer = format!("/paths/{}", escape_pointer_token(&path));
        let template = template_parameters(&path);
        let mut renames: Vec<(String, String)> = Vec::new();
        let mut used: BTreeSet<String> = BTreeSet::new();
        for (name, preceding) in &template {
            let mut new = canonical_parameter_name(name, preceding.as_deref());
            if used.contains(&new) {
                new = snake_case(name);
            }
            let base = new.clone();
            let mut n = 2;
            while used.contains(&new) || new.is_empty() {
                new = format!("{base}_{n}");
                n += 1;
            }
            used.insert(new.clone());
            if &new != name {
                renames.push((name.clone(), new));
            }
        }
        let new_path = rename_template(&path, &renames);
        if !renames.is_empty() {
            notes.add("path parameters renamed to canonical snake_case names");
        }
        let names: Vec<String> = template_parameters(&new_path)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if let Some(item_obj) = item.as_object_mut() {
            if let Some(list) = item_obj.get_mut("parameters") {
                fix_parameter_list(
                    list,
                    &renames,
                    &names,
                    &mut components,
                    &format!("{pointer}/parameters"),
                    notes,
                )?;
            }
            let path_level = item_obj.get("parameters").cloned().unwrap_or(json!([]));
            for method in METHODS {
                let Some(op) = item_obj.get_mut(method).and_then(Value::as_object_mut) else {
                    continue;
                };
                let op_pointer = format!("{pointer}/{method}");
                let list = op.entry("parameters").or_insert(json!([]));
                fix_parameter_list(
                    list,
                    &renames,
                    &names,
                    &mut components,
                    &format!("{op_pointer}/parameters"),
                    notes,
                )?;
                complete_operation(list, &path_level, &names, &components, notes);
                if list.as_array().is_some_and(Vec::is_empty) {
                    op.shift_remove("parameters");
                }
            }
        }
        merge_path_item(&mut out, new_path, item, &path)?;
    }
    root.insert("paths".into(), Value::Object(out));

    if components != original_components {
        // Originals that a renamed copy replaced everywhere are no longer needed.
        let referenced = referenced_parameters(root);
        let obsolete: Vec<String> = components
            .keys()
            .filter(|name| {
                !referenced.contains(*name) && was_replaced(name, &components, &original_components)
            })
            .cloned()
            .collect();
        for name in obsolete {
            components.shift_remove(&name);
        }
        if let Some(params) = root
            .get_mut("components")
            .and_then(Value::as_object_mut)
            .map(|c| c.entry("parameters").or_insert(json!({})))
        {
            *params = Value::Object(components);
        }
    }
    Ok(())
}

/// An original component whose renamed copy exists (so it was replaced at least once).
fn was_replaced(name: &str, current: &Map<String, Value>, original: &Map<String, Value>) -> bool {
    original.contains_key(name)
        && current
            .keys()
            .any(|k| k.starts_with(&format!("{name}_")) && !original.contains_key(k))
}

fn referenced_parameters(root: &Map<String, Value>) -> BTreeSet<String> {
    fn walk(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/parameters/"))
                {
                    out.insert(unescape_pointer_token(name));
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    if let Some(paths) = root.get("paths") {
        walk(paths, &mut out);
    }
    if let Some(components) = root.get("components").and_then(Value::as_object) {
        for (key, value) in components {
            if key != "parameters" {
                walk(value, &mut out);
            }
        }
    }
    out
}

/// A parameter's `name` and `in` (empty when missing: lint reports those).
fn name_and_location(parameter: &Map<String, Value>) -> (String, String) {
    let field = |key: &str| {
        parameter
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (field("name"), field("in"))
}

/// The parameter a list entry stands for: itself, or the component it references.
fn resolve<'a>(
    entry: &'a Value,
    components: &'a Map<String, Value>,
) -> Option<&'a Map<String, Value>> {
    match entry.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            components.get(&unescape_pointer_token(name))?.as_object()
        }
        None => entry.as_object(),
    }
}

fn fix_parameter_list(
    list: &mut Value,
    renames: &[(String, String)],
    template: &[String],
    components: &mut Map<String, Value>,
    pointer: &str,
    notes: &mut Notes,
) -> anyhow::Result<()> {
    let Some(list) = list.as_array_mut() else {
        bail!("`parameters` (JSON pointer {pointer}) is not a list");
    };
    for (i, entry) in list.iter_mut().enumerate() {
        if let Some(reference) = entry
            .get("$ref")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            let Some(name) = reference
                .strip_prefix("#/components/parameters/")
                .map(unescape_pointer_token)
            else {
                continue;
            };
            let Some(target) = components.get(&name).and_then(Value::as_object).cloned() else {
                bail!("$ref `{reference}` at JSON pointer {pointer}/{i} points to no parameter");
            };
            if target.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let old = target
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let new = renames
                .iter()
                .find(|(o, _)| o == old)
                .map(|(_, n)| n.clone());
            let needs_required = target.get("required") != Some(&Value::Bool(true));
            if new.is_none() && !needs_required {
                continue;
            }
            let mut copy = target.clone();
            copy.insert("required".into(), Value::Bool(true));
            let copy_name = match &new {
                Some(new) => {
                    copy.insert("name".into(), Value::String(new.clone()));
                    let mut key = format!("{name}_{new}");
                    let mut n = 2;
                    while components
                        .get(&key)
                        .is_some_and(|v| v.as_object() != Some(&copy))
                    {
                        key = format!("{name}_{new}_{n}");
                        n += 1;
                    }
                    notes.add("referenced path parameter replaced by a renamed copy");
                    key
                }
                // Only `required` was wrong: fix the component itself (a path parameter is
                // required wherever it is used).
                None => name.clone(),
            };
            components.insert(copy_name.clone(), Value::Object(copy));
            *entry = json!({ "$ref": format!("#/components/parameters/{}", escape_pointer_token(&copy_name)) });
            continue;
        }
        let Some(param) = entry.as_object_mut() else {
            continue;
        };
        if param.get("in").and_then(Value::as_str) != Some("path") {
            continue;
        }
        if let Some(old) = param.get("name").and_then(Value::as_str)
            && let Some((_, new)) = renames.iter().find(|(o, _)| o == old)
        {
            param.insert("name".into(), Value::String(new.clone()));
        }
        if param.get("required") != Some(&Value::Bool(true)) {
            param.insert("required".into(), Value::Bool(true));
            notes.add("path parameter made required");
        }
    }
    // A declared path parameter the template lacks makes progenitor panic.
    let before = list.len();
    list.retain(|entry| {
        resolve(entry, components).is_none_or(|p| {
            p.get("in").and_then(Value::as_str) != Some("path")
                || p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| template.iter().any(|t| t == n))
        })
    });
    if list.len() != before {
        notes.add("path parameter absent from its path template removed");
    }
    Ok(())
}

/// Declares template variables no level declares, and removes operation parameters that
/// shadow a path parameter (same name, other location) or collide with another parameter
/// once snake_cased (both would be one Rust method).
fn complete_operation(
    list: &mut Value,
    path_level: &Value,
    template: &[String],
    components: &Map<String, Value>,
    notes: &mut Notes,
) {
    let Some(list) = list.as_array_mut() else {
        return;
    };
    let path_level: Vec<Map<String, Value>> = path_level
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|e| resolve(e, components).cloned())
                .collect()
        })
        .unwrap_or_default();
    let declared = |name: &str, list: &[Value]| {
        let is = |p: &Map<String, Value>| {
            p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(name)
        };
        path_level.iter().any(is) || list.iter().filter_map(|e| resolve(e, components)).any(is)
    };
    for name in template {
        if !declared(name, list) {
            list.push(
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
            );
            notes.add("undeclared path template variable declared (as a string)");
        }
    }
    // Path-level parameters count as already taken; an operation parameter with the same name
    // and location overrides (that is legal), any other same-snake-name one goes.
    let mut taken: Vec<(String, String, String)> = path_level
        .iter()
        .map(|p| {
            let (name, location) = name_and_location(p);
            (snake_case(&name), name, location)
        })
        .collect();
    // Path parameters first, so a query parameter never wins over one.
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by_key(|&i| {
        resolve(&list[i], components)
            .and_then(|p| p.get("in"))
            .and_then(Value::as_str)
            != Some("path")
    });
    let mut drop = BTreeSet::new();
    for i in order {
        let Some(p) = resolve(&list[i], components) else {
            continue;
        };
        let (name, location) = name_and_location(p);
        let snake = snake_case(&name);
        let clash = taken
            .iter()
            .any(|(s, n, l)| *s == snake && !(*n == name && *l == location));
        if clash {
            drop.insert(i);
        } else {
            taken.push((snake, name, location));
        }
    }
    if !drop.is_empty() {
        let mut i = 0;
        list.retain(|_| {
            let keep = !drop.contains(&i);
            i += 1;
            keep
        });
        notes.add("parameter whose name collides with another parameter removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(servers: Value, paths: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": servers, "paths": paths})
    }

    #[test]
    fn seed_shape_gets_v2_prefix_and_origin_servers() {
        let mut d = doc(
            json!([{"url": "https://cloud.getdbt.com/api/v3", "description": "a"}, {"url": "https://cloud.getdbt.com/api/v2", "description": "b"}]),
            json!({"/accounts/": {"get": {}}}),
        );
        absolute_paths(&mut d, &mut Notes::default()).unwrap();
        assert_eq!(
            d["servers"],
            json!([{"url": "https://cloud.getdbt.com", "description": "a"}])
        );
        assert_eq!(d["paths"], json!({"/api/v2/accounts/": {"get": {}}}));
    }

    #[test]
    fn shared_prefix_wins_and_absolute_paths_stay() {
        let mut d = doc(
            json!([{"url": "https://a.example/api/v3/"}, {"url": "https://{p}.b.example/api/v3", "variables": {"p": {"default": "x"}}}]),
            json!({"/x": {}, "/api/v3/y": {}}),
        );
        absolute_paths(&mut d, &mut Notes::default()).unwrap();
        assert_eq!(d["paths"], json!({"/api/v3/x": {}, "/api/v3/y": {}}));
        assert_eq!(
            d["servers"],
            json!([{"url": "https://a.example"}, {"url": "https://{p}.b.example", "variables": {"p": {"default": "x"}}}])
        );
        // Distinct prefixes without v2: the first server's.
        let mut d = doc(
            json!([{"url": "https://a/api/v4"}, {"url": "https://a/api/v3"}]),
            json!({"/x": {}}),
        );
        absolute_paths(&mut d, &mut Notes::default()).unwrap();
        assert_eq!(d["paths"], json!({"/api/v4/x": {}}));
        // dbt's shape (origin servers, absolute paths) is left alone.
        let mut d = doc(
            json!([{"url": "https://cloud.getdbt.com/"}]),
            json!({"/api/v2/a/": {}}),
        );
        absolute_paths(&mut d, &mut Notes::default()).unwrap();
        assert_eq!(d["paths"], json!({"/api/v2/a/": {}}));
        assert_eq!(d["servers"], json!([{"url": "https://cloud.getdbt.com"}]));
    }

    #[test]
    fn canonical_names() {
        for (name, preceding, expected) in [
            ("id", Some("runs"), "run_id"),
            ("id", Some("repositories"), "repository_id"),
            ("id", Some("ip-restrictions"), "ip_restriction_id"),
            ("id", Some("steps"), "step_id"),
            ("id", None, "id"),
            ("accountId", Some("accounts"), "account_id"),
            ("remainder", Some("artifacts"), "path"),
            ("pl_endpoint_ksuid", None, "pl_endpoint_ksuid"),
        ] {
            assert_eq!(
                canonical_parameter_name(name, preceding),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn renames_template_and_all_declarations() {
        let mut d = json!({
            "paths": {"/api/v2/accounts/{accountId}/runs/{id}/artifacts/{remainder}": {
                "parameters": [{"name": "accountId", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "get": {"parameters": [
                    {"$ref": "#/components/parameters/RunId"},
                    {"name": "remainder", "in": "path", "schema": {"type": "string"}},
                    {"name": "step", "in": "query", "schema": {"type": "integer"}}
                ]}
            }},
            "components": {"parameters": {"RunId": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}}}
        });
        path_parameters(&mut d, &mut Notes::default()).unwrap();
        let item = &d["paths"]["/api/v2/accounts/{account_id}/runs/{run_id}/artifacts/{path}"];
        assert_eq!(item["parameters"][0]["name"], "account_id");
        let op = &item["get"]["parameters"];
        assert_eq!(
            op[0],
            json!({"$ref": "#/components/parameters/RunId_run_id"})
        );
        assert_eq!(op[1]["name"], "path");
        assert_eq!(op[1]["required"], true);
        assert_eq!(op[2]["name"], "step");
        let params = &d["components"]["parameters"];
        assert_eq!(params["RunId_run_id"]["name"], "run_id");
        // The original is unreferenced now.
        assert!(params.get("RunId").is_none(), "{params}");
    }

    #[test]
    fn undeclared_variables_are_declared_and_extra_path_parameters_removed() {
        let mut d = json!({"paths": {"/a/{x}": {"get": {"parameters": [
            {"name": "y", "in": "path", "required": true, "schema": {"type": "integer"}}
        ]}}}});
        path_parameters(&mut d, &mut Notes::default()).unwrap();
        assert_eq!(
            d["paths"]["/a/{x}"]["get"]["parameters"],
            json!([{"name": "x", "in": "path", "required": true, "schema": {"type": "string"}}])
        );
    }

    #[test]
    fn parameters_shadowing_path_parameters_or_colliding_are_removed() {
        let mut d = json!({"paths": {"/accounts/{account_id}/": {
            "parameters": [{"name": "account_id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "get": {"parameters": [
                {"name": "account_id", "in": "query", "schema": {"type": "integer"}},
                {"name": "orderBy", "in": "query", "schema": {"type": "string"}},
                {"name": "order_by", "in": "query", "schema": {"type": "string"}}
            ]}
        }}});
        path_parameters(&mut d, &mut Notes::default()).unwrap();
        let op = &d["paths"]["/accounts/{account_id}/"]["get"]["parameters"];
        assert_eq!(
            op,
            &json!([{"name": "orderBy", "in": "query", "schema": {"type": "string"}}])
        );
    }

    #[test]
    fn two_paths_that_become_equal_merge_or_fail_with_pointer() {
        let mut d = json!({"paths": {"/r/{id}": {"get": {}}, "/r/{r_id}": {"put": {}}}});
        path_parameters(&mut d, &mut Notes::default()).unwrap();
        assert_eq!(d["paths"].as_object().unwrap().len(), 1);
        let mut d = json!({"paths": {"/r/{id}": {"get": {}}, "/r/{r_id}": {"get": {}}}});
        let e = path_parameters(&mut d, &mut Notes::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("/paths/~1r~1{r_id}"), "{e}");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for mut d in [
            json!({"servers": 1}),
            json!({"servers": [1, {"url": 3}], "paths": {"/a": 1}}),
            json!({"paths": {"/a/{": {"get": {"parameters": 1}}}}),
            json!({"paths": {"/a/{b}": {"parameters": [1, {"$ref": 2}, {"$ref": "#/components/parameters/none"}]}}}),
        ] {
            let _ = absolute_paths(&mut d, &mut Notes::default());
            let _ = path_parameters(&mut d, &mut Notes::default());
        }
    }
}
