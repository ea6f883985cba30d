//! Waiting outcomes and pagination stop rules, as a user observes them.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{bounded, client, start_mock, trigger_options, wait_options};
use dbt_cloud_api::paginate::{Page, paginate};
use dbt_cloud_api::{Error, RunStatus};
use dbt_cloud_mock::{Fault, FaultRule, JobScript, MockDbtCloud, Operation, demo_ids};
use futures::TryStreamExt;

#[tokio::test]
async fn a_failed_run_is_an_error_carrying_the_run() {
    let mock = start_mock(common::TOKEN).await;
    mock.script_job(demo_ids::HOURLY_JOB, JobScript::error());
    let dbt = client(&mock);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let wait = wait_options().on_update(move |u| {
        if u.status_changed {
            log.lock().unwrap().push(u.status);
        }
    });
    let e = bounded(
        "failed run",
        dbt.trigger_and_wait(demo_ids::HOURLY_JOB, trigger_options(), wait),
    )
    .await
    .unwrap_err();
    match &e {
        Error::RunFailed { status, run, .. } => {
            assert_eq!(*status, RunStatus::Error);
            assert_eq!(run.run_status(), Some(RunStatus::Error));
        }
        other => panic!("expected RunFailed, got {other:?}"),
    }
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.last(),
        Some(&Some(RunStatus::Error)),
        "the callback saw the final status: {seen:?}"
    );
    assert!(seen.len() >= 2, "status changes were reported: {seen:?}");
}

#[tokio::test]
async fn a_timeout_is_an_error_and_can_cancel_the_run() {
    // A manual clock: the run never progresses unless the test advances it.
    let mock = MockDbtCloud::builder()
        .token(common::TOKEN)
        .start()
        .await
        .unwrap();
    let dbt = client(&mock);
    let run = dbt
        .trigger_run(demo_ids::DAILY_JOB, trigger_options())
        .await
        .unwrap();
    let wait = wait_options()
        .timeout(Duration::from_millis(300))
        .cancel_on_timeout(true);
    let e = bounded("timed-out wait", dbt.wait_for_run(run.id, wait))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::WaitTimeout {
                cancel_requested: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(mock.request_count(Operation::CancelRun), 1);
    mock.advance(Duration::from_secs(600));
    assert_eq!(
        mock.run_status(run.id),
        Some(dbt_cloud_mock::status::CANCELLED)
    );
}

#[tokio::test]
async fn a_not_found_run_outside_the_grace_period_is_an_error() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    let wait = wait_options().not_found_grace(Duration::from_millis(100));
    let e = bounded("missing run", dbt.wait_for_run(999_999_999, wait))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test]
async fn pagination_streams_every_item_once_in_pages_of_100() {
    let mock = start_mock(common::TOKEN).await;
    mock.seed_runs(demo_ids::HOURLY_JOB, 205);
    let dbt = client(&mock);
    let request = dbt
        .list_runs()
        .account_id(mock.account_id())
        .job_definition_id(demo_ids::HOURLY_JOB);
    let runs: Vec<_> = bounded("paginate", dbt.paginate(request).try_collect())
        .await
        .unwrap();
    assert_eq!(runs.len(), 205);
    assert_eq!(mock.request_count(Operation::ListRuns), 3, "100 + 100 + 5");
}

#[tokio::test]
async fn pagination_stops_on_an_empty_page_even_if_the_total_says_more() {
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let stream = paginate(100, move |offset, _limit| {
        *counter.lock().unwrap() += 1;
        async move {
            let items: Vec<i64> = if offset == 0 {
                (0..100).collect()
            } else {
                Vec::new()
            };
            Ok(Page {
                items,
                total_count: Some(1_000),
            })
        }
    });
    let items: Vec<i64> = stream.try_collect().await.unwrap();
    assert_eq!(items.len(), 100);
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[tokio::test]
async fn pagination_without_a_total_stops_on_a_short_page() {
    let stream = paginate(100, |offset, limit| async move {
        let items: Vec<i64> = (offset..(offset + limit).min(150)).collect();
        Ok(Page {
            items,
            total_count: None,
        })
    });
    let items: Vec<i64> = stream.try_collect().await.unwrap();
    assert_eq!(items, (0..150).collect::<Vec<_>>());
}

#[tokio::test]
async fn artifact_paths_keep_their_slashes() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    let wait = wait_options().include_related("run_steps");
    let run = bounded(
        "run",
        dbt.trigger_and_wait(demo_ids::DAILY_JOB, trigger_options(), wait),
    )
    .await
    .unwrap();
    let paths = dbt.list_artifacts(run.id).await.unwrap();
    assert!(paths.iter().any(|p| p == "manifest.json"), "{paths:?}");
    // Compiled SQL belongs to the `dbt build` step, not to the last (docs) step.
    let build = common::build_step(&run);
    assert!(build.is_some());
    let nested = "compiled/jaffle_shop/models/orders.sql";
    let sql = dbt.artifact_bytes(run.id, nested, build).await.unwrap();
    assert!(!sql.is_empty());
    let sent = mock
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.contains("/artifacts/compiled"))
        .unwrap();
    assert!(
        sent.path.ends_with(nested),
        "sent {} for {nested}",
        sent.path
    );
    let manifest = dbt.manifest(run.id, None).await.unwrap();
    assert!(manifest.models().count() > 0);
}

