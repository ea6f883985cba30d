//! The end-to-end scenario: every operation of the derived spec, called through the RAW
//! generated client against the mock, with the decoded answers asserted. Each step is a
//! function so that `e2e_operations.rs` can run it alone (one test per step, fresh mock) and
//! `contract.rs` can run them all on one mock and check every body the mock sent.
#![allow(dead_code)]

use std::time::Duration;

use bytes::Bytes;
use dbt_cloud_api::redact::Redactor;
use dbt_cloud_api::transport::Transport;
use dbt_cloud_api::types;
use dbt_cloud_api::types::{
    CreateJobRequest, ErrorResponse, Run, TriggerJobRunRequest, UpdateJobRequest,
};
use dbt_cloud_api::{Client, RetryPolicy};
use dbt_cloud_mock::{
    Fault, FaultRule, JobScript, MockDbtCloud, MockServer, Operation, demo_ids, status,
};
use futures::TryStreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Value, json};

pub const TOKEN: &str = "e2e-token";

/// dbt's texts, as the mock sends them (and as `user_message` must carry them to the caller).
pub const INVALID_TOKEN: &str = "Invalid token.";
pub const NOT_FOUND: &str = "The requested resource was not found.";
pub const INVALID_REQUEST: &str =
    "The request was invalid. Please double check the provided data and try again.";

/// A mock and a generated client pointed at it.
pub struct Ctx {
    pub mock: MockServer,
    pub client: Client,
    pub account: i64,
}

pub async fn start() -> Ctx {
    let mock = MockDbtCloud::builder()
        .token(TOKEN)
        .start()
        .await
        .expect("mock starts");
    let client = client_for(&mock, TOKEN);
    Ctx {
        account: mock.account_id(),
        mock,
        client,
    }
}

/// The raw generated client with the token in a default header (as `Config::client` does),
/// and no retries: each call is exactly one request, so what the mock recorded is what the
/// client decoded.
pub fn client_for(mock: &MockServer, token: &str) -> Client {
    let mut value = HeaderValue::from_str(&format!("Token {token}")).expect("token is a header");
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client builds");
    Client::new_with_client(
        &mock.base_url(),
        http,
        Transport::new(RetryPolicy::none(), Redactor::new([token])),
    )
}

/// The typed error body of a failed call; panics (with the error) on any other failure.
pub fn error_body<T: std::fmt::Debug>(
    result: Result<T, progenitor_client::Error<ErrorResponse>>,
    status: u16,
) -> ErrorResponse {
    match result {
        Err(progenitor_client::Error::ErrorResponse(response)) => {
            assert_eq!(response.status().as_u16(), status, "{response:?}");
            response.into_inner()
        }
        other => panic!("expected an ErrorResponse with status {status}, got {other:?}"),
    }
}

/// `user_message` and `code` of a typed error body.
pub fn message_of(body: &ErrorResponse) -> (i64, String) {
    let status = body.status.as_ref().expect("error envelope has a status");
    assert_eq!(status.is_success, Some(false));
    (
        status.code.expect("status.code"),
        status.user_message.clone().expect("status.user_message"),
    )
}

pub fn trigger_body(cause: &str) -> TriggerJobRunRequest {
    serde_json::from_value(json!({ "cause": cause })).expect("trigger body")
}

pub async fn trigger(ctx: &Ctx, job: i64, cause: &str) -> Run {
    let response = ctx
        .client
        .trigger_job_run()
        .account_id(ctx.account)
        .job_id(job)
        .body(trigger_body(cause))
        .send()
        .await
        .expect("triggerJobRun succeeds");
    assert_eq!(response.status().as_u16(), 200);
    response.into_inner().data.expect("the new run")
}

pub async fn get_run(ctx: &Ctx, run: i64, include_related: Option<&str>) -> Run {
    let mut request = ctx.client.get_run().account_id(ctx.account).run_id(run);
    if let Some(related) = include_related {
        request = request.include_related(related);
    }
    let body = request.send().await.expect("getRun succeeds").into_inner();
    assert_eq!(body.status.and_then(|s| s.code), Some(200));
    body.data.expect("the run")
}

async fn artifact(ctx: &Ctx, run: i64, path: &str, step: Option<i64>) -> Bytes {
    let mut request = ctx
        .client
        .get_run_artifact()
        .account_id(ctx.account)
        .run_id(run)
        .path(path);
    if let Some(step) = step {
        let number = u64::try_from(step).ok().and_then(std::num::NonZeroU64::new);
        request = request.step(number.expect("steps count from 1"));
    }
    raw_body(request.send().await.expect("getRunArtifact succeeds")).await
}

/// A raw (not enveloped) 200 answer's whole body.
async fn raw_body(response: ResponseValue<ByteStream>) -> Bytes {
    assert_eq!(response.status().as_u16(), 200);
    let chunks: Vec<Bytes> = response
        .into_inner_stream()
        .try_collect()
        .await
        .expect("artifact body");
    chunks.concat().into()
}

/// Sends a generated-client request that must succeed; the decoded body.
macro_rules! send_ok {
    ($request:expr) => {
        $request
            .send()
            .await
            .expect("the call succeeds")
            .into_inner()
    };
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> i64) -> Vec<i64> {
    items.iter().map(id).collect()
}

/// listAccounts and getAccount.
pub async fn accounts(ctx: &Ctx) {
    let listed = send_ok!(ctx.client.list_accounts());
    let accounts = listed.data.expect("accounts");
    assert_eq!(ids(&accounts, |a| a.id), vec![demo_ids::ACCOUNT]);
    assert_eq!(accounts[0].name.as_deref(), Some("Demo Analytics"));

    let account = send_ok!(ctx.client.get_account().account_id(demo_ids::ACCOUNT))
        .data
        .expect("account");
    assert_eq!(account.id, demo_ids::ACCOUNT);
    assert_eq!(account.plan.as_deref(), Some("enterprise"));
    assert_eq!(account.run_slots, Some(5));
    assert_eq!(account.locked, Some(false));
}

/// listProjects (filters, order_by, counts) and getProject.
pub async fn projects(ctx: &Ctx) {
    let all = send_ok!(
        ctx.client
            .list_projects()
            .account_id(ctx.account)
            .order_by("-id")
    );
    let data = all.data.expect("projects");
    assert_eq!(
        ids(&data, |p| p.id),
        vec![demo_ids::OTHER_PROJECT, demo_ids::PROJECT]
    );
    let pagination = all.extra.and_then(|e| e.pagination).expect("pagination");
    assert_eq!(
        (pagination.count, pagination.total_count),
        (Some(2), Some(2))
    );

    let finance = send_ok!(
        ctx.client
            .list_projects()
            .account_id(ctx.account)
            .name_icontains("FIN")
    )
    .data
    .expect("projects");
    assert_eq!(ids(&finance, |p| p.id), vec![demo_ids::OTHER_PROJECT]);
    assert_eq!(finance[0].description.as_deref(), Some("Finance marts"));

    let project = send_ok!(
        ctx.client
            .get_project()
            .account_id(ctx.account)
            .project_id(demo_ids::PROJECT)
    )
    .data
    .expect("project");
    assert_eq!(project.name.as_deref(), Some("jaffle_shop"));
    assert_eq!(project.account_id, Some(ctx.account));
    assert_eq!(project.repository_id, Some(demo_ids::REPOSITORY));
    assert_eq!(project.state, Some(1));
}

