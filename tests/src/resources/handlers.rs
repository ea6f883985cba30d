//! The generic handlers: list, get, create, update (whole or partial) and delete of any
//! resource of the table, with dbt's envelopes, 404s, field-naming 400s, filters,
//! `order_by` and offset/limit pagination.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::present::{Moment, parse_id, present};
use super::table::{Action, Deletion, Resource, Scope};
use super::validate::{body_object, check_body};
use crate::app::SharedApp;
use crate::envelope::{self, ApiError, ListExtra, Reply};
use crate::params::{Page, PathParams, QueryParams};
use crate::routes::{compare, order_by, require_account, state_filter};
use crate::store::{Kind, Store};
use crate::timestamps::{self, Style};

/// The handler of `action` on `resource`, on `method`.
pub(crate) fn handler(
    resource: &'static Resource,
    action: Action,
    method: Method,
) -> MethodRouter<SharedApp> {
    let serve = move |State(app): State<SharedApp>,
                      path: PathParams,
                      query: QueryParams,
                      body: Bytes| async move {
        match action {
            Action::List => list(&app, resource, &path, &query),
            Action::Get => read(&app, resource, &path),
            Action::Create => create(&app, resource, &path, &body),
            Action::Update => update(&app, resource, &path, &body, false),
            Action::PartialUpdate => update(&app, resource, &path, &body, true),
            Action::Delete => remove(&app, resource, &path),
        }
    };
    match method {
        Method::POST => post(serve),
        Method::PUT => put(serve),
        Method::PATCH => patch(serve),
        Method::DELETE => delete(serve),
        _ => get(serve),
    }
}

/// A list answer over a whole (small) array, paginated like every list.
pub(crate) fn list_of(items: &[Value], query: &QueryParams, account_id: i64) -> Reply {
    let page = Page::from_query(query)?;
    let filters = page.filters(Some(account_id));
    Ok(envelope::list(
        &page.slice(items),
        ListExtra {
            filters,
            order_by: None,
            total_count: items.len(),
        },
    ))
}

/// The account and (for project-scoped kinds) project a request is about.
#[derive(Clone, Copy)]
pub(crate) struct Owner {
    pub account_id: i64,
    pub project_id: Option<i64>,
    /// Items of no project count as the project's too (`Scope::ProjectView`).
    pub with_unscoped: bool,
}

/// Resolves the path's account (and project), answering 404 for unknown or deleted ones.
pub(crate) fn owner(store: &Store, scope: Scope, path: &PathParams) -> Result<Owner, ApiError> {
    let account_id = path.id("account_id")?;
    require_account(store, account_id)?;
    let project_id = match scope {
        Scope::Account => None,
        Scope::Project | Scope::ProjectView => {
            let id = path.id("project_id")?;
            match store.get(Kind::Project, account_id, id) {
                Some(p) if !is_deleted(p) => Some(id),
                _ => return Err(ApiError::not_found("Project")),
            }
        }
    };
    Ok(Owner {
        account_id,
        project_id,
        with_unscoped: scope == Scope::ProjectView,
    })
}

pub(crate) fn is_deleted(item: &Value) -> bool {
    item.get("state").and_then(Value::as_i64) == Some(2)
}

/// Whether `item` belongs to `owner` (account, and project when scoped).
pub(crate) fn owned_by(item: &Value, owner: Owner) -> bool {
    let int = |k: &str| item.get(k).and_then(Value::as_i64);
    int("account_id") == Some(owner.account_id)
        && owner.project_id.is_none_or(|p| {
            let of = int("project_id");
            of == Some(p) || (owner.with_unscoped && of.is_none())
        })
}

/// The id of the item the path names, if it exists, is the owner's and is not deleted.
pub(crate) fn find(
    store: &Store,
    resource: &'static Resource,
    path: &PathParams,
) -> Result<(Owner, i64), ApiError> {
    let owner = owner(store, resource.scope, path)?;
    let not_found = || ApiError::not_found(resource.name);
    let id = path
        .text(resource.id_param)
        .and_then(|t| parse_id(resource, t))
        .ok_or_else(not_found)?;
    match store.records(resource.collection).and_then(|c| c.get(&id)) {
        Some(item) if owned_by(item, owner) && !is_deleted(item) => Ok((owner, id)),
        _ => Err(not_found()),
    }
}

