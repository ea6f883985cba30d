//! Which request an error answer answers. An error built by `From` is given no operation and
//! no request, so the transport writes the request into the answer ([`REQUEST_HEADER`]) and
//! remembers the operation ids and the URLs of failed requests.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::redact::Redactor;

/// Header added to every error answer (status 300 and above): the request that got it, as
/// `METHOD origin/path` (never the query), so an error can name it, ids included.
pub const REQUEST_HEADER: &str = "x-dbt-cloud-api-request";

/// Marks an error answer with the request it answers (see [`REQUEST_HEADER`]):
/// `operation METHOD origin/path`.
pub(super) fn label_error_answer(
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

pub(super) fn remember_failure(url: &reqwest::Url, operation: &'static str) {
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