/// listEnvironments (project filter) and getEnvironment.
pub async fn environments(ctx: &Ctx) {
    let listed = send_ok!(
        ctx.client
            .list_environments()
            .account_id(ctx.account)
            .project_id(demo_ids::PROJECT)
    );
    let data = listed.data.expect("environments");
    assert_eq!(
        ids(&data, |e| e.id),
        vec![demo_ids::DEV_ENVIRONMENT, demo_ids::PROD_ENVIRONMENT]
    );
    assert_eq!(data[0].type_.as_deref(), Some("development"));
    assert_eq!(data[0].deployment_type, None);
    let filters = listed.extra.expect("extra").filters.expect("filters");
    assert_eq!(filters.get("project_id"), Some(&json!(demo_ids::PROJECT)));

    let environment = send_ok!(
        ctx.client
            .get_environment()
            .account_id(ctx.account)
            .environment_id(demo_ids::OTHER_ENVIRONMENT)
    )
    .data
    .expect("environment");
    assert_eq!(environment.project_id, Some(demo_ids::OTHER_PROJECT));
    assert_eq!(environment.dbt_version.as_deref(), Some("1.8.0-latest"));
    assert_eq!(environment.deployment_type.as_deref(), Some("production"));
}

/// listRepositories and getRepository.
pub async fn repositories(ctx: &Ctx) {
    let listed = send_ok!(ctx.client.list_repositories().account_id(ctx.account))
        .data
        .expect("repositories");
    assert_eq!(ids(&listed, |r| r.id), vec![demo_ids::REPOSITORY, 302]);

    let repository = send_ok!(
        ctx.client
            .get_repository()
            .account_id(ctx.account)
            .repository_id(demo_ids::REPOSITORY)
    )
    .data
    .expect("repository");
    assert_eq!(repository.full_name.as_deref(), Some("demo/jaffle_shop"));
    assert_eq!(
        repository.remote_url.as_deref(),
        Some("git@github.com:demo/jaffle_shop.git")
    );
    assert_eq!(repository.git_clone_strategy.as_deref(), Some("github_app"));
}

/// listJobs (filters, pagination) and getJob.
pub async fn jobs(ctx: &Ctx) {
    let listed = send_ok!(
        ctx.client
            .list_jobs()
            .account_id(ctx.account)
            .environment_id(demo_ids::PROD_ENVIRONMENT)
            .limit(2)
    );
    let data = listed.data.expect("jobs");
    assert_eq!(
        ids(&data, |j| j.id),
        vec![demo_ids::DAILY_JOB, demo_ids::HOURLY_JOB]
    );
    let pagination = listed.extra.and_then(|e| e.pagination).expect("pagination");
    assert_eq!(
        (pagination.count, pagination.total_count),
        (Some(2), Some(3))
    );

    let next = send_ok!(
        ctx.client
            .list_jobs()
            .account_id(ctx.account)
            .environment_id(demo_ids::PROD_ENVIRONMENT)
            .limit(2)
            .offset(2)
    )
    .data
    .expect("jobs");
    assert_eq!(ids(&next, |j| j.id), vec![demo_ids::CI_JOB]);

    let job = send_ok!(
        ctx.client
            .get_job()
            .account_id(ctx.account)
            .job_id(demo_ids::DAILY_JOB)
    )
    .data
    .expect("job");
    assert_eq!(job.name.as_deref(), Some("Daily build"));
    assert_eq!(
        job.execute_steps.as_deref(),
        Some(&["dbt build".to_string()][..])
    );
    assert_eq!(job.generate_docs, Some(true));
    assert_eq!(job.settings.and_then(|s| s.threads), Some(4));
    assert_eq!(job.environment_id, Some(demo_ids::PROD_ENVIRONMENT));
    // Job timestamps use `T`, unlike run timestamps.
    assert!(job.created_at.expect("created_at").contains('T'));
}

/// createJob (201), updateJob, deleteJob, and the deleted job's 404.
pub async fn job_crud(ctx: &Ctx) {
    let body: CreateJobRequest = serde_json::from_value(json!({
        "account_id": ctx.account,
        "project_id": demo_ids::PROJECT,
        "environment_id": demo_ids::DEV_ENVIRONMENT,
        "name": "e2e nightly",
        "execute_steps": ["dbt seed", "dbt build"],
        "settings": {"threads": 8, "target_name": "e2e"},
        "generate_docs": false,
    }))
    .expect("create body");
    let created = ctx
        .client
        .create_job()
        .account_id(ctx.account)
        .body(body)
        .send()
        .await
        .expect("createJob succeeds");
    assert_eq!(created.status().as_u16(), 201);
    let created = created.into_inner();
    assert_eq!(created.status.as_ref().and_then(|s| s.code), Some(201));
    let job = created.data.expect("created job");
    assert_eq!(job.name.as_deref(), Some("e2e nightly"));
    assert_eq!(job.settings.as_ref().and_then(|s| s.threads), Some(8));
    assert_eq!(job.state, Some(1));
    let id = job.id;
    assert!(!ctx.mock.job_ids().is_empty() && ctx.mock.job_ids().contains(&id));

    let update: UpdateJobRequest = serde_json::from_value(json!({
        "id": id,
        "account_id": ctx.account,
        "project_id": demo_ids::PROJECT,
        "environment_id": demo_ids::DEV_ENVIRONMENT,
        "name": "e2e nightly (renamed)",
        "execute_steps": ["dbt build"],
    }))
    .expect("update body");
    let updated = ctx
        .client
        .update_job()
        .account_id(ctx.account)
        .job_id(id)
        .body(update)
        .send()
        .await
        .expect("updateJob succeeds")
        .into_inner()
        .data
        .expect("updated job");
    assert_eq!(updated.id, id);
    assert_eq!(updated.name.as_deref(), Some("e2e nightly (renamed)"));
    assert_eq!(
        updated.execute_steps.as_deref(),
        Some(&["dbt build".to_string()][..])
    );

    let fetched = send_ok!(ctx.client.get_job().account_id(ctx.account).job_id(id))
        .data
        .expect("job");
    assert_eq!(fetched.name.as_deref(), Some("e2e nightly (renamed)"));

    let deleted = ctx
        .client
        .delete_job()
        .account_id(ctx.account)
        .job_id(id)
        .send()
        .await
        .expect("deleteJob succeeds");
    assert!(deleted.status().is_success());

    let gone = ctx
        .client
        .get_job()
        .account_id(ctx.account)
        .job_id(id)
        .send()
        .await;
    let body = error_body(gone, 404);
    assert_eq!(message_of(&body), (404, NOT_FOUND.to_string()));
}

/// triggerJobRun, then getRun as the manual clock moves the run Queued -> Starting -> Running
/// -> Success; include_related embeds the trigger, the job and the steps.
pub async fn run_lifecycle(ctx: &Ctx) {
    ctx.mock.script_next_run(
        demo_ids::HOURLY_JOB,
        JobScript::success()
            .queued_for(Duration::from_secs(10))
            .starting_for(Duration::from_secs(10))
            .step_duration(Duration::from_secs(30)),
    );
    let run = trigger(ctx, demo_ids::HOURLY_JOB, "e2e lifecycle").await;
    assert_eq!(run.status, Some(status::QUEUED));
    assert_eq!(run.job_definition_id, Some(demo_ids::HOURLY_JOB));
    assert_eq!(run.is_complete, Some(false));
    assert_eq!(run.finished_at, None);
    assert_eq!(
        run.trigger.as_ref().and_then(|t| t.cause.as_deref()),
        Some("e2e lifecycle")
    );

    let mut seen = vec![status::QUEUED];
    for _ in 0..40 {
        ctx.mock.advance(Duration::from_secs(5));
        let now = get_run(ctx, run.id, None).await;
        let code = now.status.expect("status");
        if seen.last() != Some(&code) {
            seen.push(code);
        }
        if now.is_complete == Some(true) {
            break;
        }
    }
    assert_eq!(
        seen,
        vec![
            status::QUEUED,
            status::STARTING,
            status::RUNNING,
            status::SUCCESS
        ]
    );

    let done = get_run(ctx, run.id, Some("trigger,job,run_steps")).await;
    assert_eq!(done.is_success, Some(true));
    assert_eq!(done.status_humanized.as_deref(), Some("Success"));
    assert_eq!(done.in_progress, Some(false));
    // dbt's run timestamps use a space, not `T`.
    let finished = done.finished_at.expect("finished_at");
    assert!(
        finished.contains(' ') && !finished.contains('T'),
        "{finished}"
    );
    assert!(done.duration.is_some());
    assert_eq!(
        done.trigger.and_then(|t| t.cause),
        Some("e2e lifecycle".to_string())
    );
    // `job` is a free-form object in the spec (it would nest Job inside Run inside Job).
    assert_eq!(
        done.job.as_ref().and_then(|j| j.get("name")),
        Some(&json!("Hourly run"))
    );
    let steps = done.run_steps.expect("run_steps");
    assert!(
        steps
            .iter()
            .any(|s| s.name.as_deref().is_some_and(|n| n.contains("dbt run")))
    );
    assert!(steps.iter().all(|s| s.status == Some(status::SUCCESS)));
    assert!(steps.iter().all(|s| s.run_id == Some(run.id)));

    // Without include_related the related objects are null (decoded as None).
    let bare = get_run(ctx, run.id, None).await;
    assert!(bare.trigger.is_none() && bare.job.is_none());
}

