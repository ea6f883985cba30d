//! Artifacts through the layer: bytes and typed JSON, `step`, nested paths, a job's latest.

mod common;

use common::{bounded, client, start_mock, trigger_options, wait_options};
use dbt_cloud_api::Error;
use dbt_cloud_mock::{Operation, demo_ids};

#[tokio::test]
async fn run_and_job_artifacts_arrive_with_their_step_and_real_slashes() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    let run = bounded(
        "run",
        dbt.trigger_and_wait(
            demo_ids::DAILY_JOB,
            trigger_options(),
            wait_options().include_related("run_steps"),
        ),
    )
    .await
    .expect("the demo job succeeds");

    // The daily job's last step is `dbt docs generate`; its build step holds the models.
    let build = common::build_step(&run).expect("a dbt build step");
    let pinned = dbt
        .run_results(run.id, Some(build))
        .await
        .expect("run_results");
    assert!(
        pinned
            .results
            .iter()
            .any(|r| r.unique_id.starts_with("model."))
    );

    let nested = "compiled/jaffle_shop/models/orders.sql";
    let sql = dbt
        .artifact_bytes(run.id, nested, Some(build))
        .await
        .expect("nested artifact");
    assert!(String::from_utf8_lossy(&sql).starts_with("select *"));
    let sent = mock
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.operation == Some(Operation::GetRunArtifact))
        .expect("recorded");
    assert!(
        sent.path.ends_with(&format!("/artifacts/{nested}")),
        "sent {}",
        sent.path
    );

    // The job's latest artifact is this run's default (last-step) copy.
    let latest: serde_json::Value = dbt
        .job_artifact_json(demo_ids::DAILY_JOB, "run_results.json")
        .await
        .expect("job artifact");
    let default_step: serde_json::Value = dbt
        .artifact_json(run.id, "run_results.json", None)
        .await
        .expect("run artifact");
    assert_eq!(latest, default_step);
}

#[tokio::test]
async fn a_missing_artifact_is_a_typed_404_and_an_empty_path_is_refused_locally() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = client(&mock);
    let before = mock.requests().len();
    match dbt.artifact_bytes(70_000_001, "", None).await {
        Err(Error::InvalidRequest { operation, .. }) => assert_eq!(operation, "get_run_artifact"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert_eq!(
        mock.requests().len(),
        before,
        "nothing was sent for an empty path"
    );

    let e = dbt
        .job_artifact_bytes(demo_ids::CI_JOB, "manifest.json")
        .await
        .expect_err("the CI job has never run");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{e}");
    assert!(!e.is_retryable(), "{e:?}");
}
