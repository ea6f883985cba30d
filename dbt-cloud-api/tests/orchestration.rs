//! What orchestrators do every day, against the mock: look-ups by name, rerun from failure,
//! reuse of a run in progress, node results across steps, listing by time, concurrent
//! listing, typed times, the rate limiter.

mod common;

use std::time::Duration;

use common::{TOKEN, bounded, client, start_mock, trigger_options, wait_options};
use dbt_cloud_api::{Error, RateLimit, RunStatus};
use dbt_cloud_mock::{
    Fault, FaultRule, Fixtures, JobScript, MockDbtCloud, Operation, Quirks, demo_ids,
};
use futures::TryStreamExt;

#[tokio::test]
async fn a_job_is_found_by_project_environment_and_job_names() {
    let mock = start_mock(TOKEN).await;
    let dbt = client(&mock);
    let job = dbt
        .find_job_by_names("jaffle_shop", "Production", "Daily build")
        .await
        .unwrap();
    assert_eq!(job.id, demo_ids::DAILY_JOB);
    // Two projects have a "Production" environment: the project decides.
    let env = dbt
        .find_environment(demo_ids::OTHER_PROJECT, "Production")
        .await
        .unwrap();
    assert_eq!(env.id, demo_ids::OTHER_ENVIRONMENT);
    let job = dbt
        .find_job(demo_ids::PROJECT, None, "  Hourly run ")
        .await
        .unwrap();
    assert_eq!(job.id, demo_ids::HOURLY_JOB);
}

#[tokio::test]
async fn a_name_without_a_match_names_the_candidates() {
    let mock = start_mock(TOKEN).await;
    let dbt = client(&mock);
    let e = dbt.find_project("jaffle").await.unwrap_err();
    match &e {
        Error::NameLookup {
            kind,
            matches,
            candidates,
            ..
        } => {
            assert_eq!(*kind, "project");
            assert!(matches.is_empty());
            let names: Vec<&str> = candidates.iter().map(|(_, n)| n.as_str()).collect();
            assert!(
                names.contains(&"jaffle_shop") && names.contains(&"finance"),
                "{names:?}"
            );
        }
        other => panic!("expected NameLookup, got {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("no project named \"jaffle\" in account"),
        "{text}"
    );
    assert!(text.contains("\"jaffle_shop\" (id 101)"), "{text}");
    let e = dbt
        .find_job_by_names("jaffle_shop", "Staging", "Daily build")
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("no environment named \"Staging\" in project 101"),
        "{e}"
    );
}

#[tokio::test]
async fn two_jobs_with_one_name_are_an_error_listing_both() {
    let mut fixtures = Fixtures::demo();
    let mut twin = fixtures.jobs[0].clone();
    twin["id"] = serde_json::json!(499);
    fixtures.jobs.push(twin);
    let mock = MockDbtCloud::builder()
        .token(TOKEN)
        .fixtures(fixtures)
        .start()
        .await
        .unwrap();
    let dbt = client(&mock);
    let e = dbt
        .find_job_by_names("jaffle_shop", "Production", "Daily build")
        .await
        .unwrap_err();
    match &e {
        Error::NameLookup { matches, .. } => {
            let ids: Vec<i64> = matches.iter().map(|(id, _)| *id).collect();
            assert_eq!(ids, vec![demo_ids::DAILY_JOB, 499]);
        }
        other => panic!("expected NameLookup, got {other:?}"),
    }
    assert!(
        e.to_string().contains("2 jobs named \"Daily build\""),
        "{e}"
    );
}

#[tokio::test]
async fn rerun_from_failure_reruns_a_failed_run_and_triggers_otherwise() {
    let mock = start_mock(TOKEN).await;
    let dbt = client(&mock);
    mock.script_next_run(demo_ids::HOURLY_JOB, JobScript::error());
    let failed = bounded(
        "failing run",
        dbt.trigger_and_wait(demo_ids::HOURLY_JOB, trigger_options(), wait_options()),
    )
    .await
    .unwrap_err()
    .run_id()
    .unwrap();
    let rerun = bounded(
        "rerun",
        dbt.rerun_and_wait(demo_ids::HOURLY_JOB, trigger_options(), wait_options()),
    )
    .await
    .unwrap();
    assert_eq!(rerun.retrying_run_id, Some(failed));
    assert_eq!(mock.request_count(Operation::RerunJob), 1);
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 1);
    // The latest run succeeded: a normal trigger.
    let next = bounded(
        "trigger",
        dbt.rerun_from_failure(demo_ids::HOURLY_JOB, trigger_options()),
    )
    .await
    .unwrap();
    assert_eq!(next.retrying_run_id, None);
    assert_eq!(mock.request_count(Operation::RerunJob), 1);
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 2);
}