/// cancelRun on a running run, and dbt's 400 when cancelling a finished one.
pub async fn cancel(ctx: &Ctx) {
    let run = trigger(ctx, demo_ids::DAILY_JOB, "e2e cancel").await;
    ctx.mock.advance(Duration::from_secs(6));
    let cancelled = ctx
        .client
        .cancel_run()
        .account_id(ctx.account)
        .run_id(run.id)
        .send()
        .await
        .expect("cancelRun succeeds")
        .into_inner()
        .data
        .expect("cancelled run");
    assert_eq!(cancelled.id, run.id);
    assert_eq!(cancelled.status, Some(status::CANCELLED));
    assert_eq!(cancelled.is_cancelled, Some(true));
    assert_eq!(
        cancelled.status_message.as_deref(),
        Some("Cancelled by user via API")
    );

    ctx.mock.advance(Duration::from_secs(600));
    assert_eq!(
        get_run(ctx, run.id, None).await.status,
        Some(status::CANCELLED)
    );

    // Cancelling a finished run answers 200 with the run as it is.
    let again = ctx
        .client
        .cancel_run()
        .account_id(ctx.account)
        .run_id(run.id)
        .send()
        .await
        .expect("cancelRun of a finished run succeeds")
        .into_inner()
        .data
        .expect("the unchanged run");
    assert_eq!(again.id, run.id);
    assert_eq!(again.status, Some(status::CANCELLED));
    assert_eq!(again.finished_at, cancelled.finished_at);
}

/// rerunJob after a failed run retries it (retrying_run_id); the rerun then succeeds.
pub async fn rerun(ctx: &Ctx) {
    ctx.mock
        .script_next_run(demo_ids::CI_JOB, JobScript::error());
    let failed = trigger(ctx, demo_ids::CI_JOB, "e2e rerun").await;
    ctx.mock.advance(Duration::from_secs(3600));
    let failed = get_run(ctx, failed.id, None).await;
    assert_eq!(failed.status, Some(status::ERROR));
    assert_eq!(failed.is_error, Some(true));
    assert_eq!(failed.can_retry, Some(true));
    assert!(failed.status_message.is_some());

    let retry = ctx
        .client
        .rerun_job()
        .account_id(ctx.account)
        .job_id(demo_ids::CI_JOB)
        .send()
        .await
        .expect("rerunJob succeeds")
        .into_inner()
        .data
        .expect("retry run");
    assert_ne!(retry.id, failed.id);
    assert_eq!(retry.status, Some(status::QUEUED));
    assert_eq!(retry.retrying_run_id, Some(failed.id));
    ctx.mock.advance(Duration::from_secs(3600));
    assert_eq!(
        get_run(ctx, retry.id, None).await.status,
        Some(status::SUCCESS)
    );
}

/// listRuns: offset/limit over seeded runs, status, status__in `[..]`, include_related,
/// order_by with `-`, and the counts in `extra`.
pub async fn list_runs(ctx: &Ctx) {
    let job = demo_ids::OTHER_JOB;
    let seeded = ctx.mock.seed_runs(job, 250);
    let list = || {
        ctx.client
            .list_runs()
            .account_id(ctx.account)
            .job_definition_id(job)
    };

    let mut visited = Vec::new();
    let mut offset = 0;
    loop {
        let page = send_ok!(list().offset(offset).limit(100));
        let pagination = page.extra.and_then(|e| e.pagination).expect("pagination");
        assert_eq!(pagination.total_count, Some(250));
        let runs = page.data.expect("runs");
        assert_eq!(pagination.count, Some(runs.len() as i64));
        if runs.is_empty() {
            break;
        }
        assert!(runs.len() <= 100);
        offset += runs.len() as i64;
        visited.extend(runs.iter().map(|r| r.id));
    }
    assert_eq!(visited, seeded);

    // The mock knows each run's status; status__in must select exactly those.
    let statuses: Vec<(i64, i64)> = seeded
        .iter()
        .map(|id| (*id, ctx.mock.run_status(*id).expect("known run")))
        .collect();
    let wanted = |codes: &[i64]| -> Vec<i64> {
        statuses
            .iter()
            .filter(|(_, s)| codes.contains(s))
            .map(|(id, _)| *id)
            .collect()
    };
    let failed_or_cancelled = wanted(&[status::ERROR, status::CANCELLED]);
    assert!(
        !failed_or_cancelled.is_empty(),
        "seeded runs have mixed outcomes"
    );
    let page = send_ok!(list().status_in("[20,30]").limit(100));
    let runs = page.data.expect("runs");
    let extra = page.extra.expect("extra");
    assert_eq!(
        extra.pagination.and_then(|p| p.total_count),
        Some(failed_or_cancelled.len() as i64)
    );
    assert_eq!(
        extra.filters.as_ref().and_then(|f| f.get("status__in")),
        Some(&json!([20, 30]))
    );
    assert!(runs.iter().all(|r| matches!(r.status, Some(20 | 30))));
    let n = failed_or_cancelled.len().min(100);
    assert_eq!(ids(&runs, |r| r.id), failed_or_cancelled[..n].to_vec());

    let successes = send_ok!(list().status(status::SUCCESS).limit(1));
    assert_eq!(
        successes
            .extra
            .and_then(|e| e.pagination)
            .and_then(|p| p.total_count),
        Some(wanted(&[status::SUCCESS]).len() as i64)
    );

    let newest = send_ok!(
        list()
            .order_by("-id")
            .limit(5)
            .include_related("job,trigger")
    );
    assert_eq!(
        newest.extra.as_ref().and_then(|e| e.order_by.as_deref()),
        Some("-id")
    );
    let runs = newest.data.expect("runs");
    let mut expected: Vec<i64> = seeded.iter().rev().take(5).copied().collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids(&runs, |r| r.id), expected);
    for run in &runs {
        assert_eq!(
            run.job.as_ref().and_then(|j| j.get("name")),
            Some(&json!("Finance nightly"))
        );
        assert!(
            run.trigger
                .as_ref()
                .and_then(|t| t.cause.as_deref())
                .is_some()
        );
        assert_eq!(run.project_id, Some(demo_ids::OTHER_PROJECT));
    }

    let elsewhere = send_ok!(list().environment_id(demo_ids::PROD_ENVIRONMENT));
    assert_eq!(elsewhere.data.map(|d| d.len()), Some(0));
    let by_project = send_ok!(
        ctx.client
            .list_runs()
            .account_id(ctx.account)
            .project_id(demo_ids::OTHER_PROJECT)
            .limit(1)
    );
    assert_eq!(
        by_project
            .extra
            .and_then(|e| e.pagination)
            .and_then(|p| p.total_count),
        Some(250)
    );
}

