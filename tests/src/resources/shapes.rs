//! The server-filled defaults of a new item of each table kind, as dbt returns them (every
//! field present, nulls where dbt sends nulls). v2 kinds reuse the fixtures' shapes, so an
//! object looks the same whichever version created it.

use serde_json::{Value, json};

use crate::fixtures;

pub(crate) fn project(id: i64, account_id: i64, _: Option<i64>) -> Value {
    fixtures::project(&json!({}), id, account_id)
}

pub(crate) fn environment(id: i64, account_id: i64, project_id: Option<i64>) -> Value {
    fixtures::environment(&json!({}), id, account_id, project_id.unwrap_or_default())
}

pub(crate) fn repository(id: i64, account_id: i64, project_id: Option<i64>) -> Value {
    fixtures::repository(&json!({}), id, account_id, project_id.unwrap_or_default())
}

pub(crate) fn connection(id: i64, account_id: i64, project_id: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "project_id": project_id,
        "name": format!("Connection {id}"), "type": "snowflake", "adapter_version": "snowflake_v0",
        "state": 1, "private_link_endpoint_id": null, "oauth_configuration_id": null,
        "is_ssh_tunnel_enabled": false, "config": {}, "created_by_id": null,
    })
}

pub(crate) fn credentials(id: i64, account_id: i64, project_id: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "project_id": project_id, "type": "snowflake",
        "state": 1, "threads": 4, "target_name": "default", "schema": "analytics",
        "user": null, "username": null, "auth_type": "password", "role": null,
        "warehouse": null, "database": null, "adapter_version": "snowflake_v0",
        "credential_details": null,
    })
}

pub(crate) fn environment_variable(id: i64, account_id: i64, project_id: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "project_id": project_id, "name": null,
        "type": "project", "environment_id": null, "job_definition_id": null, "user_id": null,
        "display_value": null, "state": 1,
    })
}

pub(crate) fn service_token(id: i64, account_id: i64, _: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "name": format!("token {id}"),
        "uid": format!("{:016x}", crate::store::mix(id as u64))[..10].to_string(),
        "state": 1, "last_used": null, "metadata_only": false, "webhooks_only": false,
        "permission_grants": [],
    })
}

pub(crate) fn group(id: i64, account_id: i64, _: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "name": format!("group {id}"), "state": 1,
        "assign_by_default": false, "sso_mapping_groups": [], "scim_managed": false,
        "group_permissions": [],
    })
}

pub(crate) fn user(id: i64, account_id: i64, _: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "first_name": null, "last_name": null,
        "email": format!("user{id}@example.com"), "is_active": true, "is_staff": false,
        "state": 1, "group_ids": [], "last_login": null,
    })
}

pub(crate) fn notification(id: i64, account_id: i64, _: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "user_id": null, "type": 1, "state": 1,
        "on_success": [], "on_failure": [], "on_cancel": [], "on_warning": [],
        "external_email": null, "slack_channel_id": null, "slack_channel_name": null,
        "slack_channel_url": null,
    })
}

pub(crate) fn webhook_subscription(id: i64, account_id: i64, _: Option<i64>) -> Value {
    json!({
        "id": id, "account_id": account_id, "account_identifier": format!("act{account_id}"),
        "name": null, "description": null, "client_url": null, "event_types": [], "job_ids": [],
        "active": true, "http_status_code": "0", "dispatched_at": null,
        "deactivate_reason": null,
    })
}

/// Events and receipts are written whole by `crate::webhooks`; fixtures give every field.
pub(crate) fn webhook_record(id: i64, account_id: i64, _: Option<i64>) -> Value {
    json!({"id": id, "account_id": account_id})
}
