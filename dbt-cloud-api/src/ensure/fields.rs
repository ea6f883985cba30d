//! The JSON side of the mechanism: which desired fields differ from the resource, and the
//! update body built from the resource with those fields replaced.
//!
//! Desired states serialize only the fields they set (`None` is skipped), in the resource's
//! own JSON shape, so one comparison serves every resource: a field the caller did not set is
//! never compared and never changed.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;

/// The fields `desired` sets, as a JSON object.
pub(crate) fn desired_object(
    operation: &'static str,
    desired: &(impl Serialize + ?Sized),
) -> Result<Map<String, Value>, Error> {
    match to_json(operation, desired)? {
        Value::Object(map) => Ok(map),
        other => Err(Error::InvalidRequest {
            operation,
            message: format!("a desired state must be a JSON object, not {other}"),
        }),
    }
}

/// `value` as JSON, or an error naming the operation.
pub(crate) fn to_json(
    operation: &'static str,
    value: &(impl Serialize + ?Sized),
) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::InvalidRequest {
        operation,
        message: format!("cannot serialize: {e}"),
    })
}

/// The paths (`name`, `settings.threads`) of the fields of `desired` whose value differs
/// from `current`. Objects are compared field by field, so a desired `settings.threads`
/// leaves `settings.target_name` alone; arrays and scalars are compared whole.
pub(crate) fn changed_fields(desired: &Map<String, Value>, current: &Value) -> Vec<String> {
    let mut changed = Vec::new();
    collect_changes("", desired, current, &mut changed);
    changed
}

fn collect_changes(
    prefix: &str,
    desired: &Map<String, Value>,
    current: &Value,
    out: &mut Vec<String>,
) {
    for (key, wanted) in desired {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let existing = current.get(key).unwrap_or(&Value::Null);
        match (wanted, existing) {
            (Value::Object(wanted), existing @ Value::Object(_)) => {
                collect_changes(&path, wanted, existing, out)
            }
            // A whole object where the resource has none: every field it sets is a change.
            (Value::Object(wanted), _) => collect_changes(&path, wanted, &Value::Null, out),
            (wanted, existing) if wanted != existing => out.push(path),
            _ => {}
        }
    }
}

/// `current` with every field of `desired` written over it (objects merged field by field).
pub(crate) fn merged(mut current: Value, desired: &Map<String, Value>) -> Value {
    merge_into(&mut current, desired);
    current
}

fn merge_into(target: &mut Value, desired: &Map<String, Value>) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        return;
    };
    for (key, wanted) in desired {
        match wanted {
            Value::Object(fields) => {
                merge_into(target.entry(key.clone()).or_insert(Value::Null), fields)
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// Decodes a request body built as JSON into the generated body type.
pub(crate) fn body<T: DeserializeOwned>(operation: &'static str, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::InvalidRequest {
        operation,
        message: format!("the desired state does not make a valid request body: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn only_the_fields_the_desired_state_sets_are_compared() {
        let current = json!({"name": "a", "description": "old", "settings": {"threads": 4, "target_name": "prod"}});
        let desired = object(json!({"name": "a", "settings": {"threads": 4}}));
        assert!(changed_fields(&desired, &current).is_empty());
        let desired = object(
            json!({"name": "a", "settings": {"threads": 8}, "execute_steps": ["dbt build"]}),
        );
        assert_eq!(
            changed_fields(&desired, &current),
            ["settings.threads", "execute_steps"]
        );
    }

    #[test]
    fn arrays_are_compared_whole_and_missing_fields_differ() {
        let current = json!({"execute_steps": ["dbt build", "dbt test"]});
        let desired =
            object(json!({"execute_steps": ["dbt build"], "schedule": {"cron": "0 * * * *"}}));
        assert_eq!(
            changed_fields(&desired, &current),
            ["execute_steps", "schedule.cron"]
        );
    }

    #[test]
    fn merge_replaces_set_fields_and_keeps_the_rest() {
        let current =
            json!({"id": 1, "name": "a", "settings": {"threads": 4, "target_name": "prod"}});
        let desired = object(json!({"settings": {"threads": 8}, "triggers": {"schedule": true}}));
        assert_eq!(
            merged(current, &desired),
            json!({"id": 1, "name": "a", "settings": {"threads": 8, "target_name": "prod"}, "triggers": {"schedule": true}})
        );
    }

    #[test]
    fn a_body_that_does_not_decode_names_the_operation() {
        #[derive(serde::Deserialize, Debug)]
        struct Body {
            #[allow(dead_code)]
            name: String,
        }
        let e = body::<Body>("ensure_job", json!({"name": 3})).unwrap_err();
        assert!(
            e.to_string().starts_with("ensure_job: invalid request"),
            "{e}"
        );
    }
}
