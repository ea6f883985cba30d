//! A client-side rate limiter, shared by every request of one client (and its clones).
//!
//! dbt Cloud allows an account 5,000 requests per minute and answers 429 past that. A
//! listing that fetches pages concurrently, or many runs waited on at once, can reach that
//! quickly; the limiter keeps one client under its budget instead of collecting 429s.
//! It is an exact sliding window: at most `max_requests` start in any `window`, in the order
//! they asked (each request is given the earliest slot that keeps the window under its
//! budget, then sleeps until it). Retried attempts count as requests.
//!
//! ```no_run
//! # fn f(dbt: dbt_cloud_api::DbtCloud) {
//! use dbt_cloud_api::rate_limit::RateLimit;
//!
//! // This client and its clones: at most 1,000 requests a minute.
//! let dbt = dbt.with_rate_limit(RateLimit::per_minute(1_000));
//! # let _ = dbt;
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// dbt Cloud's documented limit: requests per minute per account.
pub const DBT_REQUESTS_PER_MINUTE: u32 = 5_000;

/// A budget: at most `max_requests` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    max_requests: u32,
    window: Duration,
}

impl RateLimit {
    /// At most `max_requests` (at least 1) in any `window`.
    pub fn new(max_requests: u32, window: Duration) -> Self {
        RateLimit {
            max_requests: max_requests.max(1),
            window,
        }
    }

    /// At most `max_requests` in any minute.
    pub fn per_minute(max_requests: u32) -> Self {
        RateLimit::new(max_requests, Duration::from_secs(60))
    }

    /// The most requests in one window.
    pub fn max_requests(&self) -> u32 {
        self.max_requests
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }
}

impl Default for RateLimit {
    /// dbt's limit, 5,000 requests per minute.
    fn default() -> Self {
        RateLimit::per_minute(DBT_REQUESTS_PER_MINUTE)
    }
}

/// The shared limiter: cheap to clone, every clone draws on the same budget. The default is
/// dbt's budget ([`RateLimiter::dbt_default`]).
#[derive(Clone)]
pub struct RateLimiter {
    inner: Option<Arc<Window>>,
}

struct Window {
    limit: RateLimit,
    /// The start instants of the latest requests (sent or scheduled), ascending.
    starts: Mutex<VecDeque<Instant>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::dbt_default()
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Some(w) => f.debug_tuple("RateLimiter").field(&w.limit).finish(),
            None => f.write_str("RateLimiter(unlimited)"),
        }
    }
}

impl RateLimiter {
    /// A limiter with this budget.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            inner: Some(Arc::new(Window {
                limit,
                starts: Mutex::new(VecDeque::new()),
            })),
        }
    }

    /// dbt's budget, 5,000 requests per minute.
    pub fn dbt_default() -> Self {
        RateLimiter::new(RateLimit::default())
    }

    /// No limit.
    pub fn unlimited() -> Self {
        RateLimiter { inner: None }
    }

    /// The budget, or `None` when unlimited.
    pub fn limit(&self) -> Option<RateLimit> {
        self.inner.as_ref().map(|w| w.limit)
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let Some(window) = &self.inner else {
            return;
        };
        // One clock read: a request under budget gets `now` itself as its slot and goes.
        let now = Instant::now();
        let slot = window.reserve(now);
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
    }
}

impl Window {
    /// The earliest start at or after `now` that keeps every window within budget, recorded.
    fn reserve(&self, now: Instant) -> Instant {
        let mut starts = self.starts.lock().unwrap_or_else(|p| p.into_inner());
        let max = self.limit.max_requests as usize;
        // Starts a full window ago no longer count against anything that starts from now on.
        while starts.len() >= max
            && starts
                .front()
                .is_some_and(|first| *first + self.limit.window <= now)
        {
            starts.pop_front();
        }
        let mut slot = now;
        if let Some(last) = starts.back() {
            slot = slot.max(*last);
        }
        if starts.len() >= max {
            let bound = starts[starts.len() - max] + self.limit.window;
            slot = slot.max(bound);
        }
        starts.push_back(slot);
        while starts.len() > max {
            starts.pop_front();
        }
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_holds_more_than_the_budget() {
        let limiter = RateLimiter::new(RateLimit::new(3, Duration::from_secs(1)));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            limiter.acquire().await;
            at.push((Instant::now() - start).as_millis());
        }
        assert_eq!(at, vec![0, 0, 0, 1000, 1000, 1000, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_budget_across_tasks() {
        let limiter = RateLimiter::new(RateLimit::new(10, Duration::from_secs(60)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move {
                    l.acquire().await;
                    (Instant::now() - start).as_secs()
                })
            })
            .collect();
        let mut secs = Vec::new();
        for t in tasks {
            secs.push(t.await.unwrap());
        }
        secs.sort();
        assert_eq!(secs.iter().filter(|s| **s == 0).count(), 10);
        assert_eq!(secs.iter().filter(|s| **s == 60).count(), 10);
        assert_eq!(secs.iter().filter(|s| **s == 120).count(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let limiter = RateLimiter::unlimited();
        let start = Instant::now();
        for _ in 0..10_000 {
            limiter.acquire().await;
        }
        assert_eq!(Instant::now(), start);
    }
}