/// listRunArtifacts and getRunArtifact: raw bytes, the default (last) step, a pinned step,
/// and a nested path with `/`.
pub async fn artifacts(ctx: &Ctx) {
    let run = trigger(ctx, demo_ids::DAILY_JOB, "e2e artifacts").await;
    let list = || {
        ctx.client
            .list_run_artifacts()
            .account_id(ctx.account)
            .run_id(run.id)
    };
    assert_eq!(send_ok!(list()).data, Some(vec![]));
    ctx.mock.advance(Duration::from_secs(3600));

    let listed = send_ok!(list()).data.expect("artifact paths");
    for name in ["manifest.json", "run_results.json", "catalog.json"] {
        assert!(listed.iter().any(|p| p == name), "{name} in {listed:?}");
    }

    // The last step of the daily job is `dbt docs generate`: its run_results has no models.
    let last: Value =
        serde_json::from_slice(&artifact(ctx, run.id, "run_results.json", None).await)
            .expect("run_results.json is JSON");
    assert!(last.get("status").is_none(), "artifacts are not enveloped");
    let steps = get_run(ctx, run.id, Some("run_steps"))
        .await
        .run_steps
        .expect("steps");
    let build = steps
        .iter()
        .find(|s| s.name.as_deref().is_some_and(|n| n.contains("dbt build")))
        .and_then(|s| s.index)
        .expect("a dbt build step");
    let pinned: Value =
        serde_json::from_slice(&artifact(ctx, run.id, "run_results.json", Some(build)).await)
            .expect("run_results.json is JSON");
    let results = pinned["results"].as_array().expect("results");
    assert!(results.iter().any(|r| {
        r["unique_id"]
            .as_str()
            .is_some_and(|u| u.starts_with("model."))
    }));
    // dbt's node statuses: models and seeds "success", tests "pass".
    assert!(
        results
            .iter()
            .all(|r| r["status"] == json!("success") || r["status"] == json!("pass")),
        "{results:?}"
    );
    assert_ne!(last, pinned);

    // A nested path with real slashes; the listing of the default (docs) step has no SQL, so
    // the path comes from the build step's files.
    let sql_path = "compiled/jaffle_shop/models/orders.sql";
    let sql = artifact(ctx, run.id, sql_path, Some(build)).await;
    let text = String::from_utf8(sql.to_vec()).expect("SQL is UTF-8");
    assert!(
        text.starts_with("select *") && text.contains("\"orders\""),
        "{text}"
    );
    let request = ctx
        .mock
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.operation == Some(Operation::GetRunArtifact))
        .expect("recorded");
    assert!(
        request.path.ends_with(&format!("/artifacts/{sql_path}")),
        "{}",
        request.path
    );
    assert_eq!(
        request.query_pairs(),
        vec![("step".to_string(), build.to_string())]
    );

    // The job's latest artifact is this (latest finished) run's default-step copy.
    let latest = ctx
        .client
        .get_job_artifact()
        .account_id(ctx.account)
        .job_id(demo_ids::DAILY_JOB)
        .path("run_results.json")
        .send()
        .await
        .expect("getJobArtifact succeeds");
    let latest: Value =
        serde_json::from_slice(&raw_body(latest).await).expect("run_results.json is JSON");
    assert_eq!(latest, last);
}

/// Each error status decoded into the typed error body with dbt's `user_message`.
pub async fn errors(ctx: &Ctx) {
    // 400: a blank git branch.
    let blank = ctx
        .client
        .trigger_job_run()
        .account_id(ctx.account)
        .job_id(demo_ids::DAILY_JOB)
        // The derived spec refuses a blank cause before sending; a blank branch is the
        // mock's (dbt's) to refuse.
        .body(
            serde_json::from_value::<TriggerJobRunRequest>(
                json!({"cause": "e2e", "git_branch": ""}),
            )
            .expect("trigger body"),
        )
        .send()
        .await;
    let body = error_body(blank, 400);
    assert_eq!(message_of(&body), (400, INVALID_REQUEST.to_string()));
    assert_eq!(
        body.data.as_ref().and_then(|d| d.get("git_branch")),
        Some(&json!("This field may not be blank."))
    );

    // 401: a wrong token; dbt's envelope with `data: null`.
    let stranger = client_for(&ctx.mock, "not-the-token");
    let denied = stranger.get_account().account_id(ctx.account).send().await;
    let body = error_body(denied, 401);
    assert_eq!(message_of(&body), (401, INVALID_TOKEN.to_string()));
    assert_eq!(body.data, None);

    // 403: the mock has no permissions model, so the status is injected (enveloped like dbt's).
    ctx.mock
        .inject_fault(FaultRule::on(Operation::ListProjects, Fault::Status(403)).times(1));
    let forbidden = ctx
        .client
        .list_projects()
        .account_id(ctx.account)
        .send()
        .await;
    let body = error_body(forbidden, 403);
    let (code, message) = message_of(&body);
    assert_eq!(code, 403);
    assert!(message.starts_with("Forbidden"), "{message}");

    // 404: an unknown run, and an unknown account.
    let missing = ctx
        .client
        .get_run()
        .account_id(ctx.account)
        .run_id(987_654_321)
        .send()
        .await;
    let body = error_body(missing, 404);
    assert_eq!(message_of(&body), (404, NOT_FOUND.to_string()));
    assert_eq!(
        body.status.and_then(|s| s.developer_message),
        Some("Run not found".to_string())
    );
    let elsewhere = ctx.client.list_jobs().account_id(1).send().await;
    let body = error_body(elsewhere, 404);
    assert_eq!(message_of(&body), (404, NOT_FOUND.to_string()));
}

// ---- The configuration API (issue 8): v3 and the v2 additions. ----

/// A typed request body from JSON (the generated request types validate on deserialize).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid request body")
}

/// A decoded answer as JSON, for fields the typed structs keep as maps.
fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializable")
}

/// A delete's answer: 204 and no body.
fn deleted(response: ResponseValue<()>) {
    assert_eq!(response.status().as_u16(), 204);
}

/// listAccountsV3, getAccountV3, and the v3 projects: list, create, get, update, delete (and
/// the v2 listing seeing the v3-created project).
pub async fn v3_accounts_and_projects(ctx: &Ctx) {
    let accounts = send_ok!(ctx.client.list_accounts_v3())
        .data
        .expect("accounts");
    assert_eq!(ids(&accounts, |a| a.id), vec![demo_ids::ACCOUNT]);
    let account = send_ok!(ctx.client.get_account_v3().account_id(ctx.account))
        .data
        .expect("account");
    assert_eq!(account.name.as_deref(), Some("Demo Analytics"));

    let listed = send_ok!(
        ctx.client
            .list_projects_v3()
            .account_id(ctx.account)
            .order_by("-id")
            .limit(1)
    );
    assert_eq!(
        ids(&listed.data.expect("projects"), |p| p.id),
        vec![demo_ids::OTHER_PROJECT]
    );
    let pagination = listed.extra.and_then(|e| e.pagination).expect("pagination");
    assert_eq!(
        (pagination.count, pagination.total_count),
        (Some(1), Some(2))
    );

    let created = ctx
        .client
        .create_project()
        .account_id(ctx.account)
        .body(typed::<types::CreateProjectRequest>(
            json!({"name": "e2e analytics", "description": "made by e2e"}),
        ))
        .send()
        .await
        .expect("createProject succeeds");
    assert_eq!(created.status().as_u16(), 201);
    let project = created.into_inner().data.expect("project");
    assert_eq!(project.name.as_deref(), Some("e2e analytics"));
    assert_eq!(project.account_id, Some(ctx.account));
    let id = project.id;

    let v2 = send_ok!(
        ctx.client
            .list_projects()
            .account_id(ctx.account)
            .name_icontains("e2e")
    )
    .data
    .expect("projects");
    assert_eq!(ids(&v2, |p| p.id), vec![id]);

    let updated = send_ok!(
        ctx.client
            .update_project()
            .account_id(ctx.account)
            .project_id(id)
            .body(typed::<types::UpdateProjectRequest>(
                json!({"name": "e2e analytics 2"})
            ))
    )
    .data
    .expect("project");
    assert_eq!(updated.name.as_deref(), Some("e2e analytics 2"));
    assert_eq!(updated.description.as_deref(), Some("made by e2e"));
    let fetched = send_ok!(
        ctx.client
            .get_project_v3()
            .account_id(ctx.account)
            .project_id(id)
    )
    .data
    .expect("project");
    assert_eq!(fetched.name.as_deref(), Some("e2e analytics 2"));

    deleted(
        ctx.client
            .delete_project()
            .account_id(ctx.account)
            .project_id(id)
            .send()
            .await
            .expect("deleteProject succeeds"),
    );
    let gone = ctx
        .client
        .get_project_v3()
        .account_id(ctx.account)
        .project_id(id)
        .send()
        .await;
    assert_eq!(
        message_of(&error_body(gone, 404)),
        (404, NOT_FOUND.to_string())
    );

    // A blank name is refused, naming the field.
    let blank = ctx
        .client
        .create_project()
        .account_id(ctx.account)
        .body(typed::<types::CreateProjectRequest>(json!({"name": "x"})))
        .send()
        .await;
    assert!(blank.is_ok(), "a one-letter name is fine");
    let duplicate = ctx
        .client
        .create_project()
        .account_id(ctx.account)
        .body(typed::<types::CreateProjectRequest>(
            json!({"name": "jaffle_shop"}),
        ))
        .send()
        .await;
    // A taken name conflicts with what is stored: 409, naming the field.
    let body = error_body(duplicate, 409);
    assert!(
        body.data.as_ref().and_then(|d| d.get("name")).is_some(),
        "{body:?}"
    );
}

