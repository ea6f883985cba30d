//! Exactly-once triggering: with faults on the trigger POST that leave its outcome unknown
//! (the connection closed after the run was created, a 502 after the run was created, a
//! time-out while dbt is still working), one `trigger_run` call must never create two runs.
//!
//! "502 after creating" is produced by a small proxy in front of the mock: it forwards the
//! POST, lets the mock create the run, and answers 502 instead of the mock's 200.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::{bounded, client_for, start_mock};
use dbt_cloud_api::TriggerOptions;
use dbt_cloud_mock::{Fault, FaultRule, Operation, demo_ids};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rand::{RngExt, SeedableRng};

/// Forwards everything to `upstream`; while `fail_triggers` is positive, a trigger POST is
/// forwarded (so the run IS created) and then answered with a 502 HTML page.
async fn start_proxy(upstream: String, fail_triggers: Arc<AtomicU32>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy binds");
    let addr = listener.local_addr().expect("proxy address");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("proxy client");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (http, upstream, fail_triggers) =
                (http.clone(), upstream.clone(), fail_triggers.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let (http, upstream, fail_triggers) =
                        (http.clone(), upstream.clone(), fail_triggers.clone());
                    async move {
                        Ok::<_, Infallible>(
                            forward(&http, &upstream, &fail_triggers, request).await,
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

async fn forward(
    http: &reqwest::Client,
    upstream: &str,
    fail_triggers: &AtomicU32,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let url = format!(
        "{upstream}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut outgoing = http.request(parts.method.clone(), url).body(body);
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST {
            outgoing = outgoing.header(name, value);
        }
    }
    let is_trigger = parts.method == hyper::Method::POST && parts.uri.path().ends_with("/run/");
    let answer = outgoing.send().await;
    if is_trigger
        && fail_triggers
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        return hyper::Response::builder()
            .status(502)
            .header("content-type", "text/html")
            .body(Full::new(Bytes::from_static(
                b"<html><head><title>502 Bad Gateway</title></head></html>",
            )))
            .expect("response");
    }
    match answer {
        Ok(response) => {
            let mut builder = hyper::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let bytes = response.bytes().await.unwrap_or_default();
            builder.body(Full::new(bytes)).expect("response")
        }
        Err(_) => hyper::Response::builder()
            .status(599)
            .body(Full::new(Bytes::new()))
            .expect("response"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum TriggerFault {
    ClosedAfterCreate,
    BadGatewayAfterCreate,
    TimeoutWhileProcessing,
}

const TRIALS: usize = 240;
const SEED: u64 = 0x00db_7c10_0d00_0001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_trigger_outcomes_never_create_a_second_run() {
    let bound = Duration::from_secs(400);
    let trials = tokio::time::timeout(bound, async {
        let mock = start_mock(common::TOKEN).await;
        let fail_triggers = Arc::new(AtomicU32::new(0));
        let proxy = start_proxy(mock.base_url(), fail_triggers.clone()).await;
        // A request time-out shorter than the injected latency, so the POST times out while
        // the mock is still going to create the run.
        let dbt = client_for(
            &proxy,
            mock.token(),
            mock.account_id(),
            Duration::from_millis(100),
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
        let kinds = [
            TriggerFault::ClosedAfterCreate,
            TriggerFault::BadGatewayAfterCreate,
            TriggerFault::TimeoutWhileProcessing,
        ];

        let mut duplicates = 0;
        let mut succeeded = 0;
        let mut per_kind = std::collections::BTreeMap::new();
        for trial in 0..TRIALS {
            let kind = kinds[trial % kinds.len()];
            // 1 or 2 consecutive faulty POSTs: the second also hits the re-sent request, if any.
            let times = rng.random_range(1..=2u32);
            mock.clear_faults();
            fail_triggers.store(0, Ordering::SeqCst);
            match kind {
                TriggerFault::ClosedAfterCreate => {
                    mock.inject_fault(
                        FaultRule::on(Operation::TriggerJobRun, Fault::CloseAfterProcessing)
                            .times(times),
                    );
                }
                TriggerFault::BadGatewayAfterCreate => fail_triggers.store(times, Ordering::SeqCst),
                TriggerFault::TimeoutWhileProcessing => {
                    let latency = Duration::from_millis(rng.random_range(150..=300));
                    mock.inject_fault(
                        FaultRule::on(Operation::TriggerJobRun, Fault::Latency(latency))
                            .times(times),
                    );
                }
            }
            let before = mock.run_ids().len();
            let started = std::time::Instant::now();
            let options = TriggerOptions::new(format!("exactly-once trial {trial}"))
                .settle(Duration::from_millis(600))
                .backoff(Duration::from_millis(10));
            let result = dbt.trigger_run(demo_ids::CI_JOB, options).await;
            // Give a POST that dbt is still processing the time to land before counting.
            if kind == TriggerFault::TimeoutWhileProcessing {
                let landed = Duration::from_millis(350);
                tokio::time::sleep(landed.saturating_sub(started.elapsed())).await;
            }
            let created = mock.run_ids().len() - before;
            if created > 1 {
                duplicates += 1;
            }
            match &result {
                Ok(run) => {
                    succeeded += 1;
                    assert_eq!(
                        created, 1,
                        "trial {trial} ({kind:?}): Ok but {created} runs created"
                    );
                    assert!(
                        mock.run_ids().contains(&run.id),
                        "trial {trial}: the returned run exists"
                    );
                }
                Err(e) => assert!(created <= 1, "trial {trial} ({kind:?}): {e}"),
            }
            let entry = per_kind.entry(kind).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += created;
        }
        println!(
            "exactly-once: {TRIALS} trials (seed {SEED:#x}), {succeeded} returned a run, {duplicates} duplicate runs"
        );
        for (kind, (trials, runs)) in &per_kind {
            println!("  {kind:?}: {trials} trials, {runs} runs created");
        }
        assert_eq!(duplicates, 0, "some trigger calls created two runs");
        assert_eq!(
            succeeded, TRIALS,
            "every trial should find or create its run"
        );
    });
    assert!(
        trials.await.is_ok(),
        "the trials did not finish within {bound:?}"
    );
}

#[tokio::test]
async fn a_refused_trigger_is_not_sent_again() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = common::client(&mock);
    mock.inject_fault(FaultRule::on(
        Operation::TriggerJobRun,
        Fault::DjangoDetail {
            status: 400,
            detail: "cause is required".into(),
        },
    ));
    let e = bounded(
        "refused trigger",
        dbt.trigger_run(demo_ids::CI_JOB, common::trigger_options()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(e.user_message(), Some("cause is required"));
    assert_eq!(mock.request_count(Operation::TriggerJobRun), 1);
    assert_eq!(
        mock.request_count(Operation::ListRuns),
        0,
        "no look-up for a definite refusal"
    );
}

#[tokio::test]
async fn the_marker_is_in_the_cause_and_within_dbt_limit() {
    let mock = start_mock(common::TOKEN).await;
    let dbt = common::client(&mock);
    let run = bounded(
        "trigger",
        dbt.trigger_run(demo_ids::CI_JOB, TriggerOptions::new("x".repeat(300))),
    )
    .await
    .unwrap();
    let listed = dbt
        .fetch_run_including(run.id, Some("trigger"))
        .await
        .unwrap();
    let cause = listed.trigger.and_then(|t| t.cause).unwrap_or_default();
    assert!(
        cause.contains(dbt_cloud_api::trigger::MARKER_PREFIX),
        "{cause}"
    );
    assert!(cause.chars().count() <= 255);
}
