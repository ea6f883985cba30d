//! The webhook verifier through the public API: a delivery signed the way dbt signs it is
//! accepted and typed; a changed body, another subscription's secret or a header that is not
//! a hex HMAC is rejected with the matching error, before the body is read. End to end: a
//! subscription on the mock delivers a signed `job.run.completed` to a receiver on 127.0.0.1,
//! and the verifier accepts it and rejects it tampered or under another secret.

mod common;

use dbt_cloud_api::webhooks::{self, WebhookError, WebhookEvent};
use dbt_cloud_mock::demo_ids;

const SECRET: &str = "whsec-0f1e2d3c4b5a69788796a5b4c3d2e1f0";

const COMPLETED: &[u8] = br#"{
  "accountId": 1,
  "webhooksID": "wsu_abc",
  "eventId": "wev_123",
  "timestamp": "2026-12-01T09:00:00.123456Z",
  "eventType": "job.run.completed",
  "webhookName": "ops",
  "data": {
    "jobId": "7", "jobName": "Nightly", "runId": "42", "environmentId": "3",
    "environmentName": "Production", "projectId": "2", "projectName": "Analytics",
    "dbtVersion": "1.9", "runStatus": "Success", "runStatusCode": 10,
    "runStatusMessage": "None", "runReason": "Scheduled",
    "runStartedAt": "2026-12-01T08:58:00Z", "runFinishedAt": "2026-12-01T09:00:00Z"
  }
}"#;

#[test]
fn a_correctly_signed_delivery_is_accepted_and_typed() {
    let signature = webhooks::sign(COMPLETED, SECRET);
    let event = webhooks::verify(COMPLETED, &signature, SECRET).unwrap();
    let WebhookEvent::JobRunCompleted(event) = event else {
        panic!("expected job.run.completed, got {event:?}");
    };
    assert_eq!(event.account_id, 1);
    assert_eq!(event.event_id.as_deref(), Some("wev_123"));
    assert_eq!(event.subscription_id.as_deref(), Some("wsu_abc"));
    assert_eq!((event.data.job_id, event.data.run_id), (7, 42));
    assert_eq!(event.data.environment_name.as_deref(), Some("Production"));
    assert!(event.data.status().is_some_and(|s| s.is_success()));
}

