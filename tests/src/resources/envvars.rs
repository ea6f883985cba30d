//! Environment variables beyond single-record CRUD: each variable is one record per scope
//! (`type` project | environment | job | user) in the table kind `ENVIRONMENT_VARIABLES`;
//! the bulk operations edit a name's records together, and the listings group them by name
//! and scope the way dbt shapes them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::checks::{SECRET_PREFIX, variable_name};
use super::handlers::{Owner, apply_update, insert, is_deleted, owned_by, owner};
use super::kinds::ENVIRONMENT_VARIABLES as VARS;
use super::present::MASK;
use super::table::Scope;
use super::validate::{REQUIRED, body_object};
use crate::app::SharedApp;
use crate::envelope::{self, ApiError, Reply};
use crate::params::{PathParams, QueryParams};
use crate::store::{Kind, Store};

/// The key naming the project-wide default in bodies and listings.
const PROJECT: &str = "project";

/// Active records of the project, oldest first.
fn records(store: &Store, owner: Owner) -> Vec<(i64, Value)> {
    store
        .records(VARS.collection)
        .map(|c| {
            c.iter()
                .filter(|(_, v)| owned_by(v, owner) && !is_deleted(v))
                .map(|(id, v)| (*id, v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn text<'a>(item: &'a Value, key: &str) -> &'a str {
    item.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn int(item: &Value, key: &str) -> Option<i64> {
    item.get(key).and_then(Value::as_i64)
}

/// `{id, value}` of a record as listings show it (secrets masked).
fn shown(id: i64, item: &Value) -> Value {
    let value = if text(item, "name").starts_with(SECRET_PREFIX) {
        json!(MASK)
    } else {
        item.get("display_value").cloned().unwrap_or(Value::Null)
    };
    json!({"id": id, "value": value})
}

/// The project's active environments: (id, name), by id.
fn environments(store: &Store, owner: Owner) -> Vec<(i64, String)> {
    store
        .environments
        .iter()
        .filter(|(_, e)| owned_by(e, owner) && !is_deleted(e))
        .map(|(id, e)| (*id, text(e, "name").to_string()))
        .collect()
}

pub(super) async fn by_environment(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let store = app.store();
    let owner = owner(&store, Scope::Project, &path)?;
    let envs = environments(&store, owner);
    let mut variables = Map::new();
    for (id, item) in records(&store, owner) {
        let scope = match text(&item, "type") {
            "project" => PROJECT.to_string(),
            "environment" => match envs
                .iter()
                .find(|(e, _)| Some(*e) == int(&item, "environment_id"))
            {
                Some((_, name)) => name.clone(),
                None => continue,
            },
            _ => continue,
        };
        let entry = variables
            .entry(text(&item, "name").to_string())
            .or_insert_with(|| json!({}));
        entry[scope] = shown(id, &item);
    }
    let mut names = vec![json!(PROJECT)];
    names.extend(envs.into_iter().map(|(_, n)| json!(n)));
    Ok(envelope::ok(
        json!({"environments": names, "variables": variables}),
    ))
}

/// The values a job or user sees: the project default, the environment's override and the
/// job's or user's own, per name.
fn layered(store: &Store, owner: Owner, environment: Option<i64>, own: (&str, &str, i64)) -> Value {
    let (kind, field, id) = own;
    let mut out = Map::new();
    for (record_id, item) in records(store, owner) {
        let scope = match text(&item, "type") {
            "project" => PROJECT,
            "environment"
                if environment.is_some() && int(&item, "environment_id") == environment =>
            {
                "environment"
            }
            t if t == kind && int(&item, field) == Some(id) => kind,
            _ => continue,
        };
        let entry = out
            .entry(text(&item, "name").to_string())
            .or_insert_with(|| json!({}));
        entry[scope] = shown(record_id, &item);
    }
    Value::Object(out)
}

fn required_int(query: &QueryParams, name: &str) -> Result<i64, ApiError> {
    query
        .int(name)?
        .ok_or_else(|| ApiError::invalid_field(name, REQUIRED))
}

pub(super) async fn by_job(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let job_id = required_int(&query, "job_definition_id")?;
    let store = app.store();
    let owner = owner(&store, Scope::Project, &path)?;
    let job = store
        .get(Kind::Job, owner.account_id, job_id)
        .filter(|j| owned_by(j, owner) && !is_deleted(j))
        .ok_or_else(|| ApiError::not_found("Job"))?;
    let environment = int(job, "environment_id");
    Ok(envelope::ok(layered(
        &store,
        owner,
        environment,
        ("job", "job_definition_id", job_id),
    )))
}

pub(super) async fn by_user(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let user_id = required_int(&query, "user_id")?;
    let store = app.store();
    let owner = owner(&store, Scope::Project, &path)?;
    // A user's runs happen in the project's development environment.
    let development = store
        .environments
        .iter()
        .find(|(_, e)| owned_by(e, owner) && !is_deleted(e) && text(e, "type") == "development")
        .map(|(id, _)| *id);
    Ok(envelope::ok(layered(
        &store,
        owner,
        development,
        ("user", "user_id", user_id),
    )))
}

/// A record for `name` at a scope key of a bulk body (`project` or an environment's name).
fn scoped_record(
    envs: &[(i64, String)],
    name: &str,
    key: &str,
    value: &Value,
) -> Result<Map<String, Value>, ApiError> {
    let mut record = Map::new();
    record.insert("name".into(), json!(name));
    record.insert("raw_value".into(), value.clone());
    if key == PROJECT {
        record.insert("type".into(), json!("project"));
    } else {
        let (id, _) = envs.iter().find(|(_, n)| n == key).ok_or_else(|| {
            // A key naming no environment points at something missing: a 404, like any
            // unknown resource, naming the key.
            ApiError::invalid_field(
                key,
                format!("No environment named \"{key}\" in this project."),
            )
            .with_status(StatusCode::NOT_FOUND)
        })?;
        record.insert("type".into(), json!("environment"));
        record.insert("environment_id".into(), json!(id));
    }
    Ok(record)
}

fn value_text(key: &str, value: &Value) -> Result<(), ApiError> {
    if value.is_string() || value.is_null() {
        Ok(())
    } else {
        Err(ApiError::invalid_field(key, "Not a valid string."))
    }
}

/// What a bulk edit did.
fn bulk_answer(
    message: &str,
    new_ids: Vec<i64>,
    updated_ids: Vec<i64>,
    deleted_ids: Vec<i64>,
) -> Reply {
    Ok(envelope::ok(json!({
        "message": message,
        "new_var_ids": new_ids,
        "updated_var_ids": updated_ids,
        "deleted_var_ids": deleted_ids,
        "failures": {},
    })))
}

/// `{"env_var": {"new_name": "DBT_X", "project": "default", "<environment>": "value"}}` (or a
/// list of such objects): creates the variable with its project default and per-environment
/// values.
pub(super) async fn bulk_create(
    State(app): State<SharedApp>,
    path: PathParams,
    body: Bytes,
) -> Reply {
    let map = body_object(&body)?;
    let items = match map.get("env_var") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        Some(_) => {
            return Err(ApiError::invalid_field(
                "env_var",
                "Expected a dictionary of items.",
            ));
        }
        None => return Err(ApiError::invalid_field("env_var", REQUIRED)),
    };
    let now = app.clock.now_ms();
    let mut store = app.store();
    let owner = owner(&store, Scope::Project, &path)?;
    let envs = environments(&store, owner);
    let existing = records(&store, owner);
    // Check everything first, so a bad item creates nothing.
    let mut planned = Vec::new();
    for item in &items {
        let Value::Object(item) = item else {
            return Err(ApiError::invalid_field(
                "env_var",
                "Expected a list of dictionaries.",
            ));
        };
        let name = match item.get("new_name") {
            Some(Value::String(n)) => n.clone(),
            _ => return Err(ApiError::invalid_field("new_name", REQUIRED)),
        };
        variable_name(&name).map_err(|_| {
            ApiError::invalid_field(
                "new_name",
                format!("\"{name}\" is not a valid environment variable name."),
            )
        })?;
        if existing.iter().any(|(_, v)| text(v, "name") == name) {
            return Err(ApiError::conflict(
                "new_name",
                format!("An environment variable named {name} already exists."),
            ));
        }
        for (key, value) in item.iter().filter(|(k, _)| k.as_str() != "new_name") {
            value_text(key, value)?;
            planned.push(scoped_record(&envs, &name, key, value)?);
        }
    }
    let mut new_ids = Vec::new();
    for record in planned {
        new_ids.push(insert(&mut store, &VARS, owner, record, now)?);
    }
    bulk_answer(
        "Environment variables created.",
        new_ids,
        Vec::new(),
        Vec::new(),
    )
}

/// `{"env_vars": {"name": "DBT_X", "new_name"?: "...", "<record id>" | "<environment>" |
/// "project": value}}`: sets values (a null or empty value removes that override), and renames.
pub(super) async fn bulk_update(
    State(app): State<SharedApp>,
    path: PathParams,
    body: Bytes,
) -> Reply {
    let map = body_object(&body)?;
    let Some(Value::Object(edit)) = map.get("env_vars") else {
        return Err(ApiError::invalid_field("env_vars", REQUIRED));
    };
    let name = match edit.get("name") {
        Some(Value::String(n)) => n.clone(),
        _ => return Err(ApiError::invalid_field("name", REQUIRED)),
    };
    let new_name = match edit.get("new_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => {
            variable_name(n).map_err(|_| {
                ApiError::invalid_field(
                    "new_name",
                    format!("\"{n}\" is not a valid environment variable name."),
                )
            })?;
            Some(n.clone())
        }
        Some(_) => return Err(ApiError::invalid_field("new_name", "Not a valid string.")),
    };
    let now = app.clock.now_ms();
    let mut store = app.store();
    let owner = owner(&store, Scope::Project, &path)?;
    let envs = environments(&store, owner);
    let mine: Vec<(i64, Value)> = records(&store, owner)
        .into_iter()
        .filter(|(_, v)| text(v, "name") == name)
        .collect();
    if mine.is_empty() {
        return Err(ApiError::invalid_field(
            "name",
            format!("No environment variable named {name}."),
        )
        .with_status(StatusCode::NOT_FOUND));
    }
    let (mut new_ids, mut updated_ids, mut deleted_ids) = (Vec::new(), Vec::new(), Vec::new());
    for (key, value) in edit
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "new_name"))
    {
        value_text(key, value)?;
        let clears = value.is_null() || value.as_str() == Some("");
        let target = match key.parse::<i64>() {
            Ok(id) => Some(
                mine.iter()
                    .find(|(r, _)| *r == id)
                    .map(|(r, _)| *r)
                    .ok_or_else(|| {
                        ApiError::invalid_field(key, format!("No value {id} of {name}."))
                    })?,
            ),
            Err(_) => {
                let wanted = scoped_record(&envs, &name, key, value)?;
                let same_scope = |v: &Value| {
                    v.get("type") == wanted.get("type")
                        && int(v, "environment_id")
                            == wanted.get("environment_id").and_then(Value::as_i64)
                };
                mine.iter().find(|(_, v)| same_scope(v)).map(|(r, _)| *r)
            }
        };
        match (target, clears) {
            (Some(id), true) => {
                store.records_mut(VARS.collection).remove(&id);
                deleted_ids.push(id);
            }
            (Some(id), false) => {
                let mut change = Map::new();
                change.insert("raw_value".into(), value.clone());
                apply_update(&mut store, &VARS, owner, id, change, now)?;
                updated_ids.push(id);
            }
            (None, true) => {}
            (None, false) => {
                let record = scoped_record(&envs, &name, key, value)?;
                new_ids.push(insert(&mut store, &VARS, owner, record, now)?);
            }
        }
    }
    if let Some(new_name) = new_name {
        // Every value of the variable now, including those this edit added.
        let now_mine: Vec<i64> = records(&store, owner)
            .into_iter()
            .filter(|(_, v)| text(v, "name") == name)
            .map(|(id, _)| id)
            .collect();
        for id in &now_mine {
            let mut change = Map::new();
            change.insert("name".into(), json!(new_name));
            apply_update(&mut store, &VARS, owner, *id, change, now)?;
        }
    }
    bulk_answer(
        "Environment variable updated.",
        new_ids,
        updated_ids,
        deleted_ids,
    )
}

/// `{"name": "DBT_X"}`: removes the variable with all its values.
pub(super) async fn bulk_delete(
    State(app): State<SharedApp>,
    path: PathParams,
    body: Bytes,
) -> Reply {
    let map = body_object(&body)?;
    let name = match map.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::invalid_field(
                "name",
                "This field may not be blank.",
            ));
        }
        None | Some(Value::Null) => return Err(ApiError::invalid_field("name", REQUIRED)),
        Some(_) => return Err(ApiError::invalid_field("name", "Not a valid string.")),
    };
    let mut store = app.store();
    let owner = owner(&store, Scope::Project, &path)?;
    let doomed: Vec<i64> = records(&store, owner)
        .into_iter()
        .filter(|(_, v)| text(v, "name") == name)
        .map(|(id, _)| id)
        .collect();
    if doomed.is_empty() {
        return Err(ApiError::invalid_field(
            "name",
            format!("No environment variable named {name}."),
        )
        .with_status(StatusCode::NOT_FOUND));
    }
    let items = store.records_mut(VARS.collection);
    for id in doomed {
        items.remove(&id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