#[tokio::test]
async fn an_error_after_the_trigger_carries_the_run_id() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    mock.inject_fault(FaultRule::on(Operation::GetRun, Fault::Status(403)).times(1));
    let e = bounded(
        "wait refused",
        dbt.trigger_and_wait(demo_ids::CI_JOB, trigger_options(), wait_options()),
    )
    .await
    .unwrap_err();
    let run_id = e.run_id().expect("the error names the triggered run");
    assert!(mock.run_ids().contains(&run_id), "{e}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(403), "{e:?}");
    assert_eq!(e.operation(), Some("get_run"));
    assert!(e.to_string().starts_with(&format!("run {run_id}: ")), "{e}");
    // The run can be waited on again.
    let run = bounded("wait again", dbt.wait_for_run(run_id, wait_options()))
        .await
        .unwrap();
    assert_eq!(run.id, run_id);
}

#[tokio::test]
async fn waiting_on_a_mistyped_run_id_fails_within_seconds() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    let started = std::time::Instant::now();
    // Default grace periods: this client never triggered run 999999999.
    let e = bounded("missing run", dbt.wait_for_run(999_999_999, wait_options()))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_run_this_client_triggered_may_answer_404_for_a_while() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    // Hidden for longer than the grace given to runs this client did not trigger.
    mock.hide_new_runs(40);
    let wait = wait_options()
        .poll_interval(Duration::from_millis(100))
        .max_poll_interval(Duration::from_millis(100))
        .unknown_run_grace(Duration::from_millis(200));
    let run = bounded(
        "hidden run",
        dbt.trigger_and_wait(demo_ids::CI_JOB, trigger_options(), wait),
    )
    .await
    .unwrap();
    assert!(mock.request_count(Operation::GetRun) > 40);
    assert_eq!(run.run_status(), Some(RunStatus::Success));
}

#[tokio::test]
async fn the_time_limit_bounds_a_trigger_told_to_wait_for_days() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    mock.inject_fault(FaultRule::on(
        Operation::TriggerJobRun,
        Fault::RateLimited {
            retry_after_secs: 999_999,
        },
    ));
    let started = std::time::Instant::now();
    let wait = wait_options().timeout(Duration::from_secs(1));
    let e = bounded(
        "rate-limited trigger",
        dbt.trigger_and_wait(demo_ids::CI_JOB, trigger_options(), wait),
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429), "{e:?}");
    assert_eq!(
        mock.request_count(Operation::TriggerJobRun),
        1,
        "no second POST after a 429 asking for days"
    );
}

#[tokio::test]
async fn the_time_limit_bounds_a_trigger_whose_answer_never_comes() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    // The POST times out (client time-out 500 ms) and the look-up would settle for 1.5 s.
    mock.inject_fault(FaultRule::on(
        Operation::TriggerJobRun,
        Fault::Latency(Duration::from_secs(60)),
    ));
    let started = std::time::Instant::now();
    let wait = wait_options().timeout(Duration::from_millis(800));
    let e = bounded(
        "hanging trigger",
        dbt.trigger_and_wait(demo_ids::CI_JOB, trigger_options(), wait),
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match &e {
        Error::TriggerOutcomeUnknown {
            marker, message, ..
        } => {
            assert!(marker.starts_with(dbt_cloud_api::trigger::MARKER_PREFIX));
            assert!(message.contains("time limit"), "{message}");
        }
        other => panic!("expected TriggerOutcomeUnknown, got {other:?}"),
    }
}

#[tokio::test]
async fn the_time_limit_bounds_polls_told_to_wait_for_days() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    mock.inject_fault(FaultRule::on(
        Operation::GetRun,
        Fault::RateLimited {
            retry_after_secs: 999_999,
        },
    ));
    let started = std::time::Instant::now();
    let wait = wait_options().timeout(Duration::from_secs(1));
    let e = bounded(
        "rate-limited polls",
        dbt.trigger_and_wait(demo_ids::CI_JOB, trigger_options(), wait),
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(e, Error::WaitTimeout { .. }), "{e:?}");
    assert!(e.run_id().is_some_and(|id| mock.run_ids().contains(&id)));
}
