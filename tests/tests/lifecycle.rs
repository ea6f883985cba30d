//! The run lifecycle on a manual clock: states, timestamps, steps, scripts, cancel, rerun,
//! job create/update.

mod common;

use std::time::Duration;

use common::{get, post, start, trigger};
use dbt_cloud_mock::{JobScript, demo_ids, status};
use serde_json::{Value, json};

async fn run(mock: &dbt_cloud_mock::MockServer, id: i64, related: &str) -> Value {
    let (code, body) = get(mock, &format!("/runs/{id}/?include_related={related}")).await;
    assert_eq!(code, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_triggered_run_moves_from_queued_to_success_on_the_clock() {
    let mock = start().await;
    mock.script_job(
        demo_ids::HOURLY_JOB,
        JobScript::success()
            .queued_for(Duration::from_secs(10))
            .starting_for(Duration::from_secs(5))
            .step_duration(Duration::from_secs(20)),
    );
    let (code, body) = post(
        &mock,
        &format!("/jobs/{}/run/", demo_ids::HOURLY_JOB),
        json!({"cause": "lifecycle", "git_branch": "dev"}),
    )
    .await;
    assert_eq!(code, 200);
    let created = &body["data"];
    assert_eq!(created["status"], json!(status::QUEUED));
    assert_eq!(created["started_at"], Value::Null);
    assert_eq!(created["finished_at"], Value::Null);
    assert_eq!(created["git_branch"], json!("dev"));
    assert_eq!(created["trigger"]["cause"], json!("lifecycle"));
    // Real-world quirks: space-separated timestamps, durations as strings.
    let created_at = created["created_at"].as_str().unwrap();
    assert_eq!(created_at, "2024-06-01 12:00:00.000000+00:00");
    assert!(created["duration"].is_string());
    let id = created["id"].as_i64().unwrap();

    mock.advance(Duration::from_secs(10));
    assert_eq!(run(&mock, id, "").await["status"], json!(status::STARTING));
    mock.advance(Duration::from_secs(5));
    let running = run(&mock, id, "run_steps").await;
    assert_eq!(running["status"], json!(status::RUNNING));
    assert_eq!(running["status_humanized"], json!("Running"));
    assert_eq!(running["in_progress"], json!(true));
    assert_eq!(running["run_steps"].as_array().unwrap().len(), 1);
    assert_eq!(running["run_steps"][0]["status"], json!(status::RUNNING));
    assert_eq!(
        running["started_at"],
        json!("2024-06-01 12:00:15.000000+00:00")
    );

    // clone, profile, deps, run, test: five steps of 20 s.
    mock.advance(Duration::from_secs(100));
    let done = run(&mock, id, "run_steps,trigger,job,environment").await;
    assert_eq!(done["status"], json!(status::SUCCESS));
    assert_eq!(done["is_complete"], json!(true));
    assert_eq!(done["is_success"], json!(true));
    assert_eq!(
        done["finished_at"],
        json!("2024-06-01 12:01:55.000000+00:00")
    );
    assert_eq!(done["duration"], json!("115.0"));
    assert_eq!(done["run_duration"], json!("100.0"));
    assert_eq!(done["job"]["id"], json!(demo_ids::HOURLY_JOB));
    assert_eq!(done["environment"]["id"], json!(demo_ids::PROD_ENVIRONMENT));
    let steps = done["run_steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names[3..],
        ["Invoke dbt with `dbt run`", "Invoke dbt with `dbt test`"]
    );
    assert!(steps.iter().all(|s| s["status"] == json!(status::SUCCESS)));
    assert_eq!(
        steps
            .iter()
            .map(|s| s["index"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    // Without include_related the related objects are null.
    let plain = run(&mock, id, "").await;
    assert_eq!(plain["job"], Value::Null);
    assert_eq!(plain["trigger"], Value::Null);
}

#[tokio::test]
async fn include_related_accepts_the_json_list_dbt_cloud_cli_sends() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    let data = run(&mock, id, "[\"trigger\",\"job\"]").await;
    assert_eq!(data["job"]["id"], json!(demo_ids::DAILY_JOB));
    assert_eq!(data["trigger"]["cause"], json!("test"));
}

#[tokio::test]
async fn a_scripted_error_fails_the_chosen_step_and_stops() {
    let mock = start().await;
    mock.script_next_run(demo_ids::HOURLY_JOB, JobScript::error().failing_command(1));
    let failing = trigger(&mock, demo_ids::HOURLY_JOB).await;
    let healthy = trigger(&mock, demo_ids::HOURLY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    let failed = run(&mock, failing, "run_steps").await;
    assert_eq!(failed["status"], json!(status::ERROR));
    assert_eq!(failed["is_error"], json!(true));
    assert!(failed["status_message"].is_string());
    let steps = failed["run_steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4, "the test step never ran");
    assert_eq!(steps[3]["status"], json!(status::ERROR));
    assert_eq!(
        run(&mock, healthy, "").await["status"],
        json!(status::SUCCESS)
    );
}

#[tokio::test]
async fn cancel_stops_an_unfinished_run_and_answers_a_finished_one_unchanged() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(Duration::from_secs(7));
    let (code, body) = post(&mock, &format!("/runs/{id}/cancel/"), json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(body["data"]["status"], json!(status::CANCELLED));
    assert_eq!(body["data"]["is_cancelled"], json!(true));
    mock.advance(Duration::from_secs(3600));
    let data = run(&mock, id, "run_steps").await;
    assert_eq!(data["status"], json!(status::CANCELLED));
    assert_eq!(
        data["finished_at"],
        json!("2024-06-01 12:00:07.000000+00:00")
    );
    assert_eq!(data["run_steps"][0]["status"], json!(status::CANCELLED));
    let (code, body) = post(&mock, &format!("/runs/{id}/cancel/"), json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(body["data"]["status"], json!(status::CANCELLED));
    assert_eq!(body["data"]["finished_at"], data["finished_at"]);
    // A run that succeeded stays a success: cancelling it changes nothing.
    let done = trigger(&mock, demo_ids::HOURLY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    let (code, body) = post(&mock, &format!("/runs/{done}/cancel/"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["data"]["status"], json!(status::SUCCESS));
    assert_eq!(body["data"]["is_cancelled"], json!(false));
    assert_eq!(run(&mock, done, "").await["status"], json!(status::SUCCESS));
}

#[tokio::test]
async fn rerun_retries_the_jobs_last_failed_run() {
    let mock = start().await;
    mock.script_next_run(demo_ids::DAILY_JOB, JobScript::error());
    let failed = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    assert_eq!(mock.run_status(failed), Some(status::ERROR));
    let (code, body) = post(
        &mock,
        &format!("/jobs/{}/rerun/", demo_ids::DAILY_JOB),
        json!({}),
    )
    .await;
    assert_eq!(code, 200);
    let retry = &body["data"];
    assert_eq!(retry["retrying_run_id"], json!(failed));
    assert_eq!(retry["status"], json!(status::QUEUED));
    let retry_id = retry["id"].as_i64().unwrap();
    mock.advance(Duration::from_secs(3600));
    assert_eq!(mock.run_status(retry_id), Some(status::SUCCESS));
    // The last run succeeded now: rerun starts a plain new run.
    let (_, body) = post(
        &mock,
        &format!("/jobs/{}/rerun/", demo_ids::DAILY_JOB),
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["retrying_run_id"], Value::Null);
}

#[tokio::test]
async fn create_answers_201_in_the_envelope_and_update_changes_the_job() {
    let mock = start().await;
    let new_job = json!({
        "account_id": demo_ids::ACCOUNT, "project_id": demo_ids::PROJECT,
        "environment_id": demo_ids::PROD_ENVIRONMENT, "name": "Created",
        "execute_steps": ["dbt seed", "dbt build"], "generate_docs": false,
        "settings": {"threads": 8, "target_name": "prod"}
    });
    let (code, body) = post(&mock, "/jobs/", new_job).await;
    assert_eq!(code, 201);
    assert_eq!(body["status"]["code"], json!(201));
    let job = &body["data"];
    assert_eq!(job["settings"]["threads"], json!(8));
    assert_eq!(job["state"], json!(1));
    assert!(
        job["created_at"].as_str().unwrap().contains('T'),
        "job timestamps use T"
    );
    let id = job["id"].as_i64().unwrap();
    let (code, body) = post(
        &mock,
        &format!("/jobs/{id}/"),
        json!({"name": "Renamed", "id": 1}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["data"]["name"], json!("Renamed"));
    assert_eq!(body["data"]["id"], json!(id));
    let (code, body) = post(&mock, "/jobs/", json!({"name": "x"})).await;
    assert_eq!(code, 400);
    assert_eq!(body["data"]["project_id"], json!("This field is required."));
    // A created job runs its own steps.
    let run_id = trigger(&mock, id).await;
    mock.advance(Duration::from_secs(3600));
    let steps = run(&mock, run_id, "run_steps").await["run_steps"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(steps, 5);
}

#[tokio::test]
async fn a_real_time_clock_moves_runs_without_the_test() {
    let mock = dbt_cloud_mock::MockDbtCloud::builder()
        .token(common::TOKEN)
        .real_time(1000.0)
        .start()
        .await
        .unwrap();
    let id = trigger(&mock, demo_ids::HOURLY_JOB).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(mock.run_status(id), Some(status::SUCCESS));
}

/// getJob embeds what `include_related` names: the environment, the newest run, the newest
/// finished run (null while there is none).
#[tokio::test]
async fn get_job_embeds_the_related_objects_it_is_asked_for() {
    let mock = start().await;
    let job = demo_ids::HOURLY_JOB;
    let related = "environment,most_recent_run,most_recent_completed_run";
    let (code, body) = get(&mock, &format!("/jobs/{job}/?include_related={related}")).await;
    assert_eq!(code, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["environment"]["id"], json!(demo_ids::PROD_ENVIRONMENT));
    assert_eq!(data["most_recent_run"], json!(null));
    assert_eq!(data["most_recent_completed_run"], json!(null));

    let first = trigger(&mock, job).await;
    mock.advance(Duration::from_secs(3600));
    let second = trigger(&mock, job).await;
    let (_, body) = get(
        &mock,
        &format!(
            "/jobs/{job}/?include_related=[\"most_recent_run\",\"most_recent_completed_run\"]"
        ),
    )
    .await;
    let data = &body["data"];
    assert_eq!(data["most_recent_run"]["id"], json!(second));
    assert_eq!(data["most_recent_run"]["status"], json!(status::QUEUED));
    assert_eq!(data["most_recent_completed_run"]["id"], json!(first));
    assert_eq!(
        data["most_recent_completed_run"]["status"],
        json!(status::SUCCESS)
    );
    assert!(
        data.get("environment").is_none_or(Value::is_null),
        "not asked for"
    );
    // Without include_related the job carries none of them.
    let (_, body) = get(&mock, &format!("/jobs/{job}/")).await;
    assert!(
        body["data"]
            .get("most_recent_run")
            .is_none_or(Value::is_null)
    );
}

#[tokio::test]
async fn update_job_refuses_a_request_without_a_body() {
    let mock = start().await;
    let response = common::client()
        .post(common::url(
            &mock,
            &format!("/jobs/{}/", demo_ids::DAILY_JOB),
        ))
        .header("Authorization", format!("Token {}", common::TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["non_field_errors"].is_string(), "{body}");
    let (code, body) = post(
        &mock,
        &format!("/jobs/{}/", demo_ids::DAILY_JOB),
        json!({"name": "Renamed"}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["data"]["name"], json!("Renamed"));
}
