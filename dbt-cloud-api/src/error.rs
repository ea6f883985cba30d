//! One error type for every helper: which operation failed, the request (method and path,
//! ids included), the HTTP status, dbt's `user_message` (or a short summary of a body that
//! was not an envelope), a hint where the cause is known, and whether trying again could
//! help. It never holds the token: messages are built from statuses, dbt's messages and
//! `reqwest` errors (which carry the URL, never headers), and the transport removes the
//! client's secrets from everything a server sent before it gets here.
//!
//! `?` works on the generated builders too: `progenitor_client::Error` (a failed `.send()`,
//! including a builder argument that did not convert) and the generated types'
//! `ConversionError` both convert into [`Error`].
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
use reqwest::header::HeaderMap;

use crate::config::ConfigError;
use crate::redirect::RefusedRedirect;
use crate::retry::{is_retryable_status, retry_after};
use crate::run_status::RunStatus;
use crate::transport::{
    ErrorBody, REQUEST_HEADER, known_operation, operation_of_failure, summarize_body,
};
use crate::types::Run;

/// The operation named by an error converted with `From`/`?` when the answer does not say
/// which operation it was (a builder argument that did not convert, a connection failure).
pub const UNNAMED_OPERATION: &str = "request";

/// Where the request and hint start in an [`Error::Api`] message.
const CONTEXT_MARKER: &str = " (request: ";

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
        /// dbt's `user_message` (or a summary of a body that was not dbt's envelope), then,
        /// when known, ` (request: GET /api/v2/accounts/1/jobs/2/; hint: ...)`.
        /// [`Error::user_message`] returns the first part alone.
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
    /// A redirect was not followed: it led to another origin (scheme, host or port), where
    /// the request (and the token) must not go, or there were too many.
    #[error("{operation}: {refused}")]
    RedirectRefused {
        /// The operation.
        operation: &'static str,
        /// The redirect, with the refused target's origin (never its path or query).
        refused: RefusedRedirect,
    },
    /// The host was reached over `https://` but does not speak TLS (a plain-HTTP server such
    /// as a local mock); not retryable.
    #[error(
        "{operation}: {origin} does not speak TLS; if it is a plain-HTTP server (such as a local mock), configure the host as {suggestion} ({message})"
    )]
    TlsMismatch {
        /// The operation.
        operation: &'static str,
        /// The origin tried, e.g. `https://127.0.0.1:8080`.
        origin: String,
        /// The same origin over `http://`.
        suggestion: String,
        /// The TLS library's complaint.
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
            | Error::InvalidRequest { operation, .. }
            | Error::RedirectRefused { operation, .. }
            | Error::TlsMismatch { operation, .. } => Some(operation),
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

    /// dbt's `user_message` (or the summary of a non-envelope body) for API errors, without
    /// the request and hint this crate adds to the message.
    pub fn user_message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => Some(match message.rfind(CONTEXT_MARKER) {
                Some(at) => &message[..at],
                None => message,
            }),
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
    /// (dbt's envelope); its `status.user_message` becomes the message. (Async only for
    /// compatibility: the transport has already buffered every body, so nothing is awaited.)
    pub async fn from_generated<E: serde::Serialize>(
        operation: &'static str,
        error: progenitor_client::Error<E>,
    ) -> Error {
        Error::from_generated_now(operation, error)
    }

    /// [`Error::from_generated`] without the `async`.
    pub fn from_generated_now<E: serde::Serialize>(
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
                let request = RequestLine::from_headers(value.headers());
                let body = serde_json::to_value(value.into_inner()).unwrap_or_default();
                let message = body
                    .pointer("/status/user_message")
                    .and_then(serde_json::Value::as_str)
                    .filter(|m| !m.trim().is_empty())
                    .map(str::to_string)
                    .or_else(|| {
                        body.pointer("/status/developer_message")
                            .and_then(serde_json::Value::as_str)
                            .filter(|m| !m.trim().is_empty())
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| default_message(status));
                Error::Api {
                    operation,
                    status,
                    message: with_context(message, status, request.as_ref()),
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
                let request = RequestLine::from_headers(response.headers());
                // The transport kept the buffered body of every error answer.
                let body = response
                    .extensions()
                    .get::<ErrorBody>()
                    .map(|b| b.0.clone())
                    .unwrap_or_default();
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
                        message: with_context(message, status, request.as_ref()),
                        retry_after: asked,
                    }
                }
            }
        }
    }

    pub(crate) fn from_reqwest(operation: &'static str, e: &reqwest::Error) -> Error {
        if let Some(refused) = source_of::<RefusedRedirect>(e) {
            return Error::RedirectRefused {
                operation,
                refused: refused.clone(),
            };
        }
        // `{:#}`-style chain: reqwest's top message is vague ("error sending request").
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        if is_tls_mismatch(e)
            && let Some(url) = e.url()
        {
            let origin = url.origin().ascii_serialization();
            return Error::TlsMismatch {
                operation,
                suggestion: origin.replacen("https://", "http://", 1),
                origin,
                message: tls_complaint(e).unwrap_or(message),
            };
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

/// `?` on a generated builder's `.send()`: the operation is read from the answer when there
/// is one (the transport labels every error answer), or from the transport's note of the
/// failed URL, else it is [`UNNAMED_OPERATION`].
impl<E: serde::Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as G;
        let operation = match &error {
            G::ErrorResponse(value) => {
                RequestLine::from_headers(value.headers()).and_then(|line| line.operation)
            }
            G::UnexpectedResponse(response) => {
                RequestLine::from_headers(response.headers()).and_then(|line| line.operation)
            }
            G::CommunicationError(e) | G::InvalidUpgrade(e) | G::ResponseBodyError(e) => {
                e.url().and_then(operation_of_failure)
            }
            _ => None,
        }
        .unwrap_or(UNNAMED_OPERATION);
        Error::from_generated_now(operation, error)
    }
}

