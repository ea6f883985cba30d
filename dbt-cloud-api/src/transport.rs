//! What every generated request goes through: the state the generated `Client` carries
//! (progenitor's inner type) and the `ClientHooks` that use it.
//!
//! Because the hooks are implemented on the generated [`crate::Client`] itself, calls made
//! through the raw generated builders get the same retries, tracing and path handling as the
//! helpers: there is no second, unprotected way in.

use std::time::Instant;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, ResponseBuilderExt, StatusCode};
use tracing::Instrument;

use crate::rate_limit::RateLimiter;
use crate::redact::Redactor;
use crate::retry::{RetryPolicy, is_idempotent, is_retryable_status, retry_after};

/// Header added to an error answer whose body was not dbt's JSON envelope (an HTML page from a
/// proxy, a Django `{"detail": ...}`, a truncated body) and which the transport replaced with an
/// envelope carrying a short summary, so that every error keeps its HTTP status and a message.
pub const SYNTHESIZED_ENVELOPE_HEADER: &str = "x-dbt-cloud-api-synthesized-envelope";

/// Header added to every error answer (status 300 and above): the request that got it, as
/// `METHOD origin/path` (never the query), so an error can name it, ids included.
pub const REQUEST_HEADER: &str = "x-dbt-cloud-api-request";

/// The buffered body of an error answer, kept in the response's extensions so that an error
/// can quote it without reading the (already read) body again.
#[derive(Debug, Clone)]
pub(crate) struct ErrorBody(pub(crate) Bytes);

/// State shared by every request of one client: the retry policy, and the secrets to remove
/// from anything a server sends back (the token itself is sent through the `reqwest` default
/// headers).
#[derive(Debug, Clone, Default)]
pub struct Transport {
    retry: RetryPolicy,
    redactor: Redactor,
    rate_limiter: RateLimiter,
}

impl Transport {
    /// A transport retrying idempotent requests with `retry` and scrubbing `redactor`'s
    /// secrets from server-provided text.
    pub fn new(retry: RetryPolicy, redactor: Redactor) -> Self {
        Transport {
            retry,
            redactor,
            rate_limiter: RateLimiter::default(),
        }
    }