#[test]
fn a_tampered_body_is_rejected() {
    let signature = webhooks::sign(COMPLETED, SECRET);
    let tampered = String::from_utf8(COMPLETED.to_vec())
        .unwrap()
        .replace("\"Success\"", "\"Errored\"");
    assert_ne!(tampered.as_bytes(), COMPLETED);
    assert_eq!(
        webhooks::verify(tampered.as_bytes(), &signature, SECRET),
        Err(WebhookError::BadSignature)
    );
    // One trailing byte is enough.
    let mut extended = COMPLETED.to_vec();
    extended.push(b'\n');
    assert_eq!(
        webhooks::verify(&extended, &signature, SECRET),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn another_secret_is_rejected() {
    let signature = webhooks::sign(COMPLETED, "another-subscriptions-secret");
    assert_eq!(
        webhooks::verify(COMPLETED, &signature, SECRET),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn a_header_that_is_not_a_hex_hmac_is_malformed() {
    let signature = webhooks::sign(COMPLETED, SECRET);
    for header in [
        format!("sha256={signature}"),
        signature[..40].to_string(),
        "z".repeat(64),
        "Token abc".to_string(),
    ] {
        let e = webhooks::verify(COMPLETED, &header, SECRET).unwrap_err();
        assert!(
            matches!(e, WebhookError::MalformedSignature { .. }),
            "{header:?}: {e:?}"
        );
        assert!(!e.to_string().contains(SECRET));
    }
    assert_eq!(
        webhooks::verify(COMPLETED, "  ", SECRET),
        Err(WebhookError::MissingSignature)
    );
}

#[test]
fn the_signature_is_checked_before_the_body_is_parsed() {
    let garbage = b"not json at all";
    assert_eq!(
        webhooks::verify(garbage, &"0".repeat(64), SECRET),
        Err(WebhookError::BadSignature)
    );
    let signed = webhooks::sign(garbage, SECRET);
    assert!(matches!(
        webhooks::verify(garbage, &signed, SECRET),
        Err(WebhookError::NotJson { .. })
    ));
}

#[test]
fn a_signed_unknown_event_type_is_kept_whole() {
    let body = br#"{"eventType": "job.run.retried", "accountId": 1, "new": {"a": true}}"#;
    let event = webhooks::verify(body, &webhooks::sign(body, SECRET), SECRET).unwrap();
    let WebhookEvent::Unknown { event_type, raw } = event else {
        panic!("expected Unknown, got {event:?}");
    };
    assert_eq!(event_type, "job.run.retried");
    assert_eq!(raw["new"]["a"], true);
}

/// A tiny HTTP/1.1 receiver on 127.0.0.1:0 that answers 200 and forwards each delivery's
/// `Authorization` header and raw body.
mod receiver {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    pub struct Delivery {
        pub authorization: String,
        pub body: Vec<u8>,
    }

    /// Headers and body of one request, at most this many bytes.
    const MAX_REQUEST: usize = 1 << 20;

    pub async fn start() -> (
        String,
        mpsc::UnboundedReceiver<Delivery>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/dbt", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(delivery) = read_request(&mut socket).await {
                        let _ = tx.send(delivery);
                    }
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                });
            }
        });
        (url, rx, task)
    }

    async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Delivery> {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let header_end = loop {
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 || buffer.len() > MAX_REQUEST {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        let length: usize = header("content-length")?.parse().ok()?;
        while buffer.len() < header_end + length {
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 || buffer.len() > MAX_REQUEST {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        Some(Delivery {
            authorization: header("authorization").unwrap_or_default(),
            body: buffer[header_end..header_end + length].to_vec(),
        })
    }
}

#[tokio::test]
async fn the_mock_delivers_a_signed_completed_event_that_the_verifier_accepts() {
    common::bounded("webhook delivery", async {
        let mock = common::start_mock("t").await;
        let dbt = common::client(&mock);
        let (url, mut deliveries, server) = receiver::start().await;

        let body =
            serde_json::from_value::<dbt_cloud_api::types::CreateWebhookSubscriptionRequest>(
                serde_json::json!({
                    "name": "sdk verifier", "client_url": url,
                    "event_types": ["job.run.completed"], "job_ids": [demo_ids::DAILY_JOB],
                    "active": true,
                }),
            )
            .unwrap();
        let subscription = dbt
            .create_webhook_subscription()
            .account_id(mock.account_id())
            .body(body)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap();
        let secret = subscription
            .hmac_secret
            .expect("creation returns the secret");
        assert!(!format!("{secret:?}").contains(secret.expose()));

        let run = dbt
            .trigger_run(demo_ids::DAILY_JOB, common::trigger_options())
            .await
            .unwrap();
        let delivery = tokio::time::timeout(std::time::Duration::from_secs(60), deliveries.recv())
            .await
            .expect("a delivery within 60 s")
            .expect("the receiver is running");

        let event =
            webhooks::verify(&delivery.body, &delivery.authorization, secret.expose()).unwrap();
        let WebhookEvent::JobRunCompleted(event) = event else {
            panic!("expected job.run.completed, got {event:?}");
        };
        assert_eq!(event.data.run_id, run.id);
        assert_eq!(event.data.job_id, demo_ids::DAILY_JOB);
        assert_eq!(event.account_id, mock.account_id());
        assert_eq!(
            event.subscription_id.as_deref(),
            Some(subscription.id.as_str())
        );
        assert!(event.data.status().is_some_and(|s| s.is_terminal()));

        let mut tampered = delivery.body.clone();
        let at = tampered.len() / 2;
        tampered[at] ^= 0x01;
        assert_eq!(
            webhooks::verify(&tampered, &delivery.authorization, secret.expose()),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            webhooks::verify(
                &delivery.body,
                &delivery.authorization,
                "not-the-subscriptions-secret"
            ),
            Err(WebhookError::BadSignature)
        );
        server.abort();
    })
    .await;
}
