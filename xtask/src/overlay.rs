//! OpenAPI Overlay 1.0: an ordered list of actions, each with an RFC 9535 JSONPath `target`
//! and either `update` (merged into every node the target selects) or `remove: true`.
//!
//! Merge rules (Overlay 1.0 §4.4.3): an object `update` is merged into a target object, key by
//! key and recursively for nested objects; any other value (arrays included) replaces the
//! target's value for that key. When the target itself is an array, `update` is appended to it
//! (each element, if `update` is an array). An action whose target selects nothing is not an
//! error (the upstream document may have changed), but it is reported so it can be cleaned up.

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::Value;
use serde_json_path::JsonPath;

/// One action of an overlay, parsed and checked.
#[derive(Debug, Clone)]
struct Action {
    index: usize,
    target: JsonPath,
    target_text: String,
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    Update(Value),
    Remove,
}

/// What applying an overlay did, action by action.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OverlayReport {
    /// Actions whose target selected no node: `(index in actions, target)`.
    pub unmatched: Vec<UnmatchedAction>,
    pub applied: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnmatchedAction {
    pub index: usize,
    pub target: String,
}

/// Applies `overlay` to `doc` in order. `origin` names the overlay file in errors.
pub fn apply(doc: &mut Value, overlay: &Value, origin: &str) -> anyhow::Result<OverlayReport> {
    let actions =
        parse(overlay).with_context(|| format!("{origin} is not a valid Overlay 1.0 document"))?;
    let mut report = OverlayReport::default();
    for action in actions {
        let pointers: Vec<String> = action
            .target
            .query_located(doc)
            .locations()
            .map(|path| path.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            report.unmatched.push(UnmatchedAction {
                index: action.index,
                target: action.target_text,
            });
            continue;
        }
        report.applied += 1;
        match &action.change {
            Change::Update(update) => {
                for pointer in &pointers {
                    // The pointer came from this very document, so it resolves.
                    if let Some(node) = doc.pointer_mut(pointer) {
                        merge_update(node, update);
                    }
                }
            }
            Change::Remove => {
                // Remove deepest and last first, so earlier array indices stay valid.
                let mut pointers = pointers;
                pointers.sort_by(|a, b| compare_pointers(b, a));
                for pointer in &pointers {
                    crate::document::remove_pointer(doc, pointer).with_context(|| {
                        format!("{origin}: action {} cannot remove {pointer}", action.index)
                    })?;
                }
            }
        }
    }
    Ok(report)
}

fn parse(overlay: &Value) -> anyhow::Result<Vec<Action>> {
    let Some(object) = overlay.as_object() else {
        bail!("the top level is not a mapping");
    };
    match object.get("overlay") {
        Some(Value::String(version)) if version.starts_with("1.0") => {}
        Some(other) => bail!("/overlay is {other}; only 1.0.x is supported"),
        None => bail!("/overlay (the Overlay version, e.g. 1.0.0) is missing"),
    }
    if !object.get("info").is_some_and(Value::is_object) {
        bail!("/info is missing or not a mapping");
    }
    let Some(Value::Array(actions)) = object.get("actions") else {
        bail!("/actions is missing or not a list");
    };
    actions
        .iter()
        .enumerate()
        .map(|(index, action)| {
            parse_action(index, action).with_context(|| format!("/actions/{index}"))
        })
        .collect()
}

fn parse_action(index: usize, action: &Value) -> anyhow::Result<Action> {
    let Some(target_text) = action.get("target").and_then(Value::as_str) else {
        bail!("`target` is missing or not a string");
    };
    let target = JsonPath::parse(target_text).map_err(|e| {
        anyhow::anyhow!("`target` {target_text:?} is not an RFC 9535 JSONPath: {e}")
    })?;
    let remove = match action.get("remove") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => bail!("`remove` must be true or false, found {other}"),
    };
    let change = match (action.get("update"), remove) {
        (_, true) => Change::Remove,
        (Some(update), false) => Change::Update(update.clone()),
        (None, false) => bail!("the action has neither `update` nor `remove: true`"),
    };
    Ok(Action {
        index,
        target,
        target_text: target_text.to_owned(),
        change,
    })
}

