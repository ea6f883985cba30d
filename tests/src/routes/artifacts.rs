//! listRunArtifacts, getRunArtifact (raw file, not enveloped; `step` 1-based, default last
//! step), getJobArtifact (the job's latest run that saved artifacts).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::runs::snapshot_of;
use super::{account_run, require_account};
use crate::app::SharedApp;
use crate::artifacts::StepFiles;
use crate::envelope::{self, ApiError, Reply};
use crate::lifecycle::{CANCELLED, step_states};
use crate::params::{PathParams, QueryParams};
use crate::store::{Run, Store};

fn missing_artifact() -> ApiError {
    let mut error = ApiError::new(
        StatusCode::NOT_FOUND,
        "The requested artifact does not exist.",
    );
    error.developer_message =
        Value::String("Artifacts exist once the run has finished, for dbt command steps.".into());
    error
}

/// Renders one file of a run (or 404): `step` None means the last step that ran.
fn run_file(run: &Run, store: &Store, now: i64, step: Option<i64>, path: &str) -> Reply {
    let snap = snapshot_of(run, now);
    if !snap.is_finished() || snap.status == CANCELLED {
        return Err(missing_artifact());
    }
    let steps = step_states(&run.plan, &snap);
    let state = match step {
        None => steps.last(),
        Some(n) => steps.iter().find(|s| s.index as i64 == n),
    }
    .ok_or_else(missing_artifact)?;
    let project = project_name(store, run.project_id);
    let files = StepFiles {
        run_id: run.id,
        project: &project,
        dbt_version: &run.dbt_version,
        step: state,
    };
    let (content_type, bytes) = files.file(path).ok_or_else(missing_artifact)?;
    let mut response = (StatusCode::OK, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

fn project_name(store: &Store, project_id: i64) -> String {
    store
        .projects
        .get(&project_id)
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("my_project")
        .to_string()
}

fn step_param(query: &QueryParams) -> Result<Option<i64>, ApiError> {
    let step = query.saturating_int("step")?;
    if step.is_some_and(|s| s < 1) {
        return Err(ApiError::invalid_field(
            "step",
            "Ensure this value is greater than or equal to 1.",
        ));
    }
    Ok(step)
}

fn artifact_path(path: &PathParams) -> Result<String, ApiError> {
    let raw = path
        .text("path")
        .unwrap_or_default()
        .trim_start_matches('/');
    if raw.is_empty() || raw.split('/').any(|seg| seg == "..") {
        return Err(missing_artifact());
    }
    Ok(raw.to_string())
}

pub(super) async fn run_artifact(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let account_id = path.id("account_id")?;
    let run_id = path.id("run_id")?;
    let file = artifact_path(&path)?;
    let step = step_param(&query)?;
    let now = app.clock.now_ms();
    let store = app.store();
    let run = account_run(&store, account_id, run_id)?;
    run_file(run, &store, now, step, &file)
}

pub(super) async fn job_artifact(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let account_id = path.id("account_id")?;
    let job_id = path.id("job_id")?;
    let file = artifact_path(&path)?;
    let step = step_param(&query)?;
    let now = app.clock.now_ms();
    let store = app.store();
    require_account(&store, account_id)?;
    if store
        .get(crate::store::Kind::Job, account_id, job_id)
        .is_none()
    {
        return Err(ApiError::not_found("Job"));
    }
    let latest = store
        .runs
        .values()
        .rev()
        .filter(|r| r.job_id == job_id)
        .find(|r| {
            let snap = snapshot_of(r, now);
            snap.is_finished() && snap.status != CANCELLED
        })
        .ok_or_else(missing_artifact)?;
    run_file(latest, &store, now, step, &file)
}

pub(super) async fn list(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let run_id = path.id("run_id")?;
    // dbt's list endpoint takes no `step`: it lists the last step's files whatever the query.
    let now = app.clock.now_ms();
    let store = app.store();
    let run = account_run(&store, account_id, run_id)?;
    let snap = snapshot_of(run, now);
    let mut paths = Vec::new();
    if snap.is_finished() && snap.status != CANCELLED {
        let project = project_name(&store, run.project_id);
        let steps = step_states(&run.plan, &snap);
        if let Some(state) = steps.last() {
            paths = StepFiles {
                run_id: run.id,
                project: &project,
                dbt_version: &run.dbt_version,
                step: state,
            }
            .paths();
        }
    }
    Ok(envelope::ok(json!(paths)))
}
