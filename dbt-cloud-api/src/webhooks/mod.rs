//! Receiving dbt Cloud's webhook deliveries: check the signature, then read the typed event.
//!
//! dbt signs each delivery: its `Authorization` header is the hex HMAC-SHA256 of the raw
//! request body, keyed with the subscription's `hmac_secret` (returned when the subscription
//! is created). [`verify`] does both steps in one call, on the raw bytes as received: parsing
//! and re-serializing the JSON first would change the bytes and break the signature.
//!
//! ```
//! use dbt_cloud_api::webhooks::{self, WebhookError, WebhookEvent};
//!
//! // In a real receiver these come from the HTTP request and your configuration.
//! let secret = "the-subscription-hmac-secret";
//! let body = br#"{"accountId": 1, "eventType": "job.run.completed", "eventId": "wev_1",
//!     "data": {"jobId": "7", "runId": "42", "runStatus": "Success", "runStatusCode": 10}}"#;
//! let authorization = webhooks::sign(body, secret); // what dbt puts in the header
//!
//! match webhooks::verify(body, &authorization, secret) {
//!     Ok(WebhookEvent::JobRunCompleted(event)) => {
//!         assert_eq!((event.data.job_id, event.data.run_id), (7, 42));
//!         assert!(event.data.status().is_some_and(|s| s.is_success()));
//!     }
//!     Ok(other) => println!("not handled: {}", other.event_type()),
//!     // Answer 401 and do not act on the body.
//!     Err(WebhookError::BadSignature) => {}
//!     Err(e) => eprintln!("rejected delivery: {e}"),
//! }
//!
//! // A body changed on the way no longer matches its signature.
//! let tampered = br#"{"accountId": 1, "eventType": "job.run.completed"}"#;
//! assert!(matches!(
//!     webhooks::verify(tampered, &authorization, secret),
//!     Err(WebhookError::BadSignature)
//! ));
//! ```

mod event;
mod signature;

pub use event::{RunEvent, RunEventData, WebhookEvent};
pub use signature::sign;

/// Why a delivery was rejected. None of the messages include the secret or the signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    /// The `Authorization` header is empty or absent.
    #[error("the webhook delivery has no signature (its Authorization header is empty)")]
    MissingSignature,
    /// The header is not 64 hexadecimal digits.
    #[error("the webhook signature is malformed: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: String,
    },
    /// The header is well formed but is not the HMAC of this body with this secret: the body
    /// was changed, the secret is not this subscription's, or the sender is not dbt.
    #[error(
        "the webhook signature does not match the body (wrong secret, or the body was altered)"
    )]
    BadSignature,
    /// Correctly signed, but the body is not a JSON object with an `eventType`.
    #[error("the webhook body is not a dbt Cloud event: {message}")]
    NotJson {
        /// The parser's message, with its position.
        message: String,
    },
    /// Correctly signed JSON of a known event type, but a field has the wrong shape.
    #[error("the `{event_type}` webhook event is invalid: {message}")]
    InvalidEvent {
        /// The event's `eventType`.
        event_type: String,
        /// What is wrong, naming the field.
        message: String,
    },
}

/// Checks that `authorization` (the delivery's `Authorization` header) is the HMAC-SHA256 of
/// `body` keyed with `secret`, in constant time, then parses the event.
///
/// The signature is checked before the body is parsed, so nothing of an unsigned body is
/// read. Unknown event types are [`WebhookEvent::Unknown`], and unknown fields are ignored,
/// so a receiver keeps working when dbt adds either.
pub fn verify(
    body: &[u8],
    authorization: &str,
    secret: &str,
) -> Result<WebhookEvent, WebhookError> {
    signature::check(body, authorization, secret)?;
    WebhookEvent::from_json(body)
}
