//! The typed events of a delivery body.
//!
//! dbt's samples send the ids in `data` as strings (`"jobId": "123"`) and `runStatusCode` as
//! a number; both forms are accepted for every id and for the status code, so a change of
//! either on dbt's side does not break receivers.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;

use super::WebhookError;
use crate::RunStatus;

/// One delivery. Match on the variant; any other `eventType` is kept whole in
/// [`WebhookEvent::Unknown`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `job.run.started`: a run began executing.
    JobRunStarted(RunEvent),
    /// `job.run.completed`: a run ended, successfully or not (see [`RunEventData::status`]).
    JobRunCompleted(RunEvent),
    /// `job.run.errored`: a run ended in error.
    JobRunErrored(RunEvent),
    /// An event type this version does not know, with the whole body.
    Unknown {
        /// The delivery's `eventType`.
        event_type: String,
        /// The body as JSON.
        raw: Value,
    },
}

/// The envelope of a run event. Fields dbt may leave out are `Option`s; unknown fields are
/// ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunEvent {
    /// The account the run belongs to.
    #[serde(rename = "accountId", deserialize_with = "numeric_id")]
    pub account_id: i64,
    /// The subscription that sent the delivery (`wsu_...`).
    #[serde(rename = "webhooksID", default)]
    pub subscription_id: Option<String>,
    /// The event's id (`wev_...`): the same across dbt's retries of one delivery, so a
    /// receiver can drop duplicates.
    #[serde(rename = "eventId", default)]
    pub event_id: Option<String>,
    /// When dbt emitted the event (RFC 3339, kept as text).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The subscription's name.
    #[serde(rename = "webhookName", default)]
    pub webhook_name: Option<String>,
    /// The run.
    pub data: RunEventData,
}

/// The run an event is about.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEventData {
    /// The job.
    #[serde(deserialize_with = "numeric_id")]
    pub job_id: i64,
    /// The run.
    #[serde(deserialize_with = "numeric_id")]
    pub run_id: i64,
    /// The job's name.
    #[serde(default)]
    pub job_name: Option<String>,
    /// The environment.
    #[serde(default, deserialize_with = "optional_numeric_id")]
    pub environment_id: Option<i64>,
    /// The environment's name.
    #[serde(default)]
    pub environment_name: Option<String>,
    /// The project.
    #[serde(default, deserialize_with = "optional_numeric_id")]
    pub project_id: Option<i64>,
    /// The project's name.
    #[serde(default)]
    pub project_name: Option<String>,
    /// The dbt version the run used.
    #[serde(default)]
    pub dbt_version: Option<String>,
    /// The status as text (`Running`, `Success`, `Errored`, ...).
    #[serde(default)]
    pub run_status: Option<String>,
    /// The status as dbt's numeric code; see [`RunEventData::status`].
    #[serde(default, deserialize_with = "optional_numeric_id")]
    pub run_status_code: Option<i64>,
    /// dbt's message about the status.
    #[serde(default)]
    pub run_status_message: Option<String>,
    /// Why the run was started.
    #[serde(default)]
    pub run_reason: Option<String>,
    /// When the run started (kept as text: dbt's formats vary).
    #[serde(default)]
    pub run_started_at: Option<String>,
    /// When the run finished (absent on `job.run.started`).
    #[serde(default)]
    pub run_finished_at: Option<String>,
}

impl RunEventData {
    /// The status from `runStatusCode`, when dbt sent one.
    pub fn status(&self) -> Option<RunStatus> {
        self.run_status_code.map(RunStatus::from)
    }
}

impl WebhookEvent {
    /// The delivery's `eventType`.
    pub fn event_type(&self) -> &str {
        match self {
            WebhookEvent::JobRunStarted(_) => "job.run.started",
            WebhookEvent::JobRunCompleted(_) => "job.run.completed",
            WebhookEvent::JobRunErrored(_) => "job.run.errored",
            WebhookEvent::Unknown { event_type, .. } => event_type,
        }
    }

    /// The run event, for the three run event types.
    pub fn run_event(&self) -> Option<&RunEvent> {
        match self {
            WebhookEvent::JobRunStarted(e)
            | WebhookEvent::JobRunCompleted(e)
            | WebhookEvent::JobRunErrored(e) => Some(e),
            WebhookEvent::Unknown { .. } => None,
        }
    }

