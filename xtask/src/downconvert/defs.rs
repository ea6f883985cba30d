//! `$defs` (anywhere) moved into `components.schemas`, and the `$ref`s to them rewritten.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::Notes;
use super::walk::walk_document_schemas;
use crate::document::{escape_pointer_token, unescape_pointer_token};

pub(super) fn move_defs(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    // 1. Where the containers are (pre-order, so outer containers come first).
    let mut containers: Vec<(String, &'static str, Vec<String>)> = Vec::new();
    let root_has_defs = doc.get("$defs").is_some_and(Value::is_object);
    if root_has_defs {
        let names = doc["$defs"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        containers.push((String::new(), "$defs", names));
    }
    walk_document_schemas(doc, &mut |schema, pointer| {
        for key in ["$defs", "definitions"] {
            if let Some(defs) = schema.get(key).and_then(Value::as_object) {
                containers.push((pointer.to_string(), key, defs.keys().cloned().collect()));
            }
        }
        Ok(())
    })?;
    if containers.is_empty() {
        return Ok(());
    }

    // 2. The new names, deterministic: the definition's own name unless it is taken.
    let mut taken: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut moves: Vec<(String, String)> = Vec::new(); // old pointer -> new component name
    for (container, key, names) in &containers {
        let owner = container
            .rsplit('/')
            .next()
            .map(unescape_pointer_token)
            .unwrap_or_default();
        for name in names {
            let mut candidate = name.clone();
            if taken.contains(&candidate) {
                candidate = format!("{owner}{name}");
            }
            let base = candidate.clone();
            let mut n = 2;
            while taken.contains(&candidate) || candidate.is_empty() {
                candidate = format!("{base}{n}");
                n += 1;
            }
            taken.push(candidate.clone());
            moves.push((
                format!("{container}/{key}/{}", escape_pointer_token(name)),
                candidate,
            ));
        }
    }

    // 3. Rewrite the references (the longest matching old pointer wins, for nested $defs).
    let mut error = None;
    let lookup = |reference: &str, at: &str| -> Option<String> {
        let target = reference.strip_prefix('#')?;
        let mut best: Option<(&str, &str)> = None;
        for (old, new) in &moves {
            let matches = target == old
                || (target.starts_with(old.as_str()) && target[old.len()..].starts_with('/'));
            if matches && best.is_none_or(|(b, _)| old.len() > b.len()) {
                best = Some((old, new));
            }
        }
        if let Some((old, new)) = best {
            return Some(format!(
                "#/components/schemas/{}{}",
                escape_pointer_token(new),
                &target[old.len()..]
            ));
        }
        // `#/$defs/X` written as if the enclosing schema were the root.
        let rest = target
            .strip_prefix("/$defs/")
            .or_else(|| target.strip_prefix("/definitions/"))?;
        let (name, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let mut nearest: Option<(&str, &str)> = None;
        for (old, new) in &moves {
            let Some((container, def)) = old.rsplit_once('/') else {
                continue;
            };
            let Some(container) = container
                .strip_suffix("/$defs")
                .or_else(|| container.strip_suffix("/definitions"))
            else {
                continue;
            };
            let encloses = at == container || at.starts_with(&format!("{container}/"));
            if def == name && encloses && nearest.is_none_or(|(c, _)| container.len() > c.len()) {
                nearest = Some((container, new));
            }
        }
        nearest.map(|(_, new)| format!("#/components/schemas/{}{tail}", escape_pointer_token(new)))
    };
    walk_document_schemas(doc, &mut |schema, pointer| {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return Ok(());
        };
        let defs_like = reference.contains("/$defs/") || reference.contains("/definitions/");
        match lookup(reference, pointer) {
            Some(new) => {
                schema["$ref"] = Value::String(new);
            }
            None if defs_like && reference.starts_with('#') && error.is_none() => {
                error = Some(format!(
                    "$ref `{reference}` at JSON pointer {pointer} points to no $defs entry"
                ));
            }
            None => {}
        }
        Ok(())
    })?;
    if let Some(error) = error {
        bail!(error);
    }

    // 4. Move the definitions, innermost first, so an outer move carries no stale `$defs`.
    let mut order: Vec<usize> = (0..containers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(containers[i].0.len()));
    let mut moved: BTreeMap<String, Value> = BTreeMap::new();
    for i in order {
        let (container, key, _) = &containers[i];
        let Some(node) = (if container.is_empty() {
            Some(&mut *doc)
        } else {
            doc.pointer_mut(container)
        }) else {
            continue;
        };
        let Some(defs) = node.as_object_mut().and_then(|o| o.shift_remove(*key)) else {
            continue;
        };
        let Value::Object(defs) = defs else { continue };
        for (name, schema) in defs {
            let old = format!("{container}/{key}/{}", escape_pointer_token(&name));
            if let Some((_, new)) = moves.iter().find(|(o, _)| *o == old) {
                moved.insert(new.clone(), schema);
            }
        }
    }
    let components = doc
        .as_object_mut()
        .context("the document root is not an object")?
        .entry("components")
        .or_insert_with(|| json!({}));
    let Some(components) = components.as_object_mut() else {
        bail!("`components` (JSON pointer /components) is not an object");
    };
    let schemas = components.entry("schemas").or_insert_with(|| json!({}));
    let Some(schemas) = schemas.as_object_mut() else {
        bail!("`components.schemas` (JSON pointer /components/schemas) is not an object");
    };
    // Insert in the order the definitions were found, not in BTreeMap order of new names.
    for (_, new) in &moves {
        if let Some(schema) = moved.remove(new) {
            schemas.insert(new.clone(), schema);
        }
    }
    notes.add("`$defs` moved into `components.schemas` and their `$ref`s rewritten");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