/// v3 project-scoped environments and repositories: the full CRUD of each.
pub async fn v3_environments_and_repositories(ctx: &Ctx) {
    let project = demo_ids::PROJECT;
    let envs = send_ok!(
        ctx.client
            .list_project_environments()
            .account_id(ctx.account)
            .project_id(project)
    )
    .data
    .expect("environments");
    assert_eq!(
        ids(&envs, |e| e.id),
        vec![demo_ids::DEV_ENVIRONMENT, demo_ids::PROD_ENVIRONMENT]
    );
    let env = send_ok!(
        ctx.client
            .create_project_environment()
            .account_id(ctx.account)
            .project_id(project)
            .body(typed::<types::CreateEnvironmentRequest>(
                json!({"name": "Staging", "type": "deployment", "deployment_type": "staging"})
            ))
    )
    .data
    .expect("environment");
    assert_eq!(env.project_id, Some(project));
    assert_eq!(env.deployment_type.as_deref(), Some("staging"));
    let renamed = send_ok!(
        ctx.client
            .update_project_environment()
            .account_id(ctx.account)
            .project_id(project)
            .environment_id(env.id)
            .body(typed::<types::UpdateEnvironmentRequest>(
                json!({"name": "Staging 2", "type": "deployment", "dbt_version": "1.9.0-latest"})
            ))
    )
    .data
    .expect("environment");
    assert_eq!(renamed.name.as_deref(), Some("Staging 2"));
    let fetched = send_ok!(
        ctx.client
            .get_project_environment()
            .account_id(ctx.account)
            .project_id(project)
            .environment_id(env.id)
    )
    .data
    .expect("environment");
    assert_eq!(fetched.name.as_deref(), Some("Staging 2"));
    deleted(
        ctx.client
            .delete_project_environment()
            .account_id(ctx.account)
            .project_id(project)
            .environment_id(env.id)
            .send()
            .await
            .expect("deleteProjectEnvironment succeeds"),
    );
    let v2 = send_ok!(
        ctx.client
            .list_environments()
            .account_id(ctx.account)
            .project_id(project)
    )
    .data
    .expect("environments");
    assert!(!ids(&v2, |e| e.id).contains(&env.id));

    let repos = send_ok!(
        ctx.client
            .list_project_repositories()
            .account_id(ctx.account)
            .project_id(project)
    )
    .data
    .expect("repositories");
    assert_eq!(ids(&repos, |r| r.id), vec![demo_ids::REPOSITORY]);
    let repo = send_ok!(
        ctx.client
            .create_project_repository()
            .account_id(ctx.account)
            .project_id(project)
            .body(typed::<types::CreateRepositoryRequest>(json!({"remote_url": "git@github.com:demo/e2e.git", "git_clone_strategy": "deploy_key"})))
    )
    .data
    .expect("repository");
    assert_eq!(repo.full_name.as_deref(), Some("demo/e2e"));
    let updated = send_ok!(
        ctx.client
            .update_project_repository()
            .account_id(ctx.account)
            .project_id(project)
            .repository_id(repo.id)
            .body(typed::<types::UpdateRepositoryRequest>(
                json!({"remote_url": "git@github.com:demo/e2e-2.git"})
            ))
    )
    .data
    .expect("repository");
    assert_eq!(updated.full_name.as_deref(), Some("demo/e2e-2"));
    let fetched = send_ok!(
        ctx.client
            .get_project_repository()
            .account_id(ctx.account)
            .project_id(project)
            .repository_id(repo.id)
    )
    .data
    .expect("repository");
    assert_eq!(
        fetched.remote_url.as_deref(),
        Some("git@github.com:demo/e2e-2.git")
    );
    deleted(
        ctx.client
            .delete_project_repository()
            .account_id(ctx.account)
            .project_id(project)
            .repository_id(repo.id)
            .send()
            .await
            .expect("deleteProjectRepository succeeds"),
    );
    let missing = ctx
        .client
        .get_project_repository()
        .account_id(ctx.account)
        .project_id(project)
        .repository_id(repo.id)
        .send()
        .await;
    error_body(missing, 404);
}

