//! createJob, updateJob, deleteJob, triggerJobRun, rerunJob (listJobs and getJob are the
//! shared `Resource` handlers of `routes`).

use axum::extract::State;
use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::require_account;
use super::runs::{Related, run_reply, snapshot_of};
use crate::app::SharedApp;
use crate::envelope::{self, ApiError, Reply};
use crate::fixtures;
use crate::lifecycle;
use crate::params::PathParams;
use crate::store::Kind;
use crate::timestamps::{self, Style};

/// The request body as a JSON object (an empty body counts as `{}`), or dbt's 400.
fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::invalid_field(
            "non_field_errors",
            format!(
                "Invalid data. Expected a dictionary, but got {}.",
                kind_of(&other)
            ),
        )),
        Err(e) => Err(ApiError::invalid_field(
            "non_field_errors",
            format!("JSON parse error - {e}"),
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// DRF-style checks of an optional field (null is accepted, as dbt accepts it from the CLIs).
#[derive(Clone, Copy)]
enum Expect {
    Text,
    Int,
    Bool,
    TextList,
}

fn check(map: &Map<String, Value>, field: &str, expect: Expect) -> Result<(), ApiError> {
    let Some(value) = map.get(field) else {
        return Ok(());
    };
    let ok = match (expect, value) {
        (_, Value::Null) => true,
        (Expect::Text, Value::String(s)) => {
            if s.is_empty() {
                return Err(ApiError::invalid_field(
                    field,
                    "This field may not be blank.",
                ));
            }
            true
        }
        (Expect::Int, Value::Number(n)) => n.is_i64(),
        (Expect::Bool, Value::Bool(_)) => true,
        (Expect::TextList, Value::Array(items)) => items
            .iter()
            .all(|i| i.as_str().is_some_and(|s| !s.is_empty())),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        let message = match expect {
            Expect::Text => "Not a valid string.",
            Expect::Int => "A valid integer is required.",
            Expect::Bool => "Must be a valid boolean.",
            Expect::TextList => "Expected a list of non-empty strings.",
        };
        Err(ApiError::invalid_field(field, message))
    }
}

const TRIGGER_TEXT: [&str; 5] = [
    "git_sha",
    "git_branch",
    "schema_override",
    "dbt_version_override",
    "target_name_override",
];
const TRIGGER_INT: [&str; 6] = [
    "azure_pull_request_id",
    "github_pull_request_id",
    "gitlab_merge_request_id",
    "non_native_pull_request_id",
    "threads_override",
    "timeout_seconds_override",
];

/// Validates a trigger body the way dbt does and returns the trigger object to store.
fn trigger_from_body(body: &Bytes) -> Result<Value, ApiError> {
    let map = body_object(body)?;
    let cause = match map.get("cause") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid_field("cause", "This field is required."));
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(ApiError::invalid_field(
                "cause",
                "This field may not be blank.",
            ));
        }
        Some(Value::String(s)) if s.chars().count() > 255 => {
            return Err(ApiError::invalid_field(
                "cause",
                "Ensure this field has no more than 255 characters.",
            ));
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::invalid_field("cause", "Not a valid string.")),
    };
    for field in TRIGGER_TEXT {
        check(&map, field, Expect::Text)?;
    }
    for field in TRIGGER_INT {
        check(&map, field, Expect::Int)?;
    }
    check(&map, "generate_docs_override", Expect::Bool)?;
    check(&map, "steps_override", Expect::TextList)?;
    let mut trigger = Map::new();
    trigger.insert("cause".into(), json!(cause));
    trigger.insert("cause_category".into(), json!("api"));
    for field in TRIGGER_TEXT
        .iter()
        .chain(TRIGGER_INT.iter())
        .chain(["generate_docs_override", "steps_override"].iter())
    {
        trigger.insert(
            (*field).into(),
            map.get(*field).cloned().unwrap_or(Value::Null),
        );
    }
    Ok(Value::Object(trigger))
}

/// The job of the account if it exists and is not deleted.
fn require_job(app: &SharedApp, account_id: i64, job_id: i64) -> Result<(), ApiError> {
    let store = app.store();
    require_account(&store, account_id)?;
    match store.get(Kind::Job, account_id, job_id) {
        Some(job) if job.get("state").and_then(Value::as_i64) != Some(2) => Ok(()),
        _ => Err(ApiError::not_found("Job")),
    }
}

/// Creates a run and answers with it (status 1, most timestamps null).
fn start_run(app: &SharedApp, job_id: i64, trigger: Value, retrying: Option<i64>) -> Reply {
    let now = app.clock.now_ms();
    let mut store = app.store();
    let hidden = store.hide_new_runs;
    let id = store
        .create_run(job_id, trigger, now, retrying, hidden)
        .ok_or_else(|| ApiError::not_found("Job"))?;
    let related = Related {
        trigger: true,
        ..Related::default()
    };
    run_reply(app, &store, id, now, related)
}

