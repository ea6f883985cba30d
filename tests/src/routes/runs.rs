//! listRuns, getRun, cancelRun, and how a run is rendered as dbt's JSON.

use axum::extract::State;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::filters::IntFilters;
use super::{account_run, order_by, require_account};
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

/// A run as dbt renders it at one instant: the computed parts, and borrows of the stored
/// ones. It serializes straight to JSON: building a `Value` per run (an ordered map and a
/// String per key, ~60 keys) was most of the cost of a 100-run listRuns page.
pub(crate) struct RunView<'a> {
    run: &'a Run,
    status: i64,
    finished: bool,
    saved: bool,
    docs: bool,
    status_message: Option<&'a str>,
    executed_by_thread_id: Option<String>,
    created_at: String,
    updated_at: String,
    dequeued_at: Option<String>,
    started_at: Option<String>,
    finished_at: Option<String>,
    last_checked_at: Option<String>,
    last_heartbeat_at: Option<String>,
    trigger: Option<&'a Value>,
    job: Option<&'a Value>,
    environment: Option<&'a Value>,
    run_steps: Vec<StepView<'a>>,
    total_ms: i64,
    queued_ms: i64,
    run_ms: i64,
    created_ago: String,
    finished_ago: String,
    /// `Some` (the job's `job_type`, maybe null) when undeclared fields are on.
    undeclared_job_type: Option<&'a Value>,
}

/// The rendered form of a run, borrowing from the store.
fn view<'a>(
    run: &'a Run,
    store: &'a Store,
    now: i64,
    related: Related,
    quirks: Quirks,
) -> RunView<'a> {
    let snap = snapshot_of(run, now);
    let style = if quirks.space_separated_run_timestamps {
        Style::Space
    } else {
        Style::T
    };
    let ts = |ms: Option<i64>| ms.map(|m| timestamps::format(m, style));
    let status = snap.status;
    let finished = snap.is_finished();
    let until = snap.finished_at.unwrap_or(now);
    let saved = finished && status != lifecycle::CANCELLED;
    // Step states are needed for `docs` only once the run is saved, and for `run_steps`.
    let steps = if saved || related.run_steps {
        step_states(&run.plan, &snap)
    } else {
        Vec::new()
    };
    let docs = saved
        && steps
            .iter()
            .any(|s| s.plan.kind == lifecycle::StepKind::Docs && s.status == lifecycle::SUCCESS);
    let scripted = run.plan.status_message.as_deref();
    let status_message = match status {
        lifecycle::CANCELLED if run.cancelled_at.is_some() => Some("Cancelled by user via API"),
        lifecycle::ERROR | lifecycle::CANCELLED if scripted.is_some() => scripted,
        lifecycle::ERROR => Some(
            "Database Error in model orders (models/orders.sql)\n  column \"amount\" does not exist",
        ),
        lifecycle::CANCELLED => Some("This run timed out after running for too long."),
        _ => None,
    };
    let job_value = store.jobs.get(&run.job_id);
    let run_steps = if related.run_steps {
        steps
            .into_iter()
            .map(|step| StepView {
                run,
                step,
                now,
                style,
            })
            .collect()
    } else {
        Vec::new()
    };
    RunView {
        run,
        status,
        finished,
        saved,
        docs,
        status_message,
        executed_by_thread_id: snap
            .dequeued_at
            .map(|_| format!("dbt-run-{}-7c9f4", run.id)),
        created_at: timestamps::format(run.created_ms, style),
        updated_at: timestamps::format(until.max(run.created_ms), style),
        dequeued_at: ts(snap.dequeued_at),
        started_at: ts(snap.started_at),
        finished_at: ts(snap.finished_at),
        last_checked_at: ts(snap.dequeued_at.map(|_| until)),
        last_heartbeat_at: ts(snap.started_at.map(|_| until)),
        trigger: related.trigger.then_some(&run.trigger),
        job: if related.job { job_value } else { None },
        environment: if related.environment {
            store.environments.get(&run.environment_id)
        } else {
            None
        },
        run_steps,
        total_ms: until - run.created_ms,
        queued_ms: snap.dequeued_at.unwrap_or(until) - run.created_ms,
        run_ms: snap.started_at.map_or(0, |s| until - s),
        created_ago: humanized_ago(now - run.created_ms),
        finished_ago: snap.finished_at.map_or_else(
            || "0 minutes from now".to_string(),
            |f| humanized_ago(now - f),
        ),
        undeclared_job_type: quirks.undeclared_fields.then(|| {
            job_value
                .and_then(|j| j.get("job_type"))
                .unwrap_or(&Value::Null)
        }),
    }
}

