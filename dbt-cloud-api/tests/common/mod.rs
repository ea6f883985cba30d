//! Shared setup: a mock dbt Cloud on 127.0.0.1 whose runs move 200x faster than real time,
//! and a client tuned for tests (short backoff, short timeouts) so faults resolve in
//! milliseconds.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use dbt_cloud_api::{Config, DbtCloud, RetryPolicy, TriggerOptions, WaitOptions};
use dbt_cloud_mock::{MockDbtCloud, MockServer};

pub const TOKEN: &str = "test-token-0123456789";

/// Every test body runs under this bound: a hang is a failure, not a stuck CI job.
pub const TEST_BOUND: Duration = Duration::from_secs(120);

pub async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TEST_BOUND, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {TEST_BOUND:?}"),
    }
}

pub async fn start_mock(token: &str) -> MockServer {
    MockDbtCloud::builder()
        .token(token)
        .real_time(200.0)
        .start()
        .await
        .expect("mock starts")
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(100))
        .with_max_elapsed(Duration::from_secs(20))
}

pub fn client_for(base_url: &str, token: &str, account_id: i64, timeout: Duration) -> DbtCloud {
    Config::builder()
        .token(token)
        .host(base_url)
        .account_id(account_id)
        .timeout(timeout)
        .retry_policy(fast_retries())
        .build()
        .expect("config")
        .client()
        .expect("client")
}

pub fn client(mock: &MockServer) -> DbtCloud {
    client_for(
        &mock.base_url(),
        mock.token(),
        mock.account_id(),
        Duration::from_millis(500),
    )
}

pub fn trigger_options() -> TriggerOptions {
    TriggerOptions::new("test")
        .settle(Duration::from_millis(1500))
        .backoff(Duration::from_millis(20))
        .max_attempts(3)
}

pub fn wait_options() -> WaitOptions {
    WaitOptions::default()
        .poll_interval(Duration::from_millis(20))
        .max_poll_interval(Duration::from_millis(100))
        .timeout(Duration::from_secs(30))
        .error_budget(Duration::from_secs(10))
}

/// The index of the run's `dbt build` step (the run must have been fetched with
/// `include_related=run_steps`). The demo daily job ends with `dbt docs generate`, whose
/// run_results.json has no model nodes and whose listing has no compiled SQL, so tests about
/// build output pin this step.
pub fn build_step(run: &dbt_cloud_api::types::Run) -> Option<i64> {
    run.run_steps
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|s| s.name.as_deref().is_some_and(|n| n.contains("dbt build")))
        .and_then(|s| s.index)
}

/// A small seeded generator (SplitMix64) for reproducible fault plans: the same seed gives the
/// same sequence, which is all the trials need (no dependency for it).
#[allow(dead_code)]
pub struct SeededRng(u64);

#[allow(dead_code)]
impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `low..=high` (`low <= high`).
    pub fn in_range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}
