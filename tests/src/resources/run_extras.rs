//! v2 run extras: one run step, a failed run's failure details, and retrying a failed run.
//! Steps are rendered by `routes::runs` (the run's `run_steps`), so a step read here is the
//! same JSON as the step inside its run.

use axum::extract::State;
use serde_json::{Value, json};

use crate::app::SharedApp;
use crate::envelope::{self, ApiError, Reply};
use crate::lifecycle;
use crate::params::PathParams;
use crate::routes::runs::{Related, run_reply, snapshot_of};
use crate::routes::{account_run, require_account};

/// The run as `getRun?include_related=run_steps,trigger` renders it, as JSON.
async fn rendered_run(app: &SharedApp, run_id: i64) -> Result<Value, ApiError> {
    let response = {
        let store = app.store();
        let related = Related {
            run_steps: true,
            trigger: true,
            ..Related::default()
        };
        run_reply(app, &store, run_id, app.clock.now_ms(), related)?
    };
    // The envelope is built by the run renderer; reading it back keeps one rendering of runs.
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .map_err(|_| ApiError::not_found("Run"))?;
    let mut body: Value = serde_json::from_slice(&bytes).map_err(|_| ApiError::not_found("Run"))?;
    Ok(body["data"].take())
}

pub(super) async fn step(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let step_id = path.id("step_id")?;
    let run_id = {
        let store = app.store();
        require_account(&store, account_id)?;
        store
            .runs
            .values()
            .find(|r| {
                r.account_id == account_id
                    && (r.first_step_id..r.first_step_id + r.plan.steps.len() as i64)
                        .contains(&step_id)
            })
            .map(|r| r.id)
            .ok_or_else(|| ApiError::not_found("Run step"))?
    };
    let run = rendered_run(&app, run_id).await?;
    // Steps that have not started yet are not shown, inside the run or here.
    run["run_steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == json!(step_id)))
        .map(|s| envelope::ok(s.clone()))
        .ok_or_else(|| ApiError::not_found("Run step"))
}

/// 409 unless the run ended in error (only failed runs can be retried).
fn require_failed(app: &SharedApp, account_id: i64, run_id: i64) -> Result<i64, ApiError> {
    let store = app.store();
    let run = account_run(&store, account_id, run_id)?;
    let status = snapshot_of(run, app.clock.now_ms()).status;
    if status != lifecycle::ERROR {
        return Err(ApiError::conflict(
            "run_id",
            format!(
                "Run {run_id} did not fail ({}); only failed runs can be retried.",
                lifecycle::humanize(status)
            ),
        ));
    }
    Ok(run.job_id)
}

pub(super) async fn failure_details(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let run_id = path.id("run_id")?;
    let job_id = require_failed(&app, account_id, run_id)?;
    let run = rendered_run(&app, run_id).await?;
    let steps = run["run_steps"].as_array().cloned().unwrap_or_default();
    let failed = steps
        .iter()
        .find(|s| s["status"] == json!(lifecycle::ERROR))
        .map(|s| s["name"].clone())
        .unwrap_or(Value::Null);
    // The job's commands after the failing one never ran.
    let commands: Vec<String> = {
        let store = app.store();
        store
            .jobs
            .get(&job_id)
            .and_then(|j| j["execute_steps"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|c| c.as_str().map(String::from))
            .collect()
    };
    let failed_name = failed.as_str().unwrap_or_default().to_string();
    let skipped: Vec<Value> = commands
        .iter()
        .skip_while(|c| !failed_name.contains(c.as_str()))
        .skip(1)
        .map(|c| json!(format!("Invoke dbt with `{c}`")))
        .collect();
    Ok(envelope::ok(json!({
        "run_id": run_id,
        "failed_step": failed,
        "skipped_steps": skipped,
    })))
}

/// Starts a new run of the failed run's job that retries it from the point of failure.
pub(super) async fn retry(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let run_id = path.id("run_id")?;
    let job_id = require_failed(&app, account_id, run_id)?;
    let now = app.clock.now_ms();
    let mut store = app.store();
    let hidden = store.hide_new_runs;
    let trigger =
        json!({"cause": format!("Retry of failed run {run_id}"), "cause_category": "api"});
    let id = store
        .create_run(job_id, trigger, now, Some(run_id), hidden)
        .ok_or_else(|| ApiError::not_found("Job"))?;
    let related = Related {
        trigger: true,
        ..Related::default()
    };
    run_reply(&app, &store, id, now, related)
}