impl Serialize for RunView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let run = self.run;
        let status = self.status;
        let null = ();
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("id", &run.id)?;
        m.serialize_entry("trigger_id", &run.trigger_id)?;
        m.serialize_entry("account_id", &run.account_id)?;
        m.serialize_entry("environment_id", &run.environment_id)?;
        m.serialize_entry("project_id", &run.project_id)?;
        m.serialize_entry("job_definition_id", &run.job_id)?;
        m.serialize_entry("status", &status)?;
        m.serialize_entry("dbt_version", &run.dbt_version)?;
        m.serialize_entry("git_branch", &run.git_branch)?;
        m.serialize_entry("git_sha", &run.git_sha)?;
        m.serialize_entry("status_message", &self.status_message)?;
        m.serialize_entry("owner_thread_id", &null)?;
        m.serialize_entry("executed_by_thread_id", &self.executed_by_thread_id)?;
        m.serialize_entry("deferring_run_id", &null)?;
        m.serialize_entry("artifacts_saved", &self.saved)?;
        m.serialize_entry(
            "artifact_s3_path",
            &self
                .saved
                .then(|| format!("prod-us-c1/runs/{}/artifacts/target", run.id)),
        )?;
        m.serialize_entry("has_docs_generated", &self.docs)?;
        m.serialize_entry("has_sources_generated", &false)?;
        m.serialize_entry("notifications_sent", &self.finished)?;
        m.serialize_entry("blocked_by", &[(); 0])?;
        m.serialize_entry("created_at", &self.created_at)?;
        m.serialize_entry("updated_at", &self.updated_at)?;
        m.serialize_entry("dequeued_at", &self.dequeued_at)?;
        m.serialize_entry("started_at", &self.started_at)?;
        m.serialize_entry("finished_at", &self.finished_at)?;
        m.serialize_entry("last_checked_at", &self.last_checked_at)?;
        m.serialize_entry("last_heartbeat_at", &self.last_heartbeat_at)?;
        m.serialize_entry("should_start_at", &null)?;
        m.serialize_entry("trigger", &self.trigger)?;
        m.serialize_entry("job", &self.job)?;
        m.serialize_entry("environment", &self.environment)?;
        m.serialize_entry("run_steps", &self.run_steps)?;
        m.serialize_entry("status_humanized", lifecycle::humanize(status))?;
        m.serialize_entry("in_progress", &!self.finished)?;
        m.serialize_entry("is_complete", &self.finished)?;
        m.serialize_entry("is_success", &(status == lifecycle::SUCCESS))?;
        m.serialize_entry("is_error", &(status == lifecycle::ERROR))?;
        m.serialize_entry("is_cancelled", &(status == lifecycle::CANCELLED))?;
        m.serialize_entry("is_running", &(status == lifecycle::RUNNING))?;
        m.serialize_entry("duration", &timestamps::duration(self.total_ms))?;
        m.serialize_entry("queued_duration", &timestamps::duration(self.queued_ms))?;
        m.serialize_entry("run_duration", &timestamps::duration(self.run_ms))?;
        m.serialize_entry("duration_humanized", &timestamps::humanized(self.total_ms))?;
        m.serialize_entry(
            "queued_duration_humanized",
            &timestamps::humanized(self.queued_ms),
        )?;
        m.serialize_entry(
            "run_duration_humanized",
            &timestamps::humanized(self.run_ms),
        )?;
        m.serialize_entry("created_at_humanized", &self.created_ago)?;
        m.serialize_entry("finished_at_humanized", &self.finished_ago)?;
        m.serialize_entry("retrying_run_id", &run.retrying_run_id)?;
        m.serialize_entry("can_retry", &(status == lifecycle::ERROR))?;
        m.serialize_entry(
            "retry_not_supported_reason",
            &(self.finished && status != lifecycle::ERROR).then_some("RETRY_NOT_FAILED_RUN"),
        )?;
        m.serialize_entry("job_id", &run.job_id)?;
        m.serialize_entry(
            "href",
            &format_args!(
                "https://cloud.getdbt.com/deploy/{}/projects/{}/runs/{}/",
                run.account_id, run.project_id, run.id
            ),
        )?;
        m.serialize_entry("used_repo_cache", &null)?;
        m.serialize_entry("audit", &null)?;
        m.serialize_entry("deprecation", &null)?;
        if let Some(job_type) = self.undeclared_job_type {
            // Seen in real answers, absent from dbt's published schema.
            m.serialize_entry("run_retries", &[(); 0])?;
            m.serialize_entry("repo_cache_restore", &null)?;
            m.serialize_entry("is_fusion", &false)?;
            m.serialize_entry("job_type", job_type)?;
        }
        m.end()
    }
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

