//! Webhook deliveries: a subscription with a loopback URL receives one signed POST per run
//! transition it asks for; the signature is the hex HMAC-SHA256 of the raw body keyed by the
//! subscription's secret; deliveries are listed as events and receipts.

mod common;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use common::{TOKEN, client, start, trigger};
use dbt_cloud_mock::{JobScript, MockServer, demo_ids};
use ring::hmac;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// One delivery as the receiver saw it.
struct Received {
    authorization: String,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON delivery")
    }
}

/// A receiver on 127.0.0.1 that answers 200 and forwards what it got.
async fn receiver() -> (
    String,
    mpsc::UnboundedReceiver<Received>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/hooks/dbt",
            post(
                |State(tx): State<mpsc::UnboundedSender<Received>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let authorization = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(Received {
                        authorization,
                        body,
                    });
                    "thanks"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/dbt", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx, task)
}

/// What a receiver checks: the hex HMAC-SHA256 of the raw body, compared in constant time.
fn verify(secret: &str, body: &[u8], authorization: &str) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let Some(tag) = (0..authorization.len())
        .step_by(2)
        .map(|i| {
            authorization
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    hmac::verify(&key, body, &tag).is_ok()
}

fn v3(mock: &MockServer, tail: &str) -> String {
    format!(
        "{}/api/v3/accounts/{}{tail}",
        mock.base_url(),
        mock.account_id()
    )
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    common::answer(request.header("Authorization", format!("Token {TOKEN}"))).await
}

/// Creates a subscription; its id and hmac secret.
async fn subscribe(
    mock: &MockServer,
    url: &str,
    events: &[&str],
    jobs: &[i64],
) -> (String, String) {
    let (status, body) = send(
        client()
            .post(v3(mock, "/webhooks/subscriptions"))
            .json(&json!({
                "name": "test hooks", "client_url": url, "event_types": events, "job_ids": jobs,
                "active": true,
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["data"]["id"].as_str().unwrap().to_string(),
        body["data"]["hmac_secret"].as_str().unwrap().to_string(),
    )
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a delivery within 5 s")
        .expect("receiver open")
}

/// Nothing more arrives for a while.
async fn quiet(rx: &mut mpsc::UnboundedReceiver<Received>) {
    let extra = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
    assert!(
        extra.is_err(),
        "unexpected delivery: {:?}",
        extra.ok().flatten().map(|r| r.json())
    );
}

#[tokio::test]
async fn a_completed_run_is_delivered_signed_to_a_loopback_receiver() {
    let mock = start().await;
    // A run from before the subscription never notifies it.
    let earlier = trigger(&mock, demo_ids::DAILY_JOB).await;
    let (url, mut rx, server) = receiver().await;
    let (sub_id, secret) = subscribe(
        &mock,
        &url,
        &["job.run.started", "job.run.completed"],
        &[demo_ids::DAILY_JOB],
    )
    .await;
    let run = trigger(&mock, demo_ids::DAILY_JOB).await;
    let _other_job = trigger(&mock, demo_ids::HOURLY_JOB).await;
    mock.advance(Duration::from_secs(3600));

    let started = next(&mut rx).await;
    let completed = next(&mut rx).await;
    quiet(&mut rx).await;
    for delivery in [&started, &completed] {
        assert!(verify(&secret, &delivery.body, &delivery.authorization));
        assert!(!verify(
            "wrong secret",
            &delivery.body,
            &delivery.authorization
        ));
        let mut tampered = delivery.body.to_vec();
        tampered[10] ^= 1;
        assert!(!verify(&secret, &tampered, &delivery.authorization));
        assert_eq!(
            delivery.authorization,
            dbt_cloud_mock::webhook_signature(&secret, &delivery.body)
        );
    }
    let body = completed.json();
    assert_eq!(body["eventType"], json!("job.run.completed"));
    assert_eq!(body["webhooksID"], json!(sub_id));
    assert_eq!(body["accountId"], json!(demo_ids::ACCOUNT));
    assert_eq!(body["webhookName"], json!("test hooks"));
    let data = &body["data"];
    assert_eq!(data["runId"], json!(run.to_string()));
    assert_ne!(data["runId"], json!(earlier.to_string()));
    assert_eq!(data["jobId"], json!(demo_ids::DAILY_JOB.to_string()));
    assert_eq!(data["jobName"], json!("Daily build"));
    assert_eq!(data["projectName"], json!("jaffle_shop"));
    assert_eq!(data["runStatus"], json!("Success"));
    assert_eq!(data["runStatusCode"], json!(10));
    assert_eq!(data["runReason"], json!("test"));
    assert!(data["runFinishedAt"].is_string());
    assert_eq!(started.json()["eventType"], json!("job.run.started"));
    assert_eq!(started.json()["data"]["runStatus"], json!("Running"));
    assert_eq!(started.json()["data"]["runFinishedAt"], Value::Null);
    assert!(started.json()["eventId"] != body["eventId"]);

    // Each delivery is an event with a receipt carrying the receiver's answer.
    let (status, events) = send(client().get(v3(
        &mock,
        &format!("/webhooks/subscription/{sub_id}/events"),
    )))
    .await;
    assert_eq!(status, 200, "{events}");
    let listed = events["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let event_id = body["eventId"].as_str().unwrap();
    let event = listed
        .iter()
        .find(|e| e["id"] == json!(event_id))
        .expect("the completed event");
    assert_eq!(event["trigger_event_type"], json!("job.run.completed"));
    assert_eq!(event["http_status_code"], json!("200"));
    let (status, receipts) = send(client().get(v3(
        &mock,
        &format!("/webhooks/subscription/{sub_id}/event/{event_id}/receipt"),
    )))
    .await;
    assert_eq!(status, 200, "{receipts}");
    let receipt = &receipts["data"][0];
    assert_eq!(receipt["http_status_code"], json!("200"));
    assert_eq!(receipt["response_body"], json!("thanks"));
    assert_eq!(
        receipt["request_body"].as_str().unwrap().as_bytes(),
        &completed.body[..]
    );
    let (status, _) = send(client().get(v3(
        &mock,
        &format!("/webhooks/subscription/{sub_id}/event/wev_999999/receipt"),
    )))
    .await;
    assert_eq!(status, 404);
    server.abort();
}

#[tokio::test]
async fn an_errored_run_sends_errored_and_completed_once_each() {
    let mock = start().await;
    let (url, mut rx, server) = receiver().await;
    let (_, secret) = subscribe(&mock, &url, &["job.run.errored", "job.run.completed"], &[]).await;
    mock.script_next_run(demo_ids::CI_JOB, JobScript::error());
    let run = trigger(&mock, demo_ids::CI_JOB).await;
    // Still running: nothing due yet.
    mock.advance(Duration::from_secs(6));
    quiet(&mut rx).await;
    mock.advance(Duration::from_secs(3600));
    let mut types = vec![next(&mut rx).await, next(&mut rx).await]
        .into_iter()
        .map(|d| {
            assert!(verify(&secret, &d.body, &d.authorization));
            let body = d.json();
            assert_eq!(body["data"]["runId"], json!(run.to_string()));
            assert_eq!(body["data"]["runStatus"], json!("Errored"));
            body["eventType"].as_str().unwrap().to_string()
        })
        .collect::<Vec<_>>();
    types.sort();
    assert_eq!(types, ["job.run.completed", "job.run.errored"]);
    // Reading the run again, or more time passing, sends nothing more.
    mock.advance(Duration::from_secs(60));
    quiet(&mut rx).await;
    server.abort();
}

#[tokio::test]
async fn the_test_operation_delivers_now_and_inactive_subscriptions_stay_silent() {
    let mock = start().await;
    let (url, mut rx, server) = receiver().await;
    let (sub_id, secret) = subscribe(&mock, &url, &["job.run.completed"], &[]).await;
    let (status, tested) =
        send(client().get(v3(&mock, &format!("/webhooks/subscription/{sub_id}/test")))).await;
    assert_eq!(status, 200, "{tested}");
    let delivery = next(&mut rx).await;
    assert!(verify(&secret, &delivery.body, &delivery.authorization));
    assert_eq!(tested["data"]["event_id"], delivery.json()["eventId"]);

    let (status, updated) = send(
        client()
            .put(v3(&mock, &format!("/webhooks/subscription/{sub_id}")))
            .json(&json!({"name": "test hooks", "client_url": url,
                          "event_types": ["job.run.completed"], "active": false})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["data"]["active"], json!(false));
    assert!(updated["data"].get("hmac_secret").is_none());
    trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    quiet(&mut rx).await;
    server.abort();
}

#[tokio::test]
async fn a_subscription_to_an_outside_url_is_kept_but_never_delivered_to() {
    let mock = start().await;
    // What a client subscribes on dbt: accepted, as dbt accepts it...
    let (sub_id, _) = subscribe(
        &mock,
        "https://hooks.example.com/dbt",
        &["job.run.completed"],
        &[],
    )
    .await;
    let run = trigger(&mock, demo_ids::DAILY_JOB).await;
    mock.advance(Duration::from_secs(3600));
    assert_eq!(mock.run_status(run), Some(dbt_cloud_mock::status::SUCCESS));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...but the mock connects only to the local machine: no event, and "send a test now" is
    // a conflict with the stored URL, naming it.
    let (status, events) = send(client().get(v3(
        &mock,
        &format!("/webhooks/subscription/{sub_id}/events"),
    )))
    .await;
    assert_eq!(status, 200, "{events}");
    assert_eq!(events["data"], json!([]));
    let (status, body) =
        send(client().get(v3(&mock, &format!("/webhooks/subscription/{sub_id}/test")))).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["data"]["client_url"].is_string(), "{body}");
    // Not a URL at all is still refused, naming the field.
    let (status, body) = send(
        client()
            .post(v3(&mock, "/webhooks/subscriptions"))
            .json(&json!({"name": "bad", "client_url": "hooks.example.com",
                          "event_types": ["job.run.completed"], "active": true})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["data"]["client_url"].is_string(), "{body}");
}