#[tokio::test]
async fn a_rerun_whose_answer_is_lost_is_found_not_sent_again() {
    let mock = start_mock(TOKEN).await;
    let dbt = client(&mock);
    mock.script_next_run(demo_ids::HOURLY_JOB, JobScript::error());
    let failed = bounded(
        "failing run",
        dbt.trigger_and_wait(demo_ids::HOURLY_JOB, trigger_options(), wait_options()),
    )
    .await
    .unwrap_err()
    .run_id()
    .unwrap();
    mock.inject_fault(
        FaultRule::on(Operation::RerunJob, Fault::StatusAfterProcessing(502)).times(1),
    );
    let before = mock.run_ids().len();
    let rerun = bounded(
        "rerun",
        dbt.rerun_from_failure(demo_ids::HOURLY_JOB, trigger_options()),
    )
    .await
    .unwrap();
    assert_eq!(rerun.retrying_run_id, Some(failed));
    assert_eq!(mock.run_ids().len(), before + 1, "one run");
    assert_eq!(mock.request_count(Operation::RerunJob), 1, "not sent again");
}

#[tokio::test]
async fn an_active_run_is_reused_when_asked() {
    // A manual clock: a triggered run stays queued.
    let mock = MockDbtCloud::builder().token(TOKEN).start().await.unwrap();
    let dbt = client(&mock);
    let first = dbt
        .trigger_run(demo_ids::CI_JOB, trigger_options())
        .await
        .unwrap();
    let reused = dbt
        .trigger_run(demo_ids::CI_JOB, trigger_options().reuse_active_run(true))
        .await
        .unwrap();
    assert_eq!(reused.id, first.id);
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 1);
    let second = dbt
        .trigger_run(demo_ids::CI_JOB, trigger_options())
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    // Once runs are over, there is nothing to reuse.
    mock.advance(Duration::from_secs(3600));
    let fresh = dbt
        .trigger_run(demo_ids::CI_JOB, trigger_options().reuse_active_run(true))
        .await
        .unwrap();
    assert!(fresh.id > second.id);
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 3);
}

#[tokio::test]
async fn node_results_of_every_step_are_merged_with_their_step() {
    let mock = start_mock(TOKEN).await;
    let dbt = client(&mock);
    // `dbt run` then `dbt test`: dbt's default file is only the tests'.
    let run = bounded(
        "hourly run",
        dbt.trigger_and_wait(demo_ids::HOURLY_JOB, trigger_options(), wait_options()),
    )
    .await
    .unwrap();
    let nodes = dbt.run_nodes(run.id).await.unwrap();
    let commands: Vec<&str> = nodes.steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(commands, vec!["dbt run", "dbt test"]);
    let kinds: std::collections::BTreeSet<(&str, &str)> = nodes
        .nodes()
        .map(|n| (n.step.command.as_str(), n.node.resource_type()))
        .collect();
    assert!(kinds.contains(&("dbt run", "model")), "{kinds:?}");
    assert!(kinds.contains(&("dbt test", "test")), "{kinds:?}");
    let last_only = dbt.run_results(run.id, None).await.unwrap();
    assert!(nodes.nodes().count() > last_only.results.len());

    // `dbt build` then `dbt docs generate`: the build's results, not the docs step's.
    let daily = bounded(
        "daily run",
        dbt.trigger_and_wait(demo_ids::DAILY_JOB, trigger_options(), wait_options()),
    )
    .await
    .unwrap();
    let build = dbt.build_results(daily.id).await.unwrap();
    assert!(build.results.iter().any(|n| n.resource_type() == "model"));
    let merged = dbt.run_nodes(daily.id).await.unwrap();
    assert_eq!(
        merged.build_step().map(|s| s.command.as_str()),
        Some("dbt build")
    );
}

#[tokio::test]
async fn runs_created_after_an_instant_stop_paging_there() {
    let mock = MockDbtCloud::builder().token(TOKEN).start().await.unwrap();
    let dbt = client(&mock);
    mock.seed_runs(demo_ids::CI_JOB, 250);
    mock.advance(Duration::from_secs(600));
    let mut recent = Vec::new();
    for _ in 0..3 {
        recent.push(
            dbt.trigger_run(demo_ids::CI_JOB, trigger_options())
                .await
                .unwrap(),
        );
        mock.advance(Duration::from_secs(1));
    }
    let since = recent[0].created_at_utc().expect("a typed created_at");
    mock.clear_requests();
    let request = dbt
        .list_runs()
        .account_id(mock.account_id())
        .job_definition_id(demo_ids::CI_JOB);
    let listed: Vec<i64> = dbt
        .runs_created_after(request, since)
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    let newest_first: Vec<i64> = recent.iter().rev().map(|r| r.id).collect();
    assert_eq!(listed, newest_first);
    assert_eq!(
        mock.request_count(Operation::ListRuns),
        1,
        "no page past the instant"
    );
}

