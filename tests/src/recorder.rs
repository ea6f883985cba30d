//! Records every request the mock receives (method, path, query, headers with the token
//! redacted, body) and the answer it sent, so tests can assert what a client sent, count
//! requests, and check every body the mock sent against the spec (the contract tests).

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

use crate::operation::Operation;

/// One received request.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Header names are lowercase; `authorization` keeps its scheme and hides the token.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The operation the request was routed to (None for unknown paths and redirects).
    pub operation: Option<Operation>,
    /// What the mock answered; None while the request is in flight, or when no complete answer
    /// was sent (a connection closed by a fault, a truncated body).
    pub response: Option<RecordedResponse>,
    /// Links the answer to its request, even after older requests were dropped.
    pub(crate) seq: u64,
}

/// One answer the mock sent, as it went on the wire.
#[derive(Clone, Debug)]
pub struct RecordedResponse {
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl RecordedResponse {
    /// Whether the answer declares a JSON body.
    pub fn is_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json"))
    }

    /// The body parsed as JSON (None when empty or not JSON).
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (None when empty or not JSON).
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The query parameters in order (repeated keys kept).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }
}

/// Keeps the last `capacity` requests and a count per operation that never drops.
pub(crate) struct Recorder {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    dropped: usize,
    next_seq: u64,
    counts: HashMap<Option<Operation>, usize>,
}

/// Replaces the token in an `Authorization` value, keeping the scheme for assertions.
pub(crate) fn redact_authorization(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [redacted]"),
        None => "[redacted]".to_string(),
    }
}

impl Recorder {
    pub(crate) fn new(capacity: usize) -> Self {
        Recorder {
            inner: Mutex::new(Inner::default()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a test thread panicked while holding it; the data is fine.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether requests (and answers) are kept, not only counted.
    pub(crate) fn keeps_requests(&self) -> bool {
        self.capacity > 0
    }

    /// Records a request; the returned number lets [`Recorder::answer`] attach its response.
    pub(crate) fn push(&self, mut request: RecordedRequest) -> u64 {
        let mut inner = self.lock();
        *inner.counts.entry(request.operation).or_default() += 1;
        let seq = inner.next_seq;
        inner.next_seq += 1;
        request.seq = seq;
        if self.capacity == 0 {
            inner.dropped += 1;
            return seq;
        }
        if inner.requests.len() >= self.capacity {
            // Drop the oldest half at once so recording stays O(1) amortized under load.
            let half = self.capacity.div_ceil(2);
            inner.requests.drain(..half);
            inner.dropped += half;
        }
        inner.requests.push(request);
        seq
    }

    /// Attaches the answer to request `seq` (a no-op if it was dropped meanwhile).
    pub(crate) fn answer(&self, seq: u64, response: RecordedResponse) {
        let mut inner = self.lock();
        // Answers arrive shortly after their request, so search from the newest end.
        if let Some(request) = inner.requests.iter_mut().rev().find(|r| r.seq == seq) {
            request.response = Some(response);
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub(crate) fn count(&self, operation: Operation) -> usize {
        self.lock()
            .counts
            .get(&Some(operation))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn total(&self) -> usize {
        self.lock().counts.values().sum()
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        // Keep numbering, so an answer in flight cannot attach to a newer request.
        let next_seq = inner.next_seq;
        *inner = Inner {
            next_seq,
            ..Inner::default()
        };
    }
}
