//! The few rules of single kinds that field types cannot say (the table points at them):
//! env var names and scopes, loopback webhook URLs, notification targets, and the values
//! computed or masked around secrets.

use serde_json::{Map, Value, json};

use super::present::MASK;
use crate::envelope::ApiError;

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

pub(crate) fn environment(map: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(kind) = text(map, "type")
        && !matches!(kind, "development" | "deployment")
    {
        return Err(ApiError::invalid_field(
            "type",
            format!("\"{kind}\" is not a valid choice."),
        ));
    }
    if let Some(kind) = text(map, "deployment_type")
        && !matches!(kind, "production" | "staging")
    {
        return Err(ApiError::invalid_field(
            "deployment_type",
            format!("\"{kind}\" is not a valid choice."),
        ));
    }
    Ok(())
}

/// A repository's `full_name` comes from its remote URL (`git@github.com:org/repo.git`).
pub(crate) fn repository_name(map: &mut Map<String, Value>) {
    let Some(url) = text(map, "remote_url") else {
        return;
    };
    let path = url
        .rsplit_once(':')
        .map(|(_, p)| p)
        .unwrap_or(url)
        .trim_start_matches('/');
    let path = path.rsplit('/').take(2).collect::<Vec<_>>();
    let name = path
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("/")
        .trim_end_matches(".git")
        .to_string();
    map.insert("full_name".into(), json!(name));
}

/// A connection's `type` is the adapter's name (`snowflake_v0` -> `snowflake`).
pub(crate) fn connection_type(map: &mut Map<String, Value>) {
    if let Some(adapter) = text(map, "adapter_version") {
        let kind = adapter.split('_').next().unwrap_or(adapter).to_string();
        map.insert("type".into(), json!(kind));
    }
}

/// Connection configs may carry client secrets: shown masked.
pub(crate) fn mask_connection_secrets(map: &mut Map<String, Value>) {
    if let Some(Value::Object(config)) = map.get_mut("config") {
        for (key, value) in config.iter_mut() {
            let secret = ["secret", "password", "private_key", "token"]
                .iter()
                .any(|s| key.contains(s));
            if secret && !value.is_null() {
                *value = json!(MASK);
            }
        }
    }
}

/// The prefix of env var names whose values dbt never shows.
pub(crate) const SECRET_PREFIX: &str = "DBT_ENV_SECRET_";

/// dbt's rules for env var names: upper case, `DBT_` first.
pub(crate) fn variable_name(name: &str) -> Result<(), ApiError> {
    let ok = name.starts_with("DBT_")
        && name.len() > 4
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "name",
            "Environment variable names must start with DBT_ and contain only upper-case letters, digits and underscores.",
        ))
    }
}

pub(crate) fn environment_variable(map: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(name) = text(map, "name") {
        variable_name(name)?;
    }
    let scope_field = match text(map, "type") {
        None | Some("project") => None,
        Some("environment") => Some("environment_id"),
        Some("job") => Some("job_definition_id"),
        Some("user") => Some("user_id"),
        Some(other) => {
            return Err(ApiError::invalid_field(
                "type",
                format!("\"{other}\" is not a valid choice."),
            ));
        }
    };
    if let Some(field) = scope_field
        && map.get(field).is_none_or(Value::is_null)
    {
        return Err(ApiError::invalid_field(field, "This field is required."));
    }
    Ok(())
}

/// The shown value of an env var is the raw value, unless it is a secret.
pub(crate) fn environment_variable_display(map: &mut Map<String, Value>) {
    if let Some(raw) = map.get("raw_value").cloned()
        && !raw.is_null()
    {
        map.insert("display_value".into(), raw);
    }
}

pub(crate) fn mask_secret_variable(map: &mut Map<String, Value>) {
    if text(map, "name").is_some_and(|n| n.starts_with(SECRET_PREFIX)) {
        map.insert("display_value".into(), json!(MASK));
    }
}

/// A permission grant: `{permission_set, project_id?, all_projects?}`, the set not blank.
pub(crate) fn permission(value: &Value, field: &str) -> Result<(), ApiError> {
    // A missing project_id means the same as `"project_id": null` (DRF fills optional fields
    // with null), which this check has always taken.
    let ok = value
        .get("permission_set")
        .and_then(Value::as_str)
        .is_some_and(|set| !set.trim().is_empty())
        && value
            .get("all_projects")
            .is_none_or(|a| a.is_boolean() || a.is_null())
        && value
            .get("project_id")
            .is_none_or(|p| p.is_i64() || p.is_null());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            field,
            "Each permission needs a permission_set and a project_id or all_projects.",
        ))
    }
}

pub(crate) fn permissions_field(map: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(Value::Array(items)) = map.get("permission_grants") {
        for item in items {
            permission(item, "permission_grants")?;
        }
    }
    Ok(())
}

pub(crate) fn notification(map: &Map<String, Value>) -> Result<(), ApiError> {
    match map.get("type").and_then(Value::as_i64) {
        Some(4) if map.get("external_email").is_none_or(Value::is_null) => Err(
            ApiError::invalid_field("external_email", "This field is required."),
        ),
        Some(2 | 5) if map.get("slack_channel_id").is_none_or(Value::is_null) => Err(
            ApiError::invalid_field("slack_channel_id", "This field is required."),
        ),
        // dbt's types: 1 internal email, 2 Slack, 3 webhook (deprecated, still a valid
        // choice), 4 external email, 5 Slack (v2).
        Some(1..=5) | None => Ok(()),
        Some(other) => Err(ApiError::invalid_field(
            "type",
            format!("\"{other}\" is not a valid choice."),
        )),
    }
}

/// `http(s)://host[:port][/...]` in printable ASCII without spaces (the host made of letters,
/// digits, `.`, `-`, and `[`, `:`, `]` for IPv6), the spec's pattern: what dbt stores. Only
/// loopback `http://` URLs are ever delivered to (`webhooks::Target`); others are kept and
/// skipped, so a test can subscribe the way a client does against dbt without the mock
/// connecting anywhere but the local machine.
fn is_absolute_http_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:[]-".contains(c))
        && tail.chars().all(|c| c.is_ascii_graphic())
}

/// The event types a subscription may ask for.
pub(crate) const EVENT_TYPES: [&str; 3] =
    ["job.run.started", "job.run.completed", "job.run.errored"];

pub(crate) fn webhook_subscription(map: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(Value::Array(types)) = map.get("event_types") {
        if types.is_empty() {
            return Err(ApiError::invalid_field(
                "event_types",
                "This list may not be empty.",
            ));
        }
        if let Some(bad) = types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| !EVENT_TYPES.contains(t))
        {
            return Err(ApiError::invalid_field(
                "event_types",
                format!("\"{bad}\" is not a valid event type."),
            ));
        }
    }
    if let Some(url) = text(map, "client_url")
        && !is_absolute_http_url(url)
    {
        return Err(ApiError::invalid_field("client_url", "Enter a valid URL."));
    }
    Ok(())
}
