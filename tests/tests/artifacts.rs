//! Artifacts: available on completion, per-step variants, catalog only with docs, raw files
//! (not enveloped), paths with slashes, the job's latest artifact.

mod common;

use std::time::Duration;

use common::{TOKEN, client, get, start, trigger, url};
use dbt_cloud_mock::{JobScript, MockServer, demo_ids};
use serde_json::{Value, json};

async fn raw(mock: &MockServer, tail: &str) -> (u16, String, String) {
    let response = client()
        .get(url(mock, tail))
        .header("Authorization", format!("Token {TOKEN}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn artifacts_appear_only_when_the_run_completes() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::HOURLY_JOB).await;
    let (status, _, body) = raw(&mock, &format!("/runs/{id}/artifacts/run_results.json")).await;
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"]["code"],
        json!(404)
    );
    let (_, listed) = get(&mock, &format!("/runs/{id}/artifacts/")).await;
    assert_eq!(listed["data"], json!([]));

    mock.advance(Duration::from_secs(3600));
    let (status, content_type, body) =
        raw(&mock, &format!("/runs/{id}/artifacts/run_results.json")).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    let results: Value = serde_json::from_str(&body).unwrap();
    assert!(
        results.get("status").is_none(),
        "artifacts are not enveloped"
    );
    // The default step is the last one: `dbt test`.
    let nodes = results["results"].as_array().unwrap();
    assert!(!nodes.is_empty());
    for node in nodes {
        assert!(
            node["unique_id"]
                .as_str()
                .unwrap()
                .starts_with("test.jaffle_shop.")
        );
        assert_eq!(node["status"], json!("pass"));
        assert!(node["execution_time"].is_f64());
        assert_eq!(node["timing"].as_array().unwrap().len(), 2);
    }
    let (_, listed) = get(&mock, &format!("/runs/{id}/artifacts/")).await;
    let paths: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(paths.contains(&"manifest.json") && paths.contains(&"run_results.json"));
    assert!(!paths.contains(&"catalog.json"));
}

#[tokio::test]
async fn step_selects_the_variant_and_docs_results_list_every_node() {
    let mock = start().await;
    // Daily job: clone, profile, deps, `dbt build` (step 4), `dbt docs generate` (step 5).
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    let (_, _, last) = raw(&mock, &format!("/runs/{id}/artifacts/run_results.json")).await;
    let last: Value = serde_json::from_str(&last).unwrap();
    // `docs generate` compiles every node: one result each, success, no adapter answer.
    let compiled = last["results"].as_array().unwrap();
    assert_eq!(compiled.len(), 8, "{last}");
    for node in compiled {
        assert_eq!(node["status"], json!("success"), "{node}");
        assert_eq!(node["adapter_response"], json!({}), "{node}");
        assert!(
            node["unique_id"]
                .as_str()
                .unwrap()
                .contains(".jaffle_shop.")
        );
    }
    assert_eq!(
        last["args"]["invocation_command"],
        json!("dbt docs generate")
    );
    let (_, _, build) = raw(
        &mock,
        &format!("/runs/{id}/artifacts/run_results.json?step=4"),
    )
    .await;
    let build: Value = serde_json::from_str(&build).unwrap();
    assert_eq!(build["results"].as_array().unwrap().len(), 8);
    assert_eq!(build["args"]["invocation_command"], json!("dbt build"));
    let (status, _, _) = raw(&mock, &format!("/runs/{id}/artifacts/catalog.json")).await;
    assert_eq!(status, 200);
    let (status, _, _) = raw(&mock, &format!("/runs/{id}/artifacts/catalog.json?step=4")).await;
    assert_eq!(status, 404, "catalog only from the docs step");
    let (status, _, _) = raw(&mock, &format!("/runs/{id}/artifacts/manifest.json?step=1")).await;
    assert_eq!(status, 404, "the clone step writes no artifacts");
    let (status, _, _) = raw(&mock, &format!("/runs/{id}/artifacts/manifest.json?step=9")).await;
    assert_eq!(status, 404);
    let (status, _, body) = raw(&mock, &format!("/runs/{id}/artifacts/manifest.json?step=0")).await;
    assert_eq!(status, 400, "{body}");
    // The list takes no `step`: it always lists the last step's files.
    let (_, all) = get(&mock, &format!("/runs/{id}/artifacts/")).await;
    let (_, with_step) = get(&mock, &format!("/runs/{id}/artifacts/?step=1")).await;
    assert_eq!(all["data"], with_step["data"]);
    assert!(
        all["data"]
            .as_array()
            .unwrap()
            .contains(&json!("catalog.json"))
    );
    let (_, run) = get(&mock, &format!("/runs/{id}/")).await;
    assert_eq!(run["data"]["has_docs_generated"], json!(true));
    assert_eq!(run["data"]["artifacts_saved"], json!(true));
}

#[tokio::test]
async fn artifact_paths_may_contain_slashes() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::HOURLY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    let (status, content_type, sql) = raw(
        &mock,
        &format!("/runs/{id}/artifacts/compiled/jaffle_shop/models/customers.sql?step=4"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"));
    assert!(sql.starts_with("select"));
    let (status, _, _) = raw(
        &mock,
        &format!("/runs/{id}/artifacts/compiled/jaffle_shop/models/../x.sql"),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_failed_step_reports_the_failing_node_and_no_catalog() {
    let mock = start().await;
    mock.script_next_run(demo_ids::DAILY_JOB, JobScript::error());
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    let (_, _, body) = raw(&mock, &format!("/runs/{id}/artifacts/run_results.json")).await;
    let results: Value = serde_json::from_str(&body).unwrap();
    let statuses: Vec<(&str, &str)> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["unique_id"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(statuses.contains(&("model.jaffle_shop.orders", "error")));
    assert!(statuses.contains(&("test.jaffle_shop.not_null_orders_order_id", "skipped")));
    let (status, _, _) = raw(&mock, &format!("/runs/{id}/artifacts/catalog.json")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_job_artifact_comes_from_the_latest_finished_run() {
    let mock = start().await;
    let (status, _, _) = raw(
        &mock,
        &format!("/jobs/{}/artifacts/manifest.json", demo_ids::HOURLY_JOB),
    )
    .await;
    assert_eq!(status, 404);
    let first = trigger(&mock, demo_ids::HOURLY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    let _unfinished = trigger(&mock, demo_ids::HOURLY_JOB).await;
    let (status, _, body) = raw(
        &mock,
        &format!("/jobs/{}/artifacts/run_results.json", demo_ids::HOURLY_JOB),
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, direct) = raw(&mock, &format!("/runs/{first}/artifacts/run_results.json")).await;
    assert_eq!(body, direct);
}

#[tokio::test]
async fn a_cancelled_run_has_no_artifacts() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::HOURLY_JOB).await;
    common::post(&mock, &format!("/runs/{id}/cancel/"), json!({})).await;
    mock.advance(Duration::from_secs(3600));
    let (status, _, _) = raw(&mock, &format!("/runs/{id}/artifacts/manifest.json")).await;
    assert_eq!(status, 404);
}
