//! Every scripted fault, and that counted and seeded faults are deterministic.

mod common;

use std::time::{Duration, Instant};

use common::{TOKEN, client, get, start, trigger, url};
use dbt_cloud_mock::{Fault, FaultRule, MockServer, Operation, demo_ids};
use serde_json::{Value, json};

async fn get_run_raw(mock: &MockServer, id: i64) -> Result<reqwest::Response, reqwest::Error> {
    client()
        .get(url(mock, &format!("/runs/{id}/")))
        .header("Authorization", format!("Token {TOKEN}"))
        .send()
        .await
}

async fn trigger_raw(mock: &MockServer) -> Result<reqwest::Response, reqwest::Error> {
    client()
        .post(url(mock, &format!("/jobs/{}/run/", demo_ids::DAILY_JOB)))
        .header("Authorization", format!("Token {TOKEN}"))
        .json(&json!({"cause": "fault test"}))
        .send()
        .await
}

#[tokio::test]
async fn rate_limiting_sends_429_with_retry_after_then_recovers() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.inject_fault(
        FaultRule::on(
            Operation::GetRun,
            Fault::RateLimited {
                retry_after_secs: 7,
            },
        )
        .times(2),
    );
    for _ in 0..2 {
        let response = get_run_raw(&mock, id).await.unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        assert_eq!(response.headers()["x-rate-limit-retry-after-seconds"], "7");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"]["code"], json!(429));
    }
    assert_eq!(get_run_raw(&mock, id).await.unwrap().status(), 200);
    assert_eq!(mock.faults_fired(), vec![2]);
    assert_eq!(mock.request_count(Operation::GetRun), 3);
}

#[tokio::test]
async fn server_errors_answer_with_the_scripted_status() {
    let mock = start().await;
    for code in [500u16, 502, 503, 504] {
        mock.inject_fault(FaultRule::on(Operation::ListJobs, Fault::Status(code)).times(1));
        let (status, body) = get(&mock, "/jobs/").await;
        assert_eq!(status, code);
        assert_eq!(body["status"]["code"], json!(code));
        assert_eq!(body["data"], Value::Null);
    }
    let (status, _) = get(&mock, "/jobs/").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let mock = start().await;
    mock.inject_fault(
        FaultRule::on(
            Operation::ListProjects,
            Fault::Latency(Duration::from_millis(300)),
        )
        .times(1),
    );
    let started = Instant::now();
    let (status, _) = get(&mock, "/projects/").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // The second request is not delayed: the rule fired once (an upper bound on elapsed time
    // would be flaky on a loaded machine).
    assert_eq!(get(&mock, "/projects/").await.0, 200);
    assert_eq!(mock.faults_fired(), vec![1]);
}

#[tokio::test]
async fn closing_before_the_answer_does_not_create_the_run() {
    let mock = start().await;
    mock.inject_fault(FaultRule::on(Operation::TriggerJobRun, Fault::CloseBeforeResponse).times(1));
    assert!(trigger_raw(&mock).await.is_err());
    assert!(mock.run_ids().is_empty());
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 1);
    assert_eq!(trigger_raw(&mock).await.unwrap().status(), 200);
    assert_eq!(mock.run_ids().len(), 1);
}

#[tokio::test]
async fn closing_after_processing_creates_the_run_but_never_answers() {
    let mock = start().await;
    mock.inject_fault(
        FaultRule::on(Operation::TriggerJobRun, Fault::CloseAfterProcessing).times(1),
    );
    assert!(trigger_raw(&mock).await.is_err());
    assert_eq!(mock.run_ids().len(), 1, "the state change happened");
}

#[tokio::test]
async fn a_status_after_processing_creates_the_run_but_answers_the_error() {
    let mock = start().await;
    mock.inject_fault(
        FaultRule::on(Operation::TriggerJobRun, Fault::StatusAfterProcessing(502)).times(1),
    );
    let response = trigger_raw(&mock).await.unwrap();
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"]["code"], json!(502));
    assert_eq!(body["data"], Value::Null, "the created run is not revealed");
    let created = mock.run_ids();
    assert_eq!(created.len(), 1, "the state change happened");
    assert_eq!(get_run_raw(&mock, created[0]).await.unwrap().status(), 200);
    assert_eq!(mock.faults_fired(), vec![1]);
    // Once spent, the next trigger is answered normally and creates a second run.
    assert_eq!(trigger_raw(&mock).await.unwrap().status(), 200);
    assert_eq!(mock.run_ids().len(), 2);
}