    /// The same transport drawing on `limiter` (see [`crate::rate_limit`]).
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.rate_limiter = limiter;
        self
    }

    /// The limiter every request of this client waits on.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.rate_limiter
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The secrets removed from server-provided text.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends `request`, retrying idempotent operations on transient failures, with one
    /// tracing span per attempt. The answer's body is read here, so a body cut short is a
    /// retryable failure of this attempt rather than a decode error later.
    pub async fn execute(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let idempotent = is_idempotent(request.method(), operation);
        let started = Instant::now();
        let mut attempt: u32 = 1;
        let mut request = request;
        loop {
            // A copy for the next attempt, made only when there can be one.
            let spare = if idempotent && attempt < self.retry.max_attempts() {
                retry_copy(&request)
            } else {
                None
            };
            let span = tracing::info_span!(
                "dbt_cloud.request",
                operation,
                method = %request.method(),
                path = request.url().path(),
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            self.rate_limiter.acquire().await;
            // The latency is only ever shown by tracing: no clock reads when nobody listens.
            let timed = !span.is_disabled() || tracing::enabled!(tracing::Level::DEBUG);
            let sent = timed.then(Instant::now);
            // Without a listener the span is disabled: entering it on every poll would only
            // cost, so the attempt is instrumented only when someone records spans.
            let outcome = if span.is_disabled() {
                self.attempt(http, request, operation).await
            } else {
                self.attempt(http, request, operation)
                    .instrument(span.clone())
                    .await
            };
            let latency_ms = sent.map_or(0.0, |at| at.elapsed().as_secs_f64() * 1000.0);
            span.record("latency_ms", latency_ms);

            let (retryable, asked) = match &outcome {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    // The delay headers matter only on an answer worth retrying.
                    let retryable = is_retryable_status(response.status());
                    (
                        retryable,
                        retryable.then(|| retry_after(response.headers())).flatten(),
                    )
                }
                Err(e) => (is_retryable_error(e), None),
            };
            let _entered = span.enter();
            match &outcome {
                Ok(r) => tracing::debug!(
                    status = r.status().as_u16(),
                    latency_ms,
                    "dbt Cloud answered"
                ),
                Err(e) => tracing::debug!(error = %e, latency_ms, "dbt Cloud request failed"),
            }
            if retryable
                && let Some(next) = spare
                && let Some(delay) = self
                    .retry
                    .next_delay_random(attempt, started.elapsed(), asked)
            {
                tracing::warn!(
                    delay_ms = delay.as_millis() as u64,
                    "transient failure of an idempotent request; retrying"
                );
                drop(_entered);
                tokio::time::sleep(delay).await;
                request = next;
                attempt += 1;
                continue;
            }
            return outcome;
        }
    }

    /// One attempt: send, read the whole answer, and make what the server said safe to show.
    /// Every request of the client leaves through here (so this is where to wait for a
    /// client-side rate limit before `http.execute`).
    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        // Kept only to label an error answer (a standard method is copied, not allocated).
        let method = request.method().clone();
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(e) => return Err(self.failed(e, operation)),
        };
        match self.buffer(response).await {
            Ok(mut response) => {
                if response.status().as_u16() >= 300 {
                    let url = response.url().clone();
                    label_error_answer(
                        response.headers_mut(),
                        operation,
                        &method,
                        &url,
                        &self.redactor,
                    );
                }
                Ok(response)
            }
            Err(e) => Err(self.failed(e, operation)),
        }
    }

    /// A failed attempt: secrets out of the error, and its URL noted (see
    /// [`operation_of_failure`]).
    fn failed(&self, e: reqwest::Error, operation: &'static str) -> reqwest::Error {
        let e = self.scrub_error(e);
        if let Some(url) = e.url() {
            remember_failure(url, operation);
        }
        e
    }

    /// A `reqwest` error names the URL it failed on, which after a redirect is the server's
    /// `Location`: drop it if it carries a secret.
    fn scrub_error(&self, e: reqwest::Error) -> reqwest::Error {
        match e.url() {
            Some(url) if self.redactor.contains_secret(url.as_str().as_bytes()) => e.without_url(),
            _ => e,
        }
    }

    /// Reads the whole body and rebuilds the response around it, with secrets removed from
    /// the body, server-requested delays capped by the policy, and an envelope for a
    /// non-envelope error body (see [`SYNTHESIZED_ENVELOPE_HEADER`]).
    async fn buffer(&self, mut response: Response) -> reqwest::Result<Response> {
        let status = response.status();
        let mut builder = http::Response::builder()
            .status(status)
            .version(response.version());
        // The answer's own extensions (the connection's info behind `remote_addr()`) carry
        // over, and their map is reused for the URL rather than a new one allocated.
        if let Some(slot) = builder.extensions_mut() {
            *slot = std::mem::take(response.extensions_mut());
        }
        let mut builder = builder.url(response.url().clone());
        let mut headers = std::mem::take(response.headers_mut());
        let mut body = response.bytes().await?;
        if let Some(clean) = self.redactor.redact_bytes(&body) {
            body = clean;
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            self.cap_retry_after(&mut headers);
        }
        if !(status.is_success() || status.is_redirection() || is_envelope(&body)) {
            let message = summarize_body(&body);
            let envelope = serde_json::json!({
                "status": {
                    "code": status.as_u16(),
                    "is_success": false,
                    "user_message": message,
                    "developer_message": null,
                },
                "data": null,
            });
            body = Bytes::from(envelope.to_string());
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
            headers.insert(SYNTHESIZED_ENVELOPE_HEADER, HeaderValue::from_static("1"));
        }
        if let Some(slot) = builder.headers_mut() {
            *slot = headers;
        }
        if !status.is_success() {
            builder = builder.extension(ErrorBody(body.clone()));
        }
        Ok(match builder.body(body) {
            Ok(r) => Response::from(r),
            // Unreachable: status, version and headers come from a valid response.
            Err(_) => Response::from(http::Response::new(Bytes::new())),
        })
    }

    /// Replaces the server's delay headers by one `Retry-After` in seconds, capped by the
    /// policy, so that whoever reads the answer later (an error's `retry_after`, a helper
    /// that sleeps on it) never waits longer than the policy allows.
    fn cap_retry_after(&self, headers: &mut HeaderMap) {
        let Some(asked) = retry_after(headers) else {
            return;
        };
        let capped = self.retry.cap_server_delay(asked);
        headers.remove(crate::retry::DBT_RETRY_AFTER);
        if let Ok(value) = HeaderValue::from_str(&format!("{:.3}", capped.as_secs_f64())) {
            headers.insert(reqwest::header::RETRY_AFTER, value);
        }
    }
}

