//! Access control beyond CRUD: a service token's permissions, a group's permissions, and
//! which groups a user is in.

use axum::extract::State;
use bytes::Bytes;
use serde_json::{Value, json};

use super::checks::permission;
use super::handlers::{find, list_of, owner, stored};
use super::kinds::{GROUPS, SERVICE_TOKENS, USERS};
use super::present::{Moment, present};
use super::table::Scope;
use super::validate::{REQUIRED, body_object, body_value};
use crate::app::SharedApp;
use crate::envelope::{ApiError, Reply};
use crate::params::{PathParams, QueryParams};
use crate::timestamps::{self, Style};

fn array(item: &Value, field: &str) -> Vec<Value> {
    item.get(field)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub(super) async fn token_permissions(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let store = app.store();
    let (owner, id) = find(&store, &SERVICE_TOKENS, &path)?;
    let token = stored(&store, &SERVICE_TOKENS, id)?;
    let grants: Vec<Value> = array(token, "permission_grants")
        .into_iter()
        .enumerate()
        .map(|(index, mut grant)| {
            if let Value::Object(map) = &mut grant {
                // Grants are stored inside the token; their ids are derived, stable per position.
                map.entry("id")
                    .or_insert_with(|| json!(id * 100 + index as i64 + 1));
                map.insert("service_token_id".into(), json!(id));
                map.insert("account_id".into(), json!(owner.account_id));
            }
            grant
        })
        .collect();
    list_of(&grants, &query, owner.account_id)
}

/// Replaces a group's permissions with the grants of the body (an array).
pub(super) async fn assign_group_permissions(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
    body: Bytes,
) -> Reply {
    let grants = match body_value(&body)? {
        Value::Array(items) => items,
        _ => {
            return Err(ApiError::invalid_field(
                "non_field_errors",
                "Expected a list of permission grants.",
            ));
        }
    };
    for grant in &grants {
        permission(grant, "permission_set")?;
    }
    let now = app.clock.now_ms();
    let mut store = app.store();
    let (owner, group_id) = find(&store, &GROUPS, &path)?;
    let mut stored = Vec::with_capacity(grants.len());
    for grant in grants {
        let id = store.allocate_id("group_permissions");
        let mut permission = json!({
            "id": id, "account_id": owner.account_id, "group_id": group_id,
            "project_id": null, "all_projects": false, "permission_level": null,
            "writable_environment_categories": [], "state": 1,
            "created_at": timestamps::format(now, Style::T),
            "updated_at": timestamps::format(now, Style::T),
        });
        if let (Value::Object(target), Value::Object(given)) = (&mut permission, grant) {
            for (key, value) in given {
                if !matches!(key.as_str(), "id" | "account_id" | "group_id") {
                    target.insert(key, value);
                }
            }
        }
        stored.push(permission);
    }
    if let Some(Value::Object(group)) = store.records_mut("groups").get_mut(&group_id) {
        group.insert("group_permissions".into(), Value::Array(stored.clone()));
        group.insert(
            "updated_at".into(),
            json!(timestamps::format(now, Style::T)),
        );
    }
    list_of(&stored, &query, owner.account_id)
}

/// Puts a user in exactly the desired groups; answers with those groups.
pub(super) async fn assign_user_to_groups(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
    body: Bytes,
) -> Reply {
    let map = body_object(&body)?;
    let user_id = match map.get("user_id") {
        None | Some(Value::Null) => return Err(ApiError::invalid_field("user_id", REQUIRED)),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| ApiError::invalid_field("user_id", "A valid integer is required."))?,
    };
    let group_ids: Vec<i64> = match map.get("desired_group_ids") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid_field("desired_group_ids", REQUIRED));
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_i64().ok_or_else(|| {
                    ApiError::invalid_field("desired_group_ids", "Expected a list of integers.")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "desired_group_ids",
                "Expected a list of integers.",
            ));
        }
    };
    let mut store = app.store();
    let owner = owner(&store, Scope::Account, &path)?;
    let active = |collection: &'static str, id: i64| {
        store
            .records(collection)
            .and_then(|c| c.get(&id))
            .filter(|item| {
                super::handlers::owned_by(item, owner) && !super::handlers::is_deleted(item)
            })
            .cloned()
    };
    if active(USERS.collection, user_id).is_none() {
        return Err(ApiError::missing_reference("user_id", user_id));
    }
    let mut groups = Vec::new();
    for id in &group_ids {
        match active(GROUPS.collection, *id) {
            Some(group) => groups.push(present(&GROUPS, &group, Moment::Read)),
            None => {
                return Err(ApiError::missing_reference("desired_group_ids", id));
            }
        }
    }
    if let Some(Value::Object(user)) = store.records_mut(USERS.collection).get_mut(&user_id) {
        user.insert("group_ids".into(), json!(group_ids));
    }
    list_of(&groups, &query, owner.account_id)
}
