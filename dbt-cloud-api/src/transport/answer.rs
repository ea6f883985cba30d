//! Reading an answer whole: the body with the client's secrets removed, the server's delay
//! capped by the policy, an envelope for an error body that was not dbt's, and the
//! `reqwest::Response` the generated code reads, rebuilt around the body.

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Response, ResponseBuilderExt, StatusCode};

use super::Transport;
use crate::retry::retry_after;

/// Header added to an error answer whose body was not dbt's JSON envelope (an HTML page from a
/// proxy, a Django `{"detail": ...}`, a truncated body) and which the transport replaced with an
/// envelope carrying a short summary, so that every error keeps its HTTP status and a message.
pub const SYNTHESIZED_ENVELOPE_HEADER: &str = "x-dbt-cloud-api-synthesized-envelope";

/// The buffered body of an error answer, kept in the response's extensions so that an error
/// can quote it without reading the (already read) body again.
#[derive(Debug, Clone)]
pub(crate) struct ErrorBody(pub(crate) Bytes);

/// An answer as the transport read it: the body whole, secrets removed, an error labelled
/// with its request (see [`Transport::answer`]).
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The HTTP version.
    pub(crate) version: reqwest::Version,
    /// The URL answered (after any redirect).
    pub(crate) url: reqwest::Url,
    /// The headers, with [`REQUEST_HEADER`] (and [`SYNTHESIZED_ENVELOPE_HEADER`]) added to
    /// an error answer.
    pub(crate) headers: HeaderMap,
    /// The connection's information and whatever else `reqwest` keeps with an answer.
    pub(crate) extensions: http::Extensions,
    /// The whole body.
    pub(crate) body: Bytes,
}

impl Answer {
    /// The `reqwest::Response` the generated code reads, around the buffered body. An error
    /// answer also keeps its body as [`ErrorBody`], for an error to quote.
    pub(crate) fn into_response(self) -> Response {
        let mut builder = http::Response::builder()
            .status(self.status)
            .version(self.version);
        // The map that came with the answer is reused for the URL, not a new one allocated.
        if let Some(slot) = builder.extensions_mut() {
            *slot = self.extensions;
        }
        let mut builder = builder.url(self.url);
        if let Some(slot) = builder.headers_mut() {
            *slot = self.headers;
        }
        if !self.status.is_success() {
            builder = builder.extension(ErrorBody(self.body.clone()));
        }
        match builder.body(self.body) {
            Ok(r) => Response::from(r),
            // Unreachable: status, version and headers come from a valid response.
            Err(_) => Response::from(http::Response::new(Bytes::new())),
        }
    }
}

impl Transport {
    /// Reads the whole body, with secrets removed from it, server-requested delays capped by
    /// the policy, and an envelope for a non-envelope error body (see
    /// [`SYNTHESIZED_ENVELOPE_HEADER`]).
    pub(super) async fn buffer(&self, mut response: Response) -> reqwest::Result<Answer> {
        let status = response.status();
        let version = response.version();
        let url = response.url().clone();
        // The answer's own extensions (the connection's info behind `remote_addr()`) carry
        // over to the response the generated code gets.
        let extensions = std::mem::take(response.extensions_mut());
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
        Ok(Answer {
            status,
            version,
            url,
            headers,
            extensions,
            body,
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
