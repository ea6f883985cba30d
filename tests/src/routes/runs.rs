//! listRuns, getRun, cancelRun, and how a run is rendered as dbt's JSON.

use axum::extract::State;
use serde_json::{Map, Value, json};

use super::{compare, order_by, require_account};
use crate::app::{Quirks, SharedApp};
use crate::envelope::{self, ApiError, ListExtra, Reply};
use crate::lifecycle::{self, Snapshot, step_states};
use crate::params::{Page, PathParams, QueryParams};
use crate::store::{Run, Store};
use crate::timestamps::{self, Style};

/// Which related objects to embed (`include_related`).
#[derive(Default, Clone, Copy)]
pub(crate) struct Related {
    pub trigger: bool,
    pub job: bool,
    pub environment: bool,
    pub run_steps: bool,
}

impl Related {
    pub(crate) fn from_query(query: &QueryParams) -> Self {
        let words = query.word_list("include_related");
        let has = |w: &str| words.iter().any(|x| x == w);
        Related {
            trigger: has("trigger"),
            job: has("job"),
            environment: has("environment"),
            run_steps: has("run_steps"),
        }
    }
}

/// The run's state now, frozen at its cancellation if it was cancelled.
pub(crate) fn snapshot_of(run: &Run, now: i64) -> Snapshot {
    lifecycle::snapshot(run.created_ms, &run.plan, run.cancelled_at, now)
}

