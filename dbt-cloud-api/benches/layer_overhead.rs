//! Overhead of this crate's layer: N sequential getRun calls through `DbtCloud` (generated
//! client + transport hooks: retries, buffering, redaction, tracing span, typed decode)
//! versus the same call written by hand with plain reqwest: a client with the same settings
//! (timeout, connect timeout, user agent, `Authorization` and `Accept` default headers, the
//! `api-version` header and the URL built per request) decoding the body into the same
//! generated `RunResponse`. Both run against the same in-process mock, interleaved in rounds so both
//! see the same machine state.
//!
//! ```text
//! cargo bench -p dbt-cloud-api --bench layer_overhead            # N = 5000
//! BENCH_N=20000 cargo bench -p dbt-cloud-api --bench layer_overhead
//! ```

use std::time::{Duration, Instant};

use dbt_cloud_api::Config;
use dbt_cloud_api::types::RunResponse;
use dbt_cloud_mock::{MockDbtCloud, demo_ids};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};

const ROUNDS: usize = 40;

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
    let dbt = config.client().expect("client");
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
    }
    // Short interleaved rounds, alternating which side goes first, so that noise from other
    // processes on the machine hits both sides alike; the median round ratio is reported
    // next to the ratio of the totals.
    let per_round = n.div_ceil(ROUNDS);
    let (mut layer, mut baseline) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (mut l, mut b) = (Duration::ZERO, Duration::ZERO);
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            for _ in 0..per_round {
                if side == 0 {
                    plain_call().await
                } else {
                    layer_call().await
                }
            }
            if side == 0 {
                b = start.elapsed()
            } else {
                l = start.elapsed()
            }
        }
        layer += l;
        baseline += b;
        ratios.push(l.as_secs_f64() / b.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let total = per_round * ROUNDS;
    let micros = |d: Duration| d.as_secs_f64() * 1e6 / total as f64;
    println!(
        "layer_overhead: {total} sequential getRun calls each, against the in-process mock ({ROUNDS} interleaved rounds)"
    );
    println!(
        "  plain reqwest, typed RunResponse  : {:>8.1} us/call ({:>7.0} calls/s)",
        micros(baseline),
        total as f64 / baseline.as_secs_f64()
    );
    println!(
        "  dbt-cloud-api DbtCloud::fetch_run : {:>8.1} us/call ({:>7.0} calls/s)",
        micros(layer),
        total as f64 / layer.as_secs_f64()
    );
    println!(
        "  ratio layer / plain (totals)      : {:>8.3}",
        layer.as_secs_f64() / baseline.as_secs_f64()
    );
    println!("  ratio layer / plain (median round): {median:>8.3} (target <= 1.05)");
    println!("  command: cargo bench -p dbt-cloud-api --bench layer_overhead (BENCH_N={n})");
}