/// One run step as dbt renders it (see [`RunView`] for why it is not a `Value`).
pub(crate) struct StepView<'a> {
    run: &'a Run,
    step: lifecycle::StepState<'a>,
    now: i64,
    style: Style,
}

impl Serialize for StepView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (run, step, style) = (self.run, &self.step, self.style);
        let ts = |ms: Option<i64>| ms.map(|m| timestamps::format(m, style));
        let duration_ms = step.finished_at.unwrap_or(self.now) - step.started_at;
        let id = run.first_step_id + step.index as i64 - 1;
        let logs = match step.status {
            lifecycle::ERROR => format!(
                "{}\nDatabase Error in model orders (models/orders.sql)\nDone. PASS=5 WARN=0 ERROR=1 SKIP=1 TOTAL=7",
                step.plan.name
            ),
            lifecycle::RUNNING => {
                format!("{}\nRunning with dbt={}", step.plan.name, run.dbt_version)
            }
            _ => format!("{}\nCompleted successfully", step.plan.name),
        };
        let null = ();
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("id", &id)?;
        m.serialize_entry("run_id", &run.id)?;
        m.serialize_entry("account_id", &run.account_id)?;
        m.serialize_entry("index", &step.index)?;
        m.serialize_entry("status", &step.status)?;
        m.serialize_entry("name", &step.plan.name)?;
        m.serialize_entry("logs", &logs)?;
        m.serialize_entry(
            "debug_logs",
            &format_args!("{logs}\n[debug] step {} of run {}", step.index, run.id),
        )?;
        m.serialize_entry("log_path", &null)?;
        m.serialize_entry("debug_log_path", &null)?;
        m.serialize_entry("log_location", "db")?;
        m.serialize_entry("log_archive_type", "db")?;
        m.serialize_entry(
            "truncated_debug_logs",
            &format_args!("[debug] step {}", step.index),
        )?;
        m.serialize_entry("started_at", &ts(Some(step.started_at)))?;
        m.serialize_entry("finished_at", &ts(step.finished_at))?;
        m.serialize_entry("created_at", &ts(Some(step.started_at)))?;
        m.serialize_entry(
            "updated_at",
            &ts(Some(step.finished_at.unwrap_or(self.now))),
        )?;
        m.serialize_entry(
            "status_color",
            match step.status {
                lifecycle::SUCCESS => "#4BAD7F",
                lifecycle::ERROR => "#E74C3C",
                lifecycle::CANCELLED => "#99A0A6",
                _ => "#1F96E4",
            },
        )?;
        m.serialize_entry("status_humanized", lifecycle::humanize(step.status))?;
        m.serialize_entry("duration", &timestamps::duration(duration_ms))?;
        m.serialize_entry("duration_humanized", &timestamps::humanized(duration_ms))?;
        m.serialize_entry("run_step_command", &null)?;
        m.serialize_entry("run_step_invocation", &null)?;
        m.end()
    }
}

/// Reads a run of the account, honouring hidden reads (404 right after a trigger).
fn find_run(
    app: &SharedApp,
    account_id: i64,
    run_id: i64,
    consume_hidden: bool,
) -> Result<(), ApiError> {
    let mut store = app.store();
    account_run(&store, account_id, run_id)?;
    if let Some(run) = store.runs.get_mut(&run_id)
        && consume_hidden
        && run.hidden_reads > 0
    {
        run.hidden_reads -= 1;
        return Err(ApiError::not_found("Run"));
    }
    Ok(())
}

