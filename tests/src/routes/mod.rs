//! Handlers: the plain resources (projects, environments, repositories, and listJobs/getJob)
//! are listed and fetched by the shared `Resource` handlers below; accounts, jobs, runs and
//! artifacts have a module each. `endpoint` maps each operation to its handler; the helpers
//! here implement what all list endpoints share (filters, order_by, pagination).

mod accounts;
mod artifacts;
mod jobs;
pub(crate) mod runs;

use std::cmp::Ordering;

use axum::extract::State;
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Value, json};

use crate::app::SharedApp;
use crate::envelope::{self, ApiError, ListExtra, Reply};
use crate::operation::Operation;
use crate::params::{Page, PathParams, QueryParams};
use crate::store::{Kind, Run, Store};

/// A plain JSON resource of an account, listed (`GET /accounts/{account_id}/<plural>/`) and
/// fetched (`GET .../<plural>/{id_param}/`) the same way for every kind.
#[derive(Clone, Copy)]
struct Resource {
    kind: Kind,
    /// The path parameter naming one item.
    id_param: &'static str,
    /// Integer fields the list filters on by equality.
    int_filters: &'static [&'static str],
    /// Fields `order_by` accepts.
    orderable: &'static [&'static str],
}

impl Resource {
    fn list(self) -> MethodRouter<SharedApp> {
        get(
            move |State(app): State<SharedApp>, path: PathParams, query: QueryParams| async move {
                let account_id = path.id("account_id")?;
                list_resources(
                    &app,
                    self.kind,
                    Some(account_id),
                    &query,
                    self.int_filters,
                    self.orderable,
                )
            },
        )
    }

    fn get(self) -> MethodRouter<SharedApp> {
        get(
            move |State(app): State<SharedApp>, path: PathParams| async move {
                get_resource(
                    &app,
                    self.kind,
                    path.id("account_id")?,
                    path.id(self.id_param)?,
                )
            },
        )
    }
}

const PROJECTS: Resource = Resource {
    kind: Kind::Project,
    id_param: "project_id",
    int_filters: &[],
    orderable: &["id", "name", "created_at", "updated_at"],
};

const ENVIRONMENTS: Resource = Resource {
    kind: Kind::Environment,
    id_param: "environment_id",
    int_filters: &["project_id"],
    orderable: &["id", "name", "project_id", "created_at", "updated_at"],
};

const REPOSITORIES: Resource = Resource {
    kind: Kind::Repository,
    id_param: "repository_id",
    int_filters: &["project_id"],
    orderable: &["id", "full_name", "project_id", "created_at", "updated_at"],
};

const JOBS: Resource = Resource {
    kind: Kind::Job,
    id_param: "job_id",
    int_filters: &["project_id", "environment_id"],
    orderable: &[
        "id",
        "name",
        "project_id",
        "environment_id",
        "created_at",
        "updated_at",
    ],
};

/// The handler of one operation, on its method.
pub(crate) fn endpoint(op: Operation) -> MethodRouter<SharedApp> {
    match op {
        Operation::ListAccounts | Operation::ListAccountsV3 => get(accounts::list),
        Operation::GetAccount | Operation::GetAccountV3 => get(accounts::get),
        Operation::ListProjects => PROJECTS.list(),
        Operation::GetProject => PROJECTS.get(),
        Operation::ListEnvironments => ENVIRONMENTS.list(),
        Operation::GetEnvironment => ENVIRONMENTS.get(),
        Operation::ListRepositories => REPOSITORIES.list(),
        Operation::GetRepository => REPOSITORIES.get(),
        Operation::ListJobs => JOBS.list(),
        Operation::CreateJob => post(jobs::create),
        Operation::GetJob => JOBS.get(),
        Operation::UpdateJob => post(jobs::update),
        Operation::DeleteJob => delete(jobs::delete),
        Operation::TriggerJobRun => post(jobs::trigger),
        Operation::RerunJob => post(jobs::rerun),
        Operation::GetJobArtifact => get(artifacts::job_artifact),
        Operation::ListRuns => get(runs::list),
        Operation::GetRun => get(runs::get),
        Operation::CancelRun => post(runs::cancel),
        Operation::ListRunArtifacts => get(artifacts::list),
        Operation::GetRunArtifact => get(artifacts::run_artifact),
        // The configuration API of issue 8: the table-driven resources.
        other => crate::resources::endpoint(other).unwrap_or_else(|| get(not_served)),
    }
}

/// An operation nobody serves answers 404 (a unit test of `resources` keeps this unused).
async fn not_served() -> ApiError {
    ApiError::not_found("Path")
}

