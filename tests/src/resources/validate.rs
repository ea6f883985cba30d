//! Request bodies checked the way dbt (Django REST framework) checks them: a 400 envelope
//! whose `data` names the field (`{"name": "This field is required."}`).

use bytes::Bytes;
use serde_json::{Map, Value};

use super::table::{Field, Resource};
use crate::envelope::ApiError;

/// The body as a JSON object (an empty body counts as `{}`), or dbt's 400.
pub(crate) fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match body_value(body)? {
        Value::Object(map) => Ok(map),
        other => Err(ApiError::invalid_field(
            "non_field_errors",
            format!(
                "Invalid data. Expected a dictionary, but got {}.",
                json_kind(&other)
            ),
        )),
    }
}

/// Any JSON body (an empty body counts as `{}`), or dbt's 400.
pub(crate) fn body_value(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_field("non_field_errors", format!("JSON parse error - {e}")))
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

pub(crate) const REQUIRED: &str = "This field is required.";

/// Whether `value` has type `field` (None: it does; Some: DRF's message).
fn type_error(field: Field, value: &Value) -> Option<&'static str> {
    let ok = match (field, value) {
        (Field::Text, Value::String(s)) => {
            if s.trim().is_empty() {
                return Some("This field may not be blank.");
            }
            true
        }
        (Field::AnyText, Value::String(_)) => true,
        (Field::Int, Value::Number(n)) => n.is_i64(),
        (Field::Bool, Value::Bool(_)) => true,
        (Field::IntList, Value::Array(items)) => items.iter().all(|i| i.as_i64().is_some()),
        (Field::TextList, Value::Array(items)) => items.iter().all(Value::is_string),
        (Field::Array, Value::Array(_)) => true,
        (Field::Object, Value::Object(_)) => true,
        _ => false,
    };
    if ok {
        return None;
    }
    Some(match field {
        Field::Text | Field::AnyText => "Not a valid string.",
        Field::Int => "A valid integer is required.",
        Field::Bool => "Must be a valid boolean.",
        Field::IntList => "Expected a list of integers.",
        Field::TextList => "Expected a list of strings.",
        Field::Array => "Expected a list of items.",
        Field::Object => "Expected a dictionary of items.",
    })
}

/// Checks a create (`creating`: required fields present) or an update body of `resource`.
pub(crate) fn check_body(
    resource: &Resource,
    map: &Map<String, Value>,
    creating: bool,
) -> Result<(), ApiError> {
    for name in resource.required {
        let value = map.get(*name);
        let missing = value.is_none_or(Value::is_null);
        // An update may leave a required field out, but not null it.
        if (creating && missing) || (!creating && value.is_some_and(Value::is_null)) {
            return Err(ApiError::invalid_field(name, REQUIRED));
        }
    }
    for (name, field) in resource.fields {
        if let Some(value) = map.get(*name)
            && !value.is_null()
            && let Some(message) = type_error(*field, value)
        {
            return Err(ApiError::invalid_field(name, message));
        }
    }
    match resource.check {
        Some(check) => check(map),
        None => Ok(()),
    }
}
