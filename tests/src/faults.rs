//! Scripted, deterministic faults per operation: rate limits, 5xx (before or after the work is
//! done), latency, connections closed before (or after) the work is done, truncated bodies,
//! HTML pages, Django `detail` bodies. Rules fire by count (`after`, `times`) or with a seeded probability, so a failing
//! test reproduces exactly.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::json;

use crate::app::SharedApp;
use crate::envelope::{self, ApiError};
use crate::operation::Operation;
use crate::server::ConnectionControl;
use crate::store::mix;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 with `Retry-After` and `x-rate-limit-retry-after-seconds`, dbt envelope body.
    RateLimited { retry_after_secs: u64 },
    /// An enveloped error with this HTTP status (500, 502, 503, 504, ...).
    Status(u16),
    /// Waits this long, then answers normally.
    Latency(Duration),
    /// Closes the connection without answering; the request is NOT processed.
    CloseBeforeResponse,
    /// Processes the request (e.g. the run IS created), then closes the connection unanswered.
    CloseAfterProcessing,
    /// Processes the request (e.g. the run IS created), then answers the same enveloped error
    /// as [`Fault::Status`] instead of the handler's answer, the way a gateway that timed out
    /// waiting for dbt does.
    StatusAfterProcessing(u16),
    /// Processes the request, sends the headers (full Content-Length) and half of the body,
    /// then closes the connection.
    TruncatedBody,
    /// An HTML error page (what dbt's edge sends for 502/503/504) with this status.
    HtmlPage(u16),
    /// A Django REST Framework body `{"detail": "..."}` with this status (not enveloped).
    DjangoDetail { status: u16, detail: String },
}

/// When a fault fires.
#[derive(Clone, Debug)]
pub struct FaultRule {
    operation: Option<Operation>,
    fault: Fault,
    skip: u32,
    times: Option<u32>,
    probability: Option<(f64, u64)>,
    seen: u32,
    fired: u32,
}

impl FaultRule {
    /// Fires on every request to `operation` (narrow it with `times`, `after`, `probability`).
    pub fn on(operation: Operation, fault: Fault) -> Self {
        FaultRule {
            operation: Some(operation),
            fault,
            skip: 0,
            times: None,
            probability: None,
            seen: 0,
            fired: 0,
        }
    }

    /// Fires on requests to any route, including unknown paths.
    pub fn any(fault: Fault) -> Self {
        FaultRule {
            operation: None,
            ..Self::on(Operation::GetRun, fault)
        }
    }

    /// Fires at most `n` times, then the route behaves normally.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Lets the first `n` matching requests through untouched.
    pub fn after(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    /// Fires on each eligible request with probability `p`, drawn from a generator seeded
    /// with `seed` (same seed and request order, same faults).
    pub fn probability(mut self, p: f64, seed: u64) -> Self {
        self.probability = Some((p.clamp(0.0, 1.0), seed));
        self
    }

    /// How many times this rule has fired.
    pub fn fired(&self) -> u32 {
        self.fired
    }

    fn matches(&mut self, operation: Option<Operation>) -> bool {
        if self.operation.is_some() && self.operation != operation {
            return false;
        }
        self.seen += 1;
        if self.seen <= self.skip || self.times.is_some_and(|t| self.fired >= t) {
            return false;
        }
        if let Some((p, seed)) = &mut self.probability {
            *seed = mix(*seed);
            let draw = (*seed >> 11) as f64 / (1u64 << 53) as f64;
            if draw >= *p {
                return false;
            }
        }
        self.fired += 1;
        true
    }
}

/// The rules in force, checked in insertion order; the first that fires wins.
#[derive(Default)]
pub(crate) struct FaultBook {
    pub rules: Vec<FaultRule>,
}

impl FaultBook {
    pub(crate) fn decide(&mut self, operation: Option<Operation>) -> Option<Fault> {
        self.rules
            .iter_mut()
            .find_map(|rule| rule.matches(operation).then(|| rule.fault.clone()))
    }
}

/// The operation a routed request belongs to.
pub(crate) fn operation_of(request: &Request) -> Option<Operation> {
    let template = request.extensions().get::<MatchedPath>()?;
    Operation::from_route(request.method(), template.as_str())
}

/// Middleware: applies the first firing rule to the request.
pub(crate) async fn inject(State(app): State<SharedApp>, request: Request, next: Next) -> Response {
    let operation = operation_of(&request);
    let fault = app.faults().decide(operation);
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    let control = request.extensions().get::<ConnectionControl>().cloned();
    match fault {
        Fault::Latency(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Fault::RateLimited { retry_after_secs } => {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit exceeded. Please wait before making more requests.",
            );
            error.developer_message = json!(format!("Retry after {retry_after_secs} seconds."));
            let mut response = error.into_response();
            let seconds = HeaderValue::from(retry_after_secs);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.clone());
            response
                .headers_mut()
                .insert("x-rate-limit-retry-after-seconds", seconds);
            response
        }
        Fault::Status(code) => status_error(code),
        Fault::HtmlPage(code) => html_page(code),
        Fault::DjangoDetail { status, detail } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            envelope::json_response(code, &json!({ "detail": detail }))
        }
        Fault::CloseBeforeResponse => close(control).await,
        Fault::CloseAfterProcessing => {
            let _processed = next.run(request).await;
            close(control).await
        }
        Fault::StatusAfterProcessing(code) => {
            let _processed = next.run(request).await;
            status_error(code)
        }
        Fault::TruncatedBody => truncate(next.run(request).await).await,
    }
}

/// The enveloped error of [`Fault::Status`] and [`Fault::StatusAfterProcessing`].
fn status_error(code: u16) -> Response {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = format!(
        "{} (injected by dbt-cloud-mock)",
        code.canonical_reason().unwrap_or("Error")
    );
    ApiError::new(code, message).into_response()
}

fn html_page(code: u16) -> Response {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
    let title = format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body><center><h1>{title}</h1></center>\n<hr><center>dbt Cloud</center></body></html>\n"
    );
    let mut response = (code, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Asks the connection task to drop the connection, then never answers.
async fn close(control: Option<ConnectionControl>) -> Response {
    match control {
        Some(control) => {
            control.close();
            std::future::pending::<Response>().await
        }
        // Only reachable if the router is served without our accept loop.
        None => html_page(502),
    }
}

/// Sends the headers with the full Content-Length but only half the body, then fails the body
/// stream, which makes hyper close the connection mid-body.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = Bytes::copy_from_slice(&full[..full.len() / 2]);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    let head = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(half) });
    let cut = futures::stream::once(async {
        // Give hyper time to flush the first half before the body errors.
        tokio::time::sleep(Duration::from_millis(30)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "truncated by dbt-cloud-mock",
        ))
    });
    Response::from_parts(parts, Body::from_stream(head.chain(cut)))
}
