//! One error type for every helper: which operation failed, the HTTP status, dbt's
//! `user_message` (or a short summary of a body that was not an envelope), and whether
//! trying again could help. It never holds the token: messages are built from statuses,
//! dbt's messages and `reqwest` errors (which carry the URL, never headers).
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) {
//! use dbt_cloud_api::Error;
//!
//! match dbt.fetch_run(42).await {
//!     Ok(run) => println!("run {}", run.id),
//!     Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => println!("no such run"),
//!     Err(e) => eprintln!("{e} (retryable: {})", e.is_retryable()),
//! }
//! # }
//! ```

use std::time::Duration;

use reqwest::StatusCode;

use crate::config::ConfigError;
use crate::retry::{is_retryable_status, retry_after};
use crate::run_status::RunStatus;
use crate::transport::summarize_body;
use crate::types::Run;

/// What went wrong, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// dbt Cloud (or a proxy in front of it) answered with an error status.
    #[error("{operation}: dbt Cloud answered {status}: {message}")]
    Api {
        /// The operation, e.g. `get_run`.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// dbt's `user_message`, or a summary of a body that was not dbt's envelope.
        message: String,
        /// How long the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// No usable answer: the connection failed, was closed, or timed out.
    #[error("{operation}: {message}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What happened, from the HTTP client.
        message: String,
        /// Whether a time limit ran out.
        timed_out: bool,
        /// Whether the connection could not even be established (so nothing was sent).
        connect: bool,
    },
    /// An answer arrived but could not be decoded into the expected type.
    #[error("{operation}: could not decode dbt Cloud's answer: {message}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The HTTP status, when known.
        status: Option<StatusCode>,
        /// The decoder's complaint and the start of the body.
        message: String,
    },
    /// The request could not be built (a missing or invalid parameter).
    #[error("{operation}: invalid request: {message}")]
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The configuration is incomplete or wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The run ended, but not in Success: it failed or was cancelled. The final run is
    /// attached (status, status_message, run_steps) so the caller can report it.
    #[error("run {run_id} ended in {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    RunFailed {
        /// The run.
        run_id: i64,
        /// `Error`, `Cancelled`, or a status code this crate does not know (that dbt marked
        /// complete and not successful).
        status: RunStatus,
        /// dbt's `status_message`, if any.
        message: Option<String>,
        /// The final state of the run.
        run: Box<Run>,
    },
    /// The run had not ended when the wait's time limit ran out.
    #[error("gave up waiting for run {run_id} after {waited:?}{}", if *cancel_requested { " (cancel requested)" } else { "" })]
    WaitTimeout {
        /// The run.
        run_id: i64,
        /// How long we waited.
        waited: Duration,
        /// The last state seen, if any read succeeded.
        last_seen: Option<Box<Run>>,
        /// Whether a cancel was requested (see `WaitOptions::cancel_on_timeout`).
        cancel_requested: bool,
    },
    /// A trigger POST's outcome could not be established (the look-up for its marker kept
    /// failing), so it was not sent again: a run may or may not exist. Search the job's runs
    /// for `marker` in the trigger cause.
    #[error(
        "trigger of job {job_id}: outcome unknown ({message}); look for a run whose cause contains {marker:?}"
    )]
    TriggerOutcomeUnknown {
        /// The job.
        job_id: i64,
        /// The unique marker placed in the run's cause.
        marker: String,
        /// Why the outcome is unknown.
        message: String,
    },
    /// A list operation's pages contradicted each other (a page of items already read, more
    /// items than the announced total, a short page far before it), so paging stopped.
    #[error("{operation}: stopped paging: {reason}")]
    Pagination {
        /// The list operation.
        operation: &'static str,
        /// Which rule stopped it, with the figures.
        reason: String,
    },
    /// Something failed after run `run_id` was triggered (reading it, waiting on it): the
    /// run exists, so the caller can still cancel it or wait on it again.
    #[error("run {run_id}: {source}")]
    AfterTrigger {
        /// The run that was triggered.
        run_id: i64,
        /// What failed.
        #[source]
        source: Box<Error>,
    },
    /// A look-up by name found no match, or several.
    #[error("{}", crate::lookup::describe(kind, name, scope, matches, candidates))]
    NameLookup {
        /// `project`, `environment`, `job`.
        kind: &'static str,
        /// The name searched for.
        name: String,
        /// Where it was searched, e.g. `in project 12`.
        scope: String,
        /// The matches (id, name): empty when there was none.
        matches: Vec<(i64, String)>,
        /// When there was no match, what there is (id, name), at most a few.
        candidates: Vec<(i64, String)>,
    },
}