/// The stored item `id` of `resource` (a 404 if it is gone).
pub(crate) fn stored<'a>(
    store: &'a Store,
    resource: &'static Resource,
    id: i64,
) -> Result<&'a Value, ApiError> {
    store
        .records(resource.collection)
        .and_then(|items| items.get(&id))
        .ok_or_else(|| ApiError::not_found(resource.name))
}

fn list(
    app: &SharedApp,
    resource: &'static Resource,
    path: &PathParams,
    query: &QueryParams,
) -> Reply {
    let page = Page::from_query(query)?;
    let store = app.store();
    let owner = owner(&store, resource.scope, path)?;
    let mut filters = page.filters(Some(owner.account_id));
    if let Some(p) = owner.project_id {
        filters.insert("project_id".into(), json!(p));
    }
    let mut items: Vec<&Value> = store
        .records(resource.collection)
        .map(|c| c.values().filter(|item| owned_by(item, owner)).collect())
        .unwrap_or_default();
    for name in resource.int_filters {
        if let Some(wanted) = query.int(name)? {
            items.retain(|item| item.get(*name).and_then(Value::as_i64) == Some(wanted));
            filters.insert((*name).into(), json!(wanted));
        }
    }
    let state = state_filter(query)?;
    if let Some(s) = query.text("state") {
        filters.insert("state".into(), json!(s));
    }
    if let Some(state) = state {
        items.retain(|item| item.get("state").and_then(Value::as_i64).unwrap_or(1) == state);
    }
    if let Some(needle) = query.text("name__icontains") {
        let needle_lower = needle.to_lowercase();
        items.retain(|item| {
            item.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.to_lowercase().contains(&needle_lower))
        });
        filters.insert("name__icontains".into(), json!(needle));
    }
    if let Some((field, descending)) = order_by(query, resource.orderable)? {
        items.sort_by(|a, b| {
            let o = compare(&a[field.as_str()], &b[field.as_str()]);
            if descending { o.reverse() } else { o }
        });
    }
    let total_count = items.len();
    let data: Vec<Value> = page
        .slice(&items)
        .into_iter()
        .map(|item| present(resource, item, Moment::Read))
        .collect();
    Ok(envelope::list(
        &data,
        ListExtra {
            filters,
            order_by: query.text("order_by").map(String::from),
            total_count,
        },
    ))
}

fn read(app: &SharedApp, resource: &'static Resource, path: &PathParams) -> Reply {
    let store = app.store();
    let (_, id) = find(&store, resource, path)?;
    Ok(envelope::ok(present(
        resource,
        stored(&store, resource, id)?,
        Moment::Read,
    )))
}

/// 400 if another active item of the owner has the same natural key.
fn check_unique(
    store: &Store,
    resource: &'static Resource,
    owner: Owner,
    candidate: &Map<String, Value>,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let Some(first) = resource.unique.first() else {
        return Ok(());
    };
    let Some(items) = store.records(resource.collection) else {
        return Ok(());
    };
    let clash = items.iter().any(|(id, item)| {
        Some(*id) != except
            && owned_by(item, owner)
            && !is_deleted(item)
            && resource.unique.iter().all(|k| {
                item.get(*k).unwrap_or(&Value::Null) == candidate.get(*k).unwrap_or(&Value::Null)
            })
    });
    if clash {
        return Err(ApiError::conflict(
            first,
            format!(
                "{} with this {} already exists.",
                resource.name,
                resource.unique.join(" and ")
            ),
        ));
    }
    Ok(())
}

/// Internal key: the highest run id when the item was created (`__` keys are never shown);
/// a webhook subscription hears only of later runs.
pub(crate) const RUNS_BEFORE: &str = "__runs_before";

/// Fields the server sets; a body cannot change them.
const SERVER_SET: [&str; 5] = ["id", "account_id", "project_id", "created_at", "updated_at"];

