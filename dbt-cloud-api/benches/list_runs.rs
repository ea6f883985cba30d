//! Listing 20,000 runs from a dbt Cloud 150 ms away: this crate's listing (pages fetched
//! concurrently once the first page gave the total, 8 at a time by default) against the same
//! listing page by page (the same code with a concurrency of 1: same requests, same decoding,
//! same retries). Both run against one in-process mock whose listRuns answers after a fixed
//! 150 ms (a `Fault::Latency` rule on every request), interleaved in rounds.
//!
//! ```text
//! cargo bench -p dbt-cloud-api --bench list_runs
//! BENCH_RUNS=5000 BENCH_LATENCY_MS=100 BENCH_ROUNDS=2 cargo bench -p dbt-cloud-api --bench list_runs
//! ```

use std::time::{Duration, Instant};

use dbt_cloud_api::{Config, DbtCloud};
use dbt_cloud_mock::{Fault, FaultRule, MockDbtCloud, Operation, demo_ids};
use futures::TryStreamExt;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn list_all(dbt: &DbtCloud, account_id: i64, concurrency: usize) -> (usize, Duration) {
    let request = dbt
        .list_runs()
        .account_id(account_id)
        .job_definition_id(demo_ids::HOURLY_JOB)
        .order_by("-id");
    let started = Instant::now();
    let runs: Vec<_> = dbt
        .paginate_with_concurrency(request, concurrency)
        .try_collect()
        .await
        .expect("listing succeeds");
    (runs.len(), started.elapsed())
}

#[tokio::main]
async fn main() {
    let runs = env_or("BENCH_RUNS", 20_000) as usize;
    let latency = Duration::from_millis(env_or("BENCH_LATENCY_MS", 150));
    let rounds = env_or("BENCH_ROUNDS", 1).max(1);
    let mock = MockDbtCloud::builder()
        .token("bench-token")
        .record_capacity(0)
        .start()
        .await
        .expect("mock starts");
    mock.seed_runs(demo_ids::HOURLY_JOB, runs);
    mock.inject_fault(FaultRule::on(Operation::ListRuns, Fault::Latency(latency)));
    let dbt = Config::builder()
        .token("bench-token")
        .host(mock.base_url())
        .account_id(mock.account_id())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("config")
        .client()
        .expect("client");
    let concurrency = dbt.list_concurrency();
    let account_id = mock.account_id();
    println!(
        "list_runs: {runs} runs seeded, {latency:?} per listRuns answer, concurrency {concurrency}, {rounds} round(s)"
    );
    let (mut fast_total, mut slow_total) = (Duration::ZERO, Duration::ZERO);
    for round in 1..=rounds {
        let (n_fast, fast) = list_all(&dbt, account_id, concurrency).await;
        let (n_slow, slow) = list_all(&dbt, account_id, 1).await;
        assert_eq!(n_fast, n_slow, "both listings read the same runs");
        println!(
            "  round {round}: {n_fast} runs, concurrent {fast:.2?}, page by page {slow:.2?}, {:.1}x",
            slow.as_secs_f64() / fast.as_secs_f64()
        );
        fast_total += fast;
        slow_total += slow;
    }
    println!(
        "list_runs: concurrent {:.2?} vs page by page {:.2?} per listing: {:.1}x faster",
        fast_total / rounds as u32,
        slow_total / rounds as u32,
        slow_total.as_secs_f64() / fast_total.as_secs_f64()
    );
    mock.shutdown().await;
}