/// 404 unless the account exists (every `/accounts/{account_id}/...` route checks this first).
pub(crate) fn require_account(store: &Store, account_id: i64) -> Result<(), ApiError> {
    if store.has_account(account_id) {
        Ok(())
    } else {
        Err(ApiError::not_found("Account"))
    }
}

/// The run of the account, or 404 (the account's own 404 first).
pub(crate) fn account_run(store: &Store, account_id: i64, run_id: i64) -> Result<&Run, ApiError> {
    require_account(store, account_id)?;
    store
        .runs
        .get(&run_id)
        .filter(|r| r.account_id == account_id)
        .ok_or_else(|| ApiError::not_found("Run"))
}

/// A single JSON resource of the account, or 404.
pub(crate) fn get_resource(app: &SharedApp, kind: Kind, account_id: i64, id: i64) -> Reply {
    let store = app.store();
    require_account(&store, account_id)?;
    match store.get(kind, account_id, id) {
        Some(item) if !is_deleted(item) || kind == Kind::Account => Ok(envelope::ok(item.clone())),
        _ => Err(ApiError::not_found(kind.name())),
    }
}

fn is_deleted(item: &Value) -> bool {
    item.get("state").and_then(Value::as_i64) == Some(2)
}

/// Which soft-deletion states a `state` query selects (default: active only).
pub(crate) fn state_filter(query: &QueryParams) -> Result<Option<i64>, ApiError> {
    match query.text("state").map(str::to_ascii_lowercase).as_deref() {
        None | Some("active") | Some("1") => Ok(Some(1)),
        Some("deleted") | Some("2") => Ok(Some(2)),
        Some("all") => Ok(None),
        Some(_) => Err(ApiError::invalid_field(
            "state",
            "Select a valid choice. Valid values are active, deleted, all, 1, 2.",
        )),
    }
}

/// Compares two JSON values for ordering: numbers numerically, strings lexically, nulls first.
pub(crate) fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(&y.as_f64().unwrap_or_default())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// `order_by` split into field and direction (`-field` = descending).
pub(crate) fn order_by(
    query: &QueryParams,
    allowed: &[&str],
) -> Result<Option<(String, bool)>, ApiError> {
    let Some(raw) = query.text("order_by") else {
        return Ok(None);
    };
    let (field, descending) = match raw.strip_prefix('-') {
        Some(f) => (f, true),
        None => (raw, false),
    };
    if !allowed.contains(&field) {
        return Err(ApiError::invalid_field(
            "order_by",
            format!(
                "Invalid ordering field `{field}`; valid fields: {}.",
                allowed.join(", ")
            ),
        ));
    }
    Ok(Some((field.to_string(), descending)))
}

/// A list endpoint over JSON resources: account scoping, integer filters, state,
/// name__icontains, order_by, offset/limit.
pub(crate) fn list_resources(
    app: &SharedApp,
    kind: Kind,
    account_id: Option<i64>,
    query: &QueryParams,
    int_filters: &[&str],
    orderable: &[&str],
) -> Reply {
    let page = Page::from_query(query)?;
    let mut filters = page.filters(account_id);
    let store = app.store();
    if let Some(a) = account_id {
        require_account(&store, a)?;
    }
    let mut items: Vec<&Value> = store
        .collection(kind)
        .values()
        .filter(|item| match account_id {
            Some(a) if kind != Kind::Account => {
                item.get("account_id").and_then(Value::as_i64) == Some(a)
            }
            _ => true,
        })
        .collect();
    for name in int_filters {
        if let Some(wanted) = query.int(name)? {
            items.retain(|item| item.get(*name).and_then(Value::as_i64) == Some(wanted));
            filters.insert((*name).into(), json!(wanted));
        }
    }
    if kind != Kind::Account {
        let state = state_filter(query)?;
        if let Some(s) = query.text("state") {
            filters.insert("state".into(), json!(s));
        }
        if let Some(state) = state {
            items.retain(|item| item.get("state").and_then(Value::as_i64).unwrap_or(1) == state);
        }
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
    let ordering = order_by(query, orderable)?;
    if let Some((field, descending)) = &ordering {
        items.sort_by(|a, b| {
            let o = compare(&a[field.as_str()], &b[field.as_str()]);
            if *descending { o.reverse() } else { o }
        });
    }
    let total_count = items.len();
    let data = page.slice(&items);
    Ok(envelope::list(
        &data,
        ListExtra {
            filters,
            order_by: query.text("order_by").map(String::from),
            total_count,
        },
    ))
}
