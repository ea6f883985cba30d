//! Overhead of this crate's layer: N sequential getRun calls through `DbtCloud::fetch_run` (the
//! request the wait loop repeats, built by hand and sent through the generated client's `pre`
//! hook and the transport its `exec` hook uses: retries, buffering, redaction, tracing span,
//! rate limiter (with a budget the bench never reaches), typed decode)
//! versus the same call written by hand with plain reqwest: a client with the same settings
//! (timeout, connect timeout, user agent, `Authorization` and `Accept` default headers, the
//! `api-version` header and the URL built per request) decoding the body into the same
//! generated `RunResponse`. A third side, for the record, makes the same call through the
//! generated `GetRun` builder, as raw-client code does. All run against the same in-process
//! mock, interleaved call by call so all see the same machine state.
//!
//! ```text
//! cargo bench -p dbt-cloud-api --bench layer_overhead            # N = 5000
//! BENCH_N=20000 cargo bench -p dbt-cloud-api --bench layer_overhead
//! ```

use std::time::{Duration, Instant};

use dbt_cloud_api::Config;
use dbt_cloud_api::rate_limit::RateLimit;
use dbt_cloud_api::types::RunResponse;
use dbt_cloud_mock::{MockDbtCloud, demo_ids};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let mock = MockDbtCloud::builder()
        .token("bench-token")
        .record_capacity(0)
        .start()
        .await
        .expect("mock starts");
    let account_id = mock.account_id();
    let run_id = *mock
        .seed_runs(demo_ids::DAILY_JOB, 1)
        .first()
        .expect("a run");

    let config = Config::builder()
        .token("bench-token")
        .host(mock.base_url())
        .account_id(account_id)
        .build()
        .expect("config");
    // The limiter stays on (its cost per request is part of the layer), with a budget this
    // run never reaches: at dbt's 5,000 a minute it would make the layer wait, not work.
    let dbt = config
        .client()
        .expect("client")
        .with_rate_limit(RateLimit::per_minute(1_000_000));
    let mut headers = HeaderMap::new();
    let mut auth = HeaderValue::from_static("Token bench-token");
    auth.set_sensitive(true);
    headers.insert(AUTHORIZATION, auth);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let plain = reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(config.user_agent())
        .timeout(config.timeout())
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("reqwest client");
    let base_url = mock.base_url();

    let layer_call = || async {
        let run = dbt
            .fetch_run(run_id)
            .await
            .expect("getRun through the layer");
        std::hint::black_box(run.id);
    };
    let builder_call = || async {
        let answer = dbt
            .get_run()
            .account_id(account_id)
            .run_id(run_id)
            .send()
            .await
            .expect("getRun through the generated builder");
        let run = answer.into_inner().data.expect("a run");
        std::hint::black_box(run.id);
    };
    let plain_call = || async {
        // As a hand-written client would: the URL is built per call, as the generated one is.
        let url = format!("{base_url}/api/v2/accounts/{account_id}/runs/{run_id}/");
        let response = plain
            .get(url)
            .header("api-version", "2")
            .send()
            .await
            .expect("getRun with reqwest");
        assert!(response.status().is_success());
        let body: RunResponse =
            serde_json::from_slice(&response.bytes().await.expect("body")).expect("JSON");
        let run = body.data.expect("a run");
        std::hint::black_box(run.id);
    };

    // Warm-up: connections, allocator, caches.
    for _ in 0..200 {
        layer_call().await;
        plain_call().await;
        builder_call().await;
    }
    // Interleaved call by call, rotating which side goes first, so that every side sees the
    // same machine state (on a shared machine, rounds of a few hundred calls each were hit
    // unevenly by other processes: the same binary gave 1.01 and 1.10 in two runs). Each call
    // is timed; the ratio of the median calls is the verdict, as a preempted call lands in the
    // tail of either side without moving the median; the ratio of the totals (every call
    // counted) is printed next to it.
    let (mut layer, mut baseline, mut builder) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        for turn in 0..3 {
            let start = Instant::now();
            match (i + turn) % 3 {
                0 => {
                    plain_call().await;
                    baseline.push(start.elapsed());
                }
                1 => {
                    layer_call().await;
                    layer.push(start.elapsed());
                }
                _ => {
                    builder_call().await;
                    builder.push(start.elapsed());
                }
            }
        }
    }
    let total = |calls: &[Duration]| calls.iter().sum::<Duration>();
    let median = |calls: &mut Vec<Duration>| {
        calls.sort();
        calls[calls.len() / 2]
    };
    let (layer_total, baseline_total, builder_total) =
        (total(&layer), total(&baseline), total(&builder));
    let (layer_median, baseline_median, builder_median) = (
        median(&mut layer),
        median(&mut baseline),
        median(&mut builder),
    );
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "layer_overhead: {n} sequential getRun calls each, against the in-process mock (interleaved call by call)"
    );
    println!("                                        mean us/call  median us/call");
    println!(
        "  plain reqwest, typed RunResponse  : {:>12.1} {:>15.1}",
        micros(baseline_total) / n as f64,
        micros(baseline_median)
    );
    println!(
        "  dbt-cloud-api DbtCloud::fetch_run : {:>12.1} {:>15.1}",
        micros(layer_total) / n as f64,
        micros(layer_median)
    );
    println!(
        "  generated GetRun builder, raw     : {:>12.1} {:>15.1}",
        micros(builder_total) / n as f64,
        micros(builder_median)
    );
    println!(
        "  ratio layer / plain (totals)      : {:>8.3}",
        layer_total.as_secs_f64() / baseline_total.as_secs_f64()
    );
    println!(
        "  ratio layer / plain (medians)     : {:>8.3} (target <= 1.05)",
        layer_median.as_secs_f64() / baseline_median.as_secs_f64()
    );
    println!(
        "  ratio raw builder / plain (medians): {:>7.3} (for the record: no target)",
        builder_median.as_secs_f64() / baseline_median.as_secs_f64()
    );
    println!("  command: cargo bench -p dbt-cloud-api --bench layer_overhead (BENCH_N={n})");
}