/// The run as dbt's RunResponse JSON.
pub(crate) fn render(
    run: &Run,
    store: &Store,
    now: i64,
    related: Related,
    quirks: Quirks,
) -> Value {
    let snap = snapshot_of(run, now);
    let style = if quirks.space_separated_run_timestamps {
        Style::Space
    } else {
        Style::T
    };
    let ts =
        |ms: Option<i64>| ms.map_or(Value::Null, |m| Value::String(timestamps::format(m, style)));
    let status = snap.status;
    let finished = snap.is_finished();
    let until = snap.finished_at.unwrap_or(now);
    let steps = step_states(&run.plan, &snap);
    let saved = finished && status != lifecycle::CANCELLED;
    let docs = saved
        && steps
            .iter()
            .any(|s| s.plan.kind == lifecycle::StepKind::Docs && s.status == lifecycle::SUCCESS);
    let queued_ms = snap.dequeued_at.unwrap_or(until) - run.created_ms;
    let run_ms = snap.started_at.map_or(0, |s| until - s);
    let total_ms = until - run.created_ms;
    let status_message = match status {
        lifecycle::ERROR => json!(
            "Database Error in model orders (models/orders.sql)\n  column \"amount\" does not exist"
        ),
        lifecycle::CANCELLED if run.cancelled_at.is_some() => json!("Cancelled by user via API"),
        lifecycle::CANCELLED => json!("This run timed out after running for too long."),
        _ => Value::Null,
    };
    let job_value = store.jobs.get(&run.job_id);
    let project_id = run.project_id;
    let mut out = json!({
        "id": run.id,
        "trigger_id": run.trigger_id,
        "account_id": run.account_id,
        "environment_id": run.environment_id,
        "project_id": project_id,
        "job_definition_id": run.job_id,
        "status": status,
        "dbt_version": run.dbt_version,
        "git_branch": run.git_branch,
        "git_sha": run.git_sha,
        "status_message": status_message,
        "owner_thread_id": null,
        "executed_by_thread_id": snap.dequeued_at.map(|_| format!("dbt-run-{}-7c9f4", run.id)),
        "deferring_run_id": null,
        "artifacts_saved": saved,
        "artifact_s3_path": saved.then(|| format!("prod-us-c1/runs/{}/artifacts/target", run.id)),
        "has_docs_generated": docs,
        "has_sources_generated": false,
        "notifications_sent": finished,
        "blocked_by": [],
        "created_at": ts(Some(run.created_ms)),
        "updated_at": ts(Some(until.max(run.created_ms))),
        "dequeued_at": ts(snap.dequeued_at),
        "started_at": ts(snap.started_at),
        "finished_at": ts(snap.finished_at),
        "last_checked_at": ts(snap.dequeued_at.map(|_| until)),
        "last_heartbeat_at": ts(snap.started_at.map(|_| until)),
        "should_start_at": null,
        "trigger": if related.trigger { run.trigger.clone() } else { Value::Null },
        "job": if related.job { job_value.cloned().unwrap_or(Value::Null) } else { Value::Null },
        "environment": if related.environment {
            store.environments.get(&run.environment_id).cloned().unwrap_or(Value::Null)
        } else {
            Value::Null
        },
        "run_steps": if related.run_steps {
            steps.iter().map(|s| render_step(run, s, now, style)).collect::<Vec<_>>()
        } else {
            Vec::new()
        },
        "status_humanized": lifecycle::humanize(status),
        "in_progress": !finished,
        "is_complete": finished,
        "is_success": status == lifecycle::SUCCESS,
        "is_error": status == lifecycle::ERROR,
        "is_cancelled": status == lifecycle::CANCELLED,
        "is_running": status == lifecycle::RUNNING,
        "duration": timestamps::duration(total_ms),
        "queued_duration": timestamps::duration(queued_ms),
        "run_duration": timestamps::duration(run_ms),
        "duration_humanized": timestamps::humanized(total_ms),
        "queued_duration_humanized": timestamps::humanized(queued_ms),
        "run_duration_humanized": timestamps::humanized(run_ms),
        "created_at_humanized": humanized_ago(now - run.created_ms),
        "finished_at_humanized": snap.finished_at.map_or_else(|| "0 minutes from now".to_string(), |f| humanized_ago(now - f)),
        "retrying_run_id": run.retrying_run_id,
        "can_retry": status == lifecycle::ERROR,
        "retry_not_supported_reason": (finished && status != lifecycle::ERROR).then_some("RETRY_NOT_FAILED_RUN"),
        "job_id": run.job_id,
        "href": format!("https://cloud.getdbt.com/deploy/{}/projects/{project_id}/runs/{}/", run.account_id, run.id),
        "used_repo_cache": null,
        "audit": null,
        "deprecation": null,
    });
    if quirks.undeclared_fields
        && let Value::Object(map) = &mut out
    {
        // Seen in real answers, absent from dbt's published schema.
        map.insert("run_retries".into(), json!([]));
        map.insert("repo_cache_restore".into(), Value::Null);
        map.insert("is_fusion".into(), json!(false));
        map.insert(
            "job_type".into(),
            job_value
                .and_then(|j| j.get("job_type"))
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    out
}

fn humanized_ago(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "0 minutes ago".into(),
        1 => "1 minute ago".into(),
        m if m < 60 => format!("{m} minutes ago"),
        m if m < 120 => "1 hour ago".into(),
        m if m < 2880 => format!("{} hours ago", m / 60),
        m => format!("{} days ago", m / 1440),
    }
}

fn render_step(run: &Run, step: &lifecycle::StepState<'_>, now: i64, style: Style) -> Value {
    let ts =
        |ms: Option<i64>| ms.map_or(Value::Null, |m| Value::String(timestamps::format(m, style)));
    let duration_ms = step.finished_at.unwrap_or(now) - step.started_at;
    let id = run.first_step_id + step.index as i64 - 1;
    let logs = match step.status {
        lifecycle::ERROR => format!(
            "{}\nDatabase Error in model orders (models/orders.sql)\nDone. PASS=5 WARN=0 ERROR=1 SKIP=1 TOTAL=7",
            step.plan.name
        ),
        lifecycle::RUNNING => format!("{}\nRunning with dbt={}", step.plan.name, run.dbt_version),
        _ => format!("{}\nCompleted successfully", step.plan.name),
    };
    json!({
        "id": id,
        "run_id": run.id,
        "account_id": run.account_id,
        "index": step.index,
        "status": step.status,
        "name": step.plan.name,
        "logs": logs,
        "debug_logs": format!("{logs}\n[debug] step {} of run {}", step.index, run.id),
        "log_path": null,
        "debug_log_path": null,
        "log_location": "db",
        "log_archive_type": "db",
        "truncated_debug_logs": format!("[debug] step {}", step.index),
        "started_at": ts(Some(step.started_at)),
        "finished_at": ts(step.finished_at),
        "created_at": ts(Some(step.started_at)),
        "updated_at": ts(Some(step.finished_at.unwrap_or(now))),
        "status_color": match step.status {
            lifecycle::SUCCESS => "#4BAD7F",
            lifecycle::ERROR => "#E74C3C",
            lifecycle::CANCELLED => "#99A0A6",
            _ => "#1F96E4",
        },
        "status_humanized": lifecycle::humanize(step.status),
        "duration": timestamps::duration(duration_ms),
        "duration_humanized": timestamps::humanized(duration_ms),
        "run_step_command": null,
        "run_step_invocation": null,
    })
}

/// Reads a run of the account, honouring hidden reads (404 right after a trigger).
fn find_run(
    app: &SharedApp,
    account_id: i64,
    run_id: i64,
    consume_hidden: bool,
) -> Result<(), ApiError> {
    let mut store = app.store();
    require_account(&store, account_id)?;
    match store.runs.get_mut(&run_id) {
        Some(run) if run.account_id == account_id => {
            if consume_hidden && run.hidden_reads > 0 {
                run.hidden_reads -= 1;
                return Err(ApiError::not_found("Run"));
            }
            Ok(())
        }
        _ => Err(ApiError::not_found("Run")),
    }
}

pub(super) async fn get(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let account_id = path.id("account_id")?;
    let run_id = path.id("run_id")?;
    find_run(&app, account_id, run_id, true)?;
    let related = Related::from_query(&query);
    let store = app.store();
    let run = store
        .runs
        .get(&run_id)
        .ok_or_else(|| ApiError::not_found("Run"))?;
    Ok(envelope::ok(render(
        run,
        &store,
        app.clock.now_ms(),
        related,
        app.quirks,
    )))
}

pub(super) async fn cancel(State(app): State<SharedApp>, path: PathParams) -> Reply {
    let account_id = path.id("account_id")?;
    let run_id = path.id("run_id")?;
    find_run(&app, account_id, run_id, false)?;
    let now = app.clock.now_ms();
    let mut store = app.store();
    let run = store
        .runs
        .get_mut(&run_id)
        .ok_or_else(|| ApiError::not_found("Run"))?;
    let snap = snapshot_of(run, now);
    if snap.is_finished() {
        return Err(ApiError::bad_request(format!(
            "Run {run_id} has already finished ({}) and cannot be cancelled.",
            lifecycle::humanize(snap.status)
        )));
    }
    run.cancelled_at = Some(now);
    let run = run.clone();
    Ok(envelope::ok(render(
        &run,
        &store,
        now,
        Related::default(),
        app.quirks,
    )))
}

pub(super) async fn list(
    State(app): State<SharedApp>,
    path: PathParams,
    query: QueryParams,
) -> Reply {
    let account_id = path.id("account_id")?;
    let page = Page::from_query(&query)?;
    let mut filters = page.filters(Some(account_id));
    let job = query.int("job_definition_id")?;
    let project = query.int("project_id")?;
    let environment = query.int("environment_id")?;
    let status = query.int("status")?;
    let status_in = query.int_list("status__in")?;
    let ordering = order_by(&query, &["id", "created_at", "finished_at"])?;
    let related = Related::from_query(&query);
    for (name, value) in [
        ("job_definition_id", job),
        ("project_id", project),
        ("environment_id", environment),
        ("status", status),
    ] {
        if let Some(v) = value {
            filters.insert(name.into(), json!(v));
        }
    }
    if let Some(list) = &status_in {
        filters.insert("status__in".into(), json!(list));
    }
    let now = app.clock.now_ms();
    let store = app.store();
    require_account(&store, account_id)?;
    // Status depends on the clock, so compute it once per candidate run.
    let mut matching: Vec<(&Run, Snapshot)> = store
        .runs
        .values()
        .filter(|r| r.account_id == account_id)
        .filter(|r| job.is_none_or(|j| r.job_id == j))
        .filter(|r| project.is_none_or(|p| r.project_id == p))
        .filter(|r| environment.is_none_or(|e| r.environment_id == e))
        .map(|r| (r, snapshot_of(r, now)))
        .filter(|(_, s)| status.is_none_or(|st| s.status == st))
        .filter(|(_, s)| status_in.as_ref().is_none_or(|l| l.contains(&s.status)))
        .collect();
    if let Some((field, descending)) = &ordering {
        let key = |(r, s): &(&Run, Snapshot)| -> Value {
            match field.as_str() {
                "created_at" => json!(r.created_ms),
                "finished_at" => s.finished_at.map_or(Value::Null, |f| json!(f)),
                _ => json!(r.id),
            }
        };
        matching.sort_by(|a, b| {
            let o = compare(&key(a), &key(b)).then(a.0.id.cmp(&b.0.id));
            if *descending { o.reverse() } else { o }
        });
    }
    let total_count = matching.len();
    let data = matching
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|(r, _)| render(r, &store, now, related, app.quirks))
        .collect();
    let mut extra_filters = Map::new();
    extra_filters.extend(filters);
    Ok(envelope::list(
        data,
        ListExtra {
            filters: extra_filters,
            order_by: query.text("order_by").map(String::from),
            total_count,
        },
    ))
}