/// A copy of `request` for another attempt: what `Request::try_clone` makes, without the
/// extension map `try_clone` allocates (for the timeout) and then throws away on every call.
/// A request has extensions only for a per-request timeout (reqwest keeps nothing else
/// there, and the generated builders set none), and that timeout is copied. A request with
/// a body (rare among retried ones: `cancelRun`) goes through `try_clone`, which alone can
/// copy a body, and gives `None` for a stream that cannot be sent twice.
fn retry_copy(request: &Request) -> Option<Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// Marks an error answer with the request it answers (see [`REQUEST_HEADER`]):
/// `operation METHOD origin/path`.
fn label_error_answer(
    headers: &mut HeaderMap,
    operation: &'static str,
    method: &reqwest::Method,
    url: &reqwest::Url,
    redactor: &Redactor,
) {
    remember_operation(operation);
    let origin = url.origin().ascii_serialization();
    // After a same-origin redirect the path is the server's choice.
    let line = format!("{operation} {method} {origin}{}", url.path());
    if let Ok(value) = HeaderValue::from_str(&redactor.redact(&line)) {
        headers.insert(HeaderName::from_static(REQUEST_HEADER), value);
    }
}

/// The operation ids seen in error answers, so that an error converted by `From` (which is
/// given no operation) can name it with the `&'static str` the rest of the errors use.
/// Bounded by the number of operations in the spec.
static OPERATIONS: std::sync::RwLock<Vec<&'static str>> = std::sync::RwLock::new(Vec::new());

fn remember_operation(operation: &'static str) {
    let known = OPERATIONS
        .read()
        .map(|ops| ops.contains(&operation))
        .unwrap_or(true);
    if !known
        && let Ok(mut ops) = OPERATIONS.write()
        && !ops.contains(&operation)
    {
        ops.push(operation);
    }
}

/// The URLs of the latest failed requests (no answer: connection errors, refused redirects)
/// and their operations: a `reqwest` error names its URL but not its operation, and `From`
/// is given nothing else. A short ring, written only when a request fails.
static RECENT_FAILURES: std::sync::Mutex<std::collections::VecDeque<(String, &'static str)>> =
    std::sync::Mutex::new(std::collections::VecDeque::new());
const RECENT_FAILURES_KEPT: usize = 64;

fn remember_failure(url: &reqwest::Url, operation: &'static str) {
    if let Ok(mut recent) = RECENT_FAILURES.lock() {
        if recent.len() >= RECENT_FAILURES_KEPT {
            recent.pop_front();
        }
        recent.push_back((url.as_str().to_string(), operation));
    }
}

/// The operation of the latest failed request to `url`, if it is still remembered.
pub(crate) fn operation_of_failure(url: &reqwest::Url) -> Option<&'static str> {
    let recent = RECENT_FAILURES.lock().ok()?;
    recent
        .iter()
        .rev()
        .find(|(failed, _)| failed == url.as_str())
        .map(|(_, operation)| *operation)
}

/// The `&'static` operation id equal to `name`, if one was seen.
pub(crate) fn known_operation(name: &str) -> Option<&'static str> {
    OPERATIONS
        .read()
        .ok()?
        .iter()
        .copied()
        .find(|op| *op == name)
}

impl ClientHooks<Transport> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if is_artifact_operation(info.operation_id) {
            restore_artifact_path(request.url_mut());
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<Response> {
        self.inner()
            .execute(self.client(), request, info.operation_id)
            .await
    }
}

/// The operations whose last path parameter is an artifact path such as `compiled/a/b.sql`.
fn is_artifact_operation(operation_id: &str) -> bool {
    matches!(operation_id, "get_run_artifact" | "get_job_artifact")
}

/// progenitor percent-encodes `/` inside a path parameter, but dbt expects an artifact path
/// (`compiled/my_project/models/a.sql`) with real slashes; put them back after `/artifacts/`.
pub(crate) fn restore_artifact_path(url: &mut reqwest::Url) {
    let path = url.path();
    let Some(at) = path.rfind("/artifacts/") else {
        return;
    };
    let (head, tail) = path.split_at(at + "/artifacts/".len());
    if !tail.contains("%2F") && !tail.contains("%2f") {
        return;
    }
    let fixed = format!("{head}{}", tail.replace("%2F", "/").replace("%2f", "/"));
    url.set_path(&fixed);
}

/// Transport failures worth another attempt of an idempotent request: everything that is not
/// a mistake in building the request, a refused redirect, or a server that does not speak
/// TLS (it will not start to on the next attempt).
fn is_retryable_error(e: &reqwest::Error) -> bool {
    !e.is_builder() && !e.is_redirect() && !crate::error::is_tls_mismatch(e)
}

