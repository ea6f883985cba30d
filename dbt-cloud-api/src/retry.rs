//! When and how long to wait before sending a request again.
//!
//! Only idempotent requests are retried automatically (every `GET`, and `cancelRun`, which
//! dbt treats as "make it cancelled"): a `POST` that creates something is never re-sent
//! blindly; [`crate::DbtCloud::trigger_run`] handles its unknown outcomes by looking first.
//!
//! ```
//! use dbt_cloud_api::RetryPolicy;
//! use std::time::Duration;
//!
//! let policy = RetryPolicy::default()
//!     .with_max_attempts(4)
//!     .with_max_elapsed(Duration::from_secs(60));
//! // The delay before the second attempt, with the jitter fraction given explicitly.
//! let delay = policy.next_delay(1, Duration::ZERO, None, 0.5);
//! assert!(delay.is_some());
//! ```

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName};

/// dbt's own delay header on a 429, in seconds.
pub(crate) const DBT_RETRY_AFTER: &str = "x-rate-limit-retry-after-seconds";

/// Exponential backoff with full jitter, bounded by a number of attempts and by total time,
/// honouring `Retry-After` and `x-rate-limit-retry-after-seconds`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_delay: Duration,
    max_elapsed: Duration,
}

/// The longest wait [`retry_after`] reports, whatever the server asked (a day); the policy's
/// [`RetryPolicy::max_delay`] then caps it further.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(86_400);

impl Default for RetryPolicy {
    /// 5 attempts, backoff ceiling from 500 ms doubling to 30 s, no single wait over 60 s
    /// (even when the server asks for longer), at most 2 minutes in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_delay: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, including the first (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The ceiling of the first backoff; it doubles on every retry up to `max_backoff`.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff ceiling.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest single wait before a retry, including one a server asks for with
    /// `Retry-After` or `x-rate-limit-retry-after-seconds`: a longer request is shortened to
    /// this, so no answer can make a call sleep longer.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// No retry starts once this much time has passed since the first attempt, and no wait
    /// extends past it (a longer `Retry-After` ends the retries instead).
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Attempts in all, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total time budget.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The longest single wait (see [`RetryPolicy::with_max_delay`]).
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// A server-requested wait, shortened to [`RetryPolicy::max_delay`].
    pub fn cap_server_delay(&self, asked: Duration) -> Duration {
        asked.min(self.max_delay)
    }

    /// The backoff ceiling before retry number `retry` (1 = the second attempt):
    /// `min(max_backoff, initial_backoff * 2^(retry-1))`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(30));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// How long to wait before the next attempt, or `None` to give up.
    ///
    /// `attempts_made` counts the attempts already sent (at least 1), `elapsed` is the time
    /// since the first one, `retry_after` what the server asked for, and `jitter` a number in
    /// `[0, 1)` (full jitter: the wait is uniform in `[0, ceiling)`). A server's `Retry-After`
    /// is honoured as a minimum, up to [`RetryPolicy::max_delay`]; no wait exceeds that.
    pub fn next_delay(
        &self,
        attempts_made: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if attempts_made >= self.max_attempts || elapsed >= self.max_elapsed {
            return None;
        }
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let backoff = self.ceiling(attempts_made).mul_f64(jitter);
        let delay = match retry_after {
            Some(asked) => self.cap_server_delay(asked).max(backoff),
            None => backoff,
        }
        .min(self.max_delay);
        // Waiting past the budget only to fail afterwards would be worse than failing now.
        if elapsed + delay > self.max_elapsed {
            return None;
        }
        Some(delay)
    }

    /// [`RetryPolicy::next_delay`] with a random jitter.
    pub fn next_delay_random(
        &self,
        attempts_made: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.next_delay(
            attempts_made,
            elapsed,
            retry_after,
            crate::crypto::random_fraction(),
        )
    }
}

/// The statuses worth another attempt of an idempotent request: 408, 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether an operation (progenitor's snake_case operation id) plus its method may be sent
/// twice with the same effect as once.
pub fn is_idempotent(method: &reqwest::Method, operation_id: &str) -> bool {
    matches!(*method, reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS)
        // Cancelling a cancelled (or finished) run changes nothing.
        || operation_id == "cancel_run"
}

/// The wait a server asked for: `Retry-After` (seconds or an HTTP date) or dbt's
/// `x-rate-limit-retry-after-seconds`, whichever is longer, at most [`MAX_SERVER_DELAY`].
///
/// Never panics: huge or non-finite numbers are capped, negative numbers and dates in the
/// past mean "now" (zero), and values that are neither a number nor a date are ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    // Names as `HeaderName`s, not `&str`s: a `&str` is parsed again on every lookup.
    let parse = |name: &HeaderName| headers.get(name)?.to_str().ok().and_then(parse_delay);
    match (
        parse(&reqwest::header::RETRY_AFTER),
        parse(&HeaderName::from_static(DBT_RETRY_AFTER)),
    ) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// One header value: a number of seconds (fractions allowed) or an HTTP date.
fn parse_delay(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_nan() {
            return None;
        }
        // `max(0.0)` maps negatives to zero; `min` keeps +inf and 1e308 representable.
        let secs = secs.max(0.0).min(MAX_SERVER_DELAY.as_secs_f64());
        return Some(Duration::from_secs_f64(secs));
    }
    let date = parse_http_date(value)?;
    let wait = date - chrono::Utc::now();
    // A past date is negative (to_std fails): retry now. A far-future one is capped.
    Some(
        wait.to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_SERVER_DELAY),
    )
}

/// The three date forms HTTP allows (RFC 9110 section 5.6.7): IMF-fixdate (an RFC 2822
/// date), the obsolete RFC 850 form, and asctime.
fn parse_http_date(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDateTime, TimeZone, Utc};
    if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
        return Some(date.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| Utc.from_utc_datetime(&naive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let p = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(700));
        assert_eq!(p.ceiling(1), Duration::from_millis(100));
        assert_eq!(p.ceiling(2), Duration::from_millis(200));
        assert_eq!(p.ceiling(3), Duration::from_millis(400));
        assert_eq!(p.ceiling(4), Duration::from_millis(700));
        assert_eq!(p.ceiling(200), Duration::from_millis(700));
    }
}