/// Connections (account level CRUD, project-level list/get) and credentials (CRUD, partial
/// update; the password never comes back).
pub async fn connections_and_credentials(ctx: &Ctx) {
    let created = send_ok!(
        ctx.client
            .create_account_connection()
            .account_id(ctx.account)
            .body(typed::<types::CreateConnectionRequest>(json!({"name": "e2e warehouse", "adapter_version": "postgres_v0",
                               "config": {"hostname": "db.internal", "port": 5432, "dbname": "analytics"}})))
    )
    .data
    .expect("connection");
    assert_eq!(created.type_.as_deref(), Some("postgres"));
    let listed = send_ok!(
        ctx.client
            .list_account_connections()
            .account_id(ctx.account)
    )
    .data
    .expect("connections");
    assert_eq!(
        ids(&listed, |c| c.id),
        vec![demo_ids::CONNECTION, created.id]
    );
    let patched = send_ok!(
        ctx.client
            .update_account_connection()
            .account_id(ctx.account)
            .connection_id(created.id)
            .body(typed::<types::UpdateConnectionRequest>(
                json!({"name": "e2e warehouse 2"})
            ))
    )
    .data
    .expect("connection");
    assert_eq!(patched.name.as_deref(), Some("e2e warehouse 2"));
    assert_eq!(patched.adapter_version.as_deref(), Some("postgres_v0"));
    let fetched = send_ok!(
        ctx.client
            .get_account_connection()
            .account_id(ctx.account)
            .connection_id(created.id)
    )
    .data
    .expect("connection");
    assert_eq!(fetched.name.as_deref(), Some("e2e warehouse 2"));
    let scoped = send_ok!(
        ctx.client
            .list_project_connections()
            .account_id(ctx.account)
            .project_id(demo_ids::PROJECT)
    )
    .data
    .expect("connections");
    assert!(ids(&scoped, |c| c.id).contains(&demo_ids::CONNECTION));
    let one = send_ok!(
        ctx.client
            .get_project_connection()
            .account_id(ctx.account)
            .project_id(demo_ids::PROJECT)
            .connection_id(demo_ids::CONNECTION)
    )
    .data
    .expect("connection");
    assert_eq!(one.name.as_deref(), Some("Demo Warehouse"));
    deleted(
        ctx.client
            .delete_account_connection()
            .account_id(ctx.account)
            .connection_id(created.id)
            .send()
            .await
            .expect("deleteAccountConnection succeeds"),
    );

    let project = demo_ids::PROJECT;
    let credential = send_ok!(
        ctx.client
            .create_project_credential()
            .account_id(ctx.account)
            .project_id(project)
            .body(typed::<types::CreateCredentialRequest>(
                json!({"type": "postgres", "username": "e2e", "password": "e2e-password-canary",
                               "schema": "dbt_e2e", "threads": 4})
            ))
    )
    .data
    .expect("credential");
    assert_eq!(credential.username.as_deref(), Some("e2e"));
    let updated = send_ok!(
        ctx.client
            .update_project_credential()
            .account_id(ctx.account)
            .project_id(project)
            .credential_id(credential.id)
            .body(typed::<types::UpdateCredentialRequest>(
                json!({"type": "postgres", "schema": "dbt_e2e_2"})
            ))
    )
    .data
    .expect("credential");
    assert_eq!(updated.schema.as_deref(), Some("dbt_e2e_2"));
    let patched = send_ok!(
        ctx.client
            .partial_update_project_credential()
            .account_id(ctx.account)
            .project_id(project)
            .credential_id(credential.id)
            .body(typed::<types::PartialUpdateCredentialRequest>(
                json!({"threads": 16})
            ))
    )
    .data
    .expect("credential");
    assert_eq!(
        (patched.threads, patched.schema.as_deref()),
        (Some(16), Some("dbt_e2e_2"))
    );
    let listed = send_ok!(
        ctx.client
            .list_project_credentials()
            .account_id(ctx.account)
            .project_id(project)
    );
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains("e2e-password-canary"));
    assert_eq!(
        ids(&listed.data.expect("credentials"), |c| c.id),
        vec![demo_ids::CREDENTIALS, credential.id]
    );
    let fetched = send_ok!(
        ctx.client
            .get_project_credential()
            .account_id(ctx.account)
            .project_id(project)
            .credential_id(credential.id)
    )
    .data
    .expect("credential");
    assert_eq!(fetched.threads, Some(16));
    deleted(
        ctx.client
            .delete_project_credential()
            .account_id(ctx.account)
            .project_id(project)
            .credential_id(credential.id)
            .send()
            .await
            .expect("deleteProjectCredential succeeds"),
    );
}

/// Environment variables: single values, bulk create/update/delete, and the environment,
/// job and user listings (secret values masked).
pub async fn environment_variables(ctx: &Ctx) {
    let (account, project) = (ctx.account, demo_ids::PROJECT);
    let by_environment = || {
        ctx.client
            .list_environment_variables()
            .account_id(account)
            .project_id(project)
    };
    let bulk = send_ok!(
        ctx.client
            .bulk_create_environment_variables()
            .account_id(account)
            .project_id(project)
            .body(typed::<types::BulkCreateEnvironmentVariablesRequest>(json!({"env_var": {"new_name": "DBT_E2E_THREADS", "project": "4", "Production": "16"}})))
    )
    .data
    .expect("bulk result");
    assert_eq!(bulk.new_var_ids.as_ref().map(Vec::len), Some(2));
    let listing = as_json(&send_ok!(by_environment()).data.expect("listing"));
    assert_eq!(
        listing["environments"],
        json!(["project", "Development", "Production"])
    );
    assert_eq!(
        listing["variables"]["DBT_E2E_THREADS"]["Production"]["value"],
        json!("16")
    );
    assert_eq!(
        listing["variables"]["DBT_ENV_SECRET_GIT_TOKEN"]["project"]["value"],
        json!("**********")
    );

    let one = send_ok!(
        ctx.client
            .create_environment_variable()
            .account_id(account)
            .project_id(project)
            .body(typed::<types::CreateEnvironmentVariableRequest>(
                json!({"name": "DBT_E2E_THREADS", "type": "job",
                               "job_definition_id": demo_ids::DAILY_JOB, "raw_value": "32"})
            ))
    )
    .data
    .expect("variable");
    assert_eq!(one.display_value.as_deref(), Some("32"));
    let changed = send_ok!(
        ctx.client
            .update_environment_variable()
            .account_id(account)
            .project_id(project)
            .environment_variable_id(one.id)
            .body(typed::<types::UpdateEnvironmentVariableRequest>(
                json!({"name": "DBT_E2E_THREADS", "type": "job",
                               "job_definition_id": demo_ids::DAILY_JOB, "raw_value": "64"})
            ))
    )
    .data
    .expect("variable");
    assert_eq!(changed.display_value.as_deref(), Some("64"));
    let job = as_json(
        &send_ok!(
            ctx.client
                .list_job_environment_variables()
                .account_id(account)
                .project_id(project)
                .job_definition_id(demo_ids::DAILY_JOB)
        )
        .data,
    );
    assert_eq!(job["DBT_E2E_THREADS"]["job"]["value"], json!("64"));
    assert_eq!(job["DBT_E2E_THREADS"]["environment"]["value"], json!("16"));
    assert_eq!(job["DBT_E2E_THREADS"]["project"]["value"], json!("4"));
    deleted(
        ctx.client
            .delete_environment_variable()
            .account_id(account)
            .project_id(project)
            .environment_variable_id(one.id)
            .send()
            .await
            .expect("deleteEnvironmentVariable succeeds"),
    );
    let user = as_json(
        &send_ok!(
            ctx.client
                .list_user_environment_variables()
                .account_id(account)
                .project_id(project)
                .user_id(demo_ids::ANALYST_USER)
        )
        .data,
    );
    assert_eq!(
        user["DBT_E2E_THREADS"],
        json!({"project": {"id": bulk.new_var_ids.as_ref().unwrap()[0], "value": "4"}})
    );

    let updated = send_ok!(
        ctx.client
            .bulk_update_environment_variables()
            .account_id(account)
            .project_id(project)
            .body(typed::<types::BulkUpdateEnvironmentVariablesRequest>(
                json!({"env_vars": {"name": "DBT_E2E_THREADS", "new_name": "DBT_E2E_WORKERS",
                                            "Production": null, "Development": "2"}})
            ))
    )
    .data
    .expect("bulk result");
    assert_eq!(updated.deleted_var_ids.as_ref().map(Vec::len), Some(1));
    assert_eq!(updated.new_var_ids.as_ref().map(Vec::len), Some(1));
    let listing = as_json(&send_ok!(by_environment()).data.expect("listing"));
    assert!(listing["variables"].get("DBT_E2E_THREADS").is_none());
    assert_eq!(
        listing["variables"]["DBT_E2E_WORKERS"]["Development"]["value"],
        json!("2")
    );
    deleted(
        ctx.client
            .bulk_delete_environment_variables()
            .account_id(account)
            .project_id(project)
            .body(typed::<types::BulkDeleteEnvironmentVariablesRequest>(
                json!({"name": "DBT_E2E_WORKERS"}),
            ))
            .send()
            .await
            .expect("bulkDeleteEnvironmentVariables succeeds"),
    );
    let listing = as_json(&send_ok!(by_environment()).data.expect("listing"));
    assert!(listing["variables"].get("DBT_E2E_WORKERS").is_none());
}

