//! The webhook verifier through the public API: a delivery signed the way dbt signs it is
//! accepted and typed; a changed body, another subscription's secret or a header that is not
//! a hex HMAC is rejected with the matching error, before the body is read.

use dbt_cloud_api::webhooks::{self, WebhookError, WebhookEvent};

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
