//! `components.pathItems` (3.1) inlined where referenced.

use anyhow::bail;
use serde_json::{Map, Value};

use super::Notes;
use crate::document::{escape_pointer_token, unescape_pointer_token};
use crate::openapi::METHODS;

/// Replaces `$ref`s to `components.pathItems` (3.1 only) by a copy of the path item, then
/// removes `components.pathItems`.
pub(super) fn inline_path_items(doc: &mut Value, notes: &mut Notes) -> anyhow::Result<()> {
    let Some(items) = doc
        .get_mut("components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.shift_remove("pathItems"))
    else {
        return Ok(());
    };
    notes.add("`components.pathItems` inlined where referenced and removed");
    let items = items.as_object().cloned().unwrap_or_default();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let pointer = format!("/paths/{}", escape_pointer_token(path));
        inline_one_path_item(item, &items, &pointer)?;
        // Callbacks hold path items too.
        if let Some(obj) = item.as_object_mut() {
            for method in METHODS {
                let Some(callbacks) = obj
                    .get_mut(method)
                    .and_then(|op| op.get_mut("callbacks"))
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (name, callback) in callbacks.iter_mut() {
                    let Some(callback) = callback.as_object_mut() else {
                        continue;
                    };
                    for (expression, cb_item) in callback.iter_mut() {
                        let cb_pointer = format!(
                            "{pointer}/{method}/callbacks/{}/{}",
                            escape_pointer_token(name),
                            escape_pointer_token(expression)
                        );
                        inline_one_path_item(cb_item, &items, &cb_pointer)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn inline_one_path_item(
    item: &mut Value,
    items: &Map<String, Value>,
    pointer: &str,
) -> anyhow::Result<()> {
    // A chain of references is followed a bounded number of times, so a cycle cannot hang us.
    for _ in 0..16 {
        let Some(obj) = item.as_object() else {
            return Ok(());
        };
        let Some(reference) = obj.get("$ref").and_then(Value::as_str) else {
            return Ok(());
        };
        let Some(name) = reference.strip_prefix("#/components/pathItems/") else {
            // A reference to elsewhere (another file) is legal in 3.0 too.
            return Ok(());
        };
        let name = unescape_pointer_token(name);
        let Some(target) = items.get(&name).and_then(Value::as_object) else {
            bail!("$ref `{reference}` at JSON pointer {pointer} points to no path item");
        };
        let mut inlined = target.clone();
        // 3.1 lets a reference carry `summary`/`description`; they override the target's.
        for (key, value) in obj.iter() {
            if key != "$ref" {
                inlined.insert(key.clone(), value.clone());
            }
        }
        *item = Value::Object(inlined);
    }
    bail!("$ref chain at JSON pointer {pointer} is too long or cyclic")
}