/// `?` on converting a generated body builder (`types::builder::X`) into its type.
impl From<crate::types::error::ConversionError> for Error {
    fn from(error: crate::types::error::ConversionError) -> Self {
        Error::InvalidRequest {
            operation: UNNAMED_OPERATION,
            message: error.to_string(),
        }
    }
}

/// The request an error answer answered, from the transport's [`REQUEST_HEADER`].
struct RequestLine {
    operation: Option<&'static str>,
    method: String,
    origin: String,
    path: String,
}

impl RequestLine {
    fn from_headers(headers: &HeaderMap) -> Option<RequestLine> {
        let value = headers.get(REQUEST_HEADER)?.to_str().ok()?;
        let mut parts = value.splitn(3, ' ');
        let (operation, method, url) = (parts.next()?, parts.next()?, parts.next()?);
        let after_scheme = url.find("://")? + 3;
        let path_at = url[after_scheme..]
            .find('/')
            .map_or(url.len(), |i| after_scheme + i);
        Some(RequestLine {
            operation: known_operation(operation),
            method: method.to_string(),
            origin: url[..path_at].to_string(),
            path: url[path_at..].to_string(),
        })
    }
}

/// dbt's message, then the request and a hint where the status says what to check.
fn with_context(message: String, status: StatusCode, request: Option<&RequestLine>) -> String {
    let Some(request) = request else {
        return message;
    };
    let mut out = format!(
        "{message}{CONTEXT_MARKER}{} {}",
        request.method, request.path
    );
    if let Some(hint) = hint(status, request) {
        out.push_str("; hint: ");
        out.push_str(&hint);
    }
    out.push(')');
    out
}

/// What to check for the statuses whose usual causes are known.
fn hint(status: StatusCode, request: &RequestLine) -> Option<String> {
    let origin = &request.origin;
    match status.as_u16() {
        401 => Some(format!(
            "{origin} refused the token: check that it is right and not expired or revoked; an account on a cell-based host (like ab123.us1.dbt.com) or in another region (emea.dbt.com, au.dbt.com) answers only on its own host, so set DBT_CLOUD_HOST to it"
        )),
        403 => Some(
            "the token is valid but may not do this: check the service token's permission set or the user's role".to_string(),
        ),
        404 => {
            let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
            let account_at = segments.iter().position(|s| *s == "accounts")?;
            let account = segments.get(account_at + 1)?;
            // The deepest `<collection>/<id>` pair after the account, e.g. `jobs/999`.
            let target = segments[account_at + 2..]
                .windows(2)
                .rev()
                .find(|pair| pair[1].bytes().all(|b| b.is_ascii_digit()))
                .map(|pair| format!("{} {}", pair[0].trim_end_matches('s'), pair[1]));
            Some(match target {
                Some(target) => format!(
                    "{target} may not exist, or account {account} is not the right one on {origin} (dbt answers 404 for both, and when the token cannot access the account): check the id and DBT_CLOUD_ACCOUNT_ID"
                ),
                None => format!(
                    "account {account} does not exist on {origin} or the token cannot access it: check DBT_CLOUD_ACCOUNT_ID and the host"
                ),
            })
        }
        _ => None,
    }
}

/// The first error of type `T` in `e`'s source chain.
fn source_of<T: std::error::Error + 'static>(e: &reqwest::Error) -> Option<&T> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(found) = s.downcast_ref::<T>() {
            return Some(found);
        }
        source = s.source();
    }
    None
}

/// The TLS library's error inside `e`, looking inside `io::Error`s too (whose `source()`
/// skips the error they wrap; the connector nests them two deep).
fn rustls_error(e: &reqwest::Error) -> Option<&rustls::Error> {
    let mut node: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(current) = node {
        if let Some(found) = current.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        node = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

/// Whether the server answered a TLS handshake with something that is not TLS (rustls'
/// "received corrupt message of type InvalidContentType" and its kin): typically a
/// plain-HTTP server reached through `https://`.
pub(crate) fn is_tls_mismatch(e: &reqwest::Error) -> bool {
    matches!(rustls_error(e), Some(rustls::Error::InvalidMessage(_)))
}

fn tls_complaint(e: &reqwest::Error) -> Option<String> {
    rustls_error(e).map(ToString::to_string)
}

fn default_message(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("no message")
        .to_string()
}