/// Service tokens (the value only at creation; permissions), groups (CRUD, permissions),
/// users (v3 list/get, v2 list, assignment to groups).
pub async fn tokens_groups_and_users(ctx: &Ctx) {
    let account = ctx.account;
    let created = send_ok!(
        ctx.client
            .create_service_token()
            .account_id(account)
            .body(typed::<types::CreateServiceTokenRequest>(
                json!({"name": "e2e token", "permission_grants": [
                {"permission_set": "job_runner", "all_projects": true}]})
            ))
    )
    .data
    .expect("token");
    let value = created
        .token_string
        .as_ref()
        .map(|s| s.expose().to_string())
        .expect("token at creation");
    assert!(value.starts_with("dbtc_"));
    let fetched = send_ok!(
        ctx.client
            .get_service_token()
            .account_id(account)
            .service_token_id(created.id)
    )
    .data
    .expect("token");
    assert!(fetched.token_string.is_none());
    let renamed = send_ok!(
        ctx.client
            .update_service_token()
            .account_id(account)
            .service_token_id(created.id)
            .body(typed::<types::UpdateServiceTokenRequest>(
                json!({"name": "e2e token 2"})
            ))
    )
    .data
    .expect("token");
    assert_eq!(renamed.name.as_deref(), Some("e2e token 2"));
    let listed = send_ok!(ctx.client.list_service_tokens().account_id(account));
    assert!(!serde_json::to_string(&listed).unwrap().contains(&value));
    assert_eq!(
        ids(&listed.data.expect("tokens"), |t| t.id),
        vec![demo_ids::SERVICE_TOKEN, created.id]
    );
    let permissions = send_ok!(
        ctx.client
            .list_service_token_permissions()
            .account_id(account)
            .service_token_id(created.id)
    )
    .data
    .expect("permissions");
    assert_eq!(permissions[0].permission_set.as_deref(), Some("job_runner"));
    assert_eq!(permissions[0].all_projects, Some(true));
    deleted(
        ctx.client
            .delete_service_token()
            .account_id(account)
            .service_token_id(created.id)
            .send()
            .await
            .expect("deleteServiceToken succeeds"),
    );

    let group = send_ok!(ctx.client.create_group().account_id(account).body(typed::<
        types::CreateGroupRequest,
    >(
        json!({"name": "e2e analysts", "assign_by_default": false})
    )))
    .data
    .expect("group");
    let updated = send_ok!(
        ctx.client
            .update_group()
            .account_id(account)
            .group_id(group.id)
            .body(typed::<types::UpdateGroupRequest>(
                json!({"name": "e2e analysts", "sso_mapping_groups": ["analysts"]})
            ))
    )
    .data
    .expect("group");
    assert_eq!(as_json(&updated.sso_mapping_groups), json!(["analysts"]));
    let granted = send_ok!(
        ctx.client
            .assign_group_permissions()
            .account_id(account)
            .group_id(group.id)
            .body(typed::<types::AssignGroupPermissionsRequest>(
                json!([{"permission_set": "analyst", "project_id": demo_ids::PROJECT,
                                 "all_projects": false, "writable_environment_categories": []}])
            ))
    )
    .data
    .expect("permissions");
    assert_eq!(granted[0].group_id, Some(group.id));
    let fetched = send_ok!(
        ctx.client
            .get_group()
            .account_id(account)
            .group_id(group.id)
    )
    .data
    .expect("group");
    assert_eq!(
        fetched
            .group_permissions
            .as_ref()
            .map(|p| p[0].permission_set.clone()),
        Some(Some("analyst".to_string()))
    );
    let groups = send_ok!(ctx.client.list_groups().account_id(account))
        .data
        .expect("groups");
    assert_eq!(
        ids(&groups, |g| g.id),
        vec![demo_ids::OWNER_GROUP, demo_ids::MEMBER_GROUP, group.id]
    );

    let users = send_ok!(ctx.client.list_users_v3().account_id(account))
        .data
        .expect("users");
    assert_eq!(
        ids(&users, |u| u.id),
        vec![demo_ids::ADMIN_USER, demo_ids::ANALYST_USER]
    );
    let v2_users = send_ok!(ctx.client.list_users().account_id(account))
        .data
        .expect("users");
    assert_eq!(ids(&v2_users, |u| u.id), ids(&users, |u| u.id));
    let user = send_ok!(
        ctx.client
            .get_user_v3()
            .account_id(account)
            .user_id(demo_ids::ANALYST_USER)
    )
    .data
    .expect("user");
    assert_eq!(user.email.as_deref(), Some("ann@example.com"));
    let assigned = send_ok!(
        ctx.client
            .assign_user_to_groups()
            .account_id(account)
            .body(typed::<types::AssignUserToGroupsRequest>(
                json!({"user_id": demo_ids::ANALYST_USER,
                               "desired_group_ids": [demo_ids::MEMBER_GROUP, group.id]})
            ))
    )
    .data
    .expect("groups");
    assert_eq!(
        ids(&assigned, |g| g.id),
        vec![demo_ids::MEMBER_GROUP, group.id]
    );
}

/// Webhook subscriptions: CRUD (the secret only at creation), a test delivery (to a
/// loopback port nobody listens on: the failed attempt is recorded all the same), its event
/// and receipt. (`tests/webhooks.rs` delivers to a real receiver.)
pub async fn webhooks(ctx: &Ctx) {
    let account = ctx.account;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/e2e-hooks", closed.local_addr().expect("address"));
    drop(closed);
    let created = send_ok!(
        ctx.client
            .create_webhook_subscription()
            .account_id(account)
            .body(typed::<types::CreateWebhookSubscriptionRequest>(json!({"name": "e2e hooks", "client_url": url,
                               "event_types": ["job.run.completed"], "job_ids": [], "active": false})))
    )
    .data
    .expect("subscription");
    assert!(created.id.starts_with("wsu_"), "{}", created.id);
    assert!(created.hmac_secret.is_some());
    let id = created.id.clone();
    let updated = send_ok!(
        ctx.client
            .update_webhook_subscription()
            .account_id(account)
            .subscription_id(&id)
            .body(typed::<types::UpdateWebhookSubscriptionRequest>(json!({"name": "e2e hooks 2", "client_url": url,
                               "event_types": ["job.run.completed", "job.run.errored"], "job_ids": [],
                               "active": false})))
    )
    .data
    .expect("subscription");
    assert_eq!(updated.name.as_deref(), Some("e2e hooks 2"));
    assert!(updated.hmac_secret.is_none());
    let fetched = send_ok!(
        ctx.client
            .get_webhook_subscription()
            .account_id(account)
            .subscription_id(&id)
    )
    .data
    .expect("subscription");
    assert_eq!(fetched.event_types.as_ref().map(Vec::len), Some(2));
    let listed = send_ok!(ctx.client.list_webhook_subscriptions().account_id(account))
        .data
        .expect("subscriptions");
    assert_eq!(
        listed.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        vec!["wsu_1201".to_string(), id.clone()]
    );

    let tested = send_ok!(
        ctx.client
            .test_webhook_subscription()
            .account_id(account)
            .subscription_id(&id)
    )
    .data
    .expect("test result");
    let event_id = tested.event_id.expect("event id");
    let events = send_ok!(
        ctx.client
            .list_webhook_subscription_events()
            .account_id(account)
            .subscription_id(&id)
    )
    .data
    .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].trigger_event_type.as_deref(),
        Some("job.run.completed")
    );
    let receipts = send_ok!(
        ctx.client
            .list_webhook_subscription_event_receipts()
            .account_id(account)
            .subscription_id(&id)
            .event_id(&event_id)
    )
    .data
    .expect("receipts");
    assert_eq!(receipts[0].http_status_code.as_deref(), Some("0"));
    assert!(
        receipts[0]
            .error_info
            .as_deref()
            .is_some_and(|e| e.contains("connecting"))
    );
    deleted(
        ctx.client
            .delete_webhook_subscription()
            .account_id(account)
            .subscription_id(&id)
            .send()
            .await
            .expect("deleteWebhookSubscription succeeds"),
    );
    let gone = ctx
        .client
        .get_webhook_subscription()
        .account_id(account)
        .subscription_id(&id)
        .send()
        .await;
    error_body(gone, 404);
}

