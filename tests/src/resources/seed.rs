//! Fixtures of the table kinds: `Fixtures::resources` maps a collection name
//! (`"connections"`, `"environment_variables"`, ...) to objects that need only an `id`; the
//! rest comes from the kind's defaults. Parents default to the first account and project.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::kinds::{self, by_collection};
use super::table::Scope;
use crate::clock::MANUAL_CLOCK_START_MS;
use crate::store::Store;
use crate::timestamps::{self, Style};

/// The collection names fixtures may use, for error messages.
pub(crate) fn collections() -> Vec<&'static str> {
    let mut names: Vec<&str> = kinds::ALL.iter().map(|r| r.collection).collect();
    names.dedup();
    names
}

/// Why a fixtures' `resources` map cannot be loaded, if it cannot.
pub(crate) fn check(resources: &BTreeMap<String, Vec<Value>>) -> Result<(), String> {
    for (collection, items) in resources {
        if by_collection(collection).is_none() {
            return Err(format!(
                "fixtures: /resources/{collection} is not a collection of the mock (known: {})",
                collections().join(", ")
            ));
        }
        for (i, item) in items.iter().enumerate() {
            if item.get("id").and_then(Value::as_i64).is_none() {
                return Err(format!(
                    "fixtures: /resources/{collection}/{i} needs an integer `id`"
                ));
            }
        }
    }
    Ok(())
}

/// Adds the fixtures' table-kind objects to the store (unknown collections were refused by
/// `check` when the fixtures came from JSON; here they are skipped).
pub(crate) fn load(store: &mut Store, resources: &BTreeMap<String, Vec<Value>>) {
    let first_account = store.accounts.keys().next().copied().unwrap_or(1);
    let first_project = store.projects.keys().next().copied();
    let stamp = timestamps::format(MANUAL_CLOCK_START_MS - 30 * 86_400_000, Style::T);
    for (collection, items) in resources {
        let Some(resource) = by_collection(collection) else {
            continue;
        };
        for given in items {
            let Some(id) = given.get("id").and_then(Value::as_i64) else {
                continue;
            };
            let account_id = given
                .get("account_id")
                .and_then(Value::as_i64)
                .unwrap_or(first_account);
            let project_id = match resource.scope {
                Scope::Project => given
                    .get("project_id")
                    .and_then(Value::as_i64)
                    .or(first_project),
                _ => given.get("project_id").and_then(Value::as_i64),
            };
            let mut item = kinds::filled(resource, given, id, account_id, project_id);
            if let Value::Object(map) = &mut item {
                for key in ["created_at", "updated_at"] {
                    map.entry(key).or_insert_with(|| json!(stamp));
                }
                map.entry("state").or_insert(json!(1));
                for (field, prefix) in resource.shown_once {
                    map.entry(*field)
                        .or_insert_with(|| json!(format!("{prefix}fixture{id:08}")));
                }
            }
            store.records_mut(resource.collection).insert(id, item);
        }
    }
}