fn merge_update(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(target), Value::Object(update)) => {
            for (key, value) in update {
                match target.get_mut(key) {
                    Some(existing @ Value::Object(_)) if value.is_object() => {
                        merge_update(existing, value)
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(more)) => items.extend(more.iter().cloned()),
        (Value::Array(items), one) => items.push(one.clone()),
        (target, update) => *target = update.clone(),
    }
}

/// Orders pointers so that array elements compare by index, not as text ("10" after "9").
fn compare_pointers(a: &str, b: &str) -> std::cmp::Ordering {
    let tokens = |p: &str| -> Vec<(u64, String)> {
        p.split('/')
            .map(|t| (t.parse::<u64>().unwrap_or(u64::MAX), t.to_owned()))
            .collect()
    };
    tokens(a).cmp(&tokens(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overlay(actions: Value) -> Value {
        json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": actions})
    }

    #[test]
    fn update_merges_objects_recursively_and_replaces_arrays() {
        let mut doc =
            json!({"info": {"title": "a", "contact": {"name": "x"}}, "tags": [{"name": "A"}]});
        let report = apply(
            &mut doc,
            &overlay(json!([
                {"target": "$.info", "update": {"contact": {"url": "u"}, "version": "2"}},
                {"target": "$", "update": {"servers": [{"url": "https://x"}]}},
                {"target": "$.tags", "update": {"name": "B"}}
            ])),
            "o",
        )
        .unwrap();
        assert_eq!(report.applied, 3);
        assert!(report.unmatched.is_empty());
        assert_eq!(
            doc["info"],
            json!({"title": "a", "contact": {"name": "x", "url": "u"}, "version": "2"})
        );
        assert_eq!(doc["servers"], json!([{"url": "https://x"}]));
        assert_eq!(doc["tags"], json!([{"name": "A"}, {"name": "B"}]));
    }

    #[test]
    fn remove_deletes_every_match_even_array_elements() {
        let mut doc = json!({"paths": {"/a": {"get": {}, "post": {}}}, "list": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]});
        apply(
            &mut doc,
            &overlay(json!([
                {"target": "$.paths['/a'].post", "remove": true},
                {"target": "$.list[?@ > 8]", "remove": true}
            ])),
            "o",
        )
        .unwrap();
        assert_eq!(doc["paths"]["/a"], json!({"get": {}}));
        assert_eq!(doc["list"], json!([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    }

    #[test]
    fn actions_apply_in_order() {
        let mut doc = json!({"a": {"b": 1}});
        apply(
            &mut doc,
            &overlay(json!([
                {"target": "$.a", "remove": true},
                {"target": "$", "update": {"a": {"c": 2}}}
            ])),
            "o",
        )
        .unwrap();
        assert_eq!(doc, json!({"a": {"c": 2}}));
    }

    #[test]
    fn unmatched_targets_are_reported() {
        let mut doc = json!({"a": 1});
        let report = apply(
            &mut doc,
            &overlay(json!([{"target": "$.nope", "update": {"x": 1}}])),
            "o",
        )
        .unwrap();
        assert_eq!(report.applied, 0);
        assert_eq!(report.unmatched.len(), 1);
        assert_eq!(report.unmatched[0].target, "$.nope");
        assert_eq!(doc, json!({"a": 1}));
    }

    #[test]
    fn bad_jsonpath_names_the_action_and_the_file() {
        let mut doc = json!({});
        let err = apply(
            &mut doc,
            &overlay(json!([{"target": "$.paths[", "remove": true}])),
            "spec/overlay.yml",
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("spec/overlay.yml"), "{text}");
        assert!(text.contains("/actions/0"), "{text}");
        assert!(text.contains("JSONPath"), "{text}");
    }

    #[test]
    fn not_an_overlay_is_rejected() {
        let mut doc = json!({});
        let err = apply(&mut doc, &json!({"openapi": "3.0.3"}), "o").unwrap_err();
        assert!(format!("{err:#}").contains("/overlay"), "{err:#}");
        let err = apply(&mut doc, &overlay(json!([{"target": "$"}])), "o").unwrap_err();
        assert!(format!("{err:#}").contains("neither"), "{err:#}");
    }
}