pub(super) async fn trigger(State(app): State<SharedApp>, path: PathParams, body: Bytes) -> Reply {
    let account_id = path.id("account_id")?;
    let job_id = path.id("job_id")?;
    require_job(&app, account_id, job_id)?;
    let trigger = trigger_from_body(&body)?;
    start_run(&app, job_id, trigger, None)
}

/// Retries the job's latest run from the point of failure if it failed; otherwise starts a new run.
pub(super) async fn rerun(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let job_id = path.id("job_id")?;
    require_job(&app, account_id, job_id)?;
    let now = app.clock.now_ms();
    let failed = {
        let store = app.store();
        store
            .runs
            .values()
            .rev()
            .find(|r| r.job_id == job_id)
            .filter(|r| snapshot_of(r, now).status == lifecycle::ERROR)
            .map(|r| r.id)
    };
    let cause = match failed {
        Some(id) => format!("Retry of failed run {id}"),
        None => "Rerun via API".to_string(),
    };
    let trigger = json!({"cause": cause, "cause_category": "api"});
    start_run(&app, job_id, trigger, failed)
}

pub(super) async fn create(State(app): State<SharedApp>, path: PathParams, body: Bytes) -> Reply {
    let account_id = path.id("account_id")?;
    let map = body_object(&body)?;
    for field in ["name", "project_id", "environment_id", "execute_steps"] {
        if map.get(field).is_none_or(Value::is_null) {
            return Err(ApiError::invalid_field(field, "This field is required."));
        }
    }
    check(&map, "name", Expect::Text)?;
    check(&map, "project_id", Expect::Int)?;
    check(&map, "environment_id", Expect::Int)?;
    check(&map, "execute_steps", Expect::TextList)?;
    check(&map, "generate_docs", Expect::Bool)?;
    // The path names the account, as for every other resource: a body's `account_id` is
    // overwritten below, not compared.
    let project_id = map
        .get("project_id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let environment_id = map
        .get("environment_id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let now = app.clock.now_ms();
    let mut store = app.store();
    require_account(&store, account_id)?;
    if store.get(Kind::Project, account_id, project_id).is_none() {
        return Err(ApiError::missing_reference("project_id", project_id));
    }
    if store
        .get(Kind::Environment, account_id, environment_id)
        .is_none()
    {
        return Err(ApiError::missing_reference(
            "environment_id",
            environment_id,
        ));
    }
    let id = store.allocate_job_id();
    let mut given = map;
    given.remove("id");
    given.insert("account_id".into(), json!(account_id));
    let stamp = json!(timestamps::format(now, Style::T));
    given.insert("created_at".into(), stamp.clone());
    given.insert("updated_at".into(), stamp);
    if given.get("state").is_none_or(Value::is_null) {
        given.insert("state".into(), json!(1));
    }
    let job = fixtures::job(
        &Value::Object(given),
        id,
        account_id,
        project_id,
        environment_id,
    );
    store.jobs.insert(id, job.clone());
    Ok(envelope::with_code(StatusCode::CREATED, job))
}

pub(super) async fn update(State(app): State<SharedApp>, path: PathParams, body: Bytes) -> Reply {
    let account_id = path.id("account_id")?;
    let job_id = path.id("job_id")?;
    require_job(&app, account_id, job_id)?;
    // dbt's update takes the job as a body; an empty one is a client mistake, not a no-op.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_field(
            "non_field_errors",
            "No data provided: send the job's fields as a JSON object.",
        ));
    }
    let map = body_object(&body)?;
    check(&map, "name", Expect::Text)?;
    check(&map, "execute_steps", Expect::TextList)?;
    check(&map, "generate_docs", Expect::Bool)?;
    check(&map, "state", Expect::Int)?;
    let now = app.clock.now_ms();
    let mut store = app.store();
    let job = store
        .jobs
        .get_mut(&job_id)
        .ok_or_else(|| ApiError::not_found("Job"))?;
    if let Value::Object(existing) = job {
        for (key, value) in map {
            // Ids and creation time are read-only on dbt.
            if !matches!(
                key.as_str(),
                "id" | "account_id" | "created_at" | "updated_at"
            ) {
                existing.insert(key, value);
            }
        }
        existing.insert(
            "updated_at".into(),
            json!(timestamps::format(now, Style::T)),
        );
    }
    Ok(envelope::ok(job.clone()))
}

/// Soft-deletes the job (state 2): it disappears from default lists and answers 404. The
/// answer is the deleted job's envelope with 200, as real dbt Cloud sends (dbt-cloud-cli
/// parses it), though dbt's document says 204.
pub(super) async fn delete(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let job_id = path.id("job_id")?;
    require_job(&app, account_id, job_id)?;
    let mut store = app.store();
    let job = store
        .jobs
        .get_mut(&job_id)
        .ok_or_else(|| ApiError::not_found("Job"))?;
    if let Value::Object(fields) = job {
        fields.insert("state".into(), json!(2));
    }
    Ok(envelope::ok(job.clone()))
}