/// v2 notifications: each kind (email, Slack, Slack v2, external email) built with its typed
/// builder and created, one updated into another kind, listed, fetched and deleted; a kind
/// without its destination field is refused by the builder, and a body whose `type` names
/// another kind (the Rust types do not check `type`) by the mock, naming the field.
pub async fn notifications(ctx: &Ctx) {
    let account = ctx.account;
    let user = demo_ids::ADMIN_USER;
    let email: types::NotificationByEmail = types::NotificationByEmail::builder()
        .type_(1u64)
        .user_id(user)
        .on_failure(vec![demo_ids::DAILY_JOB])
        .try_into()
        .expect("an email notification");
    let slack: types::NotificationBySlack = types::NotificationBySlack::builder()
        .type_(2)
        .user_id(user)
        .slack_channel_id("C0123")
        .slack_channel_name("data-alerts")
        .on_failure(vec![demo_ids::DAILY_JOB])
        .try_into()
        .expect("a Slack notification");
    let slack_v2: types::NotificationBySlackV2 = types::NotificationBySlackV2::builder()
        .type_(5)
        .user_id(user)
        .slack_channel_id("C0456")
        .slack_channel_name("deploys")
        .on_success(vec![demo_ids::HOURLY_JOB])
        .try_into()
        .expect("a Slack v2 notification");
    let external: types::NotificationByExternalEmail =
        types::NotificationByExternalEmail::builder()
            .type_(4)
            .user_id(user)
            .external_email("oncall@example.com")
            .on_failure(vec![demo_ids::DAILY_JOB])
            .try_into()
            .expect("an external email notification");
    let kinds: [(types::CreateNotificationRequest, i64, Option<&str>); 4] = [
        (email.into(), 1, None),
        (slack.into(), 2, Some("C0123")),
        (slack_v2.into(), 5, Some("C0456")),
        (external.into(), 4, None),
    ];
    let mut created = Vec::new();
    for (body, kind, channel) in kinds {
        let notification = send_ok!(
            ctx.client
                .create_notification()
                .account_id(account)
                .body(body)
        )
        .data
        .expect("notification");
        assert_eq!(notification.type_, Some(kind));
        assert_eq!(notification.slack_channel_id.as_deref(), channel);
        assert_eq!(notification.user_id, Some(user));
        created.push(notification);
    }
    let external = created.last().expect("the external email notification");
    assert_eq!(
        external.external_email.as_deref(),
        Some("oncall@example.com")
    );
    assert_eq!(
        created[1].slack_channel_name.as_deref(),
        Some("data-alerts")
    );

    // The external email notification becomes a Slack one.
    let to_slack: types::NotificationBySlackV2 = types::NotificationBySlackV2::builder()
        .type_(5)
        .user_id(user)
        .slack_channel_id("C0789")
        .slack_channel_name("oncall")
        .on_failure(vec![demo_ids::DAILY_JOB, demo_ids::HOURLY_JOB])
        .try_into()
        .expect("a Slack v2 notification");
    let updated = send_ok!(
        ctx.client
            .update_notification()
            .account_id(account)
            .notification_id(external.id)
            .body(to_slack)
    )
    .data
    .expect("notification");
    assert_eq!(updated.type_, Some(5));
    assert_eq!(updated.slack_channel_id.as_deref(), Some("C0789"));
    assert_eq!(
        updated.on_failure,
        Some(vec![demo_ids::DAILY_JOB, demo_ids::HOURLY_JOB])
    );
    let fetched = send_ok!(
        ctx.client
            .get_notification()
            .account_id(account)
            .notification_id(external.id)
    )
    .data
    .expect("notification");
    assert_eq!(fetched.slack_channel_id.as_deref(), Some("C0789"));
    let listed = send_ok!(ctx.client.list_notifications().account_id(account))
        .data
        .expect("notifications");
    let mut expected = vec![demo_ids::NOTIFICATION];
    expected.extend(ids(&created, |n| n.id));
    assert_eq!(ids(&listed, |n| n.id), expected);
    deleted(
        ctx.client
            .delete_notification()
            .account_id(account)
            .notification_id(external.id)
            .send()
            .await
            .expect("deleteNotification succeeds"),
    );

    // A Slack notification without its channel cannot be built.
    let no_channel = types::NotificationBySlack::try_from(
        types::NotificationBySlack::builder().type_(2).user_id(user),
    )
    .expect_err("a Slack notification needs its channel");
    assert!(
        no_channel.to_string().contains("slack_channel_id"),
        "{no_channel}"
    );
    // The email kind with the external email type: built, sent, and refused by dbt.
    let mislabelled: types::NotificationByEmail = types::NotificationByEmail::builder()
        .type_(4u64)
        .user_id(user)
        .try_into()
        .expect("the Rust type does not check `type`");
    let refused = ctx
        .client
        .create_notification()
        .account_id(account)
        .body(mislabelled)
        .send()
        .await;
    let body = error_body(refused, 400);
    assert_eq!(
        body.data.as_ref().and_then(|d| d.get("external_email")),
        Some(&json!("This field is required."))
    );
}

/// v2 getRunStep, getRunFailureDetails and retryRun on a failed run.
pub async fn run_failure_and_retry(ctx: &Ctx) {
    ctx.mock
        .script_next_run(demo_ids::HOURLY_JOB, JobScript::error().failing_command(1));
    let run = trigger(ctx, demo_ids::HOURLY_JOB, "e2e retry").await;
    ctx.mock.advance(Duration::from_secs(3600));
    let details = send_ok!(
        ctx.client
            .get_run_failure_details()
            .account_id(ctx.account)
            .run_id(run.id)
    )
    .data
    .expect("failure details");
    assert_eq!(
        details.failed_step.as_deref(),
        Some("Invoke dbt with `dbt run`")
    );
    assert_eq!(
        details.skipped_steps,
        Some(vec!["Invoke dbt with `dbt test`".to_string()])
    );
    let steps = get_run(ctx, run.id, Some("run_steps"))
        .await
        .run_steps
        .expect("steps");
    let failed = steps
        .iter()
        .find(|s| s.status == Some(status::ERROR))
        .expect("a failed step");
    let step = send_ok!(
        ctx.client
            .get_run_step()
            .account_id(ctx.account)
            .step_id(failed.id)
    )
    .data
    .expect("step");
    assert_eq!(
        (step.id, step.run_id, step.name.clone()),
        (failed.id, Some(run.id), failed.name.clone())
    );
    let retry = send_ok!(
        ctx.client
            .retry_run()
            .account_id(ctx.account)
            .run_id(run.id)
    )
    .data
    .expect("retry run");
    assert_eq!(retry.retrying_run_id, Some(run.id));
    assert_eq!(retry.status, Some(status::QUEUED));
    // A successful run has nothing to retry: a conflict with its state.
    ctx.mock.advance(Duration::from_secs(3600));
    let again = ctx
        .client
        .retry_run()
        .account_id(ctx.account)
        .run_id(retry.id)
        .send()
        .await;
    error_body(again, 409);
}

/// The whole scenario on one mock, in an order where each step's assertions hold after the
/// previous steps' changes (new runs, a created job in the development environment).
pub async fn run_all(ctx: &Ctx) {
    accounts(ctx).await;
    projects(ctx).await;
    environments(ctx).await;
    repositories(ctx).await;
    jobs(ctx).await;
    job_crud(ctx).await;
    run_lifecycle(ctx).await;
    cancel(ctx).await;
    rerun(ctx).await;
    list_runs(ctx).await;
    artifacts(ctx).await;
    errors(ctx).await;
    v3_accounts_and_projects(ctx).await;
    v3_environments_and_repositories(ctx).await;
    connections_and_credentials(ctx).await;
    environment_variables(ctx).await;
    tokens_groups_and_users(ctx).await;
    webhooks(ctx).await;
    notifications(ctx).await;
    run_failure_and_retry(ctx).await;
}
