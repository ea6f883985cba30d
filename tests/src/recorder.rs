//! Records every request the mock receives (method, path, query, headers with the token
//! redacted, body) and the answer it sent, so tests can assert what a client sent, count
//! requests, and check every body the mock sent against the spec (the contract tests).

use std::collections::{HashMap, VecDeque};
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

/// How much the recorder keeps: requests are dropped oldest first once either bound is passed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordLimits {
    /// Most requests kept (0: keep none, only count them).
    pub requests: usize,
    /// Most bytes kept, counting bodies, headers, path and query of requests and answers.
    pub bytes: usize,
}

impl RecordLimits {
    /// Counts only: nothing is kept (the standalone server without `--record`).
    pub(crate) const OFF: RecordLimits = RecordLimits {
        requests: 0,
        bytes: 0,
    };
}

/// Keeps the most recent requests within [`RecordLimits`] and a count per operation that never drops.
pub(crate) struct Recorder {
    inner: Mutex<Inner>,
    limits: RecordLimits,
}

#[derive(Default)]
struct Inner {
    requests: VecDeque<RecordedRequest>,
    /// The bytes the kept requests account for (see [`RecordedRequest::weight`]).
    bytes: usize,
    dropped: usize,
    next_seq: u64,
    counts: HashMap<Option<Operation>, usize>,
}

/// What one kept request costs, besides its bodies: the struct, allocations, bookkeeping.
const ENTRY_OVERHEAD: usize = 256;

impl RecordedRequest {
    /// The memory this record holds, roughly (bodies, texts and a fixed overhead).
    fn weight(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 48)
            .sum();
        ENTRY_OVERHEAD
            + self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + headers
            + self.body.len()
            + self.response.as_ref().map_or(0, RecordedResponse::weight)
    }
}

impl RecordedResponse {
    fn weight(&self) -> usize {
        self.body.len() + self.content_type.as_ref().map_or(0, String::len)
    }
}

impl Inner {
    /// Drops the oldest requests until both bounds hold again.
    fn shrink_to(&mut self, limits: RecordLimits) {
        while self.requests.len() > limits.requests
            || (self.bytes > limits.bytes && !self.requests.is_empty())
        {
            if let Some(oldest) = self.requests.pop_front() {
                self.bytes = self.bytes.saturating_sub(oldest.weight());
                self.dropped += 1;
            }
        }
    }
}

/// Replaces the token in an `Authorization` value, keeping the scheme for assertions.
pub(crate) fn redact_authorization(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [redacted]"),
        None => "[redacted]".to_string(),
    }
}

impl Recorder {
    pub(crate) fn new(limits: RecordLimits) -> Self {
        Recorder {
            inner: Mutex::new(Inner::default()),
            limits,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a test thread panicked while holding it; the data is fine.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether requests (and answers) are kept, not only counted.
    pub(crate) fn keeps_requests(&self) -> bool {
        self.limits.requests > 0 && self.limits.bytes > 0
    }

    /// Records a request; the returned number lets [`Recorder::answer`] attach its response.
    pub(crate) fn push(&self, mut request: RecordedRequest) -> u64 {
        let mut inner = self.lock();
        *inner.counts.entry(request.operation).or_default() += 1;
        let seq = inner.next_seq;
        inner.next_seq += 1;
        request.seq = seq;
        let weight = request.weight();
        if !self.keeps_requests() || weight > self.limits.bytes {
            inner.dropped += 1;
            return seq;
        }
        inner.bytes += weight;
        inner.requests.push_back(request);
        inner.shrink_to(self.limits);
        seq
    }

    /// Attaches the answer to request `seq` (a no-op if it was dropped meanwhile).
    pub(crate) fn answer(&self, seq: u64, response: RecordedResponse) {
        let mut inner = self.lock();
        let added = response.weight();
        // Answers arrive shortly after their request, so search from the newest end.
        let Some(request) = inner.requests.iter_mut().rev().find(|r| r.seq == seq) else {
            return;
        };
        request.response = Some(response);
        inner.bytes += added;
        inner.shrink_to(self.limits);
    }

    /// The bytes the kept requests account for.
    pub(crate) fn kept_bytes(&self) -> usize {
        self.lock().bytes
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().cloned().collect()
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