/// Answers with the stored run `run_id` as dbt renders it at `now`.
pub(crate) fn run_reply(
    app: &SharedApp,
    store: &Store,
    run_id: i64,
    now: i64,
    related: Related,
) -> Reply {
    let run = store
        .runs
        .get(&run_id)
        .ok_or_else(|| ApiError::not_found("Run"))?;
    Ok(envelope::ok(view(run, store, now, related, app.quirks)))
}

/// The stored run `run_id` as dbt renders it at `now`, as a JSON value (to embed in another
/// resource); `null` if there is no such run.
pub(crate) fn run_value(
    app: &SharedApp,
    store: &Store,
    run_id: i64,
    now: i64,
    related: Related,
) -> Value {
    store.runs.get(&run_id).map_or(Value::Null, |run| {
        serde_json::to_value(view(run, store, now, related, app.quirks)).unwrap_or(Value::Null)
    })
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
    run_reply(&app, &store, run_id, app.clock.now_ms(), related)
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
    // A run that already finished is answered as it is (200, unchanged), as dbt does.
    if !snapshot_of(run, now).is_finished() {
        run.cancelled_at = Some(now);
    }
    let run = run.clone();
    Ok(envelope::ok(view(
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
    let int_filters = IntFilters::from_query(
        &query,
        &[
            "job_definition_id",
            "project_id",
            "environment_id",
            "status",
        ],
        &mut filters,
    )?;
    let id_above = query.int("id__gt")?;
    if let Some(id) = id_above {
        filters.insert("id__gt".into(), json!(id));
    }
    let versions = query.word_list("dbt_version__in");
    let version = query.text("dbt_version");
    if let Some(v) = version {
        filters.insert("dbt_version".into(), json!(v));
    }
    if !versions.is_empty() {
        filters.insert("dbt_version__in".into(), json!(versions));
    }
    let ordering = order_by(&query, &["id", "created_at", "finished_at"])?;
    let related = Related::from_query(&query);
    let now = app.clock.now_ms();
    let store = app.store();
    require_account(&store, account_id)?;
    // A run's state depends on the clock and costs a walk of its plan: it is computed only
    // for a status filter or a finished_at ordering, not for every run of the account on
    // every page (a 20,000-run listing spent most of each request there).
    let snapshot = |r: &Run| snapshot_of(r, now);
    let matching = store
        .runs
        .values()
        .filter(|r| r.account_id == account_id)
        .filter(|r| id_above.is_none_or(|id| r.id > id))
        .filter(|r| version.is_none_or(|v| r.dbt_version == v))
        .filter(|r| versions.is_empty() || versions.contains(&r.dbt_version))
        .filter(|r| {
            int_filters.accept(|field| match field {
                "id" => Some(r.id),
                "job_definition_id" => Some(r.job_id),
                "project_id" => Some(r.project_id),
                "environment_id" => Some(r.environment_id),
                "status" => Some(snapshot(r).status),
                _ => None,
            })
        });
    // Typed keys (null first, as `compare` orders JSON values), each computed once per run,
    // rather than a `Value` per comparison: this sort runs over every matching run on each page.
    let mut matching: Vec<(Option<i64>, &Run)> = match &ordering {
        Some((field, _)) => matching
            .map(|r| {
                let key = match field.as_str() {
                    "created_at" => Some(r.created_ms),
                    "finished_at" => snapshot(r).finished_at,
                    _ => Some(r.id),
                };
                (key, r)
            })
            .collect(),
        None => matching.map(|r| (None, r)).collect(),
    };
    if let Some((_, descending)) = &ordering {
        matching.sort_by(|a, b| {
            let o = a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id));
            if *descending { o.reverse() } else { o }
        });
    }
    let total_count = matching.len();
    let data: Vec<RunView<'_>> = matching
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|(_, r)| view(r, &store, now, related, app.quirks))
        .collect();
    let mut extra_filters = Map::new();
    extra_filters.extend(filters);
    Ok(envelope::list(
        &data,
        ListExtra {
            filters: extra_filters,
            order_by: query.text("order_by").map(String::from),
            total_count,
        },
    ))
}