#[tokio::test]
async fn concurrent_listing_yields_what_page_by_page_listing_does() {
    let mock = MockDbtCloud::builder().token(TOKEN).start().await.unwrap();
    // A time-out long enough that no page is retried: the test counts requests.
    let dbt = common::client_for(
        &mock.base_url(),
        TOKEN,
        mock.account_id(),
        Duration::from_secs(20),
    );
    mock.seed_runs(demo_ids::HOURLY_JOB, 1_050);
    let request = || {
        dbt.list_runs()
            .account_id(mock.account_id())
            .job_definition_id(demo_ids::HOURLY_JOB)
            .order_by("-id")
    };
    let ids =
        |runs: Vec<dbt_cloud_api::types::Run>| runs.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let concurrent = ids(dbt
        .paginate_with_concurrency(request(), 8)
        .try_collect()
        .await
        .unwrap());
    let pages = concurrent.len().div_ceil(100);
    assert_eq!(
        mock.request_count(Operation::ListRuns),
        pages,
        "one request per page"
    );
    let sequential = ids(dbt
        .paginate_with_concurrency(request(), 1)
        .try_collect()
        .await
        .unwrap());
    assert!(concurrent.len() >= 1_050, "{}", concurrent.len());
    assert_eq!(concurrent, sequential);
    assert_eq!(
        dbt.list_concurrency(),
        dbt_cloud_api::paginate::DEFAULT_LIST_CONCURRENCY
    );
}

#[tokio::test]
async fn concurrent_pages_are_retried_like_any_read() {
    let mock = MockDbtCloud::builder().token(TOKEN).start().await.unwrap();
    let dbt = client(&mock);
    mock.seed_runs(demo_ids::HOURLY_JOB, 450);
    mock.inject_fault(
        FaultRule::on(Operation::ListRuns, Fault::Status(503))
            .after(2)
            .times(2),
    );
    let request = dbt
        .list_runs()
        .account_id(mock.account_id())
        .job_definition_id(demo_ids::HOURLY_JOB);
    let runs = dbt.collect_all(request).await.unwrap();
    assert_eq!(runs.len(), 450);
    assert_eq!(mock.faults_fired(), vec![2]);
}

#[tokio::test]
async fn run_times_are_typed_in_both_timestamp_forms() {
    for space in [false, true] {
        let quirks = Quirks {
            space_separated_run_timestamps: space,
            ..Quirks::default()
        };
        let mock = MockDbtCloud::builder()
            .token(TOKEN)
            .quirks(quirks)
            .real_time(200.0)
            .start()
            .await
            .unwrap();
        let dbt = client(&mock);
        let wait = wait_options().include_related("run_steps");
        let run = bounded(
            "run",
            dbt.trigger_and_wait(demo_ids::CI_JOB, trigger_options(), wait),
        )
        .await
        .unwrap();
        assert_eq!(
            run.created_at.as_deref().map(|t| t.contains(' ')),
            Some(space)
        );
        let (created, finished) = (
            run.created_at_utc().unwrap(),
            run.finished_at_utc().unwrap(),
        );
        assert!(created < finished);
        let (queued, ran) = (run.queued_time().unwrap(), run.run_time().unwrap());
        assert!(queued > Duration::ZERO && ran > Duration::ZERO);
        assert!(queued + ran <= run.total_time().unwrap() + Duration::from_secs(1));
        for step in run.run_steps.as_deref().unwrap_or_default() {
            assert!(step.started_at_utc().is_some() && step.step_time().is_some());
        }
        assert_eq!(run.run_status(), Some(RunStatus::Success));
    }
}

#[tokio::test]
async fn the_rate_limit_is_shared_by_every_call_of_a_client() {
    let mock = start_mock(TOKEN).await;
    let dbt = client(&mock).with_rate_limit(RateLimit::new(2, Duration::from_secs(60)));
    let clone = dbt.clone();
    dbt.fetch_run(1).await.ok();
    clone.fetch_run(1).await.ok();
    // The budget is spent, by the client and its clone together.
    let third = tokio::time::timeout(Duration::from_millis(300), dbt.fetch_run(1)).await;
    assert!(third.is_err(), "a third request went out within the window");
    assert_eq!(mock.total_requests(), 2);
}