/// Whether a body is dbt's envelope: a JSON object whose `status` is an object.
pub(crate) fn is_envelope(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("status").is_some_and(serde_json::Value::is_object))
}

/// A short, single-line description of a body that is not dbt's envelope: a Django REST
/// `detail`, an HTML page's title, or the start of the text.
pub(crate) fn summarize_body(body: &[u8]) -> String {
    const MAX: usize = 200;
    if body.iter().all(u8::is_ascii_whitespace) {
        return "empty body".to_string();
    }
    let text = String::from_utf8_lossy(body);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(message) = value
            .pointer("/status/user_message")
            .or_else(|| value.get("detail"))
            .or_else(|| value.get("message"))
            .or_else(|| value.get("error"))
            .and_then(serde_json::Value::as_str)
        {
            return shorten(message, MAX);
        }
        return format!("unexpected JSON body: {}", shorten(&value.to_string(), MAX));
    }
    let trimmed = text.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<body")
    {
        let title = lower
            .find("<title")
            .and_then(|start| {
                let open_end = start + lower[start..].find('>')? + 1;
                let close = open_end + lower[open_end..].find("</title")?;
                Some(trimmed[open_end..close].to_string())
            })
            .filter(|t| !t.trim().is_empty());
        return match title {
            Some(title) => format!("HTML page: {}", shorten(title.trim(), MAX)),
            None => "HTML page without a title".to_string(),
        };
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return format!("truncated or invalid JSON body ({} bytes)", body.len());
    }
    shorten(trimmed, MAX)
}

fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_path_slashes_are_restored() {
        let mut url = reqwest::Url::parse(
            "https://x/api/v2/accounts/1/runs/2/artifacts/compiled%2Fproj%2Fa%20b.sql?step=2",
        )
        .unwrap();
        restore_artifact_path(&mut url);
        assert_eq!(
            url.path(),
            "/api/v2/accounts/1/runs/2/artifacts/compiled/proj/a%20b.sql"
        );
        assert_eq!(url.query(), Some("step=2"));
    }

    #[test]
    fn a_retry_copy_is_the_request_again() {
        let url = reqwest::Url::parse("http://127.0.0.1:1/api/v2/accounts/1/runs/2/?a=b").unwrap();
        // Bodiless (every retried GET): copied field by field, the timeout included.
        let mut request = Request::new(reqwest::Method::GET, url.clone());
        request
            .headers_mut()
            .insert("api-version", HeaderValue::from_static("2"));
        *request.version_mut() = reqwest::Version::HTTP_11;
        *request.timeout_mut() = Some(std::time::Duration::from_millis(1500));
        let copy = retry_copy(&request).unwrap();
        assert_eq!(copy.method(), request.method());
        assert_eq!(copy.url(), request.url());
        assert_eq!(copy.headers(), request.headers());
        assert_eq!(copy.version(), request.version());
        assert_eq!(copy.timeout(), request.timeout());
        assert!(copy.body().is_none());
        let bare = Request::new(reqwest::Method::GET, url.clone());
        assert_eq!(retry_copy(&bare).unwrap().timeout(), None);
        // With a body: the body is copied too.
        let mut cancel = Request::new(reqwest::Method::POST, url.clone());
        *cancel.body_mut() = Some(reqwest::Body::from("{\"cancel\": true}"));
        let copy = retry_copy(&cancel).unwrap();
        assert_eq!(
            copy.body().and_then(reqwest::Body::as_bytes),
            Some(&b"{\"cancel\": true}"[..])
        );
        // A stream cannot be sent twice: no copy, as with `try_clone`.
        let mut streamed = Request::new(reqwest::Method::PUT, url);
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"x"))]);
        *streamed.body_mut() = Some(reqwest::Body::wrap_stream(chunks));
        assert!(retry_copy(&streamed).is_none());
    }

    #[test]
    fn bodies_are_summarized() {
        assert_eq!(summarize_body(br#"{"detail":"Not found."}"#), "Not found.");
        assert_eq!(
            summarize_body(
                b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>"
            ),
            "HTML page: 502 Bad Gateway"
        );
        assert_eq!(
            summarize_body(br#"{"status": {"code": 50"#),
            "truncated or invalid JSON body (22 bytes)"
        );
        assert_eq!(summarize_body(b"  "), "empty body");
    }
}
