//! What every generated request goes through: the state the generated `Client` carries
//! (progenitor's inner type), [`Transport`], and the `ClientHooks` that use it.
//!
//! Because the hooks are implemented on the generated [`crate::Client`] itself, calls made
//! through the raw generated builders get the same retries, tracing and path handling as the
//! helpers: there is no second, unprotected way in.
//!
//! - this file: the retry loop around each attempt;
//! - `answer`: reading an answer whole and making what the server said safe to show;
//! - `labels`: which request an error answer answers, for errors built without it;
//! - `hooks`: the `ClientHooks` the generated client calls.

mod answer;
mod hooks;
mod labels;

pub use answer::SYNTHESIZED_ENVELOPE_HEADER;
pub(crate) use answer::{Answer, ErrorBody, summarize_body};
pub use labels::REQUEST_HEADER;
pub(crate) use labels::{known_operation, operation_of_failure};

use std::time::Instant;

use reqwest::{Request, Response};
use tracing::Instrument;

use crate::rate_limit::RateLimiter;
use crate::redact::Redactor;
use crate::retry::{RetryPolicy, is_idempotent, is_retryable_status, retry_after};
use labels::{label_error_answer, remember_failure};

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
        Ok(self.answer(http, request, operation).await?.into_response())
    }

    /// [`Transport::execute`], keeping the answer as read: for a caller that decodes the
    /// body itself, the `reqwest::Response` the generated code needs would only be built
    /// around the body to be read again.
    pub(crate) async fn answer(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Answer> {
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
                Ok(answer) => {
                    span.record("status", answer.status.as_u16());
                    // The delay headers matter only on an answer worth retrying.
                    let retryable = is_retryable_status(answer.status);
                    (
                        retryable,
                        retryable.then(|| retry_after(&answer.headers)).flatten(),
                    )
                }
                Err(e) => (is_retryable_error(e), None),
            };
            let _entered = span.enter();
            match &outcome {
                Ok(answer) => tracing::debug!(
                    status = answer.status.as_u16(),
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
    ) -> reqwest::Result<Answer> {
        // Kept only to label an error answer (a standard method is copied, not allocated).
        let method = request.method().clone();
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(e) => return Err(self.failed(e, operation)),
        };
        match self.buffer(response).await {
            Ok(mut answer) => {
                if answer.status.as_u16() >= 300 {
                    label_error_answer(
                        &mut answer.headers,
                        operation,
                        &method,
                        &answer.url,
                        &self.redactor,
                    );
                }
                Ok(answer)
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

/// Transport failures worth another attempt of an idempotent request: everything that is not
/// a mistake in building the request, a refused redirect, or a server that does not speak
/// TLS (it will not start to on the next attempt).
fn is_retryable_error(e: &reqwest::Error) -> bool {
    !e.is_builder() && !e.is_redirect() && !crate::error::is_tls_mismatch(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::HeaderValue;

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
}