#[tokio::test]
async fn a_truncated_body_fails_to_read() {
    let mock = start().await;
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.inject_fault(FaultRule::on(Operation::GetRun, Fault::TruncatedBody).times(1));
    let outcome = match get_run_raw(&mock, id).await {
        Ok(response) => response.bytes().await.map(|b| b.len()),
        Err(e) => Err(e),
    };
    assert!(
        outcome.is_err(),
        "a short body must not read as complete: {outcome:?}"
    );
    assert_eq!(get_run_raw(&mock, id).await.unwrap().status(), 200);
}

#[tokio::test]
async fn an_html_error_page_is_not_json() {
    let mock = start().await;
    mock.inject_fault(FaultRule::on(Operation::ListRuns, Fault::HtmlPage(502)).times(1));
    let response = client()
        .get(url(&mock, "/runs/"))
        .header("Authorization", format!("Token {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = response.text().await.unwrap();
    assert!(text.contains("<html>") && text.contains("502 Bad Gateway"));
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn a_django_detail_body_is_not_enveloped() {
    let mock = start().await;
    mock.inject_fault(
        FaultRule::on(
            Operation::GetAccount,
            Fault::DjangoDetail {
                status: 403,
                detail: "You do not have permission to perform this action.".into(),
            },
        )
        .times(1),
    );
    let (status, body) = get(&mock, "/").await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"detail": "You do not have permission to perform this action."})
    );
}

#[tokio::test]
async fn a_freshly_triggered_run_can_answer_404_for_its_first_reads() {
    let mock = start().await;
    mock.hide_new_runs(2);
    let id = trigger(&mock, demo_ids::DAILY_JOB).await;
    assert_eq!(get_run_raw(&mock, id).await.unwrap().status(), 404);
    assert_eq!(get_run_raw(&mock, id).await.unwrap().status(), 404);
    assert_eq!(get_run_raw(&mock, id).await.unwrap().status(), 200);
    // Runs seeded directly are not affected.
    let seeded = mock.seed_runs(demo_ids::DAILY_JOB, 1)[0];
    assert_eq!(get_run_raw(&mock, seeded).await.unwrap().status(), 200);
}

#[tokio::test]
async fn counted_and_seeded_faults_reproduce_exactly() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let mock = start().await;
        mock.inject_fault(
            FaultRule::on(Operation::ListJobs, Fault::Status(503))
                .after(2)
                .probability(0.5, seed),
        );
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(get(&mock, "/jobs/").await.0);
        }
        statuses
    }
    let first = pattern(42).await;
    assert_eq!(first, pattern(42).await);
    assert_ne!(first, pattern(7).await);
    assert_eq!(
        &first[..2],
        &[200, 200],
        "after(2) lets the first two through"
    );
    assert!(first.contains(&503) && first[2..].contains(&200));
}

#[tokio::test]
async fn a_rule_for_one_operation_leaves_the_others_alone() {
    let mock = start().await;
    mock.inject_fault(FaultRule::on(Operation::GetRun, Fault::Status(500)));
    assert_eq!(get(&mock, "/jobs/").await.0, 200);
    mock.clear_faults();
    mock.inject_fault(FaultRule::any(Fault::Status(503)).times(1));
    assert_eq!(get(&mock, "/projects/").await.0, 503);
    assert_eq!(get(&mock, "/projects/").await.0, 200);
}

#[tokio::test]
async fn builder_latency_delays_every_answer_errors_included() {
    let latency = Duration::from_millis(250);
    let mock = dbt_cloud_mock::MockDbtCloud::builder()
        .token(TOKEN)
        .latency(latency)
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let (status, _) = get(&mock, "/jobs/").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    let started = Instant::now();
    let unauthenticated = client().get(url(&mock, "/jobs/")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
}