/// Stores a new item of `resource` built from `given` (already validated) and returns its id.
pub(crate) fn insert(
    store: &mut Store,
    resource: &'static Resource,
    owner: Owner,
    mut given: Map<String, Value>,
    now_ms: i64,
) -> Result<i64, ApiError> {
    if let Some(prepare) = resource.prepare {
        prepare(&mut given);
    }
    check_unique(store, resource, owner, &given, None)?;
    let id = store.allocate_id(resource.collection);
    let mut item = match (resource.defaults)(id, owner.account_id, owner.project_id) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for (key, value) in given {
        if !SERVER_SET.contains(&key.as_str()) {
            item.insert(key, value);
        }
    }
    let stamp = json!(timestamps::format(now_ms, Style::T));
    item.insert("id".into(), json!(id));
    item.insert("account_id".into(), json!(owner.account_id));
    if let Some(p) = owner.project_id {
        item.insert("project_id".into(), json!(p));
    }
    item.insert("created_at".into(), stamp.clone());
    item.insert("updated_at".into(), stamp);
    let last_run = store.runs.keys().next_back().copied().unwrap_or(0);
    item.insert(RUNS_BEFORE.into(), json!(last_run));
    if item.get("state").is_none_or(Value::is_null) {
        item.insert("state".into(), json!(1));
    }
    for (field, prefix) in resource.shown_once {
        item.insert((*field).into(), json!(generated_secret(prefix, id, now_ms)));
    }
    store
        .records_mut(resource.collection)
        .insert(id, Value::Object(item));
    Ok(id)
}

/// A secret that differs per item and instant (the mock needs no real randomness).
fn generated_secret(prefix: &str, id: i64, now_ms: i64) -> String {
    let a = crate::store::mix(id as u64 ^ (now_ms as u64).rotate_left(17));
    let b = crate::store::mix(a ^ 0x5eed);
    format!("{prefix}{a:016x}{b:016x}")
}

fn create(app: &SharedApp, resource: &'static Resource, path: &PathParams, body: &Bytes) -> Reply {
    let given = body_object(body)?;
    check_body(resource, &given, true)?;
    let now = app.clock.now_ms();
    let mut store = app.store();
    let owner = owner(&store, resource.scope, path)?;
    let id = insert(&mut store, resource, owner, given, now)?;
    let item = stored(&store, resource, id)?;
    let code = StatusCode::from_u16(resource.created_code).unwrap_or(StatusCode::CREATED);
    Ok(envelope::with_code(
        code,
        present(resource, item, Moment::Created),
    ))
}

/// Applies `given` (already validated) to the stored item `id`.
pub(crate) fn apply_update(
    store: &mut Store,
    resource: &'static Resource,
    owner: Owner,
    id: i64,
    mut given: Map<String, Value>,
    now_ms: i64,
) -> Result<(), ApiError> {
    let Some(Value::Object(existing)) = store
        .records(resource.collection)
        .and_then(|c| c.get(&id))
        .cloned()
    else {
        return Err(ApiError::not_found(resource.name));
    };
    let mut merged = existing;
    for key in SERVER_SET {
        given.remove(key);
    }
    for (field, _) in resource.shown_once {
        given.remove(*field);
    }
    merged.extend(given);
    if let Some(prepare) = resource.prepare {
        prepare(&mut merged);
    }
    check_unique(store, resource, owner, &merged, Some(id))?;
    merged.insert(
        "updated_at".into(),
        json!(timestamps::format(now_ms, Style::T)),
    );
    store
        .records_mut(resource.collection)
        .insert(id, Value::Object(merged));
    Ok(())
}

fn update(
    app: &SharedApp,
    resource: &'static Resource,
    path: &PathParams,
    body: &Bytes,
    partial: bool,
) -> Reply {
    let given = body_object(body)?;
    // A whole-object update (POST/PUT) must carry the required fields, as a create does; a
    // partial one (PATCH) may leave them out but not null them.
    check_body(resource, &given, !partial)?;
    let now = app.clock.now_ms();
    let mut store = app.store();
    let (owner, id) = find(&store, resource, path)?;
    apply_update(&mut store, resource, owner, id, given, now)?;
    let item = stored(&store, resource, id)?;
    Ok(envelope::ok(present(resource, item, Moment::Read)))
}

fn remove(app: &SharedApp, resource: &'static Resource, path: &PathParams) -> Reply {
    let now = app.clock.now_ms();
    let mut store = app.store();
    let (_, id) = find(&store, resource, path)?;
    let items = store.records_mut(resource.collection);
    match resource.deletion {
        Deletion::Soft => {
            if let Some(Value::Object(map)) = items.get_mut(&id) {
                map.insert("state".into(), json!(2));
                map.insert(
                    "updated_at".into(),
                    json!(timestamps::format(now, Style::T)),
                );
            }
        }
        Deletion::Hard => {
            items.remove(&id);
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