    /// Parses a body whose signature was already checked.
    pub(super) fn from_json(body: &[u8]) -> Result<Self, WebhookError> {
        let raw: Value = serde_json::from_slice(body).map_err(|e| WebhookError::NotJson {
            message: e.to_string(),
        })?;
        let Some(event_type) = raw.get("eventType").and_then(Value::as_str) else {
            return Err(WebhookError::NotJson {
                message: "expected a JSON object with a string `eventType`".to_string(),
            });
        };
        let event_type = event_type.to_string();
        let variant: fn(RunEvent) -> WebhookEvent = match event_type.as_str() {
            "job.run.started" => WebhookEvent::JobRunStarted,
            "job.run.completed" => WebhookEvent::JobRunCompleted,
            "job.run.errored" => WebhookEvent::JobRunErrored,
            _ => return Ok(WebhookEvent::Unknown { event_type, raw }),
        };
        match RunEvent::deserialize(&raw) {
            Ok(event) => Ok(variant(event)),
            Err(e) => Err(WebhookError::InvalidEvent {
                event_type,
                message: e.to_string(),
            }),
        }
    }
}

/// An id sent as a number (`123`) or as a string of digits (`"123"`).
struct NumericId;

impl<'de> Visitor<'de> for NumericId {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a numeric id (a number, or a string of digits)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

fn numeric_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(NumericId)
}

/// Like [`numeric_id`], and `null`, `""` or `"None"` (dbt's Python `str(None)`) as absent.
fn optional_numeric_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() || s == "None" => Ok(None),
        Some(value) => value
            .deserialize_any(NumericId)
            .map(Some)
            .map_err(de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<WebhookEvent, WebhookError> {
        WebhookEvent::from_json(body.as_bytes())
    }

    const DATA: &str = r#""data": {"jobId": "123", "runId": 4567, "environmentId": "8",
        "projectId": 9, "runStatus": "Success", "runStatusCode": "10",
        "runFinishedAt": "2026-01-31T19:29:00Z", "somethingNew": [1, 2]}"#;

    #[test]
    fn ids_and_status_code_are_accepted_as_strings_or_numbers() {
        let body = format!(r#"{{"accountId": "1", "eventType": "job.run.completed", {DATA}}}"#);
        let WebhookEvent::JobRunCompleted(event) = parse(&body).unwrap() else {
            panic!("not a completed event");
        };
        assert_eq!(event.account_id, 1);
        assert_eq!(event.data.job_id, 123);
        assert_eq!(event.data.run_id, 4567);
        assert_eq!(event.data.environment_id, Some(8));
        assert_eq!(event.data.project_id, Some(9));
        assert_eq!(event.data.status(), Some(RunStatus::Success));
        assert_eq!(event.data.run_started_at, None);
    }

    #[test]
    fn each_known_event_type_has_its_variant() {
        for (event_type, expected) in [
            ("job.run.started", "JobRunStarted"),
            ("job.run.completed", "JobRunCompleted"),
            ("job.run.errored", "JobRunErrored"),
        ] {
            let body = format!(r#"{{"accountId": 1, "eventType": "{event_type}", {DATA}}}"#);
            let event = parse(&body).unwrap();
            assert!(format!("{event:?}").starts_with(expected), "{event:?}");
            assert_eq!(event.event_type(), event_type);
            assert_eq!(event.run_event().map(|e| e.data.run_id), Some(4567));
        }
    }

    #[test]
    fn unknown_event_types_keep_the_whole_body() {
        let event = parse(r#"{"eventType": "job.run.paused", "data": {"x": 1}}"#).unwrap();
        let WebhookEvent::Unknown { event_type, raw } = &event else {
            panic!("{event:?}");
        };
        assert_eq!(event_type, "job.run.paused");
        assert_eq!(raw["data"]["x"], 1);
        assert!(event.run_event().is_none());
    }

    #[test]
    fn a_known_event_with_a_bad_field_is_invalid_and_says_which() {
        let e = parse(r#"{"accountId": 1, "eventType": "job.run.started", "data": {"jobId": 1}}"#)
            .unwrap_err();
        assert!(
            matches!(&e, WebhookError::InvalidEvent { event_type, message }
                if event_type == "job.run.started" && message.contains("runId")),
            "{e:?}"
        );
        let e = parse(
            r#"{"accountId": 1, "eventType": "job.run.started", "data": {"jobId": "x1", "runId": 2}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("numeric id"), "{e}");
    }

    #[test]
    fn bodies_that_are_not_events_are_not_json_errors() {
        for body in ["not json", "[1, 2]", r#"{"eventType": 3}"#, ""] {
            assert!(
                matches!(parse(body), Err(WebhookError::NotJson { .. })),
                "{body:?}"
            );
        }
    }

    #[test]
    fn none_and_empty_optional_ids_are_absent() {
        let body = r#"{"accountId": 1, "eventType": "job.run.started",
            "data": {"jobId": 1, "runId": 2, "environmentId": "None", "projectId": "",
                     "runStatusCode": null}}"#;
        let event = parse(body).unwrap();
        let data = &event.run_event().unwrap().data;
        assert_eq!((data.environment_id, data.project_id), (None, None));
        assert_eq!(data.status(), None);
    }
}