impl Error {
    /// The run this error is about: the failed or timed-out run, or the run a failure after
    /// the trigger concerns.
    pub fn run_id(&self) -> Option<i64> {
        match self {
            Error::RunFailed { run_id, .. }
            | Error::WaitTimeout { run_id, .. }
            | Error::AfterTrigger { run_id, .. } => Some(*run_id),
            _ => None,
        }
    }

    /// Marks an error that happened after `run_id` was triggered (unless it names the run).
    pub(crate) fn after_trigger(self, run_id: i64) -> Error {
        match self.run_id() {
            Some(_) => self,
            None => Error::AfterTrigger {
                run_id,
                source: Box::new(self),
            },
        }
    }
}

impl Error {
    /// The operation that failed (progenitor's snake_case operation id), if it was a request.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Decode { operation, .. }
            | Error::InvalidRequest { operation, .. } => Some(operation),
            Error::AfterTrigger { source, .. } => source.operation(),
            _ => None,
        }
    }

    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Decode { status, .. } => *status,
            Error::AfterTrigger { source, .. } => source.status(),
            _ => None,
        }
    }

    /// dbt's `user_message` (or the summary of a non-envelope body) for API errors.
    pub fn user_message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => Some(message),
            Error::AfterTrigger { source, .. } => source.user_message(),
            _ => None,
        }
    }

    /// Whether the same request could succeed later: connection failures, timeouts, and
    /// 408/429/500/502/503/504. A failed run is not retryable by this definition (rerun the job).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => is_retryable_status(*status),
            Error::Transport { .. } => true,
            Error::AfterTrigger { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// Whether this is dbt's 404 (also what missing permissions look like).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The final run, for [`Error::RunFailed`] and (when one was seen) [`Error::WaitTimeout`].
    pub fn run(&self) -> Option<&Run> {
        match self {
            Error::RunFailed { run, .. } => Some(run),
            Error::WaitTimeout { last_seen, .. } => last_seen.as_deref(),
            Error::AfterTrigger { source, .. } => source.run(),
            _ => None,
        }
    }

    /// Converts what a generated method returned. `E` is the operation's typed error body
    /// (dbt's envelope); its `status.user_message` becomes the message.
    pub async fn from_generated<E: serde::Serialize>(
        operation: &'static str,
        error: progenitor_client::Error<E>,
    ) -> Error {
        use progenitor_client::Error as G;
        match error {
            G::InvalidRequest(message) => Error::InvalidRequest { operation, message },
            G::Custom(message) => Error::InvalidRequest { operation, message },
            G::CommunicationError(e) | G::InvalidUpgrade(e) | G::ResponseBodyError(e) => {
                Error::from_reqwest(operation, &e)
            }
            G::ErrorResponse(value) => {
                let status = value.status();
                let asked = retry_after(value.headers());
                let body = serde_json::to_value(value.into_inner()).unwrap_or_default();
                let message = body
                    .pointer("/status/user_message")
                    .and_then(serde_json::Value::as_str)
                    .filter(|m| !m.trim().is_empty())
                    .map(str::to_string)
                    .or_else(|| {
                        body.pointer("/status/developer_message")
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| default_message(status));
                Error::Api {
                    operation,
                    status,
                    message,
                    retry_after: asked,
                }
            }
            G::InvalidResponsePayload(bytes, e) => Error::Decode {
                operation,
                status: None,
                message: format!("{e}; body: {}", summarize_body(&bytes)),
            },
            G::UnexpectedResponse(response) => {
                let status = response.status();
                let asked = retry_after(response.headers());
                // The transport buffered the body, so this does not touch the network.
                let body = response.bytes().await.unwrap_or_default();
                let message = if body.is_empty() {
                    default_message(status)
                } else {
                    summarize_body(&body)
                };
                if status.is_success() {
                    Error::Decode {
                        operation,
                        status: Some(status),
                        message: format!("unexpected answer: {message}"),
                    }
                } else {
                    Error::Api {
                        operation,
                        status,
                        message,
                        retry_after: asked,
                    }
                }
            }
        }
    }

    pub(crate) fn from_reqwest(operation: &'static str, e: &reqwest::Error) -> Error {
        // `{:#}`-style chain: reqwest's top message is vague ("error sending request").
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        if let Some(status) = e.status() {
            return Error::Api {
                operation,
                status,
                message,
                retry_after: None,
            };
        }
        Error::Transport {
            operation,
            message,
            timed_out: e.is_timeout(),
            connect: e.is_connect(),
        }
    }
}

fn default_message(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("no message")
        .to_string()
}
