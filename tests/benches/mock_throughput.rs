//! Throughput of the mock on loopback: requests per second for getRun and for a 100-item
//! listRuns page, with concurrent keep-alive HTTP/1.1 clients. Not a timed test: it prints
//! figures. Run it with:
//!
//! ```text
//! cargo bench -p dbt-cloud-mock --bench mock_throughput
//! ```
//!
//! (cargo bench builds with the release profile). Env: BENCH_SECONDS (default 5),
//! BENCH_CONNECTIONS (default 32).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use dbt_cloud_mock::{MockDbtCloud, demo_ids};
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

const TOKEN: &str = "bench-token";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Drives `path` from `connections` keep-alive connections for `seconds`; returns requests/s.
async fn drive(addr: std::net::SocketAddr, path: String, connections: u64, seconds: u64) -> f64 {
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (done, count, path) = (done.clone(), count.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .expect("handshake");
            tokio::spawn(connection);
            while !done.load(Ordering::Relaxed) {
                let request = Request::get(path.as_str())
                    .header("host", "127.0.0.1")
                    .header("authorization", format!("Token {TOKEN}"))
                    .body(Empty::<Bytes>::new())
                    .expect("request");
                let response = sender.send_request(request).await.expect("response");
                assert_eq!(response.status(), 200, "{path}");
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                assert!(!body.is_empty());
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Warm up, then measure.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start_count = count.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let measured = count.load(Ordering::Relaxed) - start_count;
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    measured as f64 / elapsed
}

fn main() {
    let seconds = env_number("BENCH_SECONDS", 5);
    let connections = env_number("BENCH_CONNECTIONS", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let mock = MockDbtCloud::builder()
            .token(TOKEN)
            // Recording stays on (as in tests) but keeps only counts, so memory stays flat.
            .record_capacity(0)
            .start()
            .await
            .expect("mock starts");
        let runs = mock.seed_runs(demo_ids::DAILY_JOB, 5_000);
        let account = mock.account_id();
        let run = runs[runs.len() / 2];
        println!(
            "mock_throughput: {connections} keep-alive HTTP/1.1 connections, {seconds} s per case, 5,000 seeded runs, {} worker threads",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        );
        let get_run = drive(mock.addr(), format!("/api/v2/accounts/{account}/runs/{run}/"), connections, seconds).await;
        println!("getRun                      {get_run:>10.0} requests/s");
        let get_run_related = drive(
            mock.addr(),
            format!("/api/v2/accounts/{account}/runs/{run}/?include_related=trigger,job,run_steps"),
            connections,
            seconds,
        )
        .await;
        println!("getRun (include_related)    {get_run_related:>10.0} requests/s");
        let list = drive(
            mock.addr(),
            format!("/api/v2/accounts/{account}/runs/?limit=100&offset=1000&order_by=-id"),
            connections,
            seconds,
        )
        .await;
        println!("listRuns (100-item page)    {list:>10.0} requests/s ({:.0} runs/s)", list * 100.0);
        mock.shutdown().await;
    });
}
